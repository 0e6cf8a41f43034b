"""Benchmarks of the studio: one command each; see README.md."""
