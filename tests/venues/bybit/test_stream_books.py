"""Bybit book sync frame by frame (PROTOCOLS.md §4.5), with the real client on a
scripted Bybit-shaped WebSocket whose frames each test writes (REST, for instruments,
is the Bybit emulator's): a snapshot resets the book whatever its `u` (`u == 1` after a
venue restart included), a delta must be exactly one past the book, and a gap, a
crossed book or an unreadable delta resubscribes that topic alone on its connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from tests.book.conftest import store  # noqa: F401 - every test here runs on each level store

import tradeport as tp
from tradeport.model import BookState, OrderBook, Quote
from tradeport.venues.bybit.client import BybitClient, book_topic_depth
from tradeport.venues.bybit.emulator import BybitEmulator

SYMBOL = "BTC-USDT"
PATH = "/v5/public/linear"


async def eventually(check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.01)


@dataclass
class Conn:
    ws: web.WebSocketResponse
    requests: list[tuple[str, list[str]]] = field(default_factory=list)  # (op, args)
    topics: set[str] = field(default_factory=set)


class ScriptedBybit:
    """Answers subscribe, unsubscribe and ping as Bybit's linear path does (req_id
    echoed); sends only the data frames a test gives it."""

    def __init__(self) -> None:
        self.conns: list[Conn] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def host(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(PATH, self._serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for conn in self.conns:
            await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def ops(self, topic: str) -> list[str]:
        """Every subscribe/unsubscribe naming `topic`, over all connections, in order."""
        return [op for c in self.conns for op, args in c.requests if topic in args]

    async def push(self, topic: str, kind: str, u: int, bids: Any, asks: Any) -> None:
        frame = {
            "topic": topic,
            "type": kind,
            "ts": 1700000000000 + u,
            "data": {"s": topic.split(".")[-1], "b": bids, "a": asks, "u": u, "seq": 100 + u},
            "cts": 1700000000000 + u,
        }
        await self.send(topic, json.dumps(frame))

    async def send(self, topic: str, text: str) -> None:
        for conn in self.conns:
            if topic in conn.topics and not conn.ws.closed:
                await conn.ws.send_str(text)

    async def _serve(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        conn = Conn(ws)
        self.conns.append(conn)
        async for msg in ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            req = json.loads(msg.data)
            op, args, req_id = req["op"], req.get("args") or [], req.get("req_id", "")
            if op == "ping":
                reply = {"success": True, "ret_msg": "pong", "req_id": req_id, "op": "ping"}
            else:
                conn.requests.append((op, args))
                if op == "subscribe":
                    conn.topics.update(args)
                elif op == "unsubscribe":
                    conn.topics.difference_update(args)
                reply = {"success": True, "ret_msg": "", "req_id": req_id, "op": op}
            await ws.send_str(json.dumps({**reply, "conn_id": "scripted"}))
        return ws


@pytest.fixture
async def emulator() -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None, seed=7, stream_time_scale=1000.0) as emu:
        yield emu


@pytest.fixture
async def venue() -> AsyncIterator[ScriptedBybit]:
    scripted = ScriptedBybit()
    await scripted.start()
    try:
        yield scripted
    finally:
        await scripted.stop()


@pytest.fixture
async def client(emulator: BybitEmulator, venue: ScriptedBybit) -> AsyncIterator[BybitClient]:
    key, secret = emulator.credentials()
    client = await tp.create_client(
        "BYBIT___SWAP",
        environment="emulator",
        base_url=emulator.base_url,
        ws_url=venue.host,
        api_key=key,
        secret=secret,
    )
    assert isinstance(client, BybitClient)
    try:
        yield client
    finally:
        await client.close()


class Watched:
    """A book watched in every state, and the topic the client subscribed for it."""

    def __init__(self, client: BybitClient, venue: ScriptedBybit) -> None:
        self.client = client
        self.venue = venue
        self.seen: list[OrderBook] = []
        self.topic = ""

    async def start(self, depth: int | None = 50) -> Watched:
        await self.client.watch_order_book(
            SYMBOL, depth, all_states=True, callback=self.seen.append
        ).start()
        (conn,) = self.venue.conns
        ((_, (self.topic,)),) = conn.requests
        return self

    @property
    def book(self) -> Any:
        book = self.client.synced_book(SYMBOL)
        assert book is not None
        return book

    async def push(self, kind: str, u: int, bids: Any, asks: Any) -> None:
        await self.venue.push(self.topic, kind, u, bids, asks)

    async def settle(self, u: int, state: BookState = BookState.LIVE) -> None:
        await eventually(
            lambda: self.seen and self.seen[-1].update_id == u and self.seen[-1].state is state,
            f"the book at u={u} {state.value}",
        )


LEVELS = ([["100.0", "1"], ["99.5", "2"]], [["100.5", "3"], ["101.0", "4"]])


def test_a_depth_picks_the_shallowest_topic_holding_it() -> None:
    assert [book_topic_depth(d) for d in (None, 1, 2, 50, 51, 200, 201, 5000)] == [
        1000,
        1,
        50,
        50,
        200,
        200,
        1000,
        1000,
    ]


async def test_the_subscribed_topic_follows_the_venue_config(
    client: BybitClient, venue: ScriptedBybit
) -> None:
    watched = await Watched(client, venue).start(20)
    template = client.config.wss_paths["book"].partition(" ")[2]
    expected = template.replace("<depth>", str(book_topic_depth(20)))
    assert watched.topic == expected.replace("<symbol>", "BTCUSDT")


async def test_deltas_continue_a_snapshot_one_u_at_a_time(
    client: BybitClient, venue: ScriptedBybit
) -> None:
    w = await Watched(client, venue).start()
    await w.push("snapshot", 10, *LEVELS)
    await w.settle(10)
    await w.push("delta", 11, [["100.0", "0"], ["99.8", "5"]], [])
    await w.settle(11)
    assert w.seen[-1].bids == [(99.8, 5.0), (99.5, 2.0)]
    await w.push("delta", 11, [["99.1", "9"]], [])  # a duplicate: skipped
    await w.push("delta", 12, [], [["100.5", "1"]])
    await w.settle(12)
    assert w.seen[-1].asks == [(100.5, 1.0), (101.0, 4.0)]
    assert (w.book.stats.applied, w.book.stats.skipped, w.book.stats.gaps) == (2, 1, 0)


async def test_a_snapshot_with_u_1_after_a_venue_restart_replaces_the_book(
    client: BybitClient, venue: ScriptedBybit
) -> None:
    w = await Watched(client, venue).start()
    await w.push("snapshot", 500, *LEVELS)
    await w.push("delta", 501, [["99.9", "1"]], [])
    await w.settle(501)
    # the venue restarted its service: u starts over from 1 with a snapshot
    await w.push("snapshot", 1, [["98.0", "7"]], [["98.5", "8"]])
    await w.settle(1)
    assert (w.seen[-1].bids, w.seen[-1].asks) == ([(98.0, 7.0)], [(98.5, 8.0)])
    await w.push("delta", 2, [["98.1", "1"]], [])
    await w.settle(2)
    assert w.seen[-1].bids[0] == (98.1, 1.0)
    assert w.book.stats.snapshots == 2 and w.book.stats.gaps == 0
    assert venue.ops(w.topic) == ["subscribe"]  # nothing to resync: a snapshot is one


async def test_a_gap_resubscribes_only_that_topic_on_its_connection(
    client: BybitClient, venue: ScriptedBybit, emulator: BybitEmulator
) -> None:
    w = await Watched(client, venue).start()
    await client.watch_trades(SYMBOL).start()
    await w.push("snapshot", 10, *LEVELS)
    await w.settle(10)
    await w.push("delta", 12, [["99.9", "1"]], [])  # u 11 never came
    await w.settle(10, BookState.RESYNCING)
    resubscribed = ["subscribe", "unsubscribe", "subscribe"]
    await eventually(lambda: venue.ops(w.topic) == resubscribed, "the topic resubscribed")
    assert len(venue.conns) == 1  # on its connection, nothing else touched
    assert venue.ops("publicTrade.BTCUSDT") == ["subscribe"]
    # the venue answers a subscription with a snapshot: the book is LIVE again
    await w.push("snapshot", 15, [["99.0", "1"]], [["99.5", "1"]])
    await w.settle(15)
    await w.push("delta", 16, [["99.1", "2"]], [])
    await w.settle(16)
    assert (w.book.stats.gaps, w.book.stats.resyncs, w.book.stats.snapshots) == (1, 1, 2)
    assert client.public_streams.resubscribes == 1
    assert emulator.faults.seen[client.config.rest_paths["get_depth"]] == 0  # no REST


async def test_a_crossed_book_resyncs_it(client: BybitClient, venue: ScriptedBybit) -> None:
    w = await Watched(client, venue).start()
    await w.push("snapshot", 3, *LEVELS)
    await w.settle(3)
    await w.push("delta", 4, [["100.7", "1"]], [])  # a bid above the best ask
    await w.settle(4, BookState.RESYNCING)
    assert w.book.stats.crossed == 1
    await eventually(lambda: venue.ops(w.topic)[-2:] == ["unsubscribe", "subscribe"], "resync")


UNREADABLE = {"s": "BTCUSDT", "u": "x"}
NOT_A_LEVEL = {"s": "BTCUSDT", "u": 4, "b": [["0", "1"]], "a": []}  # read, then refused


@pytest.mark.parametrize("data", [UNREADABLE, NOT_A_LEVEL], ids=["unreadable", "not-a-level"])
async def test_an_unreadable_delta_resyncs_the_book(
    client: BybitClient, venue: ScriptedBybit, data: dict[str, Any]
) -> None:
    w = await Watched(client, venue).start()
    await w.push("snapshot", 3, *LEVELS)
    await w.settle(3)
    broken = {"topic": w.topic, "type": "delta", "ts": 1, "data": data}
    await venue.send(w.topic, json.dumps(broken))
    await eventually(lambda: client.public_streams.malformed == 1, "the malformed frame")
    assert w.seen[-1].state is BookState.RESYNCING
    await eventually(lambda: venue.ops(w.topic)[-2:] == ["unsubscribe", "subscribe"], "resync")
    stats = client.stream_stats()[f"{client.key}{PATH}"]
    assert stats.sink_errors == 1  # reported, not swallowed


async def test_quotes_and_a_partial_book_share_the_level_1_topic(
    client: BybitClient, venue: ScriptedBybit
) -> None:
    quotes: list[Quote] = []
    partial: list[OrderBook] = []
    quoting = await client.watch_quotes(SYMBOL, callback=quotes.append).start()
    books = await client.watch_partial_book(SYMBOL, 1, callback=partial.append).start()
    topic = "orderbook.1.BTCUSDT"
    assert venue.ops(topic) == ["subscribe"]  # subscribed once for both
    await venue.push(topic, "snapshot", 7, [["100.0", "1"]], [["100.5", "2"]])
    await eventually(lambda: quotes and partial, "a quote and a partial book")
    assert (quotes[-1].bid, quotes[-1].ask, quotes[-1].update_id) == (100.0, 100.5, 7)
    assert (partial[-1].bids, partial[-1].asks) == ([(100.0, 1.0)], [(100.5, 2.0)])
    await quoting.close()  # the partial book still needs the topic
    assert venue.ops(topic) == ["subscribe"]
    await books.close()
    await eventually(lambda: venue.ops(topic) == ["subscribe", "unsubscribe"], "unsubscribed")
    assert topic not in client.public_streams.topics
