"""How a unified order becomes Binance parameters, per market and position mode."""

from decimal import Decimal

import pytest

from tradeport.model import AssetType, Instrument, Offset, OrderType, PositionSide, Side
from tradeport.model.errors import BadParameter
from tradeport.venues.base import OrderRequest
from tradeport.venues.binance.orders import order_params

INST = Instrument(
    symbol="BTC-USDT",
    venue_symbol="BTCUSDT",
    asset_type=AssetType.SWAP,
    base="BTC",
    quote="USDT",
    settle="USDT",
    tick_size=Decimal("0.1"),
    step_size=Decimal("0.001"),
    min_qty=Decimal("0.001"),
    min_notional=Decimal("100"),
)


def req(side: Side, kind: OrderType = OrderType.LIMIT, **kw: object) -> OrderRequest:
    price = None if kind is OrderType.MARKET else Decimal("65000.10")
    return OrderRequest(
        symbol="BTC-USDT", side=side, type=kind, qty=Decimal("0.010"), price=price, **kw
    )  # type: ignore[arg-type]


def test_numbers_are_plain_decimal_strings() -> None:
    p = order_params(req(Side.BUY), INST, AssetType.SPOT, hedge=False)
    assert (p["quantity"], p["price"], p["timeInForce"]) == ("0.01", "65000.1", "GTC")
    assert p["newOrderRespType"] == "FULL"


def test_post_only_is_limit_maker_on_spot_and_gtx_on_futures() -> None:
    spot = order_params(req(Side.BUY, OrderType.POST_ONLY), INST, AssetType.SPOT, hedge=False)
    assert spot["type"] == "LIMIT_MAKER" and "timeInForce" not in spot
    swap = order_params(req(Side.BUY, OrderType.POST_ONLY), INST, AssetType.SWAP, hedge=False)
    assert (swap["type"], swap["timeInForce"]) == ("LIMIT", "GTX")


def test_one_way_close_is_reduce_only_on_the_given_side() -> None:
    p = order_params(
        req(Side.SELL, OrderType.MARKET, offset=Offset.CLOSE), INST, AssetType.SWAP, hedge=False
    )
    assert p["side"] == "SELL" and p["reduceOnly"] == "true" and "positionSide" not in p
    assert "price" not in p and "timeInForce" not in p


@pytest.mark.parametrize(
    ("side", "offset", "leg"),
    [
        (Side.BUY, Offset.OPEN, "LONG"),
        (Side.SELL, Offset.CLOSE, "LONG"),  # closing a long is a SELL on the long leg
        (Side.SELL, Offset.OPEN, "SHORT"),
        (Side.BUY, Offset.CLOSE, "SHORT"),
    ],
)
def test_hedge_mode_names_the_leg_and_never_sends_reduce_only(
    side: Side, offset: Offset, leg: str
) -> None:
    p = order_params(req(side, offset=offset), INST, AssetType.SWAP, hedge=True)
    assert p["positionSide"] == leg and "reduceOnly" not in p


def test_explicit_position_side_wins_in_hedge_mode() -> None:
    r = req(Side.SELL, position_side=PositionSide.LONG)
    assert order_params(r, INST, AssetType.SWAP, hedge=True)["positionSide"] == "LONG"


def test_limit_without_price_and_spot_close_are_bad_parameters() -> None:
    no_price = OrderRequest(symbol="BTC-USDT", side=Side.BUY, type=OrderType.LIMIT, qty=Decimal(1))
    with pytest.raises(BadParameter, match="needs a price"):
        order_params(no_price, INST, AssetType.SWAP, hedge=False)
    with pytest.raises(BadParameter, match="spot"):
        order_params(req(Side.SELL, reduce_only=True), INST, AssetType.SPOT, hedge=False)


def test_hedge_close_naming_the_wrong_leg_is_refused() -> None:
    # a BUY that closes can only reduce the SHORT leg; naming LONG would grow the long
    r = req(Side.BUY, offset=Offset.CLOSE, position_side=PositionSide.LONG)
    with pytest.raises(BadParameter, match="short leg"):
        order_params(r, INST, AssetType.SWAP, hedge=True)
    ok = req(Side.BUY, offset=Offset.CLOSE, position_side=PositionSide.SHORT)
    assert order_params(ok, INST, AssetType.SWAP, hedge=True)["positionSide"] == "SHORT"
