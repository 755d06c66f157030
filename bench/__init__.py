"""Benchmarks of weave-widgets against the alternatives; run ``python -m bench``."""
