"""binance-futures-connector (Binance's own USDⓈ-M connector) against the Binance
emulator: market data, place / query / modify / cancel, batch orders, account, positions,
leverage and account settings, refusals with the live codes, and its WebSocket client.

The connector takes `base_url` and `stream_url` as constructor arguments, its documented
way to choose a host, so no override is needed. It installs into the same `binance`
package as python-binance and as binance-connector, with files of the same names that
differ, so it lives in its own environment (the `binance-futures-connector` extra); this
module is skipped where it is not installed. Its REST calls block (requests) and run in
worker threads; its WebSocket client runs its own thread and hands frames to the test's
event loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from tradeport.emulator.engine import OrderRequest
from tradeport.emulator.market import MM_ACCOUNT
from tradeport.venues.binance.emulator import BinanceEmulator

um_futures = pytest.importorskip("binance.um_futures")
ws_client = pytest.importorskip("binance.websocket.um_futures.websocket_client")
from binance.error import ClientError  # noqa: E402

WAIT = 10.0


@pytest.fixture
async def um() -> AsyncIterator[tuple[BinanceEmulator, Any]]:
    async with BinanceEmulator(step_interval=None, seed=11) as emu:
        key, secret = emu.credentials(0)
        yield emu, um_futures.UMFutures(key=key, secret=secret, base_url=emu.base_url.rstrip("/"))


def price_at(emu: BinanceEmulator, multiple: str) -> str:
    return str((emu.futures.mark_price("BTCUSDT") * Decimal(multiple)).quantize(Decimal("0.1")))


async def test_market_data(um: tuple[BinanceEmulator, Any]) -> None:
    _emu, sdk = um
    book = await asyncio.to_thread(sdk.depth, symbol="BTCUSDT", limit=5)
    ticker = await asyncio.to_thread(sdk.book_ticker, symbol="BTCUSDT")
    assert ticker["bidPrice"] == book["bids"][0][0]
    mark = await asyncio.to_thread(sdk.mark_price, symbol="BTCUSDT")
    assert Decimal(mark["markPrice"]) > 0 and "nextFundingTime" in mark
    bars = await asyncio.to_thread(sdk.klines, symbol="BTCUSDT", interval="1m", limit=2)
    continuous = await asyncio.to_thread(
        sdk.continuous_klines, pair="BTCUSDT", contractType="PERPETUAL", interval="1m", limit=2
    )
    assert continuous == bars
    marks = await asyncio.to_thread(sdk.mark_price_klines, symbol="BTCUSDT", interval="1m", limit=2)
    assert [row[:5] for row in marks] == [row[:5] for row in bars]
    assert marks[0][5] == "0" and len(marks[0]) == 12
    index = await asyncio.to_thread(sdk.index_price_klines, pair="BTCUSDT", interval="1m", limit=2)
    assert index == marks
    assert len(await asyncio.to_thread(sdk.agg_trades, symbol="BTCUSDT", limit=3)) == 3
    (rate,) = await asyncio.to_thread(sdk.funding_rate, symbol="BTCUSDT", limit=1)
    assert rate["fundingRate"] == "0.00010000"
    interest = await asyncio.to_thread(sdk.open_interest, symbol="BTCUSDT")
    assert interest["symbol"] == "BTCUSDT"
    history = await asyncio.to_thread(
        sdk.open_interest_hist, symbol="BTCUSDT", period="5m", limit=2
    )
    assert len(history) == 2 and isinstance(history[0]["timestamp"], int)


async def test_orders_place_query_modify_cancel_and_batch(um: tuple[BinanceEmulator, Any]) -> None:
    emu, sdk = um
    placed = await asyncio.to_thread(
        sdk.new_order,
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.002",
        price=price_at(emu, "0.98"),
    )
    modified = await asyncio.to_thread(
        sdk.modify_order,
        symbol="BTCUSDT",
        side="BUY",
        orderId=placed["orderId"],
        quantity="0.003",
        price=price_at(emu, "0.97"),
    )
    assert modified["origQty"] == "0.003"
    assert Decimal(modified["price"]) == Decimal(price_at(emu, "0.97"))
    queried = await asyncio.to_thread(sdk.query_order, symbol="BTCUSDT", orderId=placed["orderId"])
    assert queried["status"] == "NEW" and queried["origQty"] == "0.003"
    one = await asyncio.to_thread(sdk.get_open_orders, symbol="BTCUSDT", orderId=placed["orderId"])
    assert one["orderId"] == placed["orderId"]
    canceled = await asyncio.to_thread(
        sdk.cancel_order, symbol="BTCUSDT", orderId=placed["orderId"]
    )
    assert canceled["status"] == "CANCELED"
    batch = await asyncio.to_thread(
        sdk.new_batch_order,
        batchOrders=[
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": "0.002",
                "price": price_at(emu, "0.98"),
            },
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": "0.002",
                "price": price_at(emu, "1.5"),
            },
        ],
    )
    assert batch[0]["status"] == "NEW" and batch[1]["code"] == -4016
    dropped = await asyncio.to_thread(
        sdk.cancel_batch_order,
        symbol="BTCUSDT",
        orderIdList=[batch[0]["orderId"]],
        origClientOrderIdList=[],
    )
    assert dropped[0]["status"] == "CANCELED"
    assert await asyncio.to_thread(sdk.get_orders, symbol="BTCUSDT") == []


async def test_account_positions_leverage_and_settings(um: tuple[BinanceEmulator, Any]) -> None:
    _emu, sdk = um
    lever = await asyncio.to_thread(sdk.change_leverage, symbol="BTCUSDT", leverage=10)
    assert lever["leverage"] == 10
    (config,) = await asyncio.to_thread(sdk.symbol_configuration, symbol="BTCUSDT")
    assert config["leverage"] == 10 and config["maxNotionalValue"] == lever["maxNotionalValue"]
    opened = await asyncio.to_thread(
        sdk.new_order, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.002"
    )
    assert opened["status"] == "NEW"  # the default RESULT-less answer is the ACK of the order
    (position,) = await asyncio.to_thread(sdk.get_position_risk, symbol="BTCUSDT")
    assert position["positionAmt"] == "0.002" and position["positionSide"] == "BOTH"
    trades = await asyncio.to_thread(sdk.get_account_trades, symbol="BTCUSDT")
    assert sum(Decimal(t["qty"]) for t in trades) == Decimal("0.002")
    account = await asyncio.to_thread(sdk.account)
    assert [p["symbol"] for p in account["positions"]] == ["BTCUSDT"]
    (usdt,) = await asyncio.to_thread(sdk.balance)
    assert usdt["asset"] == "USDT"
    brackets = await asyncio.to_thread(sdk.leverage_brackets, symbol="BTCUSDT")
    assert brackets["brackets"][0]["bracket"] == 1
    assert (await asyncio.to_thread(sdk.get_position_mode)) == {"dualSidePosition": False}
    assert (await asyncio.to_thread(sdk.get_multi_asset_mode)) == {"multiAssetsMargin": False}
    settings = await asyncio.to_thread(sdk.futures_account_configuration)
    assert settings["dualSidePosition"] is False
    fees = await asyncio.to_thread(sdk.commission_rate, symbol="BTCUSDT")
    assert fees["symbol"] == "BTCUSDT"
    limits = await asyncio.to_thread(sdk.query_user_rate_limit)
    assert {row["rateLimitType"] for row in limits} == {"ORDERS"}


async def test_far_from_market_orders_are_refused_with_the_live_codes(
    um: tuple[BinanceEmulator, Any],
) -> None:
    emu, sdk = um
    with pytest.raises(ClientError) as limit:
        await asyncio.to_thread(
            sdk.new_order,
            symbol="BTCUSDT",
            side="SELL",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.004",  # BTCUSDT's minimum notional is 100 USDT
            price=price_at(emu, "0.5"),
        )
    assert limit.value.error_code == -4024
    # a book whose best ask is far above its mid: a market buy's first fill breaks the band
    engine = emu.futures
    engine.cancel_all(MM_ACCOUNT, "BTCUSDT")
    engine.place(MM_ACCOUNT, OrderRequest("BTCUSDT", "BUY", "LIMIT", Decimal(1), Decimal(60000)))
    engine.place(MM_ACCOUNT, OrderRequest("BTCUSDT", "SELL", "LIMIT", Decimal(1), Decimal(72000)))
    with pytest.raises(ClientError) as market:
        await asyncio.to_thread(
            sdk.new_order, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.002"
        )
    assert market.value.error_code == -4131


async def test_websocket_client_book_and_market_streams(um: tuple[BinanceEmulator, Any]) -> None:
    """The unrouted host carries the order book streams, /market the rest (the 2026
    routing, PROTOCOLS.md §2.4). The connector's user_data() subscribes a listen key as a
    stream name on an open socket; the routed /private host takes the key in its URL
    only, which this client cannot form, so its user stream is not exercised here."""
    emu, sdk = um
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

    base = emu.ws_url("futures")
    clients = [
        await asyncio.to_thread(
            ws_client.UMFuturesWebsocketClient, stream_url=url, on_message=on_message
        )
        for url in (base, f"{base}/market")
    ]
    public, market = clients
    try:
        await asyncio.to_thread(public.diff_book_depth, symbol="btcusdt", speed=100)
        await asyncio.to_thread(market.agg_trade, symbol="btcusdt")
        acks = [await asyncio.wait_for(frames.get(), WAIT) for _ in range(2)]
        assert [ack["result"] for ack in acks] == [None, None]
        await asyncio.to_thread(
            sdk.new_order, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.002"
        )
        trade = await next_event("aggTrade")
        assert trade["s"] == "BTCUSDT" and Decimal(trade["q"]) == Decimal("0.002")
        depth = await next_event("depthUpdate")
        assert depth["s"] == "BTCUSDT" and depth["u"] >= depth["U"]
    finally:
        for client in clients:
            await asyncio.to_thread(client.stop)
