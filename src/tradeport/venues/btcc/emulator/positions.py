"""BTCC's position model on the shared matching engine (PROTOCOLS.md §6.3) [?].

Each account trades in the engine's hedge mode: longs and shorts are separate legs. A
BTCC position is one numbered slice of a leg: opening one is a market order on its leg,
closing it (by id, any volume up to its own) a market order the other way on the same
leg. Pending orders of types 1 and 3 are engine limit orders: type 1 opens a position
when it fills, type 3 closes part of one. Fills of resting orders happen while the
market moves, so the positions are brought up to date from the engine before every
read (`sync`). Types 2 (stop open), 4 (stop loss) and 5 (take profit), and a
position's own stop loss and take profit, wait for a trade at or through their price
(the engine's trades, as they happen) and then open or close at market.

Approximations: the engine keeps one average entry per leg, so the profit a close
realises is measured from the leg's average, not the position's own open price; and
the engine's leverage is per symbol, set to a position's `multiple` as it opens, so the
margin of earlier positions is recomputed at the latest one's.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from tradeport.emulator.engine import Engine, EngineOrder, OrderRequest, PublicTrade, Reject

BUY_DIRECTION, SELL_DIRECTION = 1, 2
LIMIT_OPEN, STOP_OPEN, LIMIT_CLOSE, STOP_LOSS, TAKE_PROFIT = 1, 2, 3, 4, 5
PENDING, FILLED, CANCELLED = 1, 2, 3
FINISHED_KEPT = 200  # finished pending orders listed per account
TRIGGERED = frozenset({STOP_OPEN, STOP_LOSS, TAKE_PROFIT})
ZERO = Decimal(0)
log = logging.getLogger("tradeport.emulator.btcc")


def leg(direction: int) -> str:
    return "LONG" if direction == BUY_DIRECTION else "SHORT"


def side(direction: int) -> str:
    return "BUY" if direction == BUY_DIRECTION else "SELL"


def opposite(direction: int) -> int:
    return SELL_DIRECTION if direction == BUY_DIRECTION else BUY_DIRECTION


@dataclass
class BtccPosition:
    id: int
    account: str
    symbol: str  # the engine's
    direction: int
    volume: Decimal
    open_price: Decimal
    multiple: int
    refid: str
    open_time: int
    stop_loss: Decimal = ZERO
    take_profit: Decimal = ZERO


@dataclass
class Pending:
    id: int
    account: str
    symbol: str
    type: int
    direction: int
    volume: Decimal
    price: Decimal
    multiple: int
    refid: str
    engine_id: int
    create_time: int
    positionid: int = 0
    status: int = PENDING
    filled_volume: Decimal = ZERO
    filled_value: Decimal = ZERO
    update_time: int = 0

    @property
    def filled_price(self) -> Decimal:
        return self.filled_value / self.filled_volume if self.filled_volume else ZERO


@dataclass
class Closed:
    position: BtccPosition
    volume: Decimal
    price: Decimal
    profit: Decimal


@dataclass
class _Account:
    positions: dict[int, BtccPosition] = field(default_factory=dict)
    pendings: dict[int, Pending] = field(default_factory=dict)
    finished: deque[Pending] = field(default_factory=lambda: deque(maxlen=FINISHED_KEPT))


class PositionBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._accounts: dict[str, _Account] = {}
        self._position_ids = itertools.count(100_001)
        self._pending_ids = itertools.count(500_001)
        # trades met while triggered orders were being placed, looked at after them
        self._firing = False
        self._trades: deque[tuple[str, Decimal]] = deque()
        engine.subscribe(self._on_event)

    def _account(self, account: str) -> _Account:
        return self._accounts.setdefault(account, _Account())

    # -- positions ---------------------------------------------------------------------
    def open(
        self, account: str, symbol: str, direction: int, volume: Decimal, multiple: int, refid: str
    ) -> BtccPosition | None:
        """A market open; None when nothing filled (an empty book). Raises Reject."""
        self.engine.set_leverage(account, symbol, multiple)
        req = OrderRequest(symbol, side(direction), "MARKET", volume, position_side=leg(direction))
        order, _ = self.engine.place(account, req)
        if order.filled_qty <= 0:
            return None
        return self._new_position(account, symbol, direction, order, multiple, refid)

    def _new_position(
        self,
        account: str,
        symbol: str,
        direction: int,
        order: EngineOrder,
        multiple: int,
        refid: str,
    ) -> BtccPosition:
        position = BtccPosition(
            id=next(self._position_ids),
            account=account,
            symbol=symbol,
            direction=direction,
            volume=order.filled_qty,
            open_price=order.avg_price,
            multiple=multiple,
            refid=refid,
            open_time=order.updated_ms,
        )
        self._account(account).positions[position.id] = position
        return position

    def position(self, account: str, position_id: int) -> BtccPosition | None:
        self.sync(account)
        return self._account(account).positions.get(position_id)

    def close(self, position: BtccPosition, volume: Decimal) -> Closed:
        """Close `volume` (at most the position's) at market. Raises Reject."""
        direction = opposite(position.direction)
        position_side = leg(position.direction)
        req = OrderRequest(position.symbol, side(direction), "MARKET", volume, None, "GTC")
        req.position_side = position_side
        order, fills = self.engine.place(position.account, req)
        profit = sum((f.realized_pnl for f in fills), ZERO)
        self._reduce(position, order.filled_qty)
        return Closed(position, order.filled_qty, order.avg_price, profit)

    def _reduce(self, position: BtccPosition, volume: Decimal) -> None:
        position.volume -= volume
        if position.volume <= 0:
            self._account(position.account).positions.pop(position.id, None)

    def positions(self, account: str) -> list[BtccPosition]:
        self.sync(account)
        return sorted(self._account(account).positions.values(), key=lambda p: p.id)

    # -- pending orders ----------------------------------------------------------------
    def open_pending(
        self,
        account: str,
        symbol: str,
        kind: int,
        direction: int,
        volume: Decimal,
        price: Decimal,
        multiple: int,
        refid: str,
        position: BtccPosition | None,
    ) -> Pending:
        """A limit open (type 1), a limit close of `position` (type 3), or an order
        waiting for its price (types 2, 4 and 5). Raises Reject."""
        engine_id, created = 0, self.engine.now_ms()  # a waiting one: none until it trades
        if kind not in TRIGGERED:
            if position is None:
                self.engine.set_leverage(account, symbol, multiple)
                position_side = leg(direction)
            else:
                position_side = leg(position.direction)
            req = OrderRequest(symbol, side(direction), "LIMIT", volume, price)
            req.position_side = position_side
            order, _ = self.engine.place(account, req)
            engine_id, created = order.order_id, order.created_ms
        pending = Pending(
            id=next(self._pending_ids),
            account=account,
            symbol=symbol,
            type=kind,
            direction=direction,
            volume=volume,
            price=price,
            multiple=multiple if position is None else position.multiple,
            refid=refid,
            engine_id=engine_id,
            create_time=created,
            positionid=0 if position is None else position.id,
        )
        self._account(account).pendings[pending.id] = pending
        if kind not in TRIGGERED:
            self.sync(account)
        return pending

    def cancel_pending(self, account: str, pending_id: int) -> Pending | None:
        """The pending order cancelled; None if it is not open (unknown, or done)."""
        self.sync(account)
        pending = self._account(account).pendings.get(pending_id)
        if pending is None:
            return None
        if pending.engine_id:
            self.engine.cancel(account, pending.symbol, pending.engine_id)
            self.sync(account)
        else:
            self._finish(pending, CANCELLED)
        return pending

    def _finish(self, pending: Pending, status: int) -> None:
        pending.status = status
        pending.update_time = self.engine.now_ms()
        book = self._account(pending.account)
        book.pendings.pop(pending.id, None)
        book.finished.append(pending)

    def pendings(self, account: str) -> list[Pending]:
        """Open pending orders and the most recent finished ones, oldest first."""
        self.sync(account)
        book = self._account(account)
        return sorted([*book.pendings.values(), *book.finished], key=lambda p: p.id)

    def open_refids(self, account: str) -> set[str]:
        self.sync(account)
        return {p.refid for p in self._account(account).pendings.values() if p.refid}

    # -- bringing positions up to date ---------------------------------------------------
    def sync(self, account: str) -> None:
        """What the engine filled of the account's pending orders since the last look:
        a limit open grows (or makes) its position, a limit close shrinks its own."""
        book = self._account(account)
        for pending in list(book.pendings.values()):
            if not pending.engine_id:
                continue  # waiting for its price
            order = self.engine.order(account, pending.symbol, pending.engine_id)
            new = order.filled_qty - pending.filled_volume
            if new > 0:
                price = (order.cum_quote - pending.filled_value) / new
                pending.filled_volume, pending.filled_value = order.filled_qty, order.cum_quote
                pending.update_time = order.updated_ms
                self._apply(pending, new, price, order)
            if not order.is_open:
                pending.status = FILLED if order.status == "FILLED" else CANCELLED
                pending.update_time = order.updated_ms
                del book.pendings[pending.id]
                book.finished.append(pending)

    def _apply(self, pending: Pending, volume: Decimal, price: Decimal, order: EngineOrder) -> None:
        book = self._account(pending.account)
        if pending.type == LIMIT_CLOSE:
            position = book.positions.get(pending.positionid)
            if position is not None:
                self._reduce(position, volume)
            return
        position = book.positions.get(pending.positionid)
        if position is None:
            position = BtccPosition(
                id=next(self._position_ids),
                account=pending.account,
                symbol=pending.symbol,
                direction=pending.direction,
                volume=ZERO,
                open_price=ZERO,
                multiple=pending.multiple,
                refid=pending.refid,
                open_time=order.updated_ms,
            )
            book.positions[position.id] = position
            pending.positionid = position.id
        value = position.open_price * position.volume + price * volume
        position.volume += volume
        position.open_price = value / position.volume

    # -- orders waiting for a price ------------------------------------------------------
    def _on_event(self, event: object) -> None:
        if isinstance(event, PublicTrade):
            self._trades.append((event.symbol, event.price))
            if not self._firing:
                self._fire_all()

    def _fire_all(self) -> None:
        """Fire what the trades met reach; the orders fired make trades of their own,
        which are looked at in turn (never from inside a firing)."""
        self._firing = True
        try:
            while self._trades:
                symbol, price = self._trades.popleft()
                for book in self._accounts.values():
                    self._fire(book, symbol, price)
        finally:
            self._firing = False

    def _fire(self, book: _Account, symbol: str, price: Decimal) -> None:
        for pending in list(book.pendings.values()):
            if not pending.engine_id and pending.symbol == symbol and _reached(pending, price):
                self._fire_pending(pending)
        for position in list(book.positions.values()):
            if position.symbol == symbol and _exit_reached(position, price):
                self._close_all(position)

    def _fire_pending(self, pending: Pending) -> None:
        try:
            if pending.type == STOP_OPEN:
                position = self.open(
                    pending.account,
                    pending.symbol,
                    pending.direction,
                    pending.volume,
                    pending.multiple,
                    pending.refid,
                )
                if position is None:
                    self._finish(pending, CANCELLED)
                    return
                pending.positionid = position.id
                pending.filled_volume = position.volume
                pending.filled_value = position.open_price * position.volume
            else:
                position = self._account(pending.account).positions.get(pending.positionid)
                if position is None:
                    self._finish(pending, CANCELLED)  # its position is closed already
                    return
                done = self.close(position, min(pending.volume, position.volume))
                pending.filled_volume = done.volume
                pending.filled_value = done.price * done.volume
        except Reject as reject:
            log.info("pending order %d could not be placed: %s", pending.id, reject)
            self._finish(pending, CANCELLED)
            return
        self._finish(pending, FILLED)

    def _close_all(self, position: BtccPosition) -> None:
        """A position's own stop loss or take profit: the whole position at market."""
        try:
            self.close(position, position.volume)
        except Reject as reject:
            log.info("position %d could not be closed: %s", position.id, reject)
            position.stop_loss = position.take_profit = ZERO  # tried once, as the venue would


def _reached(pending: Pending, price: Decimal) -> bool:
    """A stop (open, or a stop loss) buys at or above its price and sells at or below;
    a take profit the other way round (it closes a long by selling higher)."""
    buying = pending.direction == BUY_DIRECTION
    if pending.type == TAKE_PROFIT:
        buying = not buying
    return price >= pending.price if buying else price <= pending.price


def _exit_reached(position: BtccPosition, price: Decimal) -> bool:
    long = position.direction == BUY_DIRECTION
    stop, take = position.stop_loss, position.take_profit
    if stop > 0 and (price <= stop if long else price >= stop):
        return True
    return take > 0 and (price >= take if long else price <= take)
