"""Call: the legs that belong together (an A-leg and the B-legs a bridge creates)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import Session


class Call:
    """All sessions sharing one ``Channel-Call-UUID``; the first one is the A-leg."""

    __slots__ = ("sessions", "uuid")

    def __init__(self, uuid: str) -> None:
        self.uuid = uuid
        self.sessions: list[Session] = []

    def add(self, session: Session) -> None:
        if session not in self.sessions:
            self.sessions.append(session)
            session.call = self

    def remove(self, session: Session) -> None:
        if session in self.sessions:
            self.sessions.remove(session)

    @property
    def first(self) -> Session | None:
        """The A-leg: the channel the call started with."""
        return self.sessions[0] if self.sessions else None

    @property
    def last(self) -> Session | None:
        return self.sessions[-1] if self.sessions else None

    def get_peer(self, session: Session) -> Session | None:
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
