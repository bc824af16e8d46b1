"""One symbol's limit order book: price-time priority and change tracking for deltas."""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterator
from decimal import Decimal

from tradeport.emulator.marketdata import BookDelta, BookView, Level
from tradeport.emulator.orders import BUY, EngineOrder

# The order queue of the levels `set_level` makes (they hold none): one shared empty
# deque instead of ~600 bytes each, for books of thousands of levels; `rest` gives a
# level its own queue before it holds an order.
_NO_ORDERS: deque[EngineOrder] = deque(maxlen=0)


class _PriceLevel:
    __slots__ = ("orders", "price", "qty")

    def __init__(self, price: Decimal, orders: deque[EngineOrder] | None = None) -> None:
        self.price = price
        # time priority: oldest first
        self.orders: deque[EngineOrder] = deque() if orders is None else orders
        self.qty = Decimal(0)


class _Side:
    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[Decimal, _PriceLevel] = {}
        self.prices: list[Decimal] = []  # ascending

    def best_first(self) -> list[Decimal]:
        return self.prices[::-1] if self.is_bid else list(self.prices)

    def best(self) -> _PriceLevel | None:
        if not self.prices:
            return None
        return self.levels[self.prices[-1] if self.is_bid else self.prices[0]]

    def crosses(self, price: Decimal, limit: Decimal | None) -> bool:
        """Whether a resting order here at `price` trades with an incoming `limit`."""
        if limit is None:
            return True
        return price >= limit if self.is_bid else price <= limit

    def level(self, price: Decimal, orders: deque[EngineOrder] | None = None) -> _PriceLevel:
        level = self.levels.get(price)
        if level is None:
            level = _PriceLevel(price, orders)
            self.levels[price] = level
            bisect.insort(self.prices, price)
        return level

    def drop_if_empty(self, level: _PriceLevel) -> None:
        if level.qty == 0 and not level.orders:
            del self.levels[level.price]
            self.prices.pop(bisect.bisect_left(self.prices, level.price))


class OrderBook:
    """Resting orders of one symbol; every aggregated level change bumps `update_id`."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids = _Side(is_bid=True)
        self.asks = _Side(is_bid=False)
        self.update_id = 0
        self._last_published_id = 0
        # Changes since the last delta: (is_bid, price) -> quantity before the first change.
        self._before: dict[tuple[bool, Decimal], Decimal] = {}

    def side(self, is_bid: bool) -> _Side:
        return self.bids if is_bid else self.asks

    def opposite(self, taker_side: str) -> _Side:
        return self.asks if taker_side == BUY else self.bids

    def rest(self, order: EngineOrder) -> None:
        assert order.price is not None
        side = self.side(order.side == BUY)
        level = side.level(order.price)
        self._note(side, level)
        if level.orders is _NO_ORDERS:
            level.orders = deque()
        level.orders.append(order)
        level.qty += order.remaining

    def reduce(self, order: EngineOrder, qty: Decimal) -> None:
        """`qty` of a resting order traded; call before updating the order's filled_qty."""
        assert order.price is not None
        side = self.side(order.side == BUY)
        level = side.levels[order.price]
        self._note(side, level)
        level.qty -= qty
        if qty == order.remaining:
            level.orders.remove(order)
        side.drop_if_empty(level)

    def remove(self, order: EngineOrder) -> None:
        """Take a resting order off the book (cancel or expiry)."""
        assert order.price is not None
        side = self.side(order.side == BUY)
        level = side.levels[order.price]
        self._note(side, level)
        level.orders.remove(order)
        level.qty -= order.remaining
        side.drop_if_empty(level)

    def set_level(self, is_bid: bool, price: Decimal, qty: Decimal) -> None:
        """Set a level that holds no orders to `qty` (0 removes it): the market-data
        load walk (`load.py`) moves its books this way, with no order behind a level."""
        side = self.side(is_bid)
        level = side.level(price, _NO_ORDERS)
        if level.orders:
            raise ValueError(
                f"{self.symbol} {price} holds orders; set_level is for order-less books"
            )
        if level.qty == qty:
            side.drop_if_empty(level)
            return
        self._note(side, level)
        level.qty = qty
        side.drop_if_empty(level)

    def crossing_orders(self, taker_side: str, limit: Decimal | None) -> Iterator[EngineOrder]:
        """Resting orders a taker would meet, in priority order; safe to mutate while iterating."""
        side = self.opposite(taker_side)
        for price in side.best_first():
            if not side.crosses(price, limit):
                return
            level = side.levels.get(price)
            if level is None:
                continue
            for order in list(level.orders):
                if order.is_open:
                    yield order

    def would_cross(self, taker_side: str, limit: Decimal | None) -> bool:
        best = self.opposite(taker_side).best()
        return best is not None and self.opposite(taker_side).crosses(best.price, limit)

    def top(self, is_bid: bool) -> Level | None:
        best = self.side(is_bid).best()
        return None if best is None else (best.price, best.qty)

    def view(self, limit: int, ts_ms: int) -> BookView:
        return BookView(
            update_id=self.update_id,
            bids=self._levels(self.bids, limit),
            asks=self._levels(self.asks, limit),
            ts_ms=ts_ms,
        )

    def order_counts(self, limit: int) -> tuple[list[int], list[int]]:
        """Resting orders per level of `view(limit)`, best first: (bids, asks)."""
        return (
            [len(self.bids.levels[p].orders) for p in self.bids.best_first()[:limit]],
            [len(self.asks.levels[p].orders) for p in self.asks.best_first()[:limit]],
        )

    def drain_delta(self, ts_ms: int) -> BookDelta | None:
        """The changes since the previous delta, or None when the book did not change."""
        if self.update_id == self._last_published_id:
            return None
        bids: list[Level] = []
        asks: list[Level] = []
        for (is_bid, price), before in self._before.items():
            level = self.side(is_bid).levels.get(price)
            now = level.qty if level is not None else Decimal(0)
            # A level that changed and came back to the same quantity within one delta
            # is left out; its update ids are still covered by the range.
            if now != before:
                (bids if is_bid else asks).append((price, now))
        bids.sort(key=lambda level: level[0], reverse=True)
        asks.sort(key=lambda level: level[0])
        delta = BookDelta(
            symbol=self.symbol,
            first_update_id=self._last_published_id + 1,
            last_update_id=self.update_id,
            prev_update_id=self._last_published_id,
            bids=bids,
            asks=asks,
            ts_ms=ts_ms,
        )
        self._last_published_id = self.update_id
        self._before.clear()
        return delta

    def _note(self, side: _Side, level: _PriceLevel) -> None:
        self.update_id += 1
        self._before.setdefault((side.is_bid, level.price), level.qty)

    @staticmethod
    def _levels(side: _Side, limit: int) -> list[Level]:
        prices = side.best_first()[:limit]
        return [(price, side.levels[price].qty) for price in prices]
