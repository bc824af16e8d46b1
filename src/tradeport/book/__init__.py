"""L2 book engine: price levels, continuity rules, the sync state machine and the
snapshot queue. Venue-neutral: nothing here imports a venue."""

from tradeport.book.levels import L2Book
from tradeport.book.sequence import ContinuityRule, FirstLastRule, PrevLinkRule, Verdict
from tradeport.book.snapshots import SnapshotQueue
from tradeport.book.sync import BookStats, BookSync
from tradeport.book.types import DepthUpdate

__all__ = [
    "BookStats",
    "BookSync",
    "ContinuityRule",
    "DepthUpdate",
    "FirstLastRule",
    "L2Book",
    "PrevLinkRule",
    "SnapshotQueue",
    "Verdict",
]
