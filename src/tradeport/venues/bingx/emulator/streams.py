"""The BingX emulator's public WebSocket side (PROTOCOLS.md §5.4-5.5): `/swap-market`.

Every frame it sends is gzip-compressed binary. A client subscribes with `{"id",
"reqType": "sub", "dataType": "<symbol>@<kind>"}` and is answered `{"id", "code": 0,
"msg": "", "dataType": "", "data": null}` (80015 for a dataType not served, 80403 past
200 topics). Served: `@incrDepth` (the whole book as `action: all` at once on
subscription, then one `update` per book change, each `lastUpdateId` one past the
previous), `@depth<5|10|20|50|100>@<200ms|500ms|1000ms>` (the top N levels every
period, when they changed; `@depth<N>` alone every 500 ms), `@trade` (an array of
trades per operation), `@bookTicker` (when the top of the book changes), `@markPrice`
and `@ticker` (each second of stream time, when it changed) and `@kline_<interval>`
(the current bar when it changed, and the bar that just closed once, at the turn).
The venue's heartbeat is a `Ping` frame every 5 s of stream time (scaled by
`stream_time_scale`), answered with the text `Pong`; a connection that left the last
`MISSED_PINGS` pings unanswered is closed instead of being pinged again (the docs say
only that missing pongs disconnect [?]).

The same path with `?listenKey=<key>` is the account stream (account_stream.py): a
live key is needed to connect (HTTP 401 otherwise), and the socket takes market topics
and gets the venue's pings as any other.

Connections are named "swap:/swap-market" ("swap:/swap-market#account" with a listen
key) for stream faults; incremental depth updates name their symbol, so the drop /
duplicate / reorder faults apply to them (never to the `all` a subscription starts
from).
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from aiohttp import web

from tradeport.emulator.host.candles import CandleFeed, month_kline, month_open
from tradeport.emulator.host.rest import json_response
from tradeport.emulator.host.streams import (
    Clocked,
    StreamHost,
    StreamSession,
    StreamSkin,
    Subscribers,
)
from tradeport.emulator.marketdata import BookDelta, Kline, Level, PublicTrade
from tradeport.emulator.symbol_set import follow
from tradeport.emulator.tape import bucket_open
from tradeport.emulator.ws import StreamConnection
from tradeport.venues.bingx.emulator import payloads as p
from tradeport.venues.bingx.emulator.account_stream import AccountStreams
from tradeport.venues.bingx.emulator.context import BingxContext, wire_symbol
from tradeport.venues.bingx.emulator.errors import envelope
from tradeport.venues.bingx.emulator.market import INTERVALS
from tradeport.venues.bingx.emulator.payloads import gz

PATH = "/swap-market"
CONNECTION = f"swap:{PATH}"
ACCOUNT_CONNECTION = f"{CONNECTION}#account"
PING_SECONDS = 5.0  # "the server sends Ping about every 5 s"
TICK_MS = 100  # the stream clock's step; every period below is a multiple of it
PING_TICKS = int(PING_SECONDS * 1000) // TICK_MS
MISSED_PINGS = 2
NO_PONG = 1000  # the close code of a connection that stopped answering (our choice)
PARTIAL_LEVELS = frozenset({5, 10, 20, 50, 100})  # `@depth<N>@<period>`
PARTIAL_PERIODS = {"200ms": 200, "500ms": 500, "1000ms": 1000}
DEFAULT_PARTIAL_PERIOD = "500ms"  # of a `depth<N>` named without one [?]
MAX_TOPICS = 200
FULL_DEPTH = 1000  # `@incrDepth` carries up to 1000 levels a side
KINDS = frozenset({"incrDepth", "trade", "bookTicker", "markPrice", "ticker"})
MARK_MS = 1000  # how often a changed mark price is pushed (the docs give no period) [?]
TICKER_MS = 1000  # "@ticker: every 1 s"
NOT_SUPPORTED = 80015
TOO_MANY_TOPICS = 80403
PING_FRAME = gzip.compress(b"Ping")


def _levels(levels: Iterable[Level]) -> list[list[str]]:
    return [[str(price), str(qty)] for price, qty in levels]


@dataclass(eq=False)
class Session(StreamSession):
    topics: set[str] = field(default_factory=set)
    pongs: int = 0
    unanswered: int = 0  # pings sent since the last Pong
    # set at every Pong (tests wait on it)
    ponged: asyncio.Event = field(default_factory=asyncio.Event)


class PublicHub:
    """The swap market's topics: engine events in, gzip frames out."""

    def __init__(self, ctx: BingxContext) -> None:
        self.ctx = ctx
        self.engine = ctx.swap
        self.symbols = follow(ctx.symbols, lambda s: (wire_symbol(s), s.symbol))  # wire → engine
        self.wire = follow(ctx.symbols, lambda s: (s.symbol, wire_symbol(s)))
        self._subs: Subscribers[str, Session] = Subscribers()
        self._sessions: dict[int, Session] = {}
        # engine symbol → `lastUpdateId` of its incremental depth: one per book change
        self._update_ids: dict[str, int] = {}
        self._tops: dict[str, tuple[Level | None, Level | None]] = {}
        # partial depth topics → (levels, period ms, the levels last pushed)
        self._partials: dict[str, tuple[int, int, object]] = {}
        self._ticks = 0
        self._marks: dict[str, Decimal | None] = {}  # markPrice topics → last pushed
        self._tickers: dict[str, object] = {}  # ticker topics → the data last pushed
        self._candles: dict[str, CandleFeed] = {}  # kline topics → what they pushed
        self._closing: set[asyncio.Task[None]] = set()
        self.unanswering = 0  # connections closed for leaving pings unanswered
        self.engine.subscribe(self.on_event)

    # -- sessions ----------------------------------------------------------------------
    def join(self, session: Session) -> None:
        self._sessions[session.key] = session

    def drop(self, session: Session) -> None:
        self._sessions.pop(session.key, None)
        for name in list(session.topics):
            self._leave(session, name)
        session.topics.clear()

    def _leave(self, session: Session, name: str) -> None:
        session.topics.discard(name)
        if self._subs.remove(name, session):
            self._partials.pop(name, None)
            self._marks.pop(name, None)
            self._tickers.pop(name, None)
            self._candles.pop(name, None)

    def handle(self, session: Session, text: str) -> None:
        if text == "Pong":
            session.pongs += 1
            session.unanswered = 0
            session.ponged.set()
            return
        try:
            request = json.loads(text)
            req_id, req_type, name = request["id"], request["reqType"], request["dataType"]
        except (ValueError, KeyError, TypeError):
            session.conn.send(gz({"code": 100400, "msg": "unreadable request", "data": None}))
            return
        if req_type == "sub":
            self._subscribe(session, str(req_id), str(name))
        elif req_type == "unsub":
            self._leave(session, str(name))
            session.conn.send(_answer(req_id, 0, ""))
        else:
            session.conn.send(_answer(req_id, NOT_SUPPORTED, f"reqType {req_type} not supported"))

    def _subscribe(self, session: Session, req_id: str, name: str) -> None:
        wire, _, kind = name.partition("@")
        symbol = self.symbols.get(wire)
        partial = _partial(kind)
        interval = kind.removeprefix("kline_") if kind.startswith("kline_") else None
        known = kind in KINDS or partial is not None or interval in INTERVALS
        if symbol is None or not known:
            session.conn.send(_answer(req_id, NOT_SUPPORTED, f"dataType {name} not supported"))
            return
        if name not in session.topics and len(session.topics) >= MAX_TOPICS:
            session.conn.send(_answer(req_id, TOO_MANY_TOPICS, "too many topics"))
            return
        session.topics.add(name)
        self._subs.add(name, session)
        session.conn.send(_answer(req_id, 0, ""))
        if partial is not None:
            # pushed to every subscriber at the topic's next period
            self._partials[name] = (*partial, None)
        elif kind == "markPrice":
            self._marks[name] = None  # the next mark tick pushes it to everyone
        elif kind == "ticker":
            self._tickers[name] = None  # the next ticker tick pushes it to everyone
        elif interval is not None:
            # the current bar goes to this connection at the next tick
            self._candles.setdefault(name, CandleFeed()).waiting.add(session.key)
        if kind == "incrDepth":
            # the whole book with the id the next update continues; not a pushed
            # update, so the depth faults leave it alone
            view = self.engine.depth(symbol, FULL_DEPTH)
            data = {
                "action": "all",
                "lastUpdateId": self._update_ids.get(symbol, 0),
                "time": view.ts_ms,
                "bids": _levels(view.bids),
                "asks": _levels(view.asks),
            }
            session.conn.send(gz(_push(name, data, self.ctx.now_ms())))

    # -- engine events (synchronous, inside the engine's flush: state is final) ---------
    def on_event(self, event: object) -> None:
        if isinstance(event, BookDelta):
            self._on_book(event)
        elif isinstance(event, PublicTrade):
            self._on_trade(event)

    def _on_book(self, delta: BookDelta) -> None:
        symbol = delta.symbol
        update_id = self._update_ids[symbol] = self._update_ids.get(symbol, 0) + 1
        wire = self.wire[symbol]
        name = f"{wire}@incrDepth"
        if name in self._subs:
            data = {
                "action": "update",
                "lastUpdateId": update_id,
                "time": delta.ts_ms,
                "bids": _levels(delta.bids),
                "asks": _levels(delta.asks),
            }
            self._subs.publish(name, gz(_push(name, data, delta.ts_ms)), depth_symbol=symbol)
        ticker = f"{wire}@bookTicker"
        view = self.engine.depth(symbol, 1)
        top = (view.bids[0] if view.bids else None, view.asks[0] if view.asks else None)
        if ticker not in self._subs or self._tops.get(symbol) == top:
            return
        self._tops[symbol] = top
        bid, ask = top
        if bid is None or ask is None:
            return
        data = {
            "e": "bookTicker",
            "u": update_id,
            "E": self.ctx.now_ms(),
            "T": view.ts_ms,
            "s": wire,
            "b": str(bid[0]),
            "B": str(bid[1]),
            "a": str(ask[0]),
            "A": str(ask[1]),
        }
        self._subs.publish(ticker, gz(_push(ticker, data, view.ts_ms)))

    def _on_trade(self, trade: PublicTrade) -> None:
        name = f"{self.wire[trade.symbol]}@trade"
        if name not in self._subs:
            return
        row = {
            "q": str(trade.qty),
            "p": str(trade.price),
            "T": trade.ts_ms,
            "m": trade.buyer_is_maker,
            "s": self.wire[trade.symbol],
        }
        self._subs.publish(name, gz(_push(name, [row], trade.ts_ms)))

    # -- the clock: partial books and the venue's heartbeat ----------------------------
    def tick(self) -> None:
        self._ticks += 1
        elapsed = self._ticks * TICK_MS
        for name, (levels, period, last) in list(self._partials.items()):
            if elapsed % period:
                continue
            wire = name.partition("@")[0]
            view = self.engine.depth(self.symbols[wire], levels)
            if (view.bids, view.asks) == last:
                continue
            self._partials[name] = (levels, period, (view.bids, view.asks))
            data = {"bids": _levels(view.bids), "asks": _levels(view.asks)}
            self._subs.publish(name, gz(_push(name, data, self.ctx.now_ms())))
        if elapsed % MARK_MS == 0:
            self._push_marks()
        if elapsed % TICKER_MS == 0:
            self._push_tickers()
        self._push_klines()
        if self._ticks % PING_TICKS == 0:
            for session in list(self._sessions.values()):
                self._ping(session)

    def _ping(self, session: Session) -> None:
        if session.conn.closed:
            return
        if session.unanswered >= MISSED_PINGS:
            self.unanswering += 1
            task = asyncio.get_running_loop().create_task(session.conn.close(NO_PONG, b"no pong"))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
            return
        session.unanswered += 1
        session.conn.send(PING_FRAME)

    async def stop(self) -> None:
        if self._closing:
            await asyncio.gather(*self._closing)

    def _push_marks(self) -> None:
        now = self.ctx.now_ms()
        for name, last in list(self._marks.items()):
            wire = name.partition("@")[0]
            mark = self.engine.mark_price(self.symbols[wire])
            if mark == last:
                continue
            self._marks[name] = mark
            data = {"e": "markPriceUpdate", "E": now, "s": wire, "p": str(mark)}
            self._subs.publish(name, gz(_push(name, data, now)))

    def _push_tickers(self) -> None:
        now = self.ctx.now_ms()
        for name, last in list(self._tickers.items()):
            wire = name.partition("@")[0]
            data = p.ticker_push(wire, self.engine.ticker_24h(self.symbols[wire]), now)
            shown = {k: v for k, v in data.items() if k not in ("E", "C", "O")}
            if shown == last:
                continue
            self._tickers[name] = shown
            self._subs.publish(name, gz(_push(name, data, now)))

    def _push_klines(self) -> None:
        now = self.ctx.now_ms()
        for name, feed in list(self._candles.items()):
            wire, _, kind = name.partition("@")
            symbol, interval = self.symbols[wire], kind.removeprefix("kline_")
            bar = self._bar(symbol, interval, None, now)
            if bar is None:
                continue
            if feed.open_ms is not None and feed.open_ms != bar.open_ms:
                closed = self._bar(symbol, interval, feed.open_ms, now)
                if closed is not None:  # the bar that just closed, once
                    self._subs.publish(name, _kline_frame(name, wire, closed))
                feed.pushed = None
            feed.open_ms = bar.open_ms
            feed.push(self._subs, name, bar, functools.partial(_kline_frame, name, wire, bar))

    def _bar(self, symbol: str, interval: str, open_ms: int | None, now: int) -> Kline | None:
        """The bar of `interval` opened at `open_ms` (the current one: None); months
        are calendar months. None before the symbol's first trade."""
        if interval == "1M":
            return month_kline(self.engine, symbol, open_ms or month_open(now), now)
        step = INTERVALS[interval]
        start = bucket_open(now, step) if open_ms is None else open_ms
        bars = self.engine.klines(symbol, step, start, start, 1)
        return bars[0] if bars else None

    def update_id(self, wire: str) -> int:
        """The `lastUpdateId` of `wire`'s incremental depth now."""
        return self._update_ids.get(self.symbols[wire], 0)


