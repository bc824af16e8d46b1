"""Market data: the same answers, typed the same way, from every venue."""

import asyncio
import time
from decimal import Decimal

import pytest

from tradeport.model import InstrumentStatus
from tradeport.model.errors import BadParameter, UnknownSymbol
from tradeport.venues.capability import Capability

from .conftest import SYMBOL, Venue, needs


@needs(Capability.GET_SERVER_TIME)
async def test_server_time_is_now(venue: Venue) -> None:
    assert abs(await venue.client.get_server_time() - time.time() * 1000) < 5_000


@needs(Capability.GET_EXCHANGE_INFO)
async def test_instruments_carry_trading_rules(venue: Venue) -> None:
    instruments = {i.symbol: i for i in await venue.client.get_exchange_info()}
    inst = instruments[SYMBOL]
    assert inst.base == "BTC" and inst.quote == "USDT"
    assert inst.status is InstrumentStatus.TRADING and inst.asset_type is venue.spec.asset_type
    assert inst.tick_size > 0 and inst.step_size > 0 and inst.min_qty > 0
    assert inst.contract_size > 0 and inst.min_notional >= 0
    assert all(i.tick_size > 0 for i in instruments.values())
    assert min(i.tick_size for i in instruments.values()) < Decimal("0.001")  # a cheap coin


@needs(Capability.GET_TICK, Capability.GET_DEPTH)
async def test_ticker_and_book_agree(venue: Venue) -> None:
    tick = await venue.client.get_tick(SYMBOL)
    book = await venue.client.get_depth(SYMBOL, 10)
    assert tick.bid is not None and tick.ask is not None and tick.bid < tick.ask
    assert (tick.bid, tick.ask) == (book.bids[0][0], book.asks[0][0])
    assert 0 < len(book.bids) <= 10 and 0 < len(book.asks) <= 10
    assert [p for p, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
    assert [p for p, _ in book.asks] == sorted(p for p, _ in book.asks)
    assert all(q > 0 for _, q in book.bids + book.asks)
    assert book.local_ts > 0


@needs(Capability.GET_KLINE)
async def test_klines_are_consistent_bars(venue: Venue) -> None:
    bars = await venue.client.get_kline(SYMBOL, "1m", limit=50)
    assert len(bars) == 50
    for bar in bars:
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert bar.close_ts == bar.open_ts + 60_000 - 1
    opens = [b.open_ts for b in bars]
    assert opens == sorted(opens) and len(set(opens)) == 50


@needs(Capability.GET_TRADES)
async def test_recent_trades(venue: Venue) -> None:
    trades = await venue.client.get_trades(SYMBOL, 20)
    assert 0 < len(trades) <= 20
    assert all(t.price > 0 and t.qty > 0 for t in trades)
    times = [t.ts for t in trades]
    assert times == sorted(times)


@needs(Capability.GET_EXCHANGE_INFO, Capability.GET_TICK, Capability.GET_DEPTH)
async def test_unknown_symbol_is_a_typed_error(venue: Venue) -> None:
    with pytest.raises(UnknownSymbol):
        await venue.client.get_depth("NOPE-USDT", 5)
    with pytest.raises(UnknownSymbol):
        await venue.client.instrument("NOPE-USDT")
    with pytest.raises(UnknownSymbol):
        await venue.client.get_tick("not a symbol")


@needs(Capability.GET_KLINE)
async def test_unknown_period_is_rejected_before_sending(venue: Venue) -> None:
    with pytest.raises(BadParameter, match="period"):
        await venue.client.get_kline(SYMBOL, "7m")


@needs(Capability.GET_EXCHANGE_INFO)
async def test_concurrent_first_calls_load_instruments_once(venue: Venue) -> None:
    client = await venue.connect()
    try:
        await asyncio.gather(*(client.instrument(SYMBOL) for _ in range(5)))
        assert client.http.status_counts[200] == 1  # type: ignore[attr-defined]
    finally:
        await client.close()
