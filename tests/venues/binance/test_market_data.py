"""Market data over loopback from the emulator, spot and USDⓈ-M."""

import time
from decimal import Decimal

import pytest

from tradeport.model import InstrumentStatus
from tradeport.model.errors import BadParameter, UnknownSymbol
from tradeport.venues.base import VenueClient

from .conftest import connect

MARKETS = ["BINANCE___SPOT", "BINANCE___SWAP"]


@pytest.fixture(params=MARKETS)
async def client(request: pytest.FixtureRequest, emulator):  # type: ignore[no-untyped-def]
    c = await connect(emulator, request.param)
    yield c
    await c.close()


async def test_server_time_is_now(client: VenueClient) -> None:
    assert abs(await client.get_server_time() - time.time() * 1000) < 5_000


async def test_instruments_carry_filters(client: VenueClient) -> None:
    instruments = {i.symbol: i for i in await client.get_exchange_info()}
    assert {"BTC-USDT", "ETH-USDT", "DOGE-USDT"} <= set(instruments)
    btc = instruments["BTC-USDT"]
    assert btc.venue_symbol == "BTCUSDT" and btc.status is InstrumentStatus.TRADING
    assert btc.tick_size > 0 and btc.step_size > 0 and btc.min_notional > 0
    doge = instruments["DOGE-USDT"]
    assert doge.tick_size < Decimal("0.001")


async def test_ticker_and_book_agree(client: VenueClient) -> None:
    tick = await client.get_tick("BTC-USDT")
    book = await client.get_depth("BTC-USDT", 10)
    assert tick.bid is not None and tick.ask is not None
    assert tick.bid < tick.ask
    assert (tick.bid, tick.ask) == (book.bids[0][0], book.asks[0][0])
    assert 0 < len(book.bids) <= 10 and 0 < len(book.asks) <= 10
    assert [p for p, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
    assert [p for p, _ in book.asks] == sorted(p for p, _ in book.asks)
    assert book.update_id > 0 and book.local_ts > 0


async def test_klines_are_consistent_bars(client: VenueClient) -> None:
    bars = await client.get_kline("BTC-USDT", "1m", limit=50)
    assert len(bars) == 50
    for bar in bars:
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert bar.close_ts == bar.open_ts + 60_000 - 1
    opens = [b.open_ts for b in bars]
    assert opens == sorted(opens) and len(set(opens)) == 50


async def test_recent_trades(client: VenueClient) -> None:
    trades = await client.get_trades("ETH-USDT", 20)
    assert 0 < len(trades) <= 20
    ids = [int(t.trade_id) for t in trades]
    assert ids == sorted(ids)
    assert all(t.price > 0 and t.qty > 0 for t in trades)


async def test_unknown_symbol_is_a_typed_error(client: VenueClient) -> None:
    with pytest.raises(UnknownSymbol) as info:
        await client.get_depth("NOPE-USDT", 5)
    assert info.value.code == -1121
    with pytest.raises(UnknownSymbol):
        await client.instrument("NOPE-USDT")


async def test_unknown_period_is_rejected_before_sending(client: VenueClient) -> None:
    with pytest.raises(BadParameter, match="period"):
        await client.get_kline("BTC-USDT", "7m")
