"""Hangup causes: FreeSWITCH's names and numbers, and the SIP code each one maps from.

One table for all of switchy: the ``.swr`` language checks ``hangup(cause)`` against it
and the emulator ends calls with it, so the two can never disagree about a cause.
The table is ``switch_channel.c``'s cause list (Q.850 codes, then FreeSWITCH's own
700+ codes); ``sip_to_cause`` is what mod_sofia turns a SIP final response into, so
``respond 486`` ends the call with USER_BUSY exactly as on a real node.
"""

from __future__ import annotations

CAUSES: tuple[tuple[str, int], ...] = (
    ("NONE", 0), ("UNALLOCATED_NUMBER", 1), ("NO_ROUTE_TRANSIT_NET", 2),
    ("NO_ROUTE_DESTINATION", 3), ("CHANNEL_UNACCEPTABLE", 6), ("CALL_AWARDED_DELIVERED", 7),
    ("NORMAL_CLEARING", 16), ("USER_BUSY", 17), ("NO_USER_RESPONSE", 18), ("NO_ANSWER", 19),
    ("SUBSCRIBER_ABSENT", 20), ("CALL_REJECTED", 21), ("NUMBER_CHANGED", 22),
    ("REDIRECTION_TO_NEW_DESTINATION", 23), ("EXCHANGE_ROUTING_ERROR", 25),
    ("DESTINATION_OUT_OF_ORDER", 27), ("INVALID_NUMBER_FORMAT", 28), ("FACILITY_REJECTED", 29),
    ("RESPONSE_TO_STATUS_ENQUIRY", 30), ("NORMAL_UNSPECIFIED", 31),
    ("NORMAL_CIRCUIT_CONGESTION", 34), ("NETWORK_OUT_OF_ORDER", 38),
    ("NORMAL_TEMPORARY_FAILURE", 41), ("SWITCH_CONGESTION", 42), ("ACCESS_INFO_DISCARDED", 43),
    ("REQUESTED_CHAN_UNAVAIL", 44), ("PRE_EMPTED", 45), ("FACILITY_NOT_SUBSCRIBED", 50),
    ("OUTGOING_CALL_BARRED", 52), ("INCOMING_CALL_BARRED", 54), ("BEARERCAPABILITY_NOTAUTH", 57),
    ("BEARERCAPABILITY_NOTAVAIL", 58), ("SERVICE_UNAVAILABLE", 63),
    ("BEARERCAPABILITY_NOTIMPL", 65), ("CHAN_NOT_IMPLEMENTED", 66),
    ("FACILITY_NOT_IMPLEMENTED", 69), ("SERVICE_NOT_IMPLEMENTED", 79),
    ("INVALID_CALL_REFERENCE", 81), ("INCOMPATIBLE_DESTINATION", 88),
    ("INVALID_MSG_UNSPECIFIED", 95), ("MANDATORY_IE_MISSING", 96), ("MESSAGE_TYPE_NONEXIST", 97),
    ("WRONG_MESSAGE", 98), ("IE_NONEXIST", 99), ("INVALID_IE_CONTENTS", 100),
    ("WRONG_CALL_STATE", 101), ("RECOVERY_ON_TIMER_EXPIRE", 102),
    ("MANDATORY_IE_LENGTH_ERROR", 103), ("PROTOCOL_ERROR", 111), ("INTERWORKING", 127),
    ("SUCCESS", 142), ("ORIGINATOR_CANCEL", 487), ("CRASH", 700), ("SYSTEM_SHUTDOWN", 701),
    ("LOSE_RACE", 702), ("MANAGER_REQUEST", 703), ("BLIND_TRANSFER", 800),
    ("ATTENDED_TRANSFER", 801), ("ALLOTTED_TIMEOUT", 802), ("USER_CHALLENGE", 803),
    ("MEDIA_TIMEOUT", 804), ("PICKED_OFF", 805), ("USER_NOT_REGISTERED", 806),
    ("PROGRESS_TIMEOUT", 807), ("INVALID_GATEWAY", 808), ("GATEWAY_DOWN", 809),
    ("INVALID_URL", 810), ("INVALID_PROFILE", 811), ("NO_PICKUP", 812), ("SRTP_READ_ERROR", 813),
    ("BOWOUT", 814), ("BUSY_EVERYWHERE", 815), ("DECLINE", 816),
    ("DOES_NOT_EXIST_ANYWHERE", 817), ("NOT_ACCEPTABLE", 818), ("UNWANTED", 819),
    ("NO_IDENTITY", 820), ("BAD_IDENTITY_INFO", 821), ("UNSUPPORTED_CERTIFICATE", 822),
    ("INVALID_IDENTITY", 823), ("STALE_DATE", 824), ("REJECT_ALL", 825),
)

CAUSE_NAMES: tuple[str, ...] = tuple(name for name, _ in CAUSES)  # in the table's order
CODE_OF: dict[str, int] = dict(CAUSES)
NAME_OF: dict[int, str] = {code: name for name, code in CAUSES}

# mod_sofia's sofia_glue_sip_cause_to_freeswitch(); anything else is NORMAL_UNSPECIFIED.
_SIP_CAUSES: dict[str, tuple[int, ...]] = {
    "NORMAL_CLEARING": (200,),
    "CALL_REJECTED": (401, 402, 403, 407, 603, 608),
    "UNALLOCATED_NUMBER": (404,),
    "NO_ROUTE_DESTINATION": (485, 604),
    "RECOVERY_ON_TIMER_EXPIRE": (408, 504),
    "NUMBER_CHANGED": (410,),
    "INTERWORKING": (413, 414, 416, 420, 421, 423, 505, 513),
    "NO_USER_RESPONSE": (480,),
    "NORMAL_TEMPORARY_FAILURE": (400, 481, 500, 503),
    "USER_BUSY": (486, 600),
    "INVALID_NUMBER_FORMAT": (484,),
    "INCOMPATIBLE_DESTINATION": (488, 606),
    "NETWORK_OUT_OF_ORDER": (502,),
    "SERVICE_UNAVAILABLE": (405,),
    "SERVICE_NOT_IMPLEMENTED": (406, 415, 501),
    "EXCHANGE_ROUTING_ERROR": (482, 483),
    "ORIGINATOR_CANCEL": (487,),
    "UNWANTED": (607,),
}
SIP_TO_CAUSE: dict[int, str] = {code: name for name, codes in _SIP_CAUSES.items() for code in codes}


def final_response(code: object) -> int | None:
    """The SIP code of a ``respond`` argument (``407``, ``"486 Busy Here"``) when it is a
    final response, 300 or more, which ends the call; None for a provisional or 2xx one."""
    head = str(code).strip().split(" ", 1)[0]
    return int(head) if head.isdigit() and int(head) >= 300 else None


def sip_to_cause(code: int) -> str:
    """The hangup cause mod_sofia reports for a SIP final response ``code``."""
    return SIP_TO_CAUSE.get(code, "NORMAL_UNSPECIFIED")


def normalize_cause(text: str | None, default: str = "NORMAL_CLEARING") -> str:
    """A cause given by name (any case) or by number, as FreeSWITCH's ``switch_channel_str2cause``.

    Unknown names fall back to ``default``, as a hangup with no valid cause does.
    """
    if not text:
        return default
    text = text.strip()
    if text.isdigit():
        return NAME_OF.get(int(text), default)
    upper = text.upper()
    return upper if upper in CODE_OF else default
