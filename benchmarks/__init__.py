"""Benchmark kit: a synthetic corpus generator (`benchmarks.generate`) and the
measurement runner (`benchmarks.run`) that writes docs/performance.md.

Nothing here is imported by the ETL or the app; it only reads them.
"""
