from __future__ import annotations

import pytest

from tradeport.emulator.engine import (
    AccountEvent,
    BookDelta,
    Engine,
    OrderEvent,
    OrderRequest,
    PublicTrade,
    Reject,
    RejectReason,
)

from .builders import BTC, Clock, D, limit, market


def reason(excinfo: pytest.ExceptionInfo[Reject]) -> RejectReason:
    return excinfo.value.reason


def test_better_price_first_then_earlier_order_at_the_same_price(spot: Engine) -> None:
    first, _ = spot.place("alice", limit("SELL", "1", "60000"))
    second, _ = spot.place("bob", limit("SELL", "1", "60000"))
    better, _ = spot.place("carol", limit("SELL", "1", "59990"))

    order, fills = spot.place("alice", market("BUY", "2.5"))

    assert [(f.price, f.qty) for f in fills] == [
        (D("59990"), D("1")),
        (D("60000"), D("1")),
        (D("60000"), D("0.5")),
    ]
    assert [f.trade_id for f in fills] == [1, 2, 3]
    assert order.status == "FILLED"
    assert order.avg_price == (D("59990") + D("60000") * D("1.5")) / D("2.5")
    assert spot.order("carol", "BTCUSDT", better.order_id).status == "FILLED"
    assert spot.order("alice", "BTCUSDT", first.order_id).status == "FILLED"
    rest = spot.order("bob", "BTCUSDT", second.order_id)
    assert (rest.status, rest.filled_qty) == ("PARTIALLY_FILLED", D("0.5"))
    assert spot.depth("BTCUSDT", 5).asks == [(D("60000"), D("0.5"))]


def test_limit_taker_trades_at_maker_price_and_rests_the_remainder(spot: Engine) -> None:
    spot.place("alice", limit("SELL", "1", "60000"))
    order, fills = spot.place("bob", limit("BUY", "1.5", "60010"))
    assert [(f.price, f.qty, f.is_maker) for f in fills] == [(D("60000"), D("1"), False)]
    assert (order.status, order.filled_qty) == ("PARTIALLY_FILLED", D("1"))
    depth = spot.depth("BTCUSDT", 5)
    assert depth.bids == [(D("60010"), D("0.5"))]
    assert depth.asks == []
    assert spot.open_orders("bob", "BTCUSDT")[0].order_id == order.order_id


def test_maker_and_taker_fees_are_charged_in_the_asset_received(clock: Clock) -> None:
    engine = Engine("spot", [BTC], maker_fee=D("0.0002"), taker_fee=D("0.0007"), clock=clock)
    engine.open_account("maker", {"BTC": D(2)})
    engine.open_account("taker", {"USDT": D(100_000)})
    engine.place("maker", limit("SELL", "1", "60000"))
    _, fills = engine.place("taker", market("BUY", "1"))

    assert (fills[0].fee, fills[0].fee_asset) == (D("0.0007"), "BTC")
    maker_fill = engine.fills("maker", "BTCUSDT")[0]
    assert (maker_fill.fee, maker_fill.fee_asset, maker_fill.is_maker) == (D("12"), "USDT", True)
    assert engine.balances("taker") == {
        "BTC": (D("0.9993"), D(0)),
        "USDT": (D("40000"), D(0)),
    }
    assert engine.balances("maker") == {"BTC": (D(1), D(0)), "USDT": (D("59988"), D(0))}
    assert engine.fees_collected() == {"BTC": D("0.0007"), "USDT": D("12")}


def test_ioc_remainder_expires_and_never_rests(spot: Engine) -> None:
    spot.place("alice", limit("SELL", "1", "60000"))
    order, fills = spot.place("bob", limit("BUY", "3", "60000", "IOC"))
    assert (order.status, order.filled_qty, len(fills)) == ("EXPIRED", D("1"), 1)
    assert spot.depth("BTCUSDT", 5).bids == []
    assert spot.balances("bob")["USDT"] == (D(1_000_000) - D(60000), D(0))


