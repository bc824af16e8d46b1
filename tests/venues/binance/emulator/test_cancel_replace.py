"""Spot cancel-replace: both halves done, or the documented failure shapes."""

from __future__ import annotations

from tradeport.venues.binance.emulator import BinanceEmulator

from .conftest import RawClient

PATH = "/api/v3/order/cancelReplace"


def order_pairs(price: str) -> list[tuple[str, str]]:
    return [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.001"),
        ("price", price),
    ]


async def test_cancel_replace_swaps_the_order(emu: BinanceEmulator, raw: RawClient) -> None:
    first = await raw.signed("POST", "/api/v3/order", order_pairs("60000"))
    assert first.status == 200
    reply = await raw.signed(
        "POST",
        PATH,
        [
            *order_pairs("59000"),
            ("cancelReplaceMode", "STOP_ON_FAILURE"),
            ("cancelOrderId", str(first.body["orderId"])),
        ],
    )
    assert reply.status == 200, reply.body
    assert (reply.body["cancelResult"], reply.body["newOrderResult"]) == ("SUCCESS", "SUCCESS")
    assert reply.body["cancelResponse"]["status"] == "CANCELED"
    account = emu.keys.refs[0].engine_id
    (resting,) = emu.spot.open_orders(account, "BTCUSDT")
    assert str(resting.price) == "59000"


async def test_a_failed_cancel_stops_the_replace(emu: BinanceEmulator, raw: RawClient) -> None:
    pairs = [*order_pairs("59000"), ("cancelOrderId", "999999")]
    stopped = await raw.signed("POST", PATH, [*pairs, ("cancelReplaceMode", "STOP_ON_FAILURE")])
    assert (stopped.status, stopped.body["code"]) == (400, -2022)
    assert stopped.body["data"]["newOrderResult"] == "NOT_ATTEMPTED"
    assert stopped.body["data"]["cancelResponse"]["code"] == -2011
    allowed = await raw.signed("POST", PATH, [*pairs, ("cancelReplaceMode", "ALLOW_FAILURE")])
    assert (allowed.status, allowed.body["code"]) == (400, -2021)
    assert allowed.body["data"]["newOrderResult"] == "SUCCESS"
    assert len(emu.spot.open_orders(emu.keys.refs[0].engine_id, "BTCUSDT")) == 1
