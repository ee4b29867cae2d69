"""The cause of an Ansible failure message, as the callback and the fleet report show it."""

from __future__ import annotations

import re

# Ansible 2.19 prefixes a failure's message with its own wrappers; the operator needs the cause.
_WRAPPERS = re.compile(r"^(?:(?:Task|Action|Module) failed(?: \([^)]*\))?: )+")


def cause(message: str) -> str:
    """message without Ansible's "Task failed: ..." wrappers and surrounding whitespace."""
    return _WRAPPERS.sub("", message.strip())
