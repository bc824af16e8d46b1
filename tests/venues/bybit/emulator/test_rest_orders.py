"""Order entry and order queries against the engine: acks, ids, statuses, fills, the
wallet and positions they change, and Bybit's refusal codes (PROTOCOLS.md §4.3, §4.7)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tradeport.venues.bybit.emulator import BybitEmulator, trading

from .conftest import RawClient, touch

D = Decimal
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def test_create_answers_ids_only_in_each_categorys_id_format(
    emu: BybitEmulator, raw: RawClient
) -> None:
    bid, _ = touch(emu, "linear", "BTCUSDT")
    linear = await raw.order("linear", "BTCUSDT", "Buy", "0.01", str(bid - 100), orderLinkId="a-1")
    assert set(linear.result) == {"orderId", "orderLinkId"}
    assert UUID.match(linear.result["orderId"]) and linear.result["orderLinkId"] == "a-1"
    bid, _ = touch(emu, "spot", "BTCUSDT")
    spot = await raw.order("spot", "BTCUSDT", "Buy", "0.001", str(bid - 100))
    assert re.fullmatch(r"[0-9]{19}", spot.result["orderId"]) and spot.result["orderLinkId"] == ""
    assert "X-Bapi-Limit" in spot.headers


async def test_a_resting_order_is_listed_open_with_its_documented_fields(
    emu: BybitEmulator, raw: RawClient
) -> None:
    bid, _ = touch(emu, "linear", "ETHUSDT")
    price = bid - D(5)
    created = (
        await raw.order("linear", "ETHUSDT", "Buy", "0.1", str(price), orderLinkId="r1")
    ).result
    result = (await raw.get("/v5/order/realtime", category="linear", symbol="ETHUSDT")).result
    assert result["category"] == "linear" and result["nextPageCursor"] == ""
    (row,) = result["list"]
    assert row["orderId"] == created["orderId"] and row["orderLinkId"] == "r1"
    assert (row["side"], row["orderType"], row["timeInForce"]) == ("Buy", "Limit", "GTC")
    assert (row["orderStatus"], row["positionIdx"], row["reduceOnly"]) == ("New", 0, False)
    assert D(row["price"]) == price and D(row["qty"]) == D("0.1")
    assert D(row["leavesQty"]) == D("0.1") and D(row["leavesValue"]) == price * D("0.1")
    assert (row["cumExecQty"], row["avgPrice"], row["cancelType"]) == ("0", "", "UNKNOWN")
    assert row["rejectReason"] == "EC_NoError" and row["createType"] == "CreateByUser"
    assert int(row["createdTime"]) <= int(row["updatedTime"])


async def test_linear_open_orders_need_a_scope(raw: RawClient) -> None:
    reply = await raw.get("/v5/order/realtime", category="linear")
    assert reply.code == 10001 and "symbol" in reply.body["retMsg"]
    assert (await raw.get("/v5/order/realtime", category="linear", settleCoin="USDT")).code == 0
    assert (await raw.get("/v5/order/realtime", category="spot")).code == 0


async def test_cancel_moves_the_order_to_the_closed_list(
    emu: BybitEmulator, raw: RawClient
) -> None:
    bid, _ = touch(emu, "spot", "ETHUSDT")
    created = (await raw.order("spot", "ETHUSDT", "Buy", "0.5", str(bid - 10))).result
    cancel = await raw.post(
        "/v5/order/cancel", category="spot", symbol="ETHUSDT", orderId=created["orderId"]
    )
    assert cancel.result == created
    open_now = (await raw.get("/v5/order/realtime", category="spot", symbol="ETHUSDT")).result
    assert open_now["list"] == []
    closed = (
        await raw.get("/v5/order/realtime", category="spot", symbol="ETHUSDT", openOnly=1)
    ).result["list"]
    assert [r["orderId"] for r in closed] == [created["orderId"]]
    assert (closed[0]["orderStatus"], closed[0]["cancelType"]) == ("Cancelled", "CancelByUser")
    again = await raw.post(
        "/v5/order/cancel", category="spot", symbol="ETHUSDT", orderId=created["orderId"]
    )
    assert again.code == 170213


async def test_cancel_by_order_link_id_and_not_found_codes(
    emu: BybitEmulator, raw: RawClient
) -> None:
    bid, _ = touch(emu, "linear", "BTCUSDT")
    await raw.order("linear", "BTCUSDT", "Buy", "0.01", str(bid - 50), orderLinkId="by-link")
    reply = await raw.post(
        "/v5/order/cancel", category="linear", symbol="BTCUSDT", orderLinkId="by-link"
    )
    assert reply.result["orderLinkId"] == "by-link"
    missing = await raw.post(
        "/v5/order/cancel", category="linear", symbol="BTCUSDT", orderLinkId="never-placed"
    )
    assert missing.code == 110001
    nameless = await raw.post("/v5/order/cancel", category="linear", symbol="BTCUSDT")
    assert nameless.code == 10001 and "orderId" in nameless.body["retMsg"]


async def test_an_order_link_id_is_unique_among_the_accounts_orders(
    emu: BybitEmulator, raw: RawClient
) -> None:
    bid, _ = touch(emu, "linear", "BTCUSDT")
    price = str(bid - 100)
    first = await raw.order("linear", "BTCUSDT", "Buy", "0.01", price, orderLinkId="dup")
    assert first.code == 0
    dup = await raw.order("linear", "BTCUSDT", "Buy", "0.01", price, orderLinkId="dup")
    assert (dup.code, dup.body["retMsg"]) == (110072, "OrderLinkedID is duplicate")
    await raw.post("/v5/order/cancel", category="linear", symbol="BTCUSDT", orderLinkId="dup")
    # still taken once the first order is closed
    assert (
        await raw.order("linear", "BTCUSDT", "Buy", "0.01", price, orderLinkId="dup")
    ).code == 110072
    # another account has its own ids
    other = raw.as_account(1)
    assert (
        await other.order("linear", "BTCUSDT", "Buy", "0.01", price, orderLinkId="dup")
    ).code == 0
    too_long = await raw.order("linear", "BTCUSDT", "Buy", "0.01", price, orderLinkId="x" * 37)
    assert too_long.code == 10001 and "orderLinkId" in too_long.body["retMsg"]


async def test_reduce_only_with_no_position_is_refused(emu: BybitEmulator, raw: RawClient) -> None:
    _, ask = touch(emu, "linear", "BTCUSDT")
    reply = await raw.order("linear", "BTCUSDT", "Sell", "0.01", str(ask + 100), reduceOnly=True)
    assert reply.code == 110017
    market = await raw.order("linear", "BTCUSDT", "Buy", "0.01", reduceOnly=True)
    assert market.code == 110017
    assert (await raw.get("/v5/order/realtime", category="linear", symbol="BTCUSDT")).result[
        "list"
    ] == []


async def test_a_resting_linear_order_filled_by_the_market_moves_wallet_and_position(
    emu: BybitEmulator, raw: RawClient
) -> None:
    start = await raw.coin("USDT")
    bid, _ = touch(emu, "linear", "BTCUSDT")
    price = bid - D(200)
    created = (await raw.order("linear", "BTCUSDT", "Buy", "0.02", str(price))).result
    emu.move_to("linear", "BTCUSDT", price - 100)
    order = await raw.order_state("linear", created["orderId"])
    fee = price * D("0.02") * D("0.0002")  # maker rate of linear
    assert order["orderStatus"] == "Filled" and D(order["cumExecQty"]) == D("0.02")
    assert D(order["avgPrice"]) == price and D(order["cumExecFee"]) == fee
    assert D(order["leavesQty"]) == 0
    after = await raw.coin("USDT")
    assert D(after["walletBalance"]) == D(start["walletBalance"]) - fee
    mark = emu.linear.mark_price("BTCUSDT")
    assert D(after["unrealisedPnl"]) == (mark - price) * D("0.02")
    (position,) = (await raw.get("/v5/position/list", category="linear", symbol="BTCUSDT")).result[
        "list"
    ]
    assert (position["side"], D(position["size"]), D(position["avgPrice"])) == (
        "Buy",
        D("0.02"),
        price,
    )
    assert D(position["cumRealisedPnl"]) == -fee and position["positionIdx"] == 0
    fills = (
        await raw.get("/v5/execution/list", category="linear", orderId=created["orderId"])
    ).result["list"]
    assert sum(D(f["execQty"]) for f in fills) == D("0.02")
    assert all(f["isMaker"] is True and D(f["feeRate"]) == D("0.0002") for f in fills)
    assert sum(D(f["execFee"]) for f in fills) == fee
    assert D(fills[-1]["leavesQty"]) == D("0.02") - D(fills[-1]["execQty"])
    assert D(fills[0]["leavesQty"]) == 0  # newest first: the last fill left nothing


async def test_a_resting_spot_buy_locks_quote_then_pays_its_fee_in_base(
    emu: BybitEmulator, raw: RawClient
) -> None:
    usdt, btc = await raw.coin("USDT"), await raw.coin("BTC")
    bid, _ = touch(emu, "spot", "BTCUSDT")
    price = bid - D(150)
    created = (await raw.order("spot", "BTCUSDT", "Buy", "0.01", str(price))).result
    locked = await raw.coin("USDT")
    assert D(locked["locked"]) == price * D("0.01")
    assert D(locked["walletBalance"]) == D(usdt["walletBalance"])
    emu.move_to("spot", "BTCUSDT", price - 50)
    order = await raw.order_state("spot", created["orderId"])
    assert order["orderStatus"] == "Filled" and D(order["cumExecValue"]) == price * D("0.01")
    fee = D("0.01") * D("0.001")  # spot buys pay the fee in the coin bought
    assert D(order["cumExecFee"]) == fee
    after_usdt, after_btc = await raw.coin("USDT"), await raw.coin("BTC")
    assert D(after_usdt["walletBalance"]) == D(usdt["walletBalance"]) - price * D("0.01")
    assert D(after_usdt["locked"]) == 0
    assert D(after_btc["walletBalance"]) == D(btc["walletBalance"]) + D("0.01") - fee
    (fill, *_) = (
        await raw.get("/v5/execution/list", category="spot", orderId=created["orderId"])
    ).result["list"]
    assert fill["feeCurrency"] == "BTC" and fill["isMaker"] is True


async def test_spot_market_buy_is_sized_in_quote_unless_told(
    emu: BybitEmulator, raw: RawClient
) -> None:
    by_value = (await raw.order("spot", "ETHUSDT", "Buy", "100")).result
    row = await raw.order_state("spot", by_value["orderId"])
    assert (row["marketUnit"], row["orderType"], row["timeInForce"]) == (
        "quoteCoin",
        "Market",
        "IOC",
    )
    assert D(row["qty"]) == 100 and D(row["cumExecValue"]) <= 100
    assert D(row["cumExecValue"]) > 99  # spent all but less than one step's worth
    by_qty = (await raw.order("spot", "ETHUSDT", "Buy", "0.02", marketUnit="baseCoin")).result
    row = await raw.order_state("spot", by_qty["orderId"])
    assert row["marketUnit"] == "baseCoin" and D(row["cumExecQty"]) == D("0.02")
    assert row["orderStatus"] == "Filled"


async def test_post_only_that_would_take_is_acked_then_cancelled(
    emu: BybitEmulator, raw: RawClient
) -> None:
    _, ask = touch(emu, "linear", "BTCUSDT")
    created = await raw.order("linear", "BTCUSDT", "Buy", "0.01", str(ask), timeInForce="PostOnly")
    row = await raw.order_state("linear", created.result["orderId"])
    assert (row["orderStatus"], row["rejectReason"]) == (
        "Cancelled",
        "EC_PostOnlyWillTakeLiquidity",
    )
    assert row["timeInForce"] == "PostOnly" and row["cumExecQty"] == "0"


async def test_fok_that_cannot_fill_is_cancelled_without_a_fill(
    emu: BybitEmulator, raw: RawClient
) -> None:
    _, ask = touch(emu, "linear", "ETHUSDT")
    created = await raw.order("linear", "ETHUSDT", "Buy", "100", str(ask), timeInForce="FOK")
    row = await raw.order_state("linear", created.result["orderId"])
    assert (row["orderStatus"], row["rejectReason"], row["cumExecQty"]) == (
        "Cancelled",
        "EC_CancelForNoFullFill",
        "0",
    )


async def test_amend_keeps_the_id_and_changes_price_and_qty(
    emu: BybitEmulator, raw: RawClient
) -> None:
    bid, _ = touch(emu, "linear", "ETHUSDT")
    created = (
        await raw.order("linear", "ETHUSDT", "Buy", "0.1", str(bid - 10), orderLinkId="am")
    ).result
    amended = await raw.post(
        "/v5/order/amend", category="linear", symbol="ETHUSDT", orderLinkId="am",
        qty="0.2", price=str(bid - 20),
    )  # fmt: skip
    assert amended.result == created
    row = await raw.order_state("linear", created["orderId"])
    assert (D(row["qty"]), D(row["price"]), row["orderStatus"]) == (D("0.2"), bid - 20, "New")
    view = emu.linear.depth("ETHUSDT", 1000)
    assert any(price == bid - 20 for price, _ in view.bids)
    nothing = await raw.post(
        "/v5/order/amend", category="linear", symbol="ETHUSDT", orderId=created["orderId"]
    )
    assert nothing.code == 10001


async def test_amend_across_the_book_trades_at_once(emu: BybitEmulator, raw: RawClient) -> None:
    bid, ask = touch(emu, "spot", "ETHUSDT")
    created = (await raw.order("spot", "ETHUSDT", "Buy", "0.01", str(bid - 10))).result
    await raw.post(
        "/v5/order/amend", category="spot", symbol="ETHUSDT", orderId=created["orderId"],
        price=str(ask),
    )  # fmt: skip
    row = await raw.order_state("spot", created["orderId"])
    assert row["orderStatus"] == "Filled" and D(row["avgPrice"]) == ask


async def test_cancel_all_lists_what_it_cancelled(emu: BybitEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, "linear", "ETHUSDT")
    ids = [
        (await raw.order("linear", "ETHUSDT", "Buy", "0.1", str(bid - n))).result["orderId"]
        for n in (10, 11)
    ]
    nothing = await raw.post("/v5/order/cancel-all", category="linear")
    assert nothing.code == 10001
    result = (await raw.post("/v5/order/cancel-all", category="linear", settleCoin="USDT")).result
    assert sorted(r["orderId"] for r in result["list"]) == sorted(ids) and result["success"] == "1"
    assert (await raw.get("/v5/order/realtime", category="linear", settleCoin="USDT")).result[
        "list"
    ] == []


async def test_history_lists_every_status_newest_first_and_pages(
    emu: BybitEmulator, raw: RawClient
) -> None:
    bid, _ = touch(emu, "spot", "DOGEUSDT")
    ids = []
    for n in range(3):
        created = await raw.order("spot", "DOGEUSDT", "Buy", "100", str(bid - D("0.001") * (n + 1)))
        ids.append(created.result["orderId"])
    await raw.post("/v5/order/cancel", category="spot", symbol="DOGEUSDT", orderId=ids[0])
    first = (await raw.get("/v5/order/history", category="spot", limit=2)).result
    assert [r["orderId"] for r in first["list"]] == [ids[2], ids[1]]
    rest = (
        await raw.get("/v5/order/history", category="spot", limit=2, cursor=first["nextPageCursor"])
    ).result
    assert [r["orderId"] for r in rest["list"]] == [ids[0]] and rest["nextPageCursor"] == ""
    cancelled = (
        await raw.get("/v5/order/history", category="spot", orderStatus="Cancelled")
    ).result
    assert [r["orderId"] for r in cancelled["list"]] == [ids[0]]


@pytest.mark.parametrize(
    ("category", "symbol", "qty", "price", "code"),
    [
        ("spot", "BTCUSDT", "0.000001", "60000", 170137),  # finer than basePrecision
        ("spot", "DOGEUSDT", "0", "0.1", 10001),
        ("spot", "ETHUSDT", "0.001", "3000", 170140),  # 3 USDT < minOrderAmt 5
        ("spot", "BTCUSDT", "0.001", "60000.001", 170134),  # finer than the tick
        ("spot", "BTCUSDT", "1000", "60000", 170131),  # 60 M USDT
        ("spot", "NOPEUSDT", "1", "1", 170121),
        ("linear", "BTCUSDT", "0.0001", "60000", 10001),  # finer than qtyStep
        ("linear", "BTCUSDT", "0.001", "4000", 110094),  # 4 USDT < minNotionalValue 5
        ("linear", "BTCUSDT", "0.01", "100", 110003),  # under minPrice
        ("linear", "BTCUSDT", "100", "60000", 110007),  # 6 M notional at 20x > 100k USDT
    ],
)
async def test_refusals_use_the_categorys_codes(
    raw: RawClient, category: str, symbol: str, qty: str, price: str, code: int
) -> None:
    reply = await raw.order(category, symbol, "Buy", qty, price)
    assert (reply.status, reply.code, reply.body["result"]) == (200, code, {})


async def test_unsupported_order_features_are_refused_by_name(raw: RawClient) -> None:
    reply = await raw.order("linear", "BTCUSDT", "Buy", "0.01", "60000", triggerPrice="61000")
    assert reply.code == 10001 and "triggerPrice" in reply.body["retMsg"]
    reply = await raw.order("linear", "BTCUSDT", "Buy", "0.01", "60000", timeInForce="GTD")
    assert reply.code == 10001 and "timeInForce" in reply.body["retMsg"]


async def test_numbers_are_accepted_as_json_numbers(emu: BybitEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, "linear", "ETHUSDT")
    reply = await raw.post(
        "/v5/order/create", category="linear", symbol="ETHUSDT", side="Buy", orderType="Limit",
        qty=0.1, price=float(bid - 10),
    )  # fmt: skip
    row = await raw.order_state("linear", reply.result["orderId"])
    assert D(row["qty"]) == D("0.1") and D(row["price"]) == bid - 10


async def test_amending_a_partly_filled_spot_buy_relocks_only_what_is_left(
    emu: BybitEmulator, raw: RawClient
) -> None:
    bid, ask = touch(emu, "spot", "BTCUSDT")
    price = bid + D("0.01")  # inside the spread: the best bid, first to meet a seller
    assert price < ask
    created = (await raw.order("spot", "BTCUSDT", "Buy", "0.02", str(price))).result
    seller = raw.as_account(1)
    assert (await seller.order("spot", "BTCUSDT", "Sell", "0.01", str(price))).code == 0
    row = await raw.order_state("spot", created["orderId"])
    assert (row["orderStatus"], D(row["leavesQty"])) == ("PartiallyFilled", D("0.01"))
    assert D((await raw.coin("USDT"))["locked"]) == price * D("0.01")
    lower = price - 10
    await raw.post(
        "/v5/order/amend", category="spot", symbol="BTCUSDT", orderId=created["orderId"],
        price=str(lower),
    )  # fmt: skip
    assert D((await raw.coin("USDT"))["locked"]) == lower * D("0.01")
    await raw.post(
        "/v5/order/amend", category="spot", symbol="BTCUSDT", orderId=created["orderId"],
        qty="0.03",
    )  # fmt: skip
    assert D((await raw.coin("USDT"))["locked"]) == lower * D("0.02")
    below_filled = await raw.post(
        "/v5/order/amend", category="spot", symbol="BTCUSDT", orderId=created["orderId"],
        qty="0.01",
    )  # fmt: skip
    assert below_filled.code == 110063
    row = await raw.order_state("spot", created["orderId"])
    assert (D(row["qty"]), D(row["cumExecQty"]), D(row["leavesQty"])) == (
        D("0.03"),
        D("0.01"),
        D("0.02"),
    )


async def test_order_link_ids_are_remembered_up_to_a_bound(
    emu: BybitEmulator, raw: RawClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trading, "LINK_IDS_KEPT", 2)  # a small bound, reached fast
    bid, _ = touch(emu, "linear", "BTCUSDT")
    price = str(bid - 100)
    for link_id in ("a1", "a2", "a3"):
        assert (
            await raw.order("linear", "BTCUSDT", "Buy", "0.01", price, orderLinkId=link_id)
        ).code == 0
        await raw.post("/v5/order/cancel", category="linear", symbol="BTCUSDT", orderLinkId=link_id)
    # the newest two are still refused; the oldest was forgotten
    again = await raw.order("linear", "BTCUSDT", "Buy", "0.01", price, orderLinkId="a3")
    assert again.code == 110072
    assert (await raw.order("linear", "BTCUSDT", "Buy", "0.01", price, orderLinkId="a1")).code == 0
