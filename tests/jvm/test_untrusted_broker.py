"""A local user's JVM named kafka.Kafka is not a broker to root: what it names is not read.

User nobody starts the fake broker with -XX:ErrorFile naming a file only root may read
(as /etc/shadow is); root's `diagnose` must neither read it nor list it as evidence.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from crash_support import at_limit_hs_err
from fakebroker import wait_ready

CLI = Path(sys.executable).parent / "kafka-vmtune"
pytestmark = pytest.mark.jvm


@pytest.fixture
def secret() -> Iterator[Path]:
    """A root-only file that reads like crash evidence, in a directory of its own."""
    where = Path(tempfile.mkdtemp(prefix="kvt-secret-", dir="/var/tmp"))
    try:
        path = where / "shadow"
        path.write_bytes(at_limit_hs_err(65531))
        path.chmod(0o600)
        yield path
    finally:
        shutil.rmtree(where, ignore_errors=True)


def test_a_kafka_named_jvm_of_another_user_makes_root_read_nothing(
    broker_home: Path, secret: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: the attack is on root's diagnose")
    home = Path(tempfile.mkdtemp(prefix="kvt-nobody-"))
    try:
        for d in (broker_home, broker_home / "libs", home):
            d.chmod(0o755)  # readable by nobody
        logs = home / "logs"
        logs.mkdir()
        shutil.chown(logs, "nobody")
        props = home / "server.properties"
        props.write_text(f"log.dirs={logs}\n")
        proc = subprocess.Popen(
            [
                "java",
                f"-XX:ErrorFile={secret}",
                "-cp",
                f"{broker_home}/libs/*",
                "kafka.Kafka",
                str(props),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=home,
            user="nobody",
        )
        try:
            wait_ready(proc, timeout=120)
            r = subprocess.run(
                [str(CLI), "diagnose"], capture_output=True, text=True, timeout=300, check=False
            )
        finally:
            proc.kill()
            proc.communicate(timeout=60)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert str(secret) not in r.stdout.replace(f"not read: PID {proc.pid}", ""), r.stdout
    assert f"not read: PID {proc.pid} runs kafka.Kafka as user nobody" in r.stdout, r.stdout
    assert str(secret.parent) not in r.stdout
