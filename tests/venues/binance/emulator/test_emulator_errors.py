"""Filters, parameter checks and engine refusals answer with Binance's codes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeport.emulator.engine import OrderRequest
from tradeport.emulator.market import MM_ACCOUNT

from .conftest import RawClient

SPOT_LIMIT = [("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC")]
FUT_LIMIT = [("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC")]


async def error(raw: RawClient, method: str, path: str, pairs: list[tuple[str, str]]) -> dict:  # type: ignore[type-arg]
    reply = await raw.signed(method, path, pairs)
    assert reply.status == 400, reply.body
    return reply.body  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("extra", "code", "msg"),
    [
        ([("quantity", "0.001"), ("price", "50000.005")], -1013, "Filter failure: PRICE_FILTER"),
        ([("quantity", "0.000015"), ("price", "50000")], -1013, "Filter failure: LOT_SIZE"),
        ([("quantity", "0.00001"), ("price", "50000")], -1013, "Filter failure: NOTIONAL"),
        (
            [("quantity", "0.000000001"), ("price", "50000")],
            -1111,
            "Precision is over the maximum defined for this asset.",
        ),
        (
            [("quantity", "1e-3"), ("price", "50000")],
            -1100,
            "Illegal characters found in parameter 'quantity'; legal range is "
            "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
        ),
        (
            [("price", "50000")],
            -1102,
            "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.",
        ),
        (
            [("quantity", "0.001"), ("price", "50000"), ("icebergQty", "0.0005")],
            -1106,
            "Parameter 'icebergQty' sent when not required.",
        ),
        (
            [("quantity", "0.001"), ("price", "50000"), ("colour", "red")],
            -1104,
            "Not all sent parameters were read; read '8' parameter(s) but was sent '9'.",
        ),
        (
            [("quantity", "0.001"), ("price", "50000"), ("newClientOrderId", "has space")],
            -1100,
            "Illegal characters found in parameter 'newClientOrderId'; legal range is "
            "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
        ),
    ],
)
async def test_spot_limit_order_checks(
    raw: RawClient, extra: list[tuple[str, str]], code: int, msg: str
) -> None:
    body = await error(raw, "POST", "/api/v3/order", [*SPOT_LIMIT, *extra])
    assert body == {"code": code, "msg": msg}


async def test_spot_market_order_checks(raw: RawClient) -> None:
    market = [("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "MARKET")]
    assert (await error(raw, "POST", "/api/v3/order", [*market, ("quantity", "121")]))[
        "msg"
    ] == "Filter failure: MARKET_LOT_SIZE"
    tif = await error(
        raw, "POST", "/api/v3/order", [*market, ("quantity", "0.001"), ("timeInForce", "GTC")]
    )
    assert tif == {"code": -1106, "msg": "Parameter 'timeInForce' sent when not required."}
    both = await error(
        raw, "POST", "/api/v3/order", [*market, ("quantity", "0.001"), ("quoteOrderQty", "10")]
    )
    assert both["code"] == -1128
    neither = await error(raw, "POST", "/api/v3/order", market)
    assert neither["code"] == -1102
    small = await error(raw, "POST", "/api/v3/order", [*market, ("quoteOrderQty", "1")])
    assert small["msg"] == "Filter failure: NOTIONAL"
    stop = await error(
        raw, "POST", "/api/v3/order", [*market[:2], ("type", "STOP_LOSS"), ("quantity", "0.001")]
    )
    assert stop["code"] == -1014
    wrong_type = await error(
        raw, "POST", "/api/v3/order", [*market[:2], ("type", "SOMETHING"), ("quantity", "0.001")]
    )
    assert wrong_type == {"code": -1116, "msg": "Invalid orderType."}


async def test_spot_engine_refusals(raw: RawClient) -> None:
    broke = await error(
        raw, "POST", "/api/v3/order", [*SPOT_LIMIT, ("quantity", "100"), ("price", "50000")]
    )
    assert broke == {"code": -2010, "msg": "Account has insufficient balance for requested action."}
    order = [*SPOT_LIMIT, ("quantity", "0.001"), ("price", "50000"), ("newClientOrderId", "d-1")]
    assert (await raw.signed("POST", "/api/v3/order", order)).status == 200
    dup = await error(raw, "POST", "/api/v3/order", order)
    assert dup == {"code": -2010, "msg": "Duplicate order sent."}


async def test_unknown_symbol_and_path(raw: RawClient) -> None:
    nope = await raw.public("/api/v3/depth", "symbol=NOPEUSDT")
    assert (nope.status, nope.body) == (400, {"code": -1121, "msg": "Invalid symbol."})
    missing = await raw.public("/fapi/v1/depth")
    assert missing.body["code"] == -1102
    path = await raw.public("/api/v3/nowhere")
    assert path.status == 404 and path.body["code"] == -5000
    wrong_method = await raw.send("PUT", "/fapi/v1/allOrders")
    assert wrong_method.status == 404
    bad_interval = await raw.public("/api/v3/klines", "symbol=BTCUSDT&interval=7m")
    assert bad_interval.body == {"code": -1120, "msg": "Invalid interval."}


@pytest.mark.parametrize(
    ("pairs", "code", "msg"),
    [
        (
            [*FUT_LIMIT, ("quantity", "0.01"), ("price", "50000.05")],
            -4014,
            "Price not increased by tick size.",
        ),
        (
            [*FUT_LIMIT, ("quantity", "0.0105"), ("price", "50000")],
            -1111,
            "Precision is over the maximum defined for this asset.",
        ),
        (
            [*FUT_LIMIT, ("quantity", "0.0005"), ("price", "50000")],
            -1111,
            "Precision is over the maximum defined for this asset.",
        ),
        (
            [*FUT_LIMIT, ("quantity", "0"), ("price", "50000")],
            -4003,
            "Quantity less than or equal to zero.",
        ),
        (
            [*FUT_LIMIT, ("quantity", "0.001"), ("price", "50000")],
            -4164,
            "Order's notional must be no smaller than 100.0 (unless you choose reduce only).",
        ),
        ([*FUT_LIMIT, ("quantity", "0.01"), ("price", "100")], -4013, "Price less than min price."),
        (
            [*FUT_LIMIT, ("quantity", "0.01"), ("price", "50000"), ("newClientOrderId", "x" * 37)],
            -4015,
            "Client order id is not valid.",
        ),
        (
            [
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "STOP_MARKET"),
                ("quantity", "0.01"),
                ("stopPrice", "70000"),
            ],
            -4120,
            "Order type not supported for this endpoint. Please use the Algo Order API endpoints "
            "instead.",
        ),
    ],
)
async def test_futures_order_checks(
    raw: RawClient, pairs: list[tuple[str, str]], code: int, msg: str
) -> None:
    assert await error(raw, "POST", "/fapi/v1/order", pairs) == {"code": code, "msg": msg}


async def test_futures_step_and_min_qty_use_their_own_codes(raw: RawClient) -> None:
    doge = [
        ("symbol", "DOGEUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("price", "0.09"),
    ]
    # DOGEUSDT: quantityPrecision 0, step 1, min 1; ETHUSDT min qty 0.001
    assert (await error(raw, "POST", "/fapi/v1/order", [*doge, ("quantity", "0")]))["code"] == -4003
    eth = [
        ("symbol", "ETHUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("price", "3000"),
    ]
    below = await error(raw, "POST", "/fapi/v1/order", [*eth, ("quantity", "0.0001")])
    assert below["code"] == -1111  # more decimals than quantityPrecision 3
    assert raw.emu.futures.instruments["ETHUSDT"].min_qty == Decimal("0.001")


async def test_futures_engine_refusals(raw: RawClient) -> None:
    ask, _ = (await raw.public("/fapi/v1/depth", "symbol=ETHUSDT&limit=5")).body["asks"][0]
    gtx = await error(
        raw,
        "POST",
        "/fapi/v1/order",
        [
            ("symbol", "ETHUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTX"),
            ("quantity", "0.01"),
            ("price", ask),
        ],
    )
    assert gtx["code"] == -5022
    reduce = await error(
        raw,
        "POST",
        "/fapi/v1/order",
        [
            ("symbol", "ETHUSDT"),
            ("side", "SELL"),
            ("type", "MARKET"),
            ("quantity", "0.01"),
            ("reduceOnly", "true"),
        ],
    )
    assert reduce == {"code": -2022, "msg": "ReduceOnly Order is rejected."}
    # reduce-only is exempt from the minimum notional, so this reaches the engine too
    tiny = await error(
        raw,
        "POST",
        "/fapi/v1/order",
        [
            ("symbol", "BTCUSDT"),
            ("side", "SELL"),
            ("type", "MARKET"),
            ("quantity", "0.001"),
            ("reduceOnly", "true"),
        ],
    )
    assert tiny["code"] == -2022
    await raw.signed("POST", "/fapi/v1/leverage", [("symbol", "ETHUSDT"), ("leverage", "1")])
    margin = await error(
        raw,
        "POST",
        "/fapi/v1/order",
        [
            ("symbol", "ETHUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "500"),
        ],
    )
    assert margin == {"code": -2019, "msg": "Margin is insufficient."}
    order = [
        ("symbol", "ETHUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.01"),
        ("price", "3000"),
        ("newClientOrderId", "x-ccxt-like.id:1"),
    ]
    assert (await raw.signed("POST", "/fapi/v1/order", order)).status == 200
    assert (await error(raw, "POST", "/fapi/v1/order", order))["code"] == -4116


async def test_futures_market_order_outside_the_band_is_refused(raw: RawClient) -> None:
    """PERCENT_PRICE on a MARKET order: the counterparty's best price is checked against
    the mark's band (-4131). The house quotes 3000 / 3600 (mid 3300, buys up to 3465,
    sells down to 3135), so both touches are outside."""
    engine = raw.emu.futures
    engine.cancel_all(MM_ACCOUNT, "ETHUSDT")
    engine.place(MM_ACCOUNT, OrderRequest("ETHUSDT", "BUY", "LIMIT", Decimal(5), Decimal(3000)))
    engine.place(MM_ACCOUNT, OrderRequest("ETHUSDT", "SELL", "LIMIT", Decimal(5), Decimal(3600)))
    for side in ("BUY", "SELL"):
        refused = await error(
            raw,
            "POST",
            "/fapi/v1/order",
            [("symbol", "ETHUSDT"), ("side", side), ("type", "MARKET"), ("quantity", "0.01")],
        )
        assert refused == {
            "code": -4131,
            "msg": "The counterparty's best price does not meet the PERCENT_PRICE filter limit.",
        }
    trades = await raw.signed("GET", "/fapi/v1/userTrades", [("symbol", "ETHUSDT")])
    assert trades.body == []


async def test_futures_settings_errors(raw: RawClient) -> None:
    bad = await error(
        raw, "POST", "/fapi/v1/leverage", [("symbol", "ETHUSDT"), ("leverage", "101")]
    )
    assert bad["code"] == -4028
    same = await error(
        raw, "POST", "/fapi/v1/marginType", [("symbol", "ETHUSDT"), ("marginType", "CROSSED")]
    )
    assert same == {"code": -4046, "msg": "No need to change margin type."}
    changed = await raw.signed(
        "POST", "/fapi/v1/marginType", [("symbol", "ETHUSDT"), ("marginType", "ISOLATED")]
    )
    assert changed.body == {"code": 200, "msg": "success"}
    risk = (await raw.signed("GET", "/fapi/v2/positionRisk", [("symbol", "ETHUSDT")])).body
    assert risk[0]["marginType"] == "isolated"
    # a 1 BTC position (about 65,000 USDT) is above the 50,000 cap of the 125x bracket
    await raw.signed(
        "POST",
        "/fapi/v1/order",
        [
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "1"),
        ],
    )
    capped = await error(
        raw, "POST", "/fapi/v1/leverage", [("symbol", "BTCUSDT"), ("leverage", "125")]
    )
    assert capped["code"] == -2027
    fine = await raw.signed(
        "POST", "/fapi/v1/leverage", [("symbol", "BTCUSDT"), ("leverage", "50")]
    )
    assert fine.body == {"leverage": 50, "maxNotionalValue": "12000000", "symbol": "BTCUSDT"}


async def test_hedge_mode_position_side_rules(raw: RawClient) -> None:
    market = [("symbol", "ETHUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.01")]
    one_way = await error(raw, "POST", "/fapi/v1/order", [*market, ("positionSide", "LONG")])
    assert one_way["code"] == -4061
    await raw.signed("POST", "/fapi/v1/positionSide/dual", [("dualSidePosition", "true")])
    missing_leg = await error(raw, "POST", "/fapi/v1/order", market)
    assert missing_leg == {
        "code": -4061,
        "msg": "Order's position side does not match user's setting.",
    }
    reduce = await error(
        raw, "POST", "/fapi/v1/order", [*market, ("positionSide", "LONG"), ("reduceOnly", "true")]
    )
    assert reduce == {"code": -1106, "msg": "Parameter 'reduceonly' sent when not required."}
