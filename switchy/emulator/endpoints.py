"""What each endpoint module (mod_sofia, mod_loopback) does to its channels.

Channel variables, names and caller profiles are set here in the order the real
modules set them (as captured from FreeSWITCH 1.11), and so are the media steps of
answering: codec negotiation, early media, the answer and the ACK that follows it.

The endpoints sit right above the channel: what they need of the node (its sofia
profiles, a session counter) is the small ``EndpointHost`` protocol.
"""

from __future__ import annotations

import random
from typing import Protocol

from .channel import CS_DESTROY, CS_NONE, CallerProfile, Channel, ChannelHost


class EndpointHost(ChannelHost, Protocol):
    """The node as an endpoint module sees it: where its sofia profiles listen, and
    the number of each new session."""

    def sofia_profile_address(self, profile: str) -> tuple[str, int]: ...

    def next_session_id(self) -> int: ...


PCMU = ("PCMU", "8000", "64000")
L16 = ("L16", "8000", "128000")
CODEC_STRING = "OPUS,G722,PCMU,PCMA,H264,VP8"


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _tag(n: int = 13) -> str:
    """A SIP tag like sofia's: letters and digits."""
    bits = random.getrandbits(6 * n)
    return "".join(_ALPHABET[(bits >> (6 * i)) % 62] for i in range(n))


def _hostport(host: str, port: int) -> str:
    return host if port == 5060 else f"{host}:{port}"


# -- sofia --------------------------------------------------------------------------------


def sofia_inbound(node: EndpointHost, *, destination: str, caller_id_number: str,
                  caller_id_name: str | None, context: str, profile: str | None,
                  network_addr: str, network_port: int, variables: dict[str, str] | None,
                  uuid: str | None = None, dialplan: str = "XML") -> Channel:
    """A channel for an INVITE arriving on a sofia profile, before CS_NEW is announced."""
    given = dict(variables or {})
    profile = given.get("sofia_profile_name") or profile or "external"
    local_ip, local_port = node.sofia_profile_address(profile)
    user = given.get("sip_from_user") or caller_id_number
    name = f"sofia/{profile}/{user}@{_hostport(network_addr, network_port)}"
    display = caller_id_name if caller_id_name is not None else caller_id_number
    cp = CallerProfile(direction="inbound", logical_direction="inbound", username=user,
                       dialplan=dialplan, caller_id_name=display,
                       caller_id_number=caller_id_number, orig_caller_id_name=display,
                       orig_caller_id_number=caller_id_number, network_addr=network_addr,
                       ani=caller_id_number, destination_number=destination,
                       source="mod_sofia", context=context)
    ch = Channel(node, name=name, direction="inbound", endpoint="sofia", profile=cp, uuid=uuid)
    from_tag = f"{random.randint(10000, 99999)}SIPpTag00{random.randint(1, 9)}"
    call_id = f"{random.randint(1, 99)}-{random.randint(10000, 99999)}@{network_addr}"
    from_uri = f"{user}@{_hostport(network_addr, network_port)}"
    to_uri = f"{destination}@{_hostport(local_ip, local_port)}"
    shown = f'"{display}"' if " " in display else display
    media_port = 2 * random.randint(3000, 8000)
    ch.sip = {"from_tag": from_tag, "to_tag": _tag(), "call_id": call_id,
              "via": f"SIP/2.0/UDP {network_addr}:{network_port};branch=z9hG4bK-"
                     f"{random.randint(10000, 99999)}-1-0",
              "remote_media_port": str(media_port), "local_ip": local_ip}
    template: list[tuple[str, str | None]] = [
        ("direction", "inbound"), ("uuid", ch.uuid), ("call_uuid", ch.uuid),
        ("session_id", str(node.next_session_id())),
        ("sip_from_user", user), ("sip_from_port", str(network_port)),
        ("sip_from_uri", from_uri), ("sip_from_host", network_addr),
        ("video_media_flow", "disabled"), ("audio_media_flow", "disabled"),
        ("text_media_flow", "disabled"), ("channel_name", name), ("sip_call_id", call_id),
        ("sip_local_network_addr", local_ip), ("sip_network_ip", network_addr),
        ("sip_network_port", str(network_port)), ("sip_invite_stamp", str(ch.created_us)),
        ("sip_received_ip", network_addr), ("sip_received_port", str(network_port)),
        ("sip_via_protocol", "udp"), ("sip_from_user_stripped", user),
        ("sip_from_tag", from_tag), ("sofia_profile_name", profile),
        ("sofia_profile_url", f"sip:mod_sofia@{local_ip}:{local_port}"),
        ("recovery_profile_name", profile), ("sip_full_via", ch.sip["via"]),
        ("sip_from_display", display),
        ("sip_full_from", f"{shown} <sip:{from_uri}>;tag={from_tag}"),
        ("sip_to_display", destination), ("sip_full_to", f"{destination} <sip:{to_uri}>"),
        ("sip_req_user", destination), ("sip_req_port", str(local_port)),
        ("sip_req_uri", to_uri), ("sip_req_host", local_ip), ("sip_to_user", destination),
        ("sip_to_port", str(local_port)), ("sip_to_uri", to_uri), ("sip_to_host", local_ip),
        ("sip_contact_user", user), ("sip_contact_port", str(network_port)),
        ("sip_contact_uri", from_uri), ("sip_contact_host", network_addr),
        ("rtp_use_codec_string", CODEC_STRING), ("sip_subject", None),
        ("sip_via_host", network_addr), ("sip_via_port", str(network_port)),
        ("max_forwards", "70"),
        ("switch_r_sdp", f"v=0\r\no=user1 53655765 2353687637 IN IP4 {network_addr}\r\n"
                         f"s=-\r\nc=IN IP4 {network_addr}\r\nt=0 0\r\n"
                         f"m=audio {media_port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"),
        ("ep_codec_string", "CORE_PCM_MODULE.PCMU@8000h@20i@64000b"),
        ("endpoint_disposition", "DELAYED NEGOTIATION"),
    ]
    pairs = []
    for key, value in template:
        if key in given:
            value = given.pop(key)
        if value is not None:
            pairs.append((key, value))
    ch.update_vars(pairs)
    ch.update_vars(given.items())
    ch.remember_initial()
    return ch


