"""The Bybit emulator's public topics over real sockets (PROTOCOLS.md §4.4-4.5).

The emulator runs with `stream_time_scale=1000`, so its own stream clock is still; each
test drives a category's clock by hand (`advance`), which makes every push a
consequence of what the test did.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradeport.emulator.engine import OrderRequest
from tradeport.emulator.marketdata import BookDelta
from tradeport.model import AssetType
from tradeport.venues.bybit.emulator import BybitEmulator
from tradeport.venues.bybit.emulator.ids import Category, public_trade_id_text
from tradeport.venues.bybit.emulator.stream_public import BASE_TICK_MS

WAIT = 5.0
PATHS = {"spot": "/v5/public/spot", "linear": "/v5/public/linear"}
ASSETS = {"spot": AssetType.SPOT, "linear": AssetType.SWAP}
Book = dict[str, dict[Decimal, Decimal]]


@pytest.fixture
async def emu() -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None, seed=3, stream_time_scale=1000.0) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def url(emu: BybitEmulator, category: Category) -> str:
    return emu.stream_url(ASSETS[category]) + PATHS[category]


def advance(emu: BybitEmulator, category: Category, ms: int) -> None:
    for _ in range(ms // BASE_TICK_MS):
        emu.streams.hubs[category].tick()


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


async def request(
    ws: aiohttp.ClientWebSocketResponse, op: str, *args: str, req_id: str | None = None
) -> dict[str, Any]:
    frame: dict[str, Any] = {"op": op, "args": list(args)}
    if req_id is not None:
        frame["req_id"] = req_id
    await ws.send_json(frame)
    return await receive(ws)


def levels(rows: list[list[str]]) -> dict[Decimal, Decimal]:
    return {Decimal(p): Decimal(q) for p, q in rows}


def apply(book: Book, data: dict[str, Any]) -> None:
    for side, key in (("bids", "b"), ("asks", "a")):
        for price, size in data[key]:
            if Decimal(size) == 0:
                book[side].pop(Decimal(price))  # a deleted level must have been there
            else:
                book[side][Decimal(price)] = Decimal(size)


def record_tops(emu: BybitEmulator, category: Category, symbol: str, depth: int) -> dict[int, Book]:
    """The engine's top `depth` after every book change of `symbol`, by update id."""
    engine = emu.engine(category)
    tops: dict[int, Book] = {}

    def take() -> None:
        view = engine.depth(symbol, depth)
        tops[view.update_id] = {"bids": dict(view.bids), "asks": dict(view.asks)}

    def listen(event: object) -> None:
        if isinstance(event, BookDelta) and event.symbol == symbol:
            take()

    take()
    engine.subscribe(listen)
    return tops


def walk(emu: BybitEmulator, category: Category, symbol: str, factor: str) -> None:
    engine = emu.engine(category)
    emu.move_to(category, symbol, engine.mark_price(symbol) * Decimal(factor))


# -- control ---------------------------------------------------------------------------
async def test_subscribe_acks_echo_req_id_in_each_paths_shape(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "linear")) as ws:
        ack = await request(ws, "subscribe", "publicTrade.BTCUSDT", req_id="r1")
        assert list(ack) == ["success", "ret_msg", "conn_id", "req_id", "op"]
        assert ack["success"] is True and ack["ret_msg"] == "" and ack["req_id"] == "r1"
        assert ack["op"] == "subscribe" and ack["conn_id"]
        bare = await request(ws, "unsubscribe", "publicTrade.BTCUSDT")
        assert bare["req_id"] == "" and bare["op"] == "unsubscribe" and bare["success"] is True
        assert bare["conn_id"] == ack["conn_id"]
    async with session.ws_connect(url(emu, "spot")) as ws:
        ack = await request(ws, "subscribe", "publicTrade.ETHUSDT", req_id="s1")
        # spot's ret_msg names the op (ws/connect, "Public Spot")
        assert ack["ret_msg"] == "subscribe" and ack["req_id"] == "s1" and ack["success"] is True


async def test_a_request_with_a_bad_topic_is_refused_whole_and_names_it(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "linear")) as ws:
        for bad in ("orderbook.7.BTCUSDT", "tickers.NOPEUSDT", "kline.2.BTCUSDT", "trades.X"):
            reply = await request(ws, "subscribe", "tickers.ETHUSDT", bad, req_id="q")
            assert reply["success"] is False and reply["req_id"] == "q"
            assert reply["ret_msg"] == f"error:handler not found,topic:{bad}"
        # nothing of the refused requests was subscribed: the good topic is still free
        ack = await request(ws, "subscribe", "tickers.ETHUSDT")
        assert ack["success"] is True
        snapshot = await receive(ws)
        assert snapshot["topic"] == "tickers.ETHUSDT" and snapshot["type"] == "snapshot"
        again = await request(ws, "subscribe", "tickers.ETHUSDT")
        assert again["success"] is False
        assert again["ret_msg"] == "error:already subscribed,topic:tickers.ETHUSDT"


