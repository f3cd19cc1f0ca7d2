"""Sources: one connector per service and the shared HTTP request policy they all use.

`build_source` (in `factory`) turns a configured source into a `Source`; the engine polls it.
Nothing here imports Qt, and nothing is created at import time.
"""
