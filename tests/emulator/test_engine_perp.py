from __future__ import annotations

import pytest

from tradeport.emulator.engine import Engine, Reject, RejectReason

from .builders import D, limit, market


def quote(engine: Engine, side: str, qty: str, price: str) -> None:
    """Liquidity from bob, the counterparty of every test here."""
    engine.place("bob", limit(side, qty, price))


def rejected(engine: Engine, account: str, request: object) -> RejectReason:
    with pytest.raises(Reject) as excinfo:
        engine.place(account, request)  # type: ignore[arg-type]
    return excinfo.value.reason


def test_open_long_then_partial_close_realizes_exact_pnl(perp: Engine) -> None:
    quote(perp, "SELL", "2", "60000")
    _, opening = perp.place("alice", market("BUY", "2"))
    assert opening[0].fee == D("48")  # 120000 * 0.0004 taker
    quote(perp, "BUY", "1", "61000")
    _, closing = perp.place("alice", market("SELL", "1"))

    assert closing[0].realized_pnl == D("1000")
    assert closing[0].fee == D("24.4")
    (position,) = perp.positions("alice")
    assert (position.position_side, position.qty, position.entry_price) == (
        "BOTH",
        D("1"),
        D("60000"),
    )
    wallet = perp.wallet("alice")
    assert wallet.balance == D(100_000) - D(48) - D("24.4") + D(1000)
    assert wallet.available == (
        wallet.balance + wallet.unrealized_pnl - wallet.position_margin - wallet.order_margin
    )


def test_entry_price_is_the_quantity_weighted_average(perp: Engine) -> None:
    quote(perp, "SELL", "1", "60000")
    quote(perp, "SELL", "3", "61000")
    perp.place("alice", market("BUY", "4"))
    (position,) = perp.positions("alice")
    assert position.entry_price == D("60750")
    assert position.unrealized_pnl == (D("61000") - D("60750")) * 4  # mark = last trade


def test_unrealized_pnl_and_margin_follow_the_mark_price(perp: Engine) -> None:
    quote(perp, "SELL", "1", "60000")
    perp.place("alice", market("BUY", "1"))
    quote(perp, "BUY", "1", "62000")
    quote(perp, "SELL", "1", "62002")
    (position,) = perp.positions("alice")
    assert perp.mark_price("BTCUSDT") == D("62001")
    assert position.mark_price == D("62001")
    assert position.unrealized_pnl == D("2001")
    assert position.margin == D("62001") / 20
    assert position.leverage == 20
    assert D(0) < position.liquidation_price < D("60000")


def test_crossing_through_zero_opens_the_rest_at_the_fill_price(perp: Engine) -> None:
    quote(perp, "SELL", "1", "60000")
    perp.place("alice", market("BUY", "1"))
    quote(perp, "BUY", "3", "59000")
    _, fills = perp.place("alice", market("SELL", "3"))
    assert fills[0].realized_pnl == D("-1000")
    (position,) = perp.positions("alice")
    assert (position.qty, position.entry_price) == (D("-2"), D("59000"))


def test_reduce_only_is_capped_to_the_position_and_never_flips(perp: Engine) -> None:
    quote(perp, "SELL", "1", "60000")
    perp.place("alice", market("BUY", "1"))
    quote(perp, "BUY", "5", "60500")
    order, fills = perp.place("alice", market("SELL", "3", reduce_only=True))
    assert order.qty == D("1") and sum(f.qty for f in fills) == D("1")
    assert fills[0].realized_pnl == D("500")
    assert perp.positions("alice") == []

    assert rejected(perp, "alice", market("SELL", "1", reduce_only=True)) is (
        RejectReason.REDUCE_ONLY_REJECTED
    )


def test_reduce_only_in_the_direction_of_the_position_is_rejected(perp: Engine) -> None:
    quote(perp, "SELL", "2", "60000")
    perp.place("alice", market("BUY", "1"))
    assert rejected(perp, "alice", market("BUY", "1", reduce_only=True)) is (
        RejectReason.REDUCE_ONLY_REJECTED
    )
    assert rejected(perp, "alice", limit("BUY", "1", "59000", reduce_only=True)) is (
        RejectReason.REDUCE_ONLY_REJECTED
    )


