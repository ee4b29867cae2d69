"""The KafkaAdmin the roll talks to: confluent-kafka, or in tests a stand-in.

The stand-in is named by TEST_ADMIN ("module:callable", built like ConfluentAdmin) in the
control node's environment: test runs and bench/bench_roll.py set it for ansible-playbook's
process. It is no inventory variable and no module option, so nothing an inventory or a
playbook says can select it, and a run that uses it says so in its results.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from .admin import AdminError, KafkaAdmin
from .confluent_admin import ConfluentAdmin

TEST_ADMIN = "KAFKA_VMTUNE_TEST_ADMIN"


def stand_in() -> str | None:
    """The stand-in this process would use ('module:callable'), or None: confluent-kafka."""
    return os.environ.get(TEST_ADMIN) or None


def connect(
    bootstrap_servers: str,
    client_config: Mapping[str, Any] | None = None,
    *,
    request_timeout: float,
) -> KafkaAdmin:
    """The admin for this cluster. Raises AdminError on a bad client setting or stand-in."""
    name = stand_in()
    if name is None:
        return ConfluentAdmin(bootstrap_servers, client_config, request_timeout=request_timeout)
    module, _sep, attr = name.partition(":")
    try:
        factory = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise AdminError(f"{TEST_ADMIN}={name!r} cannot be imported: {exc}") from None
    admin: KafkaAdmin = factory(bootstrap_servers, client_config, request_timeout=request_timeout)
    return admin
