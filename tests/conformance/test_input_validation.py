"""Bad input is refused before anything is sent, on every venue: a BadParameter that
names the argument, and the emulator sees no request at all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

import tradeport as tp
from tradeport.model import OrderType, Side
from tradeport.model.errors import BadParameter
from tradeport.venues.base import OrderRequest, VenueClient
from tradeport.venues.capability import TRADING, Capability

from .conftest import EMULATED, SYMBOL, Venue, running

TRADED = [s.key for s in EMULATED if s.capabilities >= TRADING]
LEVERAGED = [s.key for s in EMULATED if Capability.SET_LEVERAGE in s.capabilities]


@pytest.fixture(params=TRADED)
async def trader(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    async with running(request.param) as started:
        await started.client.instrument(SYMBOL)  # what is loaded once is loaded
        await started.client.get_balance()
        yield started


def requests(v: Venue) -> int:
    return sum(v.emulator.faults.seen.values())


async def refused(v: Venue, argument: str, call: Awaitable[Any]) -> None:
    """`call` raises BadParameter naming `argument`, and no request reached the venue."""
    before = requests(v)
    with pytest.raises(BadParameter, match=argument):
        await call
    assert requests(v) == before


# make_order(SYMBOL, vol, price, order_type, offset, client_order_id, **keywords)
BAD_ORDERS: dict[str, tuple[str, dict[str, Any]]] = {
    "vol-true": ("vol", {"vol": True}),
    "vol-false": ("vol", {"vol": False}),
    "vol-word": ("vol", {"vol": "abc"}),
    "vol-empty": ("vol", {"vol": ""}),
    "vol-none": ("vol", {"vol": None}),
    "vol-nan": ("vol", {"vol": float("nan")}),
    "vol-inf": ("vol", {"vol": "inf"}),
    "vol-negative": ("vol", {"vol": Decimal("-0.01")}),
    "vol-zero": ("vol", {"vol": 0}),
    "price-word": ("price", {"price": "abc"}),
    "price-nan": ("price", {"price": Decimal("NaN")}),
    "price-negative": ("price", {"price": -100}),
    "price-bool": ("price", {"price": True}),
    "order-type-typo": ("order_type", {"order_type": "buy-limt"}),
    "order-side-typo": ("order_type", {"order_type": "byu-limit"}),
    "order-type-none": ("order_type", {"order_type": None}),
    "offset-typo": ("offset", {"offset": "opne"}),
    "offset-none": ("offset", {"offset": None}),
    "time-in-force-typo": ("time_in_force", {"time_in_force": "GTCC"}),
    "time-in-force-number": ("time_in_force", {"time_in_force": 1}),
    "position-side-typo": ("position_side", {"position_side": "lng"}),
    "reduce-only-word": ("reduce_only", {"reduce_only": "yes"}),
    "client-id-too-long": ("client_order_id", {"client_order_id": "a" * 40}),
    "client-id-space": ("client_order_id", {"client_order_id": "my order"}),
    "client-id-accent": ("client_order_id", {"client_order_id": "ordré1"}),
    "client-id-empty": ("client_order_id", {"client_order_id": ""}),
    "client-id-number": ("client_order_id", {"client_order_id": 12345}),
}


@pytest.mark.parametrize("case", list(BAD_ORDERS))
async def test_bad_order_argument_is_named_and_nothing_is_sent(trader: Venue, case: str) -> None:
    argument, bad = BAD_ORDERS[case]
    qty, price = await trader.small_qty(), await trader.price_under_bid("0.95")
    kwargs: dict[str, Any] = {"vol": qty, "price": price, "order_type": "buy-limit", **bad}
    await refused(trader, argument, trader.client.make_order(SYMBOL, **kwargs))
    assert await trader.client.get_open_orders(SYMBOL) == []


async def test_client_id_beyond_the_venue_rule_is_refused_within_it_accepted(
    trader: Venue,
) -> None:
    """Each venue's own rule: OKX takes 1 to 32 letters and digits, Binance and Bybit
    36 characters with some punctuation, BingX 40 (never letters alone)."""
    client = trader.client
    pattern = client.client_order_id_pattern
    assert pattern is not None
    longest = {"OKX": 32, "BINGX": 40}.get(trader.spec.exchange, 36)
    qty, price = await trader.small_qty(), await trader.price_under_bid("0.95")
    over = "c" * longest + "1"
    await refused(
        trader, "client_order_id", client.make_order(SYMBOL, qty, price, client_order_id=over)
    )
    within = "c" * (longest - 1) + "1"
    order = await client.make_order(SYMBOL, qty, price, client_order_id=within)
    assert order.client_order_id == within and order.order_id


LIMITED: dict[str, Callable[[VenueClient, int], Awaitable[Any]]] = {
    "get_deals": lambda c, n: c.get_deals(SYMBOL, limit=n),
    "get_depth": lambda c, n: c.get_depth(SYMBOL, n),
    "get_trades": lambda c, n: c.get_trades(SYMBOL, n),
    "get_kline": lambda c, n: c.get_kline(SYMBOL, "1m", n),
}


@pytest.mark.parametrize("limit", [-1, 0, True, "10"])
@pytest.mark.parametrize("method", list(LIMITED))
async def test_limit_below_one_is_refused_not_an_empty_list(
    trader: Venue, method: str, limit: Any
) -> None:
    await refused(trader, "limit", LIMITED[method](trader.client, limit))


@pytest.fixture(params=LEVERAGED)
async def leveraged(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    async with running(request.param) as started:
        await started.client.instrument(SYMBOL)
        yield started


@pytest.mark.parametrize("leverage", [0, -3, True, 2.5, "10"])
async def test_leverage_that_is_no_whole_number_from_one_is_refused(
    leveraged: Venue, leverage: Any
) -> None:
    await refused(leveraged, "leverage", leveraged.client.set_leverage(SYMBOL, leverage))


async def test_leverage_above_the_instruments_maximum_is_refused(leveraged: Venue) -> None:
    inst = await leveraged.inst()
    if inst.max_leverage is None:
        pytest.skip(f"{leveraged.spec.key} publishes no maximum leverage with its instruments")
    too_high = inst.max_leverage + 1
    await refused(leveraged, "leverage", leveraged.client.set_leverage(SYMBOL, too_high))
    assert await leveraged.client.set_leverage(SYMBOL, inst.max_leverage) == inst.max_leverage


@pytest.mark.parametrize("key", [None, 42, ""])
async def test_connect_without_a_venue_name_is_refused(key: Any) -> None:
    with pytest.raises(BadParameter, match="venue key"):
        await tp.create_client(key)
    with pytest.raises(BadParameter, match="venue key"):
        tp.connect(key)


@pytest.mark.parametrize("timeout", [-1, 0, float("nan"), float("inf"), "5"])
async def test_timeout_that_is_no_positive_number_is_refused(trader: Venue, timeout: Any) -> None:
    before = requests(trader)
    with pytest.raises(BadParameter, match="timeout"):
        await trader.connect(timeout=timeout)
    assert requests(trader) == before


@pytest.mark.parametrize("window", [10**9, 60_001, 0, -5])
async def test_binance_recv_window_beyond_its_range_is_refused(window: int) -> None:
    async with running("BINANCE___SPOT") as v:
        with pytest.raises(BadParameter, match="recv_window_ms"):
            await v.connect(recv_window_ms=window)
        client = await v.connect(recv_window_ms=60_000)  # the venue's maximum
        try:
            assert "USDT" in await client.get_balance()
        finally:
            await client.close()


@pytest.mark.parametrize(
    ("argument", "qty", "price"),
    [
        ("vol", Decimal("NaN"), Decimal("100")),
        ("vol", Decimal("-1"), Decimal("100")),
        ("price", Decimal("0.01"), Decimal("Infinity")),
        ("price", Decimal("0.01"), Decimal("0")),
    ],
)
async def test_typed_order_with_an_impossible_amount_is_refused(
    trader: Venue, argument: str, qty: Decimal, price: Decimal
) -> None:
    req = OrderRequest(symbol=SYMBOL, side=Side.BUY, type=OrderType.LIMIT, qty=qty, price=price)
    await refused(trader, argument, trader.client.submit_order(req))
