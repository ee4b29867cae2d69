"""Where the checkout and the test environment's programs are: one definition for all tests."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The venv's bin directory: ansible-playbook, kafka-vmtune, molecule, ruff, ...
BIN = Path(sys.executable).parent
