"""The Kafka version from jar names, and whether it has the KAFKA-19390 resize leak."""

from __future__ import annotations

import pytest

from kafka_vmtune.facts.versions import kafka_version_from_libs, resize_leak_affected

KAFKA_400_LIBS = [
    "activation-1.1.1.jar",
    "kafka-clients-4.0.0.jar",
    "kafka-server-common-4.0.0.jar",
    "kafka-storage-4.0.0.jar",
    "kafka_2.13-4.0.0.jar",
    "kafka_2.13-4.0.0-sources.jar",
    "scala-library-2.13.15.jar",
    "zstd-jni-1.5.6-6.jar",
]


@pytest.mark.parametrize(
    ("names", "version"),
    [
        (KAFKA_400_LIBS, "4.0.0"),
        (
            ["kafka_2.12-2.8.2.jar", "kafka_2.12-2.8.2-javadoc.jar", "kafka-clients-2.8.2.jar"],
            "2.8.2",
        ),
        (["kafka-server-4.1.0.jar", "kafka-server-common-4.1.0.jar"], "4.1.0"),
        (["kafka-clients-3.9.1.jar", "slf4j-api-1.7.36.jar"], "3.9.1"),
        (
            ["kafka_2.13-3.7.0-test.jar", "kafka_2.13-3.7.0-tests.jar", "kafka-clients-3.6.2.jar"],
            "3.6.2",
        ),
        (["/opt/kafka/libs/kafka_2.13-3.9.0.jar"], "3.9.0"),
        # A half-cleaned upgrade: both on the classpath, the newer one is what runs.
        (["kafka_2.13-3.9.1.jar", "kafka_2.13-4.0.1.jar"], "4.0.1"),
        (["kafka-streams-4.0.0.jar", "kafka-server-common-4.0.0.jar", "zookeeper-3.8.4.jar"], None),
        ([], None),
    ],
)
def test_version_from_jar_names(names: list[str], version: str | None) -> None:
    assert kafka_version_from_libs(names) == version


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("2.8.0", True),
        ("2.8.2", True),
        ("3.0.2", True),
        ("3.5.2", True),
        ("3.9.0", True),
        ("3.9.1", True),
        ("3.9.2", False),
        ("4.0.0", True),
        ("4.0.1", False),
        ("4.1.0", True),
        ("4.1.1", False),
        ("4.2.0", False),
        ("4.3.1", False),
        ("5.0.0", False),
        # Not assessed, or cannot be told: the model must not assume either way.
        ("2.7.2", None),
        ("0.10.2.1", None),
        ("4.1.1-rc0", None),
        ("7.6.1-ccs", None),
        ("latest", None),
        (None, None),
    ],
)
def test_kafka_19390_affected_versions(version: str | None, affected: bool | None) -> None:
    assert resize_leak_affected(version) is affected
