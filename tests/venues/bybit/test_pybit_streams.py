"""pybit's stream clients at their default settings against the emulator: `WebSocket`
on the public linear and spot paths (orderbook, publicTrade, tickers) and on the private
path (order, execution, position, wallet), and `WebSocketTrading` placing, amending and
cancelling orders over `/v5/trade`.

One client-side override, for the reason that pybit builds every stream URL from the
module constants `PUBLIC_WSS` / `PRIVATE_WSS` (pybit.unified_trading) and `TRADE_WSS`
(pybit._websocket_trading), `wss://{SUBDOMAIN}.{DOMAIN}.{TLD}/…`: its `testnet`, `demo`,
`domain` and `tld` arguments only fill that template, so no argument reaches another
scheme or port. The tests replace the three constants (pytest's monkeypatch) with the
emulator's `ws://` URLs before the clients are made; everything else is pybit's default.
`testnet=False` is passed because pybit requires the argument.

pybit's sockets run in their own threads; their callbacks hand each message to this
test's event loop through a queue. pybit reports a subscription's acknowledgement only in
its debug log ("Subscription to … successful."): the private tests read that log so that
no order is placed before the emulator has the subscription.

pybit 5.17.0's `WebSocketTrading` registers a request's callback after it has sent the
request, so on loopback the reply can arrive first and be dropped ("unregistered
reqId"); the live venue's round trip hides that race. The trading test therefore reads
each outcome from pybit's private `order` stream, which is registered before any order
is sent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pybit._websocket_trading as pybit_trading
import pybit.unified_trading as pybit_unified
import pytest

from tradeport.emulator.engine import OrderRequest
from tradeport.venues.bybit.emulator import BybitEmulator

WAIT = 10.0
Message = dict[str, Any]


class Inbox:
    """Messages from pybit's threads, awaited on the test's loop."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Message] = asyncio.Queue()

    def __call__(self, message: Message) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, message)

    async def until(self, match: Callable[[Message], bool]) -> Message:
        while True:
            message = await asyncio.wait_for(self.queue.get(), WAIT)
            if match(message):
                return message


