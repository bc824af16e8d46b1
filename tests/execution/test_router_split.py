"""One parent split across three venues' emulators by best price net of taker fees: it
does no worse than the best single venue would have for the same size."""

from __future__ import annotations

from contextlib import AsyncExitStack
from decimal import Decimal
from pathlib import Path

import pytest
from tests.conformance.conftest import SYMBOL
from tests.execution.routing import Routed, routed

from tradeport.execution.algos.progress import AlgoStatus, EventKind
from tradeport.execution.intent import Intent, IntentAction, IntentSide
from tradeport.execution.router import Route, split
from tradeport.model import Side

# each venue's market set apart so that their ladders interleave
MARKETS = {"BINANCE___SWAP": "65000", "BYBIT___SWAP": "64996.5", "OKX___SWAP": "64999.5"}


async def single_venue_price(r: Routed, side: Side, qty: Decimal) -> Decimal:
    """What `qty` on this venue alone costs (a buy) or brings (a sell) per unit, taker
    fee included, by its book as it stands."""
    book = await r.venue.client.get_depth(SYMBOL, 100)
    fees = r.venue.client.config.fees
    assert fees is not None
    left, notional = qty, Decimal(0)
    for price, size in book.asks if side is Side.BUY else book.bids:
        part = min(left, Decimal(repr(size)))
        notional += part * Decimal(repr(price))
        left -= part
        if left == 0:
            break
    assert left == 0, "the book is too thin for the test's size"
    fee = notional * fees.taker
    return (notional + fee if side is Side.BUY else notional - fee) / qty


@pytest.mark.parametrize(
    ("side", "max_slippage_bps"),
    [(IntentSide.LONG, None), (IntentSide.SHORT, Decimal(10))],
    ids=["buy-at-market", "sell-within-10bps"],
)
async def test_split_does_no_worse_than_the_best_single_venue(
    side: IntentSide, max_slippage_bps: Decimal | None, tmp_path: Path
) -> None:
    async with AsyncExitStack() as stack:
        venues: list[Routed] = []
        for seed, (key, mid) in enumerate(MARKETS.items(), start=21):
            r = await stack.enter_async_context(routed(key, tmp_path, seed=seed))
            r.venue.move(Decimal(mid))
            venues.append(r)
        qty = Decimal("4")
        intent = Intent(asset=SYMBOL, side=side, action=IntentAction.ENTER, size=qty, leverage=10)
        singles = [await single_venue_price(r, intent.order_side, qty) for r in venues]

        routes = [Route(r.port) for r in venues]
        handle = split(routes, intent, max_slippage_bps=max_slippage_bps)
        result = await handle

        assert result.status is AlgoStatus.FILLED and result.filled_qty == qty
        assert len(result.venues) >= 2  # the size was worth splitting
        assert sum(v.filled_qty for v in result.venues.values()) == qty
        assert set(result.fees) == {"USDT"}
        fee = result.fees["USDT"]
        if intent.order_side is Side.BUY:
            assert (result.notional + fee) / qty <= min(singles)
        else:
            assert (result.notional - fee) / qty >= max(singles)
        submitted = [e.venue async for e in handle if e.kind is EventKind.SUBMITTED]
        assert sorted(submitted) == sorted(result.venues)
        for r in venues:
            assert await r.open_orders() == []
