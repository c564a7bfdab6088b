"""One module per LSP feature; each has ``register(server)`` (``factory`` calls them all)."""
