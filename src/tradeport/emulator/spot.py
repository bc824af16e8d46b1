"""Spot accounts: free and locked balances per asset, reserved by orders, moved by fills."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal

from tradeport.emulator.instrument import EngineInstrument
from tradeport.emulator.matching import ZERO, Plan
from tradeport.emulator.orders import BUY, LIMIT, EngineOrder, OrderRequest, Reject, RejectReason


class _Balance:
    __slots__ = ("free", "locked")

    def __init__(self, free: Decimal = ZERO) -> None:
        self.free = free
        self.locked = ZERO


class SpotLedger:
    def __init__(
        self,
        instruments: Mapping[str, EngineInstrument],
        maker_fee: Decimal,
        taker_fee: Decimal,
    ) -> None:
        self._instruments = instruments
        self._maker_fee = maker_fee
        self._taker_fee = taker_fee
        self._accounts: dict[str, dict[str, _Balance]] = {}
        self._reserved: dict[int, tuple[str, Decimal]] = {}  # order id -> (asset, amount)
        self.fees: dict[str, Decimal] = {}

    def open_account(self, account_id: str, balances: Mapping[str, Decimal]) -> None:
        account = self._accounts.setdefault(account_id, {})
        for asset, amount in balances.items():
            account.setdefault(asset, _Balance()).free = Decimal(amount)

    def prepare(self, order: EngineOrder, req: OrderRequest) -> None:
        if req.reduce_only or req.position_side != "BOTH":
            raise Reject(RejectReason.NOT_SUPPORTED, "spot has no positions")

    def admit(self, order: EngineOrder, plan: Plan) -> None:
        instrument = self._instruments[order.symbol]
        if order.side == BUY:
            asset = instrument.quote
            if order.type == LIMIT:
                assert order.price is not None
                need = order.price * order.qty
            elif order.quote_qty is not None:
                need = order.quote_qty
            else:
                need = plan.quote
        else:
            asset = instrument.base
            need = order.qty
        balance = self._balance(order.account_id, asset)
        if balance.free < need:
            raise Reject(
                RejectReason.INSUFFICIENT_BALANCE,
                f"needs {need} {asset}, {balance.free} free",
            )
        balance.free -= need
        balance.locked += need
        self._reserved[order.order_id] = (asset, need)

    def reduce_key(self, order: EngineOrder) -> Hashable | None:
        return None

    def reducible(self, order: EngineOrder) -> Decimal:
        return order.remaining

    def settle(
        self, order: EngineOrder, price: Decimal, qty: Decimal, is_maker: bool
    ) -> tuple[Decimal, str, Decimal]:
        instrument = self._instruments[order.symbol]
        rate = self._maker_fee if is_maker else self._taker_fee
        quote_amount = price * qty
        if order.side == BUY:
            # A limit buy reserved its own price; trading better refunds the difference.
            used = order.price * qty if order.type == LIMIT and order.price else quote_amount
            self._draw(order, used)
            self._balance(order.account_id, instrument.quote).free += used - quote_amount
            fee, fee_asset = qty * rate, instrument.base  # fee is taken from what is received
            self._balance(order.account_id, instrument.base).free += qty - fee
        else:
            self._draw(order, qty)
            fee, fee_asset = quote_amount * rate, instrument.quote
            self._balance(order.account_id, instrument.quote).free += quote_amount - fee
        self.fees[fee_asset] = self.fees.get(fee_asset, ZERO) + fee
        return fee, fee_asset, ZERO

    def release(self, order: EngineOrder) -> None:
        asset, amount = self._reserved.pop(order.order_id, ("", ZERO))
        if amount:
            balance = self._balance(order.account_id, asset)
            balance.locked -= amount
            balance.free += amount

    def balances(self, account_id: str) -> dict[str, tuple[Decimal, Decimal]]:
        account = self._accounts.get(account_id, {})
        return {asset: (b.free, b.locked) for asset, b in sorted(account.items())}

    def _draw(self, order: EngineOrder, amount: Decimal) -> None:
        asset, reserved = self._reserved[order.order_id]
        self._reserved[order.order_id] = (asset, reserved - amount)
        self._balance(order.account_id, asset).locked -= amount

    def _balance(self, account_id: str, asset: str) -> _Balance:
        account = self._accounts.setdefault(account_id, {})
        balance = account.get(asset)
        if balance is None:
            balance = account[asset] = _Balance()
        return balance
