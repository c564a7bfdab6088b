"""``@event_callback``: how an app says which FreeSWITCH events it wants."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
MARK = "_switchy_events"


def event_callback(*event_names: str) -> Callable[[F], F]:
    """Mark an app method to be called with the Session (or Event) of each named event.

    ``CUSTOM`` events are named by subclass, e.g. ``@event_callback('sofia::register')``.
    The callback may be a plain function or ``async def``.
    """
    if not event_names or not all(isinstance(n, str) and n for n in event_names):
        raise TypeError("event_callback() needs one or more event names, e.g. 'CHANNEL_PARK'")

    def mark(func: F) -> F:
        names = list(getattr(func, MARK, ()))
        names += [n for n in event_names if n not in names]
        setattr(func, MARK, names)
        return func

    return mark


def iter_callbacks(app: object) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Yield ``(event name, bound method)`` for every marked method of ``app``."""
    for attr in dir(type(app)):
        member = inspect.getattr_static(type(app), attr)
        func = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
        names = getattr(func, MARK, None)
        if not names:
            continue
        bound = getattr(app, attr)
        for name in names:
            yield name, bound