class Acks(logging.Handler):
    """pybit's "Subscription to … successful." log records, as awaitable messages."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__(logging.DEBUG)
        self.inbox = inbox

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.startswith("Subscription to ") and text.endswith(" successful."):
            self.inbox({"ack": text})


@pytest.fixture
async def acks() -> AsyncIterator[Inbox]:
    inbox = Inbox()
    logger = logging.getLogger("pybit._websocket_stream")
    handler, level = Acks(inbox), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield inbox
    logger.removeHandler(handler)
    logger.setLevel(level)


async def subscribed(acks: Inbox, count: int) -> None:
    for _ in range(count):
        await acks.until(lambda m: "ack" in m)


@pytest.fixture
async def emu(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None, seed=11) as emulator:
        base = emulator.base_url.replace("http://", "ws://", 1)
        # the one override (see the module docstring)
        monkeypatch.setattr(pybit_unified, "PUBLIC_WSS", base + "/v5/public/{CHANNEL_TYPE}")
        monkeypatch.setattr(pybit_unified, "PRIVATE_WSS", base + "/v5/private")
        monkeypatch.setattr(pybit_trading, "TRADE_WSS", base + "/v5/trade")
        yield emulator


@pytest.fixture
async def opened() -> AsyncIterator[Callable[..., Any]]:
    """`await opened(kind, **kwargs)`: a pybit client made (it connects in its
    constructor) in a worker thread; every one is closed at the end."""
    made: list[Any] = []

    async def make(kind: type[Any], **kwargs: Any) -> Any:
        client = await asyncio.to_thread(kind, testnet=False, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await asyncio.to_thread(client.exit)


def topic(name: str) -> Callable[[Message], bool]:
    return lambda m: m.get("topic") == name


async def test_public_linear_and_spot_topics(
    emu: BybitEmulator, opened: Callable[..., Any]
) -> None:
    inbox = Inbox()
    linear = await opened(pybit_unified.WebSocket, channel_type="linear")
    spot = await opened(pybit_unified.WebSocket, channel_type="spot")
    await asyncio.to_thread(linear.orderbook_stream, 50, "BTCUSDT", inbox)
    await asyncio.to_thread(linear.trade_stream, "BTCUSDT", inbox)
    await asyncio.to_thread(linear.ticker_stream, "BTCUSDT", inbox)
    await asyncio.to_thread(spot.orderbook_stream, 50, "ETHUSDT", inbox)
    await asyncio.to_thread(spot.ticker_stream, "ETHUSDT", inbox)

    book = await inbox.until(topic("orderbook.50.BTCUSDT"))
    best_bid = emu.linear.depth("BTCUSDT", 1).bids[0][0]
    assert Decimal(book["data"]["b"][0][0]) == best_bid
    ticker = await inbox.until(topic("tickers.BTCUSDT"))
    assert Decimal(ticker["data"]["bid1Price"]) == best_bid
    spot_book = await inbox.until(topic("orderbook.50.ETHUSDT"))
    assert Decimal(spot_book["data"]["a"][0][0]) == emu.spot.depth("ETHUSDT", 1).asks[0][0]
    spot_ticker = await inbox.until(topic("tickers.ETHUSDT"))
    assert Decimal(spot_ticker["data"]["lastPrice"]) > 0

    # a trade on the emulator's linear book reaches publicTrade
    emu.linear.place(
        emu.keys.refs[1].engine_id,
        _market_buy("BTCUSDT", Decimal("0.01")),
    )
    trade = await inbox.until(topic("publicTrade.BTCUSDT"))
    assert trade["data"][0]["S"] == "Buy" and Decimal(trade["data"][0]["v"]) == Decimal("0.01")


async def test_private_topics_follow_a_filled_order(
    emu: BybitEmulator, opened: Callable[..., Any], acks: Inbox
) -> None:
    key, secret = emu.credentials(0)
    inbox = Inbox()
    private = await opened(
        pybit_unified.WebSocket, channel_type="private", api_key=key, api_secret=secret
    )
    for subscribe in (
        private.order_stream,
        private.execution_stream,
        private.position_stream,
        private.wallet_stream,
    ):
        await asyncio.to_thread(subscribe, inbox)
    await subscribed(acks, 4)
    assert private.auth is True

    emu.linear.place(emu.keys.refs[0].engine_id, _market_buy("BTCUSDT", Decimal("0.01")))
    filled = await inbox.until(
        lambda m: m.get("topic") == "order" and m["data"][-1]["orderStatus"] == "Filled"
    )
    assert filled["data"][-1]["category"] == "linear"
    execution = await inbox.until(topic("execution"))
    assert Decimal(execution["data"][0]["execQty"]) == Decimal("0.01")
    position = await inbox.until(topic("position"))
    assert (position["data"][0]["side"], position["data"][0]["size"]) == ("Buy", "0.01")
    wallet = await inbox.until(topic("wallet"))
    assert wallet["data"][0]["accountType"] == "UNIFIED"


async def test_orders_placed_amended_and_cancelled_over_websocket_trading(
    emu: BybitEmulator, opened: Callable[..., Any], acks: Inbox
) -> None:
    key, secret = emu.credentials(0)
    orders = Inbox()
    private = await opened(
        pybit_unified.WebSocket, channel_type="private", api_key=key, api_secret=secret
    )
    await asyncio.to_thread(private.order_stream, orders)
    await subscribed(acks, 1)
    trading = await opened(pybit_unified.WebSocketTrading, api_key=key, api_secret=secret)
    assert trading.auth is True
    replies = Inbox()  # see the module docstring: a reply may be dropped by pybit
    bid = emu.linear.depth("BTCUSDT", 1).bids[0][0]
    first, second = ((bid * Decimal(f)).quantize(Decimal("0.1")) for f in ("0.99", "0.98"))

    await asyncio.to_thread(
        trading.place_order,
        replies,
        replies,
        category="linear",
        symbol="BTCUSDT",
        side="Buy",
        orderType="Limit",
        qty="0.01",
        price=str(first),
        orderLinkId="ws-trade-1",
    )
    placed = await orders.until(lambda m: m["data"][0]["orderStatus"] == "New")
    row = placed["data"][0]
    assert (row["orderLinkId"], Decimal(row["price"])) == ("ws-trade-1", first)

    await asyncio.to_thread(
        trading.amend_order,
        replies,
        replies,
        category="linear",
        symbol="BTCUSDT",
        orderLinkId="ws-trade-1",
        price=str(second),
    )
    amended = await orders.until(lambda m: Decimal(m["data"][0]["price"]) == second)
    assert amended["data"][0]["orderId"] == row["orderId"]

    await asyncio.to_thread(
        trading.cancel_order,
        replies,
        replies,
        category="linear",
        symbol="BTCUSDT",
        orderId=row["orderId"],
    )
    await orders.until(lambda m: m["data"][0]["orderStatus"] == "Cancelled")
    assert emu.linear.open_orders(emu.keys.refs[0].engine_id, "BTCUSDT") == []


def _market_buy(symbol: str, qty: Decimal) -> OrderRequest:
    return OrderRequest(symbol=symbol, side="BUY", type="MARKET", qty=qty)
