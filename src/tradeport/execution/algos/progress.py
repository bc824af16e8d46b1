"""What an algorithm tells while it runs (progress events) and what it leaves behind
(one consolidated result, with a breakdown per venue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from tradeport.execution.intent import ExecutionReceipt
from tradeport.model.errors import TradeportError


class EventKind(StrEnum):
    STARTED = "started"
    SUBMITTED = "submitted"  # a child order reached the venue (see `receipt`)
    REJECTED = "rejected"  # the venue refused a child (a post-only that would take…)
    FILLED = "filled"  # a child is done with fills
    CANCELLED = "cancelled"  # a child was cancelled (what it filled is in `receipt`)
    REPRICED = "repriced"  # the book moved away: cancel-replace at a new price
    FALLBACK = "fallback"  # the maker phase timed out: crossing as taker
    SLICE = "slice"  # a TWAP slice starts
    ERROR = "error"  # something failed; the algorithm stops and cancels its children
    FINISHED = "finished"  # the last event: `result` holds the outcome


class AlgoStatus(StrEnum):
    FILLED = "filled"  # the whole parent size filled
    STOPPED = "stopped"  # ended by its own policy (timeout, stop) short of the size
    CANCELLED = "cancelled"  # cancelled by the caller
    FAILED = "failed"  # an error ended it: see `error`


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueFills:
    """One venue's share of a parent order."""

    venue: str
    filled_qty: Decimal
    avg_price: Decimal | None
    fees: dict[str, Decimal]  # by fee asset
    children: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgoResult:
    parent_id: str
    algo: str
    symbol: str
    status: AlgoStatus
    target_qty: Decimal
    filled_qty: Decimal
    avg_price: Decimal | None  # the VWAP of every child fill
    fees: dict[str, Decimal]  # by fee asset, summed over the children
    venues: dict[str, VenueFills]
    children: list[ExecutionReceipt]  # the last known truth of each child, in order
    error: TradeportError | None = None
    cleanup_errors: list[TradeportError] = field(default_factory=list)

    @property
    def notional(self) -> Decimal:
        return self.filled_qty * self.avg_price if self.avg_price is not None else Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressEvent:
    kind: EventKind
    parent_id: str
    ts: float  # on the algorithm's clock
    filled_qty: Decimal  # of the parent, so far
    child_id: str | None = None
    venue: str | None = None
    price: Decimal | None = None
    receipt: ExecutionReceipt | None = None
    slice_index: int | None = None
    detail: str = ""
    result: AlgoResult | None = None  # on FINISHED
