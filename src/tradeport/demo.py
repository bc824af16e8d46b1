"""`tradeport demo`: a Binance emulator in-process, walked through step by step."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from tradeport.api import create_client
from tradeport.cli_tables import (
    balances_table,
    num,
    orders_table,
    positions_table,
    venues_table,
)
from tradeport.demo_execution import execution_walkthrough
from tradeport.demo_record import record_walkthrough
from tradeport.execution.quantize import quantize_price
from tradeport.model import AssetType, Balance, BookState, OrderStatus
from tradeport.venues import registry
from tradeport.venues.base import VenueClient


async def run_demo(console: Console, pause: float = 0.0) -> None:
    step = _Stepper(console, pause)
    step("The venues tradeport knows")
    console.print(venues_table())

    spec = registry.get_venue("BINANCE___SPOT")
    assert spec.emulator_factory is not None
    emulator: Any = spec.emulator_factory(seed=7, step_interval=0.2)
    url = await emulator.start()
    key, _ = emulator.credentials()
    console.print(f"Binance emulator listening on [bold]{url}[/] (api key {key})")
    try:
        async with (
            await _connect(emulator, AssetType.SPOT) as spot,
            await _connect(emulator, AssetType.SWAP) as swap,
        ):
            await _spot_walkthrough(step, console, spot, emulator)
            await _swap_walkthrough(step, console, swap, emulator)
            await execution_walkthrough(step, console, swap, emulator)
            await _streams_walkthrough(step, console, swap, emulator)
            await record_walkthrough(step, console, swap)
    finally:
        await emulator.stop()
    step("Done: every number above came from the emulator, over signed HTTP and WebSocket")


async def _connect(emulator: Any, asset_type: AssetType) -> VenueClient:
    key, secret = emulator.credentials()
    return await create_client(
        f"BINANCE___{asset_type.name}",
        environment="emulator",
        base_url=emulator.base_url,
        ws_url=emulator.stream_url(asset_type),
        api_key=key,
        secret=secret,
    )


class _Stepper:
    def __init__(self, console: Console, pause: float) -> None:
        self.console, self.pause, self.n = console, pause, 0

    def __call__(self, title: str) -> None:
        self.n += 1
        self.console.rule(f"[bold]{self.n}. {title}")


async def _market(console: Console, client: VenueClient, symbol: str) -> tuple[float, float]:
    tick = await client.get_tick(symbol)
    book = await client.get_depth(symbol, 5)
    table = Table(title=f"{client.key} {symbol}")
    for col in ("last", "bid", "ask", "24h high", "24h low", "24h volume"):
        table.add_column(col, justify="right")
    table.add_row(
        *(
            f"{v:,.6g}" if v is not None else "-"
            for v in (tick.last, tick.bid, tick.ask, tick.high, tick.low, tick.volume)
        )
    )
    console.print(table)
    depth = Table(title=f"top of book (update id {book.update_id})")
    for col in ("bid qty", "bid", "ask", "ask qty"):
        depth.add_column(col, justify="right")
    for (bp, bq), (ap, aq) in zip(book.bids, book.asks, strict=False):
        depth.add_row(f"{bq:g}", f"{bp:,.2f}", f"{ap:,.2f}", f"{aq:g}")
    console.print(depth)
    assert book.best_bid is not None and book.best_ask is not None
    return book.best_bid[0], book.best_ask[0]


def _changes(before: Mapping[str, Balance], after: Mapping[str, Balance]) -> str:
    parts = []
    for asset in sorted(set(before) | set(after)):
        b = before[asset].total if asset in before else Decimal(0)
        a = after[asset].total if asset in after else Decimal(0)
        if a != b:
            parts.append(f"{asset} {'+' if a > b else ''}{num(a - b)}")
    return ", ".join(parts) or "no change"


async def _wait_status(client: VenueClient, symbol: str, order_id: str, status: OrderStatus) -> Any:
    for _ in range(100):
        order = await client.query_order(symbol, order_id=order_id)
        if order.status is status:
            return order
        await asyncio.sleep(0.05)
    return order


async def _spot_walkthrough(step: _Stepper, console: Console, spot: VenueClient, emu: Any) -> None:
    symbol = "BTC-USDT"
    step("Spot market data: ticker and top of book")
    bid, _ask = await _market(console, spot, symbol)
    inst = await spot.instrument(symbol)

    step("Spot balances before trading")
    before = await spot.get_balance()
    console.print(balances_table(before, ["BTC", "USDT"]))

    step("A limit buy 0.5% under the bid rests on the book")
    price = quantize_price(inst, Decimal(str(bid)) * Decimal("0.995"))
    order = await spot.make_order(symbol, Decimal("0.01"), price, "buy-limit")
    console.print(orders_table(await spot.get_open_orders(symbol), "open orders"))

    step("The market falls through the order and fills it")
    emu.move_to("spot", inst.venue_symbol, price * Decimal("0.998"))
    filled = await _wait_status(spot, symbol, order.order_id or "", OrderStatus.FILLED)
    console.print(orders_table([filled], "the order, queried again"))
    fills = await spot.get_deals(symbol, order_id=filled.order_id)
    for f in fills:
        console.print(
            f"fill {f.trade_id}: {num(f.qty)} @ {num(f.price)}, fee {num(f.fee)} {f.fee_asset}"
        )

    step("A second order far from the market is cancelled")
    far = quantize_price(inst, Decimal(str(bid)) * Decimal("0.9"))
    resting = await spot.make_order(symbol, Decimal("0.01"), far, "buy-limit")
    cancelled = await spot.cancel_order(symbol, order_id=resting.order_id)
    console.print(orders_table([cancelled], "after cancel"))

    step("Spot balances after: exactly the fill, minus the fee")
    after = await spot.get_balance()
    console.print(balances_table(after, ["BTC", "USDT"]))
    console.print(f"change: {_changes(before, after)}")


async def _swap_walkthrough(step: _Stepper, console: Console, swap: VenueClient, emu: Any) -> None:
    symbol = "ETH-USDT"
    step("USDⓈ-M perpetual: ticker and top of book")
    _bid, ask = await _market(console, swap, symbol)
    inst = await swap.instrument(symbol)
    await swap.set_leverage(symbol, 10)
    before = await swap.get_balance()

    step("Open a long with a limit buy at the ask (10x leverage)")
    order = await swap.make_order(
        symbol, Decimal("1"), quantize_price(inst, Decimal(str(ask))), "buy-limit"
    )
    emu.move_to("futures", inst.venue_symbol, Decimal(str(ask)) * Decimal("0.999"))
    await _wait_status(swap, symbol, order.order_id or "", OrderStatus.FILLED)
    console.print(positions_table(await swap.get_position(symbol)))

    step("Close it: offset='close' sends a reduce-only SELL, never a new short")
    close = await swap.make_order(symbol, Decimal("1"), None, "sell-market", offset="close")
    console.print(orders_table([close], "closing order"))
    positions = await swap.get_position(symbol)
    console.print(positions_table(positions) if positions else "position: flat")

    step("Futures wallet before and after: realized pnl minus fees, to the cent")
    after = await swap.get_balance()
    console.print(balances_table(after, ["USDT"]))
    fills = await swap.get_deals(symbol)
    pnl = sum((f.realized_pnl or Decimal(0) for f in fills), Decimal(0))
    fees = sum((f.fee for f in fills), Decimal(0))
    console.print(f"change: {_changes(before, after)} = realized pnl {num(pnl)} - fees {num(fees)}")


async def _streams_walkthrough(
    step: _Stepper, console: Console, swap: VenueClient, emu: Any
) -> None:
    symbol = "BTC-USDT"
    step("Streams: a verified order book (snapshot + diffs, U/u/pu checked)")
    books = swap.watch_order_book(symbol, 3)
    async with books:
        shown: set[int] = set()
        while len(shown) < 3:
            book = await asyncio.wait_for(anext(books), 10)
            if book.update_id not in shown:  # a diff may re-confirm the snapshot's id
                shown.add(book.update_id)
                top = f"bid {book.bids[0][0]:,.1f} / ask {book.asks[0][0]:,.1f}"
                console.print(f"update {book.update_id}: {book.state.value}, {top}")
        synced = swap.synced_book(symbol)
        assert synced is not None

        step("A depth frame is lost on the way: the gap is caught, that book resyncs")
        emu.stream_faults.drop_depth((await swap.instrument(symbol)).venue_symbol)
        for _ in range(200):
            if synced.stats.gaps and synced.state is BookState.LIVE:
                break
            await asyncio.sleep(0.05)
        stats = synced.stats
        console.print(
            f"gaps seen {stats.gaps}, snapshots fetched {stats.snapshots}, "
            f"state now {synced.state.value} at update {synced.update_id}"
        )

    step("Your orders as they change, pushed by the user-data stream")
    orders = swap.watch_orders(symbol)
    async with orders:
        inst = await swap.instrument(symbol)
        bid = (await swap.get_depth(symbol, 1)).bids[0][0]
        price = quantize_price(inst, Decimal(str(bid)) * Decimal("0.99"))
        placed = await swap.make_order(symbol, Decimal("0.01"), price, "buy-limit")
        await swap.cancel_order(symbol, order_id=placed.order_id)
        for _ in range(2):
            event = await asyncio.wait_for(anext(orders), 10)
            console.print(
                f"order {event.order_id} {event.side.value} {num(event.qty)} @ "
                f"{num(event.price or Decimal(0))}: {event.status.value}"
            )