async def test_spot_refuses_more_than_ten_args_per_request(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    eleven = [f"kline.{i}.BTCUSDT" for i in ("1", "3", "5", "15", "30", "60", "120", "240")]
    eleven += ["kline.360.BTCUSDT", "kline.720.BTCUSDT", "kline.D.BTCUSDT"]
    async with session.ws_connect(url(emu, "spot")) as ws:
        refused = await request(ws, "subscribe", *eleven)
        assert refused["success"] is False and "10" in refused["ret_msg"]
        accepted = await request(ws, "subscribe", *eleven[:10])
        assert accepted["success"] is True
    async with session.ws_connect(url(emu, "linear")) as ws:
        assert (await request(ws, "subscribe", *eleven))["success"] is True  # spot only


async def test_ping_is_answered_in_the_public_shapes(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "linear")) as ws:
        await ws.send_json({"op": "ping", "req_id": "100001"})
        pong = await receive(ws)
        assert list(pong) == ["success", "ret_msg", "conn_id", "req_id", "op"]
        assert pong["ret_msg"] == "pong" and pong["op"] == "ping" and pong["req_id"] == "100001"
        await ws.send_json({"op": "ping"})
        assert (await receive(ws))["req_id"] == ""
    async with session.ws_connect(url(emu, "spot")) as ws:
        await ws.send_json({"op": "ping"})
        pong = await receive(ws)
        # the spot sample has no req_id when none was sent
        assert list(pong) == ["success", "ret_msg", "conn_id", "op"]
        assert pong["success"] is True and pong["ret_msg"] == "pong"
        await ws.send_json({"op": "hello"})
        refused = await receive(ws)
        assert refused["success"] is False and refused["ret_msg"] == "error:invalid op"


# -- order books -----------------------------------------------------------------------
@pytest.mark.parametrize(("category", "depth"), [("linear", 50), ("spot", 200), ("linear", 1000)])
async def test_deltas_rebuild_the_engines_top_n_at_every_pushed_seq(
    emu: BybitEmulator, session: aiohttp.ClientSession, category: Category, depth: int
) -> None:
    symbol = "BTCUSDT"
    tops = record_tops(emu, category, symbol, depth)
    topic = f"orderbook.{depth}.{symbol}"
    async with session.ws_connect(url(emu, category)) as ws:
        assert (await request(ws, "subscribe", topic))["success"] is True
        first = await receive(ws)
        assert first["topic"] == topic and first["type"] == "snapshot"
        book = {"bids": levels(first["data"]["b"]), "asks": levels(first["data"]["a"])}
        assert book == tops[first["data"]["seq"]]
        u = first["data"]["u"]
        deltas = 0
        for factor in ("1.0006", "0.9991", "1.0002", "0.9997", "1.0011"):
            walk(emu, category, symbol, factor)
            emu.step()
            advance(emu, category, 200)
            frame = await receive(ws)
            while True:
                assert frame["type"] == "delta" and frame["topic"] == topic
                data = frame["data"]
                assert data["u"] == u + 1, "u must rise by exactly one per push"
                u = data["u"]
                assert [Decimal(p) for p, _ in data["b"]] == sorted(
                    (Decimal(p) for p, _ in data["b"]), reverse=True
                )
                assert [Decimal(p) for p, _ in data["a"]] == sorted(
                    Decimal(p) for p, _ in data["a"]
                )
                apply(book, data)
                assert book == tops[data["seq"]]
                assert len(book["bids"]) <= depth and len(book["asks"]) <= depth
                deltas += 1
                view = emu.engine(category).depth(symbol, depth)
                if data["seq"] == view.update_id:
                    break
                frame = await receive(ws)
        assert deltas >= 5


async def test_nothing_is_pushed_while_the_top_n_stands_still(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "linear")) as ws:
        await request(ws, "subscribe", "orderbook.50.ETHUSDT")
        snapshot = await receive(ws)
        advance(emu, "linear", 2000)  # a quiet market: 100 push periods pass
        walk(emu, "linear", "ETHUSDT", "1.001")
        advance(emu, "linear", 20)
        delta = await receive(ws)  # the first frame after the quiet spell is the change
        assert delta["type"] == "delta"
        assert delta["data"]["u"] == snapshot["data"]["u"] + 1


