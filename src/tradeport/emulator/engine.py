"""The venue-neutral matching engine every venue emulator wraps (DESIGN.md principle 9).

Synchronous, single-threaded and deterministic: the same instruments, clock readings and
call sequence give the same orders, fills, ids and book updates. No I/O; venue skins call
it from their event loop and translate its vocabulary and rejections to the venue's.

The engine checks funds, margin, position rules, matching, the symbol's listing state
(`listing_rules.py`) and, where a skin gives one, the venue's price band
(`price_band.py`). It does not apply the venue's tick / step /
notional filters: each skin does, with its own error codes.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Literal

import msgspec

from tradeport.emulator.book import OrderBook
from tradeport.emulator.events import AccountEvent, OrderEvent
from tradeport.emulator.instrument import EngineInstrument
from tradeport.emulator.listing_rules import ListingLookup, check_listing, closes_position
from tradeport.emulator.marketdata import (
    BookDelta,
    BookView,
    Kline,
    Level,
    PublicTrade,
    Ticker24h,
)
from tradeport.emulator.matching import Ledger, Plan, SelfTrade, plan, walk
from tradeport.emulator.orders import (
    BUY,
    EXPIRED_IN_MATCH,
    FINISHED_ORDERS_KEPT,
    LIMIT,
    MARKET,
    STP_NONE,
    EngineFill,
    EngineOrder,
    OrderRequest,
    OrderStore,
    Reject,
    RejectReason,
)
from tradeport.emulator.perp import EnginePosition, PerpLedger, PerpWallet
from tradeport.emulator.price_band import PriceBand, PriceLimits
from tradeport.emulator.spot import SpotLedger
from tradeport.emulator.tape import Tape, ticker_24h

__all__ = [
    "AccountEvent",
    "BookDelta",
    "BookView",
    "Engine",
    "EngineFill",
    "EngineInstrument",
    "EngineOrder",
    "EnginePosition",
    "Kline",
    "OrderEvent",
    "OrderRequest",
    "PerpWallet",
    "PriceBand",
    "PriceLimits",
    "PublicTrade",
    "Reject",
    "RejectReason",
    "Ticker24h",
]

Listener = Callable[[object], None]
HistoricalTrade = tuple[int, Decimal, Decimal, bool]  # (ts_ms, price, qty, buyer_is_maker)
# Fills kept per account and symbol (the oldest go first): a count bound, like the
# finished orders' (`FINISHED_ORDERS_KEPT`), keeps memory flat. No venue pages further
# back than 1,000 fills per request.
FILLS_KEPT = 5_000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class Engine:
    def __init__(
        self,
        kind: Literal["spot", "perp"],
        instruments: Sequence[EngineInstrument],
        *,
        maker_fee: Decimal = Decimal("0.001"),
        taker_fee: Decimal = Decimal("0.001"),
        clock: Callable[[], int] = _now_ms,
        expire_unfilled_fok: bool = False,
        expire_unplaceable: bool = False,
        keep_finished_orders: int = FINISHED_ORDERS_KEPT,
        keep_fills: int = FILLS_KEPT,
        price_band: PriceBand | None = None,
        self_trade: str = STP_NONE,
    ) -> None:
        """`keep_finished_orders` / `keep_fills`: how many finished orders and fills
        each account keeps per symbol (the oldest go first).

        `expire_unfilled_fok`: a FOK order that cannot fill completely is accepted and
        expires at once with no fill (Binance spot) instead of being rejected (Binance
        USDⓈ-M -5021). `expire_unplaceable`: likewise a post-only order that would take
        and a market order that meets an empty book (Bybit acknowledges both and cancels
        them) instead of rejecting them. `price_band`: how far from the mark price a limit
        order's price may be (None, the default: any price); a skin may also set the
        attribute before it serves. `self_trade`: the self-trade prevention mode of orders
        that name none (STP_MODES; a skin may set the attribute likewise)."""
        if kind not in ("spot", "perp"):
            raise ValueError(f"kind must be 'spot' or 'perp', not {kind!r}")
        self.kind = kind
        self.fees = (maker_fee, taker_fee)
        self.instruments: dict[str, EngineInstrument] = {i.symbol: i for i in instruments}
        self._clock = clock
        self._expire_unfilled_fok = expire_unfilled_fok
        self._expire_unplaceable = expire_unplaceable
        self.price_band = price_band
        # what happens when an account's taker meets its own resting order (STP_MODES);
        # an order may ask for another mode. NONE, the default: they trade.
        self.self_trade = self_trade
        # the listing state of each symbol (listing_rules.py); None: all trade. The
        # emulator sets it to its announced listings.
        self.listing: ListingLookup | None = None
        if keep_fills < 1:
            raise ValueError(f"keep_fills must be at least 1, not {keep_fills}")
        self._keep_fills = keep_fills
        self._store = OrderStore(keep_finished_orders)
        self._books = {symbol: OrderBook(symbol) for symbol in self.instruments}
        self._tapes = {symbol: Tape(symbol) for symbol in self.instruments}
        self._perp: PerpLedger | None = None
        self._ledger: Ledger
        if kind == "perp":
            self._perp = PerpLedger(
                self.instruments, maker_fee, taker_fee, self._store, self.mark_price
            )
            self._ledger = self._perp
        else:
            self._ledger = SpotLedger(self.instruments, maker_fee, taker_fee)
        # account -> symbol -> (sequence, fill), the sequence ordering fills across symbols
        self._fills: dict[str, dict[str, deque[tuple[int, EngineFill]]]] = {}
        self._fill_seq = itertools.count()
        # Trade ids run per symbol, as on Binance, so a ticker's count is last - first + 1.
        self._next_trade_id = dict.fromkeys(self.instruments, 1)
        self._listeners: list[Listener] = []
        self._hidden: set[str] = set()
        self._batch_depth = 0
        self._pending: list[object] = []
        self._touched_books: dict[str, None] = {}  # insertion-ordered sets
        self._touched_accounts: dict[str, None] = {}
        # symbols whose books the market-data load walk sets level by level (`load.py`):
        # no orders rest there and none are accepted
        self._load_only: set[str] = set()

    def add_instrument(self, instrument: EngineInstrument) -> None:
        """Trade `instrument` from now on, with an empty book and tape (a contract
        listed while the venue runs); ValueError if the symbol is taken."""
        symbol = instrument.symbol
        if symbol in self.instruments:
            raise ValueError(f"{symbol} is traded already")
        # the ledgers share `instruments`, so they know the symbol from here on
        self.instruments[symbol] = instrument
        self._books[symbol] = OrderBook(symbol)
        self._tapes[symbol] = Tape(symbol)
        self._next_trade_id[symbol] = 1

    # -- accounts ----------------------------------------------------------------------
    def open_account(self, account_id: str, balances: Mapping[str, Decimal]) -> None:
        """Spot: set free balances per asset. Perp: set wallet balances per margin asset."""
        with self.batch():
            self._ledger.open_account(account_id, balances)
            self._touched_accounts[account_id] = None

    def set_house_account(self, account_id: str) -> None:
        """Mark the venue's own liquidity account (the synthetic market maker): no order or
        account events are published for it, its perpetual margin and the price band are
        not checked (it is funded never to run out, and it is the market the band follows)
        and its finished orders and fills are not kept.
        Its balances are still kept exactly."""
        self._hidden.add(account_id)
        self._store.forget_finished(account_id)
        if self._perp is not None:
            self._perp.skip_margin_checks(account_id)

    def balances(self, account_id: str) -> dict[str, tuple[Decimal, Decimal]]:
        """Spot: asset -> (free, locked). Perp: margin asset -> (available, margin in use)."""
        return self._ledger.balances(account_id)

    def fees_collected(self) -> dict[str, Decimal]:
        return dict(self._ledger.fees)

    def now_ms(self) -> int:
        return self._clock()

    # -- orders ------------------------------------------------------------------------
    def place(self, account_id: str, req: OrderRequest) -> tuple[EngineOrder, list[EngineFill]]:
        """Accept and match an order; returns it and its own fills. Raises Reject."""
        instrument = self._instrument(req.symbol)
        self._refuse_load_only(req.symbol)
        self._check_listing(account_id, req.symbol, req.side, req.position_side, req.reduce_only)
        book = self._books[req.symbol]
        if req.type == LIMIT and req.price is not None:
            banded = self._banded_price(account_id, req.symbol, req.side, req.price)
            if banded != req.price:
                req = dataclasses.replace(req, price=banded)
        elif req.type == MARKET:
            self._check_market_band(account_id, req.symbol, req.side, book)
        with self.batch():
            order = self._store.new_order(account_id, req, self._clock())
            order.stp = self._stp_mode(account_id, req)
            self._ledger.prepare(order, req)
            unplaceable = self._unplaceable(order, book)
            budget = req.quote_qty if order.type == MARKET else None
            dry = plan(book, order, self._ledger, instrument, quote_budget=budget)
            if budget is not None and unplaceable is None:
                if dry.qty <= 0:
                    raise Reject(RejectReason.BAD_QUANTITY, "quote amount buys less than a step")
                order.qty = dry.qty
            fok_short = order.type == LIMIT and order.tif == "FOK" and dry.qty < order.qty
            if fok_short and not self._expire_unfilled_fok:
                raise Reject(RejectReason.FOK_NOT_FILLABLE, "FOK order cannot fill completely")
            self._ledger.admit(order, dry)

            self._store.add(order)
            self._touched_books[order.symbol] = None
            self._touched_accounts[account_id] = None
            self._publish_order(order, None)
            if fok_short or unplaceable is not None:
                order.status = "EXPIRED"
                order.updated_ms = self._clock()
                self._publish_order(order, None)
                self._close(order)
                return order.snapshot(), []
            fills, traded, stopped = self._execute(order, book, instrument)
            self._finish_taker(order, book, dry, quote_sized=budget is not None, stopped=stopped)
            self._expire_stale_reduce_only(order.symbol, traded)
            return order.snapshot(), fills

    def cancel(
        self,
        account_id: str,
        symbol: str,
        order_id: int | None = None,
        client_order_id: str | None = None,
    ) -> EngineOrder:
        """Cancel an open order; Reject(ORDER_NOT_FOUND) if unknown or already closed."""
        self._instrument(symbol)
        order = self._store.find(account_id, symbol, order_id, client_order_id)
        if order is None or not order.is_open:
            raise Reject(RejectReason.ORDER_NOT_FOUND, "unknown order")
        with self.batch():
            self._close_resting(order, "CANCELED")
        return order.snapshot()

    def amend(
        self,
        account_id: str,
        symbol: str,
        order_id: int | None = None,
        client_order_id: str | None = None,
        *,
        qty: Decimal | None = None,
        price: Decimal | None = None,
    ) -> tuple[EngineOrder, list[EngineFill]]:
        """Change a resting limit order's total quantity and/or price, keeping its ids.

        The order goes to the back of its new price level; a price that now crosses the
        book trades at once, like a new taker. Funds are checked for the new terms as
        for a new order; on any Reject nothing changes."""
        instrument = self._instrument(symbol)
        order = self._store.find(account_id, symbol, order_id, client_order_id)
        if order is None or not order.is_open:
            raise Reject(RejectReason.ORDER_NOT_FOUND, "unknown order")
        assert order.price is not None  # only limit orders rest
        self._check_listing(account_id, symbol, order.side, order.position_side, order.reduce_only)
        new_qty = order.qty if qty is None else qty
        new_price = order.price if price is None else price
        if price is not None:
            new_price = self._banded_price(account_id, symbol, order.side, price)
        if new_qty <= order.filled_qty:
            raise Reject(RejectReason.BAD_QUANTITY, "quantity must exceed the filled quantity")
        if new_price <= 0:
            raise Reject(RejectReason.BAD_PRICE, "price must be positive")
        book = self._books[symbol]
        if order.tif == "GTX" and book.would_cross(order.side, new_price):
            raise Reject(RejectReason.POST_ONLY_WOULD_TAKE, "post-only order would take")
        # what the order would still need if it were placed now with the new terms
        rest = msgspec.structs.replace(
            order, qty=new_qty - order.filled_qty, price=new_price, filled_qty=Decimal(0),
            cum_quote=Decimal(0),
        )  # fmt: skip
        old_terms = msgspec.structs.replace(rest, qty=order.remaining, price=order.price)
        with self.batch():
            self._ledger.release(order)
            try:
                self._ledger.admit(rest, Plan())
            except Reject:
                if self._perp is None:  # spot release freed the old reservation: take it back
                    self._ledger.admit(old_terms, Plan())
                raise
            book.remove(order)
            order.qty, order.price = new_qty, new_price
            order.updated_ms = self._clock()
            self._touched_books[symbol] = None
            self._touched_accounts[account_id] = None
            self._publish_order(order, None)
            fills: list[EngineFill] = []
            stopped = False
            if book.would_cross(order.side, new_price):
                fills, traded, stopped = self._execute(order, book, instrument)
                self._expire_stale_reduce_only(symbol, traded)
            if order.is_open and stopped:
                self._expire_in_match(order)
            elif order.is_open:
                book.rest(order)
            else:
                self._close(order)
        return order.snapshot(), fills

    def cancel_all(self, account_id: str, symbol: str) -> list[EngineOrder]:
        self._instrument(symbol)
        with self.batch():
            orders = self._store.open_orders(account_id, symbol)
            for order in orders:
                self._close_resting(order, "CANCELED")
        return [order.snapshot() for order in orders]

    def order(
        self,
        account_id: str,
        symbol: str,
        order_id: int | None = None,
        client_order_id: str | None = None,
    ) -> EngineOrder:
        self._instrument(symbol)
        order = self._store.find(account_id, symbol, order_id, client_order_id)
        if order is None:
            raise Reject(RejectReason.ORDER_NOT_FOUND, "unknown order")
        return order.snapshot()

    def find_order(
        self,
        account_id: str,
        symbol: str,
        order_id: int | None = None,
        client_order_id: str | None = None,
    ) -> EngineOrder | None:
        """`order`, or None where `order` refuses (an unknown symbol or order): a skin
        answers its own not-found error for either."""
        if symbol not in self.instruments:
            return None
        order = self._store.find(account_id, symbol, order_id, client_order_id)
        return None if order is None else order.snapshot()

    def open_orders(self, account_id: str, symbol: str | None = None) -> list[EngineOrder]:
        if symbol is not None:
            self._instrument(symbol)
        return [o.snapshot() for o in self._store.open_orders(account_id, symbol)]

    def all_orders(self, account_id: str, symbol: str) -> list[EngineOrder]:
        self._instrument(symbol)
        return [o.snapshot() for o in self._store.all_orders(account_id, symbol)]

    def fills(
        self,
        account_id: str,
        symbol: str | None = None,
        order_id: int | None = None,
        limit: int | None = 500,
    ) -> list[EngineFill]:
        """The account's most recent fills (at most `limit`; None: all), oldest first."""
        if limit is not None and limit <= 0:
            return []
        by_symbol = self._fills.get(account_id, {})
        if symbol is not None:
            kept: Iterable[tuple[int, EngineFill]] = by_symbol.get(symbol, ())
        else:
            kept = heapq.merge(*by_symbol.values(), key=lambda entry: entry[0])
        selected = [f for _, f in kept if order_id is None or f.order_id == order_id]
        return selected if limit is None else selected[-limit:]

    def retained(self) -> dict[str, int]:
        """How many orders, fills, trades and one-minute bars the engine holds (what
        grows with trading; each is bounded)."""
        tapes = self._tapes.values()
        return {
            "orders": self._store.retained(),
            "fills": sum(len(q) for per in self._fills.values() for q in per.values()),
            "trades": sum(tape.trades_kept for tape in tapes),
            "bars": sum(tape.bars_kept for tape in tapes),
        }

    # -- perpetual accounts ------------------------------------------------------------
    def set_leverage(self, account_id: str, symbol: str, leverage: int) -> int:
        self._instrument(symbol)
        with self.batch():
            result = self._perp_ledger().set_leverage(account_id, symbol, leverage)
            self._touched_accounts[account_id] = None
        return result

    def leverage(self, account_id: str, symbol: str) -> int:
        self._instrument(symbol)
        return self._perp_ledger().leverage(account_id, symbol)

    def set_hedge_mode(self, account_id: str, hedge: bool) -> None:
        self._perp_ledger().set_hedge_mode(account_id, hedge)

    def hedge_mode(self, account_id: str) -> bool:
        return self._perp_ledger().hedge_mode(account_id)

    def positions(self, account_id: str) -> list[EnginePosition]:
        return self._perp_ledger().positions(account_id)

    def open_interest(self, symbol: str) -> Decimal:
        """Base quantity of the open contracts in `symbol` (each long has its short)."""
        self._instrument(symbol)
        return self._perp_ledger().open_interest(symbol)

    def maintenance_margin(self, account_id: str, asset: str) -> Decimal:
        """The maintenance margin, at mark, of the account's positions quoted in `asset`."""
        total = Decimal(0)
        for position in self.positions(account_id):
            instrument = self.instruments[position.symbol]
            if instrument.quote == asset:
                total += position.mark_price * abs(position.qty) * instrument.maint_margin_rate
        return total

    def wallet(self, account_id: str, asset: str | None = None) -> PerpWallet:
        """The account's wallet in `asset` (default: the first instrument's quote asset)."""
        ledger = self._perp_ledger()
        if asset is None:
            asset = next(iter(self.instruments.values())).quote
        return ledger.wallet(account_id, asset)

    # -- market data -------------------------------------------------------------------
    def depth(self, symbol: str, limit: int) -> BookView:
        self._instrument(symbol)
        return self._books[symbol].view(limit, self._clock())

    def order_counts(self, symbol: str, limit: int) -> tuple[list[int], list[int]]:
        """Resting orders per level of `depth(symbol, limit)`, best first: (bids, asks)
        (OKX's book levels carry the count)."""
        self._instrument(symbol)
        return self._books[symbol].order_counts(limit)

    def recent_trades(self, symbol: str, limit: int) -> list[PublicTrade]:
        self._instrument(symbol)
        return self._tapes[symbol].recent(limit)

    def klines(
        self,
        symbol: str,
        interval_ms: int,
        start_ms: int | None,
        end_ms: int | None,
        limit: int,
    ) -> list[Kline]:
        self._instrument(symbol)
        return self._tapes[symbol].klines(interval_ms, start_ms, end_ms, limit, self._clock())

    def ticker_24h(self, symbol: str, window_ms: int | None = None) -> Ticker24h:
        """Rolling statistics over the last 24 h, or over `window_ms` (Binance's rolling
        window ticker)."""
        self._instrument(symbol)
        now = self._clock()
        book = self._books[symbol]
        top = (book.top(is_bid=True), book.top(is_bid=False))
        if window_ms is None:
            return ticker_24h(self._tapes[symbol], top, now)
        return ticker_24h(self._tapes[symbol], top, now, window_ms)

    def price_limits(self, symbol: str, side: str) -> PriceLimits:
        """The limit prices `side` may use now under the price band (no bound without one)."""
        instrument = self._instrument(symbol)
        if self.price_band is None:
            return PriceLimits(None, None)
        return self.price_band.limits(side, self.mark_price(symbol), instrument.tick_size)

    def mark_price(self, symbol: str) -> Decimal:
        """Mid of the best bid and ask, else the last trade, else the start price."""
        self._instrument(symbol)
        book = self._books[symbol]
        bid, ask = book.top(is_bid=True), book.top(is_bid=False)
        if bid is not None and ask is not None:
            return (bid[0] + ask[0]) / 2
        last = self._tapes[symbol].last
        return last.price if last is not None else self.instruments[symbol].start_price

    def last_price(self, symbol: str) -> Decimal | None:
        self._instrument(symbol)
        last = self._tapes[symbol].last
        return None if last is None else last.price

    def import_trades(self, symbol: str, trades: Iterable[HistoricalTrade]) -> None:
        """Load a symbol's past trades (time order) before it traded here; gets fresh ids."""
        self._instrument(symbol)
        tape = self._tapes[symbol]
        if tape.last is not None:
            raise ValueError(f"{symbol} already has trades; import history first")
        for ts_ms, price, qty, buyer_is_maker in trades:
            trade_id = self._next_trade_id[symbol]
            self._next_trade_id[symbol] += 1
            tape.record(
                PublicTrade(trade_id, symbol, price, qty, price * qty, ts_ms, buyer_is_maker)
            )

    # -- market-data load (load.py) -----------------------------------------------------
    def set_load_only(self, symbols: Iterable[str]) -> None:
        """Hand `symbols` to the market-data load walk: their books hold levels without
        orders, set by `load_step`, and orders on them are refused (nothing matches)."""
        for symbol in symbols:
            self._instrument(symbol)
            book = self._books[symbol]
            if book.bids.prices or book.asks.prices:
                raise ValueError(
                    f"{symbol} has resting orders; load mode starts from an empty book"
                )
            self._load_only.add(symbol)

    def is_load_only(self, symbol: str) -> bool:
        return symbol in self._load_only

    def load_step(
        self,
        symbol: str,
        bids: Iterable[Level],
        asks: Iterable[Level],
        trades: Iterable[tuple[Decimal, Decimal, bool]] = (),
    ) -> None:
        """Print `trades` (price, qty, buyer_is_maker) and set the given book levels to
        their absolute quantities (0 removes one), published like any operation: the
        trades, then one BookDelta with the next update ids. The caller keeps the book
        uncrossed and the trades consistent with it; nothing is matched."""
        if symbol not in self._load_only:
            raise ValueError(f"{symbol} is not a load-only symbol")
        book = self._books[symbol]
        with self.batch():
            if trades:
                tape = self._tapes[symbol]
                for price, qty, buyer_is_maker in trades:
                    trade_id = self._next_trade_id[symbol]
                    self._next_trade_id[symbol] += 1
                    trade = PublicTrade(
                        trade_id,
                        symbol,
                        price,
                        qty,
                        price * qty,
                        tape.next_ts(self._clock()),
                        buyer_is_maker,
                    )
                    tape.record(trade)
                    self._pending.append(trade)
            for price, qty in bids:
                book.set_level(True, price, qty)
            for price, qty in asks:
                book.set_level(False, price, qty)
            self._touched_books[symbol] = None

    # -- events ------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """`listener` receives BookDelta, PublicTrade, OrderEvent and AccountEvent objects
        after each operation completes (state is final when they arrive)."""
        self._listeners.append(listener)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group operations: book changes inside one batch publish as one BookDelta per
        symbol and one AccountEvent per account, when the outermost batch ends."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self._flush()

    # -- internals ---------------------------------------------------------------------
    def _unplaceable(self, order: EngineOrder, book: OrderBook) -> Reject | None:
        """Why `order` can neither rest nor take, if so; raised unless the engine expires
        such orders instead."""
        problem = None
        if order.type == LIMIT and order.tif == "GTX" and book.would_cross(order.side, order.price):
            problem = Reject(RejectReason.POST_ONLY_WOULD_TAKE, "post-only order would take")
        elif order.type == MARKET and book.opposite(order.side).best() is None:
            problem = Reject(RejectReason.NO_LIQUIDITY, "the opposite side of the book is empty")
        if problem is not None and not self._expire_unplaceable:
            raise problem
        return problem

    def _banded_price(self, account_id: str, symbol: str, side: str, price: Decimal) -> Decimal:
        """`price` if the band allows it; its edge where the band clamps; else Reject.
        The house account is the market itself (it moves the price where it is told)."""
        if self.price_band is None or account_id in self._hidden:
            return price
        bound = self.price_limits(symbol, side).breach(price)
        if bound is None:
            return price
        if self.price_band.clamp:
            return bound
        if price > bound:
            raise Reject(
                RejectReason.PRICE_ABOVE_LIMIT, f"price above the limit {bound}", bound=bound
            )
        raise Reject(RejectReason.PRICE_BELOW_LIMIT, f"price below the limit {bound}", bound=bound)

    def _check_listing(
        self, account_id: str, symbol: str, side: str, position_side: str, reduce_only: bool
    ) -> None:
        """Reject an order the symbol's listing state does not allow (the house account,
        the market itself, is never checked)."""
        if self.listing is None or account_id in self._hidden:
            return
        closing = closes_position(self.kind, side, position_side, reduce_only)
        check_listing(self.listing(symbol), symbol, closing=closing)

    def _check_market_band(self, account_id: str, symbol: str, side: str, book: OrderBook) -> None:
        """Reject a market order whose first fill would be outside the band, where the
        band covers market orders. An empty opposite side is left to `_unplaceable`."""
        band = self.price_band
        if band is None or not band.market or account_id in self._hidden:
            return
        best = book.opposite(side).best()
        if best is None:
            return
        bound = self.price_limits(symbol, side).breach(best.price)
        if bound is not None:
            raise Reject(
                RejectReason.MARKET_PRICE_OUTSIDE_BAND,
                f"best price {best.price} is outside the limit {bound}",
                bound=bound,
            )

    def _refuse_load_only(self, symbol: str) -> None:
        if symbol in self._load_only:
            raise Reject(
                RejectReason.NOT_SUPPORTED, f"{symbol} carries market-data load only; no orders"
            )

    def _instrument(self, symbol: str) -> EngineInstrument:
        instrument = self.instruments.get(symbol)
        if instrument is None:
            raise Reject(RejectReason.UNKNOWN_SYMBOL, f"unknown symbol {symbol!r}")
        return instrument

    def _perp_ledger(self) -> PerpLedger:
        if self._perp is None:
            raise Reject(RejectReason.NOT_SUPPORTED, "positions and leverage are perpetual only")
        return self._perp

    def _stp_mode(self, account_id: str, req: OrderRequest) -> str:
        """The self-trade prevention mode of a new order: its own, else the engine's.
        The house account trades with itself by design (its takers print the tape)."""
        if account_id in self._hidden:
            return STP_NONE
        return req.stp if req.stp is not None else self.self_trade

    def _expire_in_match(self, order: EngineOrder) -> None:
        """Self-trade prevention ended `order` (a taker stopped before its own maker)."""
        order.status = EXPIRED_IN_MATCH
        order.updated_ms = self._clock()
        self._publish_order(order, None)
        self._close(order)

    def _execute(
        self, taker: EngineOrder, book: OrderBook, instrument: EngineInstrument
    ) -> tuple[list[EngineFill], set[str], bool]:
        """Match the taker; returns its fills, the accounts that traded and whether
        self-trade prevention stopped the taker. Own makers the prevention passed over
        expire (EXPIRED_IN_MATCH)."""
        fills: list[EngineFill] = []
        traded = {taker.account_id}
        tape = self._tapes[taker.symbol]
        prevented = SelfTrade()
        steps = walk(book, taker, self._ledger, instrument, dry_run=False, self_trade=prevented)
        for maker, qty in steps:
            assert maker.price is not None
            price = maker.price
            trade_id = self._next_trade_id[taker.symbol]
            self._next_trade_id[taker.symbol] += 1
            ts = tape.next_ts(self._clock())
            book.reduce(maker, qty)
            self._fill(maker, price, qty, True, trade_id, ts)
            traded.add(maker.account_id)
            fills.append(self._fill(taker, price, qty, False, trade_id, ts))
            trade = PublicTrade(
                trade_id, taker.symbol, price, qty, price * qty, ts, maker.side == BUY
            )
            tape.record(trade)
            self._pending.append(trade)
            if not maker.is_open:
                self._close(maker)
        for maker in prevented.makers:
            self._close_resting(maker, EXPIRED_IN_MATCH)
        return fills, traded, prevented.taker_stopped

    def _fill(
        self,
        order: EngineOrder,
        price: Decimal,
        qty: Decimal,
        is_maker: bool,
        trade_id: int,
        ts: int,
    ) -> EngineFill:
        fee, fee_asset, realized = self._ledger.settle(order, price, qty, is_maker)
        order.filled_qty += qty
        order.cum_quote += price * qty
        order.status = "FILLED" if order.remaining <= 0 else "PARTIALLY_FILLED"
        order.updated_ms = ts
        fill = EngineFill(
            trade_id=trade_id,
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            account_id=order.account_id,
            symbol=order.symbol,
            side=order.side,
            price=price,
            qty=qty,
            quote_qty=price * qty,
            fee=fee,
            fee_asset=fee_asset,
            is_maker=is_maker,
            realized_pnl=realized,
            position_side=order.position_side,
            ts_ms=ts,
        )
        if order.account_id not in self._hidden:
            per_symbol = self._fills.setdefault(order.account_id, {})
            kept = per_symbol.get(order.symbol)
            if kept is None:
                kept = per_symbol[order.symbol] = deque(maxlen=self._keep_fills)
            kept.append((next(self._fill_seq), fill))
        self._touched_accounts[order.account_id] = None
        self._publish_order(order, fill)
        return fill

    def _finish_taker(
        self, order: EngineOrder, book: OrderBook, dry: Plan, quote_sized: bool, stopped: bool
    ) -> None:
        if stopped and order.remaining > 0:
            self._expire_in_match(order)
            return
        if order.remaining > 0 and order.type == LIMIT and order.tif in ("GTC", "GTX"):
            book.rest(order)
            return
        if order.remaining > 0 or (quote_sized and dry.book_exhausted):
            # IOC / FOK / MARKET leftovers expire, like Binance's EXPIRED status.
            order.status = "EXPIRED"
            order.updated_ms = self._clock()
            self._publish_order(order, None)
        self._close(order)

    def _close_resting(self, order: EngineOrder, status: str) -> None:
        self._books[order.symbol].remove(order)
        order.status = status
        order.updated_ms = self._clock()
        self._close(order)
        self._touched_books[order.symbol] = None
        self._touched_accounts[order.account_id] = None
        self._publish_order(order, None)

    def _close(self, order: EngineOrder) -> None:
        self._store.closed(order)
        self._ledger.release(order)

    def _expire_stale_reduce_only(self, symbol: str, accounts: set[str]) -> None:
        """Reduce-only orders with nothing left to reduce expire, as on Binance USD-M."""
        if self._perp is None:
            return
        for account_id in sorted(accounts):
            for order in self._store.open_orders(account_id, symbol):
                if (
                    self._ledger.reduce_key(order) is not None
                    and self._ledger.reducible(order) <= 0
                ):
                    self._close_resting(order, "EXPIRED")

    def _publish_order(self, order: EngineOrder, fill: EngineFill | None) -> None:
        if order.account_id not in self._hidden:
            self._pending.append(OrderEvent(order.snapshot(), fill))

    def _flush(self) -> None:
        events, self._pending = self._pending, []
        ts = self._clock()
        for symbol in self._touched_books:
            delta = self._books[symbol].drain_delta(ts)
            if delta is not None:
                events.append(delta)
        for account_id in self._touched_accounts:
            if account_id not in self._hidden:
                positions = self._perp.positions(account_id) if self._perp else []
                events.append(AccountEvent(account_id, self.balances(account_id), positions))
        self._touched_books.clear()
        self._touched_accounts.clear()
        for event in events:
            for listener in self._listeners:
                listener(event)
