"""Call: the legs that belong together (an A-leg and the B-legs a bridge creates).

A call needs little of its legs: to hang them up and to tell each one which call it
belongs to. That is the ``Leg`` protocol, so this module imports nothing of
``session.py``; ``Session`` (which imports ``Call``) is the leg the node puts in it.
"""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar


class Leg(Protocol):
    """What a Call needs of each of its legs (``Session`` is one)."""

    call: Call[Any] | None
    hungup: bool

    def hangup(self, cause: str = ...) -> Any: ...


LegT = TypeVar("LegT", bound=Leg)


class Call(Generic[LegT]):
    """All sessions sharing one ``Channel-Call-UUID``; the first one is the A-leg."""

    __slots__ = ("sessions", "uuid")

    def __init__(self, uuid: str) -> None:
        self.uuid = uuid
        self.sessions: list[LegT] = []

    def add(self, session: LegT) -> None:
        if session not in self.sessions:
            self.sessions.append(session)
            session.call = self

    def remove(self, session: LegT) -> None:
        if session in self.sessions:
            self.sessions.remove(session)

    @property
    def first(self) -> LegT | None:
        """The A-leg: the channel the call started with."""
        return self.sessions[0] if self.sessions else None

    @property
    def last(self) -> LegT | None:
        return self.sessions[-1] if self.sessions else None

    def get_peer(self, session: LegT) -> LegT | None:
        """The other leg of a two-leg call."""
        others = [s for s in self.sessions if s is not session]
        return others[0] if others else None

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        for session in self.sessions:
            if not session.hungup:
                session.hangup(cause)

    def __len__(self) -> int:
        return len(self.sessions)

    def __repr__(self) -> str:
        return f"<Call {self.uuid} legs={len(self.sessions)}>"