async def test_a_new_subscriber_starts_from_the_topics_last_push_and_shares_its_u(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    topic = "orderbook.200.BTCUSDT"
    async with (
        session.ws_connect(url(emu, "linear")) as first,
        session.ws_connect(url(emu, "linear")) as second,
    ):
        await request(first, "subscribe", topic)
        start = await receive(first)
        walk(emu, "linear", "BTCUSDT", "1.001")
        advance(emu, "linear", 100)
        pushed = await receive(first)
        assert pushed["data"]["u"] == start["data"]["u"] + 1
        walk(emu, "linear", "BTCUSDT", "0.998")  # changed, but not pushed yet
        await request(second, "subscribe", topic)
        late = await receive(second)
        assert late["type"] == "snapshot" and late["data"]["u"] == pushed["data"]["u"]
        book = {"bids": levels(start["data"]["b"]), "asks": levels(start["data"]["a"])}
        apply(book, pushed["data"])
        assert book == {"bids": levels(late["data"]["b"]), "asks": levels(late["data"]["a"])}
        advance(emu, "linear", 100)
        one, two = await receive(first), await receive(second)
        assert one == two and one["type"] == "delta"
        assert one["data"]["u"] == late["data"]["u"] + 1


async def test_level_one_is_snapshot_only_and_repeats_after_three_seconds(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "linear")) as ws:
        await request(ws, "subscribe", "orderbook.1.BTCUSDT")
        first = await receive(ws)
        assert list(first) == ["topic", "ts", "type", "data", "cts"]  # ts before type
        advance(emu, "linear", 3000)
        repeat = await receive(ws)
        assert repeat["type"] == "snapshot" and repeat["data"] == first["data"]
        walk(emu, "linear", "BTCUSDT", "1.002")
        advance(emu, "linear", 10)
        moved = await receive(ws)
        assert moved["type"] == "snapshot" and moved["data"]["u"] == first["data"]["u"] + 1
        view = emu.linear.depth("BTCUSDT", 1)
        assert levels(moved["data"]["b"]) == dict(view.bids)
        assert levels(moved["data"]["a"]) == dict(view.asks)


async def test_orderbook_frames_carry_the_documented_fields(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "linear")) as ws:
        await request(ws, "subscribe", "orderbook.50.DOGEUSDT")
        frame = await receive(ws)
        # linear depths above 1 put `type` before `ts` (orderbook.mdx, "reminder")
        assert list(frame) == ["topic", "type", "ts", "data", "cts"]
        assert list(frame["data"]) == ["s", "b", "a", "u", "seq"]
        assert frame["data"]["s"] == "DOGEUSDT" and len(frame["data"]["b"]) <= 50
        price, size = frame["data"]["b"][0]
        assert price == f"{Decimal(price):.5f}" and Decimal(size) > 0  # tick 0.00001
        assert frame["cts"] <= frame["ts"]
    async with session.ws_connect(url(emu, "spot")) as ws:
        await request(ws, "subscribe", "orderbook.50.BTCUSDT")
        frame = await receive(ws)
        assert list(frame) == ["topic", "ts", "type", "data", "cts"]  # spot: ts first


