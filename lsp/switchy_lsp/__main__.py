"""``switchy-lsp`` / ``python -m switchy_lsp``: serve over stdio (``--tcp`` to debug)."""

from __future__ import annotations

import argparse
import logging
import sys

from switchy_lsp import __version__

SWITCH_INTERVAL = 0.0005  # seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="switchy-lsp", description="The switchy language server for .swr dialplans. "
        "Speaks LSP over stdio unless --tcp or --ws is given.")
    parser.add_argument("--stdio", action="store_true",
                        help="speak over stdin/stdout (the default; accepted for clients that pass it)")
    parser.add_argument("--tcp", action="store_true", help="listen on TCP (for debugging)")
    parser.add_argument("--ws", action="store_true", help="listen on a WebSocket")
    parser.add_argument("--host", default="127.0.0.1", help="address for --tcp/--ws (127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="port for --tcp/--ws (2087)")
    parser.add_argument("--log-level", default="warning",
                        choices=("error", "warning", "info", "debug"),
                        help="what to log on stderr until the client's settings say otherwise")
    parser.add_argument("--version", action="version", version=f"switchy-lsp {__version__}")
    args = parser.parse_args(argv)
    # stdout carries the protocol: logs go to stderr only.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")

    from switchy_lsp.factory import create_server  # defer: 1.5 s of imports --help skips

    server = create_server()
    # Analyses run in a worker thread: switch threads every 0.5 ms, not every 5, so the
    # event loop reads the next message (an edit, a request) while a check runs.
    sys.setswitchinterval(SWITCH_INTERVAL)
    server.settings.log_level = args.log_level
    server.settings.apply_log_level()
    if args.tcp:
        server.start_tcp(args.host, args.port)
    elif args.ws:
        server.start_ws(args.host, args.port)
    else:
        server.start_io()
    return 0


if __name__ == "__main__":
    sys.exit(main())
