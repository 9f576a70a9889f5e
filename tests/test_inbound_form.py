"""The webhook reads a form exactly as the standard library does (urllib's parse_qsl, blank values kept),
whatever the bytes: its own faster reader must never see a different text or number than Twilio sent."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from smsbot.inbound.webhook import form_pairs

# Raw query strings: the characters that matter to a form reader, and everything else.
_PIECES = st.sampled_from(["&", "=", "+", "%", "%2", "%2B", "%E2%82%AC", "%ff", "%zz", "a", "B", " ", "é"])
RAW = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=40).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(RAW)
def test_any_raw_form_reads_as_parse_qsl_reads_it(raw: str):
    assert form_pairs(raw) == parse_qsl(raw, keep_blank_values=True)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=40)), max_size=20))
def test_any_encoded_form_reads_back_as_sent(fields: list[tuple[str, str]]):
    raw = "&".join(f"{quote_plus(name)}={quote_plus(value)}" for name, value in fields)
    assert form_pairs(raw) == fields
