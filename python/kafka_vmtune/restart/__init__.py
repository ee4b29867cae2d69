"""Safe rolling restart of Kafka brokers, one at a time.

A state machine (machine.py) over pure gates (gates.py) and a narrow admin interface
(admin.py). The real admin (confluent_admin.py) imports confluent_kafka lazily; the
simulated cluster (simulated.py) stands behind the same interface for tests and benches.
Control-node only: nothing here runs on a broker host.
"""
