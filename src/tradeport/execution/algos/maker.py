"""Maker-first: rest post-only one tick inside the spread, follow the book when it moves
away (a cancel-replace chase of at most `max_reprices`, `min_reprice_interval` apart),
and when the time is up cross as taker within a slippage bound, or stop."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tradeport.execution.algos.books import (
    depth_within,
    maker_price,
    moved_away,
    spread_bps,
    taker_bound,
)
from tradeport.execution.algos.children import is_refused
from tradeport.execution.algos.handle import AlgoContext
from tradeport.execution.algos.placement import (
    BOOK_WAIT_S,
    refused,
    rest,
    take,
)
from tradeport.execution.algos.ports import OrderPort
from tradeport.execution.algos.progress import AlgoStatus, EventKind
from tradeport.execution.intent import ExecutionReceipt, IntentOrderType, ReceiptStatus
from tradeport.model.errors import BadParameter, PostOnlyRejected
from tradeport.venues.kit import arguments


class Fallback(StrEnum):
    TAKER = "taker"  # cross the spread for what is left, within max_slippage_bps
    STOP = "stop"  # end with what filled


@dataclass(frozen=True, slots=True, kw_only=True)
class MakerFirstPolicy:
    timeout: float = 30.0  # seconds as maker before the fallback
    fallback: Fallback = Fallback.TAKER
    # the taker's worst price, in bps beyond the far touch when it crosses
    max_slippage_bps: Decimal = Decimal(50)
    max_reprices: int = 10  # cancel-replaces (and post-only refusals) at most
    min_reprice_interval: float = 1.0  # seconds between two prices
    poll_interval: float = 1.0  # the venue is asked at least this often while resting
    book_timeout: float = BOOK_WAIT_S  # seconds to wait for a LIVE book, then NotReady
    # cross at once when the spread is at most this (bps) and the depth within the
    # slippage bound covers the size: resting would save less than it risks
    taker_spread_bps: Decimal | None = None

    def __post_init__(self) -> None:
        arguments.seconds("timeout", self.timeout)
        arguments.seconds("min_reprice_interval", self.min_reprice_interval)
        arguments.seconds("poll_interval", self.poll_interval)
        arguments.seconds("book_timeout", self.book_timeout)
        if self.max_reprices < 0:
            raise BadParameter(f"max_reprices {self.max_reprices}: must be 0 or more")
        if not self.max_slippage_bps >= 0:
            raise BadParameter(f"max_slippage_bps {self.max_slippage_bps}: must be 0 or more")


async def maker_first(
    ctx: AlgoContext,
    port: OrderPort,
    qty: Decimal,
    policy: MakerFirstPolicy,
    prefix: str = "",
) -> AlgoStatus:
    """Fill `qty` of the parent maker-first; child ids are parent id + `prefix` + "m1",
    "m2"… for the maker orders and + "t" for the taker."""
    clock = ctx.clock
    children = ctx.children
    side = ctx.parent.order_side
    inst = await ctx.instrument(port)
    book = await ctx.book(port)
    deadline = clock.now() + policy.timeout
    mine: list[str] = []
    reprices = 0
    why = "maker phase over"

    def left() -> Decimal:
        return qty - children.filled_of(mine)

    while left() >= inst.min_qty and left() > 0 and clock.now() < deadline:
        view = await book.wait_live(policy.book_timeout)
        remaining = left()
        if policy.taker_spread_bps is not None and spread_bps(view) <= policy.taker_spread_bps:
            bound = taker_bound(view, side, inst, policy.max_slippage_bps)
            if depth_within(view, side, bound) >= remaining:
                why = "spread tight and deep enough"
                break
        price = maker_price(view, side, inst)
        intent = children.intent(
            f"{prefix}m{len(mine) + 1}", remaining, IntentOrderType.POST_ONLY, price
        )
        mine.append(intent.intent_id)
        receipt = await children.submit(port, intent)
        posted = clock.now()
        if is_refused(receipt):
            if not isinstance(receipt.error, PostOnlyRejected):
                raise refused(receipt)
            # the book moved between reading it and the order's arrival
            if reprices >= policy.max_reprices:
                why = "post-only refused after the last re-price"
                break
            reprices += 1
            ctx.emit(EventKind.REPRICED, price=price, detail="post-only would have taken")
            await clock.sleep(policy.min_reprice_interval - (clock.now() - posted))
            continue

        def should_move(
            _: ExecutionReceipt,
            posted: float = posted,
            price: Decimal = price,
            reprices: int = reprices,
        ) -> bool:
            live = book.current()
            return (
                live is not None
                and reprices < policy.max_reprices
                and clock.now() - posted >= policy.min_reprice_interval
                and moved_away(live, side, price)
            )

        receipt = await rest(
            ctx, receipt, deadline=deadline, poll=policy.poll_interval, act=should_move
        )
        if receipt.status is ReceiptStatus.FILLED:
            continue
        if receipt.done:
            # closed at the venue without filling (expired, cancelled there): post
            # again, counted as a re-price so this cannot loop without end
            if reprices >= policy.max_reprices:
                why = "closed at the venue after the last re-price"
                break
            reprices += 1
            await clock.sleep(policy.min_reprice_interval - (clock.now() - posted))
            continue
        if clock.now() >= deadline:
            await children.cancel(receipt, "maker phase timed out")
            why = "maker phase timed out"
            break
        await children.cancel(receipt, "book moved away")
        reprices += 1
        ctx.emit(EventKind.REPRICED, price=price, detail="book moved away")

    remaining = left()
    if remaining <= 0:
        return AlgoStatus.FILLED
    if policy.fallback is Fallback.STOP or remaining < inst.min_qty:
        return AlgoStatus.STOPPED
    ctx.emit(EventKind.FALLBACK, detail=f"{why}: crossing for {remaining}")
    final = await take(ctx, port, remaining, f"{prefix}t", policy.max_slippage_bps)
    mine.append(final.intent_id)
    return AlgoStatus.FILLED if left() <= 0 else AlgoStatus.STOPPED