def sofia_unborn(node: EndpointHost) -> None:
    """An outbound session mod_sofia gave up on before it had a name (a missing gateway or
    profile): CHANNEL_DESTROY and CS_DESTROY only, ``Channel-Name: N/A``
    (bridge_missing_gateway, bridge_missing_profile). It is never registered."""
    ch = Channel(node, name="N/A", direction="outbound", endpoint="sofia",
                 profile=CallerProfile(direction="outbound", logical_direction="outbound"))
    ch.hit_dialplan = False
    ch.running_state = CS_NONE
    ch.state = 0
    ch.update_vars([("direction", "outbound"), ("is_outbound", "true"), ("uuid", ch.uuid),
                    ("call_uuid", ch.uuid), ("session_id", str(node.next_session_id()))])
    ch.fire("CHANNEL_DESTROY")
    ch.set_running_state(CS_DESTROY, 0)
    ch.destroyed = ch.ended = True


def sofia_outbound(node: EndpointHost, *, url: str, profile: str, user: str, host: str,
                   destination: str, caller: Channel | None, caller_id_name: str,
                   caller_id_number: str, variables: dict[str, str],
                   gateway: str | None = None, uuid: str | None = None) -> Channel:
    """A new outbound leg to a SIP destination (bridge or originate)."""
    local_ip, local_port = node.sofia_profile_address(profile)
    name = f"sofia/{profile}/{user}@{host}" if gateway is None else f"sofia/gateway/{gateway}/{user}"
    source = caller.profile if caller is not None else None
    cp = CallerProfile(direction="outbound", logical_direction="outbound",
                       username=source.username if source else "",
                       dialplan=source.dialplan if source else "XML",
                       caller_id_name=caller_id_name, caller_id_number=caller_id_number,
                       orig_caller_id_name=caller_id_name, orig_caller_id_number=caller_id_number,
                       callee_id_name="Outbound Call", callee_id_number=destination,
                       network_addr=host.split(":")[0], ani=caller_id_number,
                       destination_number=destination, source="mod_sofia",
                       context=source.context if source else "default")
    ch = Channel(node, name=name, direction="outbound", endpoint="sofia", profile=cp, uuid=uuid)
    ch.hit_dialplan = False
    ch.sip = {"to_tag": _tag(), "from_tag": _tag(), "call_id": f"{ch.uuid}",
              "local_ip": local_ip, "remote_media_port": str(2 * random.randint(3000, 8000))}
    pairs: list[tuple[str, str]] = [
        ("direction", "outbound"), ("is_outbound", "true"), ("uuid", ch.uuid),
        ("session_id", str(node.next_session_id())),
        ("sip_profile_name", profile), ("sofia_profile_name", profile),
        ("sofia_profile_url", f"sip:mod_sofia@{local_ip}:{local_port}"),
        ("recovery_profile_name", profile), ("video_media_flow", "disabled"),
        ("audio_media_flow", "disabled"), ("text_media_flow", "disabled"),
        ("rtp_use_codec_string", CODEC_STRING), ("channel_name", name),
        ("sip_destination_url", url),
    ]
    if gateway is not None:
        pairs.append(("sip_gateway_name", gateway))
    pairs += list(variables.items())
    pairs += [("originate_early_media", "false"), ("originate_endpoint", "sofia"),
              ("call_uuid", caller.uuid if caller is not None else ch.uuid)]
    for key, value in pairs:
        ch.set_var(key, value)
    ch.remember_initial()
    return ch


