"""Reports: the host report contract, its text renderings, the fleet report, Prometheus."""
