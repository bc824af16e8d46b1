"""Binance HMAC-SHA256 signing (PROTOCOLS.md §1.2, §2.2). Pure functions, nothing else."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from tradeport.transport.codec import encode_query


def sign(secret: str, payload: str) -> str:
    """hex(HMAC-SHA256(secret, payload)); the payload is the query string concatenated
    with the body, with no separator between them (§1.2)."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def encode_params(params: Iterable[tuple[str, str]]) -> str:
    """Percent-encode values (UTF-8) before signing: what is signed is what is sent."""
    return encode_query(params)


def signed_query(secret: str, params: Iterable[tuple[str, str]]) -> str:
    """The encoded parameters with `signature` appended as the last pair."""
    encoded = encode_params(params)
    return f"{encoded}&signature={sign(secret, encoded)}"


def sign_ws_params(secret: str, params: Mapping[str, str]) -> str:
    """WS-API signing: every param but `signature`, sorted by name, raw UTF-8 values."""
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")
    return sign(secret, payload)
