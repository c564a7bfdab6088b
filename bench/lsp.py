"""Language server latency on a 5,000-line dialplan: time to diagnostics after an edit, and
completion latency, measured end to end over stdio like an editor sees them.

A real ``python -m switchy_lsp`` is started; the client opens a generated dialplan of
5,000 lines (a handler and DID routes with time-of-day tests, the shape of a big
production dialplan), then

- edits it (typing inside a route, breaking and mending a line, adding a route, editing
  near the top and near the end; each edit is a new version of the whole document, as
  VS Code sends it) and times from sending ``didChange`` to receiving the
  ``publishDiagnostics`` of that version;
- asks for completion before anything is typed (the longest lists: once a letter is
  typed the server sends only what it matches) at a statement, inside a call (keyword
  arguments and values) and in an expression (headers, built-ins...), timing each.

Targets (issue 6): diagnostics under 300 ms, completion under 50 ms. Figures are printed,
not asserted; machines differ.

    python bench/lsp.py [--lines 5000] [--edits 20] [--completions 30] [--one-block]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HEAD = '''# A generated dialplan: one handler, many DIDs with office hours.
guard Call-Direction == "inbound"

handler bridge2dest(out_profile=none, gateway=none, proxy=none, response=none) {
    if response {
        log(f"Rejecting call to {Caller-Destination-Number}", level="warning")
        respond(response)
        hangup()
        stop
    }
    bridge(profile=out_profile, gateway=gateway, dest_url=variable_sip_req_uri, proxy=proxy)
}
'''

ROUTE = '''
route did_{i} "^555{i:07d}$" when Caller-Caller-ID-Number !~ "^0" {{
    if weekday in mon..fri and time in 08:00..17:30 {{
        setvar("route_{i}", "open")
        bridge2dest(gateway="gw{gw}")
    }} else {{
        playback("closed.wav")
        stop
    }}
}}
'''


def dialplan(lines: int, one_block: bool = False) -> str:
    parts = [HEAD]
    i = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(ROUTE.format(i=i, gw=i % 7))
        i += 1
    text = "".join(parts)
    if one_block:  # every route inside one `dialplan` block: nothing to cut the file at
        head, routes = text.split("\nroute ", 1)
        head = head.replace('guard Call-Direction == "inbound"\n', "")
        body = "\n".join("    " + line if line else line for line in ("route " + routes).split("\n"))
        text = f'{head}\ndialplan default {{\n    guard Call-Direction == "inbound"\n{body}}}\n'
    return text


def edits(text: str, count: int) -> list[tuple[str, str]]:
    """(what, new text) pairs, each applied to the previous text."""
    out = []
    middle = text.index("route did_", len(text) // 2)
    for n in range(count):
        kind = n % 5
        if kind == 0:  # type one character inside a route in the middle
            at = text.index('"open"', middle) + 1
            text = text[:at] + "x" + text[at:]
            out.append(("type a character", text))
        elif kind == 1:  # delete a ')': a syntax error
            at = text.index('"closed.wav")', middle) + len('"closed.wav"')
            text = text[:at] + text[at + 1:]
            out.append(("make a syntax error", text))
        elif kind == 2:  # mend it again
            at = text.index('"closed.wav"\n', middle) + len('"closed.wav"')
            text = text[:at] + ")" + text[at:]
            out.append(("mend it", text))
        elif kind == 3:  # add a route near the top, indented as the route it goes before
            at = text.index("route did_")
            indent = text[text.rindex("\n", 0, at) + 1:at]
            text = text[:at] + f'route extra_{n} "^9{n}$" {{ answer() }}\n{indent}' + text[at:]
            out.append(("add a route at the top", text))
        else:  # edit near the end
            at = text.rindex('"closed.wav"') + 1
            text = text[:at] + "y" + text[at:]
            out.append(("type near the end", text))
    return out


class Bench:
    """A minimal JSON-RPC client: it only decodes JSON, as an editor does, so the figures
    are the server's and the pipe's time, not a Python client's object building."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future] = {}
        self.published: dict[tuple[str, int], tuple[float, list]] = {}  # -> (arrival, diagnostics)
        self.arrived = asyncio.Event()
        self.reader: asyncio.Task | None = None

    async def start(self, options: dict | None = None) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "switchy_lsp", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=2**26)
        self.reader = asyncio.create_task(self.read())
        capabilities = {"textDocument": {"completion": {
            "completionItem": {"snippetSupport": True},
            "completionList": {"itemDefaults": ["editRange"]}}}}
        await self.request("initialize", {"processId": None, "rootUri": None,
                                          "capabilities": capabilities,
                                          "initializationOptions": options})
        self.notify("initialized", {})

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    async def request(self, method: str, params: dict | None):
        msg_id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        self.send({"id": msg_id, "method": method, "params": params})
        return await asyncio.wait_for(future, 60)

    async def read(self) -> None:
        stream = self.process.stdout
        while True:
            header = await stream.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", header).group(1))
            message = json.loads(await stream.readexactly(length))
            if "id" in message and "method" in message:  # the server asks (configuration)
                self.send({"id": message["id"], "result": [None] * len(
                    (message.get("params") or {}).get("items", []))})
            elif "id" in message:
                future = self.pending.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message.get("result"))
            elif message.get("method") == "textDocument/publishDiagnostics":
                params = message["params"]
                self.published[params["uri"], params.get("version")] = (
                    time.perf_counter(), params["diagnostics"])
                self.arrived.set()

    async def until_diagnostics(self, uri: str, version: int) -> tuple[float, list]:
        """When the diagnostics of ``version`` arrived, and what they are."""
        async def wait() -> tuple[float, list]:
            while (uri, version) not in self.published:
                self.arrived.clear()
                await self.arrived.wait()
            return self.published[uri, version]
        return await asyncio.wait_for(wait(), 60)

    async def stop(self) -> None:
        await self.request("shutdown", None)
        self.notify("exit", None)
        await self.process.wait()
        self.reader.cancel()


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):6.1f} ms   p90 {p90:6.1f} ms   max {ms[-1]:6.1f} ms   (n={len(ms)})"


