"""Parsing .swr text into the AST: every construct, spans, strings and comments."""

import datetime as dt

from switchy.dialplan import ast
from switchy.dialplan.frontend.parser import find_comments, parse


def only(text):
    result = parse(text, "t.swr")
    assert result.diagnostics == [], [d.format() for d in result.diagnostics]
    return result.module


def test_route_with_pattern_body_and_spans():
    module = only('route intl "00(.*)|011(.*)" {\n    respond(407)\n    hangup()\n}\n')
    (route,) = module.items
    assert route == ast.Route(
        ast.Ident("intl"),
        ast.Pattern(ast.Str("00(.*)|011(.*)")),
        None,
        ast.Block([
            ast.CallStmt(ast.Call(ast.Ident("respond"), [ast.Arg(None, ast.Number(407))])),
            ast.CallStmt(ast.Call(ast.Ident("hangup"), [])),
        ]),
    )
    assert (route.span.line, route.span.column, route.span.end_line) == (1, 1, 4)
    assert (route.name.span.column, route.name.span.end_column) == (7, 11)
    call = route.body.statements[0].call
    assert (call.span.line, call.span.column, call.span.end_column) == (2, 5, 17)


def test_field_pattern_when_and_target():
    module = only('route Caller-Caller-ID-Number =~ "^1001$" when not inbound '
                  '-> bridge2dest(gateway="gw", out_profile=none)')
    (route,) = module.items
    assert route.name is None
    assert route.pattern.field.name == "Caller-Caller-ID-Number"
    assert route.when == ast.Not(ast.Name("inbound"))
    assert route.target.name == "bridge2dest"
    assert [a.name.name for a in route.target.args] == ["gateway", "out_profile"]
    assert route.body is None


def test_dialplans_guards_timezone_select_include_handler():
    module = only('''
        include "common.swr"
        select Caller-Context
        handler h(a, b="x") { stop }
        dialplan public {
            guard Call-Direction == "inbound"
            timezone variable_timezone
            route catch_all { return }
        }
    ''')
    inc, sel, handler, dialplan = module.items
    assert inc.path.value == "common.swr"
    assert sel.header.name == "Caller-Context"
    assert [p.name.name for p in handler.params] == ["a", "b"]
    assert handler.params[0].default is None and handler.params[1].default == ast.Str("x")
    assert dialplan.name.name == "public"
    assert dialplan.guards[0].condition == ast.Compare(
        "==", ast.Name("Call-Direction"), ast.Str("inbound"))
    assert dialplan.timezones[0].value == ast.Name("variable_timezone")
    assert dialplan.routes[0].body.statements == [ast.Return()]


def test_if_elif_else_and_precedence():
    module = only('''route r {
        if a == "1" or b =~ "^2" and not c { x = 1 }
        elif hour in 18..8 { x = 2 }
        else { x = 3 }
    }''')
    stmt = module.items[0].body.statements[0]
    first = stmt.branches[0].condition
    assert first == ast.BoolOp("or", [
        ast.Compare("==", ast.Name("a"), ast.Str("1")),
        ast.BoolOp("and", [ast.Compare("=~", ast.Name("b"), ast.Str("^2")),
                           ast.Not(ast.Name("c"))]),
    ])
    assert stmt.branches[1].condition == ast.Compare(
        "in", ast.Name("hour"), ast.Range(ast.Number(18), ast.Number(8)))
    assert stmt.orelse.statements == [ast.Assign(ast.Ident("x"), ast.Number(3))]


def test_time_literals_lists_and_not_in():
    module = only('route r { if time not in [08:00..12:00, 13:00:30..17:00] '
                  'and now in 2024-12-24T18:00..2024-12-26 23:59 and date == 2024-02-29 {} }')
    cond = module.items[0].body.statements[0].branches[0].condition
    first, second, third = cond.operands
    assert first.op == "not in"
    assert first.right.items[1].low == ast.TimeLit(dt.time(13, 0, 30), "13:00:30")
    assert second.right.low.value == dt.datetime(2024, 12, 24, 18, 0)
    assert second.right.high.value == dt.datetime(2024, 12, 26, 23, 59)
    assert third.right.value == dt.date(2024, 2, 29)


