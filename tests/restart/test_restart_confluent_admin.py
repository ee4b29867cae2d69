"""The real confluent-kafka admin against an address where no Kafka listens: a bounded,
clear failure, and client secrets never in what it says."""

from __future__ import annotations

import time

import pytest
from network import closed_port
from tiers import LIBRDKAFKA_CLOCK

from kafka_vmtune.restart.admin import AdminError
from kafka_vmtune.restart.confluent_admin import ConfluentAdmin

pytestmark = LIBRDKAFKA_CLOCK

SECRET = "s3cr3t-Passw0rd-7f1"
SASL = {
    "security.protocol": "SASL_PLAINTEXT",
    "sasl.mechanism": "PLAIN",
    "sasl.username": "roller",
    "sasl.password": SECRET,
}


def test_an_unreachable_cluster_fails_in_bounded_time_naming_it() -> None:
    bootstrap = f"127.0.0.1:{closed_port()}"
    admin = ConfluentAdmin(bootstrap, SASL, request_timeout=1.5)
    started = time.monotonic()
    with pytest.raises(AdminError) as info:
        admin.snapshot()
    assert time.monotonic() - started < 10
    message = str(info.value)
    assert f"listing the topics via {bootstrap} failed" in message
    assert "Connection refused" in message
    assert SECRET not in message
    assert SECRET not in repr(admin)


def test_a_bad_client_setting_is_refused_without_echoing_secrets() -> None:
    with pytest.raises(AdminError) as info:
        ConfluentAdmin("127.0.0.1:9", {**SASL, "no.such.setting": SECRET})
    assert "invalid client configuration" in str(info.value)
    assert SECRET not in str(info.value)


def test_an_empty_election_asks_nothing() -> None:
    admin = ConfluentAdmin(f"127.0.0.1:{closed_port()}", request_timeout=1)
    assert admin.elect_preferred([]) == []
