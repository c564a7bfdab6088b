"""switchy's language server for ``.swr`` dialplans (pygls): diagnostics, completion,
hover, navigation, rename, outline, semantic tokens, formatting, quick fixes and the
graph / simulate commands, all answered by switchy's own front end."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("switchy")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
