"""Private events the engine publishes to its listeners (the venue skins' user streams)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import msgspec

from tradeport.emulator.orders import EngineFill, EngineOrder
from tradeport.emulator.perp import EnginePosition


class OrderEvent(msgspec.Struct, frozen=True):
    """An order changed: accepted (fill None, status NEW), filled, canceled or expired."""

    order: EngineOrder  # a snapshot taken when the event happened
    fill: EngineFill | None


class AccountEvent(msgspec.Struct, frozen=True):
    """An account's balances (and perpetual positions) after an operation touched it."""

    account_id: str
    balances: dict[str, tuple[Decimal, Decimal]]  # as Engine.balances()
    positions: list[EnginePosition]  # empty for spot


def account_listener(
    on_order: Callable[[OrderEvent], None], on_account: Callable[[AccountEvent], None]
) -> Callable[[object], None]:
    """An engine listener passing on a private stream's events (order changes, then the
    account after the operation) and none of the public ones."""

    def listen(event: object) -> None:
        if isinstance(event, OrderEvent):
            on_order(event)
        elif isinstance(event, AccountEvent):
            on_account(event)

    return listen
