"""Venue bytes in: cached typed msgspec decoders, and query-string encoding out."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import quote

import msgspec

T = TypeVar("T")


@functools.cache
def decoder(type_: Any, strict: bool = True) -> msgspec.json.Decoder[Any]:
    """A reusable typed decoder: parse the venue's bytes straight into its Struct.
    `strict=False` lets numeric strings ("0.01") decode into float fields."""
    return msgspec.json.Decoder(type_, strict=strict)


def decode(data: bytes | str, type_: type[T], *, strict: bool = True) -> T:
    typed: msgspec.json.Decoder[T] = decoder(type_, strict)  # type: ignore[arg-type]
    return typed.decode(data)


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*")


def encode_query(pairs: Iterable[tuple[str, object]]) -> str:
    """`k=v&k=v` with values percent-encoded as UTF-8 (RFC 3986 unreserved kept).

    Most values (symbols, numbers, ids) need no escaping, so they skip `quote`.
    """
    parts = []
    for key, value in pairs:
        text = value if isinstance(value, str) else str(value)
        if not _UNRESERVED.fullmatch(text):
            text = quote(text, safe="-_.~")
        parts.append(f"{key}={text}")
    return "&".join(parts)
