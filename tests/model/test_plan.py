"""The host plan: what tune-vm.yml will do, decided once in Python (plan.plan.make_plan)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from machine_facts import machine_facts, sized

from kafka_vmtune import settings
from kafka_vmtune.defaults import KERNEL_MAX_MAP_COUNT
from kafka_vmtune.facts.procfs import MapsUsage, ProcessFacts
from kafka_vmtune.plan.plan import HostPlan, make_plan, never_lower
from kafka_vmtune.sizing.recommend import MapRecommendation, NofileRecommendation

OPTIONS = settings.parse_all({})
# One real gather of this machine (no broker here); each case replaces what it varies.
BASE = machine_facts("/nonexistent-kafka-vmtune-root")
BASE_SIZING = sized(BASE)
MAPS = MapsUsage(0, 0, 0, 0, 0, 0, 0)


def plan_for(  # noqa: PLR0917
    live: int,
    boot: int | None,
    ours: int | None,
    recommended: int,
    required: int = 1000,
    writable: bool = True,
    process: dict[str, Any] | None = None,
    opts: dict[str, settings.Value] = OPTIONS,
) -> HostPlan:
    sysctl = dict(
        BASE.sysctl,
        live=live,
        boot_value=boot,
        ours_value=ours,
        ours_managed=ours is not None,
        writable=writable,
        overridden_by=[],
    )
    proc = None
    if process is not None:
        proc = ProcessFacts(1, "java", 100, start_time=0.0, maps=MAPS, open_fds=10, **process)
    facts = BASE._replace(live=live, sysctl=sysctl, process=proc)
    sizing = BASE_SIZING._replace(
        map_count=MapRecommendation(live, required, 0, recommended, "keep", ""),
        nofile=NofileRecommendation(None, 1000, 65536, ""),
    )
    return make_plan(facts, sizing, opts)


values = st.integers(min_value=0, max_value=2**31 - 1)


@given(live=values, boot=st.one_of(st.none(), values), recommended=values, ours=st.none() | values)
def test_the_plan_never_lowers_the_live_or_boot_value(
    live: int, boot: int | None, recommended: int, ours: int | None
) -> None:
    plan = plan_for(live, boot, ours, recommended)
    assert plan.target >= max(live, boot or 0, recommended)
    assert plan.target in {live, boot, recommended}
    assert plan.recommended == recommended and plan.fixed is None
    assert plan.raise_live.do == (live < plan.target)
    assert plan.persist.do == (ours != plan.target)
    assert plan.after_reboot == plan.target  # nothing overrides our file here


def test_live_already_high_but_not_persisted_is_persisted_and_says_why() -> None:
    # The case: live 262144 set by hand, nothing at boot: a reboot gives 65530.
    plan = plan_for(262144, None, None, 262144, required=300000 // 2)
    assert plan.action == "persist"
    assert not plan.raise_live.do
    assert plan.persist.do
    assert (
        f"after a reboot it would be {KERNEL_MAX_MAP_COUNT} (kernel default)" in plan.persist.reason
    )
    assert "below the required 150000" in plan.persist.reason


def test_read_only_proc_sys_plans_no_live_raise_and_says_so() -> None:
    plan = plan_for(65530, None, None, 262144, writable=False)
    assert plan.action == "persist"
    assert "read-only" in plan.raise_live.reason


def test_a_fixed_value_is_used_but_never_below_the_live_one() -> None:
    opts = settings.parse_all({"max_map_count": 100000})
    low = plan_for(65530, None, None, 262144, opts=opts)
    assert (low.target, low.fixed, low.recommended) == (100000, 100000, 262144)
    assert plan_for(500000, None, None, 262144, opts=opts).target == 500000


def test_open_file_limit_plan_and_restart_reason() -> None:
    opts = settings.parse_all({"manage_nofile": True})
    proc = {"nofile_soft": 4096, "nofile_hard": 4096, "malloc_arena_max": None}
    plan = plan_for(262144, 262144, 262144, 262144, process=proc, opts=opts)
    assert plan.nofile == 65536
    assert plan.restart.do
    assert "4096 open files" in plan.restart.reason
    assert plan.action == "keep"


def test_never_lower_ignores_unknown_values() -> None:
    assert never_lower(5, None, 3) == 5
    assert never_lower(5, 9, None) == 9


def test_our_file_without_our_header_is_rewritten_even_at_the_target() -> None:
    """The persist decision is made here only; the apply module carries it out."""
    plan = plan_for(262144, 262144, 262144, 262144)
    assert not plan.persist.do
    facts = BASE._replace(
        live=262144,
        sysctl=dict(
            BASE.sysctl,
            live=262144,
            ours_value=262144,
            ours_managed=False,
            boot_value=262144,
            overridden_by=[],
        ),
    )
    sizing = BASE_SIZING._replace(map_count=MapRecommendation(262144, 1000, 0, 262144, "keep", ""))
    unmanaged = make_plan(facts, sizing, OPTIONS)
    assert unmanaged.persist.do and "lacks our header" in unmanaged.persist.reason
