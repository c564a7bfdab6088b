"""Settings: ``initializationOptions`` first, then ``workspace/configuration`` on change.

Clients announce changes with ``workspace/didChangeConfiguration`` when told which
section to watch (VS Code's ``synchronize.configurationSection``, as switchy's
extension does); the server then reads the section back.
"""

from __future__ import annotations

import logging

from lsprotocol import types

from switchy_lsp.features.diagnostics import schedule
from switchy_lsp.server import SwitchyLanguageServer

log = logging.getLogger(__name__)


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: SwitchyLanguageServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("switchy"), dict):
            options = options["switchy"]  # accept {"switchy": {...}} as well as {...}
        apply(ls, options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: SwitchyLanguageServer, params: types.InitializedParams) -> None:
        await pull(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def changed(ls: SwitchyLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("switchy"), dict):
            apply(ls, settings["switchy"])  # a client that pushes settings
        await pull(ls)


def apply(ls: SwitchyLanguageServer, options: object) -> None:
    """Take the settings in ``options``; tell the user about values that make no sense."""
    scope = ls.settings.program
    for problem in ls.settings.update(options):
        ls.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=problem))
    ls.settings.apply_log_level()
    if ls.settings.program != scope:  # every open document belongs to another program now
        ls.analyses.clear()
        for uri in ls.open_uris():
            schedule(ls, uri, 0, dependents=False)


async def pull(ls: SwitchyLanguageServer) -> None:
    """Ask the client for the ``switchy`` section, if it can answer."""
    workspace = ls.client_capabilities.workspace
    if workspace is None or not workspace.configuration:
        return
    try:
        values = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="switchy")]))
    except Exception as exc:  # a client that cannot answer: keep what we have
        log.info("workspace/configuration failed: %s", exc)
        return
    if values:
        apply(ls, values[0])
