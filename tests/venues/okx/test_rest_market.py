"""OKX market data through the real client against the emulator: instruments in base
units, swap sizes converted from contracts, candles and trades oldest first."""

from decimal import Decimal

import pytest

from tradeport.model import AssetType
from tradeport.model.errors import BadParameter, UnknownSymbol
from tradeport.venues.okx.emulator import OkxEmulator
from tradeport.venues.okx.rest import OkxRest

SYMBOL = "BTC-USDT"


async def test_server_time_is_the_venue_clock(spot: OkxRest, emulator: OkxEmulator) -> None:
    emulator.clock_skew_ms = 3_600_000
    before = emulator.now_ms()
    ts = await spot.get_server_time()
    assert before <= ts <= emulator.now_ms()


async def test_swap_instrument_rules_are_in_base_units(swap: OkxRest) -> None:
    instruments = {i.symbol: i for i in await swap.get_exchange_info()}
    inst = instruments[SYMBOL]
    contract = await swap.contract(SYMBOL)
    assert inst.venue_symbol == "BTC-USDT-SWAP" and inst.asset_type is AssetType.SWAP
    assert inst.settle == "USDT" and inst.contract_size == 1
    assert contract.multiplier > 0
    assert inst.step_size == contract.lot * contract.multiplier
    assert inst.min_qty == contract.min_size * contract.multiplier
    assert swap.readiness.is_up("instruments")
    assert swap.to_venue_symbol(SYMBOL) == "BTC-USDT-SWAP"
    assert swap.from_venue_symbol("BTC-USDT-SWAP") == SYMBOL
    assert swap.contract_of("BTC-USDT-SWAP") == contract


async def test_spot_symbols_are_the_venue_ones(spot: OkxRest) -> None:
    inst = await spot.instrument(SYMBOL)
    assert inst.venue_symbol == SYMBOL and inst.settle is None
    assert (await spot.contract(SYMBOL)).multiplier == 1
    with pytest.raises(UnknownSymbol):
        await spot.instrument("NOPE-USDT")
    with pytest.raises(UnknownSymbol):
        spot.from_venue_symbol("BTC-USDT-SWAP")


async def test_swap_book_and_ticker_sizes_are_base_units(spot: OkxRest, swap: OkxRest) -> None:
    contract = await swap.contract(SYMBOL)
    book = await swap.get_depth(SYMBOL, 5)
    assert 0 < len(book.bids) <= 5 and 0 < len(book.asks) <= 5
    assert book.bids[0][0] < book.asks[0][0]
    assert [p for p, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
    # every size is a whole number of lots of contracts, stated in base units
    step = float(contract.lot * contract.multiplier)
    for _, size in book.bids + book.asks:
        assert size / step == pytest.approx(round(size / step))
    # the spot book of the same pair is quoted in base units too: same magnitude
    spot_book = await spot.get_depth(SYMBOL, 5)
    assert 0.01 < book.bids[0][1] / spot_book.bids[0][1] < 100
    tick = await swap.get_tick(SYMBOL)
    assert tick.symbol == SYMBOL and tick.bid == book.bids[0][0]
    assert tick.bid_qty == pytest.approx(book.bids[0][1])


async def test_depth_limit_must_be_positive(spot: OkxRest) -> None:
    with pytest.raises(BadParameter):
        await spot.get_depth(SYMBOL, 0)


async def test_klines_oldest_first_and_unknown_period_refused(spot: OkxRest) -> None:
    bars = await spot.get_kline(SYMBOL, "1m", 5)
    assert len(bars) == 5
    assert [b.open_ts for b in bars] == sorted(b.open_ts for b in bars)
    assert all(b.close_ts == b.open_ts + 59_999 for b in bars)
    assert all(b.low <= b.open <= b.high and b.low <= b.close <= b.high for b in bars)
    older = await spot.get_kline(SYMBOL, "1m", 3, end_ms=bars[1].open_ts)
    assert [b.open_ts for b in older][-1] == bars[1].open_ts
    with pytest.raises(BadParameter, match="period"):
        await spot.get_kline(SYMBOL, "7m")


async def test_trades_oldest_first(swap: OkxRest, emulator: OkxEmulator) -> None:
    emulator.step(20)
    trades = await swap.get_trades(SYMBOL, 10)
    assert trades and len(trades) <= 10
    assert [t.ts for t in trades] == sorted(t.ts for t in trades)
    assert all(t.symbol == SYMBOL and t.qty > 0 for t in trades)


async def test_spot_market_volume_and_last(spot: OkxRest) -> None:
    tick = await spot.get_tick(SYMBOL)
    assert tick.last > 0 and tick.ts > 0
    assert tick.bid is not None and tick.ask is not None and tick.bid < tick.ask
    assert isinstance(tick.volume, float)
    assert Decimal(str(tick.last)) > 0
