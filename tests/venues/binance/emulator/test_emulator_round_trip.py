"""Place, list, fill, account, cancel — over raw HTTP, spot and USDⓈ-M."""

from __future__ import annotations

from decimal import Decimal

from .conftest import RawClient

D = Decimal


async def best(raw: RawClient, path: str, symbol: str) -> tuple[Decimal, Decimal]:
    book = (await raw.public(path, f"symbol={symbol}&limit=5")).body
    return D(book["bids"][0][0]), D(book["asks"][0][0])


def spot_totals(account: dict) -> dict[str, tuple[Decimal, Decimal]]:  # type: ignore[type-arg]
    return {b["asset"]: (D(b["free"]), D(b["locked"])) for b in account["balances"]}


async def test_spot_limit_order_rests_fills_and_moves_balances_exactly(raw: RawClient) -> None:
    bid, _ = await best(raw, "/api/v3/depth", "BTCUSDT")
    price = (bid * D("0.995")).quantize(D("0.01"))
    before = spot_totals((await raw.signed("GET", "/api/v3/account")).body)

    placed = await raw.signed(
        "POST",
        "/api/v3/order",
        [
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.02"),
            ("price", str(price)),
            ("newClientOrderId", "rt-1"),
        ],
    )
    assert placed.status == 200, placed.body
    order = placed.body
    assert (order["status"], order["clientOrderId"], order["fills"]) == ("NEW", "rt-1", [])
    assert isinstance(order["orderId"], int) and D(order["price"]) == price

    listed = (await raw.signed("GET", "/api/v3/openOrders", [("symbol", "BTCUSDT")])).body
    assert [o["orderId"] for o in listed] == [order["orderId"]]
    resting = spot_totals((await raw.signed("GET", "/api/v3/account")).body)
    assert resting["USDT"][1] - before["USDT"][1] == price * D("0.02")

    raw.emu.move_to("spot", "BTCUSDT", price * D("0.99"))

    ref = [("symbol", "BTCUSDT"), ("orderId", str(order["orderId"]))]
    filled = (await raw.signed("GET", "/api/v3/order", ref)).body
    assert filled["status"] == "FILLED" and D(filled["executedQty"]) == D("0.02")
    assert D(filled["cummulativeQuoteQty"]) == price * D("0.02")
    trades = (await raw.signed("GET", "/api/v3/myTrades", ref)).body
    assert sum(D(t["qty"]) for t in trades) == D("0.02")
    assert all(t["isMaker"] and t["isBuyer"] and D(t["price"]) == price for t in trades)
    assert {t["commissionAsset"] for t in trades} == {"BTC"}
    fee = sum(D(t["commission"]) for t in trades)
    assert fee == D("0.02") * D("0.001")  # maker fee, taken from the BTC received

    after = spot_totals((await raw.signed("GET", "/api/v3/account")).body)
    assert sum(after["BTC"]) - sum(before["BTC"]) == D("0.02") - fee
    assert sum(before["USDT"]) - sum(after["USDT"]) == price * D("0.02")
    assert after["USDT"][1] == before["USDT"][1]

    cancel = await raw.signed("DELETE", "/api/v3/order", ref)
    assert (cancel.status, cancel.body) == (400, {"code": -2011, "msg": "Unknown order sent."})
    missing = await raw.signed(
        "GET", "/api/v3/order", [("symbol", "BTCUSDT"), ("orderId", "99999999")]
    )
    assert missing.body == {"code": -2013, "msg": "Order does not exist."}
    history = (await raw.signed("GET", "/api/v3/allOrders", [("symbol", "BTCUSDT")])).body
    assert [(o["clientOrderId"], o["status"]) for o in history] == [("rt-1", "FILLED")]


