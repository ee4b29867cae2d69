"""kafka-vmtune: size, apply and prove vm.max_map_count for Kafka brokers.

Imports nothing of its own, but payload_cache when it runs from Ansible's zip: Ansible
ships this package to broker hosts through module_utils, and only the modules a task
imports should travel with it.

The data flow, one sub-package a stage: facts -> sizing -> plan -> apply -> report ->
restart, with the CLI on top. HOST_SIDE names what runs on broker hosts (standard library
only, Python 3.8+, enforced by tests/lint/test_host_side.py); the rest runs on the control
node (Python 3.11+, may use ansible-runner and confluent-kafka).
"""

import sys

__version__ = "0.2.0"

HOST_SIDE = (
    "errors",
    "defaults",
    "settings",
    "contracts",
    "pipeline",
    "facts",
    "sizing",
    "plan",
    "apply",
    "report",
    "whatif",
    "cli.__main__",
    "cli.main",
    "payload_cache",
)

# On a broker, Ansible runs this package from a zip, where every run compiles every module
# again: import the rest from a compiled copy instead (payload_cache says how, and when not).
if type(globals().get("__loader__")).__name__ == "zipimporter":
    from . import payload_cache

    payload_cache.use_compiled(sys.modules[__name__])
