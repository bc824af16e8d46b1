"""Batch place, amend and cancel: one row per item, its outcome in retExtInfo."""

from __future__ import annotations

from decimal import Decimal

from tradeport.venues.bybit.emulator import BybitEmulator

from .conftest import RawClient, touch


async def test_a_batch_answers_each_item_in_place(emu: BybitEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, "linear", "BTCUSDT")
    good = {"symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit", "qty": "0.01"}
    request = [
        {**good, "price": str(bid - 100), "orderLinkId": "b1"},
        {**good, "price": str(bid - 100), "qty": "0.0001"},  # finer than qtyStep
        {**good, "price": str(bid - 200), "orderLinkId": "b2"},
    ]
    placed = await raw.post("/v5/order/create-batch", category="linear", request=request)
    rows, outcomes = placed.result["list"], placed.body["retExtInfo"]["list"]
    assert [o["code"] for o in outcomes] == [0, 10001, 0]
    assert [r["orderLinkId"] for r in rows] == ["b1", "", "b2"]
    assert rows[1]["orderId"] == "" and rows[0]["createAt"] != ""
    amended = await raw.post(
        "/v5/order/amend-batch",
        category="linear",
        request=[{"symbol": "BTCUSDT", "orderLinkId": "b1", "price": str(bid - 150)}],
    )
    assert amended.body["retExtInfo"]["list"] == [{"code": 0, "msg": "OK"}]
    account = emu.keys.refs[0].engine_id
    prices = sorted(o.price for o in emu.linear.open_orders(account, "BTCUSDT"))
    assert prices == [bid - 200, bid - Decimal(150)]
    cancelled = await raw.post(
        "/v5/order/cancel-batch",
        category="linear",
        request=[{"symbol": "BTCUSDT", "orderLinkId": link} for link in ("b1", "b2", "nope")],
    )
    assert [o["code"] for o in cancelled.body["retExtInfo"]["list"]] == [0, 0, 110001]
    assert emu.linear.open_orders(account, "BTCUSDT") == []