async def test_spot_cancel_returns_the_original_and_new_client_ids(raw: RawClient) -> None:
    bid, _ = await best(raw, "/api/v3/depth", "ETHUSDT")
    price = str((bid * D("0.9")).quantize(D("0.01")))
    base = [
        ("symbol", "ETHUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.01"),
    ]
    await raw.signed(
        "POST", "/api/v3/order", [*base, ("price", price), ("newClientOrderId", "keep-me")]
    )
    done = await raw.signed(
        "DELETE",
        "/api/v3/order",
        [
            ("symbol", "ETHUSDT"),
            ("origClientOrderId", "keep-me"),
            ("newClientOrderId", "bye"),
        ],
    )
    assert done.body["status"] == "CANCELED"
    assert (done.body["origClientOrderId"], done.body["clientOrderId"]) == ("keep-me", "bye")
    again = await raw.signed(
        "DELETE", "/api/v3/order", [("symbol", "ETHUSDT"), ("origClientOrderId", "keep-me")]
    )
    assert again.body["code"] == -2011
    # cancel-all on a symbol with nothing open is an unknown order too
    for _ in range(2):
        await raw.signed("POST", "/api/v3/order", [*base, ("price", price)])
    cancelled = await raw.signed("DELETE", "/api/v3/openOrders", [("symbol", "ETHUSDT")])
    assert [o["status"] for o in cancelled.body] == ["CANCELED", "CANCELED"]
    empty = await raw.signed("DELETE", "/api/v3/openOrders", [("symbol", "ETHUSDT")])
    assert empty.body["code"] == -2011


async def test_spot_response_types(raw: RawClient) -> None:
    bid, ask = await best(raw, "/api/v3/depth", "BTCUSDT")
    limit = [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.001"),
        ("price", str(bid - D("100"))),
    ]
    ack = (await raw.signed("POST", "/api/v3/order", [*limit, ("newOrderRespType", "ACK")])).body
    assert list(ack) == ["symbol", "orderId", "orderListId", "clientOrderId", "transactTime"]
    result = (
        await raw.signed("POST", "/api/v3/order", [*limit, ("newOrderRespType", "RESULT")])
    ).body
    assert "fills" not in result and result["cummulativeQuoteQty"] == "0.00000000"
    market = (
        await raw.signed(
            "POST",
            "/api/v3/order",
            [
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quantity", "0.001"),
            ],
        )
    ).body
    assert market["status"] == "FILLED" and market["fills"][0]["price"] == f"{ask:.8f}"
    assert set(market["fills"][0]) == {"price", "qty", "commission", "commissionAsset", "tradeId"}
    by_quote = (
        await raw.signed(
            "POST",
            "/api/v3/order",
            [
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quoteOrderQty", "100"),
            ],
        )
    ).body
    assert D(by_quote["origQuoteOrderQty"]) == 100 and D(by_quote["cummulativeQuoteQty"]) <= 100
    maker = await raw.signed(
        "POST",
        "/api/v3/order",
        [
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT_MAKER"),
            ("quantity", "0.001"),
            ("price", str(ask)),
        ],
    )
    assert maker.body == {"code": -2010, "msg": "Order would immediately match and take."}


