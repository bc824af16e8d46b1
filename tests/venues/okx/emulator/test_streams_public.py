"""The OKX emulator's public and business channels over real sockets (PROTOCOLS.md §3.4-3.5).

The emulator runs with `stream_time_scale=1000`, so its own stream clock is still; each
test drives it by hand (`advance`), which makes every push a consequence of what the test
did. Books are checked against a tiny reference merge kept here, the engine's own book
and a checksum recomputed from the strings received.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tradeport.emulator.engine import OrderRequest
from tradeport.venues.okx.emulator import OkxEmulator
from tradeport.venues.okx.emulator.stream_public import BASE_TICK_MS

WAIT = 5.0
SWAP = "BTC-USDT-SWAP"
SPOT = "ETH-USDT"
Side = dict[Decimal, tuple[str, str]]  # price -> (price text, size text) as received


@pytest.fixture
async def emu() -> AsyncIterator[OkxEmulator]:
    async with OkxEmulator(step_interval=None, seed=3, stream_time_scale=1000.0) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def url(emu: OkxEmulator, path: str = "public") -> str:
    return emu.base_url.replace("http", "ws", 1) + f"/ws/v5/{path}"


def advance(emu: OkxEmulator, ms: int) -> None:
    for _ in range(ms // BASE_TICK_MS):
        emu.streams.tick()


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


async def barrier(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Everything sent before now has arrived: the next frame is the answer to a ping."""
    await ws.send_str("ping")
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT and msg.data == "pong", msg


async def subscribe(
    ws: aiohttp.ClientWebSocketResponse, *args: dict[str, str], req_id: str | None = None
) -> list[dict[str, Any]]:
    """Send one subscribe and return its acks (asserting each is one)."""
    frame: dict[str, Any] = {"op": "subscribe", "args": list(args)}
    if req_id is not None:
        frame["id"] = req_id
    await ws.send_json(frame)
    acks = []
    for arg in args:
        ack = await receive(ws)
        assert ack["event"] == "subscribe" and ack["arg"] == arg, ack
        acks.append(ack)
    return acks


def doc_sample(name: str) -> dict[str, Any]:
    """A documented OKX push kept in tests/venues/okx/data (docs-v5 WS channel pages)."""
    path = Path(__file__).parent.parent / "data" / name
    sample: dict[str, Any] = json.loads(path.read_text())
    return sample


def walk(emu: OkxEmulator, inst: str, factor: str) -> None:
    engine = emu.swap if inst.endswith("-SWAP") else emu.spot
    tick = engine.instruments[inst].tick_size
    target = (engine.mark_price(inst) * Decimal(factor)).quantize(tick)
    emu.move_to("swap" if inst.endswith("-SWAP") else "spot", inst, target)


# -- a reference merge of `books` (docs-v5 "Checksum": merging incremental data) ---------
class Reference:
    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.bids: Side = {}
        self.asks: Side = {}
        self.apply(snapshot)

    def apply(self, data: dict[str, Any]) -> None:
        for side, rows in ((self.bids, data["bids"]), (self.asks, data["asks"])):
            for px, sz, _, orders in rows:
                if Decimal(sz) == 0:
                    assert orders == "0"
                    side.pop(Decimal(px))  # a deleted level must have been there
                else:
                    side[Decimal(px)] = (px, sz)

    def top(self, n: int = 400) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        bids = [self.bids[p] for p in sorted(self.bids, reverse=True)][:n]
        asks = [self.asks[p] for p in sorted(self.asks)][:n]
        return bids, asks

    def checksum(self) -> int:
        """CRC32 of the top 25 as docs-v5 builds it, independent of the emulator's code."""
        bids, asks = self.top(25)
        parts: list[str] = []
        for i in range(max(len(bids), len(asks))):
            if i < len(bids):
                parts += bids[i]
            if i < len(asks):
                parts += asks[i]
        value = zlib.crc32(":".join(parts).encode())
        return value - (1 << 32) if value >= 1 << 31 else value

    def as_numbers(self) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
        return (
            {p: Decimal(sz) for p, (_, sz) in self.bids.items()},
            {p: Decimal(sz) for p, (_, sz) in self.asks.items()},
        )


