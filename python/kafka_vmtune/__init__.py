"""kafka-vmtune: size, apply and prove vm.max_map_count for Kafka brokers.

Kept import-free: Ansible ships this package to broker hosts through module_utils,
and only the modules a task imports should travel with it.
"""

__version__ = "0.1.0"
