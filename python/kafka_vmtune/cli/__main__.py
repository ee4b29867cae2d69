"""`python3 -m kafka_vmtune.cli`: the CLI on a host where only the package was copied."""

import sys

from .main import main

sys.exit(main())
