"""What-if: the model for brokers and topics that may not exist yet (`kafka-vmtune whatif`).

parse checks the description (a dict the CLI loads from YAML, see examples/whatif.yaml)
with fields' readers, placement spreads the replicas over the brokers, calculate sizes
each broker. Not the host plan (plan.plan): nothing here looks at a host.
"""
