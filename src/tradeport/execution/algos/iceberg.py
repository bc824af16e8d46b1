"""Iceberg: one child of at most the display size rests at a time; when it is done (filled)
the next is posted, until the parent size is filled or the timeout ends it. With
`refill_below`, a child partly filled down to less than that is cancelled and replaced
by a full-size one, so the shown size does not dwindle. At no time does more than the
display size rest at the venue: a replacement is posted only once the venue confirmed
the cancel."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeport.execution.algos.books import maker_price
from tradeport.execution.algos.children import is_refused
from tradeport.execution.algos.handle import AlgoContext
from tradeport.execution.algos.placement import BOOK_WAIT_S, on_step, refused, rest
from tradeport.execution.algos.ports import OrderPort
from tradeport.execution.algos.progress import AlgoStatus
from tradeport.execution.intent import ExecutionReceipt, IntentOrderType
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
    # a resting child with less than this left unfilled is replaced by a full one (it
    # loses its place in the queue); None: it rests until filled, as a venue's iceberg
    refill_below: Decimal | None = None

    def __post_init__(self) -> None:
        arguments.positive_amount("display", self.display)
        if self.price is not None:
            arguments.positive_amount("price", self.price)
        if self.timeout is not None:
            arguments.seconds("timeout", self.timeout)
        arguments.seconds("poll_interval", self.poll_interval)
        if self.max_refusals < 0:
            raise BadParameter(f"max_refusals {self.max_refusals}: must be 0 or more")
        if self.refill_below is not None:
            arguments.positive_amount("refill_below", self.refill_below)
            if self.refill_below > self.display:
                raise BadParameter(
                    f"refill_below {self.refill_below}: must not exceed display {self.display}"
                )


async def iceberg(ctx: AlgoContext, port: OrderPort, policy: IcebergPolicy) -> AlgoStatus:
    clock = ctx.clock
    children = ctx.children
    inst = await ctx.instrument(port)
    qty = on_step("size", ctx.parent.size, inst)
    display = on_step("display", policy.display, inst)
    book = await ctx.book(port)
    deadline = None if policy.timeout is None else clock.now() + policy.timeout
    posted = refusals = 0
    refill_below = policy.refill_below
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

        def dwindled(receipt: ExecutionReceipt, size: Decimal = size) -> bool:
            assert refill_below is not None
            return receipt.filled_qty > 0 and size - receipt.filled_qty < refill_below

        receipt = await rest(
            ctx,
            receipt,
            deadline=deadline,
            poll=policy.poll_interval,
            act=None if refill_below is None else dwindled,
        )
        if not receipt.done:
            if deadline is not None and clock.now() >= deadline:
                await children.cancel(receipt, "iceberg timed out")
                return AlgoStatus.STOPPED
            # dwindled below refill_below: its remainder is cancelled (the venue's
            # answer may be that it filled meanwhile) and the next refill shows it again
            await children.cancel(receipt, "iceberg refill")
        # done: filled, or closed at the venue before filling; either way the next
        # refill posts what is left
    return AlgoStatus.FILLED