def test_resting_reduce_only_orders_expire_once_the_position_is_gone(perp: Engine) -> None:
    quote(perp, "SELL", "1", "60000")
    perp.place("alice", market("BUY", "1"))
    take_profit, _ = perp.place("alice", limit("SELL", "1", "65000", reduce_only=True))
    assert perp.wallet("alice").order_margin == 0  # reducing orders need no margin
    quote(perp, "BUY", "1", "59000")
    perp.place("alice", market("SELL", "1"))  # closes the position another way
    assert perp.order("alice", "BTCUSDT", take_profit.order_id).status == "EXPIRED"
    assert perp.open_orders("alice") == []
    assert perp.depth("BTCUSDT", 5).asks == []


def test_resting_reduce_only_maker_fill_stops_at_the_position(perp: Engine) -> None:
    quote(perp, "SELL", "1", "60000")
    perp.place("alice", market("BUY", "1"))
    order, _ = perp.place("alice", limit("SELL", "1", "61000", reduce_only=True))
    quote(perp, "BUY", "0.7", "60500")
    perp.place("alice", market("SELL", "0.7"))  # the position shrinks to 0.3
    _, fills = perp.place("bob", market("BUY", "2"))
    assert [(f.price, f.qty) for f in fills] == [(D("61000"), D("0.3"))]
    final = perp.order("alice", "BTCUSDT", order.order_id)
    assert (final.status, final.filled_qty) == ("EXPIRED", D("0.3"))
    assert perp.positions("alice") == []


def test_hedge_mode_keeps_separate_long_and_short_legs(perp: Engine) -> None:
    perp.set_hedge_mode("alice", True)
    assert perp.hedge_mode("alice") is True
    quote(perp, "SELL", "1", "60000")
    perp.place("alice", market("BUY", "1", position_side="LONG"))
    quote(perp, "BUY", "2", "59900")
    perp.place("alice", market("SELL", "2", position_side="SHORT"))
    legs = {p.position_side: (p.qty, p.entry_price) for p in perp.positions("alice")}
    assert legs == {"LONG": (D("1"), D("60000")), "SHORT": (D("2"), D("59900"))}

    quote(perp, "BUY", "0.5", "61000")
    _, fills = perp.place("alice", market("SELL", "0.5", position_side="LONG"))
    assert fills[0].realized_pnl == D("500")
    quote(perp, "SELL", "1", "59000")
    _, fills = perp.place("alice", market("BUY", "1", position_side="SHORT"))
    assert fills[0].realized_pnl == D("900")  # short leg: (entry - exit) * qty
    legs = {p.position_side: p.qty for p in perp.positions("alice")}
    assert legs == {"LONG": D("0.5"), "SHORT": D("1")}


def test_hedge_mode_rules(perp: Engine) -> None:
    perp.set_hedge_mode("alice", True)
    quote(perp, "SELL", "5", "60000")
    quote(perp, "BUY", "5", "59000")
    mismatch = RejectReason.POSITION_SIDE_MISMATCH
    assert rejected(perp, "alice", market("BUY", "1")) is mismatch
    assert rejected(perp, "alice", market("BUY", "1", position_side="LONG", reduce_only=True)) is (
        mismatch
    )
    assert rejected(perp, "alice", market("SELL", "1", position_side="LONG")) is (
        RejectReason.REDUCE_ONLY_REJECTED
    )
    perp.place("alice", market("BUY", "1", position_side="LONG"))
    perp.place("alice", limit("SELL", "0.6", "65000", position_side="LONG"))
    # 0.6 of the 1 long is already being closed by the resting order
    assert rejected(perp, "alice", market("SELL", "0.5", position_side="LONG")) is (
        RejectReason.REDUCE_ONLY_REJECTED
    )
    perp.place("alice", market("SELL", "0.4", position_side="LONG"))
    assert perp.positions("alice")[0].qty == D("0.6")
    assert rejected(perp, "bob", market("BUY", "1", position_side="LONG")) is mismatch


