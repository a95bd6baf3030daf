"""Benchmark harness (issue 7): `python -m bench --scale smoke|1m|paper|10x`, see bench/README.md."""
