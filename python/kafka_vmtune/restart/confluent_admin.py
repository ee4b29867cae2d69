"""KafkaAdmin over confluent-kafka's AdminClient (control node only; imported lazily).

list_topics gives, in one metadata request that any broker answers, the registered and
unfenced brokers (Kafka leaves fenced ones out), a controller id and every partition's
replicas, ISR and leader. Not describe_cluster: the client sends it to the controller, so
with the KRaft quorum gone it times out ("Timed out waiting for controller") exactly when
the roll must see which brokers are out (a real cluster showed it);
describe_configs gives each topic's effective min.insync.replicas; elect_leaders runs
preferred elections. confluent-kafka 2.16 has no DescribeQuorum: read_quorum asks it
through kafka-python (restart.kafka_quorum) with the same servers and settings.

Every call and every attribute read here is pinned by tests/restart/test_restart_contract.py
against the installed library (no broker running): a client upgrade that changes an API
fails CI, not a roll. elect_leaders takes no timeout keyword: 2.16.1 documents
request_timeout/operation_timeout but its C layer rejects both (SystemError/TypeError);
the client's socket.timeout.ms bounds it instead.
"""

from __future__ import annotations

import concurrent.futures
import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .admin import (
    AdminError,
    ClusterSnapshot,
    ElectionResult,
    PartitionState,
    QuorumState,
    TopicPartition,
)
from .kafka_quorum import DescribeQuorumClient

# client_config keys whose values are secrets (never in a message, log or repr).
_SECRET_KEY = re.compile(r"password|secret|jaas|token|credential|key\b|\.key|pem", re.I)
MIN_ISR = "min.insync.replicas"
# How the library says Kafka could not answer (KafkaException, or no answer in time).
# Anything else (TypeError, SystemError, AttributeError) is a broken contract with the
# library: it propagates, so the roll stops at once instead of retrying a call that
# can never work.
_ANSWERS: tuple[type[BaseException], ...] = (TimeoutError,)
try:
    from confluent_kafka import KafkaException

    _ANSWERS = (KafkaException, TimeoutError)
except ImportError:  # reported by ConfluentAdmin() with a clear message
    pass


