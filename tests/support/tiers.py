"""The suite's tiers and the guard that keeps the fast one fast.

`./run.sh fast` (and the shifted-clock run of `./run.sh test`) select FAST and export
KVT_TIER=fast. The helpers that start Ansible (playbook_run) or podman (podman_setup)
call `starting(kind)` first: in the fast tier that can only be a test that lacks its
marker, and it fails naming the marker instead of slowing the tier down unseen.
"""

from __future__ import annotations

import os

import pytest

# What a test starts that makes it slow, each a marker (pyproject.toml).
SLOW = ("ansible", "podman", "molecule", "jvm", "kernel", "kafka")
FAST = "not (" + " or ".join(SLOW) + ")"


def starting(kind: str) -> None:
    """Call before starting `kind` (one of SLOW)."""
    assert kind in SLOW, kind
    if os.environ.get("KVT_TIER") == "fast":
        pytest.fail(
            f"this test starts {kind} but is not marked @pytest.mark.{kind}: "
            "the fast tier (./run.sh fast) starts none",
            pytrace=False,
        )


def clock_shifted() -> bool:
    """True under faketime (libfaketime reads FAKETIME from the environment)."""
    return "FAKETIME" in os.environ


# librdkafka (confluent-kafka) waits with pthread_cond_timedwait against the wall clock:
# under faketime its deadlines lie 400 days ahead of the kernel's and never fire.
LIBRDKAFKA_CLOCK = pytest.mark.realclock(
    "librdkafka's timed waits use the wall clock, which faketime shifts and the kernel does not"
)
