"""Bybit market data over REST, spot and linear, against the emulator: instruments
(paged on linear), tickers, books, klines and trades as the venue holds them."""

from decimal import Decimal
from typing import Any

import pytest

from tradeport.model import AssetType, InstrumentStatus
from tradeport.model.errors import BadParameter, UnknownSymbol
from tradeport.venues.bybit.client import BybitClient
from tradeport.venues.bybit.emulator import BybitEmulator

SYMBOL = "BTC-USDT"


@pytest.fixture(params=["BYBIT___SPOT", "BYBIT___SWAP"])
async def client(request: pytest.FixtureRequest, connect: Any) -> BybitClient:
    return await connect(request.param)


async def test_server_time_follows_the_venue_clock(
    client: BybitClient, emulator: BybitEmulator
) -> None:
    emulator.clock_skew_ms = 3_600_000
    before = emulator.now_ms()
    server = await client.get_server_time()
    assert before <= server <= emulator.now_ms()


async def test_instruments_carry_the_venue_rules(
    client: BybitClient, emulator: BybitEmulator
) -> None:
    instruments = {i.symbol: i for i in await client.get_exchange_info()}
    engine = emulator.engine_for(client.asset_type)
    assert {i.venue_symbol for i in instruments.values()} == set(engine.instruments)
    inst, rules = instruments[SYMBOL], engine.instruments["BTCUSDT"]
    assert inst.asset_type is client.asset_type and inst.status is InstrumentStatus.TRADING
    assert (inst.tick_size, inst.step_size) == (rules.tick_size, rules.step_size)
    # the minimum order value is the skin's rule (Bybit's 5 USDT on linear)
    specs = emulator.spot_symbols if client.asset_type.value == "spot" else emulator.linear_symbols
    (spec,) = [s for s in specs if s.symbol == "BTCUSDT"]
    assert inst.min_notional == spec.min_notional and inst.contract_size == 1
    if client.asset_type is AssetType.SWAP:
        assert inst.settle == "USDT" and inst.max_leverage is not None
        assert inst.min_qty == rules.min_qty
    else:
        assert inst.settle is None and inst.max_leverage is None
    assert client.readiness.is_up("instruments")


async def test_linear_instruments_follow_the_page_cursor(
    swap: BybitClient, emulator: BybitEmulator
) -> None:
    swap.instruments_page = 2  # the emulator lists 3 perpetuals: two pages
    instruments = await swap.get_exchange_info()
    assert len(instruments) == len(emulator.linear.instruments) == 3
    assert swap.http.status_counts[200] == 2


async def test_ticker_agrees_with_the_book(client: BybitClient) -> None:
    tick = await client.get_tick(SYMBOL)
    book = await client.get_depth(SYMBOL, 10)
    assert tick.bid is not None and tick.ask is not None
    assert (tick.bid, tick.ask) == (book.bids[0][0], book.asks[0][0])
    assert tick.last > 0 and tick.ts > 0
    assert [p for p, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
    assert [p for p, _ in book.asks] == sorted(p for p, _ in book.asks)
    assert 0 < len(book.bids) <= 10 and book.update_id > 0


async def test_book_follows_a_moved_market(client: BybitClient, emulator: BybitEmulator) -> None:
    emulator.move_market(client.asset_type, SYMBOL, Decimal("61000"))
    book = await client.get_depth(SYMBOL, 5)
    assert book.bids[0][0] < 61000 * 1.01 and book.asks[0][0] > 61000 * 0.99


async def test_hourly_klines_oldest_first(client: BybitClient) -> None:
    bars = await client.get_kline(SYMBOL, "1h", limit=5)
    assert 0 < len(bars) <= 5
    opens = [b.open_ts for b in bars]
    assert opens == sorted(opens)
    assert all(b.close_ts == b.open_ts + 3_600_000 - 1 for b in bars)
    assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)


async def test_klines_between_two_times(client: BybitClient) -> None:
    recent = await client.get_kline(SYMBOL, "1m", limit=20)
    start, end = recent[5].open_ts, recent[9].open_ts
    window = await client.get_kline(SYMBOL, "1m", limit=100, start_ms=start, end_ms=end)
    assert [b.open_ts for b in window] == [b.open_ts for b in recent[5:10]]


async def test_recent_trades_oldest_first(client: BybitClient, emulator: BybitEmulator) -> None:
    emulator.step(5)
    trades = await client.get_trades(SYMBOL, 10)
    assert 0 < len(trades) <= 10
    times = [t.ts for t in trades]
    assert times == sorted(times) and len({t.trade_id for t in trades}) == len(trades)


async def test_unknown_symbols_and_periods_fail_before_sending(client: BybitClient) -> None:
    await client.instruments()
    sent = client.http.status_counts.total()
    with pytest.raises(UnknownSymbol):
        await client.get_depth("NOPE-USDT", 5)
    with pytest.raises(UnknownSymbol):
        await client.get_tick("not a symbol")
    with pytest.raises(BadParameter, match="period"):
        await client.get_kline(SYMBOL, "7m")
    assert client.http.status_counts.total() == sent
