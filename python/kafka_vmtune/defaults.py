"""The defaults of Kafka and of the kernel that kafka-vmtune assumes when nothing sets them.

One place: the model (sizing), the server.properties reader (facts.broker_config) and the
what-if (whatif) all take them from here. Standard library only (shipped to broker hosts).
"""

from __future__ import annotations

# The host report's schema (contracts.SCHEMA): here so that the host side can stamp it
# without importing the TypedDicts, which are types only.
REPORT_SCHEMA = 3

KERNEL_MAX_MAP_COUNT = 65530  # vm.max_map_count when no sysctl file sets it
INT_MAX = 2**31 - 1  # the largest value the kernel takes for an int sysctl (and Kafka an int)

_HOUR_MS = 3_600_000

# server.properties (broker) defaults, Kafka 2.8 to 4.x.
LOG_DIRS = "/tmp/kafka-logs"
SEGMENT_BYTES = 1 << 30  # log.segment.bytes
ROLL_HOURS = 168  # log.roll.hours
SEGMENT_MS = ROLL_HOURS * _HOUR_MS
RETENTION_HOURS = 168  # log.retention.hours
RETENTION_MS = RETENTION_HOURS * _HOUR_MS
RETENTION_BYTES = -1  # log.retention.bytes: unlimited
DIRTY_RATIO = 0.5  # log.cleaner.min.cleanable.ratio
FILE_DELETE_DELAY_MS = 60_000  # file.delete.delay.ms
RETENTION_CHECK_MS = 300_000  # log.retention.check.interval.ms
REMOTE_INDEX_CACHE_BYTES = 1 << 30  # remote.log.index.file.cache.total.size.bytes
NUM_IO_THREADS = 8
NUM_NETWORK_THREADS = 3
NUM_REPLICA_FETCHERS = 1
LOG_CLEANER_THREADS = 1
BACKGROUND_THREADS = 10
LISTENERS = "PLAINTEXT://:9092"
