"""Settings: ``initializationOptions`` first, then ``workspace/configuration`` on change."""

from __future__ import annotations

import logging

from lsprotocol import types

from switchy_lsp.server import SwitchyLanguageServer

log = logging.getLogger(__name__)


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: SwitchyLanguageServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("switchy"), dict):
            options = options["switchy"]  # accept {"switchy": {...}} as well as {...}
        ls.settings.update(options)
        logging.getLogger("switchy_lsp").setLevel(ls.settings.logging_level)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: SwitchyLanguageServer, params: types.InitializedParams) -> None:
        await pull(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def changed(ls: SwitchyLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("switchy"), dict):
            ls.settings.update(settings["switchy"])  # a client that pushes settings
        await pull(ls)
        logging.getLogger("switchy_lsp").setLevel(ls.settings.logging_level)


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
        ls.settings.update(values[0])
