"""Checking a signed BingX request (PROTOCOLS.md §5.2).

The signature covers the query string as received minus its `signature` pair, with
percent-encoded values decoded (a JSON value is sent encoded but signed as it is), in
whatever order the client sent the keys. `timestamp` must be within `recvWindow`
(default 5 s) of the server clock.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import unquote

from tradeport.emulator.accounts import AccountRef, KeyRing
from tradeport.emulator.host.decoding import signature_matches
from tradeport.venues.bingx.emulator.errors import bad_key, bad_sign, bad_timestamp, invalid

DEFAULT_RECV_WINDOW = 5000
FUTURE_TOLERANCE_MS = 1000


def signed_text(raw_query: str) -> tuple[str, str]:
    """(the string the client signed, the signature it sent)."""
    kept, signature = [], ""
    for segment in raw_query.split("&"):
        if segment.startswith("signature="):
            signature = segment.removeprefix("signature=")
        elif segment:
            kept.append(segment)
    return unquote("&".join(kept)), signature


def authenticate(
    keys: KeyRing, headers: Mapping[str, str], raw_query: str, query: Mapping[str, str], now_ms: int
) -> AccountRef:
    """The caller of a signed request; raises 100413 (key), 100001 (signature) or
    109400 (timestamp), in that order."""
    api_key = headers.get("X-BX-APIKEY", "")
    ref = keys.find(api_key) if api_key else None
    if ref is None:
        raise bad_key()
    text, signature = signed_text(raw_query)
    expected = hmac.new(
        ref.account.secret.encode(), text.encode("utf-8", "surrogateescape"), hashlib.sha256
    ).hexdigest()
    if not signature or not signature_matches(expected, signature):
        raise bad_sign()
    check_timestamp(query.get("timestamp", ""), query.get("recvWindow", ""), now_ms)
    return ref


def check_timestamp(timestamp: str, recv_window: str, now_ms: int) -> None:
    window = DEFAULT_RECV_WINDOW
    if recv_window:
        if not (recv_window.isascii() and recv_window.isdigit()):
            raise invalid("recvWindow", "must be a whole number of ms")
        window = int(recv_window)
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise bad_timestamp(timestamp, now_ms)
    ts = int(timestamp)
    if not now_ms - window <= ts < now_ms + FUTURE_TOLERANCE_MS:
        raise bad_timestamp(timestamp, now_ms)
