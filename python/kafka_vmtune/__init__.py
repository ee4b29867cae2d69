"""kafka-vmtune: size, apply and prove vm.max_map_count for Kafka brokers.

Kept import-free: Ansible ships this package to broker hosts through module_utils,
and only the modules a task imports should travel with it.

The data flow, one sub-package a stage: facts -> sizing -> plan -> apply -> report ->
restart, with the CLI on top. HOST_SIDE names what runs on broker hosts (standard library
only, Python 3.8+, enforced by tests/lint/test_host_side.py); the rest runs on the control
node (Python 3.11+, may use ansible-runner and confluent-kafka).
"""

__version__ = "0.2.0"

HOST_SIDE = (
    "errors",
    "settings",
    "contracts",
    "contracts_sections",
    "pipeline",
    "facts",
    "sizing",
    "plan",
    "apply",
    "report",
    "cli.__main__",
    "cli.main",
)
