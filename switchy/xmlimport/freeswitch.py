"""Values only FreeSWITCH can compute, asked of the call's node while switchy routes it.

An XML condition may test an API's result (``field="${db(select/realm/key)}"``,
``${regex(...)}``, ``${expr(...)}``): FreeSWITCH expands it during its hunt. An imported
dialplan asks the node the same question with FreeSWITCH's ``eval`` API, through the
Python escape hatch::

    if switchy.xmlimport.freeswitch:expand("${db(select/emergency/autoanswer)}") =~ "^1$" {

It is a coroutine, so it runs on the event loop (no worker thread) for the one round trip.
"""

from __future__ import annotations

from typing import Any

from switchy.expansion import join, raw


async def expand(sess: Any, match: Any, router: Any, text: str) -> str:
    """``text`` expanded by FreeSWITCH for this call (``eval uuid:<uuid> <text>``)."""
    # the imported text is the author's: FreeSWITCH expands it (a call's values stay literal)
    reply = await sess.api(join(raw(f"eval uuid:{sess.uuid} "), text), ok_if=lambda _reply: True)
    return str(reply).rstrip("\n")
