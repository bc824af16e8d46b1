"""USDⓈ-M listen keys: one live key per account (PROTOCOLS.md §2.3).

Rules from the USDⓈ-M user data stream docs: a key is valid for 60 minutes after its
creation; a PUT extends it by another 60 minutes; a POST on an account that already has
a live key returns that same key and extends it; a DELETE closes it; a PUT on a key that
expired or was deleted answers -1125 "This listenKey does not exist." and only a new
POST gives a (fresh) key. The registry is the emulator host's (emulator/host/listen_keys.py).
"""

from __future__ import annotations

import secrets
import string

from tradeport.emulator.host.listen_keys import DEFAULT_VALIDITY_S
from tradeport.emulator.host.listen_keys import ListenKeys as _ListenKeys
from tradeport.venues.binance.emulator.errors import BinanceApiError

KEY_LENGTH = 64  # Binance listen keys are 64 alphanumeric characters
KEY_PATTERN = f"[A-Za-z0-9]{{{KEY_LENGTH}}}"
_ALPHABET = string.ascii_letters + string.digits


def new_listen_key() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(KEY_LENGTH))


def listen_key_missing() -> BinanceApiError:
    return BinanceApiError(-1125, "This listenKey does not exist.")


class ListenKeys(_ListenKeys):
    """The host's registry with Binance's keys and its -1125 refusal."""

    def __init__(self, validity_s: float = DEFAULT_VALIDITY_S) -> None:
        super().__init__(validity_s, new_key=new_listen_key, missing=listen_key_missing)


__all__ = ["DEFAULT_VALIDITY_S", "KEY_PATTERN", "ListenKeys", "listen_key_missing"]
