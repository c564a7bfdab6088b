"""What every router of parked calls shares: the Python ``Router`` and the .swr runtime.

A ``.swr`` file and the equivalent ``@router.route`` code must treat a call the same, so
the rules both apply — the field a pattern reads by default, the causes a call is hung
up with, how a route halts routing, and the names of the ways routing ends, which both
count — are written here once.
"""

from __future__ import annotations

from enum import StrEnum

#: The field a route pattern is matched against when it names none.
DEFAULT_FIELD = "Caller-Destination-Number"
#: The hangup cause of a call no route took, or whose guards failed.
NO_ROUTE_CAUSE = "NO_ROUTE_DESTINATION"
#: The hangup cause of a call whose route failed (raised, timed out, was refused).
ERROR_CAUSE = "NORMAL_TEMPORARY_FAILURE"
#: The hangup cause of a call whose value took a pattern past its time limit (hostile input).
PATTERN_TIMEOUT_CAUSE = "EXCHANGE_ROUTING_ERROR"


class StopRouting(Exception):
    """Raise from a route to stop trying further routes for this call."""


class Result(StrEnum):
    """How routing one call ended."""

    ROUTED = "routed"  # at least one route ran
    REJECTED = "rejected"  # a guard failed: hung up NO_ROUTE_DESTINATION
    NO_ROUTE = "no-route"  # no route matched: hung up NO_ROUTE_DESTINATION
    NO_DIALPLAN = "no-dialplan"  # no dialplan for the call's context, and no default
    ERROR = "error"  # a route failed: hung up ERROR_CAUSE
    TIMEOUT = "timeout"  # a route ran past its deadline: hung up ERROR_CAUSE

# Apps tally results in a ``collections.Counter[Result]`` named ``stats``.

