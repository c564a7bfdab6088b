"""The .swr dialplan language: parser, checker, route graph and runtime.

The pipeline, one module per step: ``parser`` (text → ``ast``, with ``recovery`` for
syntax errors), ``loader`` (files and includes → ``Program``), ``checker``
(diagnostics), ``formatter``; ``actions`` is the table of what routes can do,
``patterns`` is where route regexes are compiled and matched, ``timeofday`` the clock.
Then ``compiler`` (``Program`` → the route graph, with ``index`` for many routes),
``build`` (files → checked → graph), ``evaluator`` (expressions for one call),
``runtime`` (the graph run for a parked call through the Session API) and ``app``
(a dialplan as a Service app, with hot reload); ``callmix`` makes up calls for demos.
"""

from switchy.dialplan.frontend.checker import check, check_paths, check_text
from switchy.dialplan.frontend.loader import Program, load, load_text
from switchy.dialplan.frontend.parser import ParseResult, parse

__all__ = ["ParseResult", "Program", "check", "check_paths", "check_text", "load",
           "load_text", "parse"]
