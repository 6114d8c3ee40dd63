"""Benchmarks: `make bench` (python -m bench). See docs/operations.md."""
