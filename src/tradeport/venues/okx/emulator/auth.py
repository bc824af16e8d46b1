"""Checking a signed OKX v5 request over the bytes received (PROTOCOLS.md §0.1, §3.2).

String to sign: `OK-ACCESS-TIMESTAMP + METHOD + requestPath + body`, where requestPath is
the path with the raw query string of a GET (`/api/v5/account/balance?ccy=BTC`) and body
the raw JSON text of a POST, exactly as sent; HMAC-SHA256 with the secret, Base64. The
timestamp is ISO-8601 UTC with milliseconds (`2020-12-08T09:08:57.715Z`) and must lie
within 30 s of the server clock (the docs state 30 s for the WS login; the REST window is
assumed the same).

Checks, in order: a missing header (50103 key, 50104 passphrase, 50106 sign, 50107
timestamp), an unknown key (50111), a malformed timestamp (50112), an expired one
(50102), a wrong passphrase (50105), the signature (50113, "Invalid Sign"), and a key
of the other environment (50101: a live key sent with `x-simulated-trading: 1`, or a
demo key without it). All answer HTTP 401.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
from collections.abc import Mapping

from tradeport.emulator.accounts import AccountRef, KeyRing
from tradeport.emulator.host.decoding import signature_matches
from tradeport.venues.okx.emulator.errors import unauthorized

EXPIRY_MS = 30_000
# the header that sends a request to demo trading (the same host, §3.1)
SIMULATED_HEADER = "x-simulated-trading"
_TIMESTAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$")
_HEADERS = (
    ("OK-ACCESS-KEY", "50103"),
    ("OK-ACCESS-PASSPHRASE", "50104"),
    ("OK-ACCESS-SIGN", "50106"),
    ("OK-ACCESS-TIMESTAMP", "50107"),
)


def sign(secret: str, prehash: str) -> str:
    digest = hmac.new(
        secret.encode(), prehash.encode("utf-8", "surrogateescape"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def parse_timestamp(text: str) -> int | None:
    """Milliseconds since the epoch of an OK-ACCESS-TIMESTAMP, or None if malformed."""
    match = _TIMESTAMP.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        return None
    fraction = (match[7] or "0").ljust(3, "0")
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    return seconds * 1000 + int(fraction)


def authenticate(
    keys: KeyRing,
    headers: Mapping[str, str],
    method: str,
    request_path: str,
    body: str,
    now_ms: int,
    *,
    demo_keys: bool = False,
) -> AccountRef:
    """The caller of a signed request, or the 401 error naming what was wrong."""
    values: dict[str, str] = {}
    for name, code in _HEADERS:
        value = headers.get(name, "")
        if not value:
            raise unauthorized(code, f'Request header "{name}" cannot be empty.')
        values[name] = value
    ref = keys.find(values["OK-ACCESS-KEY"])
    if ref is None:
        raise unauthorized("50111", "Invalid OK-ACCESS-KEY.")
    timestamp = values["OK-ACCESS-TIMESTAMP"]
    ts_ms = parse_timestamp(timestamp)
    if ts_ms is None:
        raise unauthorized("50112", "Invalid OK-ACCESS-TIMESTAMP.")
    if abs(now_ms - ts_ms) > EXPIRY_MS:
        raise unauthorized("50102", "Timestamp request expired.")
    if not signature_matches(ref.account.passphrase, values["OK-ACCESS-PASSPHRASE"]):
        raise unauthorized("50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.')
    expected = sign(ref.account.secret, timestamp + method.upper() + request_path + body)
    if not signature_matches(expected, values["OK-ACCESS-SIGN"]):
        raise unauthorized("50113", "Invalid Sign")
    if (headers.get(SIMULATED_HEADER, "0") == "1") != demo_keys:
        raise unauthorized("50101", "APIKey does not match current environment.")
    return ref
