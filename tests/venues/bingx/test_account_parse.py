"""BingX account stream events (PROTOCOLS.md §5.4) read by the parsers, on the samples
the venue's documentation and ccxt's comments show: ORDER_TRADE_UPDATE (with and
without a fill's own size and price), ACCOUNT_UPDATE, ACCOUNT_CONFIG_UPDATE and the
SNAPSHOT seen on VST; what cannot be read is MalformedMessage naming the event."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tradeport.config.loader import load_venue_config, resolve_asset
from tradeport.model import (
    Balance,
    Fill,
    LeverageUpdate,
    Order,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
)
from tradeport.model.errors import MalformedMessage, UnknownSymbol
from tradeport.venues.bingx import CONFIG
from tradeport.venues.bingx import account_parse as ap

STATUS = resolve_asset(load_venue_config(CONFIG), "swap").order_status_map
LOCAL = 99

# the documented ORDER_TRADE_UPDATE: a market order filled at once
DOC_ORDER = {
    "e": "ORDER_TRADE_UPDATE",
    "E": 1696843635475,
    "o": {
        "s": "LTC-USDT",
        "c": "",
        "i": "1711312357852147712",
        "S": "BUY",
        "o": "MARKET",
        "q": "0.10000000",
        "p": "64.35010000",
        "ap": "64.36000000",
        "x": "TRADE",
        "X": "FILLED",
        "N": "USDT",
        "n": "-0.00321800",
        "T": 0,
        "wt": "MARK_PRICE",
        "ps": "LONG",
        "rp": "0.00000000",
        "z": "0.10000000",
    },
}
DOC_ACCOUNT = {
    "e": "ACCOUNT_UPDATE",
    "E": 1696244249320,
    "a": {
        "m": "ORDER",
        "B": [
            {"a": "USDT", "wb": "49.81083984", "cw": "49.81083984", "bc": "-1.00000000"},
        ],
        "P": [
            {
                "s": "LINK-USDT",
                "pa": "5.000",
                "ep": "11.2345",
                "up": "0.5000",
                "mt": "isolated",
                "iw": "50.00000000",
                "ps": "LONG",
            }
        ],
    },
}


def same(symbol: str) -> str:
    return symbol


def text(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def with_order(**fields: Any) -> bytes:
    return text({**DOC_ORDER, "o": {**DOC_ORDER["o"], **fields}})


def test_documented_order_update_is_the_order_and_its_one_fill() -> None:
    order, fill = ap.parse_account_frame(text(DOC_ORDER), same, STATUS, LOCAL)
    assert isinstance(order, Order) and isinstance(fill, Fill)
    assert (order.symbol, order.order_id, order.side, order.type) == (
        "LTC-USDT",
        "1711312357852147712",
        Side.BUY,
        OrderType.MARKET,
    )
    assert order.client_order_id is None and order.price is None
    assert (order.status, order.qty, order.filled_qty) == (
        OrderStatus.FILLED,
        Decimal("0.1"),
        Decimal("0.1"),
    )
    assert order.avg_price == Decimal("64.36") and order.position_side is PositionSide.LONG
    assert order.updated_ts == 1696843635475 and order.local_ts == LOCAL
    # no `l` / `L`: the order's whole fill at its average price
    assert (fill.qty, fill.price) == (Decimal("0.1"), Decimal("64.36"))
    assert (fill.fee, fill.fee_asset) == (Decimal("0.003218"), "USDT")
    assert fill.trade_id == "1711312357852147712-0.10000000"
    assert fill.realized_pnl == 0 and not fill.is_maker


def test_a_partial_fill_is_its_own_size_price_and_trade_id() -> None:
    frame = with_order(
        o="LIMIT", X="PARTIALLY_FILLED", z="0.04", l="0.04", L="64.3", t="777", m=True, c="a1"
    )
    order, fill = ap.parse_account_frame(frame, same, STATUS, LOCAL)
    assert isinstance(order, Order) and isinstance(fill, Fill)
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.price == Decimal("64.3501")
    assert (fill.trade_id, fill.qty, fill.price, fill.is_maker) == (
        "777",
        Decimal("0.04"),
        Decimal("64.3"),
        True,
    )
    assert fill.client_order_id == order.client_order_id == "a1"


def test_a_new_or_canceled_order_carries_no_fill() -> None:
    for x, status in (("NEW", OrderStatus.NEW), ("CANCELED", OrderStatus.CANCELED)):
        objects = ap.parse_account_frame(with_order(x=x, X=x, z="0"), same, STATUS, LOCAL)
        assert [type(o) for o in objects] == [Order]
        assert objects[0].status is status  # type: ignore[union-attr]


def test_documented_account_update_is_balances_and_positions() -> None:
    balance, position = ap.parse_account_frame(text(DOC_ACCOUNT), same, STATUS, LOCAL)
    assert isinstance(balance, Balance) and isinstance(position, Position)
    assert (balance.asset, balance.total, balance.ts) == (
        "USDT",
        Decimal("49.81083984"),
        1696244249320,
    )
    assert (position.symbol, position.position_side, position.qty) == (
        "LINK-USDT",
        PositionSide.LONG,
        Decimal("5"),
    )
    assert (position.entry_price, position.unrealized_pnl, position.margin_type) == (
        Decimal("11.2345"),
        Decimal("0.5"),
        "isolated",
    )


def test_a_one_way_short_stays_signed_and_a_hedge_short_leg_does_not() -> None:
    for side, qty in (("BOTH", Decimal(-2)), ("SHORT", Decimal(2))):
        leg = {"s": "BTC-USDT", "pa": "-2", "ep": "100", "up": "0", "mt": "cross", "ps": side}
        event = {**DOC_ACCOUNT, "a": {"m": "ORDER", "B": [], "P": [leg]}}
        (position,) = ap.parse_account_frame(text(event), same, STATUS, LOCAL)
        assert isinstance(position, Position) and position.qty == qty


def test_on_a_one_way_account_a_position_written_as_its_side_is_both() -> None:
    for side, qty in (("LONG", Decimal(2)), ("SHORT", Decimal(-2))):
        leg = {"s": "BTC-USDT", "pa": "2", "ep": "100", "up": "0", "mt": "cross", "ps": side}
        event = text({**DOC_ACCOUNT, "a": {"m": "ORDER", "B": [], "P": [leg]}})
        (position,) = ap.parse_account_frame(event, same, STATUS, LOCAL, one_way=True)
        assert isinstance(position, Position)
        assert (position.position_side, position.qty) == (PositionSide.BOTH, qty)


@pytest.mark.parametrize("event", ["ACCOUNT_CONFIG_UPDATE", "SNAPSHOT"])
def test_config_update_is_the_contracts_leverage(event: str) -> None:
    frame = {"e": event, "E": 1780336019559, "ac": {"s": "MTL-USDT", "l": 3, "S": 5, "mt": "cross"}}
    (update,) = ap.parse_account_frame(text(frame), same, STATUS, LOCAL)
    assert update == LeverageUpdate(
        symbol="MTL-USDT", long=3, short=5, margin_type="cross", ts=1780336019559, local_ts=LOCAL
    )


def test_other_events_read_as_nothing() -> None:
    expired = {"e": "listenKeyExpired", "E": 1, "listenKey": "abc"}
    assert ap.parse_account_frame(text(expired), same, STATUS, LOCAL) == []
    assert ap.parse_account_frame(b'{"e":"SOMETHING_NEW","E":1}', same, STATUS, LOCAL) == []


@pytest.mark.parametrize(
    ("frame", "named"),
    [
        (with_order(X="HALF_DONE"), "unknown status"),
        (with_order(q="lots"), "ORDER_TRADE_UPDATE"),
        (with_order(ps="SIDEWAYS"), "position side"),
        (with_order(S="HOLD"), "side"),
        (with_order(z="0", ap="0"), "without a size or a price"),
        (text({**DOC_ACCOUNT, "a": {"B": [{"a": "USDT", "wb": "x", "cw": "1"}]}}), "ACCOUNT"),
        (b'{"e":"ACCOUNT_CONFIG_UPDATE","E":1,"ac":{"s":"A-B","l":0,"S":1}}', "leverage"),
        (b"not json", "account stream frame"),
    ],
)
def test_unreadable_events_are_malformed_naming_what(frame: bytes, named: str) -> None:
    with pytest.raises(MalformedMessage, match=named):
        ap.parse_account_frame(frame, same, STATUS, LOCAL)


def test_a_symbol_the_client_does_not_list_is_refused() -> None:
    def listed(symbol: str) -> str:
        raise UnknownSymbol(f"{symbol} is not listed")

    with pytest.raises(UnknownSymbol):
        ap.parse_account_frame(text(DOC_ORDER), listed, STATUS, LOCAL)
