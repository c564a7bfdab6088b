"""``switchy test``: dialplan test files — calls, and what must happen to them.

``testfile`` reads the TOML format (every problem with its line), ``node`` models the
FreeSWITCH node the calls run on, ``expand`` is its ``${...}`` expansion, ``runner`` routes
each call through switchy's real runtime and diffs the result, ``writer`` writes test files
from recorded calls (``switchy import --tests``).
"""
