"""What FreeSWITCH puts on a call: event headers and channel variables, by name.

The checker warns on a name that is in neither list (a typo reads as "missing" at run
time, silently), suggesting the closest known one; the language server completes and
documents from the same lists. Names come from events captured from a real FreeSWITCH
(tests/esl/vectors/real) plus the variables the FreeSWITCH docs and dialplans use.
Channel variables appear in events as ``variable_<name>``; users may invent their own,
so only near-misses of known variables are reported.
"""

from __future__ import annotations

from switchy.dialplan.diagnostics import did_you_mean

EVENT_HEADERS = frozenset({
    "API-Command", "API-Command-Argument", "Answer-State", "Application", "Application-Data",
    "Application-Response", "Application-UUID", "Bridge-A-Unique-ID", "Bridge-B-Unique-ID",
    "Bridged-To", "Call-Direction", "Caller-ANI", "Caller-Callee-ID-Name",
    "Caller-Callee-ID-Number", "Caller-Caller-ID-Name", "Caller-Caller-ID-Number",
    "Caller-Channel-Answered-Time", "Caller-Channel-Bridged-Time", "Caller-Channel-Created-Time",
    "Caller-Channel-Hangup-Time", "Caller-Channel-Hold-Accum", "Caller-Channel-Last-Hold",
    "Caller-Channel-Name", "Caller-Channel-Progress-Media-Time", "Caller-Channel-Progress-Time",
    "Caller-Channel-Resurrect-Time", "Caller-Channel-Transfer-Time", "Caller-Context",
    "Caller-Destination-Number", "Caller-Dialplan", "Caller-Direction", "Caller-Logical-Direction",
    "Caller-Network-Addr", "Caller-Orig-Caller-ID-Name", "Caller-Orig-Caller-ID-Number",
    "Caller-Privacy-Hide-Name", "Caller-Privacy-Hide-Number", "Caller-Profile-Created-Time",
    "Caller-Profile-Index", "Caller-Screen-Bit", "Caller-Source", "Caller-Transfer-Source",
    "Caller-Unique-ID", "Caller-Username", "Channel-ANI", "Channel-Call-State",
    "Channel-Call-State-Number", "Channel-Call-UUID", "Channel-Callee-ID-Number",
    "Channel-Caller-ID-Name", "Channel-Caller-ID-Number", "Channel-Channel-Answered-Time",
    "Channel-Channel-Bridged-Time", "Channel-Channel-Created-Time", "Channel-Channel-Hangup-Time",
    "Channel-Channel-Hold-Accum", "Channel-Channel-Last-Hold", "Channel-Channel-Name",
    "Channel-Channel-Progress-Media-Time", "Channel-Channel-Progress-Time",
    "Channel-Channel-Resurrect-Time", "Channel-Channel-Transfer-Time", "Channel-Context",
    "Channel-Destination-Number", "Channel-Dialplan", "Channel-Direction", "Channel-HIT-Dialplan",
    "Channel-Logical-Direction", "Channel-Name", "Channel-Orig-Caller-ID-Number",
    "Channel-Privacy-Hide-Name", "Channel-Privacy-Hide-Number", "Channel-Profile-Created-Time",
    "Channel-Profile-Index", "Channel-Read-Codec-Bit-Rate", "Channel-Read-Codec-Name",
    "Channel-Read-Codec-Rate", "Channel-Screen-Bit", "Channel-Source", "Channel-State",
    "Channel-State-Number", "Channel-Unique-ID", "Channel-Write-Codec-Bit-Rate",
    "Channel-Write-Codec-Name", "Channel-Write-Codec-Rate", "Channel-Write-codec-bit-rate",
    "Command", "Core-UUID", "DTMF-Digit", "DTMF-Duration", "DTMF-Source", "Direction",
    "Event-Calling-File", "Event-Calling-Function", "Event-Calling-Line-Number", "Event-Date-GMT",
    "Event-Date-Local", "Event-Date-Timestamp", "Event-Info", "Event-Name", "Event-Sequence",
    "Event-UUID", "FreeSWITCH-Hostname", "FreeSWITCH-IPv4", "FreeSWITCH-IPv6",
    "FreeSWITCH-Switchname", "FreeSWITCH-Version", "Hangup-Cause", "Idle-CPU", "Max-Sessions",
    "Original-Channel-Call-State", "Other-Leg-ANI", "Other-Leg-Callee-ID-Name",
    "Other-Leg-Callee-ID-Number", "Other-Leg-Caller-ID-Name", "Other-Leg-Caller-ID-Number",
    "Other-Leg-Channel-Answered-Time", "Other-Leg-Channel-Bridged-Time",
    "Other-Leg-Channel-Created-Time", "Other-Leg-Channel-Hangup-Time",
    "Other-Leg-Channel-Hold-Accum", "Other-Leg-Channel-Last-Hold", "Other-Leg-Channel-Name",
    "Other-Leg-Channel-Progress-Media-Time", "Other-Leg-Channel-Progress-Time",
    "Other-Leg-Channel-Resurrect-Time", "Other-Leg-Channel-Transfer-Time", "Other-Leg-Context",
    "Other-Leg-Destination-Number", "Other-Leg-Dialplan", "Other-Leg-Direction",
    "Other-Leg-Logical-Direction", "Other-Leg-Network-Addr", "Other-Leg-Orig-Caller-ID-Name",
    "Other-Leg-Orig-Caller-ID-Number", "Other-Leg-Privacy-Hide-Name",
    "Other-Leg-Privacy-Hide-Number", "Other-Leg-Profile-Created-Time", "Other-Leg-Screen-Bit",
    "Other-Leg-Source", "Other-Leg-Unique-ID", "Other-Leg-Username", "Other-Type",
    "Playback-File-Path", "Playback-File-Type", "Playback-Status", "Presence-Call-Direction",
    "Sent-Callee-ID-Name", "Sent-Callee-ID-Number", "Session-Count", "Session-Peak-FiveMin",
    "Session-Peak-Max", "Session-Per-Sec", "Session-Per-Sec-FiveMin", "Session-Per-Sec-Last",
    "Session-Per-Sec-Max", "Session-Since-Startup", "Task-Desc", "Task-Group", "Task-ID",
    "Task-Runtime", "Unique-ID", "Up-Time", "Uptime-msec", "User-Data", "VERSION",
})

