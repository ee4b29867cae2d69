"""The host report's contract (schema 1): keys every consumer (CLI, Ansible, fleet report)
may rely on. Reports may add keys, never drop these."""

REPORT_KEYS = {
    "schema",
    "hostname",
    "generated_at",
    "kafka",
    "process",
    "maps",
    "disk",
    "sysctl",
    "model",
    "recommendation",
    "status",
    "top_processes",
}
TERM_KEYS = {"symbol", "name", "count", "per_unit", "areas", "source", "detail"}
