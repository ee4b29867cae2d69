"""A second broker going down while the roll waits for one, on a real Kafka cluster.

The roll (tune-vm.yml through `molecule converge`, policy always) stops the first broker;
while it waits for that broker to come back, another node is stopped by hand. With two of
three KRaft voters out the quorum has no majority. The roll must stop waiting at once (not
after its 180 s start timeout), name the other broker, count both out and say what that
costs; and it must touch no further broker.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

from kafka_helpers import HOSTS, KAFKA_MARKS, bootstrap_servers, log_tail, molecule

pytestmark = KAFKA_MARKS

IDS = {1, 2, 3}


def registered(admin: object) -> set[int] | None:
    """The live (registered, unfenced) brokers, as the metadata of any broker lists them."""
    try:
        metadata = admin.list_topics(timeout=10)  # type: ignore[attr-defined]
    except Exception:  # not answering right now: ask again
        return None
    return {int(node_id) for node_id in metadata.brokers}


def test_another_broker_down_mid_roll_stops_the_wait_at_once_and_counts_both(
    cluster: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    from confluent_kafka.admin import AdminClient

    env, log = cluster
    admin = AdminClient({"bootstrap.servers": bootstrap_servers(env)})
    outcome: dict[str, int] = {}
    roll = threading.Thread(target=lambda: outcome.update(code=molecule("converge", env, log)))
    roll.start()
    out: set[int] = set()
    while roll.is_alive() and not out:  # the roll's first stop
        seen = registered(admin)
        out = IDS - seen if seen is not None else set()
        time.sleep(0.3)
    assert out, f"the roll ended before any broker was out:\n{log_tail(log)}"
    [first] = out
    victim = max(IDS - out)
    stopped_at = time.monotonic()
    # In the background: a controlled shutdown with the quorum half gone may take a while.
    stopper = subprocess.Popen(
        ["podman", "exec", HOSTS[victim - 1], "systemctl", "stop", "kafka.service"], env=env
    )
    roll.join(timeout=900)
    ended = time.monotonic()
    stopper.wait(timeout=600)
    reports = Path(env["KVT_KC_REPORT_DIR"]) / "rolling-restart"
    state = json.loads((reports / "state.json").read_text())
    report = json.loads((reports / f"{state['run_id']}.json").read_text())
    failed = [b for b in report["brokers"] if b["outcome"] == "failed"]
    print(
        f"\nbroker {first} out (the roll's), broker {victim} stopped by hand; the roll ended "
        f"{ended - stopped_at:.1f} s later (start timeout 180 s)\n"
        f"roll report: {json.dumps(failed, indent=1)}"
    )
    assert outcome.get("code", 0) != 0, "the roll did not stop"
    [broker] = failed
    assert broker["node_id"] == first
    error = broker["error"]
    assert f"stopped waiting for broker {first} to " in error
    assert f"broker {victim} went down" in error
    assert f"2 brokers out: {min(first, victim)} (" in error
    assert "controller quorum without a majority" in error
    assert "only this broker out" not in error
    # Nothing after the failed broker was touched: it is the last record of the roll.
    assert report["brokers"][-1]["node_id"] == first
