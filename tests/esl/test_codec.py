"""FreeSWITCH's URL encoding, as the vectors show it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from switchy.esl.codec import url_decode, url_encode


def test_matches_freeswitch_examples():
    assert url_encode("fd00::2") == "fd00%3A%3A2"
    assert url_encode("Thu, 26 Nov 2026 22:40:58 GMT") == "Thu,%2026%20Nov%202026%2022%3A40%3A58%20GMT"
    assert url_encode("ARRAY::a|:b|:c") == "ARRAY%3A%3Aa%7C%3Ab%7C%3Ac"
    assert url_encode("+OK\n") == "%2BOK%0A"
    assert url_encode("tone_stream://%(1000,0,440)") == "tone_stream%3A//%25(1000,0,440)"
    assert url_encode("!$'()*,-./_~") == "!$'()*,-./_~"


def test_already_encoded_percent_is_not_encoded_twice():
    assert url_encode("%41%2B") == "%41%2B"
    assert url_encode("%4a") == "%254a"  # lowercase hex is not taken as encoded


def test_plus_is_not_a_space():
    assert url_decode("a+b%20c") == "a+b c"


@given(st.text().filter(lambda s: "%" not in s))
def test_round_trip(text):
    assert url_decode(url_encode(text)) == text


@given(st.binary().filter(lambda b: b"%" not in b))
def test_non_utf8_bytes_survive(raw):
    text = raw.decode("utf-8", "surrogateescape")
    encoded = url_encode(text)
    assert encoded.isascii()
    assert url_decode(encoded).encode("utf-8", "surrogateescape") == raw
