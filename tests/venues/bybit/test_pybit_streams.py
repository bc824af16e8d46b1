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
test's event loop through a queue. pybit's constructors wait for the connection, so they
run in a worker thread while the emulator serves on this loop. Its subscribe and order
calls, though, are called on the loop itself: pybit 5.17.0 sends a request first and
records it (the subscription, the reply's callback) after, so on loopback the answer can
arrive before the record and be dropped ("unregistered reqId") or break the socket (a
KeyError for an unknown subscription); the live venue's round trip hides that race.
Called on the loop, a request is recorded before the emulator can read it. pybit reports
a subscription's acknowledgement only in its debug log ("Subscription to …
successful."): the tests read that log so that no order is placed before the emulator
has the subscription."""

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

    async def each(self, *matches: Callable[[Message], bool]) -> list[Message]:
        """The first message matching each of `matches`, in whatever order they come
        (two sockets' messages interleave in no fixed order)."""
        found: dict[int, Message] = {}
        while len(found) < len(matches):
            message = await self.until(lambda m: any(f(m) for f in matches))
            for index, match in enumerate(matches):
                if index not in found and match(message):
                    found[index] = message
        return [found[i] for i in range(len(matches))]


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
    emu: BybitEmulator, opened: Callable[..., Any], acks: Inbox
) -> None:
    inbox = Inbox()
    linear = await opened(pybit_unified.WebSocket, channel_type="linear")
    spot = await opened(pybit_unified.WebSocket, channel_type="spot")
    linear.orderbook_stream(50, "BTCUSDT", inbox)
    linear.trade_stream("BTCUSDT", inbox)
    linear.ticker_stream("BTCUSDT", inbox)
    spot.orderbook_stream(50, "ETHUSDT", inbox)
    spot.ticker_stream("ETHUSDT", inbox)
    await subscribed(acks, 5)

    book, ticker, spot_book, spot_ticker = await inbox.each(
        topic("orderbook.50.BTCUSDT"),
        topic("tickers.BTCUSDT"),
        topic("orderbook.50.ETHUSDT"),
        topic("tickers.ETHUSDT"),
    )
    best_bid = emu.linear.depth("BTCUSDT", 1).bids[0][0]
    assert Decimal(book["data"]["b"][0][0]) == best_bid
    assert Decimal(ticker["data"]["bid1Price"]) == best_bid
    assert Decimal(spot_book["data"]["a"][0][0]) == emu.spot.depth("ETHUSDT", 1).asks[0][0]
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
        subscribe(inbox)
    await subscribed(acks, 4)
    assert private.auth is True

    emu.linear.place(emu.keys.refs[0].engine_id, _market_buy("BTCUSDT", Decimal("0.01")))
    filled, execution, position, wallet = await inbox.each(
        lambda m: m.get("topic") == "order" and m["data"][-1]["orderStatus"] == "Filled",
        topic("execution"),
        topic("position"),
        topic("wallet"),
    )
    assert filled["data"][-1]["category"] == "linear"
    assert Decimal(execution["data"][0]["execQty"]) == Decimal("0.01")
    assert (position["data"][0]["side"], position["data"][0]["size"]) == ("Buy", "0.01")
    assert wallet["data"][0]["accountType"] == "UNIFIED"


async def test_orders_placed_amended_and_cancelled_over_websocket_trading(
    emu: BybitEmulator, opened: Callable[..., Any]
) -> None:
    key, secret = emu.credentials(0)
    # pybit sends its `auth` on connecting; the socket answers in order, so the orders
    # below are taken after it
    trading = await opened(pybit_unified.WebSocketTrading, api_key=key, api_secret=secret)
    replies = Inbox()
    account = emu.keys.refs[0].engine_id
    bid = emu.linear.depth("BTCUSDT", 1).bids[0][0]
    first, second = ((bid * Decimal(f)).quantize(Decimal("0.1")) for f in ("0.99", "0.98"))
    linear = {"category": "linear", "symbol": "BTCUSDT"}

    trading.place_order(
        replies,
        replies,
        **linear,
        side="Buy",
        orderType="Limit",
        qty="0.01",
        price=str(first),
        orderLinkId="ws-trade-1",
    )
    placed = await replies.until(lambda m: m["op"] == "order.create")
    assert placed["retCode"] == 0 and placed["data"]["orderLinkId"] == "ws-trade-1"
    assert trading.auth is True  # its reply came before the order's
    (resting,) = emu.linear.open_orders(account, "BTCUSDT")
    assert resting.price == first

    trading.amend_order(replies, replies, **linear, orderLinkId="ws-trade-1", price=str(second))
    amended = await replies.until(lambda m: m["op"] == "order.amend")
    assert amended["retCode"] == 0 and amended["data"]["orderId"] == placed["data"]["orderId"]
    (resting,) = emu.linear.open_orders(account, "BTCUSDT")
    assert resting.price == second

    trading.cancel_order(replies, replies, **linear, orderId=placed["data"]["orderId"])
    cancelled = await replies.until(lambda m: m["op"] == "order.cancel")
    assert cancelled["retCode"] == 0
    assert emu.linear.open_orders(account, "BTCUSDT") == []

    far = str((emu.spot.depth("BTCUSDT", 1).asks[0][0] * Decimal("1.5")).quantize(Decimal("0.01")))
    trading.place_order(
        replies,
        replies,
        category="spot",
        symbol="BTCUSDT",
        side="Buy",
        orderType="Limit",
        qty="0.001",
        price=far,
    )
    refused = await replies.until(lambda m: m["op"] == "order.create")
    assert refused["retCode"] == 170193  # the spot price limit, as on the REST path


def _market_buy(symbol: str, qty: Decimal) -> OrderRequest:
    return OrderRequest(symbol=symbol, side="BUY", type="MARKET", qty=qty)
