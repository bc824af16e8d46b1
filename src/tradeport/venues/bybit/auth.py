"""Bybit v5 HMAC-SHA256 signing (PROTOCOLS.md §4.2). Pure functions, nothing else.

One signature serves REST and the private WebSocket login: lowercase hex of
HMAC-SHA256(secret, payload). Only the payload differs.
"""

from __future__ import annotations

import hashlib
import hmac

API_KEY_HEADER = "X-BAPI-API-KEY"
TIMESTAMP_HEADER = "X-BAPI-TIMESTAMP"
SIGN_HEADER = "X-BAPI-SIGN"
RECV_WINDOW_HEADER = "X-BAPI-RECV-WINDOW"


def sign(secret: str, payload: str) -> str:
    """hex(HMAC-SHA256(secret, payload)), lowercase."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def rest_payload(timestamp_ms: int, api_key: str, recv_window_ms: int, params: str) -> str:
    """What a REST request signs: timestamp + apiKey + recvWindow + the raw query string
    (GET) or the raw JSON body (POST), exactly the bytes sent."""
    return f"{timestamp_ms}{api_key}{recv_window_ms}{params}"


def ws_auth_payload(expires_ms: int) -> str:
    """What the private WebSocket `auth` op signs: "GET/realtime" + expires (ms)."""
    return f"GET/realtime{expires_ms}"


def signed_headers(
    api_key: str, secret: str, timestamp_ms: int, recv_window_ms: int, params: str
) -> dict[str, str]:
    """The four headers of a signed REST request."""
    payload = rest_payload(timestamp_ms, api_key, recv_window_ms, params)
    return {
        API_KEY_HEADER: api_key,
        TIMESTAMP_HEADER: str(timestamp_ms),
        RECV_WINDOW_HEADER: str(recv_window_ms),
        SIGN_HEADER: sign(secret, payload),
    }


def ws_auth_args(api_key: str, secret: str, expires_ms: int) -> list[str | int]:
    """`args` of `{"op": "auth", "args": [apiKey, expires, signature]}`."""
    return [api_key, expires_ms, sign(secret, ws_auth_payload(expires_ms))]
