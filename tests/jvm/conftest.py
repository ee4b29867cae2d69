"""Fixtures for the JVM tests; the helpers live in fakebroker.py."""

from fakebroker import broker_home, map_limit, start_broker, workdir

__all__ = ["broker_home", "map_limit", "start_broker", "workdir"]
