"""What FreeSWITCH's modules provide: their dialplan applications, and which of those may
run ``inline`` (the ``SAF_ROUTING_EXEC`` flag) during the hunt.

The importer needs the inline list (FreeSWITCH refuses ``inline="true"`` on any other
application: it is neither run nor queued); the dialplan-test node model needs the
application lists (an application no loaded module provides hangs the call up
``DESTINATION_OUT_OF_ORDER`` without running).
"""

from __future__ import annotations

MODULE_APPS: dict[str, frozenset[str]] = {
    "mod_dptools": frozenset({
        "answer", "pre_answer", "ring_ready", "hangup", "set", "unset", "multiset", "multiunset",
        "export", "bridge_export", "set_global", "set_profile_var", "set_user", "push", "unshift",
        "log", "info", "event", "sleep", "playback", "endless_playback", "loop_playback",
        "gentones", "record", "record_session", "stop_record_session", "park", "park_state",
        "transfer", "execute_extension", "bridge", "respond", "deflect", "redirect",
        "send_display", "privacy", "phrase", "say", "speak", "sched_hangup", "sched_transfer",
        "sched_broadcast", "sched_heartbeat", "sched_cancel", "eval", "stop", "check_acl",
        "verbose_events", "novideo", "cng_plc", "early_hangup", "presence",
        "displace_session", "stop_displace_session", "tone_detect", "stop_tone_detect",
        "read", "play_and_get_digits", "att_xfer", "intercept", "eavesdrop", "three_way",
        "set_audio_level", "set_mute", "flush_dtmf", "queue_dtmf", "send_dtmf", "start_dtmf",
        "stop_dtmf", "start_dtmf_generate", "stop_dtmf_generate", "ivr", "system", "bgsystem",
        "echo", "delay_echo", "strftime", "set_name", "remove_bugs", "chat", "wait_for_silence",
        "wait_for_answer", "detect_speech", "play_and_detect_speech", "hold", "unhold",
        "mutex", "page", "transfer_vars", "unbind_meta_app", "bind_meta_app",
        "bind_digit_action", "clear_digit_action", "digit_action_set_realm", "media_reset",
        "sound_test", "jitterbuffer", "capture", "rename", "soft_hold", "limit", "limit_hash",
        "limit_execute", "limit_hash_execute", "pickup", "enable_heartbeat", "enable_keepalive",
        "mkdir", "set_zombie_exec", "filter_codecs", "session_loglevel", "wait_for_video_ready",
        "vad_test", "fax_detect", "spy", "preprocess", "blind_transfer_ack",
        "debug_media", "multicast", "hash_dump",
    }),
    "mod_db": frozenset({"db", "group"}),
    "mod_hash": frozenset({"hash"}),
    "mod_expr": frozenset(),
    "mod_commands": frozenset(),
    "mod_sofia": frozenset({"sofia_sla", "sofia_stir_shaken_vs"}),
    "mod_loopback": frozenset({"unloop"}),
    "mod_event_socket": frozenset({"socket"}),
    "mod_sndfile": frozenset(),
    "mod_tone_stream": frozenset(),
    "mod_voicemail": frozenset({"voicemail"}),
    "mod_conference": frozenset({"conference"}),
    "mod_fifo": frozenset({"fifo", "fifo_track_call"}),
    "mod_valet_parking": frozenset({"valet_park"}),
    "mod_lua": frozenset({"lua"}),
    "mod_curl": frozenset({"curl"}),
    "mod_spandsp": frozenset({"rxfax", "txfax", "t38_gateway", "spandsp_start_dtmf"}),
    "mod_callcenter": frozenset({"callcenter"}),
    "mod_directory": frozenset({"directory"}),
    "mod_lcr": frozenset({"lcr"}),
    "mod_nibblebill": frozenset({"nibblebill"}),
    "mod_enum": frozenset({"enum"}),
    "mod_distributor": frozenset(),
    "mod_httapi": frozenset({"httapi"}),
    "mod_cidlookup": frozenset({"cidlookup"}),
}

# Applications FreeSWITCH runs inline="true" (SAF_ROUTING_EXEC).
INLINE_APPS = frozenset({
    "check_acl", "verbose_events", "novideo", "cng_plc", "early_hangup", "eval", "set_media_stats",
    "stop", "set_zombie_exec", "presence", "log", "info", "event", "export", "bridge_export",
    "set", "multiset", "push", "unshift", "set_global", "set_profile_var", "unset",
    "multiunset", "set_user", "cidlookup", "curl", "easyroute", "enum", "lcr", "nibblebill",
    "odbc_query", "hash", "db",
})

KNOWN_APPS = frozenset().union(*MODULE_APPS.values())

# The modules of the box the oracle calls were recorded on (see tests/xmlimport).
ORACLE_MODULES = ("mod_commands", "mod_dptools", "mod_db", "mod_expr", "mod_hash",
                  "mod_loopback", "mod_sofia", "mod_tone_stream", "mod_sndfile",
                  "mod_event_socket")


def inline_refused(app: str) -> bool:
    """True when FreeSWITCH is known to refuse running ``app`` inline."""
    return app in KNOWN_APPS and app not in INLINE_APPS
