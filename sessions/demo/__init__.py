"""The demo that `manage.py seed_demo` loads, kept as data.

`roskilde.py` and `faaborg_midtfyn.py` hold the people, sessions and posts as plain structures
(`shapes.py`); `evening.py` lays Faaborg-Midtfyn's budget meeting out over its evening from a
set of hand-written sentences; `loader.py` writes it all through the services.
"""
