"""TWAP: the parent split into N slices spread evenly over T seconds (each slice start
optionally delayed by a random part of the interval), each slice taken at market or
worked maker-first. A slice also carries what earlier slices left unfilled."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from tradeport.execution.algos.handle import AlgoContext
from tradeport.execution.algos.maker import MakerFirstPolicy, maker_first
from tradeport.execution.algos.placement import on_step, take
from tradeport.execution.algos.ports import OrderPort
from tradeport.execution.algos.progress import AlgoStatus, EventKind
from tradeport.execution.quantize import quantize_qty
from tradeport.model.errors import BadParameter
from tradeport.venues.kit import arguments


class SliceMode(StrEnum):
    MARKET = "market"
    MAKER_FIRST = "maker_first"


@dataclass(frozen=True, slots=True, kw_only=True)
class TwapPolicy:
    slices: int
    duration: float  # seconds from the first slice's scheduled start to the end
    jitter: float = 0.0  # 0 to under 1: each start delayed by up to this part of an interval
    mode: SliceMode = SliceMode.MARKET
    # MARKET slices: bound each taker to this many bps beyond the far touch (None: market)
    max_slippage_bps: Decimal | None = None
    # MAKER_FIRST slices: the policy of each (its timeout is cut to the slice interval)
    maker: MakerFirstPolicy = field(default_factory=MakerFirstPolicy)
    seed: int | None = None  # of the jitter, for a reproducible schedule

    def __post_init__(self) -> None:
        arguments.count("slices", self.slices)
        arguments.seconds("duration", self.duration)
        if not 0.0 <= self.jitter < 1.0:
            raise BadParameter(f"jitter {self.jitter}: expected 0 up to (not including) 1")

    def offsets(self) -> list[float]:
        """Each slice's start in seconds after the algorithm's start."""
        rng = random.Random(self.seed)
        interval = self.duration / self.slices
        return [
            i * interval + (rng.uniform(0.0, self.jitter * interval) if self.jitter else 0.0)
            for i in range(self.slices)
        ]


async def twap(ctx: AlgoContext, port: OrderPort, policy: TwapPolicy) -> AlgoStatus:
    clock = ctx.clock
    inst = await ctx.instrument(port)
    qty = on_step("size", ctx.parent.size, inst)
    interval = policy.duration / policy.slices
    start = clock.now()
    for index, offset in enumerate(policy.offsets()):
        await clock.sleep(start + offset - clock.now())
        # cumulative target: what should have filled by the end of this slice
        target = quantize_qty(inst, qty * (index + 1) / policy.slices)
        size = target - ctx.children.filled()
        ctx.emit(EventKind.SLICE, slice_index=index, detail=f"slice {index + 1}: {size}")
        if size < inst.min_qty or size <= 0:
            continue  # too small to send: carried into the next slice
        prefix = f"s{index + 1}"
        if policy.mode is SliceMode.MARKET:
            await take(ctx, port, size, f"{prefix}t", policy.max_slippage_bps)
        else:
            maker = replace(policy.maker, timeout=min(policy.maker.timeout, interval))
            await maker_first(ctx, port, size, maker, prefix)
    return AlgoStatus.FILLED if ctx.children.filled() >= qty else AlgoStatus.STOPPED
