"""One market's public streams: engine events in, encoded frames out to subscribers.

The engine's listener is synchronous and runs inside its flush, so everything here only
builds payloads and queues frames. Real-time streams (trade, aggTrade, bookTicker,
kline updates) go out as the events arrive; timed ones (depth diffs and partial books,
tickers, mark price, kline closes) on a clock of `BASE_TICK_MS` steps. Each event is
encoded once per stream name; raw subscribers get those bytes, combined subscribers the
`{"stream","data"}` wrapper, also built once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import msgspec

from tradeport.emulator.engine import Engine
from tradeport.emulator.host.streams import Subscribers
from tradeport.emulator.marketdata import BookDelta, PublicTrade
from tradeport.emulator.symbol_set import follow
from tradeport.emulator.symbols import SymbolSpec
from tradeport.emulator.tape import bucket_open
from tradeport.emulator.ws import StreamConnection
from tradeport.venues.binance.emulator.calls import Market
from tradeport.venues.binance.emulator.depth_feed import DepthFeed, DepthWindow
from tradeport.venues.binance.emulator.market import KLINE_INTERVALS_MS, MarketData
from tradeport.venues.binance.emulator.stream_payloads import Payload, Payloads
from tradeport.venues.binance.emulator.stream_topics import (
    DEPTH_SPEEDS,
    MARK_PRICE_MS,
    TICKER_MS,
    Kind,
    Topic,
)

# Every update period (100, 250, 500, 1000, 3000 ms) is a multiple of this step.
BASE_TICK_MS = 50
_DEPTH_KINDS: frozenset[Kind] = frozenset({"depth", "partial"})


@dataclass(eq=False)
class Session:
    """One client connection's subscription state."""

    conn: StreamConnection
    combined: bool
    topics: dict[str, Topic] = field(default_factory=dict)  # in subscription order


@dataclass(slots=True)
class _Bar:
    open_ms: int
    first_id: int
    last_id: int


