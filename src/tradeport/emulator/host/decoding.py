"""Reading what a client sent, whatever it sent: JSON bodies and frames within a
nesting limit, signatures compared whatever characters they hold.

A venue's parameters and stream messages decode through `decode_json` and catch
`msgspec.DecodeError` to answer in their own words; signature checks go through
`signature_matches`, so a non-ASCII or otherwise odd signature is simply wrong.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

import msgspec

# Deeper than any venue message (an OKX batch is three levels); a deeper body is refused
# before decoding, so it costs no recursion.
MAX_JSON_DEPTH = 32
_PLAIN: msgspec.json.Decoder[Any] = msgspec.json.Decoder()
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def decode_json(data: bytes | str, decoder: msgspec.json.Decoder[Any] | None = None) -> Any:
    """`data` decoded by `decoder` (plain JSON by default); raises msgspec.DecodeError
    when it is not JSON or nests deeper than `MAX_JSON_DEPTH`."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if nesting_depth(raw) > MAX_JSON_DEPTH:
        raise msgspec.DecodeError(f"JSON is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return (decoder or _PLAIN).decode(raw)
    except RecursionError:
        raise msgspec.DecodeError("JSON is nested too deeply") from None


def nesting_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in `raw` (strings skipped); an upper bound when
    `raw` is not well-formed, which decoding then refuses anyway."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return 0 if not raw else min(MAX_JSON_DEPTH, raw.count(b"[") + raw.count(b"{"))
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def signature_matches(expected: str, given: object) -> bool:
    """`given` is the signature the secret makes (compared in constant time). Any text
    compares: non-ASCII characters and lone surrogates are just not the signature."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))
