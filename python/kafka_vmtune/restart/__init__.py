"""Safe rolling restart of Kafka brokers, one at a time.

The whole roll (run.py: decide, resume, order, the turns, state file and report) over a
state machine (machine.py), pure gates (gates.py) and a narrow admin interface (admin.py);
connect.py picks the admin, systemd.py drives a broker's unit over any command runner.
The real admin (confluent_admin.py) imports confluent_kafka lazily; the simulated cluster
(tests/support/simulated.py) stands behind the same interface for tests and benches.
Control-node only: nothing here runs on a broker host.
"""