async def run(args: argparse.Namespace) -> None:
    text = dialplan(args.lines, args.one_block)
    folder = Path(tempfile.mkdtemp(prefix="switchy-lsp-bench-"))
    path = folder / "big.swr"
    path.write_text(text)
    uri = path.as_uri()
    bench = Bench()
    await bench.start({"switchy": {"diagnostics": {"debounce": args.debounce}}})
    (folder / "other").mkdir()
    small = folder / "other" / "small.swr"  # another program (a directory is one program)
    small.write_text('route r "^1$" { answer() }\n')
    bench.notify("textDocument/didOpen", {"textDocument": {
        "uri": small.as_uri(), "languageId": "swr", "version": 1, "text": small.read_text()}})
    await bench.until_diagnostics(small.as_uri(), 1)
    print(f"dialplan: {text.count(chr(10))} lines, {len(text)} characters, "
          f"{text.count('route did_')} routes")

    started = time.perf_counter()
    bench.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "swr", "version": 1, "text": text}})
    # While the server reads the big file, a request about another document must not wait.
    probe = time.perf_counter()
    await bench.request("textDocument/hover", {"textDocument": {"uri": small.as_uri()},
                                               "position": {"line": 0, "character": 17}})
    probe = time.perf_counter() - probe
    arrived, first = await bench.until_diagnostics(uri, 1)
    print(f"open → first diagnostics (cold: whole file parsed): {(arrived - started) * 1000:.0f} ms, "
          f"{len(first)} diagnostics; a request sent meanwhile answered in {probe * 1000:.0f} ms")

    print("\nrequests on the whole document (first = right after open)")
    for method in ("textDocument/semanticTokens/full", "textDocument/documentSymbol"):
        values = []
        for _ in range(args.completions):
            sent = time.perf_counter()
            await bench.request(method, {"textDocument": {"uri": uri}})
            values.append(time.perf_counter() - sent)
        print(f"  {method:<34} first {values[0] * 1000:6.1f} ms   then {summary(values[1:])}")

    timings: dict[str, list[float]] = {}
    version = 1
    for what, new_text in edits(text, args.edits):
        version += 1
        sent = time.perf_counter()
        bench.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": new_text}]})
        arrived, _ = await bench.until_diagnostics(uri, version)
        timings.setdefault(what, []).append(arrived - sent)
        text = new_text
    every = [t for values in timings.values() for t in values]
    print("\ntime to diagnostics after an edit (target < 300 ms)")
    for what, values in timings.items():
        print(f"  {what:<24} {summary(values)}")
    print(f"  {'all edits':<24} {summary(every)}")

    # A burst of typing: edits sent as fast as a client sends them, one diagnostics wait
    # at the end (the server may skip the versions in between).
    bursts = []
    for _ in range(args.bursts):
        for _, new_text in edits(text, args.burst)[:args.burst]:
            version += 1
            bench.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": new_text}]})
            text = new_text
        sent = time.perf_counter()
        arrived, _ = await bench.until_diagnostics(uri, version)
        bursts.append(arrived - sent)
    print(f"\nafter a burst of {args.burst} edits, last edit → its diagnostics "
          f"(debounce {args.debounce} ms; target debounce + 300 ms)\n  {summary(bursts)}")

    lines = text.split("\n")
    middle = len(lines) // 2
    statement = next(i for i in range(middle, len(lines)) if lines[i].strip() == "stop")
    call = next(i for i in range(middle, len(lines)) if "bridge2dest(gateway=" in lines[i])
    expression = next(i for i in range(middle, len(lines)) if "if weekday" in lines[i])
    where = {
        "statement (actions, handlers)": (statement, lines[statement].index("stop")),
        "call (keyword arguments)": (call, lines[call].index("(") + 1),
        "expression (headers, variables)": (expression, lines[expression].index("weekday")),
        "expression, one letter typed": (expression, lines[expression].index("weekday") + 1),
    }
    print("\ncompletion latency (target < 50 ms)")
    for what, (line, character) in where.items():
        values = []
        count = 0
        for _ in range(args.completions):
            sent = time.perf_counter()
            result = await bench.request("textDocument/completion", {
                "textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
            values.append(time.perf_counter() - sent)
            count = len(result["items"] if isinstance(result, dict) else result or [])
        print(f"  {what:<32} {summary(values)}   {count} items")
    await bench.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--completions", type=int, default=30)
    parser.add_argument("--burst", type=int, default=10, help="edits per burst of typing")
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--debounce", type=int, default=0,
                        help="the server's switchy.diagnostics.debounce (ms)")
    parser.add_argument("--one-block", action="store_true",
                        help="put every route inside one `dialplan` block (the slow case: "
                        "an edit re-parses the whole block)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
