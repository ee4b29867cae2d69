"""The KRaft quorum through the Admin API (kafka-python's DescribeQuorum), as the gate reads it.

Every call into kafka-python is made for real: against an address nobody listens on it
fails the way the library fails, as an AdminError naming the servers, in bounded time.
The answer is read by the same rule as kafka-metadata-quorum.sh's output
(admin.quorum_state), shown here on answers shaped as the library returns them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from kafka.admin import KafkaAdminClient
from network import closed_port

from kafka_vmtune.restart.admin import AdminError, QuorumSource, parse_quorum_replication
from kafka_vmtune.restart.confluent_admin import ConfluentAdmin
from kafka_vmtune.restart.kafka_quorum import (
    QuorumUnavailableError,
    client_options,
    quorum_from_response,
)

SECRET = "s3cr3t-quorum"
SASL = {
    "security.protocol": "sasl_plaintext",
    "sasl.mechanism": "SCRAM-SHA-512",
    "sasl.username": "roller",
    "sasl.password": SECRET,
    "ssl.endpoint.identification.algorithm": "none",
    "socket.keepalive.enable": "true",  # librdkafka tuning: not kafka-python's business
}
NOW_MS = 1_796_487_305_919


def answer(voters: list[tuple[int, int, int | None]], leader: int = 1) -> dict[str, Any]:
    """describe_metadata_quorum()'s answer: voters as (id, log end offset, caught up at)."""
    return {
        "topics": [
            {
                "topic_name": "__cluster_metadata",
                "partitions": [
                    {
                        "partition_index": 0,
                        "leader_id": leader,
                        "leader_epoch": 3,
                        "high_watermark": 5100,
                        "current_voters": [
                            {
                                "replica_id": node,
                                "replica_directory_id": None,
                                "log_end_offset": end,
                                "last_fetch_timestamp": seen,
                                "last_caught_up_timestamp": seen,
                            }
                            for node, end, seen in voters
                        ],
                        "observers": [
                            {
                                "replica_id": 4,
                                "replica_directory_id": None,
                                "log_end_offset": 10,
                                "last_fetch_timestamp": NOW_MS,
                                "last_caught_up_timestamp": NOW_MS,
                            }
                        ],
                        "error": None,
                    }
                ],
            }
        ],
        "nodes": [],
    }


def test_the_admin_reads_the_quorum_and_closes_its_client() -> None:
    admin = ConfluentAdmin(f"127.0.0.1:{closed_port()}", request_timeout=1)
    assert isinstance(admin, QuorumSource)
    admin.close()  # nothing was opened: closing is still safe


def test_an_unreachable_cluster_fails_like_the_library_in_bounded_time() -> None:
    bootstrap = f"127.0.0.1:{closed_port()}"
    admin = ConfluentAdmin(bootstrap, SASL, request_timeout=1)
    started = time.monotonic()
    with pytest.raises(AdminError) as info:
        admin.read_quorum(100, 30000)
    assert time.monotonic() - started < 10
    message = str(info.value)
    assert not isinstance(info.value, QuorumUnavailableError), message  # retried at the gate
    assert message.startswith(f"DescribeQuorum via {bootstrap} failed: KafkaTimeoutError"), message
    assert SECRET not in message
    admin.close()


def test_the_roll_client_settings_become_kafka_pythons_own() -> None:
    options = client_options(SASL)
    assert options == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "roller",
        "sasl_plain_password": SECRET,
        "ssl_check_hostname": False,
    }
    # Every option we can produce is one the installed kafka-python takes.
    from kafka_vmtune.restart import kafka_quorum

    produced = {name for name, _ in kafka_quorum._TRANSLATED.values()}
    assert produced <= set(KafkaAdminClient.DEFAULT_CONFIG)
    # The errors that make the quorum unavailable, named as the installed library names them.
    import kafka.errors

    assert all(isinstance(getattr(kafka.errors, n, None), type) for n in kafka_quorum._UNAVAILABLE)


def test_a_security_setting_kafka_python_lacks_makes_the_quorum_unreadable_not_less_safe() -> None:
    with pytest.raises(
        QuorumUnavailableError, match=r"sasl\.oauthbearer\.config has no kafka-python"
    ):
        ConfluentAdmin(
            "127.0.0.1:9",
            {
                "security.protocol": "SASL_PLAINTEXT",
                "sasl.mechanism": "OAUTHBEARER",
                "sasl.oauthbearer.config": "principal=roller",
                "enable.sasl.oauthbearer.unsecure.jwt": True,
            },
            request_timeout=1,
        ).read_quorum(100, 30000)