CHANNEL_VARIABLES = frozenset({
    "DP_MATCH", "RECORD_STEREO", "accountcode", "advertised_media_ip", "ani", "aniii",
    "answer_epoch", "answer_stamp", "answer_uepoch", "answermsec", "answersec", "answerusec",
    "api_hangup_hook", "app_disable_expand_variables", "audio_media_flow", "auto_hunt", "billmsec",
    "billsec", "billusec", "bridge_channel", "bridge_epoch", "bridge_hangup_cause", "bridge_stamp",
    "bridge_to", "bridge_uepoch", "bridge_uuid", "bypass_media", "call_direction", "call_timeout",
    "call_uuid", "caller_id", "caller_id_name", "caller_id_number", "chan_name",
    "channel_cid_flipped", "channel_name", "context", "continue_on_fail", "current_application",
    "current_application_data", "current_application_response", "current_loop", "default_areacode",
    "default_gateway", "default_language", "destination_number", "dialed_domain",
    "dialed_extension", "dialed_user", "dialplan", "digits_dialed", "direction", "domain_name",
    "dtmf_type", "duration", "effective_caller_id_name", "effective_caller_id_number",
    "effective_sip_from_user", "emergency_call", "end_epoch", "end_stamp", "end_uepoch",
    "endpoint_disposition", "ep_codec_string", "exec_after_bridge_app", "exec_after_bridge_arg",
    "execute_on_answer", "fax_enable_t38", "flow_billmsec", "flow_billsec", "flow_billusec",
    "force_transfer_context", "force_transfer_dialplan", "hangup_after_bridge", "hangup_cause",
    "hangup_cause_q850", "hold_accum_ms", "hold_accum_seconds", "hold_accum_usec", "hold_music",
    "ignore_early_media", "is_loopback", "is_outbound", "language", "last_app", "last_arg",
    "last_bridge_hangup_cause", "last_bridge_role", "last_bridge_to", "last_dtmf_duration",
    "last_hold_epoch", "last_hold_uepoch", "last_sent_callee_id_name", "last_sent_callee_id_number",
    "local_media_ip", "local_media_port", "loopback_leg", "max_forwards", "max_session_transfers",
    "mduration", "network_addr", "original_caller_id_name", "original_caller_id_number",
    "original_destination_number", "original_read_codec", "original_read_rate",
    "originate_early_media", "originate_endpoint", "originate_timeout",
    "origination_caller_id_name", "origination_caller_id_number", "origination_uuid",
    "other_loopback_leg_uuid", "outbound_caller_id_name", "outbound_caller_id_number",
    "park_timeout", "playback_last_offset_pos", "playback_ms", "playback_samples",
    "playback_seconds", "playback_terminators", "pre_transfer_caller_id_number", "presence_id",
    "privacy", "profile_start_epoch", "profile_start_stamp", "profile_start_uepoch",
    "progress_epoch", "progress_media_epoch", "progress_media_stamp", "progress_media_uepoch",
    "progress_mediamsec", "progress_mediasec", "progress_mediausec", "progress_uepoch",
    "progressmsec", "progresssec", "progressusec", "proxy_media", "rdnis", "read_codec",
    "read_rate", "record_stereo", "recovery_profile_name", "remote_audio_media_flow",
    "remote_media_ip", "remote_media_port", "remote_text_media_flow", "remote_video_media_flow",
    "resurrect_epoch", "resurrect_uepoch", "ringback", "rtp_2833_recv_payload",
    "rtp_2833_send_payload", "rtp_audio_in_cng_packet_count", "rtp_audio_in_dtmf_packet_count",
    "rtp_audio_in_flaw_total", "rtp_audio_in_flush_packet_count", "rtp_audio_in_jitter_burst_rate",
    "rtp_audio_in_jitter_loss_rate", "rtp_audio_in_jitter_max_variance",
    "rtp_audio_in_jitter_min_variance", "rtp_audio_in_jitter_packet_count",
    "rtp_audio_in_largest_jb_size", "rtp_audio_in_mean_interval", "rtp_audio_in_media_bytes",
    "rtp_audio_in_media_packet_count", "rtp_audio_in_mos", "rtp_audio_in_packet_count",
    "rtp_audio_in_quality_percentage", "rtp_audio_in_raw_bytes", "rtp_audio_in_skip_packet_count",
    "rtp_audio_out_cng_packet_count", "rtp_audio_out_dtmf_packet_count",
    "rtp_audio_out_media_bytes", "rtp_audio_out_media_packet_count", "rtp_audio_out_packet_count",
    "rtp_audio_out_raw_bytes", "rtp_audio_out_skip_packet_count", "rtp_audio_recv_pt",
    "rtp_audio_rtcp_octet_count", "rtp_audio_rtcp_packet_count", "rtp_last_audio_codec_string",
    "rtp_local_sdp_str", "rtp_use_codec_channels", "rtp_use_codec_name", "rtp_use_codec_ptime",
    "rtp_use_codec_rate", "rtp_use_codec_string", "rtp_use_pt", "rtp_use_ssrc",
    "rtp_use_timer_name", "session_id", "session_in_hangup_hook", "signal_bond",
    "sip_P-Asserted-Identity", "sip_Remote-Party-ID", "sip_authorized", "sip_call_id",
    "sip_cid_type", "sip_contact_host", "sip_contact_port", "sip_contact_uri", "sip_contact_user",
    "sip_cseq", "sip_destination_url", "sip_from_display", "sip_from_host", "sip_from_params",
    "sip_from_port", "sip_from_tag", "sip_from_uri", "sip_from_user", "sip_from_user_stripped",
    "sip_full_from", "sip_full_to", "sip_full_via", "sip_gateway", "sip_gateway_name",
    "sip_hangup_disposition", "sip_invite_domain", "sip_invite_stamp", "sip_local_network_addr",
    "sip_network_ip", "sip_network_port", "sip_received_ip", "sip_received_port", "sip_req_host",
    "sip_req_params", "sip_req_port", "sip_req_uri", "sip_req_user", "sip_subject",
    "sip_to_display", "sip_to_host", "sip_to_params", "sip_to_port", "sip_to_tag", "sip_to_uri",
    "sip_to_user", "sip_user_agent", "sip_via_host", "sip_via_port", "sip_via_protocol",
    "socket_host", "sofia_profile_domain_name", "sofia_profile_name", "sofia_profile_url", "source",
    "start_epoch", "start_stamp", "start_uepoch", "switch_r_sdp", "text_media_flow", "timezone",
    "tod_tz_offset", "toll_allow", "total_loops", "transfer_history", "transfer_ringback",
    "transfer_source", "uduration", "user_context", "user_name", "username", "uuid", "uuid_bridge",
    "video_media_flow", "waitmsec", "waitsec", "waitusec", "write_codec", "write_rate",
})

