"""The benchmark: measurements, bulk data, the framework's own limit (command: cli/bench.py)."""
