"""Pure builders of the BTCC emulator's answers (PROTOCOLS.md §6.3) [?]. Decimals go out
as strings."""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator.decimal_text import plain as text
from tradeport.emulator.decimal_text import significant_decimals
from tradeport.emulator.engine import PerpWallet
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.btcc.emulator.context import product_name
from tradeport.venues.btcc.emulator.positions import BtccPosition, Closed, Pending


def product(spec: SymbolSpec) -> dict[str, object]:
    return {
        "name": product_name(spec),
        "base_currency": spec.base,
        "profit_currency": spec.quote,
        "digits": significant_decimals(spec.tick_size),
        "volumes_min": text(spec.min_qty),
        "volumes_max": text(spec.max_qty),
        "volumes_step": text(spec.step_size),
        "contract_size": "1",
    }


def position(pos: BtccPosition, spec: SymbolSpec, mark: Decimal) -> dict[str, object]:
    """`profit`: unrealised, at the mark, from the position's own open price."""
    sign = 1 if pos.direction == 1 else -1
    profit = (mark - pos.open_price) * pos.volume * sign
    return {
        "id": pos.id,
        "symbol": product_name(spec),
        "direction": pos.direction,
        "volume": text(pos.volume),
        "open_price": text(pos.open_price),
        "multiple": pos.multiple,
        "profit": text(profit),
        "stop_loss": text(pos.stop_loss),
        "take_profit": text(pos.take_profit),
        "refid": pos.refid,
        "open_time": pos.open_time,
    }


def pending(p: Pending, spec: SymbolSpec) -> dict[str, object]:
    return {
        "id": p.id,
        "symbol": product_name(spec),
        "type": p.type,
        "direction": p.direction,
        "request_volume": text(p.volume),
        "request_price": text(p.price),
        "status": p.status,
        "multiple": p.multiple,
        "positionid": p.positionid,
        "filled_volume": text(p.filled_volume),
        "filled_price": text(p.filled_price),
        "refid": p.refid,
        "create_time": p.create_time,
        "update_time": p.update_time or p.create_time,
    }


def account(account_id: int, wallet: PerpWallet) -> dict[str, object]:
    margin = wallet.position_margin + wallet.order_margin
    return {
        "id": account_id,
        "balance": text(wallet.balance),
        "equity": text(wallet.margin_balance),
        "margin": text(margin),
        "free_margin": text(wallet.available),
        "currency": wallet.asset,
    }


def closed(done: Closed, spec: SymbolSpec, mark: Decimal) -> dict[str, object]:
    return {
        "position": position(done.position, spec, mark),
        "close_volume": text(done.volume),
        "close_price": text(done.price),
        "profit": text(done.profit),
    }