def engine_top(emu: OkxEmulator, inst: str, depth: int = 400) -> tuple[dict[Decimal, Decimal], ...]:
    """The engine's top `depth` levels with sizes in the venue's unit (contracts)."""
    engine = emu.swap if inst.endswith("-SWAP") else emu.spot
    view = engine.depth(inst, depth)
    bids = {p: emu.sizing.to_venue(inst, q) for p, q in view.bids}
    asks = {p: emu.sizing.to_venue(inst, q) for p, q in view.asks}
    return bids, asks


def test_reference_checksum_matches_the_documented_vectors() -> None:
    """PROTOCOLS.md vectors O1 and O2 (legacy OKEx docs, same check strings in v5)."""
    even = Reference({"bids": [["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]],
                      "asks": [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]]})  # fmt: skip
    assert even.checksum() == -1881014294
    uneven = Reference({"bids": [["3366.1", "7", "0", "3"]],
                        "asks": [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"],
                                 ["3372", "8", "3", "4"]]})  # fmt: skip
    assert uneven.checksum() == 831078360


# -- control ---------------------------------------------------------------------------
async def test_subscribe_acks_each_arg_echoing_id_and_conn_id(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    trades = {"channel": "trades", "instId": SWAP}
    spot_trades = {"channel": "trades", "instId": SPOT}
    async with session.ws_connect(url(emu)) as ws:
        acks = await subscribe(ws, trades, spot_trades, req_id="1512")
        assert [list(a) for a in acks] == [["id", "event", "arg", "connId"]] * 2
        assert {a["id"] for a in acks} == {"1512"}
        conn_id = acks[0]["connId"]
        assert len(conn_id) == 8 and acks[1]["connId"] == conn_id
        await ws.send_json({"op": "unsubscribe", "args": [trades]})
        bye = await receive(ws)
        assert bye == {"event": "unsubscribe", "arg": trades, "connId": conn_id}
        # the documented ack has the same fields
        assert list(doc_sample("ws_events.json")["subscribe"]) == list(acks[0])


async def test_refusals_name_what_was_wrong_and_leave_good_args_subscribed(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu)) as ws:
        bad = {"channel": "books", "instId": "NOPE-USDT"}
        good = {"channel": "trades", "instId": SWAP}
        await ws.send_json({"id": "7", "op": "subscribe", "args": [bad, good]})
        refused, ack = await receive(ws), await receive(ws)
        assert list(refused) == ["id", "event", "code", "msg", "connId"]
        assert refused["event"] == "error" and refused["code"] == "60018" and refused["id"] == "7"
        assert "channel:books,instId:NOPE-USDT doesn't exist" in refused["msg"]
        assert ack["event"] == "subscribe" and ack["arg"] == good
        for request, code in (
            ({"op": "subscribe", "args": [{"channel": "nope", "instId": SWAP}]}, "60018"),
            ({"op": "subscribe", "args": [{"channel": "books"}]}, "60012"),
            ({"op": "subscribe", "argss": [{"channel": "books", "instId": SWAP}]}, "60012"),
            ({"op": "subscribe", "args": [{"channel": "funding-rate", "instId": SPOT}]}, "60018"),
            ({"op": "subscribe", "args": [{"channel": "candle1m", "instId": SWAP}]}, "64001"),
            ({"op": "subscribe", "args": [{"channel": "orders", "instType": "ANY"}]}, "60018"),
            ({"op": "hello", "args": [{"channel": "books", "instId": SWAP}]}, "60019"),
        ):
            await ws.send_json(request)
            reply = await receive(ws)
            assert reply["event"] == "error" and reply["code"] == code, (request, reply)
        await ws.send_str("{not json")
        reply = await receive(ws)
        assert reply["code"] == "60012" and reply["msg"] == "Invalid request: {not json"
    async with session.ws_connect(url(emu, "business")) as ws:
        await ws.send_json({"op": "subscribe", "args": [{"channel": "books", "instId": SWAP}]})
        assert (await receive(ws))["code"] == "64002"


async def test_text_ping_is_answered_with_text_pong(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    for path in ("public", "business", "private"):
        async with session.ws_connect(url(emu, path)) as ws:
            await ws.send_str("ping")
            msg = await ws.receive(timeout=WAIT)
            assert msg.type == aiohttp.WSMsgType.TEXT and msg.data == "pong"


# -- books -----------------------------------------------------------------------------
async def test_books_updates_merge_to_the_engines_book_with_chained_seq_and_checksums(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    arg = {"channel": "books", "instId": SWAP}
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, arg)
        first = await receive(ws)
        assert first["arg"] == arg and first["action"] == "snapshot"
        data = first["data"][0]
        assert list(data) == list(doc_sample("ws_books_snapshot.json")["data"][0])
        assert data["prevSeqId"] == -1 and 0 < len(data["bids"]) <= 400
        book = Reference(data)
        assert book.as_numbers() == engine_top(emu, SWAP)
        assert data["checksum"] == book.checksum() != 0
        seq = data["seqId"]
        updates = 0
        for factor in ("1.0006", "0.9991", "1.0002", "0.9997", "1.0011", "0.998"):
            walk(emu, SWAP, factor)
            advance(emu, 100)
            frame = await receive(ws)
            assert frame["action"] == "update" and frame["arg"] == arg
            data = frame["data"][0]
            assert data["prevSeqId"] == seq and data["seqId"] > seq
            seq = data["seqId"]
            assert [Decimal(r[0]) for r in data["bids"]] == sorted(
                (Decimal(r[0]) for r in data["bids"]), reverse=True
            )
            assert [Decimal(r[0]) for r in data["asks"]] == sorted(
                Decimal(r[0]) for r in data["asks"]
            )
            book.apply(data)
            assert book.as_numbers() == engine_top(emu, SWAP)
            assert data["checksum"] == book.checksum()
            updates += 1
        assert updates == 6


async def test_book_levels_carry_the_number_of_resting_orders(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    user = emu.keys.refs[0].engine_id
    engine = emu.spot
    bid = engine.depth(SPOT, 1).bids[0][0]
    price = bid - engine.instruments[SPOT].tick_size * 3
    for _ in range(3):
        engine.place(user, OrderRequest(SPOT, "BUY", "LIMIT", Decimal("0.01"), price))
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, {"channel": "books", "instId": SPOT})
        data = (await receive(ws))["data"][0]
        rows = {Decimal(r[0]): r for r in data["bids"]}
        assert rows[price][2] == "0" and int(rows[price][3]) >= 3
        engine.cancel(user, SPOT, engine.open_orders(user, SPOT)[0].order_id)
        advance(emu, 100)
        update = (await receive(ws))["data"][0]
        changed = {Decimal(r[0]): r for r in update["bids"]}
        assert int(changed[price][3]) == int(rows[price][3]) - 1


async def test_a_quiet_book_sends_an_empty_heartbeat_after_sixty_seconds(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, {"channel": "books", "instId": SWAP})
        snapshot = (await receive(ws))["data"][0]
        advance(emu, 59_900)
        await barrier(ws)  # nothing was pushed during the quiet minute
        advance(emu, 100)
        beat = await receive(ws)
        data = beat["data"][0]
        assert beat["action"] == "update" and data["bids"] == [] and data["asks"] == []
        assert data["prevSeqId"] == data["seqId"] == snapshot["seqId"]
        assert data["checksum"] == snapshot["checksum"]


async def test_a_new_subscriber_gets_the_shared_state_and_the_same_updates(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    arg = {"channel": "books", "instId": SWAP}
    async with session.ws_connect(url(emu)) as first, session.ws_connect(url(emu)) as second:
        await subscribe(first, arg)
        start = (await receive(first))["data"][0]
        walk(emu, SWAP, "1.001")
        advance(emu, 100)
        pushed = (await receive(first))["data"][0]
        walk(emu, SWAP, "0.998")  # changed, not pushed yet
        await subscribe(second, arg)
        late = (await receive(second))["data"][0]
        assert late["seqId"] == pushed["seqId"] and late["prevSeqId"] == -1
        book = Reference(start)
        book.apply(pushed)
        assert book.top() == Reference(late).top()
        advance(emu, 100)
        one, two = await receive(first), await receive(second)
        assert one == two and one["data"][0]["prevSeqId"] == late["seqId"]


async def test_a_sequence_reset_continues_the_book_from_a_lower_seq_id(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, {"channel": "books", "instId": SWAP})
        snapshot = (await receive(ws))["data"][0]
        book = Reference(snapshot)
        emu.streams.reset_sequence(SWAP)
        walk(emu, SWAP, "1.002")
        advance(emu, 100)
        reset = (await receive(ws))["data"][0]
        assert reset["prevSeqId"] == snapshot["seqId"] and reset["seqId"] < reset["prevSeqId"]
        book.apply(reset)
        assert book.as_numbers() == engine_top(emu, SWAP)
        assert reset["checksum"] == book.checksum()
        walk(emu, SWAP, "0.997")
        advance(emu, 100)
        after = (await receive(ws))["data"][0]
        assert after["prevSeqId"] == reset["seqId"] < after["seqId"]
        book.apply(after)
        assert book.as_numbers() == engine_top(emu, SWAP)


async def test_a_dropped_update_shows_as_a_prev_seq_id_gap(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, {"channel": "books", "instId": SWAP})
        snapshot = (await receive(ws))["data"][0]
        emu.stream_faults.drop_depth(SWAP)
        walk(emu, SWAP, "1.002")
        advance(emu, 100)
        walk(emu, SWAP, "0.997")
        advance(emu, 100)
        frame = (await receive(ws))["data"][0]
        assert frame["prevSeqId"] != snapshot["seqId"] and frame["prevSeqId"] > snapshot["seqId"]


async def test_corrupt_checksum_spoils_exactly_the_next_push(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, {"channel": "books", "instId": SWAP})
        book = Reference((await receive(ws))["data"][0])
        emu.streams.corrupt_checksum(SWAP)
        walk(emu, SWAP, "1.002")
        advance(emu, 100)
        spoiled = (await receive(ws))["data"][0]
        book.apply(spoiled)
        assert spoiled["checksum"] not in (0, book.checksum())
        walk(emu, SWAP, "0.997")
        advance(emu, 100)
        healthy = (await receive(ws))["data"][0]
        book.apply(healthy)
        assert healthy["checksum"] == book.checksum()


async def test_checksums_switched_off_are_zero_and_can_come_back(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    emu.checksum = False
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, {"channel": "books", "instId": SPOT})
        book = Reference(snapshot := (await receive(ws))["data"][0])
        assert snapshot["checksum"] == 0
        walk(emu, SPOT, "1.002")
        advance(emu, 100)
        update = (await receive(ws))["data"][0]
        book.apply(update)
        assert update["checksum"] == 0
        emu.checksum = True
        walk(emu, SPOT, "0.997")
        advance(emu, 100)
        back = (await receive(ws))["data"][0]
        book.apply(back)
        assert back["checksum"] == book.checksum() != 0


# -- books5, bbo-tbt -------------------------------------------------------------------
@pytest.mark.parametrize(("channel", "depth", "period"), [("books5", 5, 100), ("bbo-tbt", 1, 10)])
async def test_snapshot_channels_push_the_engines_top_when_it_changes(
    emu: OkxEmulator, session: aiohttp.ClientSession, channel: str, depth: int, period: int
) -> None:
    arg = {"channel": channel, "instId": SWAP}
    sample = doc_sample("ws_books5.json" if channel == "books5" else "ws_bbo_tbt.json")
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, arg)
        for step in range(3):
            frame = await receive(ws)
            assert frame["arg"] == arg and "action" not in frame
            data = frame["data"][0]
            assert list(data) == list(sample["data"][0])
            bids = {Decimal(r[0]): Decimal(r[1]) for r in data["bids"]}
            asks = {Decimal(r[0]): Decimal(r[1]) for r in data["asks"]}
            assert (bids, asks) == engine_top(emu, SWAP, depth)
            assert data["seqId"] == emu.swap.depth(SWAP, 1).update_id
            walk(emu, SWAP, "1.001" if step % 2 else "0.999")
            advance(emu, period)


# -- tickers, trades, mark price, funding ----------------------------------------------
async def test_tickers_push_on_subscribe_and_after_a_trade(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    arg = {"channel": "tickers", "instId": SWAP}
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, arg)
        first = (await receive(ws))["data"][0]
        assert list(first) == list(doc_sample("ws_tickers.json")["data"][0])
        assert first["instType"] == "SWAP" and first["instId"] == SWAP
        stats = emu.swap.ticker_24h(SWAP)
        assert Decimal(first["vol24h"]) == emu.sizing.to_venue(SWAP, stats.volume)
        assert Decimal(first["volCcy24h"]) == stats.volume
        user = emu.keys.refs[0].engine_id
        emu.swap.place(user, OrderRequest(SWAP, "BUY", "MARKET", Decimal("0.05")))
        advance(emu, 100)
        after = (await receive(ws))["data"][0]
        last = emu.swap.ticker_24h(SWAP)
        assert Decimal(after["last"]) == last.last
        assert Decimal(after["lastSz"]) == emu.sizing.to_venue(SWAP, last.last_qty)
        assert Decimal(after["askPx"]) == last.ask and Decimal(after["bidPx"]) == last.bid


async def test_trades_aggregate_one_takers_fills_per_price(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    arg = {"channel": "trades", "instId": SWAP}
    user = emu.keys.refs[0].engine_id
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, arg)
        _, fills = emu.swap.place(user, OrderRequest(SWAP, "BUY", "MARKET", Decimal("2")))
        frame = await receive(ws)
        rows = frame["data"]
        assert frame["arg"] == arg
        assert list(rows[0]) == list(doc_sample("ws_trades.json")["data"][0])
        by_price: dict[Decimal, list[Any]] = {}
        for fill in fills:
            by_price.setdefault(fill.price, []).append(fill)
        assert [Decimal(r["px"]) for r in rows] == list(by_price)
        for row in rows:
            group = by_price[Decimal(row["px"])]
            assert row["side"] == "buy" and row["count"] == str(len(group))
            assert row["tradeId"] == str(group[-1].trade_id)
            qty = sum((f.qty for f in group), Decimal(0))
            assert Decimal(row["sz"]) == emu.sizing.to_venue(SWAP, qty)
            assert row["seqId"] == emu.swap.depth(SWAP, 1).update_id


async def test_mark_price_and_funding_rate_push_on_subscribe(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu)) as ws:
        await subscribe(ws, {"channel": "mark-price", "instId": SWAP})
        mark = (await receive(ws))["data"][0]
        assert list(mark) == list(doc_sample("ws_mark_price.json")["data"][0])
        tick = emu.swap.instruments[SWAP].tick_size
        assert abs(Decimal(mark["markPx"]) - emu.swap.mark_price(SWAP)) <= tick
        await subscribe(ws, {"channel": "funding-rate", "instId": SWAP})
        funding = (await receive(ws))["data"][0]
        assert funding["instId"] == SWAP and funding["instType"] == "SWAP"
        assert int(funding["fundingTime"]) % (8 * 3_600_000) == 0
        assert int(funding["fundingTime"]) > emu.now_ms()
        walk(emu, SWAP, "1.01")
        advance(emu, 200)
        moved = (await receive(ws))["data"][0]
        assert moved["markPx"] != mark["markPx"]


# -- candles ---------------------------------------------------------------------------
async def test_candles_on_business_match_the_engines_klines(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    arg = {"channel": "candle1m", "instId": SWAP}
    async with session.ws_connect(url(emu, "business")) as ws:
        await subscribe(ws, arg)
        await barrier(ws)  # nothing before the candle clock ticks
        advance(emu, 1000)
        frame = await receive(ws)
        assert frame["arg"] == arg
        row = frame["data"][0]
        assert len(row) == len(doc_sample("ws_candle.json")["data"][0]) == 9
        bar = emu.swap.klines(SWAP, 60_000, int(row[0]), int(row[0]), 1)[0]
        assert [Decimal(v) for v in row[1:5]] == [bar.open, bar.high, bar.low, bar.close]
        assert Decimal(row[5]) == emu.sizing.to_venue(SWAP, bar.volume)
        assert Decimal(row[6]) == bar.volume and Decimal(row[7]) == bar.quote_volume
        assert row[8] == "0"


async def test_candles_of_every_alignment_agree_with_rest(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    bars = ("1H", "6H", "6Hutc", "1D", "1Dutc", "1W")
    async with session.ws_connect(url(emu, "business")) as ws:
        for bar in bars:
            await subscribe(ws, {"channel": f"candle{bar}", "instId": SPOT})
        advance(emu, 1000)
        pushed = {}
        for _ in bars:
            frame = await receive(ws)
            pushed[frame["arg"]["channel"].removeprefix("candle")] = frame["data"][0]
    for bar in bars:
        query = f"/api/v5/market/candles?instId={SPOT}&bar={bar}&limit=1"
        async with session.get(emu.base_url + query) as resp:
            (rest,) = (await resp.json())["data"]
        assert pushed[bar] == rest, bar
