"""Price bands: a limit order far from the market meets the refusal the live venue
answers (its raw code, as the unified InvalidPrice), or, where the venue moves such a
price to its limit by default (Bybit futures), rests or trades at that limit."""

from decimal import ROUND_UP, Decimal

import pytest

from tradeport.emulator.engine import Engine
from tradeport.execution.quantize import quantize
from tradeport.model import AssetType
from tradeport.model.errors import InvalidPrice

from .conftest import SYMBOL, Venue

# venue -> (side, multiple of the mark price, raw code of the live refusal)
REFUSED: dict[str, tuple[str, str, int | str]] = {
    # PERCENT_PRICE_BY_SIDE: 0.2x to 5x the average price on either side
    "BINANCE___SPOT": ("buy", "6", -1013),
    "BINANCE___SWAP": ("buy", "1.5", -4016),
    "BYBIT___SPOT": ("buy", "1.5", 170193),
    "OKX___SPOT": ("buy", "1.5", "51006"),
    "OKX___SWAP": ("buy", "1.5", "51006"),
}
REFUSED_SELLS: dict[str, tuple[str, str, int | str]] = {
    "BINANCE___SPOT": ("sell", "0.1", -1013),
    "BINANCE___SWAP": ("sell", "0.5", -4024),
    "BYBIT___SPOT": ("sell", "0.5", 170194),
    "OKX___SPOT": ("sell", "0.5", "51006"),
    "OKX___SWAP": ("sell", "0.5", "51006"),
}
# the venue's default moves the price to the limit instead (account/set-price-limit.mdx)
CLAMPED = {"BYBIT___SWAP"}


def _engine(venue: Venue) -> Engine:
    return venue.emulator.engine_for(venue.spec.asset_type)


def _engine_symbol(venue: Venue) -> str:
    engine = _engine(venue)
    for symbol in (SYMBOL, SYMBOL.replace("-", ""), f"{SYMBOL}-SWAP"):
        if symbol in engine.instruments:
            return symbol
    raise AssertionError(f"{SYMBOL} is not listed by {venue.spec.key}")


async def _far_price(venue: Venue, multiple: str) -> Decimal:
    engine = _engine(venue)
    mark = engine.mark_price(_engine_symbol(venue))
    tick = engine.instruments[_engine_symbol(venue)].tick_size
    return (mark * Decimal(multiple) / tick).to_integral_value() * tick


async def _qty_at(venue: Venue, multiple: str) -> Decimal:
    """A quantity whose notional still passes the client's minimum at `multiple` × mark."""
    qty = await venue.small_qty()
    if Decimal(multiple) >= 1:
        return qty
    inst = await venue.inst()
    return quantize(qty / Decimal(multiple), inst.step_size, ROUND_UP)


def _banded(venue: Venue) -> None:
    if _engine(venue).price_band is None:
        pytest.skip(f"the {venue.spec.key} emulator enforces no price band")


@pytest.mark.parametrize("table", [REFUSED, REFUSED_SELLS], ids=["buy-above", "sell-below"])
async def test_far_from_market_limit_order_gets_the_live_refusal(
    venue: Venue, table: dict[str, tuple[str, str, int | str]]
) -> None:
    _banded(venue)
    if venue.spec.key in CLAMPED:
        pytest.skip(f"{venue.spec.key} moves such a price to its limit (the clamp test)")
    side, multiple, code = table[venue.spec.key]
    price = await _far_price(venue, multiple)
    with pytest.raises(InvalidPrice) as refused:
        await venue.client.make_order(
            SYMBOL, await _qty_at(venue, multiple), price, f"{side}-limit"
        )
    assert refused.value.code == code
    assert not await venue.client.get_open_orders(SYMBOL)


async def test_price_inside_the_band_is_accepted(venue: Venue) -> None:
    _banded(venue)
    bid, _ask = await venue.touch()
    order = await venue.client.make_order(
        SYMBOL, await venue.small_qty(), await venue.price_under_bid("0.99"), "buy-limit"
    )
    assert order.order_id
    assert Decimal(str(order.price)) < bid


async def test_bybit_futures_move_a_far_price_to_the_limit(venue: Venue) -> None:
    if venue.spec.key not in CLAMPED:
        pytest.skip("only venues that move a price beyond the band to its limit")
    engine = _engine(venue)
    symbol = _engine_symbol(venue)
    # the book rests only within a few ticks of the mark: the limit is far above the asks
    limit = engine.price_limits(symbol, "BUY").high
    assert limit is not None
    order = await venue.client.make_order(
        SYMBOL, await venue.small_qty(), await _far_price(venue, "1.5"), "buy-limit"
    )
    placed = await venue.client.query_order(SYMBOL, order.order_id)
    assert Decimal(str(placed.price)) == limit
    assert venue.spec.asset_type is AssetType.SWAP
