"""What the names of a program refer to: handlers and their calls, the channel variables the
program sets, and the parameters and locals in scope at a point.

Resolution is the language's own (``switchy.dialplan.language``): a call is a handler call
when a handler has that name and no action or built-in function does; a bare name is a
parameter or local when one is in scope, then a built-in, then a header or channel
variable of the call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from switchy.dialplan import ast
from switchy.dialplan.frontend.checker import assigned_names
from switchy.dialplan.frontend.loader import Program
from switchy.dialplan.language import Callee, callee, handler_table

# execute("set", "name=value") / execute("export", ...) set a variable too.
_SET_APPS = {"set", "export", "set_global", "push", "unshift"}
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


@dataclass(frozen=True)
class SetVariable:
    """A channel variable the program sets, and where."""

    name: str  # as FreeSWITCH knows it: ``my_flag`` (read back as ``variable_my_flag``)
    span: ast.Span


class Names:
    """Lazily built tables over every file of a program, seen from one of its documents."""

    def __init__(self, program: Program, module: ast.Module):
        self.program = program
        self.module = module  # the document's own syntax tree
        self.handlers = handler_table(program.handlers)
        self._calls: list[ast.Call] | None = None
        self._variables: list[SetVariable] | None = None

    # -- handlers --------------------------------------------------------------------

    def handler_named(self, name: str) -> ast.Handler | None:
        """The handler a call of ``name`` runs (None: an action, a function, or nothing)."""
        if callee(name, self.handlers) is not Callee.HANDLER:
            return None
        return self.handlers[name]

    @property
    def calls(self) -> list[ast.Call]:
        """Every call in the program (actions, handlers, functions), in file order."""
        if self._calls is None:
            self._calls = [call for result in self.program.files.values()
                           for item in result.module.items for call in _calls_in(item)]
        return self._calls

    def handler_calls(self, name: str) -> list[ast.Call]:
        if self.handler_named(name) is None:
            return []
        return [c for c in self.calls if isinstance(c.callee, ast.Ident) and c.callee.name == name]

    # -- variables ----------------------------------------------------------------------

    @property
    def variables(self) -> list[SetVariable]:
        """Channel variables set with setvar/setvars/execute("set", ...), first time each."""
        if self._variables is None:
            seen: dict[str, SetVariable] = {}
            for call in self.calls:
                for found in _variables_set_by(call):
                    seen.setdefault(found.name, found)
            self._variables = list(seen.values())
        return self._variables

    # -- scope ----------------------------------------------------------------------------

    def scope_at(self, offset: int) -> tuple[ast.Handler | ast.Route | None, set[str]]:
        """The handler or route around ``offset`` in this document, and the parameter and
        local names visible there. In a half-written item, whose recovered span may end
        before the cursor, the last handler or route starting before it."""
        owner = next((n for n in reversed(ast.enclosing(self.module, offset))
                      if isinstance(n, ast.Handler | ast.Route)), None)
        if owner is None:
            owner = self._started_before(offset)
        if isinstance(owner, ast.Handler):
            params = {p.name.name for p in owner.params}
            return owner, params | assigned_names(owner.body)
        if isinstance(owner, ast.Route):
            return owner, assigned_names(owner.body) if owner.body else set()
        return None, set()

    def _started_before(self, offset: int) -> ast.Handler | ast.Route | None:
        found = None
        for item in self.module.items:
            for sub in item.items if isinstance(item, ast.Dialplan) else [item]:
                if isinstance(sub, ast.Handler | ast.Route) and sub.span.start <= offset:
                    found = sub
        return found


# The calls of each top-level item, by identity: the incremental parser hands back the
# same item objects for the parts of a file an edit did not touch.
_CALLS: dict[int, tuple[ast.Node, list[ast.Call]]] = {}
_CALLS_LIMIT = 200_000


def _calls_in(item: ast.Node) -> list[ast.Call]:
    known = _CALLS.get(id(item))
    if known is not None and known[0] is item:
        return known[1]
    if len(_CALLS) > _CALLS_LIMIT:
        _CALLS.clear()
    calls = [n for n in ast.walk(item) if isinstance(n, ast.Call)]
    _CALLS[id(item)] = (item, calls)
    return calls


def _variables_set_by(call: ast.Call) -> list[SetVariable]:
    if not isinstance(call.callee, ast.Ident):
        return []
    name = call.callee.name
    positional = [a for a in call.args if a.name is None]
    out = []
    if name == "setvar":
        target = positional[0].value if positional else next(
            (a.value for a in call.args if a.name and a.name.name == "name"), None)
        if isinstance(target, ast.Str) and _VAR_NAME.fullmatch(target.value):
            out.append(SetVariable(target.value, target.span))
    elif name == "setvars":
        out.extend(SetVariable(a.name.name, a.name.span) for a in call.args if a.name)
    elif name == "execute" and len(positional) >= 2:
        app, arg = positional[0].value, positional[1].value
        if isinstance(app, ast.Str) and app.value in _SET_APPS and isinstance(arg, ast.Str):
            m = _VAR_NAME.match(arg.value)
            if m and arg.value[m.end():m.end() + 1] == "=":
                out.append(SetVariable(m.group(0), arg.span))
    return out
