"""The kafka-vmtune command line."""