async def test_futures_position_round_trip(raw: RawClient) -> None:
    lev = await raw.signed("POST", "/fapi/v1/leverage", [("symbol", "ETHUSDT"), ("leverage", "10")])
    assert lev.body == {
        "leverage": 10,
        "maxNotionalValue": lev.body["maxNotionalValue"],
        "symbol": "ETHUSDT",
    }
    bid, _ = await best(raw, "/fapi/v1/depth", "ETHUSDT")
    placed = (
        await raw.signed(
            "POST",
            "/fapi/v1/order",
            [
                ("symbol", "ETHUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.5"),
                ("price", str(bid)),
                ("newOrderRespType", "RESULT"),
            ],
        )
    ).body
    assert placed["status"] == "NEW" and placed["positionSide"] == "BOTH"
    open_one = await raw.signed(
        "GET", "/fapi/v1/openOrder", [("symbol", "ETHUSDT"), ("orderId", str(placed["orderId"]))]
    )
    assert open_one.body["status"] == "NEW"

    raw.emu.move_to("futures", "ETHUSDT", bid * D("0.99"))

    done = (
        await raw.signed(
            "GET", "/fapi/v1/order", [("symbol", "ETHUSDT"), ("orderId", str(placed["orderId"]))]
        )
    ).body
    assert done["status"] == "FILLED" and D(done["avgPrice"]) == bid
    risk = (await raw.signed("GET", "/fapi/v2/positionRisk", [("symbol", "ETHUSDT")])).body
    assert len(risk) == 1
    assert (D(risk[0]["positionAmt"]), D(risk[0]["entryPrice"]), risk[0]["leverage"]) == (
        D("0.5"),
        bid,
        "10",
    )
    v3 = (await raw.signed("GET", "/fapi/v3/positionRisk")).body
    assert [(p["symbol"], D(p["positionAmt"])) for p in v3] == [("ETHUSDT", D("0.5"))]

    closed = (
        await raw.signed(
            "POST",
            "/fapi/v1/order",
            [
                ("symbol", "ETHUSDT"),
                ("side", "SELL"),
                ("type", "MARKET"),
                ("quantity", "0.5"),
                ("reduceOnly", "true"),
                ("newOrderRespType", "RESULT"),
            ],
        )
    ).body
    assert closed["status"] == "FILLED" and closed["reduceOnly"] is True
    assert (await raw.signed("GET", "/fapi/v3/positionRisk")).body == []

    trades = (await raw.signed("GET", "/fapi/v1/userTrades", [("symbol", "ETHUSDT")])).body
    pnl = sum(D(t["realizedPnl"]) for t in trades)
    fees = sum(D(t["commission"]) for t in trades)
    assert pnl == (D(closed["avgPrice"]) - bid) * D("0.5")
    opening = [t for t in trades if t["orderId"] == placed["orderId"]]
    assert all(t["maker"] and t["buyer"] for t in opening)
    assert sum(D(t["commission"]) for t in opening) == bid * D("0.5") * D("0.0002")
    (usdt,) = (await raw.signed("GET", "/fapi/v2/balance")).body
    assert D(usdt["balance"]) == 100000 + pnl - fees

    cancel = await raw.signed(
        "DELETE", "/fapi/v1/order", [("symbol", "ETHUSDT"), ("orderId", str(placed["orderId"]))]
    )
    assert cancel.body == {"code": -2011, "msg": "Unknown order sent."}
    account = (await raw.signed("GET", "/fapi/v2/account")).body
    assert D(account["totalWalletBalance"]) == D(usdt["balance"])
    assert {p["symbol"] for p in account["positions"]} == {"BTCUSDT", "ETHUSDT", "DOGEUSDT"}


async def test_futures_ack_is_the_order_before_matching(raw: RawClient) -> None:
    order = [("symbol", "ETHUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.01")]
    ack = (await raw.signed("POST", "/fapi/v1/order", order)).body
    assert (ack["status"], ack["executedQty"]) == ("NEW", "0")
    result = (
        await raw.signed("POST", "/fapi/v1/order", [*order, ("newOrderRespType", "RESULT")])
    ).body
    assert (result["status"], D(result["executedQty"])) == ("FILLED", D("0.01"))
    query = (
        await raw.signed(
            "GET", "/fapi/v1/order", [("symbol", "ETHUSDT"), ("orderId", str(ack["orderId"]))]
        )
    ).body
    assert query["status"] == "FILLED"


async def test_futures_hedge_mode_legs(raw: RawClient) -> None:
    switched = await raw.signed(
        "POST", "/fapi/v1/positionSide/dual", [("dualSidePosition", "true")]
    )
    assert switched.body == {"code": 200, "msg": "success"}
    mode = await raw.signed("GET", "/fapi/v1/positionSide/dual")
    assert mode.body == {"dualSidePosition": True}
    base = [
        ("symbol", "ETHUSDT"),
        ("type", "MARKET"),
        ("quantity", "0.2"),
        ("newOrderRespType", "RESULT"),
    ]
    long_leg = await raw.signed(
        "POST", "/fapi/v1/order", [*base, ("side", "BUY"), ("positionSide", "LONG")]
    )
    short_leg = await raw.signed(
        "POST", "/fapi/v1/order", [*base, ("side", "SELL"), ("positionSide", "SHORT")]
    )
    assert long_leg.body["status"] == short_leg.body["status"] == "FILLED"
    legs = (await raw.signed("GET", "/fapi/v2/positionRisk", [("symbol", "ETHUSDT")])).body
    assert {(p["positionSide"], D(p["positionAmt"])) for p in legs} == {
        ("LONG", D("0.2")),
        ("SHORT", D("-0.2")),
    }
    locked = await raw.signed("POST", "/fapi/v1/positionSide/dual", [("dualSidePosition", "false")])
    assert locked.body["code"] == -4068
    same = await raw.signed("POST", "/fapi/v1/positionSide/dual", [("dualSidePosition", "true")])
    assert same.body == {"code": -4059, "msg": "No need to change position side."}