def _media_vars(ch: Channel) -> list[tuple[str, str]]:
    sip = getattr(ch, "sip", {})
    local_ip = sip.get("local_ip", "127.0.0.1")
    remote_ip = ch.variables.get("sip_network_ip") or ch.profile.network_addr or local_ip
    return [
        ("rtp_use_codec_string", CODEC_STRING), ("remote_video_media_flow", "inactive"),
        ("remote_text_media_flow", "inactive"), ("remote_audio_media_flow", "sendrecv"),
        ("audio_media_flow", "sendrecv"), ("rtp_audio_recv_pt", "0"),
        ("rtp_use_codec_name", "PCMU"), ("rtp_use_codec_rate", "8000"),
        ("rtp_use_codec_ptime", "20"), ("rtp_use_codec_channels", "1"),
        ("rtp_last_audio_codec_string", "PCMU@8000h@20i@1c"), ("read_codec", "PCMU"),
        ("original_read_codec", "PCMU"), ("read_rate", "8000"), ("original_read_rate", "8000"),
        ("write_codec", "PCMU"), ("write_rate", "8000"), ("dtmf_type", "rfc2833"),
        ("local_media_ip", local_ip), ("local_media_port", str(2 * random.randint(8192, 16383))),
        ("advertised_media_ip", local_ip), ("rtp_use_timer_name", "soft"), ("rtp_use_pt", "0"),
        ("rtp_use_ssrc", str(random.randint(10**9, 2 * 10**9))),
        ("rtp_2833_send_payload", "101"), ("rtp_2833_recv_payload", "101"),
        ("remote_media_ip", remote_ip), ("remote_media_port", sip.get("remote_media_port", "6000")),
    ]


def _local_sdp(ch: Channel) -> str:
    ip = getattr(ch, "sip", {}).get("local_ip", "127.0.0.1")
    port = ch.variables.get("local_media_port", "30000")
    version = random.randint(10**9, 2 * 10**9)
    return (f"v=0\r\no=FreeSWITCH {version} {version + 1} IN IP4 {ip}\r\ns=FreeSWITCH\r\n"
            f"c=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0 101\r\n"
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
            "a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n")


def _negotiate_media(ch: Channel) -> None:
    """Codecs chosen: two CODEC events, then the RTP variables."""
    if ch.media_up:
        return
    ch.media_up = True
    ch.read_codec = PCMU
    ch.write_codec = PCMU
    ch.fire("CODEC", source="CODEC_READ", after=[
        ("channel-read-codec-name", PCMU[0]), ("channel-read-codec-rate", PCMU[1]),
        ("channel-read-codec-bit-rate", PCMU[2])])
    ch.fire("CODEC", source="CODEC_WRITE", after=[
        ("Channel-Write-Codec-Name", PCMU[0]), ("Channel-Write-Codec-Rate", PCMU[1]),
        ("Channel-Write-codec-bit-rate", PCMU[2])])
    ch.set_vars(_media_vars(ch))


