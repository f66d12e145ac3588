"""Collation: finding returns, reading them in worker processes, settling which stands."""
