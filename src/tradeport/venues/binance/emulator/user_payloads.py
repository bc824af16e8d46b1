"""User-data event bodies built from the engine's private events (PROTOCOLS.md §1.4, §2.4).

Pure functions: an engine order snapshot (and its fill, if any) becomes a spot
`executionReport` or a USDⓈ-M `ORDER_TRADE_UPDATE`; balance and position changes become
`outboundAccountPosition` / `ACCOUNT_UPDATE`. Numbers are written exactly as the REST
answers write the same fields (spot: 8 decimals; USDⓈ-M: plain), so an event and a REST
query of the same order agree character for character.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.decimal_text import spot as f8
from tradeport.emulator.engine import EngineFill, EngineOrder
from tradeport.emulator.orders import EXPIRED_IN_MATCH
from tradeport.venues.binance.emulator.futures_payloads import avg_price
from tradeport.venues.binance.emulator.spot import wire_type

ZERO = Decimal(0)
Balances = Mapping[str, tuple[Decimal, Decimal]]


def execution_type(order: EngineOrder, fill: EngineFill | None) -> str:
    """`x` of both markets: what this event did to the order. The engine publishes one
    event per fill (TRADE), and one when the order is accepted (NEW) or leaves the book
    without a fill (CANCELED / EXPIRED)."""
    if fill is not None:
        return "TRADE"
    if order.status == EXPIRED_IN_MATCH:
        return "TRADE_PREVENTION"  # self-trade prevention expired it
    if order.status in ("CANCELED", "EXPIRED", "REJECTED"):
        return order.status
    return "NEW"


# -- spot ------------------------------------------------------------------------------
def execution_report(
    order: EngineOrder, fill: EngineFill | None, *, event_ms: int, execution_id: int
) -> dict[str, object]:
    """`executionReport`. A cancel carries the canceled order's client id in `C` (the
    engine does not see the cancel request's own id, so `c` repeats it)."""
    kind, tif = wire_type(order)
    x = execution_type(order, fill)
    last_qty = fill.qty if fill is not None else ZERO
    last_price = fill.price if fill is not None else ZERO
    return {
        "e": "executionReport",
        "E": event_ms,
        "s": order.symbol,
        "c": order.client_order_id,
        "S": order.side,
        "o": kind,
        "f": tif,
        "q": f8(order.qty),
        "p": f8(order.price),
        "P": f8(0),
        "F": f8(0),
        "g": -1,
        "C": order.client_order_id if x == "CANCELED" else "",
        "x": x,
        "X": order.status,
        "r": "NONE",
        "i": order.order_id,
        "l": f8(last_qty),
        "z": f8(order.filled_qty),
        "L": f8(last_price),
        # user-data-stream.md sample: commission "0" and asset null before any fill
        "n": f8(fill.fee) if fill is not None else "0",
        "N": fill.fee_asset if fill is not None else None,
        "T": fill.ts_ms if fill is not None else order.updated_ms,
        "t": fill.trade_id if fill is not None else -1,
        "I": execution_id,
        "w": _on_book(order),
        "m": fill.is_maker if fill is not None else False,
        "M": False,
        "O": order.created_ms,
        "Z": f8(order.cum_quote),
        "Y": f8(last_qty * last_price),
        "Q": f8(order.quote_qty),
        "W": order.created_ms,
        "V": order.stp,
    }


def _on_book(order: EngineOrder) -> bool:
    # only GTC-like limit orders rest; IOC/FOK/MARKET leftovers expire instead
    return order.is_open and order.type == "LIMIT" and order.tif in ("GTC", "GTX")


def changed_balances(before: Balances, after: Balances) -> dict[str, tuple[Decimal, Decimal]]:
    """Assets whose (free, locked) differ, in asset order; an asset that vanished is
    reported at zero."""
    zero = (ZERO, ZERO)
    assets = sorted(set(before) | set(after))
    return {a: after.get(a, zero) for a in assets if before.get(a, zero) != after.get(a, zero)}


def account_position(changed: Balances, *, event_ms: int, update_ms: int) -> dict[str, object]:
    """`outboundAccountPosition`: the assets the operation may have changed."""
    return {
        "e": "outboundAccountPosition",
        "E": event_ms,
        "u": update_ms,
        "B": [{"a": a, "f": f8(free), "l": f8(locked)} for a, (free, locked) in changed.items()],
    }


