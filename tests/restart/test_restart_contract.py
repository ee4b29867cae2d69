"""Contract with the installed confluent-kafka: every call the roll makes, for real.

No broker exists here, so each call goes to an address nobody listens on with short
timeouts and must end in the library's own timeout or transport error, surfaced as the
project's AdminError naming the call, never TypeError, SystemError or AttributeError.
The readers of the library's result objects are fed objects built with the library's own
constructors. A client upgrade that changes a signature or an attribute fails here, not in
a production roll (issue 7: elect_leaders rejected its timeout keywords on a real cluster).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from confluent_kafka import (
    KafkaError,
    KafkaException,
)
from confluent_kafka import (
    TopicPartition as CTopicPartition,
)
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    BrokerMetadata,
    ClusterMetadata,
    ConfigEntry,
    ConfigResource,
    PartitionMetadata,
    ResourceType,
    TopicMetadata,
)
from tiers import LIBRDKAFKA_CLOCK

from kafka_vmtune.restart.admin import AdminError, TopicPartition
from kafka_vmtune.restart.confluent_admin import (
    ConfluentAdmin,
    brokers_from,
    elections_from,
    min_isr_from,
    partitions_from,
)

pytestmark = LIBRDKAFKA_CLOCK

NOBODY = "127.0.0.1:1"
# The library's own words for "nobody answered": a timeout or a transport failure.
LIBRARY_FAILURE = ("_TIMED_OUT", "_TRANSPORT")

CALLS: dict[str, tuple[str, Callable[[ConfluentAdmin], Any]]] = {
    "list_topics": ("listing the topics", lambda a: a.list_topics()),
    "describe_configs": (
        "reading min.insync.replicas",
        lambda a: a.refresh_min_isr(["orders"], [1]),
    ),
    "elect_leaders": (
        "preferred leader election",
        lambda a: a.elect_preferred([TopicPartition("orders", 0)]),
    ),
    "snapshot": ("listing the topics", lambda a: a.snapshot()),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_each_call_fails_the_way_the_library_fails_without_a_broker(call: str) -> None:
    what, run = CALLS[call]
    admin = ConfluentAdmin(NOBODY, request_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(AdminError) as info:
        run(admin)
    message = str(info.value)
    assert message.startswith(f"{what} via {NOBODY} failed: "), message
    assert any(code in message for code in LIBRARY_FAILURE), message
    # Bounded by the request timeout, not by the caller's outer wait.
    assert time.monotonic() - started < 6


def test_the_live_brokers_are_read_from_the_metadata() -> None:
    metadata = ClusterMetadata()
    for node_id in (1, 2):
        broker = BrokerMetadata()
        broker.id, broker.host, broker.port = node_id, f"kafka{node_id}", 9092
        metadata.brokers[node_id] = broker
    metadata.controller_id = 2
    assert brokers_from(metadata) == (frozenset({1, 2}), 2)
    assert brokers_from(ClusterMetadata()) == (frozenset(), None)


def test_list_topics_metadata_is_read_by_its_attributes() -> None:
    metadata = ClusterMetadata()
    topic = TopicMetadata()
    topic.topic = "orders"
    for pid, leader, isrs in ((0, 1, [1, 2]), (1, -1, [3])):
        part = PartitionMetadata()
        part.id, part.leader, part.replicas, part.isrs = pid, leader, [1, 2, 3], isrs
        topic.partitions[pid] = part
    metadata.topics["orders"] = topic
    first, offline = partitions_from(metadata)
    assert (first.replicas, first.isr, first.leader) == ((1, 2, 3), (1, 2), 1)
    assert (str(offline), offline.leader) == ("orders-1", None)

    broken = TopicMetadata()
    broken.error = KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED)
    metadata.topics["secret"] = broken
    with pytest.raises(AdminError, match="topic secret metadata error"):
        partitions_from(metadata)


def test_describe_configs_results_are_read_by_their_attributes() -> None:
    results = {
        ConfigResource(ResourceType.TOPIC, "orders"): {
            "min.insync.replicas": ConfigEntry("min.insync.replicas", "2")
        },
        ConfigResource(ResourceType.TOPIC, "logs"): {"retention.ms": ConfigEntry("x", "1")},
        ConfigResource(ResourceType.BROKER, "1"): {
            "min.insync.replicas": ConfigEntry("min.insync.replicas", "1")
        },
    }
    assert min_isr_from(results) == (1, {"orders": 2})


def test_elect_leaders_results_are_read_by_their_attributes() -> None:
    answer = {
        CTopicPartition("orders", 1): KafkaException(KafkaError(KafkaError.ELECTION_NOT_NEEDED)),
        CTopicPartition("orders", 0): None,
    }
    done, not_needed = elections_from(answer)
    assert (str(done.tp), done.error) == ("orders-0", None)
    assert str(not_needed.tp) == "orders-1"
    assert not_needed.error is not None and not_needed.error.startswith("ELECTION_NOT_NEEDED")
