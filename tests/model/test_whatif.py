"""What-if descriptions: validation names the bad field, replicas spread, one model per broker."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from repo import REPO

from kafka_vmtune import settings
from kafka_vmtune.errors import InputError
from kafka_vmtune.sizing.projection import TopicSpec, segments_per_replica
from kafka_vmtune.whatif.calculate import whatif_from_dict
from kafka_vmtune.whatif.parse import parse_whatif
from kafka_vmtune.whatif.placement import assign_replicas

EXAMPLE = REPO / "examples" / "whatif.yaml"


def description(**top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "brokers": 3,
        "topics": [
            {"name": "a", "partitions": 12, "replication_factor": 3, "ingress_bytes_per_s": 1e5},
            {"name": "b", "partitions": 5, "replication_factor": 2, "retention_ms": 3_600_000},
            {"name": "c", "partitions": 7, "ingress_bytes_per_s": 10},
        ],
    }
    doc.update(top)
    return doc


def with_topic_field(index: int, key: str, value: object) -> dict[str, Any]:
    doc = description()
    doc["topics"][index][key] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            with_topic_field(2, "retention_ms", -5),
            "topics[2].retention_ms: must be a positive integer or -1 (unlimited), got -5",
        ),
        (with_topic_field(0, "partitions", "many"), "topics[0].partitions: must be an integer"),
        (with_topic_field(1, "partitions", 0), "topics[1].partitions: must be a positive integer"),
        (with_topic_field(1, "partitions", 10**9), "topics[1].partitions: must be at most"),
        (
            with_topic_field(0, "replication_factor", 4),
            "topics[0].replication_factor: exceeds the 3 brokers",
        ),
        (with_topic_field(0, "segment_bytes", 2**40), "topics[0].segment_bytes: must be at most"),
        (
            with_topic_field(0, "ingress_bytes_per_s", -1.0),
            "topics[0].ingress_bytes_per_s: must be >= 0",
        ),
        (
            with_topic_field(0, "ingress_bytes_per_s", float("nan")),
            "topics[0].ingress_bytes_per_s: must be a number",
        ),
        (with_topic_field(0, "cleanup_policy", "shred"), "topics[0].cleanup_policy: must be"),
        (with_topic_field(0, "retension_ms", 5), "topics[0].retension_ms: unknown field"),
        (with_topic_field(0, "remote_storage", "yes"), "topics[0].remote_storage: must be true"),
        (with_topic_field(0, "partitions", True), "topics[0].partitions: must be an integer"),
        (
            with_topic_field(0, "retention_ms", -1),
            "topics[0]: unlimited retention needs retention_bytes or max_segments",
        ),
        (with_topic_field(0, "cleanup_policy", "compact"), "topics[0]: cleanup.policy=compact"),
        (description(brokers=-2), "brokers: must be a positive integer"),
        (description(brokers=[]), "brokers: must be a positive integer or a non-empty list"),
        (description(brokers=[{"name": "x", "cpus": -1}]), "brokers[0].cpus: must be a positive"),
        (description(brokers=["x", "x"]), "brokers: duplicate broker name 'x'"),
        (description(topics=[]), "topics: must be a non-empty list"),
        (description(topics=["oops"]), "topics[0]: must be a mapping"),
        (description(headroom=0.5), "headroom: must be >= 1"),
        (description(growth=10**6), "growth: must be >= 1 and <= 1000"),
        (
            description(broker_config={"num_io_threads": -3}),
            "broker_config.num_io_threads: must be",
        ),
        (description(colour="blue"), "colour: unknown field"),
    ],
)
def test_bad_fields_are_named_by_path(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_whatif(doc)
    assert str(info.value).startswith(message), str(info.value)


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(InputError, match="whatif: must be a mapping"):
        parse_whatif(["brokers", 3])


@given(
    st.integers(min_value=1, max_value=12),
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=300), st.integers(min_value=1, max_value=12)),
        min_size=1,
        max_size=6,
    ),
)
def test_every_replica_lands_on_exactly_one_broker_evenly(
    brokers: int, topics: list[tuple[int, int]]
) -> None:
    doc = {
        "brokers": brokers,
        "topics": [
            {"name": f"t{i}", "partitions": p, "replication_factor": min(rf, brokers)}
            for i, (p, rf) in enumerate(topics)
        ],
    }
    loads = assign_replicas(parse_whatif(doc))
    total = sum(p * min(rf, brokers) for p, rf in topics)
    assert sum(load.replicas for load in loads) == total
    # Round-robin placement: no broker carries more than one replica per topic above another.
    assert max(x.replicas for x in loads) - min(x.replicas for x in loads) <= len(topics)


def test_each_broker_gets_a_model_of_its_own_replicas() -> None:
    brokers = whatif_from_dict(description(brokers=["b1", "b2", "b3"], version="4.1.1"))
    assert [p.name for p in brokers] == ["b1", "b2", "b3"]
    a = segments_per_replica(TopicSpec("a", 12, ingress_bytes_per_s=1e5)).segments
    for p in brokers:
        s = p.model.term("S")
        assert s.source == "projected" and s.per_unit == 2
        assert p.model.term("L").areas == 0  # fixed version, nothing observed
    # Topic a has a replica of every partition on every broker.
    assert all(p.segments >= 12 * a for p in brokers)


def test_growth_and_leaking_versions_raise_the_requirement() -> None:
    fixed = whatif_from_dict(description(version="4.1.1"))[0].model.required
    leaking = whatif_from_dict(description(version="4.0.0"))[0].model.required
    grown = whatif_from_dict(description(version="4.0.0", growth=2))[0].model.required
    assert fixed < leaking < grown


def test_observed_threads_and_arena_limit_replace_the_estimates() -> None:
    p = whatif_from_dict(
        description(
            brokers=[{"name": "b", "threads": 300, "malloc_arena_max": 2}],
            topics=[{"partitions": 1}],
        )
    )[0]
    assert p.model.term("T").count == 300
    assert p.model.term("A").areas == 4


def test_the_example_whatif_file_is_valid_and_needs_more_than_the_default_limit() -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    brokers = whatif_from_dict(copy.deepcopy(doc))
    assert len(brokers) == doc["brokers"]
    assert all(p.recommendation.action == "raise" for p in brokers)
    assert all(p.model.required > 65530 for p in brokers)


@pytest.mark.parametrize("name", ["headroom", "floor", "leak_fraction", "connections"])
def test_a_field_that_is_also_a_setting_takes_the_settings_bounds(name: str) -> None:
    """The same value is good (or bad) for kafka-vmtune whatif and for the inventory."""
    rule = settings.SETTINGS[name]
    assert rule.high is not None
    top = int(rule.high) if rule.kind == "int" else rule.high
    parsed = parse_whatif(description(**{name: top}))
    assert getattr(parsed, name) == settings.parse(name, top)
    with pytest.raises(InputError, match=f"^{name}: must be"):
        parse_whatif(description(**{name: top * 2 + 1}))
    assert getattr(parse_whatif(description()), name) == rule.default