def _partial(kind: str) -> tuple[int, int] | None:
    """(levels, period ms) of a `depth<N>@<period>` kind, or of `depth<N>` alone (as
    ccxt subscribes it; pushed at the default period); None for any other."""
    head, _, period = kind.partition("@")
    count = head.removeprefix("depth")
    if not head.startswith("depth") or not count.isdigit() or int(count) not in PARTIAL_LEVELS:
        return None
    period_ms = PARTIAL_PERIODS.get(period or DEFAULT_PARTIAL_PERIOD)
    return None if period_ms is None else (int(count), period_ms)


def _kline_frame(name: str, wire: str, bar: Kline) -> bytes:
    # as the documented swap push: the bars in `data`, the symbol beside it, no `ts`
    return gz({"code": 0, "dataType": name, "s": wire, "data": [p.kline_push(bar)]})


def _answer(req_id: object, code: int, msg: str) -> bytes:
    return gz({"id": req_id, "code": code, "msg": msg, "dataType": "", "data": None})


def _push(name: str, data: object, ts: int) -> dict[str, object]:
    return {"code": 0, "dataType": name, "ts": ts, "data": data}


class BingxStreams(StreamSkin):
    def __init__(self, ctx: BingxContext, account: AccountStreams) -> None:
        self.ctx = ctx
        self.hub = PublicHub(ctx)
        self.account = account
        host = StreamHost(ctx.stream_faults, ctx.connections, "bingx")
        super().__init__(host, TICK_MS / 1000 * ctx.stream_time_scale)

    def clocks(self) -> Iterable[tuple[str, Clocked]]:
        return [("swap", self.hub), ("account", self.account)]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(PATH, self._serve)

    async def stop(self) -> None:
        await super().stop()
        await self.hub.stop()
        await self.account.stop()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        key = request.query.get("listenKey")
        account_id = None if key is None else self.account.owner(key)
        if key is not None and account_id is None:
            # refused before the upgrade: the client sees it at once and takes a new key
            return json_response(envelope(100413, "listenKey does not exist", None), 401)
        ws, conn = await self.host.accept(
            request, CONNECTION if account_id is None else ACCOUNT_CONNECTION
        )
        session = Session(conn)
        self.hub.join(session)
        if key is not None and account_id is not None:
            self.account.join(conn, key, account_id)

        async def on_text(_: StreamConnection, text: str) -> None:
            self.hub.handle(session, text)

        def on_close() -> None:
            self.hub.drop(session)
            self.account.drop(conn)

        await self.host.serve(conn, on_text, on_close=on_close)
        return ws


def install_streams(
    ctx: BingxContext, account: AccountStreams, app: web.Application
) -> BingxStreams:
    """Add the WebSocket route; call before any catch-all REST route."""
    service = BingxStreams(ctx, account)
    service.add_routes(app)
    return service
