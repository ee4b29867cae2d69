"""Filter kafka_vmtune.kafka.setting_errors: the settings table's verdict on a host's variables."""

from __future__ import annotations

DOCUMENTATION = r"""
name: setting_errors
short_description: Problems with the kafka_vmtune_* settings of a host (also provides C(setting))
description:
  - C(setting_errors) checks every kafka_vmtune_* variable that names a tuning setting
    against the collection's one settings table (the same rules the modules and the CLI
    apply) and returns one message per problem, naming the variable, its rule and the value
    given. Empty when all is well.
  - A kafka_vmtune_* variable that no setting, role argument spec or role of the collection
    knows is a problem too (a typo would be ignored silently); the message names the
    closest known variable.
  - C(setting) gives one setting's typed value, or the table's default when it is unset, e.g.
    C({{ kafka_vmtune_root | default(none) | kafka_vmtune.kafka.setting('root') }}).
positional: _input
options:
  _input:
    description: The host's variables (name -> value), e.g. from the vars lookup.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the settings before anything changes
  ansible.builtin.assert:
    that: _errors | length == 0
    fail_msg: "{{ _errors | join('; ') }}"
  vars:
    _names: "{{ query('ansible.builtin.varnames', '^kafka_vmtune_') }}"
    _errors: >-
      {{ dict(_names | zip(query('ansible.builtin.vars', *_names)))
         | kafka_vmtune.kafka.setting_errors }}
"""

RETURN = r"""
_value:
  description: One message per invalid setting.
  type: list
  elements: str
"""

from typing import Any, Callable, Dict, List, Mapping

from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune import settings
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.errors import (
    InputError,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.variables import (
    errors,
)


def setting_errors(variables: Mapping[str, Any]) -> List[str]:  # noqa: UP006 (runs on any controller Python)
    return errors(variables)


def setting(value: Any, name: str) -> Any:
    """One setting's typed value, its table default when unset (AnsibleFilterError if bad)."""
    from ansible.errors import AnsibleFilterError

    try:
        return settings.parse(name, value)
    except (KeyError, InputError) as e:
        raise AnsibleFilterError(str(e)) from None


class FilterModule:
    def filters(self) -> Dict[str, Callable[..., Any]]:  # noqa: UP006
        return {"setting_errors": setting_errors, "setting": setting}
