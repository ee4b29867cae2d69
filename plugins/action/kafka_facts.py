"""Action: run the kafka_facts module with the host's kafka_vmtune_* variables as its options.

Every option the task does not give takes the host's variable of the same name with the
kafka_vmtune_ prefix (kafka_vmtune_headroom -> headroom), so the role's task passes nothing
and no setting can be forgotten on the way. Only the variables that are set are templated:
with 20 settings, one Jinja expression each was most of the task's control-node cost.
A kafka_vmtune_* variable nobody reads (a typo) fails the host, naming the closest known
one: capacity_check.yml has no other pre-flight.
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.settings import (
    SETTINGS,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.variables import (
    PREFIX,
    known_variables,
    unknown_variable_errors,
)

MODULE = "kafka_vmtune.kafka.kafka_facts"

# Read once per run, here: the strategy loads this class in ansible-playbook's own process
# before it forks a worker for each host, and the workers inherit the (cached) names instead
# of each parsing the collection's YAML again (16 ms a host, a fifth of the check's cost
# over ansible.builtin.ping).
known_variables()


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible-core has no type hints
    _supports_check_mode = True

    def run(
        self, tmp: str | None = None, task_vars: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        task_vars = task_vars or {}
        result: dict[str, Any] = super().run(tmp, task_vars)
        unknown = unknown_variable_errors(
            (v for v in task_vars if v.startswith(PREFIX)), known_variables()
        )
        if unknown:
            result.update(failed=True, msg="; ".join(unknown))
            return result
        args = dict(self._task.args)
        for name, setting in SETTINGS.items():
            if name not in args and setting.var in task_vars:
                args[name] = self._templar.template(task_vars[setting.var])
        result.update(self._execute_module(MODULE, module_args=args, task_vars=task_vars))
        return result
