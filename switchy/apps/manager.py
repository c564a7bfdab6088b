"""Loading apps into a Service and choosing which app handles each call."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..callbacks import iter_callbacks

DEFAULT_APP_ID = "default"


@dataclass
class LoadedApp:
    app: Any
    app_id: str
    header: str | None
    callbacks: dict[str, list[Callable[..., Any]]] = field(default_factory=dict)
    extra_events: tuple[str, ...] = ()


class AppManager:
    """The apps of a Service, grouped by app id.

    A call goes to the apps whose ``header`` has the value of their ``app_id`` on that
    call (``load_app(router, app_id='switchy', header='Caller-Context')``); calls that
    no such app claims go to the apps loaded under ``default`` without a header, if any,
    and are otherwise no app's: the Service leaves them alone.
    """

    def __init__(self, on_change: Callable[[], Any] | None = None) -> None:
        self._apps: list[LoadedApp] = []
        self._on_change = on_change
        # callbacks() answers the same few (app, event) questions for every event of
        # every call: the answers, kept until the apps change (load_app/unload_app)
        self._callbacks: dict[tuple[str | None, str], tuple[Callable[..., Any], ...]] = {}

    def load_app(self, app: Any, app_id: str = DEFAULT_APP_ID, header: str | None = None,
                 **kwargs: Any) -> str:
        """Load an app class (instantiated with ``kwargs``) or instance under ``app_id``."""
        instance = app(**kwargs) if inspect.isclass(app) else app
        extra = getattr(instance, "subscribe", ())
        loaded = LoadedApp(instance, app_id, header,
                           extra_events=tuple(extra) if isinstance(extra, (tuple, list, set)) else ())
        for name, callback in iter_callbacks(instance):
            loaded.callbacks.setdefault(name, []).append(callback)
        if not loaded.callbacks:
            raise TypeError(f"{type(instance).__name__} has no @event_callback methods; nothing to load")
        self._apps.append(loaded)
        self._callbacks = {}
        if self._on_change is not None:
            self._on_change()
        return app_id

    def unload_app(self, app_id: str) -> list[Any]:
        """Remove every app loaded under ``app_id``; returns them."""
        removed = [a.app for a in self._apps if a.app_id == app_id]
        if not removed:
            raise KeyError(f"no app loaded under app_id {app_id!r}")
        self._apps = [a for a in self._apps if a.app_id != app_id]
        self._callbacks = {}
        if self._on_change is not None:
            self._on_change()
        return removed

    def __contains__(self, app_id: str) -> bool:
        return any(a.app_id == app_id for a in self._apps)

    def __len__(self) -> int:
        return len(self._apps)

    def all(self) -> list[Any]:
        """Every loaded app, in load order."""
        return [a.app for a in self._apps]

    def get(self, app_id: str) -> list[Any]:
        return [a.app for a in self._apps if a.app_id == app_id]

    @property
    def app_ids(self) -> list[str]:
        return list(dict.fromkeys(a.app_id for a in self._apps))

    def event_names(self) -> set[str]:
        """Every event (or CUSTOM subclass) some loaded app wants."""
        return {name for app in self._apps for name in (*app.callbacks, *app.extra_events)}

    def choose(self, lookup: Callable[[str], str | None]) -> str | None:
        """The app id for a call whose headers ``lookup`` reads; None: no app's call.

        The catch-all is explicit: only apps loaded under ``default`` with no ``header``
        take the calls no header claims (one loaded with ``header`` only claims calls
        whose header says ``default``)."""
        catch_all = False
        for app in self._apps:
            if app.header is None:
                catch_all = catch_all or app.app_id == DEFAULT_APP_ID
            elif lookup(app.header) == app.app_id:
                return app.app_id
        return DEFAULT_APP_ID if catch_all else None

    def callbacks(self, app_id: str | None, event_name: str) -> tuple[Callable[..., Any], ...]:
        """Callbacks for one event of a call handled by ``app_id`` (all apps if None)."""
        key = (app_id, event_name)
        found = self._callbacks.get(key)
        if found is None:
            result: list[Callable[..., Any]] = []
            for app in self._apps:
                if app_id is None or app.app_id == app_id:
                    result += app.callbacks.get(event_name, ())
            found = tuple(result)
            if len(self._callbacks) < 4096:  # event names come from the node: bound it
                self._callbacks[key] = found
        return found
