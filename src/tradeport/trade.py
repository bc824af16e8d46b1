"""`tradeport trade`: one intent, or one of the router's algorithms, run through an
execution port against a venue (its emulator, in-process, by default), with a live
progress display and the venue's final answer."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.table import Table

from tradeport.api import create_client
from tradeport.cli_tables import num, receipts_table
from tradeport.execution.algos.progress import AlgoResult, AlgoStatus, EventKind, ProgressEvent
from tradeport.execution.intent import ExecutionReceipt, Intent, IntentOrderType, ReceiptStatus
from tradeport.execution.port import ExecutionPort
from tradeport.execution.router import (
    AlgoHandle,
    IcebergPolicy,
    MakerFirstPolicy,
    Router,
    SliceMode,
    TwapPolicy,
)
from tradeport.model.errors import BadParameter
from tradeport.venues import registry
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import Capability

ALGOS = ("maker-first", "chase", "twap", "iceberg")
FOLLOW_POLL_S = 5.0  # a followed order is asked about at least this often
# what says an intent was not carried out (the command then exits 1)
FAILED = (ReceiptStatus.REJECTED, ReceiptStatus.RATE_LIMITED, ReceiptStatus.UNKNOWN)


@dataclass(kw_only=True)
class TradePlan:
    venue: str
    intent: Intent
    environment: str = "emulator"
    base_url: str | None = None
    api_key: str = ""
    secret: str = ""
    passphrase: str | None = None
    allow_mainnet: bool = False
    journal: str | None = None
    state_dir: str | None = None
    wait: float = 30.0  # a resting order is followed this long, then cancelled
    keep: bool = False  # leave a still resting order at the venue instead
    algo: str | None = None
    timeout: float = 30.0  # maker-first / chase: the maker phase; iceberg: the whole run
    slices: int = 5  # twap
    duration: float = 60.0  # twap
    display: Decimal | None = None  # iceberg
    refill_below: Decimal | None = None  # iceberg
    max_slippage_bps: Decimal = Decimal(50)
    client_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.algo is not None and self.algo not in ALGOS:
            raise BadParameter(f"algo {self.algo!r}: expected one of {list(ALGOS)}")
        if self.algo == "iceberg" and self.display is None:
            raise BadParameter("algo iceberg: needs --display, the most shown at once")
        if self.wait < 0:
            raise BadParameter(f"wait {self.wait}: must be 0 or more seconds")


async def run_trade(console: Console, plan: TradePlan) -> bool:
    """Connect, run the plan with a live display, print the outcome; whether the intent
    was carried out (False for a rejection, a rate limit, an unknown outcome or a failed
    algorithm)."""
    async with _port(console, plan) as port:
        if plan.algo is None:
            receipt = await _single(console, port, plan)
            console.print(receipts_table([receipt], title="receipt"))
            return receipt.status not in FAILED
        result = await _algorithm(console, port, plan)
        console.print(result_table(result))
        if result.children:
            console.print(receipts_table(result.children, title="child orders"))
        return result.status is not AlgoStatus.FAILED


@asynccontextmanager
async def _port(console: Console, plan: TradePlan) -> AsyncIterator[ExecutionPort]:
    in_process = "an in-process emulator" if plan.environment == "emulator" else None
    where = plan.base_url or in_process or plan.environment
    console.print(f"connecting to [bold]{plan.venue}[/] ({where})", highlight=False)
    options = dict(plan.client_options)
    if plan.passphrase:
        options["passphrase"] = plan.passphrase
    client = await create_client(
        plan.venue,
        environment=plan.environment,
        base_url=plan.base_url,
        api_key=plan.api_key,
        secret=plan.secret,
        allow_mainnet=plan.allow_mainnet,
        **options,
    )
    # an emulator started for this run forgets its accounts when it stops: its leverage
    # is not cached in the user's state directory, where it would only look like drift
    ephemeral = plan.environment == "emulator" and plan.base_url is None
    scratch = tempfile.TemporaryDirectory(prefix="tradeport-trade-") if ephemeral else None
    try:
        port = ExecutionPort(
            client,
            journal=plan.journal,
            state_dir=scratch.name if scratch is not None else plan.state_dir,
        )
        try:
            await port.connect()
            yield port
        finally:
            await port.close()
    finally:
        await client.close()
        if scratch is not None:
            scratch.cleanup()


class _Display:
    """The live view on a terminal: what is asked, a bar of the filled part, the latest
    status and the last events. Elsewhere (a pipe, a log file) each event is one
    printed line, as it happens."""

    SHOWN_EVENTS = 8

    def __init__(self, console: Console, intent: Intent, title: str) -> None:
        self.console = console
        self.intent = intent
        self.title = title
        self.status = "starting"
        self.lines: list[str] = []
        self.bar = Progress(
            TextColumn("filled"),
            BarColumn(),
            TextColumn("{task.fields[filled]} / {task.fields[size]}"),
        )
        size = num(intent.size)
        self.task: TaskID = self.bar.add_task("", total=float(intent.size), filled="0", size=size)
        self._live: Live | None = None

    def __enter__(self) -> _Display:
        if self.console.is_terminal:
            self._live = Live(self.render(), console=self.console, auto_refresh=False)
            self._live.start()
        else:
            self.console.print(self.title, highlight=False)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()

    def update(self, status: str, filled: Decimal | None = None, event: str | None = None) -> None:
        self.status = status
        if filled is not None:
            self.bar.update(self.task, completed=float(filled), filled=num(filled))
        if event is not None:
            line = f"{time.strftime('%H:%M:%S')} {event}"
            self.lines.append(line)
            if self._live is None:
                self.console.print(line, highlight=False, markup=False)
        if self._live is not None:
            self._live.update(self.render(), refresh=True)

    def render(self) -> Group:
        log = Table.grid()
        for line in self.lines[-self.SHOWN_EVENTS :]:
            log.add_row(line)
        return Group(f"[bold]{self.title}[/]", self.bar, f"status: {self.status}", log)


def _describe(intent: Intent) -> str:
    text = f"{intent.action.value} {intent.side.value} {num(intent.size)} {intent.asset}"
    if intent.order_type is not IntentOrderType.MARKET:
        text += f" {intent.order_type.value} @ {num(intent.limit_price)}"
    else:
        text += " at market"
    if intent.leverage is not None:
        text += f", {intent.leverage}x"
    return f"{text} (intent {intent.intent_id})"


async def _single(console: Console, port: ExecutionPort, plan: TradePlan) -> ExecutionReceipt:
    """Submit the intent, follow a resting order until it is done or `wait` ran out,
    then cancel it (unless `keep`); on Ctrl-C a resting order is cancelled too."""
    with _Display(console, plan.intent, _describe(plan.intent)) as view:

        def show(receipt: ExecutionReceipt, what: str) -> None:
            view.update(receipt.status.value, receipt.filled_qty, what)

        view.update("submitting")
        receipt = await port.submit(plan.intent)
        show(receipt, f"venue answered: {receipt.status.value}, order {receipt.order_id or '-'}")
        try:
            receipt = await _follow(port, receipt, plan.wait, show)
        except asyncio.CancelledError:
            if receipt.order_id is not None and not receipt.done:
                cancelled = await port.cancel(receipt, reason="interrupted")
                show(cancelled, f"interrupted: {cancelled.status.value}")
            raise
        if not receipt.done and not plan.keep and receipt.status is not ReceiptStatus.UNKNOWN:
            receipt = await port.cancel(receipt, reason=f"not done after {plan.wait:g} s")
            show(receipt, f"cancelled after {plan.wait:g} s: {receipt.status.value}")
    return receipt


async def _follow(
    port: ExecutionPort,
    receipt: ExecutionReceipt,
    wait: float,
    show: Callable[[ExecutionReceipt, str], None],
) -> ExecutionReceipt:
    """The venue's truth about a resting order, asked again at each change the order
    stream pushes (and every FOLLOW_POLL_S at least), until it is done or `wait` ran out."""
    deadline = time.monotonic() + wait
    async with _order_changes(port.client, receipt.symbol) as changed:
        while not receipt.done and (left := deadline - time.monotonic()) > 0:
            await changed(min(left, FOLLOW_POLL_S))
            now = await port.resolve(receipt)
            if (now.status, now.filled_qty) != (receipt.status, receipt.filled_qty):
                show(now, f"{now.status.value}, filled {num(now.filled_qty)}")
            receipt = now
    return receipt


@asynccontextmanager
async def _order_changes(
    client: VenueClient, symbol: str
) -> AsyncIterator[Callable[[float], Awaitable[None]]]:
    """A wait for the next pushed change of the account's orders on `symbol`, or at most
    the given seconds (a venue without an order stream: just the seconds)."""
    changed = asyncio.Event()
    pushed = Capability.WATCH_ORDERS in registry.get_venue(client.key).capabilities
    watch = await client.watch_orders(symbol, callback=lambda _o: changed.set()) if pushed else None

    async def wait(seconds: float) -> None:
        # a timeout is the periodic ask: the venue is the truth, the stream only a hint
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), seconds)
        changed.clear()

    try:
        yield wait
    finally:
        if watch is not None:
            await watch.close()


def start_algorithm(router: Router, plan: TradePlan) -> AlgoHandle:
    """The plan's algorithm, started on the router."""
    intent = plan.intent
    maker = MakerFirstPolicy(timeout=plan.timeout, max_slippage_bps=plan.max_slippage_bps)
    if plan.algo == "maker-first":
        return router.maker_first(intent, maker)
    if plan.algo == "chase":
        return router.chase(intent, timeout=plan.timeout)
    if plan.algo == "twap":
        policy = TwapPolicy(
            slices=plan.slices,
            duration=plan.duration,
            mode=SliceMode.MARKET,
            max_slippage_bps=plan.max_slippage_bps,
        )
        return router.twap(intent, policy)
    assert plan.display is not None  # checked by TradePlan
    price = intent.limit_price if intent.order_type is not IntentOrderType.MARKET else None
    return router.iceberg(
        intent,
        IcebergPolicy(
            display=plan.display,
            price=price,
            timeout=plan.timeout,
            refill_below=plan.refill_below,
        ),
    )


