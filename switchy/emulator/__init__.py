"""A FreeSWITCH emulator speaking the real Event Socket protocol, for tests and demos.

Each emulated node is an asyncio TCP server that behaves like FreeSWITCH 1.11 with
mod_event_socket on a park-only dialplan: byte-exact replies and event framing, the
real header sets and event sequences of calls, and a record of everything clients
asked for. Point any ESL client at it.

How to use it in tests::

    from switchy.emulator import EmulatedCluster, DialOutcome

    async with EmulatedCluster(nodes=3, password="ClueCon", time_scale=0.01) as cluster:
        node = cluster.nodes[0]                      # node.host, node.port (ephemeral)
        # an inbound SIP call; returns once it is parked (CHANNEL_PARK fired)
        call = await node.place_call("0114412345", "1000", context="default",
                                     variables={"sip_req_uri": "0114412345@10.0.0.1"})
        ...                                          # drive it over ESL, e.g. with switchy
        await call.wait_hangup(timeout=5)            # or wait_event("CHANNEL_ANSWER"), ...
        call.hangup_cause, call.answered, call.bridged_to, call.played, call.history
        node.commands                                # every command received, in order

Calls:
    ``node.place_call(destination, caller_id_number, caller_id_name=, context=,
    variables=, profile=, network_addr=)`` → a ``Channel`` (the call handle). Over ESL,
    ``api originate loopback/<dest>/<context> &park()`` works as on FreeSWITCH, and
    ``originate sofia/<profile>/<dest>@<the node's own profile address>`` comes back as an
    inbound call routed in that profile's context (``sofia_contexts``; no capture shows
    this one: it follows SIP, the outbound leg ringing until the inbound one answers).
    ``call.remote_hangup(cause)`` and ``call.send_dtmf(digits)`` act as the far end.

What a channel recorded: ``history`` (event names fired, in order), ``applications``
((app, arg) in start order), ``played``, ``recordings``, ``bridges`` (each
``Bridge(target, peer, cause)``), ``bridged_to``, ``answered``, ``hangup_cause``,
``variables``, ``dtmf_received``, ``transfers``, ``responded`` (SIP code), ``handed_to``
(the controllers a ``socket`` action connected it to).

Outbound mode: with ``outbound=("10.0.0.5:8084", "10.0.0.6:8084")`` the dialplan hands
every call to those controllers (``socket HOST:PORT async full`` actions, in order, the
next tried when one cannot be reached or drops the call) instead of parking it.

Bridging: outbound legs answer by default. Choose what a destination does with
``node.set_outcome(regex, DialOutcome.busy())`` (also ``DialOutcome.answer(ring=, talk=)``,
``no_answer()``, ``reject(cause)``, ``unregistered()``, ``invalid_gateway()``), or list
the existing gateways with ``gateways={"carrier1"}``.

Node options (keywords of ``EmulatedNode``/``EmulatedCluster``, see ``NodeConfig``):
``time_scale`` (0.01 makes a 1 s playback take 10 ms; variables still say 1 s),
``default_file_duration``, ``file_durations``, ``missing_files`` (FILE NOT FOUND),
``unloaded_applications`` (executing one hangs up DESTINATION_OUT_OF_ORDER), ``contexts``
(None: every context parks), ``park_expression`` (the park extension's regex; its
captures set DP_MATCH), ``extensions`` (a function channel → [(app, arg)]),
``gateways``, ``registered``, ``acl`` (None allows any client; default loopback only).

``hash`` (mod_hash) keeps one table per node (``node.hash``), shared by its connections.

Faults (``node.faults``): ``refuse_auth``, ``reply_delay``, ``withhold_replies``,
``stall``, ``drop_on`` (switches); ``drop_connections()``, ``close_mid_frame()``,
``send_garbage()`` (actions). ``await node.pause()`` / ``resume()`` take the ESL
listener away and back while calls go on. ``node.errors`` lists the emulator's own
failures (a test can assert it stays empty).

Events: headers are built only when some connection wants the event
(``node.events_fired`` / ``events_built``); HEARTBEAT comes every
``heartbeat_interval`` seconds (20, or call ``node.heartbeat()``); a connection that
does not read loses events past ``max_pending_bytes`` and is then killed, as MES does.

Fidelity: replies are byte-exact and events carry the header names, in the order, of
the FreeSWITCH 1.11 captures in ``tests/esl/vectors/real`` (``tests/emulator`` checks
both). Not emulated: conferences, real media.

Timing: use bounded waits (``wait_event(..., timeout=)``), never sleeps; with a small
``time_scale`` media and ringing finish almost at once.

Layout: each module imports only modules listed above it (``tests/test_import_graph.py``
keeps it so); where a lower one must reach up it is handed what it needs.

- ``events`` (event names, header blocks, frames), ``faults``, ``switchy.causes``
- ``channel``: a call leg's state and header sets; its node is the ``ChannelHost`` protocol
- ``endpoints`` (mod_sofia, mod_loopback), ``config`` (``NodeConfig``, ``DialOutcome``)
- ``session``: the state machine, ``execute``, ``media_wait``, park, the message queue;
  it runs applications from the table the node hands it
- ``core``: ``NodeCore``, the node's state: channels, events, connections, log, lookups
- ``originate`` (dial strings, new legs), ``applications`` (mod_dptools),
  ``api_commands`` (mod_commands)
- ``server``: the ESL ``Listener``, one per client connection
- ``outbound``: the ``socket`` application and the node's end of its connection
- ``node``: ``EmulatedNode``, which listens and places calls; ``cluster``
"""

from .channel import Bridge, CallerProfile, Channel
from .cluster import EmulatedCluster
from .config import DialOutcome, NodeConfig
from .core import ReceivedCommand
from .faults import Faults
from .node import EmulatedNode

__all__ = [
    "Bridge",
    "CallerProfile",
    "Channel",
    "DialOutcome",
    "EmulatedCluster",
    "EmulatedNode",
    "Faults",
    "NodeConfig",
    "ReceivedCommand",
]