# -- answering, whatever the endpoint --------------------------------------------------


def ring_ready(ch: Channel) -> None:
    """180 Ringing: CHANNEL_PROGRESS (once)."""
    if ch.answered or ch.answer_state == "early" or "CHANNEL_PROGRESS" in ch.history:
        return
    ch.set_time(CallerProfile.PROGRESS)
    ch.fire("CHANNEL_PROGRESS")
    ch.set_callstate("RINGING")


def pre_answer(ch: Channel) -> None:
    """183 Session Progress with SDP: early media, CHANNEL_PROGRESS_MEDIA."""
    if ch.answered or ch.answer_state == "early" or not ch.up:
        return
    if ch.endpoint == "sofia":
        _negotiate_media(ch)
        ch.set_var("endpoint_disposition", "EARLY MEDIA")
    if ch.endpoint == "loopback" and ch.partner is not None and ch.variables.get("loopback_leg") == "B":
        peer = ch.partner  # the A leg has early media first (park_on_parked_execute_park)
        if peer.up and not peer.answered and peer.answer_state != "early":
            _mark_early(peer)
    _mark_early(ch)


def _mark_early(ch: Channel) -> None:
    if ch.endpoint == "loopback":
        ch.set_var("endpoint_disposition", "EARLY MEDIA")
    ch.answer_state = "early"
    ch.set_time(CallerProfile.PROGRESS_MEDIA)
    ch.fire("CHANNEL_PROGRESS_MEDIA")
    ch.set_callstate("EARLY")
    if ch.dialer is not None:  # mod_loopback's A leg: originate_early_media ends the dial
        ch.dialer.wake()


def answer(ch: Channel) -> bool:
    """200 OK: CHANNEL_ANSWER then CALLSTATE ACTIVE. False if the channel is gone."""
    if not ch.up:
        return False
    if ch.answered:
        return True
    if ch.endpoint == "loopback" and ch.partner is not None and ch.variables.get("loopback_leg") == "B":
        peer = ch.partner
        if peer.up and not peer.answered:
            _mark_answered(peer)
    if ch.endpoint == "sofia" and ch.direction == "inbound":
        pre_answer(ch)
        ch.set_var("rtp_local_sdp_str", _local_sdp(ch))
        _mark_answered(ch)
        _sofia_ack(ch)
    else:
        _mark_answered(ch)
    return True


def _mark_answered(ch: Channel) -> None:
    ch.answered = True
    ch.answer_state = "answered"
    ch.set_time(CallerProfile.ANSWERED)
    ch.fire("CHANNEL_ANSWER")
    ch.set_callstate("ACTIVE")
    # whoever dials this leg (or its loopback partner) learns that it answered
    if ch.dialer is not None:
        ch.dialer.wake()
    if ch.partner is not None and ch.partner.dialer is not None:
        ch.partner.dialer.wake()


def _sofia_ack(ch: Channel) -> None:
    sip = ch.sip
    v = ch.variables
    to_tag = sip["to_tag"]
    ch.set_vars([
        ("endpoint_disposition", "ANSWER"), ("sip_to_tag", to_tag),
        ("sip_from_tag", v.get("sip_from_tag")), ("sip_cseq", "1"),
        ("sip_call_id", v.get("sip_call_id")), ("sip_full_via", v.get("sip_full_via")),
        ("sip_from_display", v.get("sip_from_display")),
        ("sip_full_from", v.get("sip_full_from")), ("sip_to_display", v.get("sip_to_display")),
        ("sip_full_to", f"{v.get('sip_full_to', '')};tag={to_tag}"),
    ])


def outbound_progress(ch: Channel, early_media: bool) -> None:
    """The far end of an outbound leg rings (180) or sends early media (183)."""
    if early_media:
        if ch.endpoint == "sofia":
            _negotiate_media(ch)
        ch.answer_state = "early"
        ch.set_time(CallerProfile.PROGRESS_MEDIA)
        ch.fire("CHANNEL_PROGRESS_MEDIA")
        ch.set_callstate("EARLY")
    else:
        ch.set_time(CallerProfile.PROGRESS)
        ch.fire("CHANNEL_PROGRESS")
        ch.set_callstate("RINGING")


