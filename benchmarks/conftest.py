"""Benchmarks (pytest-benchmark): run with ``python -m pytest benchmarks/``.

Not collected by the default test run. Each benchmark asserts what it computed and reports
ratios against a reference computed in the same run.
"""
