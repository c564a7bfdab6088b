"""Python functions that .swr test dialplans call through the escape hatch."""

from __future__ import annotations

import asyncio

CALLS: list[tuple] = []


def record(sess, match, router, **kwargs):
    CALLS.append((sess.uuid, match.group(0) if match else None, dict(kwargs)))
    sess.setvar("from_python", kwargs.get("value", "yes"))


def is_vip(sess, match, router):
    return sess.get("Caller-Caller-ID-Number") == "1001"


def tier(sess, match, router, level=1):
    return int(level) * 10


def stop_here(sess, match, router):
    return True


def raise_stop(sess, match, router):
    raise router.StopRouting()


def broken(sess, match, router):
    raise RuntimeError("the CRM is down")


async def async_lookup(sess, match, router, number=""):
    await asyncio.sleep(0)
    return f"looked-up-{number}"


def now_hour(sess, match, router):
    return router.now().hour


def rewrite_destination(sess, match, router, to=""):
    """Change the call's destination under the runtime's feet (as a transfer would)."""
    from switchy.esl import Event

    headers = [(k, v) for k, v in sess.last_event.header_items() if k != "Caller-Destination-Number"]
    sess.update(Event([*headers, ("Caller-Destination-Number", to)]))


def spin(sess, match, router):
    """Never returns on its own (the runtime's deadline must stop it)."""
    while True:
        pass
