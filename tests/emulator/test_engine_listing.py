"""The engine under listing states (listing_rules.py) and a symbol listed while it runs;
each venue's wording of the refusals is tested in the conformance suite."""

from __future__ import annotations

import pytest

from tradeport.emulator.engine import Engine, EngineInstrument, Reject, RejectReason
from tradeport.emulator.listing import Listings, ListingState
from tradeport.emulator.market import MM_ACCOUNT, SyntheticMarket

from .builders import D, limit, market


def announced(engine: Engine, state: ListingState) -> None:
    """BTCUSDT is announced as `state`; every other symbol trades."""
    listings = Listings()
    listings.set("market", "BTCUSDT", state)
    engine.listing = lambda symbol: listings.state("market", symbol)


def refusal(engine: Engine, account: str, request: object) -> RejectReason:
    with pytest.raises(Reject) as refused:
        engine.place(account, request)  # type: ignore[arg-type]
    return refused.value.reason


def test_close_only_takes_reduce_only_and_refuses_opening_orders(perp: Engine) -> None:
    perp.place("bob", limit("SELL", "2", "60000"))
    perp.place("alice", market("BUY", "1"))
    perp.place("bob", limit("BUY", "2", "59000"))
    announced(perp, ListingState.CLOSE_ONLY)

    assert refusal(perp, "alice", market("BUY", "0.1")) is RejectReason.CLOSE_ONLY
    # a sell that would only reduce is still refused unless it says so
    assert refusal(perp, "alice", market("SELL", "0.5")) is RejectReason.CLOSE_ONLY
    order, fills = perp.place("alice", market("SELL", "1", reduce_only=True))
    assert order.status == "FILLED" and sum(f.qty for f in fills) == D(1)
    assert not perp.positions("alice")


def test_close_only_in_hedge_mode_takes_the_closing_side_of_a_leg(perp: Engine) -> None:
    perp.set_hedge_mode("alice", True)
    perp.place("bob", limit("SELL", "2", "60000"))
    perp.place("alice", market("BUY", "1", position_side="LONG"))
    perp.place("bob", limit("BUY", "2", "59000"))
    announced(perp, ListingState.CLOSE_ONLY)

    opening_short = market("SELL", "1", position_side="SHORT")
    assert refusal(perp, "alice", opening_short) is RejectReason.CLOSE_ONLY
    order, _ = perp.place("alice", market("SELL", "1", position_side="LONG"))
    assert order.status == "FILLED"


def test_close_only_spot_symbol_and_pre_launch_refuse_everything(spot: Engine) -> None:
    announced(spot, ListingState.CLOSE_ONLY)
    assert refusal(spot, "alice", limit("SELL", "0.01", "70000")) is RejectReason.CLOSE_ONLY
    announced(spot, ListingState.PRE_LAUNCH)
    assert refusal(spot, "alice", limit("BUY", "0.01", "50000")) is RejectReason.NOT_LAUNCHED
    announced(spot, ListingState.DELISTED)
    assert refusal(spot, "alice", limit("BUY", "0.01", "50000")) is RejectReason.DELISTED
    announced(spot, ListingState.UNLISTED)
    assert refusal(spot, "alice", limit("BUY", "0.01", "50000")) is RejectReason.UNKNOWN_SYMBOL
    assert not spot.open_orders("alice")
    # another symbol trades on
    order, _ = spot.place("alice", limit("BUY", "10", "0.05", symbol="DOGEUSDT"))
    assert order.status == "NEW"


def test_resting_orders_can_be_cancelled_but_not_amended_once_delisted(spot: Engine) -> None:
    order, _ = spot.place("alice", limit("BUY", "0.01", "50000"))
    announced(spot, ListingState.DELISTED)
    with pytest.raises(Reject) as refused:
        spot.amend("alice", "BTCUSDT", order.order_id, price=D("50001"))
    assert refused.value.reason is RejectReason.DELISTED
    assert spot.cancel("alice", "BTCUSDT", order.order_id).status == "CANCELED"


def test_the_house_account_keeps_quoting_a_symbol_not_trading(perp: Engine) -> None:
    announced(perp, ListingState.PRE_LAUNCH)
    market_maker = SyntheticMarket(perp, seed=3)
    market_maker.step()
    view = perp.depth("BTCUSDT", 5)
    assert view.bids and view.asks
    assert perp.open_orders(MM_ACCOUNT, "BTCUSDT")


def test_a_symbol_listed_at_runtime_is_quoted_and_traded(spot: Engine) -> None:
    market_maker = SyntheticMarket(spot, seed=3)
    new = EngineInstrument(
        symbol="NEWUSDT",
        base="NEW",
        quote="USDT",
        tick_size=D("0.001"),
        step_size=D("0.1"),
        min_qty=D("0.1"),
        max_qty=D("100000"),
        min_notional=D("5"),
        start_price=D("2.5"),
    )
    market_maker.add_symbol(new)
    view = spot.depth("NEWUSDT", 1)
    assert view.bids[0][0] < D("2.5") < view.asks[0][0]
    order, fills = spot.place("alice", market("BUY", "10", symbol="NEWUSDT"))
    assert order.status == "FILLED" and fills
    assert {f.fee_asset for f in fills} == {"NEW"}  # a buyer pays the fee in what it buys
    assert spot.balances("alice")["NEW"][0] == D(10) - sum(f.fee for f in fills)
    market_maker.step()  # the new symbol moves with the others
    with pytest.raises(ValueError, match="traded already"):
        spot.add_instrument(new)
