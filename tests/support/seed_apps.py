"""The Python apps of the seed documentation (services.rst), as written, for the tests.

Two changes that the seed's prose allows make them testable: ``router.now()`` instead
of ``datetime.today()`` and ``router.rng`` instead of the ``random`` module, so a test
injects one clock and one seeded generator. ``test_did`` passes ``out_profile`` (the
seed's ``profile=`` is not a parameter of ``bridge2dest``; ``switchy check`` reports it
in the .swr twin). Each factory takes the Router class, so a test can use a subclass.
"""

from __future__ import annotations

import re
from typing import Any

from switchy import event_callback
from switchy.apps.routers import Router


class Proxier:
    """Proxy all inbound calls to the destination specified in the SIP Request-URI."""

    @event_callback("CHANNEL_PARK")
    def on_park(self, sess):
        if sess.is_inbound():
            # The seed wrote dest_url="${sip_req_uri}": switchy sends plain text literally
            # (an expansion meant for FreeSWITCH is marked with raw()), and that one would
            # hand the caller's Request-URI to FreeSWITCH's expansion; the header is safe.
            sess.bridge(dest_url=sess["variable_sip_req_uri"])


def block_international(router_class: type[Router] = Router, **options: Any) -> Router:
    router = router_class(guards={"Call-Direction": "inbound", "variable_sofia_profile": "external"},
                           **options)

    @router.route("00(.*)|011(.*)", response="407")
    def reject_international(sess, match, router, response):
        sess.respond(response)
        sess.hangup()

    return router


def bridge2dest_router(router_class: type[Router] = Router, **options: Any) -> tuple[Router, Any]:
    router = router_class({"Call-Direction": "inbound"}, **options)

    @router.route("00(.*)|011(.*)", response="407")
    @router.route("1(.*)", gateway="long_distance_trunk")
    @router.route("2[1-9]{3}$", out_profile="internal", proxy="salespbx.com")
    @router.route("4[1-9]{3}$", out_profile="internal", proxy="supportpbx.com")
    def bridge2dest(sess, match, router, out_profile=None, gateway=None, proxy=None, response=None):
        if response:
            sess.log.warning("Rejecting international call to {}".format(
                sess["Caller-Destination-Number"]))
            sess.respond(response)
            sess.hangup()

        sess.bridge(
            # bridge back out the same profile if not specified
            # (the default action taken by bridge)
            profile=out_profile,
            gateway=gateway,
            # always use the SIP Request-URI
            dest_url=sess["variable_sip_req_uri"],
            proxy=proxy,
        )

    return router, bridge2dest


def transfer_to_context(router_class: type[Router] = Router, **options: Any) -> Router:
    router, bridge2dest = bridge2dest_router(router_class, **options)

    @router.route("^(\\d{10})$")
    def test_did(sess, match, router):
        # call our route function from above
        return bridge2dest(sess, match, router, out_profile="external")

    return router


def sunday(router_class: type[Router] = Router, **options: Any) -> Router:
    router = router_class(**options)

    @router.route("^500$")
    def on_sunday(sess, match, router, profile="internal", did="500"):
        """On Sunday no one works in support..."""
        did = "531" if router.now().weekday() == 6 else did
        sess.bridge("{}@example.com".format(did), profile=profile)  # noqa: UP032 (the seed's code)

    return router


def logical_or(router_class: type[Router] = Router, **options: Any) -> Router:
    router = router_class(**options)

    # by regex
    @router.route("^500$|^502$")
    def either_ext(sess, match, router):
        sess.answer()
        sess.playback("ivr/ivr-welcome_to_freeswitch.wav")

    # by if statement
    @router.route("^.*$")
    def match(sess, match, router):
        if re.match(r"^Michael\s*S?\s*Collins", sess["variable_caller_id_name"]) or \
                re.match("^1001|3757|2816$", sess["variable_caller_id_number"]):
            sess.playback("ivr/ivr-dude_you_rock.wav")
        else:
            sess.playback("ivr/ivr-dude_you_suck.wav")

    return router


def nested(router_class: type[Router] = Router, **options: Any) -> Router:
    router = router_class(**options)

    @router.route("^1.*(\\d)$")
    def play_wavfile(sess, match, router):
        # get the last digit
        last_digit = match.groups()[0]

        # only play the extra file when last digit is '3'
        if last_digit == "3":
            sess.playback("foo.wav")

        # always played if the first digit is '1'
        sess.playback("bar.wav")

    return router


def break_on_true(router_class: type[Router] = Router, **options: Any) -> Router:
    router = router_class(**options)

    @router.route("^1.*(\\d)$")
    def play_wavfile(sess, match, router):
        if not sess["Caller-Destination-Number"] == "1100":  # noqa: SIM201 (the seed's code)
            return True  # stop all further routing
        sess.playback("foo.wav")

    @router.route("^1")
    def later(sess, match, router):
        sess.playback("bar.wav")

    return router


def record_sampling(router_class: type[Router] = Router, **options: Any) -> Router:
    router = router_class(**options)

    @router.route("^\\*67(\\d+)$")
    def block_cid(sess, match, router):
        did = match.groups()[0]

        if sess.is_outbound():
            # mask CID
            sess.broadcast("privacy::full")
            sess.setvars({"privacy": "yes", "sip_h_Privacy": "id"})

            if router.rng.randint(1, 6) == 4:
                sess.log.debug("recording a sneaky agent to /tmp/agents/")
                sess.start_record("/tmp/agents/{}_to_{}.wav".format(sess.uuid, did))  # noqa: UP032

    return router