def test_fok_that_cannot_fill_completely_is_rejected_and_changes_nothing(spot: Engine) -> None:
    spot.place("alice", limit("SELL", "1", "60000"))
    spot.place("alice", limit("SELL", "1", "60100"))
    before = (spot.depth("BTCUSDT", 10), spot.balances("bob"), spot.open_orders("bob"))
    with pytest.raises(Reject) as excinfo:
        spot.place("bob", limit("BUY", "2", "60050", "FOK"))
    assert reason(excinfo) is RejectReason.FOK_NOT_FILLABLE
    assert (spot.depth("BTCUSDT", 10), spot.balances("bob"), spot.open_orders("bob")) == before

    order, fills = spot.place("bob", limit("BUY", "2", "60100", "FOK"))
    assert (order.status, sum(f.qty for f in fills)) == ("FILLED", D("2"))


def test_post_only_that_would_take_is_rejected_and_one_that_would_not_rests(
    spot: Engine,
) -> None:
    spot.place("alice", limit("SELL", "1", "60000"))
    with pytest.raises(Reject) as excinfo:
        spot.place("bob", limit("BUY", "1", "60000", "GTX"))
    assert reason(excinfo) is RejectReason.POST_ONLY_WOULD_TAKE
    order, fills = spot.place("bob", limit("BUY", "1", "59999.99", "GTX"))
    assert (order.status, fills) == ("NEW", [])
    assert spot.depth("BTCUSDT", 1).bids == [(D("59999.99"), D("1"))]


def test_market_order_fills_what_it_can_and_expires_the_rest(spot: Engine) -> None:
    with pytest.raises(Reject) as excinfo:
        spot.place("bob", market("BUY", "1"))
    assert reason(excinfo) is RejectReason.NO_LIQUIDITY

    spot.place("alice", limit("SELL", "0.4", "60000"))
    order, fills = spot.place("bob", market("BUY", "1"))
    assert [f.qty for f in fills] == [D("0.4")]
    assert (order.status, order.filled_qty, order.qty) == ("EXPIRED", D("0.4"), D("1"))
    assert spot.balances("bob")["USDT"] == (D(1_000_000) - D(24_000), D(0))


def test_market_buy_by_quote_amount_spends_at_most_that_amount(spot: Engine) -> None:
    spot.place("alice", limit("SELL", "0.1", "60000"))
    spot.place("alice", limit("SELL", "1", "61000"))
    request = OrderRequest("BTCUSDT", "BUY", "MARKET", None, quote_qty=D("10000"))
    order, fills = spot.place("bob", request)
    # 0.1 at 60000 = 6000, then floor((10000 - 6000) / 61000, step 0.001) = 0.065
    assert [(f.price, f.qty) for f in fills] == [(D("60000"), D("0.1")), (D("61000"), D("0.065"))]
    assert (order.status, order.qty, order.quote_qty) == ("FILLED", D("0.165"), D("10000"))
    assert order.cum_quote == D("9965")
    assert spot.balances("bob")["USDT"] == (D(1_000_000) - D("9965"), D(0))


def test_duplicate_client_id_is_rejected_only_while_its_order_is_open(spot: Engine) -> None:
    first, _ = spot.place("alice", limit("BUY", "1", "50000", client_order_id="mine"))
    with pytest.raises(Reject) as excinfo:
        spot.place("alice", limit("BUY", "1", "50001", client_order_id="mine"))
    assert reason(excinfo) is RejectReason.DUPLICATE_CLIENT_ORDER_ID
    assert len(spot.open_orders("alice")) == 1

    spot.place("bob", limit("BUY", "1", "50000", client_order_id="mine"))  # other account
    spot.cancel("alice", "BTCUSDT", client_order_id="mine")
    again, _ = spot.place("alice", limit("BUY", "1", "50002", client_order_id="mine"))
    found = spot.order("alice", "BTCUSDT", client_order_id="mine")
    assert found.order_id == again.order_id != first.order_id
    assert spot.order("alice", "BTCUSDT", first.order_id).status == "CANCELED"


