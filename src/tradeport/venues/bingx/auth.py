"""BingX HMAC-SHA256 signing (PROTOCOLS.md §5.2). Pure functions, nothing else.

The signature is lowercase hex of HMAC-SHA256(secret, the parameter string) where the
string is `k=v&...` with the values not URL-encoded. The server checks the query string
it received minus `signature`, so any order of the keys is accepted as long as what is
signed is what is sent: this client sends the business parameters in the caller's order
and `timestamp` last, as the venue's own sample code does.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import quote

API_KEY_HEADER = "X-BX-APIKEY"
# values holding these are JSON (batch orders) and go URL-encoded in the URL (§5.2)
_JSON_MARKS = ("[", "{")


def sign(secret: str, payload: str) -> str:
    """hex(HMAC-SHA256(secret, payload)), lowercase."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def param_text(value: object) -> str:
    """A parameter value as the venue reads it: booleans as `true` / `false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_sign(pairs: Iterable[tuple[str, object]]) -> str:
    """`k=v&...` in the given order, values as they are (the string that is signed)."""
    return "&".join(f"{k}={param_text(v)}" for k, v in pairs)


def to_send(pairs: Iterable[tuple[str, object]]) -> str:
    """The query string sent for the same pairs: a value holding JSON is URL-encoded
    (spaces as %20), every other value goes as it is, keys never encoded."""
    out = []
    for key, value in pairs:
        text = param_text(value)
        if any(mark in text for mark in _JSON_MARKS):
            text = quote(text, safe="")
        out.append(f"{key}={text}")
    return "&".join(out)


def signed_query(secret: str, pairs: list[tuple[str, object]]) -> str:
    """The query string of a signed request: the pairs (with `timestamp` among them),
    then `signature` over their unencoded string."""
    return f"{to_send(pairs)}&signature={sign(secret, to_sign(pairs))}"
