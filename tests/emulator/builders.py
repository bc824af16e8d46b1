"""Instruments, a settable clock and order builders shared by the engine tests."""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator.engine import EngineInstrument, OrderRequest

D = Decimal
T0 = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC

BTC = EngineInstrument(
    symbol="BTCUSDT",
    base="BTC",
    quote="USDT",
    tick_size=D("0.01"),
    step_size=D("0.001"),
    min_qty=D("0.001"),
    max_qty=D("1000"),
    min_notional=D("5"),
    start_price=D("60000"),
)
DOGE = EngineInstrument(
    symbol="DOGEUSDT",
    base="DOGE",
    quote="USDT",
    tick_size=D("0.00001"),
    step_size=D("1"),
    min_qty=D("1"),
    max_qty=D("10000000"),
    min_notional=D("5"),
    start_price=D("0.1"),
)


class Clock:
    """Engine clock under test control: stands still until advanced."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


def limit(
    side: str,
    qty: str,
    price: str,
    tif: str = "GTC",
    *,
    symbol: str = "BTCUSDT",
    client_order_id: str = "",
    reduce_only: bool = False,
    position_side: str = "BOTH",
    stp: str | None = None,
) -> OrderRequest:
    return OrderRequest(
        symbol,
        side,
        "LIMIT",
        D(qty),
        D(price),
        tif,
        client_order_id,
        reduce_only,
        position_side,
        stp=stp,
    )


def market(
    side: str,
    qty: str,
    *,
    symbol: str = "BTCUSDT",
    reduce_only: bool = False,
    position_side: str = "BOTH",
) -> OrderRequest:
    return OrderRequest(
        symbol, side, "MARKET", D(qty), reduce_only=reduce_only, position_side=position_side
    )
