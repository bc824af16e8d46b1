"""OKX signing against the PROTOCOLS.md §8 vectors O3–O5 (derived: OKX publishes the
secret and the inputs, python-okx, ccxt and an independent implementation agree on
the outputs)."""

from __future__ import annotations

from datetime import UTC, datetime

from tradeport.venues.okx import auth

SECRET = "22582BD0CFF14C41EDBF1AB98506286D"
TS = "2020-12-08T09:08:57.715Z"


def test_o3_rest_get_signs_the_path_with_its_query() -> None:
    assert (
        auth.sign(SECRET, TS, "GET", "/api/v5/account/balance?ccy=BTC")
        == "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="
    )


def test_o4_rest_post_signs_the_exact_body() -> None:
    body = '{"instId":"BTC-USDT","lever":"5","mgnMode":"isolated"}'
    assert (
        auth.sign(SECRET, TS, "POST", "/api/v5/account/set-leverage", body)
        == "eCnnCgWLjlQ9XnpUkrcny3qNq3WW/81KNrDr/XR6Xv8="
    )


def test_o5_ws_login_signs_seconds_get_and_verify_path() -> None:
    args = auth.ws_login_args("key", SECRET, "phrase", 1704876947)
    assert args == {
        "apiKey": "key",
        "passphrase": "phrase",
        "timestamp": "1704876947",
        "sign": "5/36BgGV6m/6pmdc20zdqk0mzF5ZalmzzPD2fo3wavU=",
    }


def test_rest_headers_carry_an_iso_millisecond_timestamp() -> None:
    ms = int(datetime(2020, 12, 8, 9, 8, 57, 715000, tzinfo=UTC).timestamp() * 1000)
    headers = auth.signed_headers(
        "key", SECRET, "phrase", ms, "get", "/api/v5/account/balance?ccy=BTC"
    )
    assert headers == {
        "OK-ACCESS-KEY": "key",
        "OK-ACCESS-SIGN": "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=",
        "OK-ACCESS-TIMESTAMP": TS,
        "OK-ACCESS-PASSPHRASE": "phrase",
    }


def test_iso_timestamp_pads_milliseconds() -> None:
    ms = int(datetime(2024, 1, 2, 3, 4, 5, 7000, tzinfo=UTC).timestamp() * 1000)
    assert auth.iso_timestamp(ms) == "2024-01-02T03:04:05.007Z"
