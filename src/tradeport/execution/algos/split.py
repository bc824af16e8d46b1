"""Multi-venue: one parent split across several venues' ports by the best price net of
each venue's taker fee, read from their verified books, and taken there at once; the
result consolidates the fills with a breakdown per venue."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from tradeport.execution.algos.books import Book, price_of
from tradeport.execution.algos.handle import AlgoContext
from tradeport.execution.algos.placement import BOOK_WAIT_S, take
from tradeport.execution.algos.ports import OrderPort
from tradeport.execution.algos.progress import AlgoStatus
from tradeport.execution.intent import ExecutionReceipt
from tradeport.execution.quantize import quantize
from tradeport.model import Side
from tradeport.model.errors import BadParameter


@dataclass(frozen=True, slots=True)
class Route:
    """A venue to route to: its port and the account's taker fee rate there (0.0005 for
    5 bps); None takes the venue's published rate (venue.yaml `fees`), else 0."""

    port: OrderPort
    taker_fee: Decimal | None = None

    def __post_init__(self) -> None:
        fee = self.taker_fee
        if fee is not None and not (fee.is_finite() and Decimal(0) <= fee < 1):
            raise BadParameter(f"taker_fee {fee}: expected a rate from 0 up to 1")

    @property
    def fee(self) -> Decimal:
        if self.taker_fee is not None:
            return self.taker_fee
        published = self.port.client.config.fees
        return published.taker if published is not None else Decimal(0)


@dataclass(frozen=True, slots=True)
class VenueDepth:
    """What a taker finds at one venue: the levels on the side it takes, best first."""

    venue: str
    levels: list[tuple[Decimal, Decimal]]  # (price, qty)
    taker_fee: Decimal
    step: Decimal
    min_qty: Decimal


def taker_levels(book: Book, side: Side) -> list[tuple[Decimal, Decimal]]:
    levels = book.asks if side is Side.BUY else book.bids
    return [(price_of(p), Decimal(repr(q))) for p, q in levels]


def net_price(side: Side, price: Decimal, fee: Decimal) -> Decimal:
    """What a unit costs a buyer (or brings a seller) after the taker fee."""
    return price * (1 + fee) if side is Side.BUY else price * (1 - fee)


def allocate(side: Side, qty: Decimal, venues: list[VenueDepth]) -> dict[str, Decimal]:
    """The quantity for each venue: the parent's size taken level by level from the best
    net price across all books, then rounded down to each venue's step, the rounding
    remainder given to the venues in order of their best net price. Beyond the depth
    shown, the rest goes to the venue with the best touch."""
    if not venues:
        raise BadParameter("a split needs at least one venue")
    book = sorted(
        (
            (net_price(side, price, v.taker_fee), v.venue, size)
            for v in venues
            for price, size in v.levels
        ),
        key=lambda level: level[0],
        reverse=side is Side.SELL,
    )
    wanted = dict.fromkeys((v.venue for v in venues), Decimal(0))
    left = qty
    for _net, venue, size in book:
        if left <= 0:
            break
        part = min(size, left)
        wanted[venue] += part
        left -= part
    by_touch = sorted(
        (v for v in venues if v.levels),
        key=lambda v: net_price(side, v.levels[0][0], v.taker_fee),
        reverse=side is Side.SELL,
    )
    ranked = by_touch + [v for v in venues if not v.levels]
    if left > 0:
        wanted[ranked[0].venue] += left
    shares = {
        v.venue: quantize(wanted[v.venue], v.step, ROUND_DOWN) if v.step > 0 else wanted[v.venue]
        for v in venues
    }
    for v in venues:
        # a share below the venue's minimum cannot be sent: it joins the remainder
        if 0 < shares[v.venue] < v.min_qty:
            shares[v.venue] = Decimal(0)
    remainder = qty - sum(shares.values())
    for v in ranked:
        if remainder <= 0:
            break
        extra = quantize(remainder, v.step, ROUND_DOWN) if v.step > 0 else remainder
        if extra > 0 and shares[v.venue] + extra >= v.min_qty:
            shares[v.venue] += extra
            remainder -= extra
    if remainder > 0:
        raise BadParameter(
            f"size {qty}: {remainder} cannot be placed on any venue's step and minimum"
        )
    return {venue: share for venue, share in shares.items() if share > 0}


async def split(
    ctx: AlgoContext, routes: list[Route], max_slippage_bps: Decimal | None
) -> AlgoStatus:
    side = ctx.parent.order_side
    depths: list[VenueDepth] = []
    ports: dict[str, OrderPort] = {}
    for route in routes:
        venue = route.port.client.key
        if venue in ports:
            raise BadParameter(f"venue {venue} is routed to twice")
        ports[venue] = route.port
        inst = await ctx.instrument(route.port)
        view = await (await ctx.book(route.port)).wait_live(BOOK_WAIT_S)
        levels = taker_levels(view, side)
        depths.append(VenueDepth(venue, levels, route.fee, inst.step_size, inst.min_qty))
    shares = allocate(side, ctx.parent.size, depths)
    tasks = [
        take(ctx, ports[venue], share, f"v{index}", max_slippage_bps)
        for index, (venue, share) in enumerate(shares.items(), start=1)
    ]
    # every venue's child runs to its end before an error is raised, so the cleanup
    # sees (and cancels) all of them
    outcomes: list[ExecutionReceipt | BaseException] = await asyncio.gather(
        *tasks, return_exceptions=True
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    filled = ctx.children.filled()
    return AlgoStatus.FILLED if filled >= ctx.parent.size else AlgoStatus.STOPPED
