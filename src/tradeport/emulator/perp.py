"""Perpetual (linear, quote-margined) accounts: wallets, positions, leverage and margin.

Cross margin per settlement asset. Positions are signed in one-way mode ("BOTH") and
two non-negative legs ("LONG", "SHORT") in hedge mode, as on Binance USD-M futures.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from decimal import ROUND_HALF_UP, Decimal

import msgspec

from tradeport.emulator.instrument import EngineInstrument
from tradeport.emulator.matching import ZERO, Plan
from tradeport.emulator.orders import (
    BUY,
    LIMIT,
    SELL,
    EngineOrder,
    OrderRequest,
    OrderStore,
    Reject,
    RejectReason,
)

DEFAULT_LEVERAGE = 20  # Binance USD-M default for a symbol never configured


class EnginePosition(msgspec.Struct, frozen=True):
    symbol: str
    position_side: str  # "BOTH" (one-way, signed qty) | "LONG" | "SHORT" (qty >= 0)
    qty: Decimal
    entry_price: Decimal
    mark_price: Decimal
    unrealized_pnl: Decimal
    leverage: int
    margin: Decimal  # initial margin at the mark price
    liquidation_price: Decimal


class PerpWallet(msgspec.Struct, frozen=True):
    asset: str
    balance: Decimal  # deposits + realized pnl - fees
    unrealized_pnl: Decimal
    position_margin: Decimal  # initial margin of open positions
    order_margin: Decimal  # initial margin of open orders that would add exposure
    available: Decimal  # balance + unrealized_pnl - position_margin - order_margin

    @property
    def margin_balance(self) -> Decimal:
        return self.balance + self.unrealized_pnl


class _Leg:
    __slots__ = ("entry", "qty")

    def __init__(self) -> None:
        self.qty = ZERO
        self.entry = ZERO

    def apply(self, signed_qty: Decimal, price: Decimal, direction: int) -> Decimal:
        """Add a signed fill; returns the realized pnl of the part that closed exposure.

        `direction` is +1 when a positive qty means long exposure (BOTH and LONG legs) and
        -1 for the SHORT leg, whose qty grows with sells.
        """
        if self.qty == 0 or (self.qty > 0) == (signed_qty > 0):
            new_qty = self.qty + signed_qty
            self.entry = (abs(self.qty) * self.entry + abs(signed_qty) * price) / abs(new_qty)
            self.qty = new_qty
            return ZERO
        closed = min(abs(signed_qty), abs(self.qty))
        sign = 1 if self.qty > 0 else -1
        realized = (price - self.entry) * closed * sign * direction + ZERO  # no "-0"
        new_qty = self.qty + signed_qty
        if new_qty == 0:
            self.entry = ZERO
        elif (new_qty > 0) != (self.qty > 0):
            self.entry = price  # flipped through zero: the remainder opens at the fill price
        self.qty = new_qty
        return realized


class PerpLedger:
    def __init__(
        self,
        instruments: Mapping[str, EngineInstrument],
        maker_fee: Decimal,
        taker_fee: Decimal,
        store: OrderStore,
        mark_price: Callable[[str], Decimal],
    ) -> None:
        self._instruments = instruments
        self._maker_fee = maker_fee
        self._taker_fee = taker_fee
        self._store = store
        self._mark_price = mark_price
        self._wallets: dict[str, dict[str, Decimal]] = {}
        self._legs: dict[str, dict[tuple[str, str], _Leg]] = {}
        self._leverage: dict[tuple[str, str], int] = {}
        self._hedge: dict[str, bool] = {}
        self._unchecked: set[str] = set()
        self.fees: dict[str, Decimal] = {}

    # -- account settings --------------------------------------------------------------
    def open_account(self, account_id: str, balances: Mapping[str, Decimal]) -> None:
        wallets = self._wallets.setdefault(account_id, {})
        for asset, amount in balances.items():
            wallets[asset] = Decimal(amount)

    def skip_margin_checks(self, account_id: str) -> None:
        self._unchecked.add(account_id)

    def leverage(self, account_id: str, symbol: str) -> int:
        return self._leverage.get((account_id, symbol), DEFAULT_LEVERAGE)

    def set_leverage(self, account_id: str, symbol: str, leverage: int) -> int:
        # Binance also refuses a lower leverage the wallet cannot margin (-2027/-2028);
        # the emulator does not model that check.
        maximum = self._instruments[symbol].max_leverage
        if not 1 <= leverage <= maximum:
            raise Reject(RejectReason.BAD_LEVERAGE, f"leverage must be 1..{maximum}")
        self._leverage[(account_id, symbol)] = leverage
        return leverage

    def hedge_mode(self, account_id: str) -> bool:
        return self._hedge.get(account_id, False)

    def set_hedge_mode(self, account_id: str, hedge: bool) -> None:
        # Binance: the position mode cannot change with open orders (-4067) or positions (-4068).
        if self._store.open_orders(account_id) or any(
            leg.qty != 0 for leg in self._legs.get(account_id, {}).values()
        ):
            raise Reject(RejectReason.POSITION_MODE_LOCKED, "open orders or positions exist")
        self._hedge[account_id] = hedge

    # -- order admission ---------------------------------------------------------------
    def prepare(self, order: EngineOrder, req: OrderRequest) -> None:
        if req.quote_qty is not None:
            raise Reject(RejectReason.NOT_SUPPORTED, "quote-sized orders are spot only")
        if self.hedge_mode(order.account_id):
            self._prepare_hedge(order)
        else:
            self._prepare_one_way(order)

    def _prepare_one_way(self, order: EngineOrder) -> None:
        if order.position_side != "BOTH":
            raise Reject(RejectReason.POSITION_SIDE_MISMATCH, "one-way mode takes BOTH")
        if order.reduce_only:
            room = self.reducible(order)
            if room <= 0:
                raise Reject(RejectReason.REDUCE_ONLY_REJECTED, "no position to reduce")
            order.qty = min(order.qty, room)

    def _prepare_hedge(self, order: EngineOrder) -> None:
        if order.position_side not in ("LONG", "SHORT"):
            raise Reject(RejectReason.POSITION_SIDE_MISMATCH, "hedge mode takes LONG or SHORT")
        if order.reduce_only:
            # Binance rejects reduceOnly in hedge mode; the position side says it all.
            raise Reject(RejectReason.POSITION_SIDE_MISMATCH, "reduce_only is one-way only")
        if not self._closes(order):
            return
        pending = sum(
            (
                o.remaining
                for o in self._store.open_orders(order.account_id, order.symbol)
                if o.position_side == order.position_side and self._closes(o)
            ),
            ZERO,
        )
        if order.qty > self.reducible(order) - pending:
            raise Reject(RejectReason.REDUCE_ONLY_REJECTED, "closes more than the position")

    def admit(self, order: EngineOrder, plan: Plan) -> None:
        if self._closes(order) or order.reduce_only or order.account_id in self._unchecked:
            return
        if order.type == LIMIT:
            assert order.price is not None
            price, qty = order.price, order.qty
        else:
            price, qty = plan.avg_price, plan.qty
        before = self._order_margin(order.account_id, order.symbol)
        after = self._order_margin(order.account_id, order.symbol, (order, price, qty))
        need = after - before
        if need <= 0:
            return
        need += price * qty * self._taker_fee
        asset = self._instruments[order.symbol].quote
        available = self.wallet(order.account_id, asset).available
        if need > available:
            raise Reject(
                RejectReason.INSUFFICIENT_MARGIN, f"needs {need} {asset}, {available} available"
            )

    def reduce_key(self, order: EngineOrder) -> Hashable | None:
        if order.reduce_only or self._closes(order):
            return (order.account_id, order.symbol, order.position_side, order.side)
        return None

    def reducible(self, order: EngineOrder) -> Decimal:
        qty = self._leg_qty(order.account_id, order.symbol, order.position_side)
        if order.position_side == "BOTH":
            return max(ZERO, -qty) if order.side == BUY else max(ZERO, qty)
        return qty

    # -- fills -------------------------------------------------------------------------
    def settle(
        self, order: EngineOrder, price: Decimal, qty: Decimal, is_maker: bool
    ) -> tuple[Decimal, str, Decimal]:
        asset = self._instruments[order.symbol].quote
        fee = price * qty * (self._maker_fee if is_maker else self._taker_fee)
        legs = self._legs.setdefault(order.account_id, {})
        leg = legs.setdefault((order.symbol, order.position_side), _Leg())
        signed = qty if order.side == BUY else -qty
        direction = -1 if order.position_side == "SHORT" else 1
        realized = leg.apply(signed * direction, price, direction)
        wallets = self._wallets.setdefault(order.account_id, {})
        wallets[asset] = wallets.get(asset, ZERO) + realized - fee
        self.fees[asset] = self.fees.get(asset, ZERO) + fee
        return fee, asset, realized

    def release(self, order: EngineOrder) -> None:
        """Order margin is recomputed from the open orders, so nothing is held per order."""

    # -- views -------------------------------------------------------------------------
    def open_interest(self, symbol: str) -> Decimal:
        """Contracts open in `symbol`: every one has a long and a short holder, so half
        the sum of all position sizes (the house account's included)."""
        total = sum(
            (
                abs(leg.qty)
                for legs in self._legs.values()
                for (s, _), leg in legs.items()
                if s == symbol
            ),
            ZERO,
        )
        return total / 2

    def positions(self, account_id: str) -> list[EnginePosition]:
        out = []
        for (symbol, side), leg in sorted(self._legs.get(account_id, {}).items()):
            if leg.qty != 0:
                out.append(self._position(account_id, symbol, side, leg))
        return out

    def wallet(self, account_id: str, asset: str) -> PerpWallet:
        balance = self._wallets.get(account_id, {}).get(asset, ZERO)
        upnl = position_margin = ZERO
        for position in self.positions(account_id):
            if self._instruments[position.symbol].quote == asset:
                upnl += position.unrealized_pnl
                position_margin += position.margin
        order_margin = sum(
            (
                self._order_margin(account_id, symbol)
                for symbol in self._store.symbols_with_open_orders(account_id)
                if self._instruments[symbol].quote == asset
            ),
            ZERO,
        )
        return PerpWallet(
            asset=asset,
            balance=balance,
            unrealized_pnl=upnl,
            position_margin=position_margin,
            order_margin=order_margin,
            available=balance + upnl - position_margin - order_margin,
        )

    def assets(self, account_id: str) -> list[str]:
        return sorted(self._wallets.get(account_id, {}))

    def balances(self, account_id: str) -> dict[str, tuple[Decimal, Decimal]]:
        out = {}
        for asset in self.assets(account_id):
            wallet = self.wallet(account_id, asset)
            out[asset] = (wallet.available, wallet.position_margin + wallet.order_margin)
        return out

    # -- internals ---------------------------------------------------------------------
    def _closes(self, order: EngineOrder) -> bool:
        """Hedge mode: SELL on the LONG leg and BUY on the SHORT leg only ever close."""
        return (order.position_side, order.side) in (("LONG", SELL), ("SHORT", BUY))

    def _leg_qty(self, account_id: str, symbol: str, position_side: str) -> Decimal:
        leg = self._legs.get(account_id, {}).get((symbol, position_side))
        return ZERO if leg is None else leg.qty

    def _order_margin(
        self,
        account_id: str,
        symbol: str,
        extra: tuple[EngineOrder, Decimal, Decimal] | None = None,
    ) -> Decimal:
        """Initial margin of the open orders that would add exposure on `symbol`.

        In one-way mode an order against the position first closes it, so per side only
        the quantity beyond the opposite position needs margin (priced at the side's
        average order price). Hedge-mode opening orders always need it.
        """
        orders = [
            (o.side, o.position_side, o.price, o.remaining)
            for o in self._store.open_orders(account_id, symbol)
            if not o.reduce_only and o.price is not None
        ]
        if extra is not None:
            order, price, qty = extra
            orders.append((order.side, order.position_side, price, qty))
        notional = ZERO
        if self.hedge_mode(account_id):
            for side, position_side, price, qty in orders:
                if (position_side, side) in (("LONG", BUY), ("SHORT", SELL)):
                    notional += price * qty
        else:
            position = self._leg_qty(account_id, symbol, "BOTH")
            for side, offset in ((BUY, max(ZERO, -position)), (SELL, max(ZERO, position))):
                qty = sum((q for s, _, _, q in orders if s == side), ZERO)
                if qty > offset:
                    side_notional = sum((p * q for s, _, p, q in orders if s == side), ZERO)
                    notional += (qty - offset) * side_notional / qty
        return notional / self.leverage(account_id, symbol)

    def _position(self, account_id: str, symbol: str, side: str, leg: _Leg) -> EnginePosition:
        instrument = self._instruments[symbol]
        mark = self._mark_price(symbol)
        leverage = self.leverage(account_id, symbol)
        long = leg.qty > 0 if side == "BOTH" else side == "LONG"
        size = abs(leg.qty)
        upnl = (mark - leg.entry) * size * (1 if long else -1) + ZERO  # no "-0"
        # Approximation: the isolated-margin liquidation price of this position alone
        # (margin = notional / leverage, maintenance = mark * size * rate). The cross
        # wallet's other funds are ignored; the emulator has no liquidation engine.
        inverse = Decimal(1) / leverage
        rate = instrument.maint_margin_rate
        if long:
            liquidation = leg.entry * (1 - inverse) / (1 - rate)
        else:
            liquidation = leg.entry * (1 + inverse) / (1 + rate)
        liquidation = liquidation.quantize(instrument.tick_size, rounding=ROUND_HALF_UP)
        return EnginePosition(
            symbol=symbol,
            position_side=side,
            qty=leg.qty,
            entry_price=leg.entry,
            mark_price=mark,
            unrealized_pnl=upnl,
            leverage=leverage,
            margin=mark * size / leverage,
            liquidation_price=max(ZERO, liquidation),
        )
