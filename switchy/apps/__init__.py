"""Apps: objects whose ``@event_callback`` methods the Service calls for each call."""

from ..routing import StopRouting
from .manager import DEFAULT_APP_ID, AppManager
from .routers import Route, Router

__all__ = ["DEFAULT_APP_ID", "AppManager", "Route", "Router", "StopRouting"]
