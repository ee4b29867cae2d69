"""The KRaft quorum through Kafka's DescribeQuorum API, from the control node.

confluent-kafka (librdkafka) has no DescribeQuorum. kafka-python, a maintained pure-Python
client, has it (KafkaAdminClient.describe_metadata_quorum, KIP-836): one request of a few
milliseconds to any broker, which forwards it to the active controller. Without it each
gate started kafka-metadata-quorum.sh, a JVM, on a broker host (2-5 s on the real
cluster, CPU taken from the brokers while clients produce).

The roll has one client configuration, in librdkafka's words (kafka_vmtune_client_config);
the settings that decide how to reach and authenticate are translated here. A security
setting kafka-python cannot take makes the quorum unreadable this way (QuorumUnavailableError),
never a connection with less security than the operator asked for.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from .admin import AdminError, QuorumState, quorum_state

METADATA_TOPIC = "__cluster_metadata"

# librdkafka setting -> (kafka-python option, value conversion)
_TRANSLATED: dict[str, tuple[str, Callable[[str], Any]]] = {
    "security.protocol": ("security_protocol", str.upper),
    "sasl.mechanism": ("sasl_mechanism", str),
    "sasl.mechanisms": ("sasl_mechanism", str),
    "sasl.username": ("sasl_plain_username", str),
    "sasl.password": ("sasl_plain_password", str),
    "sasl.kerberos.service.name": ("sasl_kerberos_service_name", str),
    "ssl.ca.location": ("ssl_cafile", str),
    "ssl.certificate.location": ("ssl_certfile", str),
    "ssl.key.location": ("ssl_keyfile", str),
    "ssl.key.password": ("ssl_password", str),
    "ssl.crl.location": ("ssl_crlfile", str),
    "ssl.endpoint.identification.algorithm": ("ssl_check_hostname", lambda v: v != "none"),
    "client.id": ("client_id", str),
}
# Errors that say this cluster's quorum cannot be read this way at all (a ZooKeeper
# cluster, no DESCRIBE on CLUSTER), as opposed to a cluster that does not answer now.
_UNAVAILABLE = (
    "UnsupportedVersionError",
    "IncompatibleBrokerVersion",
    "ClusterAuthorizationFailedError",
    "KafkaConfigurationError",
    "SaslAuthenticationFailedError",
)


class QuorumUnavailableError(AdminError):
    """The quorum cannot be read through the Admin API from here (see the message)."""


def client_options(client_config: Mapping[str, Any]) -> dict[str, Any]:
    """kafka-python's options for the roll's librdkafka configuration."""
    options: dict[str, Any] = {}
    for key, value in client_config.items():
        if key in _TRANSLATED:
            name, convert = _TRANSLATED[key]
            options[name] = convert(str(value))
        elif key.startswith(("ssl.", "sasl.")):
            raise QuorumUnavailableError(
                f"the client setting {key} has no kafka-python equivalent: set "
                "kafka_vmtune_quorum_command to read the quorum with Kafka's own tool"
            )
    return options


def quorum_from_response(
    response: Mapping[str, Any], max_lag: int, max_stale_ms: int
) -> QuorumState:
    """QuorumState from describe_metadata_quorum()'s answer, by the rule the tool's output
    is read with (admin.quorum_state): lag is the leader's log end offset minus the voter's."""
    try:
        (partition,) = [
            p
            for t in response["topics"]
            if t["topic_name"] == METADATA_TOPIC
            for p in t["partitions"]
            if p["partition_index"] == 0
        ]
        if partition.get("error"):
            raise AdminError(f"DescribeQuorum: {partition['error']}")
        leader = int(partition["leader_id"])
        voters = partition["current_voters"]
        ends = {int(v["replica_id"]): int(v["log_end_offset"]) for v in voters}
        leader_end = ends.get(leader, max(ends.values(), default=0))
        rows = [
            (
                int(v["replica_id"]),
                leader_end - int(v["log_end_offset"]),
                "Leader" if int(v["replica_id"]) == leader else "Follower",
                None
                if v.get("last_caught_up_timestamp") is None
                else int(v["last_caught_up_timestamp"]),
            )
            for v in voters
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise AdminError(f"DescribeQuorum answer not understood: {exc!r}") from None
    return quorum_state(rows, max_lag, max_stale_ms)


class DescribeQuorumClient:
    """One kafka-python admin client for the roll, built at the first reading."""

    def __init__(
        self,
        bootstrap_servers: str,
        client_config: Mapping[str, Any] | None,
        *,
        request_timeout: float,
    ) -> None:
        self._bootstrap = bootstrap_servers
        # A setting kafka-python lacks is told at the first reading, not when the roll's
        # admin is built: the roll may go on without the quorum (run.QuorumAdmin.refresh).
        self._unusable: QuorumUnavailableError | None = None
        self._options: dict[str, Any] = {}
        try:
            self._options = client_options(client_config or {})
        except QuorumUnavailableError as exc:
            self._unusable = exc
        self._timeout_ms = max(1000, int(request_timeout * 1000))
        self._client: Any = None

    def read(self, max_lag: int, max_stale_ms: int) -> QuorumState:
        if self._unusable is not None:
            raise self._unusable
        try:
            from kafka.errors import KafkaError
        except ImportError as exc:
            raise QuorumUnavailableError(
                f"kafka-python is not installed for this Python: {exc}"
            ) from None
        try:
            if self._client is None:
                self._client = self._build()
            response = self._client.describe_metadata_quorum()
        except KafkaError as exc:
            self.close()  # the next reading connects afresh
            name = type(exc).__name__
            kind = QuorumUnavailableError if name in _UNAVAILABLE else AdminError
            raise kind(f"DescribeQuorum via {self._bootstrap} failed: {name}: {exc}") from None
        return quorum_from_response(response, max_lag, max_stale_ms)

    def _build(self) -> Any:
        from kafka.admin import KafkaAdminClient

        # Its connection warnings would reach Ansible's output; the error says what failed.
        quiet = logging.getLogger("kafka")
        quiet.addHandler(logging.NullHandler())
        quiet.propagate = False
        return KafkaAdminClient(
            bootstrap_servers=self._bootstrap,
            request_timeout_ms=self._timeout_ms,
            bootstrap_timeout_ms=self._timeout_ms,
            **{"client_id": "kafka-vmtune", **self._options},
        )

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            # Closing a client that never connected must not mask why it failed.
            with contextlib.suppress(Exception):
                client.close()
