"""Server-side checks of SIGNED requests (PROTOCOLS.md §0.1, §1.2, §2.2).

The signature is verified over the bytes received — raw query string then raw body, no
separator, with the `signature=` pair taken out — never over a re-serialisation, because
clients order and encode parameters differently and all of them work against Binance.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from decimal import Decimal, InvalidOperation

from tradeport.venues.binance.emulator.errors import (
    BinanceApiError,
    bad_signature,
    illegal,
    key_format,
    mandatory,
    timestamp_ahead,
    timestamp_outside,
)
from tradeport.venues.binance.emulator.params import Params

DEFAULT_RECV_WINDOW_MS = 5000
MAX_RECV_WINDOW_MS = 60000
# timestamps above this are microseconds (§1.2: "ms; µs also accepted")
_MICROS_THRESHOLD = 10**14
_KEY_FORMAT = re.compile(r"^[\x21-\x7e]{1,128}$")
_SIGNATURE = re.compile(r"^[0-9a-fA-F]{64}$")


def strip_signature(raw: str) -> tuple[str, str | None]:
    """`raw` without its `signature=` pair, and the signature value (None if absent)."""
    kept, signature = [], None
    for segment in raw.split("&"):
        if segment.startswith("signature="):
            signature = segment[len("signature=") :]
        else:
            kept.append(segment)
    return "&".join(kept), signature


def signed_payload(raw_query: str, raw_body: str) -> tuple[str, str | None]:
    """The string the client signed (query + body, §1.2) and the signature it sent.

    The signature is normally the last pair of whichever part carries it; it is removed
    from that part and the parts are concatenated as received.
    """
    query, sig_q = strip_signature(raw_query) if raw_query else ("", None)
    body, sig_b = strip_signature(raw_body) if raw_body else ("", None)
    return query + body, sig_q if sig_q is not None else sig_b


def expected_signature(secret: str, payload: str) -> str:
    # surrogateescape round-trips whatever bytes arrived, so the digest is over exactly them
    data = payload.encode("utf-8", "surrogateescape")
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def verify_signature(secret: str, raw_query: str, raw_body: str) -> None:
    payload, signature = signed_payload(raw_query, raw_body)
    if not signature:
        raise mandatory("signature")
    if not _SIGNATURE.match(signature):
        raise bad_signature()
    # HMAC signatures are accepted case-insensitively (§1.2)
    if not hmac.compare_digest(signature.lower(), expected_signature(secret, payload)):
        raise bad_signature()


def check_key_format(header: str | None) -> str:
    if header is None or not _KEY_FORMAT.match(header):
        raise key_format()
    return header


def _millis(name: str, value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise illegal(name, r"^[0-9]{1,20}(\.[0-9]{1,3})?$") from None
    if not number.is_finite() or number < 0:
        raise illegal(name, r"^[0-9]{1,20}(\.[0-9]{1,3})?$")
    return number


def check_timestamp(params: Params, server_ms: int) -> None:
    """§1.2: accept iff `timestamp < serverTime + 1000` and
    `serverTime - timestamp <= recvWindow` (recvWindow default 5000, max 60000)."""
    timestamp = _millis("timestamp", params.require("timestamp"))
    if timestamp >= _MICROS_THRESHOLD:
        timestamp /= 1000
    window_raw = params.get("recvWindow")
    window = Decimal(DEFAULT_RECV_WINDOW_MS)
    if window_raw is not None:
        window = _millis("recvWindow", window_raw)
        if window > MAX_RECV_WINDOW_MS:
            raise BinanceApiError(-1131, "recvWindow must be less than 60000")
    if timestamp >= server_ms + 1000:
        raise timestamp_ahead()
    if server_ms - timestamp > window:
        raise timestamp_outside()
