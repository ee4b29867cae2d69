"""The private methods of Ansible's callback base that the vmtune callback relies on.

ansible-core has no public API for showing a task's warnings, an item's label or a diff
as Ansible does (see plugins/callback/vmtune.py); these tests fail when ansible-core
renames, removes or changes them, before an operator loses a warning or a label.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playbook_run import ansible_env, ansible_playbook
from repo import REPO

# Method -> the parameters the vmtune callback passes it.
PRIVATE = {
    "_handle_warnings": ["self", "res"],
    "_get_item_label": ["self", "result"],
    "_get_diff": ["self", "difflist"],
}

# Run in a Python of its own: under pytest, tests/ansible is the package `ansible`.
PROBE = """
import inspect, json, sys
from ansible.plugins.callback import CallbackBase
from ansible_collections.kafka_vmtune.kafka.plugins.callback.vmtune import CallbackModule

source = inspect.getsource(inspect.getmodule(CallbackModule))
methods = {}
for name in sys.argv[1:]:
    base = getattr(CallbackBase, name, None)
    methods[name] = {
        "exists": base is not None,
        "inherited": base is not None and getattr(CallbackModule, name) is base,
        "parameters": list(inspect.signature(base).parameters) if base else None,
        "called": "self." + name + "(" in source,
    }
plugin = CallbackModule()
labels = [
    plugin._get_item_label({"item": {"name": "a", "secret": "x"}, "_ansible_item_label": "a"}),
    plugin._get_item_label({"item": "b"}),
    plugin._get_item_label({"item": "c", "_ansible_no_log": True}),
]
print(json.dumps({"methods": methods, "labels": labels}))
"""


@pytest.fixture(scope="module")
def probe() -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(REPO / ".cache/collections"))
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *PRIVATE], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


@pytest.mark.parametrize("name", sorted(PRIVATE))
def test_the_private_methods_are_ansibles_with_the_signature_the_callback_calls(
    probe: dict[str, Any], name: str
) -> None:
    method = probe["methods"][name]
    assert method["exists"], f"ansible-core's CallbackBase has no {name} any more"
    assert method["inherited"], f"the vmtune callback's {name} is not CallbackBase's"
    assert method["parameters"] == PRIVATE[name]
    assert method["called"]  # still used: else this test and the callback's comment go


def test_an_item_label_is_the_loop_label_and_no_log_hides_it(probe: dict[str, Any]) -> None:
    assert probe["labels"] == ["a", "b", "(censored due to no_log)"]


WARN_MODULE = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec={"name": {"type": "str", "required": True}})
module.warn("kvt-warning for " + module.params["name"])
module.exit_json(changed=True)
"""

PLAYBOOK = [
    {
        "name": "Callback API",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {
                "name": "Warn per item",
                "kvt_warn": {"name": "{{ item.name }}"},
                "loop": [{"name": "alpha", "secret": "s1"}, {"name": "beta", "secret": "s2"}],
                "loop_control": {"label": "{{ item.name }}"},
            },
            {"name": "Warn once", "kvt_warn": {"name": "gamma"}},
        ],
    }
]


@pytest.mark.ansible
def test_a_real_run_through_the_callback_shows_warnings_and_item_labels(tmp_path: Path) -> None:
    (tmp_path / "library").mkdir()
    (tmp_path / "library" / "kvt_warn.py").write_text(WARN_MODULE, encoding="utf-8")
    (tmp_path / "play.yml").write_text(json.dumps(PLAYBOOK), encoding="utf-8")
    env = ansible_env(ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache/collections"))
    run = ansible_playbook(
        "-i", "localhost,", "-c", "local", "-e",
        "ansible_python_interpreter={{ ansible_playbook_python }}", "play.yml",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert run.rc == 0, run.output
    assert "PLAYBOOK play.yml" in run.output  # the vmtune callback, not Ansible's default
    for name in ("alpha", "beta", "gamma"):
        assert f"[WARNING]: kvt-warning for {name}" in run.output, run.output
    # Each item by its loop label, never the whole item (its secret).
    assert "changed: Warn per item (alpha); Warn per item (beta); Warn once" in run.flat
    assert "s1" not in run.output and "s2" not in run.output