async def _algorithm(console: Console, port: ExecutionPort, plan: TradePlan) -> AlgoResult:
    """Run the algorithm with its progress events shown; Ctrl-C cancels it (its open
    children are cancelled at the venue) before the interruption goes on."""
    handle = start_algorithm(Router(port), plan)
    try:
        with _Display(console, plan.intent, f"{plan.algo}: {_describe(plan.intent)}") as view:
            async for event in handle:
                view.update(event.kind.value, event.filled_qty, event_text(event))
    except asyncio.CancelledError:
        await handle.cancel("interrupted")
        raise
    return await handle


def _significant(value: Decimal | None, digits: int = 10) -> Decimal | None:
    """A VWAP (a quotient) cut to `digits` significant digits for display."""
    return None if value is None else Decimal(format(value, f".{digits}g"))


def event_text(event: ProgressEvent) -> str:
    """One line for a progress event."""
    parts = [event.kind.value]
    if event.child_id:
        parts.append(event.child_id)
    # a fill is shown at its average price; the other events at the order's limit
    filled_at = event.receipt.avg_price if event.receipt is not None else None
    shown = filled_at if event.kind is EventKind.FILLED and filled_at is not None else event.price
    if shown is not None:
        parts.append(f"@ {num(shown)}")
    if event.receipt is not None and event.kind is not EventKind.SUBMITTED:
        parts.append(f"({num(event.receipt.filled_qty)} filled)")
    if event.detail:
        parts.append(f"({event.detail})")
    return " ".join(parts)


def result_table(result: AlgoResult) -> Table:
    table = Table(title=f"{result.algo} {result.parent_id}")
    for col in ("status", "filled", "target", "VWAP", "fees", "child orders"):
        table.add_column(col)
    fees = ", ".join(f"{num(v)} {k}" for k, v in result.fees.items()) or "-"
    status = result.status.value
    if result.error is not None:
        status += f" ({type(result.error).__name__}: {result.error.message})"
    table.add_row(
        status,
        num(result.filled_qty),
        num(result.target_qty),
        num(_significant(result.avg_price)),
        fees,
        str(len(result.children)),
    )
    return table


__all__ = ["ALGOS", "TradePlan", "event_text", "result_table", "run_trade", "start_algorithm"]