def test_find_order_answers_none_where_order_refuses(spot: Engine) -> None:
    placed, _ = spot.place("alice", limit("BUY", "1", "50000", client_order_id="mine"))
    found = spot.find_order("alice", "BTCUSDT", client_order_id="mine")
    assert found is not None and found.order_id == placed.order_id
    assert spot.find_order("alice", "BTCUSDT", placed.order_id) == found
    assert spot.find_order("alice", "BTCUSDT", 999) is None
    assert spot.find_order("bob", "BTCUSDT", placed.order_id) is None  # someone else's
    assert spot.find_order("alice", "NOPEUSDT", placed.order_id) is None  # no such symbol


def test_cancel_of_unknown_or_closed_order_is_order_not_found(spot: Engine) -> None:
    resting, _ = spot.place("alice", limit("SELL", "1", "60000"))
    spot.place("bob", market("BUY", "1"))
    canceled, _ = spot.place("alice", limit("SELL", "1", "61000"))
    assert spot.cancel("alice", "BTCUSDT", canceled.order_id).status == "CANCELED"

    for order_id in (resting.order_id, canceled.order_id, 999):
        with pytest.raises(Reject) as excinfo:
            spot.cancel("alice", "BTCUSDT", order_id)
        assert reason(excinfo) is RejectReason.ORDER_NOT_FOUND
    with pytest.raises(Reject) as excinfo:
        spot.cancel("bob", "BTCUSDT", canceled.order_id)  # someone else's order
    assert reason(excinfo) is RejectReason.ORDER_NOT_FOUND
    with pytest.raises(Reject) as excinfo:
        spot.order("alice", "BTCUSDT", 999)
    assert reason(excinfo) is RejectReason.ORDER_NOT_FOUND
    assert spot.order("alice", "BTCUSDT", resting.order_id).status == "FILLED"


def test_cancel_all_cancels_only_that_symbol(spot: Engine) -> None:
    spot.place("alice", limit("BUY", "1", "50000"))
    spot.place("alice", limit("BUY", "2", "50001"))
    spot.place("alice", limit("BUY", "100", "0.09", symbol="DOGEUSDT"))
    canceled = spot.cancel_all("alice", "BTCUSDT")
    assert [o.status for o in canceled] == ["CANCELED", "CANCELED"]
    assert [o.symbol for o in spot.open_orders("alice")] == ["DOGEUSDT"]
    assert spot.balances("alice")["USDT"] == (D(1_000_000) - D(9), D(9))
    assert len(spot.all_orders("alice", "BTCUSDT")) == 2


def test_orders_of_one_account_may_match_each_other(spot: Engine) -> None:
    spot.place("alice", limit("SELL", "1", "60000"))
    _, fills = spot.place("alice", market("BUY", "1"))
    assert fills[0].account_id == "alice"
    assert [f.is_maker for f in spot.fills("alice")] == [True, False]


def test_unknown_symbol_and_malformed_orders_are_rejected(spot: Engine) -> None:
    cases = [
        (limit("BUY", "1", "1", symbol="NOPE"), RejectReason.UNKNOWN_SYMBOL),
        (limit("BUY", "0", "60000"), RejectReason.BAD_QUANTITY),
        (limit("BUY", "1", "-1"), RejectReason.BAD_PRICE),
        (OrderRequest("BTCUSDT", "BUY", "MARKET", None), RejectReason.BAD_QUANTITY),
        (limit("BUY", "1", "60000", "GTD"), RejectReason.NOT_SUPPORTED),
        (limit("BUY", "1", "60000", reduce_only=True), RejectReason.NOT_SUPPORTED),
    ]
    for request, expected in cases:
        with pytest.raises(Reject) as excinfo:
            spot.place("alice", request)
        assert reason(excinfo) is expected, request
    assert spot.all_orders("alice", "BTCUSDT") == []


