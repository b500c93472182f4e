"""Benchmarks run by hand (`python -m bench.cases`); they print figures and assert nothing."""
