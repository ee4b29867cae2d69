"""Stand-in for the get-pip.py that ansible-test downloads from ci-files.testing.ansible.com.

That host is unreachable here (only PyPI is), so ansible-test could not put pip into the
empty virtual environments of its sanity tests. This does the same with the standard
library: ensurepip installs the pip bundled with Python, which then installs the pinned
pip and packages ansible-test asks for from PyPI. Placed as ~/.ansible/test/cache/get_pip_X_Y.py
under the private HOME the sanity test gives ansible-test.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys


def main() -> int:
    # get-pip.py's own flags; pip install does not know them.
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    env = dict(os.environ)
    # ensurepip sets PIP_CONFIG_FILE=/dev/null in os.environ; the install from PyPI below
    # needs the machine's pip configuration (index, certificates).
    ensurepip.bootstrap(upgrade=True)
    cmd = [sys.executable, "-m", "pip", "install", "--upgrade", "--force-reinstall", *args]
    return subprocess.call(cmd, env=env)


if __name__ == "__main__":
    sys.exit(main())
