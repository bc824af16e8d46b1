"""Checking a signed Bybit v5 request over the bytes received (PROTOCOLS.md §0.1, §4.2).

String to sign: `timestamp + apiKey + recvWindow + payload`, where the payload is the raw
query string of a GET and the raw JSON body of a POST, exactly as sent; HMAC-SHA256 with
the secret, lowercase hex. The timestamp must satisfy
`server_time - recv_window <= timestamp < server_time + 1000`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from tradeport.emulator.accounts import AccountRef, KeyRing
from tradeport.emulator.host.decoding import signature_matches
from tradeport.venues.bybit.emulator.errors import bad_key, bad_sign, bad_timestamp, invalid

DEFAULT_RECV_WINDOW = 5000  # ms, when the header is absent (guide.mdx)
FUTURE_TOLERANCE_MS = 1000


def sign(secret: str, timestamp: str, api_key: str, recv_window: str, payload: str) -> str:
    message = f"{timestamp}{api_key}{recv_window}{payload}"
    return hmac.new(
        secret.encode(), message.encode("utf-8", "surrogateescape"), hashlib.sha256
    ).hexdigest()


def authenticate(
    keys: KeyRing, headers: Mapping[str, str], payload: str, now_ms: int
) -> AccountRef:
    """The caller of a signed request; raises 10003 (key), 10004 (signature) or 10002
    (timestamp), checked in that order as the gateway does."""
    api_key = headers.get("X-BAPI-API-KEY", "")
    ref = keys.find(api_key) if api_key else None
    if ref is None:
        raise bad_key()
    timestamp = headers.get("X-BAPI-TIMESTAMP", "")
    recv_window = headers.get("X-BAPI-RECV-WINDOW", "")
    signature = headers.get("X-BAPI-SIGN", "")
    expected = sign(ref.account.secret, timestamp, api_key, recv_window, payload)
    if not signature or not signature_matches(expected, signature):
        raise bad_sign()
    check_timestamp(timestamp, recv_window, now_ms)
    return ref


def check_timestamp(timestamp: str, recv_window: str, now_ms: int) -> None:
    if not recv_window:
        window = DEFAULT_RECV_WINDOW
    elif recv_window.isascii() and recv_window.isdigit():
        window = int(recv_window)
    else:
        raise invalid("X-BAPI-RECV-WINDOW", f"must be a whole number of ms, not {recv_window!r}")
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise bad_timestamp(timestamp, now_ms, str(window))
    ts = int(timestamp)
    if not now_ms - window <= ts < now_ms + FUTURE_TOLERANCE_MS:
        raise bad_timestamp(timestamp, now_ms, str(window))