def test_ids_increase_and_generated_client_ids_are_unique(spot: Engine) -> None:
    orders = [spot.place("alice", limit("BUY", "0.01", str(50000 + i)))[0] for i in range(5)]
    ids = [o.order_id for o in orders]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert len({o.client_order_id for o in orders}) == 5
    assert all(o.client_order_id for o in orders)


def test_fills_are_filtered_and_limited_to_the_most_recent(spot: Engine) -> None:
    for _ in range(3):
        spot.place("alice", limit("SELL", "0.1", "60000"))
        spot.place("bob", market("BUY", "0.1"))
    spot.place("alice", limit("SELL", "100", "0.1", symbol="DOGEUSDT"))
    last, _ = spot.place("bob", market("BUY", "100", symbol="DOGEUSDT"))
    assert len(spot.fills("bob")) == 4
    assert [f.symbol for f in spot.fills("bob", limit=2)] == ["BTCUSDT", "DOGEUSDT"]
    assert [f.order_id for f in spot.fills("bob", order_id=last.order_id)] == [last.order_id]
    assert len(spot.fills("bob", "BTCUSDT")) == 3


def test_events_report_acceptance_fills_trades_book_and_balances(spot: Engine) -> None:
    events: list[object] = []
    spot.subscribe(events.append)
    spot.place("alice", limit("SELL", "1", "60000"))
    events.clear()
    spot.place("bob", market("BUY", "0.25"))

    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "OrderEvent", "OrderEvent", "OrderEvent", "PublicTrade", "BookDelta",
        "AccountEvent", "AccountEvent",
    ]  # fmt: skip
    accepted, maker, taker = (e for e in events if isinstance(e, OrderEvent))
    assert (accepted.order.status, accepted.fill) == ("NEW", None)
    assert (maker.order.account_id, maker.order.status) == ("alice", "PARTIALLY_FILLED")
    assert taker.fill is not None and taker.order.status == "FILLED"
    trade = next(e for e in events if isinstance(e, PublicTrade))
    assert trade.trade_id == taker.fill.trade_id and trade.buyer_is_maker is False
    delta = next(e for e in events if isinstance(e, BookDelta))
    assert delta.asks == [(D("60000"), D("0.75"))]
    balances = {e.account_id: e.balances for e in events if isinstance(e, AccountEvent)}
    assert balances["bob"] == spot.balances("bob")


def test_house_account_publishes_no_private_events(spot: Engine) -> None:
    spot.open_account("house", {"BTC": D(5)})
    spot.set_house_account("house")
    events: list[object] = []
    spot.subscribe(events.append)
    spot.place("house", limit("SELL", "1", "60000"))
    assert [type(e).__name__ for e in events] == ["BookDelta"]


def test_unfillable_fok_can_expire_instead_of_being_rejected(clock: Clock) -> None:
    """Binance spot's rule: the FOK order is accepted, fills nothing, is EXPIRED, and
    whatever it reserved is released."""
    engine = Engine("spot", [BTC], clock=clock, expire_unfilled_fok=True)
    engine.open_account("alice", {"BTC": D(2)})
    engine.open_account("bob", {"USDT": D(1_000_000)})
    engine.place("alice", limit("SELL", "1", "60000"))
    before = (engine.depth("BTCUSDT", 10), engine.balances("bob"))
    order, fills = engine.place("bob", limit("BUY", "2", "60050", "FOK"))
    assert (order.status, order.filled_qty, fills) == ("EXPIRED", D(0), [])
    assert (engine.depth("BTCUSDT", 10).asks, engine.balances("bob")) == (
        before[0].asks,
        before[1],
    )
    assert engine.open_orders("bob") == []
    assert engine.order("bob", "BTCUSDT", order.order_id).status == "EXPIRED"