# Caller-profile fields. FreeSWITCH's XML dialplan reads ``${caller_id_name}`` from the
# channel's caller profile, but a parked channel's events carry these only as the
# ``Caller-*`` header: no CHANNEL_PARK captured from a real FreeSWITCH (tests/esl/vectors/
# real) has ``variable_caller_id_name``, so a test on it reads none and takes the wrong
# branch. (``variable_uuid``, ``variable_direction`` and ``variable_channel_name`` are
# on those events, so they are not here.) The checker points at the header (SWR420).
PROFILE_HEADERS: dict[str, str] = {
    "variable_caller_id_name": "Caller-Caller-ID-Name",
    "variable_caller_id_number": "Caller-Caller-ID-Number",
    "variable_orig_caller_id_name": "Caller-Orig-Caller-ID-Name",
    "variable_orig_caller_id_number": "Caller-Orig-Caller-ID-Number",
    "variable_callee_id_name": "Caller-Callee-ID-Name",
    "variable_callee_id_number": "Caller-Callee-ID-Number",
    "variable_destination_number": "Caller-Destination-Number",
    "variable_context": "Caller-Context",
    "variable_dialplan": "Caller-Dialplan",
    "variable_username": "Caller-Username",
    "variable_ani": "Caller-ANI",
    "variable_network_addr": "Caller-Network-Addr",
    "variable_source": "Caller-Source",
    "variable_chan_name": "Caller-Channel-Name",
}

