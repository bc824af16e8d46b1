"""OKX v5 HMAC-SHA256 signing (PROTOCOLS.md §3.2). Pure functions, nothing else.

One signature serves REST and the private WebSocket login: Base64 of
HMAC-SHA256(secret, timestamp + METHOD + requestPath + body). REST signs an ISO-8601
millisecond timestamp, the request path with its query string and the raw JSON body;
the WebSocket login signs Unix seconds + "GET" + "/users/self/verify".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

KEY_HEADER = "OK-ACCESS-KEY"
SIGN_HEADER = "OK-ACCESS-SIGN"
TIMESTAMP_HEADER = "OK-ACCESS-TIMESTAMP"
PASSPHRASE_HEADER = "OK-ACCESS-PASSPHRASE"
# demo trading shares the live host; this header sends the request to the demo account
SIMULATED_HEADER = "x-simulated-trading"
WS_LOGIN_PATH = "/users/self/verify"


def sign(secret: str, timestamp: str, method: str, request_path: str, body: str = "") -> str:
    """Base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))."""
    payload = f"{timestamp}{method.upper()}{request_path}{body}"
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def iso_timestamp(ms: int) -> str:
    """Epoch milliseconds as OKX's REST timestamp, e.g. 2020-12-08T09:08:57.715Z."""
    when = datetime.fromtimestamp(ms // 1000, UTC)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def signed_headers(
    api_key: str,
    secret: str,
    passphrase: str,
    timestamp_ms: int,
    method: str,
    request_path: str,
    body: str = "",
) -> dict[str, str]:
    """The four headers of a signed REST request. `request_path` carries the query
    string of a GET (`/api/v5/account/balance?ccy=BTC`); `body` is the exact JSON sent."""
    timestamp = iso_timestamp(timestamp_ms)
    return {
        KEY_HEADER: api_key,
        SIGN_HEADER: sign(secret, timestamp, method, request_path, body),
        TIMESTAMP_HEADER: timestamp,
        PASSPHRASE_HEADER: passphrase,
    }


def ws_login_args(api_key: str, secret: str, passphrase: str, timestamp_s: int) -> dict[str, str]:
    """One entry of `{"op": "login", "args": [...]}`; the venue refuses it 30 s after
    `timestamp_s` (Unix seconds)."""
    timestamp = str(timestamp_s)
    return {
        "apiKey": api_key,
        "passphrase": passphrase,
        "timestamp": timestamp,
        "sign": sign(secret, timestamp, "GET", WS_LOGIN_PATH),
    }
