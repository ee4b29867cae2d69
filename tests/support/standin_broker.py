"""A process whose command line is a broker's, for tests that only read /proc.

kafka-vmtune takes a process for a broker by its command line (a JVM, main class
kafka.Kafka). Starting a JVM costs a JDK build and its map areas move while it warms up;
this stand-in is Python under the name `java` (a symlink, so Python finds its home) running
a script named kafka.Kafka: `java -I kafka.Kafka server.properties`. Its /proc files are a
real process's. Tests about the JVM itself use tests/jvm's fake broker.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def standin_broker(properties: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A running stand-in broker; killed on exit."""
    with tempfile.TemporaryDirectory(prefix="kvt-standin-") as home:
        java = Path(home) / "java"
        java.symlink_to(Path(sys.executable).resolve())
        (Path(home) / "kafka.Kafka").write_text("import time\ntime.sleep(600)\n")
        props = properties or Path(home) / "server.properties"
        if properties is None:
            props.write_text(f"log.dirs={home}/logs\n")
            (Path(home) / "logs").mkdir()
        proc = subprocess.Popen([str(java), "-I", "kafka.Kafka", str(props)], cwd=home)
        try:
            # Popen may return while the kernel is still setting up the new program: its
            # /proc/PID/cmdline reads empty for that moment.
            deadline = time.monotonic() + 30
            cmdline = Path(f"/proc/{proc.pid}/cmdline")
            while not cmdline.read_bytes() and time.monotonic() < deadline:
                time.sleep(0.01)
            yield proc
        finally:
            proc.kill()
            proc.wait()


def standin_shell(home: str = "/tmp") -> str:
    """Shell that starts the same stand-in in `home` (a private /tmp) and sets $pid."""
    return (
        f"ln -s {sys.executable} {home}/java && mkdir {home}/logs"
        f" && printf 'import time\\ntime.sleep(600)\\n' > {home}/kafka.Kafka"
        f" && echo log.dirs={home}/logs > {home}/server.properties"
        f" && (cd {home} && exec {home}/java -I kafka.Kafka {home}/server.properties) & pid=$!"
        # Until the subshell has exec'd, $pid is a shell, not a broker (a race under load).
        "; for _ in $(seq 200); do grep -q kafka.Kafka /proc/$pid/cmdline 2>/dev/null && break;"
        " sleep 0.05; done"
    )
