from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeport.emulator.engine import Engine, EngineInstrument, OrderRequest, Reject, RejectReason

from .builders import Clock, D, limit, market

ETH = EngineInstrument(
    symbol="ETHUSDT",
    base="ETH",
    quote="USDT",
    tick_size=D("0.5"),
    step_size=D("0.01"),
    min_qty=D("0.01"),
    max_qty=D("1000"),
    min_notional=D("5"),
    start_price=D("2000"),
)
ACCOUNTS = ("a", "b", "c")
START = {"ETH": D(5), "USDT": D(10_000)}


def test_resting_buy_locks_quote_and_cancel_unlocks_it_exactly(spot: Engine) -> None:
    order, _ = spot.place("alice", limit("BUY", "0.5", "50000.01"))
    assert spot.balances("alice")["USDT"] == (D(1_000_000) - D("25000.005"), D("25000.005"))
    spot.cancel("alice", "BTCUSDT", order.order_id)
    assert spot.balances("alice")["USDT"] == (D(1_000_000), D(0))


def test_resting_sell_locks_base(spot: Engine) -> None:
    spot.place("alice", limit("SELL", "2.5", "70000"))
    assert spot.balances("alice")["BTC"] == (D("7.5"), D("2.5"))


def test_buy_filled_below_its_limit_gets_the_difference_back(spot: Engine) -> None:
    spot.place("alice", limit("SELL", "1", "59000"))
    spot.place("bob", limit("BUY", "1", "60000"))
    assert spot.balances("bob")["USDT"] == (D(1_000_000) - D(59_000), D(0))
    assert spot.balances("bob")["BTC"] == (D(10) + D(1) - D("0.001"), D(0))


def test_insufficient_balance_rejects_and_changes_nothing(clock: Clock) -> None:
    engine = Engine("spot", [ETH], clock=clock)
    engine.open_account("poor", {"USDT": D(100), "ETH": D("0.1")})
    engine.open_account("rich", {"ETH": D(10), "USDT": D(100_000)})
    engine.place("rich", limit("SELL", "1", "2000", symbol="ETHUSDT"))
    engine.place("rich", limit("BUY", "1", "1990", symbol="ETHUSDT"))
    requests = [
        limit("BUY", "0.1", "2000", symbol="ETHUSDT"),
        market("BUY", "0.06", symbol="ETHUSDT"),
        market("SELL", "0.2", symbol="ETHUSDT"),
        OrderRequest("ETHUSDT", "BUY", "MARKET", None, quote_qty=D("100.01")),
    ]
    for request in requests:
        before = engine.balances("poor"), engine.depth("ETHUSDT", 5)
        with pytest.raises(Reject) as excinfo:
            engine.place("poor", request)
        assert excinfo.value.reason is RejectReason.INSUFFICIENT_BALANCE
        assert (engine.balances("poor"), engine.depth("ETHUSDT", 5)) == before
    assert engine.all_orders("poor", "ETHUSDT") == []


_place = st.tuples(
    st.just("place"),
    st.sampled_from(ACCOUNTS),
    st.sampled_from(["BUY", "SELL"]),
    st.sampled_from(["GTC", "GTC", "IOC", "FOK", "GTX", "MARKET", "QUOTE"]),
    st.integers(1, 250),  # quantity in steps
    st.integers(-8, 8),  # price in ticks around 2000
)
_cancel = st.tuples(st.just("cancel"), st.sampled_from(ACCOUNTS), st.integers(0, 20))


def _apply(engine: Engine, action: tuple) -> None:
    if action[0] == "cancel":
        _, account, index = action
        orders = engine.open_orders(account)
        if orders:
            engine.cancel(account, "ETHUSDT", orders[index % len(orders)].order_id)
        return
    _, account, side, kind, steps, ticks = action
    qty = ETH.step_size * steps
    price = ETH.start_price + ETH.tick_size * ticks
    if kind == "MARKET":
        request = OrderRequest("ETHUSDT", side, "MARKET", qty)
    elif kind == "QUOTE":
        request = OrderRequest("ETHUSDT", side, "MARKET", None, quote_qty=qty * price)
    else:
        request = OrderRequest("ETHUSDT", side, "LIMIT", qty, price, kind)
    try:
        engine.place(account, request)
    except Reject as reject:
        assert reject.reason in {
            RejectReason.INSUFFICIENT_BALANCE,
            RejectReason.NO_LIQUIDITY,
            RejectReason.FOK_NOT_FILLABLE,
            RejectReason.POST_ONLY_WOULD_TAKE,
            RejectReason.BAD_QUANTITY,
        }, reject


def _check_conservation(engine: Engine) -> None:
    fees = engine.fees_collected()
    for asset, start in START.items():
        held = sum(sum(engine.balances(a).get(asset, (D(0), D(0)))) for a in ACCOUNTS)
        assert held + fees.get(asset, D(0)) == start * len(ACCOUNTS), asset
    for account in ACCOUNTS:
        balances = engine.balances(account)
        assert all(free >= 0 and locked >= 0 for free, locked in balances.values())
        # What is locked is exactly what the account's resting orders still need.
        open_orders = engine.open_orders(account)
        want_quote = sum((o.price * o.remaining for o in open_orders if o.side == "BUY"), D(0))
        want_base = sum((o.remaining for o in open_orders if o.side == "SELL"), D(0))
        assert balances["USDT"][1] == want_quote
        assert balances["ETH"][1] == want_base


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_place, _place, _place, _cancel), min_size=1, max_size=40))
def test_assets_are_conserved_and_never_negative(actions: list[tuple]) -> None:
    engine = Engine("spot", [ETH], maker_fee=D("0.001"), taker_fee=D("0.002"), clock=Clock())
    for account in ACCOUNTS:
        engine.open_account(account, START)
    for action in actions:
        _apply(engine, action)
        _check_conservation(engine)


def test_conservation_holds_for_a_busy_known_sequence() -> None:
    engine = Engine("spot", [ETH], clock=Clock())
    for account in ACCOUNTS:
        engine.open_account(account, START)
    actions = [
        ("place", "a", "SELL", "GTC", 100, 2),
        ("place", "b", "SELL", "GTC", 50, 1),
        ("place", "c", "BUY", "QUOTE", 120, 3),
        ("place", "a", "BUY", "GTC", 80, -1),
        ("place", "b", "SELL", "MARKET", 90, 0),
        ("cancel", "a", 0),
    ]
    for action in actions:
        _apply(engine, action)
    _check_conservation(engine)
    assert engine.fees_collected() != {}
    assert sum(Decimal(f.qty) for f in engine.fills("c")) > 0
