"""Which brokers a roll takes (restart.decide, the rolling_restart role's one decision).

Properties over random host reports and variables, then the exact reason an operator reads
per broker ("b1: no restart (<reason>)"), then bad input.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kafka_vmtune.errors import InputError
from kafka_vmtune.restart.decide import Selection, decide

POLICIES = ("never", "auto", "always")
KEYS = ("nofile_soft", "malloc_arena_max", "nofile_hard")
# The reasons that go with a restart (or, for a down broker, a start).
RESTART_REASONS = {
    "down: start it and see it back (recovery)",
    "policy always",
    "kafka_vmtune_restart_due",
    "listed in kafka_vmtune_restart_hosts",
}

settings_values = st.dictionaries(st.sampled_from(KEYS), st.integers(1, 1 << 20), max_size=3)
epochs = st.floats(1e9, 2e9, allow_nan=False)


@st.composite
def reports(draw: st.DrawFn) -> object:
    """A host report shaped as kafka_facts gives it (a broker that is down has no process,
    so no start time), or none (a host without facts)."""
    if draw(st.booleans()):
        return draw(st.sampled_from([None, {}]))
    running = draw(st.booleans())
    kafka: dict[str, Any] = {"start_time": draw(epochs) if running else None}
    if draw(st.booleans()):
        kafka["node_id"] = draw(st.integers(0, 10_000))
    report: dict[str, Any] = {
        "process": draw(settings_values) if running else None,
        "kafka": kafka,
    }
    if draw(st.booleans()):
        report["down"] = False if running else draw(st.booleans())
    return report


@st.composite
def inputs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "policy": draw(st.sampled_from(POLICIES)),
        "report": draw(reports()),
        "restart_due": draw(st.booleans()),
        "listed": draw(st.booleans()),
        "required_process": draw(settings_values),
        "resuming": draw(st.booleans()),
        "roll_started_at": draw(epochs),
    }


def run(args: dict[str, Any]) -> Selection:
    return decide(**args)


def is_down(args: dict[str, Any]) -> bool:
    report = args["report"]
    return bool(report and report.get("down"))


@given(inputs())
def test_policy_never_restarts_nothing_and_says_if_the_broker_is_down(args: dict[str, Any]) -> None:
    d = run({**args, "policy": "never"})
    assert not d.selected
    if is_down(args):
        assert d.down
        assert d.reason == "DOWN and left down (policy never): start it, or run with policy auto"
    else:
        assert d.reason == "policy never"


@given(inputs(), st.sampled_from(["auto", "always"]))
def test_a_down_broker_is_started_under_auto_and_always(args: dict[str, Any], policy: str) -> None:
    report = {"process": None, "kafka": {"start_time": None}, "down": True}
    d = run({**args, "policy": policy, "report": report})
    assert d.selected and d.down
    assert d.reason == "down: start it and see it back (recovery)"


@given(inputs())
def test_the_reason_is_never_empty_and_tells_the_decision(args: dict[str, Any]) -> None:
    d = run(args)
    assert d.reason
    assert d.selected == (d.reason in RESTART_REASONS)


@given(inputs())
def test_auto_leaves_a_running_broker_nobody_flagged_or_listed(args: dict[str, Any]) -> None:
    args = {**args, "policy": "auto", "restart_due": False, "listed": False}
    d = run(args)
    if not is_down(args):
        assert not d.selected
        assert d.reason == (
            "not flagged: kafka_vmtune_restart_due false, not in kafka_vmtune_restart_hosts"
        )


@given(
    policy=st.sampled_from(["auto", "always"]),
    required=settings_values.filter(bool),
    extra=settings_values,
    started_at=epochs,
    offset=st.floats(0.001, 1e6),
    started_after=st.booleans(),
    in_effect=st.booleans(),
    resuming=st.booleans(),
)
def test_a_resumed_roll_skips_exactly_brokers_back_with_the_required_settings(
    *,
    policy: str,
    required: dict[str, int],
    extra: dict[str, int],
    started_at: float,
    offset: float,
    started_after: bool,
    in_effect: bool,
    resuming: bool,
) -> None:
    process = {**extra, **required}
    if not in_effect:  # one required setting shows another value
        key = sorted(required)[0]
        process[key] = required[key] + 1
    start = started_at + offset if started_after else started_at - offset
    d = decide(
        policy,
        {"process": process, "kafka": {"start_time": start, "node_id": 3}},
        restart_due=True,
        listed=False,
        required_process=required,
        resuming=resuming,
        roll_started_at=started_at,
    )
    skipped = resuming and started_after and in_effect
    assert d.selected == (not skipped)
    if skipped:
        assert d.reason == "already restarted since the roll began, required settings in effect"


@given(inputs())
def test_a_report_missing_or_empty_decides_the_same(args: dict[str, Any]) -> None:
    decisions = {run({**args, "report": r}) for r in (None, {}, {"process": None, "kafka": {}})}
    assert len(decisions) == 1
    d = decisions.pop()
    assert not d.down and d.node_id is None


# The exact words per broker, in the order the rule weighs them.
LEFT_DOWN = "DOWN and left down (policy never): start it, or run with policy auto"
RECOVERY = "down: start it and see it back (recovery)"
NOT_FLAGGED = "not flagged: kafka_vmtune_restart_due false, not in kafka_vmtune_restart_hosts"
DONE = "already restarted since the roll began, required settings in effect"
BACK = {"kafka": {"start_time": 2000.0}}  # started after the roll began (1000)


@pytest.mark.parametrize(
    ("policy", "report", "needed_listed", "expected"),
    [
        ("never", {"down": True}, (True, True), (False, LEFT_DOWN)),
        ("never", {}, (True, True), (False, "policy never")),
        ("auto", {"down": True}, (False, False), (True, RECOVERY)),
        ("always", {"down": True}, (False, False), (True, RECOVERY)),
        ("auto", {}, (False, False), (False, NOT_FLAGGED)),
        ("auto", BACK, (True, False), (False, DONE)),
        ("always", BACK, (False, False), (False, DONE)),
        ("always", {}, (True, True), (True, "policy always")),
        ("auto", {}, (True, True), (True, "kafka_vmtune_restart_due")),
        ("auto", {}, (False, True), (True, "listed in kafka_vmtune_restart_hosts")),
    ],
)
def test_each_decision_gives_its_reason(
    policy: str,
    report: dict[str, Any],
    needed_listed: tuple[bool, bool],
    expected: tuple[bool, str],
) -> None:
    d = decide(
        policy,
        report,
        restart_due=needed_listed[0],
        listed=needed_listed[1],
        required_process={},
        resuming=True,
        roll_started_at=1000.0,
    )
    assert (d.selected, d.reason) == expected


def test_a_broker_started_the_second_the_roll_began_counts_as_done() -> None:
    d = decide(
        "always",
        {"kafka": {"start_time": 1000.0}},
        restart_due=False,
        listed=False,
        required_process={},
        resuming=True,
        roll_started_at=1000.0,
    )
    assert not d.selected and d.reason == DONE


def test_a_fresh_roll_restarts_a_broker_started_after_it_began() -> None:
    d = decide(
        "always",
        {"kafka": {"start_time": 2000.0}},
        restart_due=False,
        listed=False,
        required_process={},
        resuming=False,
        roll_started_at=1000.0,
    )
    assert d.selected and d.reason == "policy always"


@pytest.mark.parametrize(
    ("node_id", "report_id", "expected"),
    [(None, 7, 7), (4, 7, 4), ("12", 7, 12), (None, None, None), ("b1", 7, None), (True, 7, None)],
)
def test_the_node_id_is_the_inventory_s_else_the_report_s(
    node_id: object, report_id: int | None, expected: int | None
) -> None:
    d = decide(
        "always",
        {"kafka": {"node_id": report_id}},
        restart_due=False,
        listed=False,
        required_process={},
        resuming=False,
        roll_started_at=0.0,
        node_id=node_id,
    )
    assert d.node_id == expected


@pytest.mark.parametrize(
    ("text", "value"), [("true", True), ("yes", True), ("0", False), ("Off", False)]
)
def test_restart_due_reads_as_ansible_s_bool(text: str, value: bool) -> None:
    d = decide(
        "auto",
        {},
        restart_due=text,
        listed=False,
        required_process={},
        resuming=False,
        roll_started_at=0.0,
    )
    assert d.selected == value


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"policy": "sometimes"}, "must be never, auto or always, got 'sometimes'"),
        ({"restart_due": "maybe"}, "kafka_vmtune_restart_due must be true or false"),
        ({"required_process": ["nofile_soft"]}, "restart_required_process must be a mapping"),
        ({"report": {"process": [1]}}, "host report process must be a mapping"),
        ({"report": {"kafka": {"start_time": "later"}}}, "start_time must be epoch seconds"),
        ({"roll_started_at": "now"}, "roll start must be epoch seconds, got 'now'"),
        ({"report": {"down": "perhaps"}}, "host report down must be true or false"),
    ],
)
def test_bad_input_is_named(change: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "policy": "auto",
        "report": {},
        "restart_due": False,
        "listed": False,
        "required_process": {},
        "resuming": True,
        "roll_started_at": 1000.0,
        **change,
    }
    with pytest.raises(InputError, match=re.escape(message)):
        decide(**args)


def test_the_role_and_module_docs_offer_exactly_the_policies_decide_takes() -> None:
    """Ansible reads these choices from YAML (argument_specs, the module's DOCUMENTATION),
    so they cannot be derived: compared here. The action plugin takes decide.POLICIES."""
    import ast

    import yaml
    from repo import REPO

    from kafka_vmtune.restart import decide as decide_module

    specs = yaml.safe_load((REPO / "roles/rolling_restart/meta/argument_specs.yml").read_text())
    option = specs["argument_specs"]["main"]["options"]["kafka_vmtune_restart_policy"]
    assert tuple(option["choices"]) == decide_module.POLICIES
    assert option["default"] in decide_module.POLICIES
    module = ast.parse((REPO / "plugins/modules/kafka_roll.py").read_text())
    docs = next(
        n.value.value
        for n in module.body
        if isinstance(n, ast.Assign)
        and getattr(n.targets[0], "id", "") == "DOCUMENTATION"
        and isinstance(n.value, ast.Constant)
    )
    assert tuple(yaml.safe_load(docs)["options"]["policy"]["choices"]) == decide_module.POLICIES


def test_the_pre_flight_names_a_bad_policy_with_the_words_of_decide() -> None:
    from kafka_vmtune.restart.decide import policy_error
    from kafka_vmtune.variables import errors

    found = errors({"kafka_vmtune_restart_policy": "sometimes"})
    assert policy_error("sometimes") in found
    assert policy_error("auto") is None
