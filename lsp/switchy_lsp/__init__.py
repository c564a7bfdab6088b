"""switchy's language server for ``.swr`` dialplans (pygls): diagnostics, completion,
hover, navigation, rename, outline, semantic tokens, formatting, quick fixes and the
graph / simulate commands, all answered by switchy's own front end."""

from importlib.metadata import PackageNotFoundError, version

# The name switchy is installed under (``pip install switchy-cluster``): the PyPI name
# "switchy" belongs to an unrelated project.
DISTRIBUTION = "switchy-cluster"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["DISTRIBUTION", "__version__"]
