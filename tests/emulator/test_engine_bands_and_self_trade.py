"""The engine's price band and self-trade prevention: off by default, and as a skin sets
them (each rule's venue wording is tested in the conformance suite)."""

from __future__ import annotations

import pytest

from tradeport.emulator.engine import Engine, PriceBand, Reject, RejectReason
from tradeport.emulator.orders import EXPIRE_BOTH, EXPIRE_MAKER, EXPIRE_TAKER

from .builders import D, limit, market

FUTURES_LIKE = PriceBand(buy_up=D("1.05"), sell_down=D("0.95"))


def quote_book(engine: Engine) -> None:
    """bob quotes 59990 / 60010: the mark is 60000."""
    engine.place("bob", limit("BUY", "1", "59990"))
    engine.place("bob", limit("SELL", "1", "60010"))


def test_without_a_band_any_price_is_accepted(spot: Engine) -> None:
    quote_book(spot)
    order, fills = spot.place("alice", limit("SELL", "0.001", "1000000"))
    assert order.status == "NEW" and not fills
    assert spot.price_limits("BTCUSDT", "BUY").high is None


def test_band_refuses_a_buy_above_and_a_sell_below_naming_the_bound(spot: Engine) -> None:
    spot.price_band = FUTURES_LIKE
    quote_book(spot)
    with pytest.raises(Reject) as above:
        spot.place("alice", limit("BUY", "0.001", "63000.01"))
    assert above.value.reason is RejectReason.PRICE_ABOVE_LIMIT
    assert above.value.bound == D("63000.00")
    with pytest.raises(Reject) as below:
        spot.place("alice", limit("SELL", "0.001", "56999.99"))
    assert below.value.reason is RejectReason.PRICE_BELOW_LIMIT
    assert below.value.bound == D("57000.00")
    assert not spot.open_orders("alice")
    # the bounds themselves are allowed, and a far buy below the market rests
    spot.place("alice", limit("BUY", "0.001", "63000"))
    resting, _ = spot.place("alice", limit("BUY", "0.001", "1000"))
    assert resting.status == "NEW"


def test_band_applies_to_an_amended_price(spot: Engine) -> None:
    spot.price_band = FUTURES_LIKE
    quote_book(spot)
    order, _ = spot.place("alice", limit("SELL", "0.001", "61000"))
    with pytest.raises(Reject) as refused:
        spot.amend("alice", "BTCUSDT", order.order_id, price=D("50000"))
    assert refused.value.reason is RejectReason.PRICE_BELOW_LIMIT
    assert spot.order("alice", "BTCUSDT", order.order_id).price == D("61000")


def test_clamping_band_moves_the_price_to_its_edge(spot: Engine) -> None:
    spot.price_band = PriceBand(buy_up=D("1.05"), sell_down=D("0.95"), clamp=True)
    quote_book(spot)
    order, fills = spot.place("alice", limit("BUY", "0.5", "90000"))
    assert order.price == D("63000.00")
    assert [f.price for f in fills] == [D("60010")]


def test_house_account_is_not_banded(spot: Engine) -> None:
    spot.price_band = FUTURES_LIKE
    spot.set_house_account("bob")
    quote_book(spot)
    order, _ = spot.place("bob", limit("SELL", "0.001", "1000"))
    assert order.status == "FILLED"


def test_without_prevention_an_account_trades_with_itself(spot: Engine) -> None:
    maker, _ = spot.place("alice", limit("SELL", "1", "60000"))
    _, fills = spot.place("alice", limit("BUY", "1", "60000"))
    assert [f.qty for f in fills] == [D("1")]
    assert spot.order("alice", "BTCUSDT", maker.order_id).status == "FILLED"


def test_expire_maker_expires_own_orders_and_keeps_matching_others(spot: Engine) -> None:
    spot.self_trade = EXPIRE_MAKER
    own, _ = spot.place("alice", limit("SELL", "1", "60000"))
    spot.place("bob", limit("SELL", "1", "60000"))
    taker, fills = spot.place("alice", market("BUY", "1"))
    assert [(f.qty, f.price) for f in fills] == [(D("1"), D("60000"))]
    assert taker.status == "FILLED"
    assert spot.order("alice", "BTCUSDT", own.order_id).status == "EXPIRED_IN_MATCH"
    # the expired maker's BTC is free again, plus the bought 1 BTC less its 0.1 % fee
    assert spot.balances("alice")["BTC"] == (D("10.999"), D("0"))


def test_expire_taker_stops_the_taker_and_keeps_the_maker(spot: Engine) -> None:
    spot.self_trade = EXPIRE_MAKER
    own, _ = spot.place("alice", limit("SELL", "1", "60000"))
    taker, fills = spot.place("alice", limit("BUY", "1", "60000", stp=EXPIRE_TAKER))
    assert not fills
    assert taker.status == "EXPIRED_IN_MATCH"
    assert spot.order("alice", "BTCUSDT", own.order_id).status == "NEW"


def test_expire_both_ends_both_orders(spot: Engine) -> None:
    own, _ = spot.place("alice", limit("SELL", "1", "60000"))
    taker, _ = spot.place("alice", limit("BUY", "1", "60000", stp=EXPIRE_BOTH))
    assert taker.status == "EXPIRED_IN_MATCH"
    assert spot.order("alice", "BTCUSDT", own.order_id).status == "EXPIRED_IN_MATCH"
    assert not spot.open_orders("alice")


def test_unknown_prevention_mode_is_refused(spot: Engine) -> None:
    with pytest.raises(Reject) as refused:
        spot.place("alice", limit("BUY", "1", "60000", stp="DECREMENT"))
    assert refused.value.reason is RejectReason.NOT_SUPPORTED


def test_band_over_market_orders_refuses_a_first_fill_outside_it(spot: Engine) -> None:
    """bob quotes 50000 / 60000: mid 55000, a buy may take up to 57750 and a sell down
    to 52250, so both touches are outside and both market orders are refused."""
    spot.price_band = PriceBand(buy_up=D("1.05"), sell_down=D("0.95"), market=True)
    spot.place("bob", limit("BUY", "1", "50000"))
    spot.place("bob", limit("SELL", "1", "60000"))
    with pytest.raises(Reject) as buy:
        spot.place("alice", market("BUY", "0.001"))
    assert buy.value.reason is RejectReason.MARKET_PRICE_OUTSIDE_BAND
    assert buy.value.bound == D("57750.00")
    with pytest.raises(Reject) as sell:
        spot.place("alice", market("SELL", "0.001"))
    assert sell.value.bound == D("52250.00")
    # with a touch inside the band (a calm book) the same order trades
    spot.cancel_all("bob", "BTCUSDT")
    quote_book(spot)
    _, fills = spot.place("alice", market("BUY", "0.001"))
    assert [f.price for f in fills] == [D("60010")]


def test_band_without_market_leaves_market_orders_alone(spot: Engine) -> None:
    spot.price_band = FUTURES_LIKE
    spot.place("bob", limit("BUY", "1", "50000"))
    spot.place("bob", limit("SELL", "1", "60000"))
    _, fills = spot.place("alice", market("BUY", "0.001"))
    assert [f.price for f in fills] == [D("60000")]
