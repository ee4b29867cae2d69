"""The host plan: what tune-vm.yml will do, decided once in Python (plan.plan.make_plan)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kafka_vmtune import settings
from kafka_vmtune.plan.plan import KERNEL_DEFAULT, make_plan, never_lower

OPTIONS = settings.parse_all({})


def report(  # noqa: PLR0917
    live: int,
    boot: int | None,
    ours: int | None,
    recommended: int,
    required: int = 1000,
    writable: bool = True,
    process: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "kafka": {"found": process is not None},
        "process": process,
        "sysctl": {
            "live": live,
            "boot_value": boot,
            "ours_value": ours,
            "writable": writable,
            "overridden_by": [],
        },
        "recommendation": {
            "recommended": recommended,
            "required": required,
            "nofile": {"recommended": 65536},
        },
    }


values = st.integers(min_value=0, max_value=2**31 - 1)


@given(live=values, boot=st.one_of(st.none(), values), wanted=values, ours=st.none() | values)
def test_the_plan_never_lowers_the_live_or_boot_value(
    live: int, boot: int | None, wanted: int, ours: int | None
) -> None:
    plan = make_plan(report(live, boot, ours, wanted), OPTIONS)
    assert plan.target >= max(live, boot or 0, wanted)
    assert plan.target in {live, boot, wanted}
    assert plan.raise_live.do == (live < plan.target)
    assert plan.persist.do == (ours != plan.target)
    assert plan.after_reboot == plan.target  # nothing overrides our file here


def test_live_already_high_but_not_persisted_is_persisted_and_says_why() -> None:
    # The case: live 262144 set by hand, nothing at boot: a reboot gives 65530.
    plan = make_plan(report(262144, None, None, 262144, required=300000 // 2), OPTIONS)
    assert plan.action == "persist"
    assert not plan.raise_live.do
    assert plan.persist.do
    assert f"after a reboot it would be {KERNEL_DEFAULT} (kernel default)" in plan.persist.reason
    assert "below the required 150000" in plan.persist.reason


def test_read_only_proc_sys_plans_no_live_raise_and_says_so() -> None:
    plan = make_plan(report(65530, None, None, 262144, writable=False), OPTIONS)
    assert plan.action == "persist"
    assert "read-only" in plan.raise_live.reason


def test_a_fixed_value_is_used_but_never_below_the_live_one() -> None:
    opts = settings.parse_all({"max_map_count": 100000})
    assert make_plan(report(65530, None, None, 262144), opts).target == 100000
    assert make_plan(report(500000, None, None, 262144), opts).target == 500000


def test_open_file_limit_plan_and_restart_reason() -> None:
    opts = settings.parse_all({"manage_nofile": True})
    proc = {"nofile_soft": 4096, "nofile_hard": 4096, "malloc_arena_max": None}
    plan = make_plan(report(262144, 262144, 262144, 262144, process=proc), opts)
    assert plan.nofile == 65536
    assert plan.restart.do
    assert "4096 open files" in plan.restart.reason
    assert plan.action == "keep"


def test_never_lower_ignores_unknown_values() -> None:
    assert never_lower(5, None, 3) == 5
    assert never_lower(5, 9, None) == 9