class MarketStreams:
    def __init__(
        self,
        market: Market,
        engine: Engine,
        specs: Sequence[SymbolSpec],
        now_ms: Callable[[], int],
    ) -> None:
        self.market = market
        self.engine = engine
        self.now_ms = now_ms
        self.payloads = Payloads(MarketData(market, engine, specs, list))
        self.symbols = follow(specs, lambda s: (s.symbol, None)).keys()
        self._subs: Subscribers[str, Session] = Subscribers()
        self._by_symbol: dict[tuple[Kind, str], dict[str, Topic]] = {}
        self._by_kind: dict[Kind, dict[str, Topic]] = {}
        self._feed = DepthFeed(DEPTH_SPEEDS[market])
        self._agg: dict[str, list[PublicTrade]] = {}
        self._agg_ids: dict[str, int] = {}
        self._tops: dict[str, tuple[object, object]] = {}
        self._bars: dict[str, _Bar] = {}  # by kline topic name
        self._dirty_bars: set[str] = set()
        self._elapsed_ms = 0

    # -- subscriptions -----------------------------------------------------------------
    def subscribe(self, session: Session, topic: Topic) -> None:
        session.topics[topic.name] = topic
        if self._subs.add(topic.name, session):
            self._by_symbol.setdefault((topic.kind, topic.symbol), {})[topic.name] = topic
            self._by_kind.setdefault(topic.kind, {})[topic.name] = topic

    def unsubscribe(self, session: Session, name: str) -> None:
        topic = session.topics.pop(name, None)
        if topic is None or name not in self._subs:
            return
        if not self._subs.remove(name, session):
            return
        self._by_symbol[(topic.kind, topic.symbol)].pop(name, None)
        self._by_kind[topic.kind].pop(name, None)
        self._bars.pop(name, None)
        self._dirty_bars.discard(name)

    def drop(self, session: Session) -> None:
        for name in list(session.topics):
            self.unsubscribe(session, name)

    def subscribers(self, name: str) -> int:
        return self._subs.count(name)

    # -- fan-out -----------------------------------------------------------------------
    def publish(self, topic: Topic, payload: Payload) -> None:
        subs = self._subs.of(topic.name)
        if not subs:
            return
        raw = msgspec.json.encode(payload).decode()
        wrapped: str | None = None
        depth_symbol = topic.symbol if topic.kind in _DEPTH_KINDS else None
        for session in subs:
            if session.combined:
                if wrapped is None:
                    wrapped = f'{{"stream":"{topic.name}","data":{raw}}}'
                session.conn.send(wrapped, depth_symbol=depth_symbol)
            else:
                session.conn.send(raw, depth_symbol=depth_symbol)

    def _topics(self, kind: Kind, symbol: str) -> list[Topic]:
        return list(self._by_symbol.get((kind, symbol), {}).values())

    # -- engine events (synchronous) ---------------------------------------------------
    def on_event(self, event: object) -> None:
        if isinstance(event, BookDelta):
            self._on_book(event)
        elif isinstance(event, PublicTrade):
            self._on_trade(event)

    def _on_trade(self, trade: PublicTrade) -> None:
        now = self.now_ms()
        for topic in self._topics("trade", trade.symbol):
            self.publish(topic, self.payloads.trade(trade, now))
        pending = self._agg.get(trade.symbol)
        if pending and not _same_taker(pending[-1], trade):
            self._flush_agg(trade.symbol)
            pending = None
        if pending is None:
            self._agg[trade.symbol] = [trade]
        else:
            pending.append(trade)
        for topic in self._topics("kline", trade.symbol):
            self._track_bar(topic, trade)

    def _on_book(self, delta: BookDelta) -> None:
        # an operation's trades are published before its book delta: the taker is done
        self._flush_agg(delta.symbol)
        self._feed.add(delta)
        now = self.now_ms()
        for name in [n for n in self._dirty_bars if self._bars.get(n) is not None]:
            topic = self._by_kind.get("kline", {}).get(name)
            if topic is not None and topic.symbol == delta.symbol:
                self._dirty_bars.discard(name)
                self._push_bar(topic, self._bars[name], closed=False, now=now)
        topics = self._topics("bookTicker", delta.symbol)
        if not topics:
            return
        view = self.engine.depth(delta.symbol, 1)
        top = (view.bids[:1], view.asks[:1])
        if self._tops.get(delta.symbol) == top:
            return
        self._tops[delta.symbol] = top
        for topic in topics:
            self.publish(topic, self.payloads.book_ticker(delta.symbol, view, now))

    def _flush_agg(self, symbol: str) -> None:
        trades = self._agg.pop(symbol, None)
        if not trades:
            return
        agg_id = self._agg_ids.get(symbol, 0) + 1
        self._agg_ids[symbol] = agg_id
        topics = self._topics("aggTrade", symbol)
        if topics:
            payload = self.payloads.agg_trade(agg_id, trades, self.now_ms())
            for topic in topics:
                self.publish(topic, payload)

    def _track_bar(self, topic: Topic, trade: PublicTrade) -> None:
        open_ms = bucket_open(trade.ts_ms, KLINE_INTERVALS_MS[topic.interval])
        bar = self._bars.get(topic.name)
        if bar is not None and bar.open_ms != open_ms:
            self._push_bar(topic, bar, closed=True, now=self.now_ms())
            bar = None
        if bar is None:
            self._bars[topic.name] = _Bar(open_ms, trade.trade_id, trade.trade_id)
        else:
            bar.last_id = trade.trade_id
        self._dirty_bars.add(topic.name)

    def _push_bar(self, topic: Topic, bar: _Bar, *, closed: bool, now: int) -> None:
        interval_ms = KLINE_INTERVALS_MS[topic.interval]
        bars = self.engine.klines(topic.symbol, interval_ms, bar.open_ms, bar.open_ms, 1)
        if not bars:
            return
        ids = (bar.first_id, bar.last_id)
        payload = self.payloads.kline(topic.symbol, topic.interval, bars[0], ids, closed, now)
        if topic.contract:
            payload = self.payloads.continuous_kline(payload, topic.contract)
        self.publish(topic, payload)

    # -- the clock ---------------------------------------------------------------------
    def tick(self) -> None:
        """Push the timed streams: one `BASE_TICK_MS` step of stream time."""
        self._elapsed_ms += BASE_TICK_MS
        elapsed, now = self._elapsed_ms, self.now_ms()
        for period in self._feed.periods:
            if elapsed % period == 0:
                self._push_depth(period, self._feed.drain(period), now)
        if elapsed % TICKER_MS == 0:
            self._push_tickers(now)
        for period in MARK_PRICE_MS.values():
            if elapsed % period == 0:
                self._push_marks(period, now)
        self._close_bars(now)

    def _push_depth(self, period: int, windows: dict[str, DepthWindow], now: int) -> None:
        for topic in self._by_kind.get("depth", {}).values():
            window = windows.get(topic.symbol)
            if topic.period_ms == period and window is not None:
                self.publish(topic, self.payloads.depth_update(window, now))
        for topic in self._by_kind.get("partial", {}).values():
            if topic.period_ms != period:
                continue
            view = self.engine.depth(topic.symbol, topic.levels)
            window = windows.get(topic.symbol)
            first, prev = (
                (window.first_update_id, window.prev_update_id)
                if window is not None
                else (view.update_id, view.update_id)
            )
            self.publish(topic, self.payloads.partial_depth(topic.symbol, view, now, first, prev))

    def _push_tickers(self, now: int) -> None:
        for kind in ("ticker", "miniTicker"):
            for topic in self._by_kind.get(kind, {}).values():
                stats = self.engine.ticker_24h(topic.symbol)
                if kind == "ticker":
                    self.publish(topic, self.payloads.ticker(stats, now))
                else:
                    self.publish(topic, self.payloads.mini_ticker(stats, now))

    def _push_marks(self, period: int, now: int) -> None:
        for topic in self._by_kind.get("markPrice", {}).values():
            if topic.period_ms == period:
                mark = self.engine.mark_price(topic.symbol)
                self.publish(topic, self.payloads.mark_price(topic.symbol, mark, now))

    def _close_bars(self, now: int) -> None:
        for topic in list(self._by_kind.get("kline", {}).values()):
            bar = self._bars.get(topic.name)
            if bar is not None and now >= bar.open_ms + KLINE_INTERVALS_MS[topic.interval]:
                del self._bars[topic.name]
                self._dirty_bars.discard(topic.name)
                self._push_bar(topic, bar, closed=True, now=now)


def _same_taker(previous: PublicTrade, trade: PublicTrade) -> bool:
    """Whether `trade` continues `previous`'s aggregate: Binance aggregates the fills of
    one taker order at one price. The engine numbers one taker's fills consecutively and
    stamps them with one time; a new side or price starts a new aggregate."""
    return (
        trade.symbol == previous.symbol
        and trade.trade_id == previous.trade_id + 1
        and trade.price == previous.price
        and trade.buyer_is_maker == previous.buyer_is_maker
        and trade.ts_ms == previous.ts_ms
    )