def outbound_answered(ch: Channel) -> None:
    """The far end of an outbound leg answered (200 OK + ACK sent)."""
    if ch.endpoint == "sofia":
        _negotiate_media(ch)
        ch.set_var("endpoint_disposition", "ANSWER")
    _mark_answered(ch)


def on_hangup(ch: Channel) -> None:
    """Set just before CHANNEL_HANGUP fires."""
    _loopback_disposition(ch)


def on_session_thread(ch: Channel) -> None:
    """The channel's own session thread runs: it takes a queued message (sendmsg), or an
    application it ran returns."""
    _loopback_disposition(ch)


def _loopback_disposition(ch: Channel) -> None:
    """An answered loopback B leg learns its A leg's disposition the next time its own
    session thread runs: at its next queued message, or at the latest when it hangs up."""
    if ch.endpoint == "loopback" and ch.answered and ch.variables.get("loopback_leg") == "B" \
            and "endpoint_disposition" not in ch.variables:
        ch.set_var("endpoint_disposition", "ANSWER")


def on_hangup_complete(ch: Channel) -> None:
    """Endpoint variables written after the CDR timestamps."""
    if ch.endpoint == "sofia":
        if "sip_hangup_disposition" not in ch.variables:
            if ch.direction == "inbound":
                disposition = "send_bye" if ch.answered else "send_refuse"
            else:
                disposition = "send_bye" if ch.answered else "send_cancel"
            ch.set_var("sip_hangup_disposition", disposition)
        if ch.media_up:
            ch.set_vars(_rtp_stats(ch))
    elif ch.endpoint == "loopback":
        ch.set_var("is_loopback", "1")


