"""Iceberg: one child of at most the display size rests at a time; when it is done (filled)
the next is posted, until the parent size is filled or the timeout ends it. At no time
does more than the display size rest at the venue."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeport.execution.algos.books import maker_price
from tradeport.execution.algos.children import is_refused
from tradeport.execution.algos.handle import AlgoContext
from tradeport.execution.algos.placement import BOOK_WAIT_S, on_step, refused, rest
from tradeport.execution.algos.ports import OrderPort
from tradeport.execution.algos.progress import AlgoStatus
from tradeport.execution.intent import IntentOrderType
from tradeport.model.errors import BadParameter, PostOnlyRejected
from tradeport.venues.kit import arguments


@dataclass(frozen=True, slots=True, kw_only=True)
class IcebergPolicy:
    display: Decimal  # the most that rests at the venue at any time
    # each child's limit price; None: post-only one tick inside the spread at each refill
    price: Decimal | None = None
    timeout: float | None = None  # seconds; then the resting child is cancelled
    poll_interval: float = 1.0
    max_refusals: int = 10  # post-only children refused in a row before giving up

    def __post_init__(self) -> None:
        arguments.positive_amount("display", self.display)
        if self.price is not None:
            arguments.positive_amount("price", self.price)
        if self.timeout is not None:
            arguments.seconds("timeout", self.timeout)
        arguments.seconds("poll_interval", self.poll_interval)
        if self.max_refusals < 0:
            raise BadParameter(f"max_refusals {self.max_refusals}: must be 0 or more")


async def iceberg(ctx: AlgoContext, port: OrderPort, policy: IcebergPolicy) -> AlgoStatus:
    clock = ctx.clock
    children = ctx.children
    inst = await ctx.instrument(port)
    qty = on_step("size", ctx.parent.size, inst)
    display = on_step("display", policy.display, inst)
    book = await ctx.book(port)
    deadline = None if policy.timeout is None else clock.now() + policy.timeout
    posted = refusals = 0
    while (remaining := qty - children.filled()) > 0:
        if remaining < inst.min_qty or (deadline is not None and clock.now() >= deadline):
            return AlgoStatus.STOPPED
        size = min(display, remaining)
        posted += 1
        if policy.price is not None:
            intent = children.intent(f"i{posted}", size, IntentOrderType.LIMIT, policy.price)
        else:
            view = await book.wait_live(BOOK_WAIT_S)
            price = maker_price(view, ctx.parent.order_side, inst)
            intent = children.intent(f"i{posted}", size, IntentOrderType.POST_ONLY, price)
        receipt = await children.submit(port, intent)
        if is_refused(receipt):
            if not isinstance(receipt.error, PostOnlyRejected) or refusals >= policy.max_refusals:
                raise refused(receipt)
            refusals += 1
            continue
        refusals = 0
        receipt = await rest(ctx, receipt, deadline=deadline, poll=policy.poll_interval)
        if not receipt.done:
            await children.cancel(receipt, "iceberg timed out")
            return AlgoStatus.STOPPED
        # done: filled, or closed at the venue before filling; either way the next
        # refill posts what is left
    return AlgoStatus.FILLED