def balance_update(
    asset: str, delta: Decimal, *, event_ms: int, clear_ms: int
) -> dict[str, object]:
    """`balanceUpdate`: a deposit, withdrawal or transfer (not trading)."""
    return {"e": "balanceUpdate", "E": event_ms, "a": asset, "d": f8(delta), "T": clear_ms}


def event_stream_terminated(event_ms: int) -> dict[str, object]:
    """Sent when a WS-API subscription stops (user-data-stream.md)."""
    return {"e": "eventStreamTerminated", "E": event_ms}


# -- USDⓈ-M ----------------------------------------------------------------------------
def order_trade_update(
    order: EngineOrder,
    fill: EngineFill | None,
    *,
    event_ms: int,
    fee_asset: str,
    bids_notional: Decimal = ZERO,
    asks_notional: Decimal = ZERO,
) -> dict[str, object]:
    """`ORDER_TRADE_UPDATE`; `fee_asset` is the margin asset shown before any fill."""
    tx_ms = fill.ts_ms if fill is not None else order.updated_ms
    return {
        "e": "ORDER_TRADE_UPDATE",
        "E": event_ms,
        "T": tx_ms,
        "o": {
            "s": order.symbol,
            "c": order.client_order_id,
            "S": order.side,
            "o": order.type,
            "f": order.tif,
            "q": plain(order.qty),
            "p": plain(order.price),
            "ap": avg_price(order),
            "sp": "0",
            "x": execution_type(order, fill),
            "X": order.status,
            "i": order.order_id,
            "l": plain(fill.qty) if fill is not None else "0",
            "z": plain(order.filled_qty),
            "L": plain(fill.price) if fill is not None else "0",
            "N": fill.fee_asset if fill is not None else fee_asset,
            "n": plain(fill.fee) if fill is not None else "0",
            "T": tx_ms,
            # USDⓈ-M writes 0, not -1, when the event carries no trade
            "t": fill.trade_id if fill is not None else 0,
            "b": plain(bids_notional),
            "a": plain(asks_notional),
            "m": fill.is_maker if fill is not None else False,
            "R": order.reduce_only,
            "wt": "CONTRACT_PRICE",
            "ot": order.type,
            "ps": order.position_side,
            "cp": False,
            "rp": plain(fill.realized_pnl) if fill is not None else "0",
            "pP": False,
            "si": 0,
            "ss": 0,
            "V": order.stp,
            "pm": "NONE",
            "gtd": 0,
        },
    }


@dataclass(frozen=True, slots=True)
class WalletRow:
    asset: str
    balance: Decimal  # wallet balance: deposits + realized pnl - fees
    change: Decimal = ZERO  # `bc`: change other than pnl and fees (transfers)


@dataclass(frozen=True, slots=True)
class PositionState:
    """One position leg as ACCOUNT_UPDATE shows it; a closed leg has qty 0."""

    symbol: str
    position_side: str  # BOTH | LONG | SHORT
    qty: Decimal  # signed as REST positionAmt writes it (a SHORT leg is negative)
    entry_price: Decimal
    unrealized_pnl: Decimal
    accumulated_realized: Decimal  # `cr`, before fees
    margin_type: str = "cross"


def account_update(
    wallets: Sequence[WalletRow],
    positions: Sequence[PositionState],
    *,
    event_ms: int,
    tx_ms: int,
    reason: str = "ORDER",
) -> dict[str, object]:
    """`ACCOUNT_UPDATE`: the wallets and the position legs the operation changed."""
    return {
        "e": "ACCOUNT_UPDATE",
        "E": event_ms,
        "T": tx_ms,
        "a": {
            "m": reason,
            "B": [
                {
                    "a": w.asset,
                    "wb": plain(w.balance),
                    "cw": plain(w.balance),
                    "bc": plain(w.change),
                }
                for w in wallets
            ],
            "P": [
                {
                    "s": p.symbol,
                    "pa": plain(p.qty),
                    "ep": plain(p.entry_price),
                    # fees are not folded in, as the REST breakEvenPrice
                    "bep": plain(p.entry_price),
                    "cr": plain(p.accumulated_realized),
                    "up": plain(p.unrealized_pnl),
                    "mt": p.margin_type,
                    "iw": "0",
                    "ps": p.position_side,
                }
                for p in positions
            ],
        },
    }


def listen_key_expired(listen_key: str, event_ms: int) -> dict[str, object]:
    # the USDⓈ-M docs write this event's time as a string, unlike every other event
    return {"e": "listenKeyExpired", "E": str(event_ms), "listenKey": listen_key}
