"""binance-connector (Binance's own spot connector) against the Binance emulator: market
data, place / query / cancel-replace / cancel, account and trades, a far-from-market
order refused with the live code, self-trade prevention as spot applies it by default,
and its WebSocket stream client.

The connector takes `base_url` and `stream_url` as constructor arguments, its documented
way to choose a host, so no override is needed. It installs into the same `binance`
package as python-binance and as binance-futures-connector, with files of the same
names that differ, so it lives in its own environment (the `binance-connector` extra);
this module is skipped where it is not installed. Its REST calls block (requests) and
run in worker threads; its WebSocket client runs its own thread. Spot has no batch order
endpoint, and the connector's user data stream needs the listen key endpoints Binance
removed on 2026-02-20 (PROTOCOLS.md §1.4), so neither is exercised."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from tradeport.venues.binance.emulator import BinanceEmulator

spot = pytest.importorskip("binance.spot")
stream = pytest.importorskip("binance.websocket.spot.websocket_stream")
from binance.error import ClientError  # noqa: E402

WAIT = 10.0
TICK = Decimal("0.01")


@pytest.fixture
async def connector() -> AsyncIterator[tuple[BinanceEmulator, Any]]:
    async with BinanceEmulator(step_interval=None, seed=11) as emu:
        key, secret = emu.credentials(0)
        yield emu, spot.Spot(api_key=key, api_secret=secret, base_url=emu.base_url.rstrip("/"))


async def best(sdk: Any, side: str) -> Decimal:
    book = await asyncio.to_thread(sdk.depth, symbol="BTCUSDT", limit=1)
    return Decimal(book[side][0][0])


def at(price: Decimal, multiple: str) -> str:
    return str((price * Decimal(multiple)).quantize(TICK))


async def test_market_data(connector: tuple[BinanceEmulator, Any]) -> None:
    _emu, sdk = connector
    ticker = await asyncio.to_thread(sdk.book_ticker, symbol="BTCUSDT")
    assert Decimal(ticker["bidPrice"]) == await best(sdk, "bids")
    assert len(await asyncio.to_thread(sdk.agg_trades, symbol="BTCUSDT", limit=3)) == 3
    older = await asyncio.to_thread(sdk.historical_trades, symbol="BTCUSDT", limit=2)
    assert len(older) == 2
    assert set(older[0]) >= {"id", "price", "qty", "quoteQty", "isBuyerMaker"}
    bars = await asyncio.to_thread(sdk.klines, symbol="BTCUSDT", interval="1m", limit=2)
    assert await asyncio.to_thread(sdk.ui_klines, symbol="BTCUSDT", interval="1m", limit=2) == bars
    rolling = await asyncio.to_thread(sdk.rolling_window_ticker, symbol="BTCUSDT")
    assert rolling["symbol"] == "BTCUSDT" and "openTime" in rolling
    average = await asyncio.to_thread(sdk.avg_price, symbol="BTCUSDT")
    assert average["mins"] == 5


async def test_orders_account_and_trades(connector: tuple[BinanceEmulator, Any]) -> None:
    _emu, sdk = connector
    bid = await best(sdk, "bids")
    placed = await asyncio.to_thread(
        sdk.new_order,
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.001",
        price=at(bid, "0.99"),
    )
    queried = await asyncio.to_thread(sdk.get_order, symbol="BTCUSDT", orderId=placed["orderId"])
    assert queried["status"] == "NEW"
    replaced = await asyncio.to_thread(
        sdk.cancel_and_replace,
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        cancelReplaceMode="STOP_ON_FAILURE",
        timeInForce="GTC",
        quantity="0.002",
        price=at(bid, "0.98"),
        cancelOrderId=placed["orderId"],
    )
    assert replaced["cancelResult"] == "SUCCESS" and replaced["newOrderResult"] == "SUCCESS"
    new_id = replaced["newOrderResponse"]["orderId"]
    (open_order,) = await asyncio.to_thread(sdk.get_open_orders, symbol="BTCUSDT")
    assert open_order["orderId"] == new_id and open_order["origQty"] == "0.00200000"
    canceled = await asyncio.to_thread(sdk.cancel_order, symbol="BTCUSDT", orderId=new_id)
    assert canceled["status"] == "CANCELED"
    filled = await asyncio.to_thread(
        sdk.new_order, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001"
    )
    assert filled["status"] == "FILLED"
    trades = await asyncio.to_thread(sdk.my_trades, symbol="BTCUSDT")
    assert sum(Decimal(t["qty"]) for t in trades) == Decimal("0.001")
    account = await asyncio.to_thread(sdk.account)
    btc = next(b for b in account["balances"] if b["asset"] == "BTC")
    assert Decimal(btc["free"]) > 0
    rates = await asyncio.to_thread(sdk.query_commission_rates, symbol="BTCUSDT")
    assert rates["standardCommission"] == account["commissionRates"]
    limits = await asyncio.to_thread(sdk.get_order_rate_limit)
    assert {row["rateLimitType"] for row in limits} == {"ORDERS"}


async def test_far_from_market_order_is_refused(connector: tuple[BinanceEmulator, Any]) -> None:
    _emu, sdk = connector
    ask = await best(sdk, "asks")
    with pytest.raises(ClientError) as refused:
        await asyncio.to_thread(
            sdk.new_order,
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.001",
            price=at(ask, "6"),
        )
    assert refused.value.error_code == -1013
    assert refused.value.error_message == "Filter failure: PERCENT_PRICE_BY_SIDE"


async def test_own_resting_order_expires_in_match(connector: tuple[BinanceEmulator, Any]) -> None:
    """BTCUSDT's default self-trade prevention is EXPIRE_MAKER: a taker meeting the
    account's own maker expires that maker and trades on with the rest of the book."""
    _emu, sdk = connector
    bid, ask = await best(sdk, "bids"), await best(sdk, "asks")
    inside = str(((bid + ask) / 2).quantize(TICK))
    maker = await asyncio.to_thread(
        sdk.new_order,
        symbol="BTCUSDT",
        side="SELL",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.001",
        price=inside,
    )
    taker = await asyncio.to_thread(
        sdk.new_order, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001"
    )
    assert taker["status"] == "FILLED" and taker["selfTradePreventionMode"] == "EXPIRE_MAKER"
    assert all(Decimal(f["price"]) >= ask for f in taker["fills"])
    expired = await asyncio.to_thread(sdk.get_order, symbol="BTCUSDT", orderId=maker["orderId"])
    assert expired["status"] == "EXPIRED_IN_MATCH"


