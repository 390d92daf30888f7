"""Tools for developers and benchmarks: made-up data (never in production)."""
