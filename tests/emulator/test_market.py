from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal

import pytest

from tradeport.emulator.engine import Engine, OrderEvent
from tradeport.emulator.market import MM_ACCOUNT, SyntheticMarket
from tradeport.emulator.symbols import on_step
from tradeport.emulator.tape import DAY_MS, MINUTE_MS

from .builders import BTC, DOGE, Clock, D, limit


def make(kind: str = "spot", seed: int = 7, **kw: object) -> tuple[Engine, SyntheticMarket, Clock]:
    clock = Clock()
    engine = Engine(kind, [BTC, DOGE], clock=clock)  # type: ignore[arg-type]
    market = SyntheticMarket(engine, seed=seed, **kw)  # type: ignore[arg-type]
    engine.open_account("user", {"BTC": D(10), "DOGE": D(1_000_000), "USDT": D(1_000_000)})
    return engine, market, clock


def run_steps(market: SyntheticMarket, clock: Clock, steps: int) -> None:
    for _ in range(steps):
        clock.advance(250)
        market.step()


def fingerprint(engine: Engine) -> tuple:
    return tuple(
        (engine.depth(s, 50), engine.recent_trades(s, 1000), engine.ticker_24h(s))
        for s in ("BTCUSDT", "DOGEUSDT")
    )


def test_quotes_exist_from_the_start_with_the_configured_spread() -> None:
    engine, _, _ = make(levels=20, spread_ticks=2)
    for instrument in (BTC, DOGE):
        view = engine.depth(instrument.symbol, 100)
        assert len(view.bids) == len(view.asks) == 20
        best_bid, best_ask = view.bids[0][0], view.asks[0][0]
        assert best_ask - best_bid == 2 * instrument.tick_size
        assert best_bid < instrument.start_price < best_ask


@pytest.mark.parametrize("instrument", [BTC, DOGE])
def test_ladder_levels_are_a_few_ticks_apart_with_varying_sizes(instrument: object) -> None:
    engine, market, clock = make()
    run_steps(market, clock, 30)
    symbol = instrument.symbol  # type: ignore[attr-defined]
    tick = instrument.tick_size  # type: ignore[attr-defined]
    view = engine.depth(symbol, 100)
    for levels in (view.bids, view.asks):
        prices = [price for price, _ in levels]
        gaps = {abs(a - b) / tick for a, b in itertools.pairwise(prices)}
        assert gaps <= {1, 2, 3} and len(gaps) > 1
        assert all(price % tick == 0 for price in prices)
        sizes = [qty for _, qty in levels]
        assert len(set(sizes)) > len(sizes) // 2
        assert min(sizes) >= instrument.min_qty  # type: ignore[attr-defined]


def test_same_seed_same_market_and_a_different_seed_differs() -> None:
    runs = []
    for seed in (3, 3, 4):
        engine, market, clock = make(seed=seed)
        market.seed_history(minutes=120)
        run_steps(market, clock, 80)
        runs.append(fingerprint(engine))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_move_to_fills_a_resting_buy_when_the_market_comes_down() -> None:
    engine, market, _ = make()
    order, _ = engine.place("user", limit("BUY", "0.05", "59000"))
    market.move_to("BTCUSDT", D("59500"))
    assert engine.order("user", "BTCUSDT", order.order_id).status == "NEW"
    market.move_to("BTCUSDT", D("59000"))
    filled = engine.order("user", "BTCUSDT", order.order_id)
    assert (filled.status, filled.avg_price) == ("FILLED", D("59000"))
    assert engine.balances("user")["BTC"][0] == D(10) + D("0.05") * (1 - D("0.001"))
    assert engine.fills("user")[0].is_maker is True


def test_move_to_through_a_resting_sell_fills_it_at_its_price_via_the_requote() -> None:
    engine, market, _ = make()
    order, _ = engine.place("user", limit("SELL", "5000", "0.10050", symbol="DOGEUSDT"))
    market.move_to("DOGEUSDT", D("0.10200"))
    filled = engine.order("user", "DOGEUSDT", order.order_id)
    assert (filled.status, filled.avg_price) == ("FILLED", D("0.10050"))
    best_bid = engine.depth("DOGEUSDT", 1).bids[0][0]
    assert best_bid > D("0.10050")


def test_move_to_fills_a_perpetual_order_and_opens_the_position() -> None:
    engine, market, _ = make("perp")
    engine.open_account("user", {"USDT": D(100_000)})
    engine.place("user", limit("BUY", "0.1", "59800"))
    market.move_to("BTCUSDT", D("59800"))
    (position,) = engine.positions("user")
    assert (position.qty, position.entry_price) == (D("0.1"), D("59800"))


