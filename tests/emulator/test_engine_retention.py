"""The engine's memory stays bounded however long the market runs (issue 12, defect 10):
the market maker's finished orders and fills are not kept, a client's history is kept
within a count bound, and the tape's bars are trimmed."""

from __future__ import annotations

import pytest

from tradeport.emulator.engine import Engine
from tradeport.emulator.market import SyntheticMarket
from tradeport.emulator.marketdata import PublicTrade
from tradeport.emulator.tape import MINUTE_MS, Tape

from .builders import BTC, DOGE, T0, Clock, D, limit


def _market(kind: str) -> tuple[Engine, SyntheticMarket, Clock]:
    clock = Clock()
    engine = Engine(kind, [BTC, DOGE], clock=clock)  # type: ignore[arg-type]
    market = SyntheticMarket(engine, seed=3)
    funds = {"BTC": D(10), "DOGE": D(1_000_000), "USDT": D(1_000_000)}
    engine.open_account("user", funds if kind == "spot" else {"USDT": D(1_000_000)})
    return engine, market, clock


@pytest.mark.parametrize("kind", ["spot", "perp"])
def test_market_maker_orders_and_fills_are_not_kept_after_many_steps(kind: str) -> None:
    engine, market, clock = _market(kind)
    mine, _ = engine.place("user", limit("BUY", "0.01", "1000", client_order_id="far-bid"))
    resting = len(engine.open_orders("__mm__"))
    for _ in range(1_500):
        clock.advance(250)
        market.step()
    retained = engine.retained()
    # the market maker's open ladder and the client's order: nothing of the ~100k
    # orders the market maker placed and finished on the way
    assert retained["orders"] <= resting + 1
    assert retained["fills"] == 0
    assert engine.order("user", "BTCUSDT", client_order_id="far-bid").order_id == mine.order_id
    assert engine.find_order("__mm__", "BTCUSDT", order_id=1) is None


def test_a_clients_finished_orders_are_kept_up_to_the_bound_newest_last() -> None:
    store_bound = 5
    engine = Engine("spot", [BTC], clock=Clock(), keep_finished_orders=store_bound)
    engine.open_account("user", {"USDT": D(1_000_000), "BTC": D(10)})
    ids = []
    for n in range(12):
        order, _ = engine.place("user", limit("BUY", "0.01", "1000", client_order_id=f"c{n}"))
        engine.cancel("user", "BTCUSDT", order.order_id)
        ids.append(order.order_id)
    kept = [o.order_id for o in engine.all_orders("user", "BTCUSDT")]
    assert kept == ids[-store_bound:]
    assert engine.find_order("user", "BTCUSDT", client_order_id="c0") is None
    assert engine.order("user", "BTCUSDT", client_order_id="c11").status == "CANCELED"
    assert engine.retained()["orders"] == store_bound


def test_a_clients_fills_are_kept_up_to_the_bound_per_symbol() -> None:
    bound = 20
    engine = Engine("spot", [BTC, DOGE], clock=Clock(), keep_fills=bound)
    funds = {"BTC": D(10), "DOGE": D(1_000_000), "USDT": D(1_000_000)}
    for account in ("maker", "user"):
        engine.open_account(account, funds)
    engine.place("maker", limit("SELL", "1", "60000"))
    engine.place("maker", limit("SELL", "100", "0.1", symbol="DOGEUSDT"))
    taker_ids = [engine.place("user", limit("BUY", "0.01", "60000"))[0].order_id for _ in range(30)]
    engine.place("user", limit("BUY", "10", "0.1", symbol="DOGEUSDT"))
    btc = engine.fills("user", "BTCUSDT", limit=None)
    assert [f.order_id for f in btc] == taker_ids[-bound:]
    assert len(engine.fills("maker", "BTCUSDT", limit=None)) == bound
    everything = engine.fills("user", limit=None)
    assert len(everything) == bound + 1
    assert everything[-1].symbol == "DOGEUSDT"  # the newest, after every BTC fill


def test_tape_keeps_a_bounded_number_of_minute_bars() -> None:
    tape = Tape("BTCUSDT", keep_trades=50, keep_bars=100)
    for minute in range(1_000):
        price = D(60_000 + minute)
        tape.record(
            PublicTrade(minute + 1, "BTCUSDT", price, D(1), price, T0 + minute * MINUTE_MS, False)
        )
        assert tape.bars_kept <= 110
        assert tape.trades_kept <= 50
    now = T0 + 999 * MINUTE_MS
    bars = tape.klines(MINUTE_MS, None, None, 1_000, now)
    assert 100 <= len(bars) <= 110
    assert bars[-1].close == D(60_999)
    assert tape.window(now - 5 * MINUTE_MS) is not None