class _Capture(logging.Handler):
    """Keeps librdkafka's last log lines (instead of raw stderr) to explain a failure."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines = [*self.lines[-4:], record.getMessage()]


class ConfluentAdmin:
    def __init__(
        self,
        bootstrap_servers: str,
        client_config: Mapping[str, Any] | None = None,
        *,
        request_timeout: float = 30.0,
        config_refresh: float = 60.0,
    ) -> None:
        config = dict(client_config or {})
        self._secrets = [
            str(v) for k, v in config.items() if _SECRET_KEY.search(k) and str(v).strip()
        ]
        self._bootstrap = bootstrap_servers
        self._timeout = request_timeout
        self._quorum = DescribeQuorumClient(
            bootstrap_servers, config, request_timeout=request_timeout
        )
        self._config_refresh = config_refresh
        self._min_isr: dict[str, int] = {}
        self._default_min_isr = 1
        self._configs_at = float("-inf")
        self._capture = _Capture()
        logger = logging.getLogger(f"kafka_vmtune.restart.admin.{id(self)}")
        logger.propagate = False
        logger.addHandler(self._capture)
        try:
            from confluent_kafka.admin import AdminClient
        except ImportError as exc:
            raise AdminError(f"confluent-kafka is not installed for this Python: {exc}") from None
        conf: dict[str, Any] = {
            "bootstrap.servers": bootstrap_servers,
            "socket.timeout.ms": int(request_timeout * 1000),
            "logger": logger,
            **config,
        }
        try:
            self._client = AdminClient(conf)
        except Exception as exc:  # KafkaException / ValueError on a bad setting
            raise AdminError(f"invalid client configuration: {self._redact(str(exc))}") from None

    def __repr__(self) -> str:
        return f"ConfluentAdmin(bootstrap_servers={self._bootstrap!r})"

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _error(self, what: str, exc: BaseException) -> AdminError:
        self._client.poll(0)  # serve queued client logs into the capture handler
        detail = _error_name(exc) or type(exc).__name__
        logs = f" (client log: {self._capture.lines[-1]})" if self._capture.lines else ""
        return AdminError(self._redact(f"{what} via {self._bootstrap} failed: {detail}{logs}"))

    def _wait(self, future: Any) -> Any:
        try:
            return future.result(timeout=self._timeout + 5)
        except concurrent.futures.TimeoutError:
            # The library's own timeout should have fired first; say so instead of ''.
            raise TimeoutError(f"no answer within {self._timeout + 5:g}s") from None

    def list_topics(self) -> Any:
        """ClusterMetadata of every topic: partitions with replicas, isrs, leader."""
        try:
            return self._client.list_topics(timeout=self._timeout)
        except _ANSWERS as exc:
            raise self._error("listing the topics", exc) from None

    def read_quorum(self, max_lag: int, max_stale_ms: int) -> QuorumState:
        """The KRaft quorum now (kafka_quorum: kafka-python; librdkafka has no DescribeQuorum)."""
        try:
            return self._quorum.read(max_lag, max_stale_ms)
        except AdminError as exc:
            raise type(exc)(self._redact(str(exc))) from None

    def close(self) -> None:
        self._quorum.close()

    def snapshot(self) -> ClusterSnapshot:
        metadata = self.list_topics()
        try:
            partitions = partitions_from(metadata)
        except AdminError as exc:
            raise AdminError(self._redact(str(exc))) from None
        brokers, controller = brokers_from(metadata)
        self.refresh_min_isr(sorted(metadata.topics), sorted(brokers))
        return ClusterSnapshot(
            brokers=brokers,
            partitions=partitions,
            min_isr=dict(self._min_isr),
            default_min_isr=self._default_min_isr,
            controller_id=controller,
        )

    def refresh_min_isr(self, topics: Sequence[str], brokers: Sequence[int]) -> None:
        """Topic configs change rarely: re-read them every config_refresh seconds and for
        topics not seen yet. The topic value is already effective (override, else the
        broker default); the broker default covers a topic whose entry is missing."""
        # Re-exported by confluent_kafka.admin at runtime, not declared for type checkers.
        from confluent_kafka.admin import (  # type: ignore[attr-defined]
            ConfigResource,
            ResourceType,
        )

        fresh = time.monotonic() - self._configs_at < self._config_refresh
        asked = [t for t in topics if not fresh or t not in self._min_isr]
        if not asked:
            return
        resources = [ConfigResource(ResourceType.TOPIC, t) for t in asked]
        if brokers:
            resources.append(ConfigResource(ResourceType.BROKER, str(brokers[0])))
        try:
            futures = self._client.describe_configs(resources, request_timeout=self._timeout)
            results = {res: self._wait(f) for res, f in futures.items()}
        except _ANSWERS as exc:
            raise self._error("reading min.insync.replicas", exc) from None
        broker_default, topic_values = min_isr_from(results)
        if broker_default is not None:
            self._default_min_isr = broker_default
        for t in asked:
            self._min_isr[t] = topic_values.get(t, self._default_min_isr)
        self._configs_at = time.monotonic()

    def elect_preferred(self, partitions: Sequence[TopicPartition]) -> list[ElectionResult]:
        if not partitions:
            return []
        from confluent_kafka import ElectionType
        from confluent_kafka import TopicPartition as CTopicPartition

        asked = [CTopicPartition(tp.topic, tp.partition) for tp in partitions]
        try:
            # No timeout keyword: see the module docstring (socket.timeout.ms bounds it).
            answer = self._wait(self._client.elect_leaders(ElectionType.PREFERRED, asked))
        except _ANSWERS as exc:
            raise self._error("preferred leader election", exc) from None
        return [
            ElectionResult(r.tp, None if r.error is None else self._redact(r.error))
            for r in elections_from(answer)
        ]


def brokers_from(metadata: Any) -> tuple[frozenset[int], int | None]:
    """(registered unfenced broker ids, reported controller) of list_topics' ClusterMetadata."""
    controller = metadata.controller_id
    brokers = frozenset(int(node_id) for node_id in metadata.brokers)
    return brokers, controller if controller is not None and controller >= 0 else None


def partitions_from(metadata: Any) -> tuple[PartitionState, ...]:
    """Every partition of list_topics' ClusterMetadata (replicas, isrs, leader -1: none)."""
    partitions = []
    for name, topic in sorted(metadata.topics.items()):
        if topic.error is not None:
            raise AdminError(f"topic {name} metadata error: {topic.error}")
        for pid, p in sorted(topic.partitions.items()):
            partitions.append(
                PartitionState(
                    topic=name,
                    partition=pid,
                    replicas=tuple(p.replicas),
                    isr=tuple(p.isrs),
                    leader=p.leader if p.leader >= 0 else None,
                )
            )
    return tuple(partitions)


def min_isr_from(results: Mapping[Any, Mapping[str, Any]]) -> tuple[int | None, dict[str, int]]:
    """(broker default, per-topic value) of min.insync.replicas from describe_configs."""
    from confluent_kafka.admin import ResourceType  # type: ignore[attr-defined]

    broker_default: int | None = None
    topic_values: dict[str, int] = {}
    for res, entries in results.items():
        entry = entries.get(MIN_ISR)
        if entry is None or entry.value is None:
            continue
        if res.restype == ResourceType.BROKER:
            broker_default = int(entry.value)
        else:
            topic_values[res.name] = int(entry.value)
    return broker_default, topic_values


def elections_from(answer: Mapping[Any, Any]) -> list[ElectionResult]:
    """elect_leaders' dict[TopicPartition, KafkaException | None], one result each."""
    results = [
        ElectionResult(
            TopicPartition(ctp.topic, ctp.partition), None if err is None else _error_name(err)
        )
        for ctp, err in answer.items()
    ]
    return sorted(results, key=lambda r: r.tp)


def _error_name(err: Any) -> str:
    """'ELECTION_NOT_NEEDED: ...' from a KafkaException or KafkaError."""
    kerr = err.args[0] if getattr(err, "args", None) else err
    name = getattr(kerr, "name", None)
    text = kerr.str() if hasattr(kerr, "str") else str(kerr)
    return f"{name()}: {text}" if callable(name) else text
