"""Binance signatures against the documented vectors B1–B8 (PROTOCOLS.md §8)."""

import pytest

from tradeport.venues.binance.auth import encode_params, sign, sign_ws_params, signed_query

SPOT_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
SPOT_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
FUT_SECRET = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"


@pytest.mark.parametrize(
    ("secret", "payload", "expected"),
    [
        pytest.param(
            SPOT_SECRET,
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
            "&recvWindow=5000&timestamp=1499827319559",
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
            id="B1",
        ),
        pytest.param(
            SPOT_SECRET,
            "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
            "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3",
            id="B2",
        ),
        pytest.param(
            SPOT_SECRET,
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
            + "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
            "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77",
            id="B3-query-plus-body-no-separator",
        ),
        pytest.param(
            FUT_SECRET,
            "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
            "&recvWindow=5000&timestamp=1591702613943",
            "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9",
            id="B7",
        ),
        pytest.param(
            FUT_SECRET,
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
            + "quantity=1&price=9000&recvWindow=5000&timestamp= 1591702613943",
            "f9d0ae5e813ef6ccf15c2b5a434047a0181cb5a342b903b367ca6d27a66e36f2",
            id="B8-with-the-docs-stray-space",
        ),
        pytest.param(
            FUT_SECRET,
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
            + "quantity=1&price=9000&recvWindow=5000&timestamp=1591702613943",
            "30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4",
            id="B8-prime-without-the-space",
        ),
    ],
)
def test_rest_hmac_matches_documented_vector(secret: str, payload: str, expected: str) -> None:
    assert sign(secret, payload) == expected


def test_non_ascii_values_are_percent_encoded_before_signing() -> None:
    params = [
        ("symbol", "１２３４５６"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "1"),
        ("price", "0.1"),
        ("recvWindow", "5000"),
        ("timestamp", "1499827319559"),
    ]
    assert encode_params(params).startswith("symbol=%EF%BC%91%EF%BC%92")
    query = signed_query(SPOT_SECRET, params)
    assert query.endswith(
        "&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            {
                "symbol": "BTCUSDT",
                "side": "SELL",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": "0.01000000",
                "price": "52000.00",
                "recvWindow": "100",
                "timestamp": "1645423376532",
                "apiKey": SPOT_KEY,
            },
            "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24",
            id="B4",
        ),
        pytest.param(
            {
                "symbol": "１２３４５６",
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": "1.00000000",
                "price": "0.10000000",
                "recvWindow": "5000",
                "timestamp": "1645423376532",
                "apiKey": SPOT_KEY,
            },
            "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd",
            id="B5-raw-utf8",
        ),
        pytest.param(
            {"apiKey": SPOT_KEY, "timestamp": "1649729878532", "signature": "ignored"},
            "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed",
            id="B6-signature-param-excluded",
        ),
    ],
)
def test_ws_api_signature_sorts_params(params: dict[str, str], expected: str) -> None:
    assert sign_ws_params(SPOT_SECRET, params) == expected
