"""What the book engine consumes: venue-neutral depth updates, already parsed.

A venue's stream parser turns its diff-depth frame into a `DepthUpdate`; a REST depth
snapshot arrives as a `model.OrderBook` carrying the venue's `update_id`.
"""

from __future__ import annotations

import msgspec

Levels = list[tuple[float, float]]  # (price, absolute new quantity); 0 removes the level


class DepthUpdate(msgspec.Struct, gc=False):
    """One diff-depth event. Ids follow the venue's scheme: Binance U (`first_id`),
    u (`last_id`) and, on USDⓈ-M only, pu (`prev_id`); a venue with a single sequence
    number sets first_id == last_id."""

    symbol: str
    first_id: int
    last_id: int
    prev_id: int  # -1 when the venue sends none (Binance spot)
    bids: Levels
    asks: Levels
    ts: int = 0  # venue event time, epoch ms
    local_ts: int = 0  # receipt time, epoch ns
