"""The demo's execution part: an execution port on the emulator's USDⓈ-M client, an
intent entered and exited, a maker-first order falling back to taker, and the journal
that recorded all of it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console

from tradeport.cli_tables import num, positions_table, receipts_table
from tradeport.execution.intent import ExecutionReceipt, Intent, IntentAction, IntentSide
from tradeport.execution.journal import Journal
from tradeport.execution.port import ExecutionPort
from tradeport.execution.router import EventKind, MakerFirstPolicy, Router
from tradeport.journal_view import journal_table
from tradeport.model import AssetType
from tradeport.trade import event_text, result_table
from tradeport.venues.base import VenueClient

SYMBOL = "BTC-USDT"
SIZE = Decimal("0.01")
# how far the market runs from each maker order in the fallback step: well beyond what
# the emulator's own random steps bring back during the maker phase
AWAY = Decimal("1.003")


async def execution_walkthrough(
    step: Callable[[str], None], console: Console, swap: VenueClient, emu: Any
) -> None:
    # the journal and the leverage cache live as long as the demo's emulator does
    with (
        tempfile.TemporaryDirectory(prefix="tradeport-demo-") as tmp,
        Journal(Path(tmp) / "journal.db") as journal,
    ):
        port = ExecutionPort(swap, journal=journal, state_dir=tmp)
        try:
            step("Execution port: enter long 0.01 BTC at 3x leverage with one intent")
            await port.connect()
            entered = await port.submit(_intent(IntentAction.ENTER, leverage=3))
            _show_receipt(console, entered)
            console.print(positions_table(await swap.get_position(SYMBOL)))

            step("Exit: a reduce-only sell on the side that closes, never a new short")
            exited = await port.submit(_intent(IntentAction.EXIT))
            _show_receipt(console, exited)
            flat = not await swap.get_position(SYMBOL)
            console.print("position: flat" if flat else "position: still open")

            step("Maker-first: post-only inside the spread, the market runs away, taker after")
            await _maker_first_fallback(console, port, emu)
            await port.submit(_intent(IntentAction.EXIT))

            step("The journal: every intent, request, ack, fill and receipt, append-only")
            console.print(
                journal_table(journal.events(), title=f"journal {journal.path}", fold_constant=True)
            )
            console.print(
                f"{len(journal.open_intents())} intents open; "
                "`tradeport journal PATH --follow` tails a journal as it is written"
            )
        finally:
            await port.close()


def _intent(action: IntentAction, **fields: Any) -> Intent:
    return Intent(asset=SYMBOL, side=IntentSide.LONG, action=action, size=SIZE, **fields)


def _show_receipt(console: Console, receipt: ExecutionReceipt) -> None:
    console.print(receipts_table([receipt], title="receipt"))
    if receipt.fee is not None and receipt.fee_source is not None:
        console.print(
            f"fee {num(receipt.fee)} {receipt.fee_asset} ({receipt.fee_source.value}); "
            f"slippage {num(_round(receipt.slippage_bps))} bps against the mark "
            f"{num(receipt.mark_at_submit)} at submit (adverse is positive)",
            highlight=False,
        )


def _round(value: Decimal | None) -> Decimal | None:
    return None if value is None else round(value, 3)


async def _maker_first_fallback(console: Console, port: ExecutionPort, emu: Any) -> None:
    """A maker-first buy whose every post-only order the market leaves behind: after its
    maker phase it crosses as taker, within its slippage bound."""
    console.print(
        "a buy rests one tick above the best bid; each time, the market moves away; when "
        "the maker phase (1.5 s) is over, it crosses the spread within 50 bps"
    )
    policy = MakerFirstPolicy(
        timeout=1.5, max_reprices=1, min_reprice_interval=0.1, poll_interval=0.2
    )
    handle = Router(port).maker_first(_intent(IntentAction.ENTER), policy)
    taker = f"{handle.parent.intent_id}t"
    async for event in handle:
        console.print(f"  {event_text(event)}", highlight=False)
        if (
            event.kind is EventKind.SUBMITTED
            and event.child_id != taker
            and event.price is not None
        ):
            emu.move_market(AssetType.SWAP, SYMBOL, event.price * AWAY)
    result = await handle
    console.print(result_table(result))
    console.print(receipts_table(result.children, title="child orders: makers, then the taker"))
