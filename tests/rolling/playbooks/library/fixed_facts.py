#!/usr/bin/python
"""Test-only module: returns the given dict as ansible_facts.kafka_vmtune.

Stands in for the kafka_facts role, which needs a running broker to report a
process start time and limits; the rolling restart reads only those keys.
"""

from ansible.module_utils.basic import AnsibleModule


def main() -> None:
    module = AnsibleModule(
        argument_spec={"report": {"type": "dict", "required": True}}, supports_check_mode=True
    )
    module.exit_json(changed=False, ansible_facts={"kafka_vmtune": module.params["report"]})


if __name__ == "__main__":
    main()