async def test_websocket_stream_client(connector: tuple[BinanceEmulator, Any]) -> None:
    emu, sdk = connector
    loop = asyncio.get_running_loop()
    frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def on_message(_client: Any, message: str) -> None:
        loop.call_soon_threadsafe(frames.put_nowait, json.loads(message))

    async def next_event(event: str) -> dict[str, Any]:
        async def find() -> dict[str, Any]:
            while True:
                frame = await frames.get()
                if frame.get("e") == event:
                    return frame

        return await asyncio.wait_for(find(), WAIT)

    client = await asyncio.to_thread(
        stream.SpotWebsocketStreamClient, stream_url=emu.ws_url("spot"), on_message=on_message
    )
    try:
        await asyncio.to_thread(client.trade, symbol="btcusdt")
        await asyncio.to_thread(client.kline, symbol="btcusdt", interval="1m")
        await asyncio.to_thread(client.diff_book_depth, symbol="btcusdt", speed=100)
        acks = [await asyncio.wait_for(frames.get(), WAIT) for _ in range(3)]
        assert [ack["result"] for ack in acks] == [None, None, None]
        order = await asyncio.to_thread(
            sdk.new_order, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001"
        )
        trade = await next_event("trade")
        assert trade["p"] == order["fills"][0]["price"]
        bar = await next_event("kline")
        assert bar["k"]["s"] == "BTCUSDT" and bar["k"]["i"] == "1m"
        depth = await next_event("depthUpdate")
        assert depth["s"] == "BTCUSDT"
    finally:
        await asyncio.to_thread(client.stop)
