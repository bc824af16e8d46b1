"""Bybit v5 signing against the vectors of PROTOCOLS.md §8 (Y1–Y3: derived with the
secret `XXXXXXXXXX`, since the docs do not publish theirs)."""

import hashlib
import hmac

from tradeport.venues.bybit.auth import (
    rest_payload,
    sign,
    signed_headers,
    ws_auth_args,
    ws_auth_payload,
)

SECRET = "XXXXXXXXXX"
API_KEY = "XXXXXXXXXX"


def test_get_signs_timestamp_key_window_and_query_y1() -> None:
    payload = rest_payload(
        1658384314791, API_KEY, 5000, "category=option&symbol=BTC-29JUL22-25000-C"
    )
    assert payload == "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C"
    assert sign(SECRET, payload) == (
        "c00720f96c5934ca7057ac28ae65b823f83b8b67a8fe784e7795ca0fa3c148ec"
    )


def test_post_signs_the_raw_body_y2() -> None:
    payload = rest_payload(1658385579423, API_KEY, 5000, '{"category": "option"}')
    assert sign(SECRET, payload) == (
        "fbb4648b585b3e62de2c4eaecc8f3b6066aa18e98cc300eaff4d87f15b55724a"
    )


def test_websocket_auth_signs_get_realtime_and_expiry_y3() -> None:
    assert ws_auth_payload(1662350400000) == "GET/realtime1662350400000"
    assert ws_auth_args(API_KEY, SECRET, 1662350400000) == [
        API_KEY,
        1662350400000,
        "3d6cbbfa4569aab894f661add824ff3f06090d0edba388f1e47dc15e6a7b5a8b",
    ]


def test_signed_headers_carry_what_was_signed() -> None:
    headers = signed_headers("key", "secret", 1700000000000, 20000, "a=1&b=2")
    expected = hmac.new(b"secret", b"1700000000000key20000a=1&b=2", hashlib.sha256).hexdigest()
    assert headers == {
        "X-BAPI-API-KEY": "key",
        "X-BAPI-TIMESTAMP": "1700000000000",
        "X-BAPI-RECV-WINDOW": "20000",
        "X-BAPI-SIGN": expected,
    }
    assert headers["X-BAPI-SIGN"] == headers["X-BAPI-SIGN"].lower()
