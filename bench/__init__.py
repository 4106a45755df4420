"""Benchmarks: each prints its figures and writes them to bench/out/NAME.json. No assertions."""