async def test_rest_sync_keeps_the_1000_level_u_shared_with_the_stream(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    hub = emu.streams.hubs["linear"]
    async with session.ws_connect(url(emu, "linear")) as ws:
        await request(ws, "subscribe", "orderbook.1000.BTCUSDT")
        start = await receive(ws)
        assert hub.sync_book("BTCUSDT") == (start["data"]["u"], start["data"]["seq"])
        walk(emu, "linear", "BTCUSDT", "1.001")
        u, seq = hub.sync_book("BTCUSDT")  # a REST snapshot taken now
        pushed = await receive(ws)  # ... was pushed to the stream at once
        assert (
            (pushed["data"]["u"], pushed["data"]["seq"])
            == (u, seq)
            == (
                start["data"]["u"] + 1,
                emu.linear.depth("BTCUSDT", 1).update_id,
            )
        )


# -- trades, tickers, klines -----------------------------------------------------------
@pytest.mark.parametrize("category", ["linear", "spot"])
async def test_public_trades_carry_the_takers_side_and_the_trade_ids(
    emu: BybitEmulator, session: aiohttp.ClientSession, category: Category
) -> None:
    engine = emu.engine(category)
    account = emu.keys.refs[0].engine_id
    async with session.ws_connect(url(emu, category)) as ws:
        await request(ws, "subscribe", "publicTrade.ETHUSDT")
        _, fills = engine.place(account, OrderRequest("ETHUSDT", "BUY", "MARKET", Decimal("2")))
        frame = await receive(ws)
        assert list(frame) == ["topic", "type", "ts", "data"] and frame["type"] == "snapshot"
        rows = frame["data"]
        assert [r["i"] for r in rows] == [public_trade_id_text(category, f.trade_id) for f in fills]
        for row, fill in zip(rows, fills, strict=True):
            assert row["S"] == "Buy" and row["s"] == "ETHUSDT" and row["T"] == fill.ts_ms
            assert Decimal(row["p"]) == fill.price and Decimal(row["v"]) == fill.qty
            assert row["BT"] is False and row["seq"] == engine.depth("ETHUSDT", 1).update_id
            # the tick direction is a derivatives-only field
            assert ("L" in row) == (category == "linear")
        if category == "linear":
            assert rows[0]["L"] in ("PlusTick", "ZeroPlusTick", "MinusTick", "ZeroMinusTick")
            assert all(r["L"] in ("PlusTick", "ZeroPlusTick") for r in rows[1:])


async def test_linear_tickers_send_a_snapshot_then_only_changed_fields(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "linear")) as ws:
        await request(ws, "subscribe", "tickers.BTCUSDT")
        snapshot = await receive(ws)
        assert list(snapshot) == ["topic", "type", "data", "cs", "ts"]
        fields = snapshot["data"]
        expected = {"symbol", "tickDirection", "price24hPcnt", "lastPrice", "prevPrice24h"}
        expected |= {"highPrice24h", "lowPrice24h", "prevPrice1h", "markPrice", "indexPrice"}
        expected |= {"openInterest", "openInterestValue", "turnover24h", "volume24h"}
        expected |= {"nextFundingTime", "fundingRate", "bid1Price", "bid1Size", "ask1Price"}
        assert set(fields) == expected | {"ask1Size"}
        view = emu.linear.depth("BTCUSDT", 1)
        assert Decimal(fields["bid1Price"]) == view.bids[0][0]
        assert Decimal(fields["ask1Size"]) == view.asks[0][1]
        assert snapshot["cs"] == view.update_id
        walk(emu, "linear", "BTCUSDT", "1.003")
        advance(emu, "linear", 100)
        delta = await receive(ws)
        assert delta["type"] == "delta" and delta["data"]["symbol"] == "BTCUSDT"
        changed = set(delta["data"]) - {"symbol"}
        assert {"markPrice", "indexPrice", "bid1Price", "ask1Price"} <= changed
        assert all(delta["data"][k] != fields[k] for k in changed)
        view = emu.linear.depth("BTCUSDT", 1)
        assert Decimal(delta["data"]["bid1Price"]) == view.bids[0][0]
        assert delta["cs"] == view.update_id
        mid = (view.bids[0][0] + view.asks[0][0]) / 2
        assert (
            abs(Decimal(delta["data"]["markPrice"]) - mid)
            <= emu.linear.instruments["BTCUSDT"].tick_size
        )


async def test_spot_tickers_are_snapshots(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "spot")) as ws:
        await request(ws, "subscribe", "tickers.ETHUSDT")
        first = await receive(ws)
        assert list(first) == ["topic", "ts", "type", "cs", "data"]
        assert set(first["data"]) == {
            "symbol", "lastPrice", "highPrice24h", "lowPrice24h", "prevPrice24h",
            "volume24h", "turnover24h", "price24hPcnt", "usdIndexPrice",
        }  # fmt: skip
        account = emu.keys.refs[0].engine_id
        emu.spot.place(account, OrderRequest("ETHUSDT", "SELL", "MARKET", Decimal("3")))
        advance(emu, "spot", 50)
        second = await receive(ws)
        assert second["type"] == "snapshot" and set(second["data"]) == set(first["data"])
        stats = emu.spot.ticker_24h("ETHUSDT")
        assert Decimal(second["data"]["lastPrice"]) == stats.last
        assert Decimal(second["data"]["volume24h"]) == stats.volume


async def test_kline_pushes_the_current_candle_then_confirms_it(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "linear")) as ws:
        await request(ws, "subscribe", "kline.1.BTCUSDT")
        advance(emu, "linear", 1000)
        frame = await receive(ws)
        assert list(frame) == ["topic", "data", "ts", "type"] and frame["type"] == "snapshot"
        (row,) = frame["data"]
        assert list(row) == [
            "start", "end", "interval", "open", "close", "high", "low",
            "volume", "turnover", "confirm", "timestamp",
        ]  # fmt: skip
        assert row["interval"] == "1" and row["confirm"] is False
        assert row["end"] == row["start"] + 60_000 - 1 and row["start"] <= frame["ts"] <= row["end"]
        (bar,) = emu.linear.klines("BTCUSDT", 60_000, row["start"], row["start"], 1)
        assert Decimal(row["close"]) == bar.close and Decimal(row["volume"]) == bar.volume
        # the next minute: the old candle is pushed once more, confirmed
        emu.clock_skew_ms += 60_000
        advance(emu, "linear", 1000)
        confirmed = await receive(ws)
        assert confirmed["data"][0]["start"] == row["start"]
        assert confirmed["data"][0]["confirm"] is True
        following = await receive(ws)
        assert following["data"][0]["start"] == row["start"] + 60_000
        assert following["data"][0]["confirm"] is False
