"""wait_until, the one loop behind every wait of the roll: it always ends, on any clock."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from simulated import VirtualClock

from kafka_vmtune.restart.admin import ClusterSnapshot
from kafka_vmtune.restart.machine import RollSettings, wait_until


class NeverReady:
    """An admin whose cluster answers every poll, and a check it never passes."""

    def __init__(self) -> None:
        self.polls = 0

    def snapshot(self) -> ClusterSnapshot:
        self.polls += 1
        return ClusterSnapshot(brokers=frozenset(), partitions=())


@settings(max_examples=100, deadline=None)
@given(
    start=st.floats(0, 1e9, allow_nan=False),
    timeout=st.floats(0.001, 600, allow_nan=False),
    poll=st.floats(0.01, 10, allow_nan=False),
)
def test_a_wait_that_never_passes_ends_at_its_timeout_on_any_clock(
    start: float, timeout: float, poll: float
) -> None:
    # A virtual clock far from zero cannot move by the last sliver of the timeout (a
    # float at 1e9 does not change by 1e-8): the wait must still end, not spin forever.
    clock, admin = VirtualClock(start), NeverReady()
    opts = RollSettings(poll_interval=poll, first_poll=min(0.1, poll))
    result = wait_until(admin, clock, timeout, opts, lambda _snap: ["not yet"])
    assert result.snapshot is None
    assert result.last_reasons == ["not yet"]
    assert result.elapsed >= timeout - 1e-6 * max(1.0, start)
    # Polls: the back-off's doubling up to poll, then one per poll, and one at the end.
    assert admin.polls <= 2 + 20 + timeout / poll + 1
