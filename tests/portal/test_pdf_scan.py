"""The PDF check's scans (portal/filecheck.py) find exactly what the patterns they replace
found: object headers ("12 0 obj") and the "stream" keyword as a whole token, on any bytes."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from portal import filecheck

DELIMITED = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
STREAM = re.compile(rb"(?<![^" + DELIMITED + rb"])stream(?![^" + DELIMITED + rb"])")

# Bytes made of the pieces that matter, so the interesting cases are common.
pieces = st.sampled_from(
    [b"obj", b"stream", b"endstream", b"0", b"12", b"7", b" ", b"\n", b"\r\n", b"\x00",
     b"x", b"R", b"/", b"<<", b">>", b"(", b"%", b"ob", b"j", b"s"]
)  # fmt: skip
data = st.lists(pieces, max_size=40).map(b"".join)


@settings(max_examples=600, deadline=None)
@given(data)
def test_an_object_header_is_found_where_the_pattern_finds_one(chunk):
    assert filecheck._has_object(chunk) == bool(filecheck._OBJ.search(chunk))


@settings(max_examples=600, deadline=None)
@given(data, st.integers(0, 400), st.integers(0, 400))
def test_the_last_header_of_a_slice_is_the_patterns_last(chunk, a, b):
    start, end = sorted((min(a, len(chunk)), min(b, len(chunk))))
    matches = list(filecheck._OBJ.finditer(chunk[start:end]))
    expected = start + matches[-1].end() if matches else None

    assert filecheck._last_object_end(chunk, start, end) == expected


@settings(max_examples=600, deadline=None)
@given(data, st.integers(0, 400))
def test_the_stream_keyword_is_found_where_the_pattern_finds_it(chunk, position):
    position = min(position, len(chunk))
    found = STREAM.search(chunk, position)

    assert filecheck._stream_keyword(chunk, position) == (
        (found.start(), found.end()) if found else None
    )