def test_invalid_dates_and_times_parse_but_carry_no_value():
    module = only("route r { if time == 25:00 and date == 2023-02-29 {} }")
    a, b = module.items[0].body.statements[0].branches[0].condition.operands
    assert a.right.value is None and a.right.raw == "25:00"
    assert b.right.value is None


def test_captures_pyref_and_calls_in_expressions():
    module = only('route r "^(?P<did>\\d+)$" { if randint(1, 6) == 4 { x = $did y = $1 } '
                  'acme.routing:pick(limit=3) }')
    stmts = module.items[0].body.statements
    cond = stmts[0].branches[0].condition
    assert cond.left == ast.Call(ast.Ident("randint"), [ast.Arg(None, ast.Number(1)),
                                                        ast.Arg(None, ast.Number(6))])
    assert stmts[0].branches[0].body.statements[0].value == ast.Capture("did")
    assert stmts[0].branches[0].body.statements[1].value == ast.Capture(1)
    call = stmts[1].call
    assert isinstance(call.callee, ast.PyRef)
    assert (call.callee.module, call.callee.function) == ("acme.routing", "pick")


def test_plain_strings_keep_backslashes_and_freeswitch_variables():
    module = only(r'''route r "^1213(\d{7})$" { bridge("${sip_req_uri}\\x", proxy='a\'b') }''')
    route = module.items[0]
    assert route.pattern.regex.value == r"^1213(\d{7})$"
    args = route.body.statements[0].call.args
    assert args[0].value.value == "${sip_req_uri}\\x"
    assert args[1].value.value == "a'b"


def test_fstring_parts_and_spans():
    module = only('route r "^(\\d+)$" { bridge(f"{$1}@${domain} {{x}} {Caller-Context}") }')
    fstr = module.items[0].body.statements[0].call.args[0].value
    assert fstr.parts == [ast.Capture(1), "@", ast.Passthrough("${domain}"), " {x} ",
                          ast.Name("Caller-Context")]
    capture = fstr.parts[0]
    text = 'route r "^(\\d+)$" { bridge(f"{$1}'
    assert capture.span.column == text.index("$1") + 1
    assert capture.span.end_column == capture.span.column + 2


def test_fstring_errors_are_diagnostics():
    result = parse('route r { bridge(f"{oops") playback(f"{a b}") }', "t.swr")
    codes = [d.code for d in result.diagnostics]
    assert codes == ["SWR105", "SWR105"]
    assert "unclosed '{'" in result.diagnostics[0].message


def test_names_keep_dashes_and_keywords_inside_names():
    module = only('route route-a "1" { x = Caller-Destination-Number y = in_house }')
    route = module.items[0]
    assert route.name.name == "route-a"
    assert route.body.statements[1].value == ast.Name("in_house")


def test_comments_are_collected_but_not_inside_strings():
    text = '# top\nroute r "#1" { answer() } # after\n'
    assert only(text).items[0].pattern.regex.value == "#1"
    comments = find_comments(text, "t.swr")
    assert [(c.text, c.span.line, c.span.column) for c in comments] == [
        ("# top", 1, 1), ("# after", 2, 27)]


def test_empty_and_comment_only_files():
    assert only("").items == []
    assert only("# nothing\n\n").items == []


def test_walk_visits_every_node_in_order():
    module = only('route r "1" { if a { b() } }')
    kinds = [type(n).__name__ for n in ast.walk(module)]
    assert kinds == ["Module", "Route", "Ident", "Pattern", "Str", "Block", "If", "Branch",
                     "Name", "Block", "CallStmt", "Call", "Ident"]