# Prefixes under which FreeSWITCH stores free-form data (SIP headers, user variables).
FREE_FORM_PREFIXES = ("variable_sip_h_", "variable_sip_rh_", "variable_sip_ph_",
                      "variable_sip_bye_h_", "variable_sip_i_", "variable_DP_")

# Short explanations for hover and completion.
DOCS = {
    "Caller-Destination-Number": "The number the caller dialled (the default field of a "
    "route pattern).",
    "Caller-Caller-ID-Number": "The caller's number (caller ID).",
    "Caller-Caller-ID-Name": "The caller's display name.",
    "Caller-Context": "The dialplan context the call arrived in (selects the dialplan).",
    "Caller-Network-Addr": "IP address the call came from.",
    "Caller-Source": "The endpoint module that created the call, e.g. mod_sofia.",
    "Caller-Username": "The authenticated user name, if any.",
    "Call-Direction": "inbound (the call came to FreeSWITCH) or outbound (FreeSWITCH "
    "placed it).",
    "Unique-ID": "The call's uuid.",
    "Channel-Name": "FreeSWITCH's name for the channel, e.g. sofia/external/1000@host.",
    "Hangup-Cause": "Why the call ended.",
    "variable_sip_req_uri": "The SIP Request-URI (user@host) of the incoming INVITE.",
    "variable_sip_req_user": "The user part of the SIP Request-URI.",
    "variable_sip_from_user": "The user part of the SIP From header.",
    "variable_sip_to_user": "The user part of the SIP To header.",
    "variable_sofia_profile_name": "The sofia SIP profile the call arrived on.",
    "variable_sip_authorized": "true when the caller authenticated (digest).",
    "variable_caller_id_name": "Not on a parked call's events (FreeSWITCH keeps it in the "
    "caller profile): read Caller-Caller-ID-Name.",
    "variable_caller_id_number": "Not on a parked call's events (FreeSWITCH keeps it in the "
    "caller profile): read Caller-Caller-ID-Number.",
}


def is_known(name: str) -> bool:
    if name in EVENT_HEADERS:
        return True
    if name.startswith("variable_"):
        return name[len("variable_"):] in CHANNEL_VARIABLES or name.startswith(FREE_FORM_PREFIXES)
    return False


def suggest(name: str, also: list[str] | None = None) -> str | None:
    """The closest known header or variable (or one of ``also``) to ``name``."""
    local = did_you_mean(name, list(also or []), cutoff=0.75)
    if local:
        return local
    if name.startswith("variable_"):
        # Compare what follows the shared "variable_" prefix, or everything looks alike.
        tail = did_you_mean(name[len("variable_"):], sorted(CHANNEL_VARIABLES), cutoff=0.8)
        return "variable_" + tail if tail else None
    pool = sorted(EVENT_HEADERS) + ["variable_" + v for v in sorted(CHANNEL_VARIABLES)]
    return did_you_mean(name, pool, cutoff=0.75)


def should_warn(name: str) -> bool:
    """Unknown names warn; an invented ``variable_x`` warns only near a known variable."""
    if is_known(name):
        return False
    if name.startswith("variable_"):
        return suggest(name) is not None
    return True
