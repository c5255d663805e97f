"""Benchmarks and fault-injection runs against PostgreSQL, Redis and real Celery processes.

Not part of the test suite; see docs/benchmarks.md.
"""
