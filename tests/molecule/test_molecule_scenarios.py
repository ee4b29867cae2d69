"""The Molecule scenarios, run end to end against podman hosts with systemd as PID 1.

default:    three unprivileged brokers; dry run changes nothing, converge persists the
            value, is idempotent, reports per broker and flags the overriding sysctl file.
privileged: one privileged host applies the value live (machine-wide) and proves it
            survives a simulated reboot; the machine's original value is restored.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from molecule_helpers import (
    MAX_MAP_COUNT,
    destroy_scenario,
    molecule_environment,
    podman_info_error,
    podman_unusable_reason,
    run_scenario,
)

pytestmark = [pytest.mark.molecule, pytest.mark.podman, pytest.mark.ansible]


@pytest.fixture(scope="module")
def molecule_env() -> Iterator[dict[str, str]]:
    reason = podman_unusable_reason()
    if reason:
        pytest.skip(reason)
    env = molecule_environment()
    error = podman_info_error(env)
    if error:
        pytest.skip(error)
    yield env


def test_default_scenario_tunes_three_brokers(molecule_env: dict[str, str]) -> None:
    code, tail = run_scenario("default", molecule_env)
    if code != 0:
        destroy_scenario("default", molecule_env)
    assert code == 0, f"molecule test -s default failed ({code}):\n{tail}"


@pytest.mark.kernel
def test_privileged_scenario_applies_live_and_restores(molecule_env: dict[str, str]) -> None:
    original = int(MAX_MAP_COUNT.read_text())
    env = dict(molecule_env, KVT_ORIGINAL_MAX_MAP_COUNT=str(original))
    try:
        code, tail = run_scenario("privileged", env)
        if code != 0:
            destroy_scenario("privileged", env)
        after = int(MAX_MAP_COUNT.read_text())
    finally:
        # The value is machine-wide: put it back whatever happened in the scenario.
        if int(MAX_MAP_COUNT.read_text()) != original:
            MAX_MAP_COUNT.write_text(f"{original}\n")
    assert code == 0, f"molecule test -s privileged failed ({code}):\n{tail}"
    assert after == original, f"the scenario left vm.max_map_count at {after}, not {original}"
