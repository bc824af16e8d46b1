"""Secrets out of every log line and error text (DESIGN.md principle 10).

A signed URL or body stays replayable for the venue's receive window, a listen key
opens the account's private stream, and an API key, passphrase or token names the
account: none of them may reach a log or an exception. `redact` blanks them wherever
they sit in a text: query or form parameters (`signature=…`, `listenKey=…`), JSON
fields (`"sign": "…"`), header lines (`X-MBX-APIKEY: …`), a listen key in a stream
URL path, and any known secret value the caller passes. `redact_headers` does the same
for a header mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

MASK = "***"

# parameter and field names whose value is a secret, lower-cased: signatures (Binance
# `signature`, Bybit `sign`), listen keys, tokens, passphrases and keys
SECRET_NAMES = frozenset(
    {
        "signature",
        "sign",
        "listenkey",
        "token",
        "access_token",
        "passphrase",
        "apikey",
        "api_key",
        "secret",
        "password",
    }
)
# headers that carry a key, a signature or a passphrase, lower-cased
SECRET_HEADERS = frozenset(
    {
        "x-mbx-apikey",
        "x-bapi-api-key",
        "x-bapi-sign",
        "ok-access-key",
        "ok-access-sign",
        "ok-access-passphrase",
        "authorization",
    }
)

_NAMES = "|".join(sorted((re.escape(n) for n in SECRET_NAMES), key=len, reverse=True))
_HEADERS = "|".join(sorted((re.escape(h) for h in SECRET_HEADERS), key=len, reverse=True))
# name=value in a query string or a form body (the value ends at & or a space/quote)
_PARAM = re.compile(rf"(?i)(?<![A-Za-z0-9_])({_NAMES})=[^&\s\"'<>]*")
# "name": "value" (or 'name': 'value', as a Python repr prints a dict)
_FIELD = re.compile(rf"(?i)([\"']({_NAMES})[\"']\s*:\s*)([\"'])[^\"']*\3")
# Header-Name: value, up to the end of the line, or "header": "value" in a repr
_HEADER_LINE = re.compile(rf"(?im)^(\s*({_HEADERS})\s*:\s*)\S.*$")
_HEADER_FIELD = re.compile(rf"(?i)([\"']({_HEADERS})[\"']\s*:\s*)([\"'])[^\"']*\3")
# a listen key as the last segment of a stream URL (Binance /ws/<listenKey>)
_LISTEN_PATH = re.compile(r"(/(?:ws|stream|pm/ws)/)[A-Za-z0-9]{32,}")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret it carries replaced by `***`: the known `secrets`
    (values), and whatever stands after a secret's name."""
    for value in secrets:
        if value:
            text = text.replace(value, MASK)
    text = _PARAM.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _FIELD.sub(lambda m: f"{m.group(1)}{m.group(3)}{MASK}{m.group(3)}", text)
    text = _HEADER_LINE.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _HEADER_FIELD.sub(lambda m: f"{m.group(1)}{m.group(3)}{MASK}{m.group(3)}", text)
    return _LISTEN_PATH.sub(lambda m: f"{m.group(1)}{MASK}", text)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of `headers` safe to log: secret headers' values are `***`."""
    return {k: MASK if k.lower() in SECRET_HEADERS else v for k, v in headers.items()}