def test_position_mode_is_locked_by_open_orders_or_positions(perp: Engine) -> None:
    order, _ = perp.place("alice", limit("BUY", "1", "50000"))
    with pytest.raises(Reject) as excinfo:
        perp.set_hedge_mode("alice", True)
    assert excinfo.value.reason is RejectReason.POSITION_MODE_LOCKED
    perp.cancel("alice", "BTCUSDT", order.order_id)
    quote(perp, "SELL", "1", "60000")
    perp.place("alice", market("BUY", "1"))
    with pytest.raises(Reject) as excinfo:
        perp.set_hedge_mode("alice", True)
    assert excinfo.value.reason is RejectReason.POSITION_MODE_LOCKED
    assert perp.hedge_mode("alice") is False


def test_margin_rejection_leaves_no_state_change(perp: Engine) -> None:
    perp.set_leverage("alice", "BTCUSDT", 1)
    quote(perp, "SELL", "5", "60000")
    perp.place("alice", limit("BUY", "1", "50000"))  # 50000 of order margin at 1x
    state = (
        perp.wallet("alice"),
        perp.positions("alice"),
        perp.open_orders("alice"),
        perp.depth("BTCUSDT", 10),
        perp.fills("alice"),
    )
    for request in (market("BUY", "1"), limit("BUY", "1", "49999"), limit("SELL", "1", "70000")):
        with pytest.raises(Reject) as excinfo:
            perp.place("alice", request)
        assert excinfo.value.reason is RejectReason.INSUFFICIENT_MARGIN
    after = (
        perp.wallet("alice"),
        perp.positions("alice"),
        perp.open_orders("alice"),
        perp.depth("BTCUSDT", 10),
        perp.fills("alice"),
    )
    assert after == state
    next_order, _ = perp.place("alice", limit("BUY", "0.1", "40000"))
    assert next_order.order_id == state[2][0].order_id + 1  # rejected orders took no id


def test_opening_orders_reserve_margin_and_reducing_ones_do_not(perp: Engine) -> None:
    perp.set_leverage("alice", "BTCUSDT", 10)
    perp.place("alice", limit("BUY", "1", "50000"))
    assert perp.wallet("alice").order_margin == D("5000")
    assert perp.balances("alice") == {"USDT": (D(95_000), D(5000))}
    perp.cancel_all("alice", "BTCUSDT")

    quote(perp, "SELL", "1", "60000")
    perp.place("alice", market("BUY", "1"))
    perp.place("alice", limit("SELL", "1", "70000"))  # only closes the long
    assert perp.wallet("alice").order_margin == 0
    perp.place("alice", limit("SELL", "2", "70000"))  # 2 of the 3 sold would open a short
    assert perp.wallet("alice").order_margin == D("14000")


def test_leverage_bounds_and_default(perp: Engine) -> None:
    assert perp.leverage("alice", "BTCUSDT") == 20
    assert perp.set_leverage("alice", "BTCUSDT", 125) == 125
    for bad in (0, 126):
        with pytest.raises(Reject) as excinfo:
            perp.set_leverage("alice", "BTCUSDT", bad)
        assert excinfo.value.reason is RejectReason.BAD_LEVERAGE
    assert perp.leverage("alice", "BTCUSDT") == 125
    assert perp.leverage("alice", "DOGEUSDT") == 20


def test_perpetual_calls_on_a_spot_engine_are_not_supported(spot: Engine) -> None:
    calls = [
        lambda: spot.set_leverage("alice", "BTCUSDT", 5),
        lambda: spot.positions("alice"),
        lambda: spot.wallet("alice"),
        lambda: spot.set_hedge_mode("alice", True),
    ]
    for call in calls:
        with pytest.raises(Reject) as excinfo:
            call()
        assert excinfo.value.reason is RejectReason.NOT_SUPPORTED


def test_quote_sized_orders_are_spot_only(perp: Engine) -> None:
    from tradeport.emulator.engine import OrderRequest

    quote(perp, "SELL", "1", "60000")
    request = OrderRequest("BTCUSDT", "BUY", "MARKET", None, quote_qty=D("100"))
    assert rejected(perp, "alice", request) is RejectReason.NOT_SUPPORTED
