"""One parent split across three venues' emulators by best price net of taker fees: it
does no worse than the best single venue would have for the same size."""

from __future__ import annotations

from contextlib import AsyncExitStack
from decimal import Decimal
from pathlib import Path

from tests.conformance.conftest import SYMBOL
from tests.execution.routing import Routed, buy, routed

from tradeport.execution.algos.progress import AlgoStatus, EventKind
from tradeport.execution.router import Route, split

# each venue's market set apart so that their ask ladders interleave
MARKETS = {"BINANCE___SWAP": "65000", "BYBIT___SWAP": "64996.5", "OKX___SWAP": "64999.5"}


async def single_venue_cost(r: Routed, qty: Decimal) -> Decimal:
    """What buying `qty` on this venue alone costs per unit, taker fee included, by
    its book as it stands."""
    book = await r.venue.client.get_depth(SYMBOL, 100)
    fees = r.venue.client.config.fees
    assert fees is not None
    left, cost = qty, Decimal(0)
    for price, size in book.asks:
        part = min(left, Decimal(repr(size)))
        cost += part * Decimal(repr(price))
        left -= part
        if left == 0:
            break
    assert left == 0, "the book is too thin for the test's size"
    return cost * (1 + fees.taker) / qty


async def test_split_buys_no_worse_than_the_best_single_venue(tmp_path: Path) -> None:
    async with AsyncExitStack() as stack:
        venues: list[Routed] = []
        for seed, (key, mid) in enumerate(MARKETS.items(), start=21):
            r = await stack.enter_async_context(routed(key, tmp_path, seed=seed))
            r.venue.move(Decimal(mid))
            venues.append(r)
        qty = Decimal("4")
        best_single = min([await single_venue_cost(r, qty) for r in venues])

        handle = split([Route(r.port) for r in venues], buy(qty, leverage=10))
        result = await handle

        assert result.status is AlgoStatus.FILLED and result.filled_qty == qty
        assert len(result.venues) >= 2  # the size was worth splitting
        assert sum(v.filled_qty for v in result.venues.values()) == qty
        assert set(result.fees) == {"USDT"}
        assert result.avg_price is not None
        paid = (result.notional + result.fees["USDT"]) / qty
        assert paid <= best_single
        submitted = [e.venue async for e in handle if e.kind is EventKind.SUBMITTED]
        assert sorted(submitted) == sorted(result.venues)
        for r in venues:
            assert await r.open_orders() == []
