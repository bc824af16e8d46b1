"""The HTTP/1.1 response parser on its own: the same answer however the bytes arrive,
and a clear refusal of what cannot be framed."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeport.transport.h1_response import MalformedResponse, ResponseParser

SAMPLES = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
    b"5;name=value\r\nhello\r\n7 ; ext\r\n, world\r\n0\r\nX-Sum: abc\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n"
    b"HTTP/1.1 201 Created\r\nContent-Length: 3\r\nA: x\r\nA: y\r\n\r\nabc",
    b"HTTP/1.1 200 OK\r\nX-Folded: one\r\n  two\r\nContent-Length: 1\r\n\r\nz",
    b"HTTP/1.0 200 OK\r\nContent-Length: 4\r\nConnection: keep-alive\r\n\r\nbody",
]


def parse_whole(raw: bytes) -> tuple[int, dict[str, str], bytes, bool]:
    p = ResponseParser()
    assert p.feed(raw)
    return p.status, dict(p.headers), p.body, p.keep_alive


def test_parser_reads_interim_answers_repeated_and_folded_headers() -> None:
    assert parse_whole(SAMPLES[2])[:3] == (201, {"content-length": "3", "a": "x, y"}, b"abc")
    assert parse_whole(SAMPLES[3])[1]["x-folded"] == "one two"
    assert parse_whole(SAMPLES[4])[3] is True
    http10 = b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nz"
    assert parse_whole(http10)[3] is False
    assert (
        parse_whole(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")[3]
        is False
    )


@pytest.mark.parametrize("sample", SAMPLES)
def test_parser_gives_the_same_answer_fed_byte_by_byte(sample: bytes) -> None:
    p = ResponseParser()
    fed = [p.feed(sample[i : i + 1]) for i in range(len(sample))]
    assert fed == [False] * (len(sample) - 1) + [True]
    assert (p.status, dict(p.headers), p.body, p.keep_alive) == parse_whole(sample)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SAMPLES), st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_parser_gives_the_same_answer_at_any_split(sample: bytes, cuts: list[int]) -> None:
    points = sorted({c % (len(sample) + 1) for c in cuts})
    pieces = [sample[a:b] for a, b in zip([0, *points], [*points, len(sample)], strict=True)]
    p = ResponseParser()
    done = [p.feed(piece) for piece in pieces if piece]
    assert done[-1] is True and not any(done[:-1])
    assert (p.status, dict(p.headers), p.body, p.keep_alive) == parse_whole(sample)


@pytest.mark.parametrize(
    ("response", "why"),
    [
        (b"HTTX/1.1 200 OK\r\n\r\n", "bad status line"),
        (b"HTTP/1.1 2x0 OK\r\n\r\n", "bad status line"),
        (b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "bad header line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "Transfer-Encoding"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc", "CRLF"),
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\nz", "br"),
    ],
)
def test_parser_refuses_malformed_responses(response: bytes, why: str) -> None:
    with pytest.raises(MalformedResponse, match=why):
        ResponseParser().feed(response)


def test_parser_decodes_gzip_a_server_sent_anyway() -> None:
    payload = gzip.compress(b'{"a":1}')
    raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(payload)
    assert parse_whole(raw + payload)[2] == b'{"a":1}'