def test_the_book_is_never_crossed_and_user_orders_are_never_hidden() -> None:
    engine, market, clock = make("perp")
    engine.open_account("user", {"USDT": D(10_000_000)})
    events: list[OrderEvent] = []
    engine.subscribe(lambda e: events.append(e) if isinstance(e, OrderEvent) else None)
    for offset in range(-6, 7, 3):  # user orders around the touch on both sides
        side = "BUY" if offset < 0 else "SELL"
        engine.place("user", limit(side, "5000", str(D("0.1") + offset * DOGE.tick_size),
                                   symbol="DOGEUSDT"))  # fmt: skip
    for _ in range(200):
        clock.advance(250)
        market.step()
        view = engine.depth("DOGEUSDT", 1)
        assert view.bids[0][0] < view.asks[0][0]
        for order in engine.open_orders("user", "DOGEUSDT"):
            # a resting user order is always at or behind the touch on its side
            if order.side == "BUY":
                assert order.price <= view.bids[0][0]
            else:
                assert order.price >= view.asks[0][0]
    assert any(e.fill is not None for e in events), "the flow never traded with the user"
    assert all(e.order.account_id == "user" for e in events)


def test_klines_ticker_and_trades_agree_after_history_and_live_flow() -> None:
    engine, market, clock = make()
    market.seed_history(minutes=300)
    history = engine.klines("BTCUSDT", MINUTE_MS, None, None, 1000)
    assert len(history) >= 300
    assert all(b.open_ms - a.open_ms == MINUTE_MS for a, b in itertools.pairwise(history))
    run_steps(market, clock, 400)
    for symbol in ("BTCUSDT", "DOGEUSDT"):
        last_trade = engine.recent_trades(symbol, 1)[0]
        ticker = engine.ticker_24h(symbol)
        minute = engine.klines(symbol, MINUTE_MS, None, None, 1000)
        hourly = engine.klines(symbol, 3_600_000, None, None, 100)
        assert last_trade.price == ticker.last == minute[-1].close == hourly[-1].close
        assert ticker.last_qty == last_trade.qty
        day = [k for k in minute if k.open_ms >= ticker.open_ms - ticker.open_ms % MINUTE_MS]
        assert sum(k.volume for k in day) == ticker.volume == sum(k.volume for k in hourly)
        assert sum(k.trades for k in day) == ticker.count == ticker.last_id - ticker.first_id + 1
        assert max(k.high for k in day) == ticker.high
        assert min(k.low for k in day) == ticker.low
        trades = engine.recent_trades(symbol, 100_000)
        assert len(trades) == ticker.count
        assert sum(t.qty for t in trades) == ticker.volume
        view = engine.depth(symbol, 1)
        assert (ticker.bid, ticker.ask) == (view.bids[0][0], view.asks[0][0])
        assert ticker.close_ms - ticker.open_ms == DAY_MS


def test_history_ends_at_the_current_touch() -> None:
    engine, market, _ = make()
    market.seed_history(minutes=50)
    for symbol in ("BTCUSDT", "DOGEUSDT"):
        last = engine.recent_trades(symbol, 1)[0]
        view = engine.depth(symbol, 1)
        assert last.price in (view.bids[0][0], view.asks[0][0])
        assert last.ts_ms < engine.now_ms()


def test_market_maker_stays_out_of_user_views() -> None:
    engine, market, clock = make()
    run_steps(market, clock, 10)
    assert engine.open_orders("user") == []
    assert len(engine.open_orders(MM_ACCOUNT, "BTCUSDT")) == 40


async def test_run_steps_until_cancelled() -> None:
    engine, market, _ = make()
    before = engine.depth("DOGEUSDT", 1).update_id
    task = asyncio.create_task(market.run(interval=0))
    for _ in range(5):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert engine.depth("DOGEUSDT", 1).update_id > before


def test_level_qty_can_be_set() -> None:
    engine, _, _ = make(level_qty=Decimal("0.5"))
    sizes = [qty for _, qty in engine.depth("BTCUSDT", 20).bids]
    # 0.5 x a random 0.3..1.7, growing by 5 % per level away from the touch
    assert all(D("0.15") <= qty <= D("0.5") * D("1.7") * D("1.95") for qty in sizes)
    assert max(sizes) > D("0.5") > min(sizes)


def test_on_step_counts_the_grid_from_its_origin() -> None:
    assert on_step(Decimal("0.30"), Decimal("0.1"))
    assert not on_step(Decimal("0.35"), Decimal("0.1"))
    assert on_step(Decimal("1.05"), Decimal("0.1"), origin=Decimal("0.05"))
    assert on_step(Decimal("1.2345"), Decimal(0))  # a zero step disables the rule
