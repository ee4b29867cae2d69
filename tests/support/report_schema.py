"""The host report's contract, read from the package's typed contracts (report.contracts):
keys every consumer (CLI, Ansible, fleet report) may rely on."""

from kafka_vmtune.contracts import SCHEMA, HostReport, Plan

REPORT_KEYS = set(HostReport.__annotations__)
PLAN_KEYS = set(Plan.__annotations__)
TERM_KEYS = {"symbol", "name", "count", "per_unit", "areas", "source", "detail"}
__all__ = ["PLAN_KEYS", "REPORT_KEYS", "SCHEMA", "TERM_KEYS"]
