"""Kafka version from the jar names in a broker's libs/ folder, and what it implies.

KAFKA-19390: AbstractIndex.resize maps an index again without unmapping the old buffer on
Linux, so every index resize leaves a stale map area until a garbage collection frees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Broker jar first: kafka_<scala>-<version>.jar (all versions), then kafka-server-<version>.jar
# (4.x), then the clients jar as a last resort (a client-only classpath still names a version).
_JAR_PATTERNS = (
    re.compile(r"^kafka_\d+\.\d+-(\d[^/]*)\.jar$"),
    re.compile(r"^kafka-server-(\d[^/]*)\.jar$"),
    re.compile(r"^kafka-clients-(\d[^/]*)\.jar$"),
)
_NOT_RUNTIME = re.compile(r"-(sources|javadoc|tests?|test-sources)$")
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?(.*)$")

# First fixed patch release per affected minor line (KAFKA-19390).
_FIXED_PATCH = {(3, 9): 2, (4, 0): 1, (4, 1): 1}
_FIRST_AFFECTED = (2, 8)
_FIRST_FIXED_MINOR = (4, 2)


def version_key(version: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a Kafka version string, None if it does not start with one."""
    m = _VERSION.match(version)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def kafka_version_from_libs(names: Iterable[str]) -> str | None:
    """The Kafka version named by broker jars among `names` (file names or paths).

    When jars of several versions lie side by side (a half-cleaned upgrade), the highest wins:
    the launcher puts them all on the classpath and cannot be second-guessed from here.
    """
    found: list[list[str]] = [[] for _ in _JAR_PATTERNS]
    for name in names:
        base = name.rsplit("/", 1)[-1]
        for rank, pattern in enumerate(_JAR_PATTERNS):
            m = pattern.match(base)
            if m and not _NOT_RUNTIME.search(m.group(1)):
                found[rank].append(m.group(1))
                break
    for versions in found:
        if versions:
            return max(versions, key=lambda v: (version_key(v) or (0, 0, 0), v))
    return None


def resize_leak_assessment(version: str | None) -> tuple[bool | None, str]:
    """Whether `version` has the KAFKA-19390 resize leak, with the reason an operator reads."""
    if version is None:
        return None, "Kafka version unknown"
    m = _VERSION.match(version)
    if m is None:
        return None, f"unrecognised Kafka version {version!r}"
    major, minor, patch = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    suffix = m.group(4)
    if suffix.startswith(("-ccs", "-ce")):
        # Confluent Platform numbers its own releases; its patch levels do not map to Apache's.
        return None, f"Confluent Platform version {version}: check KAFKA-19390 in its notes"
    if (major, minor) < _FIRST_AFFECTED:
        return None, f"{version} predates the versions KAFKA-19390 was assessed on (2.8+)"
    if (major, minor) >= _FIRST_FIXED_MINOR:
        if suffix and (major, minor, patch) == (*_FIRST_FIXED_MINOR, 0):
            return None, f"pre-release {version} of the first fixed minor release"
        return False, f"{version} includes the KAFKA-19390 fix"
    fixed = _FIXED_PATCH.get((major, minor))
    if fixed is None:
        return True, f"{version} is affected by KAFKA-19390 (2.8.0 to 3.9.1, 4.0.0, 4.1.0)"
    if patch < fixed:
        return True, f"{version} is affected by KAFKA-19390 (fixed in {major}.{minor}.{fixed})"
    if patch == fixed and suffix:
        return None, f"pre-release {version} of the fixing release {major}.{minor}.{fixed}"
    return False, f"{version} includes the KAFKA-19390 fix"


def resize_leak_affected(version: str | None) -> bool | None:
    """KAFKA-19390: True for 2.8.0-3.9.1, 4.0.0 and 4.1.0; None when it cannot be told."""
    return resize_leak_assessment(version)[0]
