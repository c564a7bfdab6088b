"""The .swr dialplan language, in the order a dialplan travels through it.

``frontend/``: text to a checked program — ``parser`` (text → ``ast``, with ``recovery``
for syntax errors and ``incremental`` for editors), ``loader`` (files and includes →
``Program``), ``checker`` (diagnostics), ``formatter``.
``graph/``: the route graph — ``compiler`` (``Program`` → ``networkx.DiGraph``, its
vocabulary in ``kinds``, ``index`` for many routes) and ``render`` (the graph drawn).
``runtime/``: one call at a time — ``engine`` (the graph walked for a parked call through
the Session API), ``evaluator`` (expressions), ``app`` (a dialplan as a Service app, with
hot reload), ``simulate`` and ``transcript`` (a call with no network), ``callmix``.

Shared by all of them: ``language`` (the rules: keywords, defaults, what a name means),
``ast``, ``diagnostics``, ``actions`` (what routes can do), ``builtins``, ``headers``,
``patterns`` (where route regexes are compiled and matched), ``timeofday`` (the clock),
and ``build`` (files → checked → graph, the one path every tool takes).
"""

from switchy.dialplan.frontend.checker import check, check_paths, check_text
from switchy.dialplan.frontend.loader import Program, load, load_text
from switchy.dialplan.frontend.parser import ParseResult, parse

__all__ = ["ParseResult", "Program", "check", "check_paths", "check_text", "load",
           "load_text", "parse"]
