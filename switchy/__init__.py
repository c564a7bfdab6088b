"""switchy: one dialplan for a whole FreeSWITCH cluster, executed over the Event Socket."""

from .call import Call
from .callbacks import event_callback
from .outbound import OutboundService
from .service import Service
from .session import Command, CommandFailed, Session

__version__ = "0.1.0"

__all__ = ["Call", "Command", "CommandFailed", "OutboundService", "Service", "Session", "__version__", "event_callback"]
