"""The moves every algorithm is made of: take liquidity (at market, or as a marketable
limit within a slippage bound), rest an order until something happens, and the checks
of the sizes an algorithm is given."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tradeport.execution.algos.books import taker_bound
from tradeport.execution.algos.children import is_refused
from tradeport.execution.algos.handle import AlgoContext
from tradeport.execution.algos.ports import OrderPort
from tradeport.execution.intent import ExecutionReceipt, IntentOrderType
from tradeport.execution.quantize import quantize_qty
from tradeport.model import Instrument
from tradeport.model.errors import BadParameter, OrderRejected, TradeportError

# how long a decision waits for a LIVE book before it gives up (NotReady)
BOOK_WAIT_S = 10.0


def refused(receipt: ExecutionReceipt) -> TradeportError:
    """The error of a child the venue (or the port's guards) refused."""
    if receipt.error is not None:
        return receipt.error
    return OrderRejected(
        f"child {receipt.intent_id} of {receipt.symbol}: {receipt.status.value}",
        venue=receipt.venue,
    )


def on_step(name: str, qty: Decimal, inst: Instrument) -> Decimal:
    """`qty` if it is a whole number of the instrument's steps and at least its minimum;
    BadParameter naming `name` otherwise."""
    if qty <= 0 or quantize_qty(inst, qty) != qty:
        raise BadParameter(
            f"{name} {qty}: must be a positive multiple of {inst.symbol}'s step {inst.step_size}"
        )
    if qty < inst.min_qty:
        raise BadParameter(f"{name} {qty}: below {inst.symbol}'s minimum quantity {inst.min_qty}")
    return qty


async def take(
    ctx: AlgoContext,
    port: OrderPort,
    qty: Decimal,
    suffix: str,
    max_slippage_bps: Decimal | None,
) -> ExecutionReceipt:
    """Cross the spread for `qty`: a market order, or with `max_slippage_bps` a limit at
    the far touch moved by that much, whatever it could not fill at once cancelled
    (immediate-or-cancel made of port calls). Returns the child's final truth."""
    children = ctx.children
    if max_slippage_bps is None:
        intent = children.intent(suffix, qty, IntentOrderType.MARKET)
    else:
        view = await (await ctx.book(port)).wait_live(BOOK_WAIT_S)
        inst = await ctx.instrument(port)
        bound = taker_bound(view, ctx.parent.order_side, inst, max_slippage_bps)
        intent = children.intent(suffix, qty, IntentOrderType.LIMIT, bound)
    receipt = await children.submit(port, intent)
    if is_refused(receipt):
        raise refused(receipt)
    if not receipt.done:
        receipt = await children.resolve(receipt)
    if not receipt.done:
        receipt = await children.cancel(receipt, "taker remainder beyond the slippage bound")
    return receipt


async def rest(
    ctx: AlgoContext,
    receipt: ExecutionReceipt,
    *,
    deadline: float | None,
    poll: float,
    act: Callable[[ExecutionReceipt], bool] | None = None,
) -> ExecutionReceipt:
    """Wait while a child rests at the venue. Returns its latest truth as soon as it is
    done, the `deadline` (clock time) passed, or `act(receipt)` says the caller must act
    (the book moved away, too little of it is left…). The venue is asked after an order
    event and at least every `poll` seconds; `act` is checked after each wake-up and
    every `poll` seconds."""
    clock = ctx.clock
    wake = ctx.wake
    asked = clock.now()
    while not receipt.done:
        now = clock.now()
        if deadline is not None and now >= deadline:
            return receipt
        if act is not None and act(receipt):
            return receipt
        timeout = max(0.0, poll - (now - asked))
        if deadline is not None:
            timeout = min(timeout, deadline - now)
        await clock.wait(wake.event, timeout)
        news = wake.orders
        wake.clear()
        if news or clock.now() - asked >= poll:
            receipt = await ctx.children.resolve(receipt)
            asked = clock.now()
    return receipt


async def limit_order(
    ctx: AlgoContext, port: OrderPort, price: Decimal, timeout: float | None, poll: float
) -> ExecutionReceipt:
    """One limit order for the parent's size, left to rest until filled or `timeout`
    seconds (then cancelled)."""
    inst = await ctx.instrument(port)
    qty = on_step("size", ctx.parent.size, inst)
    intent = ctx.children.intent("l", qty, IntentOrderType.LIMIT, price)
    receipt = await ctx.children.submit(port, intent)
    if is_refused(receipt):
        raise refused(receipt)
    await ctx.book(port)  # its stream wakes the wait on order events
    deadline = None if timeout is None else ctx.clock.now() + timeout
    receipt = await rest(ctx, receipt, deadline=deadline, poll=poll)
    if not receipt.done:
        receipt = await ctx.children.cancel(receipt, "limit order timed out")
    return receipt
