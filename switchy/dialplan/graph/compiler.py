"""Compile a checked .swr ``Program`` into the route graph, a ``networkx.DiGraph``.

The graph is the one thing the runtime executes and the renderer draws, so everything
either needs is on it. Nodes are integers; edges are directed and labelled.

Graph attributes (``g.graph``)
    ``select`` (the header that picks a dialplan), ``root`` (the select node),
    ``dialplans`` ({name: entry node}), ``handlers`` ({name: entry node}), ``files``.

Every node has
    ``kind``   one of the kinds below
    ``label``  short human text, usually the source as written (``respond(407)``)
    ``span``   the ``ast.Span`` it came from (None for nodes the compiler adds)
    ``order``  creation sequence; within a dialplan it follows file order
    ``dialplan`` / ``handler``  the dialplan or handler the node belongs to (or None)
    ``captures`` the ``condition`` nodes whose ``=~`` captures apply here, innermost
               first (empty: the route pattern's captures apply)

Node kinds and their own attributes
    ``select``    the program's entry: ``header``; one ``select`` edge per dialplan
    ``dialplan``  a dialplan's entry: ``name``, ``timezone`` (an ``ast.Expr`` or None),
                  ``hunt`` (True: actions are queued and sent after the last route)
    ``guard``     ``expr``; edges ``match`` (holds) / ``no-match`` (to ``reject``)
    ``reject``    hang up with ``cause`` (``NO_ROUTE_DESTINATION``): a guard failed
    ``table``     the route index of a dialplan with many routes: ``index`` (a
                  ``RouteIndex``), ``routes`` (match node of each route, file order),
                  ``count``, ``exact``/``prefixed`` (how many routes each way),
                  ``fields``; one edge, ``exit`` (the ``end``): the runtime jumps
                  from the table to the candidate routes it names
    ``match``     a route's entry: ``route`` (name or None), ``title`` (the name, else
                  the pattern), ``route_index`` (position in its dialplan), ``field``,
                  ``pattern`` (as written, None: matches every call), ``regex`` (the
                  compiled pattern, None until the runtime first needs it: compiling
                  ten thousand DID regexes up front would cost a third of a second);
                  edges ``match`` (into the route) / ``no-match``
    ``condition`` ``expr``, ``role`` (``when`` | ``if`` | ``elif``), ``binds``
                  (True when its ``=~`` captures apply in its ``then`` block);
                  edges ``then`` / ``else``
    ``action``    ``action`` (name in the action table), ``args`` (``ast.Arg`` list),
                  ``inline`` (True: sent at once even in a ``hunt`` dialplan)
    ``call``      a handler call: ``target`` (handler name), ``args``; edges ``call``
                  (to the handler's entry) and ``next`` (where it returns to)
    ``python``    the escape hatch: ``ref`` ("pkg.mod:func"), ``args``
    ``assign``    ``name``, ``expr``: a switchy-side local
    ``pass``      an empty block
    ``return``    leave the route (to the next route) or the handler (to its ``exit``)
    ``stop``      halt all routing for the call (no outgoing edge)
    ``handler``   a handler's entry: ``name``, ``params`` (``ast.Param`` list)
    ``exit``      the end of a handler: control returns to the caller's ``next``
    ``end``       a dialplan's end: hang up with ``cause`` if no route matched

Edge labels
    ``select`` (with ``value``, the header value; ``default=True`` on the fallback),
    ``next``, ``match``, ``no-match``, ``then``, ``else``, ``call``, ``exit``.

Both vocabularies are ``kinds.Kind`` and ``kinds.Edge``; the rules they follow (the
default field, the handler table, what a route's head is) come from ``language``.

The last statement of a route leads (``next``) to the next route's ``match`` node or
to the ``end``: following edges from a dialplan entry is trying routes in file order.
A ``table`` lets the runtime jump straight to the candidate routes instead; the result
is the same (``index`` says why). Empty blocks compile to a ``pass`` node, so two
labelled edges never share a source and a target.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from switchy.dialplan import ast, language
from switchy.dialplan.frontend.gcpause import collector_paused
from switchy.dialplan.frontend.loader import Program
from switchy.dialplan.graph.index import Entry, RouteIndex
from switchy.dialplan.graph.kinds import Edge, Kind, Role
from switchy.dialplan.language import DEFAULT_DIALPLAN, Callee
from switchy.routing import NO_ROUTE_CAUSE

INDEX_THRESHOLD = 16  # dialplans with this many routes get a table
LABEL_WIDTH = 72


class CompileError(Exception):
    """The program has errors the checker reports; compile only checked programs."""


# A dangling exit: (node, edge label) still to be connected to whatever follows.
Exit = tuple[int, Edge]


@dataclass
class _Owner:
    dialplan: str | None
    handler: str | None


class _Compiler:
    def __init__(self, program: Program, index_threshold: int | None) -> None:
        self.program = program
        self.threshold = index_threshold
        self.g = nx.DiGraph(select=program.select_header, dialplans={}, handlers={},
                            files=list(program.files))
        self.texts = program.texts
        self.seq = 0
        self.owner = _Owner(None, None)
        self.captures: tuple[int, ...] = ()
        self.handlers = language.handler_table(program.handlers)
        self.handler_entries: dict[str, int] = {}
        self.returns: list[Exit] = []  # `return` nodes of the route or handler being compiled

    # -- building blocks ------------------------------------------------------------------

    def node(self, kind: Kind, label: str, span: ast.Span | None, **attrs: object) -> int:
        n = self.seq
        self.seq += 1
        self.g.add_node(n, kind=kind, label=label, span=span, order=n,
                        dialplan=self.owner.dialplan, handler=self.owner.handler,
                        captures=self.captures, **attrs)
        return n

    def edge(self, a: int, b: int, label: Edge, **attrs: object) -> None:
        if self.g.has_edge(a, b):  # would silently merge two labelled edges
            raise AssertionError(f"edge {a}->{b} already exists")
        self.g.add_edge(a, b, label=label, **attrs)

    def connect(self, exits: list[Exit], target: int) -> None:
        for source, label in exits:
            self.edge(source, target, label)

    def source(self, span: ast.Span | None) -> str:
        """The text of ``span`` on one line, shortened for a label."""
        return language.span_text(self.texts, span, one_line=True, width=LABEL_WIDTH)

    # -- program ---------------------------------------------------------------------------

    def run(self) -> nx.DiGraph:
        header = self.program.select_header
        span = self.program.selects[0].span if self.program.selects else None
        root = self.node(Kind.SELECT, f"select {header}", span, header=header)
        self.g.graph["root"] = root
        seen: set[str] = set()
        for dialplan in self.program.dialplans:
            name = dialplan.name.name
            if name in seen:
                raise CompileError(f"dialplan {name!r} is declared twice")
            seen.add(name)
            entry = self.dialplan(dialplan)
            self.g.graph["dialplans"][name] = entry
            attrs = {"value": name}
            if name == DEFAULT_DIALPLAN:
                attrs["default"] = True
            self.edge(root, entry, Edge.SELECT, **attrs)
        for name in self.handlers:  # unused handlers too: the renderer shows them
            self.handler_entry(name)
        for handler in self.handlers.values():
            self.handler_body(handler)
        return self.g

    def dialplan(self, dp: ast.Dialplan) -> int:
        name = dp.name.name
        self.owner = _Owner(name, None)
        tzs = dp.timezones
        entry = self.node(Kind.DIALPLAN, f"dialplan {name}", dp.name.span, name=name,
                          timezone=tzs[0].value if tzs else None, hunt=bool(dp.hunts))
        exits: list[Exit] = [(entry, Edge.NEXT)]
        reject = None
        for guard in dp.guards:
            g = self.node(Kind.GUARD, f"guard {self.source(guard.condition.span)}", guard.span,
                          expr=guard.condition)
            self.connect(exits, g)
            if reject is None:
                reject = self.node(Kind.REJECT, f"reject: hang up {NO_ROUTE_CAUSE}", None,
                                   cause=NO_ROUTE_CAUSE)
            self.edge(g, reject, Edge.NO_MATCH)
            exits = [(g, Edge.MATCH)]
        routes = dp.routes
        table = None
        if routes and self.threshold is not None and len(routes) >= self.threshold:
            table = self.node(Kind.TABLE, f"index of {len(routes)} routes", None)
            self.connect(exits, table)
            exits = []  # the table jumps to candidate routes; no edge leads into the first
        entries: list[int] = []
        index_entries: list[Entry] = []
        for position, route in enumerate(routes):
            match, route_exits = self.route(route, position)
            self.connect(exits, match)
            exits = route_exits
            entries.append(match)
            if table is not None:
                attrs = self.g.nodes[match]
                field = attrs["field"] if attrs["pattern"] is not None else None
                index_entries.append(Entry(position, field, attrs["pattern"]))
        end = self.node(Kind.END, f"end: hang up {NO_ROUTE_CAUSE} if no route matched", None,
                        cause=NO_ROUTE_CAUSE)
        self.connect(exits, end)
        if table is not None:
            index = RouteIndex(index_entries)
            self.g.nodes[table].update(index=index, routes=entries, count=len(entries),
                                       exact=index.exact_routes, prefixed=index.prefix_routes,
                                       fields=index.fields)
            self.edge(table, end, Edge.EXIT)
        self.owner = _Owner(None, None)
        return entry

    # -- routes ----------------------------------------------------------------------------

    def route(self, route: ast.Route, position: int) -> tuple[int, list[Exit]]:
        name = route.name.name if route.name else None
        pattern = route.pattern.regex.value if route.pattern else None
        field = language.route_field(route)
        head = language.route_head(route)
        title = name or (f'"{pattern}"' if pattern is not None else f"route #{position + 1}")
        match = self.node(Kind.MATCH, self.source(head) or f"route {title}", head, route=name,
                          title=title, route_index=position, field=field, pattern=pattern,
                          regex=None)
        exits: list[Exit] = []
        self.returns = []
        if pattern is not None:
            exits.append((match, Edge.NO_MATCH))
        into: list[Exit] = [(match, Edge.MATCH)]
        if route.when is not None:
            cond = self.node(Kind.CONDITION, f"when {self.source(route.when.span)}", route.when.span,
                             expr=route.when, role=Role.WHEN, binds=False)
            self.connect(into, cond)
            exits.append((cond, Edge.ELSE))
            into = [(cond, Edge.THEN)]
        if route.body is not None:
            entry, body_exits = self.block(route.body)
        elif route.target is not None:
            entry, body_exits = self.call(route.target, route.target.span)
        else:  # pragma: no cover - the grammar requires a body or a target
            entry, body_exits = self.node(Kind.PASS, "(empty)", route.span), []
        self.connect(into, entry)
        return match, exits + body_exits + self.returns

    # -- statements -----------------------------------------------------------------------------

    def block(self, block: ast.Block) -> tuple[int, list[Exit]]:
        """Compile a block; returns its entry and the exits that continue after it."""
        if not block.statements:
            n = self.node(Kind.PASS, "(empty)", block.span)
            return n, [(n, Edge.NEXT)]
        entry = None
        exits: list[Exit] = []
        for stmt in block.statements:
            first, stmt_exits = self.statement(stmt)
            if entry is None:
                entry = first
            else:
                self.connect(exits, first)
            exits = stmt_exits
        assert entry is not None
        return entry, exits

    def statement(self, stmt: ast.Stmt) -> tuple[int, list[Exit]]:
        if isinstance(stmt, ast.CallStmt):
            return self.call(stmt.call, stmt.span, inline=stmt.inline)
        if isinstance(stmt, ast.Stop):
            return self.node(Kind.STOP, "stop", stmt.span), []
        if isinstance(stmt, ast.Return):
            n = self.node(Kind.RETURN, "return", stmt.span)
            self.returns.append((n, Edge.NEXT))  # joins the route's or handler's end
            return n, []
        if isinstance(stmt, ast.Assign):
            n = self.node(Kind.ASSIGN, self.source(stmt.span), stmt.span, name=stmt.target.name,
                          expr=stmt.value)
            return n, [(n, Edge.NEXT)]
        if isinstance(stmt, ast.If):
            return self.if_(stmt)
        raise CompileError(f"cannot compile {type(stmt).__name__} at {stmt.span}")

    def if_(self, stmt: ast.If) -> tuple[int, list[Exit]]:
        entry = None
        exits: list[Exit] = []
        pending: list[Exit] = []
        for i, branch in enumerate(stmt.branches):
            role = Role.IF if i == 0 else Role.ELIF
            binds = _has_regex_test(branch.condition)
            cond = self.node(Kind.CONDITION, f"{role} {self.source(branch.condition.span)}",
                             branch.condition.span, expr=branch.condition, role=role,
                             binds=binds)
            if entry is None:
                entry = cond
            self.connect(pending, cond)
            outer = self.captures
            if binds:
                self.captures = (cond, *outer)
            body, body_exits = self.block(branch.body)
            self.captures = outer
            self.edge(cond, body, Edge.THEN)
            exits += body_exits
            pending = [(cond, Edge.ELSE)]
        if stmt.orelse is not None:
            body, body_exits = self.block(stmt.orelse)
            self.connect(pending, body)
            exits += body_exits
        else:
            exits += pending
        assert entry is not None
        return entry, exits

    def call(self, call: ast.Call, span: ast.Span, inline: bool = False) -> tuple[int, list[Exit]]:
        label = self.source(call.span) or call.name
        if isinstance(call.callee, ast.PyRef):
            n = self.node(Kind.PYTHON, label, span, ref=call.callee.name, args=call.args)
            return n, [(n, Edge.NEXT)]
        name = call.callee.name
        kind = language.callee(name, self.handlers)
        if kind is Callee.HANDLER:
            n = self.node(Kind.CALL, label, span, target=name, args=call.args)
            self.edge(n, self.handler_entry(name), Edge.CALL)
            return n, [(n, Edge.NEXT)]
        if kind is Callee.ACTION:
            n = self.node(Kind.ACTION, ("inline " if inline else "") + label, span, action=name,
                          args=call.args, inline=inline)
            return n, [(n, Edge.NEXT)]
        raise CompileError(f"{span}: unknown action or handler {name!r}")

    # -- handlers ------------------------------------------------------------------------------

    def handler_entry(self, name: str) -> int:
        entry = self.handler_entries.get(name)
        if entry is None:
            handler = self.handlers[name]
            saved = self.owner, self.captures
            self.owner, self.captures = _Owner(None, name), ()
            params = ", ".join(self.source(p.span) or p.name.name for p in handler.params)
            entry = self.node(Kind.HANDLER, f"handler {name}({params})", handler.name.span,
                              name=name, params=handler.params)
            self.owner, self.captures = saved
            self.handler_entries[name] = entry
            self.g.graph["handlers"][name] = entry
        return entry

    def handler_body(self, handler: ast.Handler) -> None:
        name = handler.name.name
        entry = self.handler_entries[name]
        self.owner, self.captures = _Owner(None, name), ()
        self.returns = []
        body, exits = self.block(handler.body)
        exits += self.returns
        self.edge(entry, body, Edge.NEXT)
        end = self.node(Kind.EXIT, f"end of {name}", None, name=name)
        self.connect(exits, end)
        self.g.nodes[entry]["exit"] = end
        self.owner = _Owner(None, None)


def _has_regex_test(expr: ast.Expr) -> bool:
    return any(isinstance(n, ast.Compare) and n.op == "=~" for n in ast.walk(expr))


def compile_program(program: Program, *, index_threshold: int | None = INDEX_THRESHOLD) -> nx.DiGraph:
    """The route graph of a program the checker passed (``CompileError`` otherwise).

    ``index_threshold``: dialplans with at least this many routes get a ``table`` node;
    None never indexes (the runtime then tries routes one by one, in file order).
    """
    with collector_paused():
        return _Compiler(program, index_threshold).run()
