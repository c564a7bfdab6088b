"""``create_server()``: the server with every feature registered, ready to serve.

The server class knows no feature and the features know only the server's class, so
they import in one direction; this module is the one place that sees both.
"""

from __future__ import annotations

from switchy.dialplan.frontend.parser import expected_next, parse, tokens
from switchy_lsp.features import (
    code_actions,
    commands,
    completion,
    configuration,
    diagnostics,
    formatting,
    hover,
    navigation,
    rename,
    semantic_tokens,
    symbols,
)
from switchy_lsp.server import SwitchyLanguageServer

FEATURES = (configuration, diagnostics, completion, hover, navigation, rename, symbols,
            semantic_tokens, formatting, code_actions, commands)


def create_server() -> SwitchyLanguageServer:
    """A new server with every feature registered."""
    server = SwitchyLanguageServer()
    for feature in FEATURES:
        feature.register(server)
    _warm_up()
    return server


def _warm_up() -> None:
    """Build the lexer and the parser's tables now, not in the user's first request."""
    parse('route r "1" { answer() }')
    tokens('route r "1" { answer() }')
    expected_next('route r "1" { ')
