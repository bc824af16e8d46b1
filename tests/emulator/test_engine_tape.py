from __future__ import annotations

from tradeport.emulator.engine import Engine
from tradeport.emulator.events import AccountEvent, OrderEvent, account_listener
from tradeport.emulator.tape import MINUTE_MS, WEEK_MS, bucket_open

from .builders import BTC, T0, Clock, D, limit, market

MONDAY_2023_11_13 = 1_699_833_600_000


def traded_engine(clock: Clock) -> Engine:
    engine = Engine("spot", [BTC], clock=clock)
    engine.open_account("a", {"BTC": D(100), "USDT": D(10_000_000)})
    return engine


def trade(engine: Engine, price: str, qty: str = "1", side: str = "BUY") -> None:
    engine.place("a", limit("SELL" if side == "BUY" else "BUY", qty, price))
    engine.place("a", market(side, qty))


def test_weekly_klines_open_on_monday_and_daily_at_midnight_utc() -> None:
    assert bucket_open(T0, WEEK_MS) == MONDAY_2023_11_13
    assert bucket_open(MONDAY_2023_11_13, WEEK_MS) == MONDAY_2023_11_13
    assert bucket_open(T0, 86_400_000) == 1_699_920_000_000


def test_quiet_minutes_are_flat_klines_at_the_previous_close() -> None:
    clock = Clock(T0 - T0 % MINUTE_MS)
    engine = traded_engine(clock)
    trade(engine, "60000")
    trade(engine, "60010", side="SELL")
    clock.advance(3 * MINUTE_MS + 5)
    trade(engine, "59990", "2")
    klines = engine.klines("BTCUSDT", MINUTE_MS, None, None, 10)

    assert [k.open_ms - klines[0].open_ms for k in klines] == [0, 60_000, 120_000, 180_000]
    first, quiet, _, last = klines
    assert (first.open, first.high, first.low, first.close) == (
        D(60000), D(60010), D(60000), D(60010)
    )  # fmt: skip
    assert (first.volume, first.trades, first.taker_buy_volume) == (D(2), 2, D(1))
    assert (quiet.open, quiet.close, quiet.volume, quiet.trades) == (D(60010), D(60010), 0, 0)
    assert (last.close, last.volume, last.close_ms) == (D(59990), D(2), last.open_ms + 59_999)


def test_kline_window_selection_by_start_end_and_limit() -> None:
    clock = Clock(T0 - T0 % MINUTE_MS)
    engine = traded_engine(clock)
    for i in range(10):
        trade(engine, str(60000 + i))
        clock.advance(MINUTE_MS)
    start = T0 - T0 % MINUTE_MS
    latest = engine.klines("BTCUSDT", MINUTE_MS, None, None, 3)
    assert [k.close for k in latest][-1] == D(60009)
    assert len(latest) == 3
    from_start = engine.klines("BTCUSDT", MINUTE_MS, start + 1, None, 2)
    assert [k.open_ms for k in from_start] == [start + MINUTE_MS, start + 2 * MINUTE_MS]
    until = engine.klines("BTCUSDT", MINUTE_MS, None, start + 4 * MINUTE_MS, 2)
    assert [k.close for k in until] == [D(60003), D(60004)]
    hourly = engine.klines("BTCUSDT", 3_600_000, None, None, 5)
    assert sum(k.volume for k in hourly) == D(10)
    assert hourly[-1].close == D(60009)


def test_sub_minute_klines_come_from_the_trades() -> None:
    clock = Clock(T0)
    engine = traded_engine(clock)
    trade(engine, "60000")
    clock.advance(1500)
    trade(engine, "60001")
    seconds = engine.klines("BTCUSDT", 1000, None, None, 10)
    assert [(k.open_ms - T0, k.close, k.volume) for k in seconds] == [
        (0, D(60000), D(1)),
        (1000, D(60001), D(1)),
    ]


def test_ticker_without_trades_and_after_trades() -> None:
    clock = Clock(T0)
    engine = traded_engine(clock)
    empty = engine.ticker_24h("BTCUSDT")
    assert (empty.last, empty.count, empty.first_id, empty.last_id) == (0, 0, -1, -1)
    trade(engine, "60000", "1")
    trade(engine, "61000", "3")
    engine.place("a", limit("BUY", "1", "59000"))
    ticker = engine.ticker_24h("BTCUSDT")
    assert (ticker.open, ticker.high, ticker.low, ticker.last) == (
        D(60000), D(61000), D(60000), D(61000)
    )  # fmt: skip
    assert (ticker.volume, ticker.quote_volume) == (D(4), D(243000))
    assert ticker.weighted_avg == D(60750)
    assert (ticker.first_id, ticker.last_id, ticker.count) == (1, 2, 2)
    assert (ticker.bid, ticker.bid_qty, ticker.ask) == (D(59000), D(1), 0)
    assert ticker.close_ms - ticker.open_ms == 86_400_000

    clock.advance(2 * 86_400_000)
    stale = engine.ticker_24h("BTCUSDT")
    assert (stale.last, stale.open, stale.volume, stale.count) == (D(61000), D(61000), 0, 0)


def test_account_listener_passes_on_private_events_only() -> None:
    orders: list[OrderEvent] = []
    accounts: list[AccountEvent] = []
    listen = account_listener(orders.append, accounts.append)
    account = AccountEvent(account_id="a", balances={}, positions=[])
    listen(account)
    listen(object())  # a public event (trade, book change) is not theirs
    assert accounts == [account] and orders == []