def test_voters_are_caught_up_by_the_rule_the_tools_output_is_read_with() -> None:
    quorum = quorum_from_response(
        answer([(1, 5100, NOW_MS), (2, 5090, NOW_MS - 200), (3, 4000, NOW_MS - 100)]), 100, 30000
    )
    assert quorum.leader_id == 1
    assert [(v.node_id, v.caught_up) for v in quorum.voters] == [(1, True), (2, True), (3, False)]
    tool = parse_quorum_replication(
        "NodeId DirectoryId LogEndOffset Lag LastFetchTimestamp LastCaughtUpTimestamp Status\n"
        f"1 a 5100 0 {NOW_MS} {NOW_MS} Leader\n"
        f"2 b 5090 10 {NOW_MS - 200} {NOW_MS - 200} Follower\n"
        f"3 c 4000 1100 {NOW_MS - 100} {NOW_MS - 100} Follower\n"
        f"4 d 10 5090 {NOW_MS} {NOW_MS} Observer\n",
        100,
        30000,
    )
    assert tool == quorum


def test_a_voter_that_stopped_fetching_is_not_caught_up_though_its_lag_is_zero() -> None:
    quorum = quorum_from_response(
        answer([(1, 5100, NOW_MS), (2, 5100, NOW_MS - 45_000), (3, 5100, NOW_MS)]), 100, 30000
    )
    assert [v.node_id for v in quorum.voters if not v.caught_up] == [2]


@pytest.mark.parametrize(
    "broken",
    [
        {"topics": []},
        {"topics": [{"topic_name": "__cluster_metadata", "partitions": [{"error": "boom"}]}]},
        {"nodes": []},
    ],
    ids=["no-partition", "partition-error", "no-topics"],
)
def test_an_answer_that_is_not_a_quorum_is_an_admin_error(broken: dict[str, Any]) -> None:
    with pytest.raises(AdminError, match="DescribeQuorum"):
        quorum_from_response(broken, 100, 30000)


def keys(doc: Any) -> set[str]:
    """Every key of a nested answer, as dotted paths (lists looked into)."""
    found: set[str] = set()
    if isinstance(doc, dict):
        for key, value in doc.items():
            found.add(key)
            found |= {f"{key}.{k}" for k in keys(value)}
    elif isinstance(doc, list):
        for item in doc:
            found |= keys(item)
    return found


def test_the_answer_is_read_as_the_installed_kafka_python_shapes_it() -> None:
    """The answer's shape comes from kafka-python's own DescribeQuorumResponse (version 2,
    Kafka 3.9+), encoded and decoded by the library: the answers above have its keys, and
    what it decodes is read as a quorum. describe_metadata_quorum takes no argument."""
    import inspect
    import uuid

    from kafka.protocol.admin.cluster import DescribeQuorumResponse as Response

    partition_type = Response.TopicData.PartitionData
    voter = partition_type.ReplicaState

    def state(node: int, end: int) -> Any:
        return voter(
            replica_id=node,
            replica_directory_id=uuid.UUID(int=node),
            log_end_offset=end,
            last_fetch_timestamp=NOW_MS,
            last_caught_up_timestamp=NOW_MS,
        )

    built = Response(
        version=2,
        error_code=0,
        error_message=None,
        topics=[
            Response.TopicData(
                topic_name="__cluster_metadata",
                partitions=[
                    partition_type(
                        partition_index=0,
                        error_code=0,
                        error_message=None,
                        leader_id=2,
                        leader_epoch=3,
                        high_watermark=5100,
                        current_voters=[state(1, 5100), state(2, 5100), state(3, 4000)],
                        observers=[state(4, 10)],
                    )
                ],
            )
        ],
        nodes=[],
    )
    decoded = Response.decode(built.encode(), version=2).to_dict()
    # The client turns error_code/error_message into `error`; the rest is the schema's.
    library = keys(decoded) | {"topics.partitions.error"}
    assert keys(answer([(1, 5100, NOW_MS)])) <= library
    quorum = quorum_from_response(decoded, 100, 30000)
    assert quorum.leader_id == 2
    assert [(v.node_id, v.caught_up) for v in quorum.voters] == [(1, True), (2, True), (3, False)]
    assert not [
        p
        for p in inspect.signature(KafkaAdminClient.describe_metadata_quorum).parameters.values()
        if p.name != "self" and p.default is inspect.Parameter.empty
    ]
