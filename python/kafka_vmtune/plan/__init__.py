"""The plan: what to set on a host, decided once, with the reason for each decision."""
