"""One category's public topics: engine events in, frames out (PROTOCOLS.md §4.4-4.5).

The engine's listener runs synchronously inside its flush, so `on_event` only records:
trades wait for the book change that ends their operation and go out together as one
`publicTrade` frame; a book change marks that symbol's book topics dirty. Everything
timed runs on a clock of `BASE_TICK_MS` steps of stream time (scaled by the emulator's
`stream_time_scale`): books every 10/20/100/200 ms by depth, tickers every 100 ms
(linear) or 50 ms (spot), klines every second.

State is kept per topic and shared by its subscribers; book and ticker state outlives
the last subscriber so a topic's `u` only ever grows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from decimal import Decimal

from tradeport.emulator.engine import Engine
from tradeport.emulator.host.candles import CandleFeed
from tradeport.emulator.host.streams import HeldTrades, Subscribers
from tradeport.emulator.marketdata import BookDelta, PublicTrade
from tradeport.emulator.symbol_set import follow
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.bybit.emulator import stream_klines as candles
from tradeport.venues.bybit.emulator import stream_payloads as out
from tradeport.venues.bybit.emulator.ids import Category
from tradeport.venues.bybit.emulator.stream_books import BookChange, BookTopic
from tradeport.venues.bybit.emulator.stream_session import Session
from tradeport.venues.bybit.emulator.stream_tickers import TickerFields, tick_direction
from tradeport.venues.bybit.emulator.stream_topics import LEVEL1_REPEAT_MS, PublicTopic

BASE_TICK_MS = 10  # every period below is a multiple of it
TICKER_MS: dict[Category, int] = {"linear": 100, "spot": 50}
# Tickers are recomputed when their symbol traded or its book changed, and at least this
# often for what moves with time alone (the rolling 24 h window, the funding time).
TICKER_REFRESH_MS = 1000
KLINE_MS = 1000  # "Push frequency: 1-60s"
MAX_TRADES_PER_FRAME = 1024  # publicTrade: "≤1024 trades per message"


class PublicStreams:
    def __init__(
        self,
        category: Category,
        engine: Engine,
        specs: Sequence[SymbolSpec],
        now_ms: Callable[[], int],
        open_interest: Callable[[str], Decimal],
    ) -> None:
        self.category = category
        self.engine = engine
        self.now_ms = now_ms
        self.texts = follow(specs, lambda s: (s.symbol, out.SymbolText.of(s)))
        self.symbols = self.texts.keys()
        self.fields = TickerFields(engine, self.texts, open_interest)
        self._subs: Subscribers[str, Session] = Subscribers()
        self._topics: dict[str, PublicTopic] = {}  # topics with subscribers
        self._by_symbol: dict[tuple[str, str], set[str]] = {}  # (kind, symbol) -> names
        self._books: dict[str, BookTopic] = {}
        self._dirty: set[str] = set()
        self._book_ts: dict[str, int] = {}  # symbol -> time of its last book change
        self._trades: HeldTrades[tuple[PublicTrade, str]] = HeldTrades(self._publish_trades)
        self._last_trade: dict[str, PublicTrade] = {}
        self._direction: dict[str, str] = {}
        self._tickers: dict[str, out.Fields] = {}
        self._ticker_dirty: set[str] = set()  # symbols
        self._klines: dict[str, CandleFeed] = {}
        self._elapsed_ms = 0
        engine.subscribe(self.on_event)

    # -- subscriptions -----------------------------------------------------------------
    def subscribers(self, name: str) -> int:
        return self._subs.count(name)

    def subscribe(self, session: Session, topic: PublicTopic) -> None:
        """Add `topic` for `session` and send what a new subscriber gets at once."""
        session.public[topic.name] = topic
        alone = self._subs.add(topic.name, session)
        if alone:
            self._topics[topic.name] = topic
            self._by_symbol.setdefault((topic.kind, topic.symbol), set()).add(topic.name)
        if topic.kind == "orderbook":
            self._send_book_snapshot(session, topic, refresh=alone)
        elif topic.kind == "tickers":
            self._send_ticker_snapshot(session, topic, refresh=alone)
        elif topic.kind == "kline":
            self._klines.setdefault(topic.name, CandleFeed()).waiting.add(session.key)

    def unsubscribe(self, session: Session, name: str) -> None:
        topic = session.public.pop(name, None)
        if topic is None or name not in self._subs:
            return
        emptied = self._subs.remove(name, session)
        kline = self._klines.get(name)
        if kline is not None:
            kline.waiting.discard(session.key)
        if not emptied:
            return
        del self._topics[name]
        self._by_symbol[(topic.kind, topic.symbol)].discard(name)
        self._dirty.discard(name)
        self._klines.pop(name, None)

    def drop(self, session: Session) -> None:
        for name in list(session.public):
            self.unsubscribe(session, name)

    def _publish(self, name: str, frame: str, *, depth_symbol: str | None = None) -> None:
        self._subs.publish(name, frame, depth_symbol=depth_symbol)

    def _names(self, kind: str, symbol: str) -> set[str]:
        return self._by_symbol.get((kind, symbol), set())

    # -- engine events (synchronous, inside the engine's flush) ------------------------
    def on_event(self, event: object) -> None:
        if isinstance(event, PublicTrade):
            self._ticker_dirty.add(event.symbol)
            self._on_trade(event)
        elif isinstance(event, BookDelta):
            self._ticker_dirty.add(event.symbol)
            self._book_ts[event.symbol] = event.ts_ms
            self._dirty.update(self._names("orderbook", event.symbol))
            # an operation's trades come before its book change: the batch is complete
            self._trades.release(event.symbol, event.last_update_id)

    def _on_trade(self, trade: PublicTrade) -> None:
        previous = self._last_trade.get(trade.symbol)
        direction = tick_direction(
            previous.price if previous is not None else None,
            trade.price,
            self._direction.get(trade.symbol, "ZeroPlusTick"),
        )
        self._direction[trade.symbol] = direction
        self._last_trade[trade.symbol] = trade
        if self._names("publicTrade", trade.symbol):
            self._trades.hold(trade.symbol, (trade, direction))

    def _publish_trades(
        self, symbol: str, pending: list[tuple[PublicTrade, str]], seq: int
    ) -> None:
        name = f"publicTrade.{symbol}"
        text, now = self.texts[symbol], self.now_ms()
        rows = [out.trade_row(self.category, text, t, d, seq) for t, d in pending]
        for first in range(0, len(rows), MAX_TRADES_PER_FRAME):
            chunk = rows[first : first + MAX_TRADES_PER_FRAME]
            self._publish(name, out.trades(name, chunk, now))

    # -- the clock ---------------------------------------------------------------------
    def tick(self) -> None:
        """Push the timed topics: one `BASE_TICK_MS` step of stream time."""
        self._elapsed_ms += BASE_TICK_MS
        elapsed = self._elapsed_ms
        self._trades.release_all(lambda symbol: self.engine.depth(symbol, 1).update_id)
        for name, topic in list(self._topics.items()):
            if topic.kind == "orderbook" and elapsed % topic.period_ms == 0:
                self._push_book(name, topic)
        if elapsed % TICKER_MS[self.category] == 0:
            self._push_tickers()
        if elapsed % KLINE_MS == 0:
            self._push_klines()

    # -- order books -------------------------------------------------------------------
    def _take(self, name: str, topic: PublicTopic) -> tuple[BookTopic, BookChange | None]:
        """The topic's state, advanced to the engine's book if it changed since; the
        change is None unless the top N moved (the state's `u` went up)."""
        state = self._books.get(name)
        if state is None:
            state = self._books[name] = BookTopic(topic.depth)
        if state.started and name not in self._dirty:
            return state, None
        self._dirty.discard(name)
        view = self.engine.depth(topic.symbol, topic.depth)
        return state, state.advance(view, self._book_ts.get(topic.symbol, view.ts_ms))

    def _push_book(self, name: str, topic: PublicTopic) -> None:
        state, change = self._take(name, topic)
        if topic.depth == 1:
            # level 1 is snapshot-only, re-pushed unchanged (same u) after 3 s
            if change is None and self._elapsed_ms - state.pushed_ms < LEVEL1_REPEAT_MS:
                return
            change = None
        elif change is None:
            return
        frame = self._book_frame(topic, state, change)
        self._publish(name, frame, depth_symbol=topic.symbol)
        state.pushed_ms = self._elapsed_ms

    def _send_book_snapshot(self, session: Session, topic: PublicTopic, *, refresh: bool) -> None:
        state = self._books.get(topic.name)
        if refresh or state is None:
            # nobody else follows this topic: its state may be stale, bring it up to date
            self._dirty.add(topic.name)
            state, _ = self._take(topic.name, topic)
            state.pushed_ms = self._elapsed_ms
        # the snapshot a subscription starts from is not a pushed frame: no depth faults
        session.send(self._book_frame(topic, state, None))

    def sync_book(self, symbol: str, depth: int = 1000) -> tuple[int, int]:
        """`(u, seq)` of `orderbook.{depth}.{symbol}` once brought up to the engine's book
        now, for REST's `/v5/market/orderbook`, whose `u` is the 1000-level stream's
        (§4.3). A change is pushed to the topic's subscribers at once, so their `u`
        stays contiguous and a REST snapshot is never ahead of the stream."""
        topic = PublicTopic(f"orderbook.{depth}.{symbol}", "orderbook", symbol, depth=depth)
        self._dirty.add(topic.name)
        if topic.name in self._topics:
            self._push_book(topic.name, topic)
            state = self._books[topic.name]
        else:
            state, _ = self._take(topic.name, topic)
        return state.u, state.seq

    def _book_frame(self, topic: PublicTopic, state: BookTopic, change: BookChange | None) -> str:
        """A delta of `change`, or (None) a snapshot of the state."""
        if change is None:
            kind, bids, asks = "snapshot", state.bid_levels(), state.ask_levels()
        else:
            kind, bids, asks = "delta", change.bids, change.asks
        text = self.texts[topic.symbol]
        data = out.book_data(text, topic.symbol, bids, asks, state.u, state.seq)
        return out.orderbook(
            self.category,
            topic.name,
            kind,
            depth=topic.depth,
            data=data,
            ts=self.now_ms(),
            cts=state.cts,
        )

    # -- tickers -----------------------------------------------------------------------
    def _ticker(self, symbol: str, now: int) -> out.Fields:
        if self.category == "spot":
            return self.fields.spot(symbol, now)
        return self.fields.linear(symbol, now, self._direction.get(symbol, "ZeroPlusTick"))

    def _send_ticker_snapshot(self, session: Session, topic: PublicTopic, *, refresh: bool) -> None:
        now = self.now_ms()
        if refresh or topic.name not in self._tickers:
            self._tickers[topic.name] = self._ticker(topic.symbol, now)
        cs = self.engine.depth(topic.symbol, 1).update_id
        data = self._tickers[topic.name]
        session.send(out.ticker(self.category, topic.name, "snapshot", data, cs, now))

    def _push_tickers(self) -> None:
        now = self.now_ms()
        dirty, self._ticker_dirty = self._ticker_dirty, set()
        every = self._elapsed_ms % TICKER_REFRESH_MS == 0
        for name, topic in list(self._topics.items()):
            if topic.kind != "tickers" or not (every or topic.symbol in dirty):
                continue
            fields = self._ticker(topic.symbol, now)
            last = self._tickers.get(name, {})
            if fields == last:
                continue
            self._tickers[name] = fields
            cs = self.engine.depth(topic.symbol, 1).update_id
            if self.category == "spot":
                frame = out.ticker("spot", name, "snapshot", fields, cs, now)
            else:
                # linear deltas carry only what changed; a missing field is unchanged
                changed = {k: v for k, v in fields.items() if last.get(k) != v}
                frame = out.ticker(
                    "linear", name, "delta", {"symbol": topic.symbol, **changed}, cs, now
                )
            self._publish(name, frame)

    # -- klines ------------------------------------------------------------------------
    def _push_klines(self) -> None:
        now = self.now_ms()
        for name, topic in list(self._topics.items()):
            if topic.kind != "kline":
                continue
            state = self._klines.setdefault(name, CandleFeed())
            bar = candles.current(self.engine, topic.symbol, topic.interval, now)
            if bar is None:
                continue
            if state.open_ms is not None and state.open_ms != bar.open_ms:
                closed = candles.at(self.engine, topic.symbol, topic.interval, state.open_ms, now)
                if closed is not None:
                    self._publish(name, self._kline_frame(topic, closed, True, now))
                state.pushed = None
            state.open_ms = bar.open_ms
            frame = functools.partial(self._kline_frame, topic, bar, False, now)
            state.push(self._subs, name, bar, frame)

    def _kline_frame(self, topic: PublicTopic, bar: candles.Kline, confirm: bool, now: int) -> str:
        last = self._last_trade.get(topic.symbol)
        in_bar = last is not None and bar.open_ms <= last.ts_ms <= bar.close_ms
        row = out.kline_row(
            self.texts[topic.symbol],
            topic.interval,
            bar,
            end_ms=bar.close_ms,
            confirm=confirm,
            last_trade_ms=last.ts_ms if last is not None and in_bar else bar.open_ms,
        )
        return out.klines(topic.name, row, now)