def _rtp_stats(ch: Channel) -> list[tuple[str, str]]:
    t = ch.profile.times
    seconds = max(0, ((t[5] or t[2]) - (t[2] or t[4] or t[5])) // 1_000_000)
    packets = seconds * 50
    return [
        ("rtp_audio_in_raw_bytes", "0"), ("rtp_audio_in_media_bytes", "0"),
        ("rtp_audio_in_packet_count", "0"), ("rtp_audio_in_media_packet_count", "0"),
        ("rtp_audio_in_skip_packet_count", str(packets)),
        ("rtp_audio_in_jitter_packet_count", "0"), ("rtp_audio_in_dtmf_packet_count", "0"),
        ("rtp_audio_in_cng_packet_count", "0"), ("rtp_audio_in_flush_packet_count", "0"),
        ("rtp_audio_in_largest_jb_size", "0"), ("rtp_audio_in_jitter_min_variance", "0.00"),
        ("rtp_audio_in_jitter_max_variance", "0.00"), ("rtp_audio_in_jitter_loss_rate", "0.00"),
        ("rtp_audio_in_jitter_burst_rate", "0.00"), ("rtp_audio_in_mean_interval", "0.00"),
        ("rtp_audio_in_flaw_total", "0"), ("rtp_audio_in_quality_percentage", "100.00"),
        ("rtp_audio_in_mos", "4.50"), ("rtp_audio_out_raw_bytes", str(packets * 172)),
        ("rtp_audio_out_media_bytes", str(packets * 172)),
        ("rtp_audio_out_packet_count", str(packets)),
        ("rtp_audio_out_media_packet_count", str(packets)),
        ("rtp_audio_out_skip_packet_count", "0"), ("rtp_audio_out_dtmf_packet_count", "0"),
        ("rtp_audio_out_cng_packet_count", "0"), ("rtp_audio_rtcp_packet_count", "0"),
        ("rtp_audio_rtcp_octet_count", "0"),
    ]


# -- loopback -----------------------------------------------------------------------------


def loopback_pair(node: EndpointHost, *, destination: str, context: str, dialplan: str,
                  caller_id_name: str, caller_id_number: str,
                  variables: dict[str, str]) -> tuple[Channel, Channel]:
    """mod_loopback's two legs: A (outbound, the originate's) and B (inbound, routed)."""
    def profile(direction: str) -> CallerProfile:
        return CallerProfile(direction=direction, logical_direction=direction,
                             dialplan=dialplan.lower(), caller_id_name=caller_id_name,
                             caller_id_number=caller_id_number,
                             orig_caller_id_number=caller_id_number,
                             callee_id_name="Outbound Call", callee_id_number=context,
                             ani=caller_id_number, destination_number=destination,
                             source="mod_loopback", context=context)

    a = Channel(node, name=f"loopback/{destination}/{context}-a", direction="outbound",
                endpoint="loopback", profile=profile("outbound"))
    a.hit_dialplan = False
    a.running_state = CS_NONE
    b = Channel(node, name=f"loopback/{destination}-b", direction="inbound",
                endpoint="loopback", profile=profile("inbound"))
    b.running_state = CS_NONE
    a.partner, b.partner = b, a
    a.update_vars([("direction", "outbound"), ("is_outbound", "true"), ("uuid", a.uuid),
                        ("call_uuid", a.uuid), ("session_id", str(node.next_session_id())),
                        ("read_codec", "L16"), ("read_rate", "8000"), ("write_codec", "L16"),
                        ("write_rate", "8000")])
    b.sip["session_id"] = str(node.next_session_id())
    return a, b


def loopback_init(node: EndpointHost, a: Channel, b: Channel, variables: dict[str, str],
                  a_uuid: str | None = None) -> None:
    """The events and variables of a loopback originate up to the B leg's routing.

    With ``origination_uuid`` (``a_uuid``) the A leg's codecs are set under the uuid it
    was born with, and CHANNEL_UUID then gives it the chosen one."""
    _loopback_codecs(a)
    a.name = f"loopback/{a.profile.destination_number}-a"
    a.profile.channel_name = a.name
    a.has_profile = True
    a.state = 1
    if a_uuid:
        a.set_var("channel_name", a.name)
        a.set_uuid(a_uuid)
    a.fire("CHANNEL_OUTGOING")
    a.set_running_state(1, 1)
    _loopback_codecs(b)
    a.update_vars([("channel_name", a.name), *variables.items()])
    a.update_vars([("originate_early_media", "true"), ("originate_endpoint", "loopback"),
                   ("other_loopback_leg_uuid", b.uuid), ("loopback_leg", "A")])
    b.update_vars([("direction", "inbound"), ("uuid", b.uuid), ("call_uuid", b.uuid),
                        ("session_id", b.sip["session_id"]),
                        ("channel_name", b.name), ("read_codec", "L16"), ("read_rate", "8000"),
                        ("write_codec", "L16"), ("write_rate", "8000")])
    b.update_vars(variables.items())
    b.update_vars([("other_loopback_leg_uuid", a.uuid), ("loopback_leg", "B")])
    a.remember_initial()
    b.remember_initial()


def _loopback_codecs(ch: Channel) -> None:
    ch.read_codec = L16
    ch.fire("CODEC", source="CODEC_READ_INIT", after=[
        ("channel-read-codec-name", L16[0]), ("channel-read-codec-rate", L16[1]),
        ("channel-read-codec-bit-rate", L16[2])])
    ch.write_codec = L16
    ch.fire("CODEC", source="CODEC_WRITE", after=[
        ("Channel-Write-Codec-Name", L16[0]), ("Channel-Write-Codec-Rate", L16[1]),
        ("Channel-Write-codec-bit-rate", L16[2])])
    ch.media_up = True


def flip_caller_id(ch: Channel) -> None:
    """The originating leg, once answered, shows the callee as its caller (CALL_UPDATE)."""
    p = ch.profile
    old_number = p.caller_id_number
    disposition = "ANSWER" if ch.answered else ch.variables.get("endpoint_disposition", "ANSWER")
    ch.set_vars([("endpoint_disposition", disposition),
                 ("pre_transfer_caller_id_number", old_number),
                 ("channel_cid_flipped", "yes")])
    p.caller_id_name, p.caller_id_number = p.callee_id_name, p.callee_id_number
    p.callee_id_name, p.callee_id_number = "", old_number
    ch.profile_changed()
    ch.hit_dialplan = True
    ch.fire("CALL_UPDATE", before=[("Direction", "RECV")])
