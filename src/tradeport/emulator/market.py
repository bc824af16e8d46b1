"""A seeded synthetic market: one market maker quoting every instrument of an Engine.

Everything it does goes through the engine as real orders of the account "__mm__": its
ladder rests in the book, a requote that crosses a user's resting order trades with it,
and its occasional taker orders print real trades. Books, trades, klines and tickers
therefore always agree, and a user order at the touch can be filled by the flow.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Iterable
from decimal import Decimal

from tradeport.emulator.engine import Engine, EngineInstrument, OrderRequest
from tradeport.emulator.history import synthetic_history
from tradeport.emulator.orders import BUY, SELL, EngineOrder

MM_ACCOUNT = "__mm__"
_FUNDING = Decimal(10) ** 12  # enough that the market maker never runs out
_TAKER_PROBABILITY = 0.35  # chance per step and symbol of a synthetic taker trade
_LEVEL_NOTIONAL_MULTIPLE = 400  # default level size, in multiples of the min notional
_MAX_WALK_STEPS = 200


class SyntheticMarket:
    def __init__(
        self,
        engine: Engine,
        *,
        seed: int = 7,
        levels: int = 20,
        spread_ticks: int = 2,
        level_qty: Decimal | None = None,
        volatility: float = 0.0005,
        symbols: Iterable[str] | None = None,
    ) -> None:
        """`symbols`: the engine's symbols to quote (default: all of them)."""
        if levels < 1 or spread_ticks < 1:
            raise ValueError("levels and spread_ticks must be at least 1")
        self.engine = engine
        self.levels = levels
        self.spread_ticks = spread_ticks
        self.volatility = volatility
        self._seed = seed
        self._rng = random.Random(seed)
        self._symbols = sorted(engine.instruments if symbols is None else symbols)
        self._level_qty = {
            symbol: level_qty if level_qty is not None else _default_level_qty(instrument)
            for symbol, instrument in engine.instruments.items()
        }
        # The mid lives in ticks as a float: the walk is multiplicative and the quotes
        # are whole ticks derived from it.
        self._mid = {
            symbol: float(instrument.start_price / instrument.tick_size)
            for symbol, instrument in engine.instruments.items()
        }
        engine.set_house_account(MM_ACCOUNT)
        if engine.kind == "perp":
            assets = {i.quote for i in engine.instruments.values()}
        else:
            assets = {a for i in engine.instruments.values() for a in (i.base, i.quote)}
        engine.open_account(MM_ACCOUNT, {asset: _FUNDING for asset in sorted(assets)})
        for symbol in self._symbols:
            with engine.batch():
                self._requote(symbol)

    def add_symbol(self, instrument: EngineInstrument) -> None:
        """Start quoting a symbol listed while the market runs: the engine trades it
        from now on, with no history (a new listing has none)."""
        self.engine.add_instrument(instrument)
        symbol = instrument.symbol
        held = self.engine.balances(MM_ACCOUNT)
        wanted = (
            (instrument.quote,)
            if self.engine.kind == "perp"
            else (instrument.base, instrument.quote)
        )
        new_assets = {a: _FUNDING for a in wanted if a not in held}
        if new_assets:
            self.engine.open_account(MM_ACCOUNT, new_assets)
        self._symbols = sorted((*self._symbols, symbol))
        self._level_qty[symbol] = _default_level_qty(instrument)
        self._mid[symbol] = float(instrument.start_price / instrument.tick_size)
        with self.engine.batch():
            self._requote(symbol)

    def mid(self, symbol: str) -> Decimal:
        """The market maker's current mid, on the tick grid."""
        return round(self._mid[symbol]) * self.engine.instruments[symbol].tick_size

    def seed_history(self, minutes: int = 500, now_ms: int | None = None) -> None:
        """Give every symbol `minutes` of past one-minute trading ending at its current
        touch, so klines, trades and the 24 h ticker have history. Call before trading."""
        now = self.engine.now_ms() if now_ms is None else now_ms
        for symbol in self._symbols:
            instrument = self.engine.instruments[symbol]
            view = self.engine.depth(symbol, 1)
            touch = (view.bids[0][0] if view.bids else None, view.asks[0][0] if view.asks else None)
            trades = synthetic_history(
                self._rng,
                instrument,
                minutes=minutes,
                now_ms=now,
                mid_ticks=self._mid[symbol],
                minute_volatility=self.volatility * 4,
                level_qty=self._level_qty[symbol],
                touch=touch,
            )
            self.engine.import_trades(symbol, trades)

    def step(self) -> None:
        """One tick: walk each mid, requote, and sometimes send a taker order."""
        for symbol in self._symbols:
            with self.engine.batch():
                self._walk(symbol)
                self._requote(symbol)
                if self._rng.random() < _TAKER_PROBABILITY:
                    self._take(symbol, BUY if self._rng.random() < 0.5 else SELL)

    def move_to(self, symbol: str, price: Decimal) -> None:
        """Walk `symbol` to `price` in steps; user orders resting at or beyond it trade.

        Along the way the requoted ladder crosses (and fills) user orders the price moves
        through; at the end, synthetic takers sweep every bid at or above and every ask
        at or below `price`.
        """
        instrument = self.engine.instruments[symbol]
        start = self._mid[symbol]
        target = float(price / instrument.tick_size)
        per_step = max(1.0, start * self.volatility * 4)
        steps = min(_MAX_WALK_STEPS, max(1, math.ceil(abs(target - start) / per_step)))
        direction = BUY if target > start else SELL
        for k in range(1, steps + 1):
            with self.engine.batch():
                self._mid[symbol] = start + (target - start) * k / steps
                self._requote(symbol)
                if target != start:
                    self._take(symbol, direction)
        with self.engine.batch():
            self._sweep(symbol, price)
            self._requote(symbol)

    async def run(self, interval: float = 0.25) -> None:
        """Step forever, `interval` seconds apart, until cancelled."""
        while True:
            self.step()
            await asyncio.sleep(interval)

    # -- internals ---------------------------------------------------------------------
    def _walk(self, symbol: str) -> None:
        floor = float(self.levels * 3 + self.spread_ticks)
        moved = self._mid[symbol] * math.exp(self.volatility * self._rng.gauss(0.0, 1.0))
        self._mid[symbol] = max(floor, moved)

    def _requote(self, symbol: str) -> None:
        """Replace the ladder around the mid, keeping orders already at a wanted price.

        Stale quotes go first, then new bids best first, then asks: a new quote that
        crosses a resting user order trades with it through the engine.
        """
        instrument = self.engine.instruments[symbol]
        best_bid = round(self._mid[symbol]) - self.spread_ticks // 2
        wanted = {
            BUY: self._ladder(best_bid, -1),
            SELL: self._ladder(best_bid + self.spread_ticks, 1),
        }
        kept: set[tuple[str, int]] = set()
        for order in self.engine.open_orders(MM_ACCOUNT, symbol):
            key = (order.side, _ticks(order, instrument))
            if key[1] in wanted[order.side] and key not in kept:
                kept.add(key)
            else:
                self.engine.cancel(MM_ACCOUNT, symbol, order.order_id)
        for side in (BUY, SELL):
            for depth, ticks in enumerate(wanted[side]):
                if (side, ticks) not in kept:
                    qty = self._level_size(instrument, depth)
                    price = ticks * instrument.tick_size
                    self.engine.place(MM_ACCOUNT, OrderRequest(symbol, side, "LIMIT", qty, price))

    def _ladder(self, best: int, direction: int) -> list[int]:
        """Prices (in ticks) from the best outward; the gaps depend only on the price, so
        a ladder that moves a little keeps most of its levels (and their queue places)."""
        prices: list[int] = []
        ticks = best
        while len(prices) < self.levels and ticks >= 1:
            prices.append(ticks)
            ticks += direction * self._gap(ticks)
        return prices

    def _gap(self, ticks: int) -> int:
        mixed = (ticks * 0x9E3779B1 + self._seed * 0x85EBCA77) & 0xFFFFFFFF
        mixed ^= mixed >> 15
        bucket = (mixed * 0x2C1B3C6D & 0xFFFFFFFF) % 10
        return 1 if bucket < 5 else 2 if bucket < 8 else 3

    def _level_size(self, instrument: EngineInstrument, depth: int) -> Decimal:
        scale = self._rng.uniform(0.3, 1.7) * (1 + 0.05 * depth)
        qty = self._level_qty[instrument.symbol] * Decimal(str(round(scale, 4)))
        return _clamp_qty(instrument, qty)

    def _take(self, symbol: str, side: str) -> None:
        view = self.engine.depth(symbol, 1)
        if not (view.asks if side == BUY else view.bids):
            return
        instrument = self.engine.instruments[symbol]
        scale = Decimal(str(round(self._rng.uniform(0.05, 0.6), 4)))
        qty = _clamp_qty(instrument, self._level_qty[symbol] * scale)
        self.engine.place(MM_ACCOUNT, OrderRequest(symbol, side, "MARKET", qty))

    def _sweep(self, symbol: str, price: Decimal) -> None:
        view = self.engine.depth(symbol, 1_000_000)
        bids = sum((qty for level, qty in view.bids if level >= price), Decimal(0))
        asks = sum((qty for level, qty in view.asks if level <= price), Decimal(0))
        if bids > 0:
            self.engine.place(MM_ACCOUNT, OrderRequest(symbol, SELL, "LIMIT", bids, price, "IOC"))
        if asks > 0:
            self.engine.place(MM_ACCOUNT, OrderRequest(symbol, BUY, "LIMIT", asks, price, "IOC"))


def _ticks(order: EngineOrder, instrument: EngineInstrument) -> int:
    assert order.price is not None
    return int(order.price / instrument.tick_size)


def _default_level_qty(instrument: EngineInstrument) -> Decimal:
    notional = max(instrument.min_notional, Decimal(1)) * _LEVEL_NOTIONAL_MULTIPLE
    return _clamp_qty(instrument, max(instrument.min_qty * 10, notional / instrument.start_price))


def _clamp_qty(instrument: EngineInstrument, qty: Decimal) -> Decimal:
    smallest = instrument.min_qty if instrument.min_qty > 0 else instrument.step_size
    return min(instrument.max_qty, max(smallest, instrument.floor_qty(qty)))
