"""Public channels of both engines: engine events in, frames out (PROTOCOLS.md §3.4-3.5).

The engines' listeners run synchronously inside their flush, so `on_event` only records
and queues: trades wait for the book change that ends their operation and go out
together, one row per taker side and price (`count` the trades it aggregates); a book
change marks that instrument's book channels and ticker dirty. Everything timed runs on
a clock of `BASE_TICK_MS` steps of stream time (scaled by the emulator's
`stream_time_scale`): `bbo-tbt` every 10 ms, `books` and `books5` every 100 ms (push
order bbo-tbt, books, books5, as the docs fix it), tickers every 100 ms when a trade or
the touch changed them, `mark-price` every 200 ms when it moved and every 10 s anyway,
`funding-rate` every 30 s, candles every second.

Channel state is the instrument's and shared by its subscribers; book state outlives the
last subscriber so an instrument's `seqId` never goes back (unless reset on purpose).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from tradeport.emulator.engine import Engine
from tradeport.emulator.host.candles import CandleFeed
from tradeport.emulator.host.streams import HeldTrades, Subscribers
from tradeport.emulator.marketdata import BookDelta, PublicTrade
from tradeport.venues.okx.emulator import stream_candles as candles
from tradeport.venues.okx.emulator import stream_market as market
from tradeport.venues.okx.emulator import stream_payloads as out
from tradeport.venues.okx.emulator.stream_books import DEPTH, HEARTBEAT_MS, BookState, TextLevel
from tradeport.venues.okx.emulator.stream_payloads import Frame, InstText
from tradeport.venues.okx.emulator.stream_session import Session
from tradeport.venues.okx.emulator.stream_topics import CANDLE_PREFIX, Topic

BASE_TICK_MS = 10  # every period below is a multiple of it
BBO_MS = 10
BOOKS_MS = 100
TICKER_MS = 100
MARK_MS = 200
MARK_REPEAT_MS = 10_000  # "pushed in 10 seconds when there is no change"
FUNDING_MS = 30_000  # "the fastest interval 30 second"
CANDLE_MS = 1000  # "the fastest interval 1 second"
SNAPSHOT_REPEAT_MS = 60_000  # snapshot channels resend their latest after ~60 s unchanged
PARTIAL_DEPTH = {"books5": 5, "bbo-tbt": 1}
Key = tuple[str, str]  # (channel, instId)


@dataclass(slots=True)
class _Partial:
    """A snapshot-only book channel (`books5`, `bbo-tbt`) of one instrument, as last sent."""

    bids: list[list[str]]
    asks: list[list[str]]
    seq: int
    ts: int
    pushed_ms: int


class PublicStreams:
    def __init__(
        self,
        instruments: Mapping[str, tuple[Engine, InstText]],
        swaps: Collection[str],
        now_ms: Callable[[], int],
        checksums: Callable[[], bool],
    ) -> None:
        """`instruments`: every instId with its engine and text; `swaps`: the SWAP
        instIds among them; `checksums()` tells whether book pushes carry real
        checksums (False: 0)."""
        self.instruments = instruments
        self.swaps = swaps
        self.now_ms = now_ms
        self.checksums = checksums
        self._subs: Subscribers[Key, Session] = Subscribers()
        self._books: dict[str, BookState] = {}
        self._book_ts: dict[str, int] = {}
        self._dirty: dict[str, set[str]] = {"books": set(), "books5": set(), "bbo-tbt": set()}
        self._partials: dict[Key, _Partial] = {}
        self._trades: HeldTrades[PublicTrade] = HeldTrades(self._publish_trades)
        self._tickers: dict[str, Frame] = {}
        self._ticker_dirty: set[str] = set()
        self._marks: dict[str, tuple[str, int]] = {}  # instId -> (markPx, pushed at)
        self._candles: dict[Key, CandleFeed] = {}
        self._elapsed_ms = 0
        for engine in {id(e): e for e, _ in instruments.values()}.values():
            engine.subscribe(self.on_event)

    # -- subscriptions -----------------------------------------------------------------
    def subscribers(self, channel: str, inst: str) -> int:
        return self._subs.count((channel, inst))

    def subscribe(self, session: Session, topic: Topic) -> None:
        """Add `topic` for `session` and send what a new subscriber gets at once."""
        key = (topic.channel, topic.inst_id)
        session.topics[topic.key] = topic
        alone = self._subs.add(key, session)
        channel, inst = key
        if channel == "books":
            self._send_book_snapshot(session, inst, refresh=alone)
        elif channel in PARTIAL_DEPTH:
            self._send_partial(session, key, refresh=alone)
        elif channel == "tickers":
            fields = market.ticker(*self.instruments[inst], self.now_ms())
            self._tickers[inst] = fields
            session.send(out.push(topic.arg_dict(), [fields]))
        elif channel == "mark-price":
            row = market.mark_price(*self.instruments[inst], self.now_ms())
            self._marks[inst] = (str(row["markPx"]), self._elapsed_ms)
            session.send(out.push(topic.arg_dict(), [row]))
        elif channel == "funding-rate":
            row = market.funding_rate(inst, self.now_ms())
            session.send(out.push(topic.arg_dict(), [row]))
        elif topic.is_candle:
            self._candles.setdefault(key, CandleFeed()).waiting.add(session.key)

    def unsubscribe(self, session: Session, topic: Topic) -> None:
        session.topics.pop(topic.key, None)
        key = (topic.channel, topic.inst_id)
        if key not in self._subs:
            return
        emptied = self._subs.remove(key, session)
        state = self._candles.get(key)
        if state is not None:
            state.waiting.discard(session.key)
        if emptied:
            self._candles.pop(key, None)
            self._partials.pop(key, None)

    def drop(self, session: Session) -> None:
        for topic in list(session.topics.values()):
            self.unsubscribe(session, topic)

    def _publish(self, key: Key, frame: str, *, depth: bool = False) -> None:
        self._subs.publish(key, frame, depth_symbol=key[1] if depth else None)

    def _keys(self, channel: str) -> list[Key]:
        return [key for key in self._subs if key[0] == channel]

    # -- maintenance and faults --------------------------------------------------------
    def book(self, inst: str) -> BookState:
        """The `books` state of `inst` (ValueError for an unknown instrument)."""
        if inst not in self.instruments:
            raise ValueError(f"unknown instrument {inst!r}")
        return self._books.setdefault(inst, BookState())

    # -- engine events (synchronous, inside an engine's flush) -------------------------
    def on_event(self, event: object) -> None:
        if isinstance(event, PublicTrade):
            self._ticker_dirty.add(event.symbol)
            if self._subs.count(("trades", event.symbol)):
                self._trades.hold(event.symbol, event)
        elif isinstance(event, BookDelta):
            self._ticker_dirty.add(event.symbol)
            self._book_ts[event.symbol] = event.ts_ms
            for dirty in self._dirty.values():
                dirty.add(event.symbol)
            # an operation's trades come before its book change: the batch is complete
            self._trades.release(event.symbol, event.last_update_id)

    def _publish_trades(self, inst: str, pending: list[PublicTrade], seq: int) -> None:
        text = self.instruments[inst][1]
        rows: list[object] = []
        run: list[PublicTrade] = []
        for trade in pending:
            if run and (trade.price, trade.buyer_is_maker) != (run[0].price, run[0].buyer_is_maker):
                rows.append(_trade_row(text, run, seq))
                run = []
            run.append(trade)
        rows.append(_trade_row(text, run, seq))
        self._publish(("trades", inst), out.push({"channel": "trades", "instId": inst}, rows))

    # -- the clock ---------------------------------------------------------------------
    def tick(self) -> None:
        """Push the timed channels: one `BASE_TICK_MS` step of stream time."""
        self._elapsed_ms += BASE_TICK_MS
        elapsed = self._elapsed_ms
        self._trades.release_all(lambda inst: self.instruments[inst][0].depth(inst, 1).update_id)
        if elapsed % BBO_MS == 0:
            self._push_partials("bbo-tbt")
        if elapsed % BOOKS_MS == 0:
            self._push_books()
            self._push_partials("books5")
        if elapsed % TICKER_MS == 0:
            self._push_tickers()
        if elapsed % MARK_MS == 0:
            self._push_marks()
        if elapsed % FUNDING_MS == 0:
            self._push_funding()
        if elapsed % CANDLE_MS == 0:
            self._push_candles()

    # -- books -------------------------------------------------------------------------
    def _take_book(
        self, inst: str, state: BookState
    ) -> tuple[list[TextLevel], list[TextLevel]] | None:
        engine, text = self.instruments[inst]
        view = engine.depth(inst, DEPTH)
        bid_orders, ask_orders = engine.order_counts(inst, DEPTH)
        bids = [_level(text, p, q, n) for (p, q), n in zip(view.bids, bid_orders, strict=True)]
        asks = [_level(text, p, q, n) for (p, q), n in zip(view.asks, ask_orders, strict=True)]
        ts = self._book_ts.get(inst, view.ts_ms)
        return state.take(bids, asks, view.update_id, ts)

    def _send_book_snapshot(self, session: Session, inst: str, *, refresh: bool) -> None:
        state = self.book(inst)
        if refresh or not state.started:
            # nobody else follows this book: its state may be stale, bring it up to date
            self._dirty["books"].discard(inst)
            self._take_book(inst, state)
            state.pushed_ms = self._elapsed_ms
        # the snapshot a subscription starts from is not a pushed frame: no depth faults
        session.send(out.books(inst, state.snapshot(checksums=self.checksums())))

    def _push_books(self) -> None:
        dirty = self._dirty["books"]
        for key in self._keys("books"):
            inst = key[1]
            state = self.book(inst)
            frame = None
            if inst in dirty:
                dirty.discard(inst)
                prev = state.seq
                changes = self._take_book(inst, state)
                if changes is not None:
                    frame = state.update(prev, changes, checksums=self.checksums())
            if frame is None and self._elapsed_ms - state.pushed_ms >= HEARTBEAT_MS:
                frame = state.heartbeat(self.now_ms(), checksums=self.checksums())
            if frame is not None:
                self._publish(key, out.books(inst, frame), depth=True)
                state.pushed_ms = self._elapsed_ms

    # -- books5 and bbo-tbt ------------------------------------------------------------
    def _take_partial(self, key: Key) -> _Partial:
        channel, inst = key
        engine, text = self.instruments[inst]
        depth = PARTIAL_DEPTH[channel]
        view = engine.depth(inst, depth)
        bid_orders, ask_orders = engine.order_counts(inst, depth)
        bids = [
            _level(text, p, q, n).row() for (p, q), n in zip(view.bids, bid_orders, strict=True)
        ]
        asks = [
            _level(text, p, q, n).row() for (p, q), n in zip(view.asks, ask_orders, strict=True)
        ]
        ts = self._book_ts.get(inst, view.ts_ms)
        return _Partial(bids, asks, view.update_id, ts, self._elapsed_ms)

    def _partial_frame(self, key: Key, state: _Partial) -> str:
        return out.partial_book(key[0], key[1], state.bids, state.asks, state.ts, state.seq)

    def _send_partial(self, session: Session, key: Key, *, refresh: bool) -> None:
        state = self._partials.get(key)
        if refresh or state is None:
            self._dirty[key[0]].discard(key[1])
            state = self._partials[key] = self._take_partial(key)
        session.send(self._partial_frame(key, state))

    def _push_partials(self, channel: str) -> None:
        dirty = self._dirty[channel]
        for key in self._keys(channel):
            last = self._partials.get(key)
            if key[1] in dirty or last is None:
                state = self._take_partial(key)
                if last is None or (state.bids, state.asks) != (last.bids, last.asks):
                    self._partials[key] = state
                    self._publish(key, self._partial_frame(key, state), depth=True)
                    continue
            if last is not None and self._elapsed_ms - last.pushed_ms >= SNAPSHOT_REPEAT_MS:
                last.pushed_ms = self._elapsed_ms
                self._publish(key, self._partial_frame(key, last), depth=True)
        dirty.clear()

    # -- tickers, mark price, funding --------------------------------------------------
    def _push_tickers(self) -> None:
        dirty, self._ticker_dirty = self._ticker_dirty, set()
        now = self.now_ms()
        for key in self._keys("tickers"):
            inst = key[1]
            if inst not in dirty:
                continue
            fields = market.ticker(*self.instruments[inst], now)
            last = self._tickers.get(inst)
            if last is not None and _without_ts(last) == _without_ts(fields):
                continue
            self._tickers[inst] = fields
            self._publish(key, out.push({"channel": "tickers", "instId": inst}, [fields]))

    def _push_marks(self) -> None:
        now = self.now_ms()
        for key in self._keys("mark-price"):
            inst = key[1]
            row = market.mark_price(*self.instruments[inst], now)
            px, pushed = self._marks.get(inst, ("", -MARK_REPEAT_MS))
            if row["markPx"] == px and self._elapsed_ms - pushed < MARK_REPEAT_MS:
                continue
            self._marks[inst] = (str(row["markPx"]), self._elapsed_ms)
            self._publish(key, out.push({"channel": "mark-price", "instId": inst}, [row]))

    def _push_funding(self) -> None:
        now = self.now_ms()
        for key in self._keys("funding-rate"):
            row = market.funding_rate(key[1], now)
            self._publish(key, out.push({"channel": "funding-rate", "instId": key[1]}, [row]))

    # -- candles -----------------------------------------------------------------------
    def _push_candles(self) -> None:
        now = self.now_ms()
        for key in [k for k in self._subs if k[0].startswith(CANDLE_PREFIX)]:
            channel, inst = key
            engine, text = self.instruments[inst]
            spec = candles.BARS[channel.removeprefix(CANDLE_PREFIX)]
            state = self._candles.setdefault(key, CandleFeed())
            arg = {"channel": channel, "instId": inst}
            opened = spec.open_of(now)
            if state.open_ms is not None and state.open_ms != opened:
                closed = candles.candle(engine, inst, spec, state.open_ms, now)
                if closed is not None:
                    self._publish(key, out.push(arg, [out.candle_row(text, closed, confirm=True)]))
                state.pushed = None
            state.open_ms = opened
            bar = candles.candle(engine, inst, spec, opened, now)
            if bar is None:
                continue
            frame = functools.partial(out.push, arg, [out.candle_row(text, bar, confirm=False)])
            state.push(self._subs, key, bar, frame)


def _level(text: InstText, price: Decimal, qty: Decimal, orders: int) -> TextLevel:
    return TextLevel(price, text.px(price), text.sz(qty), orders)


def _trade_row(text: InstText, run: list[PublicTrade], seq: int) -> Frame:
    last = run[-1]
    side = "sell" if last.buyer_is_maker else "buy"  # the taker's side
    qty = sum((t.qty for t in run), Decimal(0))
    return out.trade_row(text, last.trade_id, last.price, qty, side, last.ts_ms, len(run), seq)


def _without_ts(fields: Frame) -> Frame:
    return {k: v for k, v in fields.items() if k != "ts"}
