"""The seed's cluster router, ready to run against your FreeSWITCH nodes.

    python examples/python/cluster_router.py fs1.example.net fs2.example.net:8022

Each node needs a park-only context for the calls switchy should route (see the
README): calls in context ``switchy`` are routed here, everything else is left to the
node's own XML dialplan. The ESL password comes from ``$SWITCHY_PASSWORD`` or
``--password-file`` (default ``ClueCon``), never from the command line.
"""

from __future__ import annotations

import argparse
import logging

from switchy import Service, event_callback
from switchy.apps.routers import Router

router = Router(guards={"Call-Direction": "inbound"})


@router.route("00(.*)|011(.*)", response="407")
@router.route("1(.*)", gateway="long_distance_trunk")
@router.route("2[1-9]{3}$", out_profile="internal", proxy="salespbx.com")
@router.route("4[1-9]{3}$", out_profile="internal", proxy="supportpbx.com")
def bridge2dest(sess, match, router, out_profile=None, gateway=None, proxy=None, response=None):
    if response:
        sess.log.warning("Rejecting international call to %s", sess["Caller-Destination-Number"])
        sess.respond(response)
        sess.hangup()
        return True  # nothing more for this call

    sess.bridge(
        profile=out_profile,  # bridge back out the same profile if not specified
        gateway=gateway,
        dest_url=sess.get("variable_sip_req_uri"),  # always use the SIP Request-URI
        proxy=proxy,
    )


class CallLog:
    """Logs every call that ends, with its cause: a second app on the same calls."""

    @event_callback("CHANNEL_HANGUP_COMPLETE")
    def on_hangup(self, sess):
        sess.log.info("%s ended: %s", sess.get("Caller-Destination-Number"), sess.hangup_cause)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("hosts", nargs="+", help="FreeSWITCH nodes: host or host:port")
    parser.add_argument("--password-file", help="file holding the ESL password")
    parser.add_argument("--context", default="switchy",
                        help="route only calls in this dialplan context (switchy)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    service = Service(args.hosts, password_file=args.password_file)
    service.apps.load_app(router, app_id=args.context, header="Caller-Context")
    service.apps.load_app(CallLog, app_id=args.context, header="Caller-Context")
    service.run()  # until Ctrl-C or SIGTERM


if __name__ == "__main__":
    main()
