"""ccxt's `okx` class, an independent client, and tradeport see the same emulator, and
the same account on it, the same way. ccxt counts a swap's sizes in contracts (its
`contractSize` is OKX's ctVal); tradeport in base units: the comparisons cross there."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async
import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import AssetType, Instrument, OrderStatus, PositionSide
from tradeport.venues.okx.ccxt_peer import ccxt_config, ccxt_urls
from tradeport.venues.okx.emulator import OkxEmulator
from tradeport.venues.okx.rest import OkxRest

LEVELS = 20
Connect = Callable[..., Awaitable[OkxRest]]  # the folder's `connect` fixture


@dataclass(frozen=True)
class Case:
    key: str
    market: str  # ccxt_config's "spot" or "swap"
    ccxt_symbol: str
    symbol: str  # tradeport's

    def __repr__(self) -> str:
        return f"{self.key}:{self.symbol}"

    @property
    def swap(self) -> bool:
        return self.market == "swap"


SPOT_BTC = Case("OKX___SPOT", "spot", "BTC/USDT", "BTC-USDT")
SPOT_ETH = Case("OKX___SPOT", "spot", "ETH/USDT", "ETH-USDT")
SWAP_BTC = Case("OKX___SWAP", "swap", "BTC/USDT:USDT", "BTC-USDT")


def dec(value: float | str | None) -> Decimal:
    assert value is not None
    return Decimal(str(value))


def per_unit(market: dict[str, Any]) -> Decimal:
    """Base units in one of ccxt's amount units: ctVal for a swap, 1 for spot."""
    return dec(market["contractSize"]) if market["contract"] else Decimal(1)


def in_base(market: dict[str, Any], amount: float | str | None) -> Decimal:
    """A ccxt amount (contracts for a swap) in base units, exactly."""
    return (dec(amount) * per_unit(market)).normalize()


def minimums(market: dict[str, Any], times: int) -> float:
    """`times` the market's minimum amount, without float drift (30 × 1e-05 is not 3e-04)."""
    return float(dec(market["limits"]["amount"]["min"]) * times)


async def assert_balances_agree(ours: OkxRest, theirs: Any, assets: list[str]) -> None:
    """ccxt reads OKX's `eq` as the total and `availEq` as free: both include the
    unrealized pnl of cross positions; tradeport's total is the cash balance `cashBal`
    and its free `availBal`, the pnl staying on the positions."""
    upl = Decimal(0)
    if ours.asset_type is AssetType.SWAP:
        upl = sum((p.unrealized_pnl for p in await ours.get_position()), Decimal(0))
    mine = await ours.get_balance()
    bal = await theirs.fetch_balance()
    for asset in assets:
        pnl = upl if asset == "USDT" else Decimal(0)
        assert dec(bal[asset]["total"]) == mine[asset].total + pnl, asset
        assert dec(bal[asset]["free"]) == mine[asset].free + pnl, asset
        assert dec(bal[asset]["used"]) == mine[asset].locked, asset


@pytest.fixture
async def pair(
    emulator: OkxEmulator, connect: Connect, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Case, OkxRest, Any]]:
    """(case, tradeport client, ccxt client), both on the first account, markets
    loaded."""
    case: Case = request.param
    ours = await connect(case.key)  # closed by `connect`
    api_key, secret = emulator.credentials(0)
    theirs: Any = ccxt_async.okx(ccxt_config(api_key, secret, emulator.passphrase(0), case.market))
    ccxt_urls(theirs, emulator.base_url)
    try:
        await theirs.load_markets()
        yield case, ours, theirs
    finally:
        await theirs.close()


def cases(*chosen: Case) -> Any:
    return pytest.mark.parametrize("pair", chosen, indirect=True, ids=repr)


async def price_under_bid(ours: OkxRest, inst: Instrument, fraction: str) -> Decimal:
    book = await ours.get_depth(inst.symbol, 1)
    return quantize_price(inst, Decimal(str(book.bids[0][0])) * Decimal(fraction))


@cases(SPOT_BTC, SPOT_ETH, SWAP_BTC)
async def test_markets_agree_on_tick_step_and_minimums(pair: tuple[Case, OkxRest, Any]) -> None:
    case, ours, theirs = pair
    market = theirs.market(case.ccxt_symbol)
    inst = await ours.instrument(case.symbol)
    assert market["id"] == inst.venue_symbol and market["active"]
    assert dec(market["precision"]["price"]) == inst.tick_size
    assert in_base(market, market["precision"]["amount"]) == inst.step_size
    assert in_base(market, market["limits"]["amount"]["min"]) == inst.min_qty
    # OKX publishes no minimum order value: ccxt leaves it unknown, tradeport 0
    assert market["limits"]["cost"]["min"] is None and inst.min_notional == 0
    if case.swap:
        assert market["linear"] and dec(market["contractSize"]) == inst.contract_value
    else:
        assert market["contractSize"] is None and inst.contract_value is None


@cases(SPOT_BTC, SWAP_BTC)
async def test_ticker_and_book_agree(pair: tuple[Case, OkxRest, Any]) -> None:
    case, ours, theirs = pair
    market = theirs.market(case.ccxt_symbol)
    # the market holds still between the reads (step_interval=None)
    tick = await ours.get_tick(case.symbol)
    ticker = await theirs.fetch_ticker(case.ccxt_symbol)
    assert (ticker["last"], ticker["bid"], ticker["ask"]) == (tick.last, tick.bid, tick.ask)
    assert ticker["bid"] < ticker["ask"]

    book = await ours.get_depth(case.symbol, LEVELS)
    ob = await theirs.fetch_order_book(case.ccxt_symbol, LEVELS)
    assert len(book.bids) == len(book.asks) == LEVELS
    for theirs_side, ours_side in ((ob["bids"], book.bids), (ob["asks"], book.asks)):
        assert [level[0] for level in theirs_side] == [p for p, _ in ours_side]
        assert [float(in_base(market, level[1])) for level in theirs_side] == [
            q for _, q in ours_side
        ]


@cases(SPOT_BTC, SWAP_BTC)
async def test_rest_book_sizes_are_the_nearest_floats(pair: tuple[Case, OkxRest, Any]) -> None:
    case, ours, theirs = pair
    market = theirs.market(case.ccxt_symbol)
    book = await ours.get_depth(case.symbol, LEVELS)
    ob = await theirs.fetch_order_book(case.ccxt_symbol, LEVELS)
    assert [q for _, q in book.bids] == [float(in_base(market, lvl[1])) for lvl in ob["bids"]]
    assert [q for _, q in book.asks] == [float(in_base(market, lvl[1])) for lvl in ob["asks"]]


@cases(SPOT_BTC, SWAP_BTC)
async def test_an_order_ccxt_places_is_seen_and_canceled_by_tradeport(
    pair: tuple[Case, OkxRest, Any],
) -> None:
    case, ours, theirs = pair
    market = theirs.market(case.ccxt_symbol)
    inst = await ours.instrument(case.symbol)
    price = await price_under_bid(ours, inst, "0.95")
    amount = minimums(market, 30)
    created = await theirs.create_order(case.ccxt_symbol, "limit", "buy", amount, float(price))
    assert created["id"] and created["clientOrderId"]

    by_id = await ours.query_order(case.symbol, order_id=created["id"])
    by_cid = await ours.query_order(case.symbol, client_order_id=created["clientOrderId"])
    for seen in (by_id, by_cid):
        assert seen.order_id == created["id"]
        assert seen.client_order_id == created["clientOrderId"]
        assert seen.status is OrderStatus.NEW and seen.price == price
        assert seen.qty == in_base(market, amount) and seen.filled_qty == 0

    canceled = await ours.cancel_order(case.symbol, client_order_id=created["clientOrderId"])
    assert canceled.order_id == created["id"]
    fetched = await theirs.fetch_order(created["id"], case.ccxt_symbol)
    assert fetched["status"] == "canceled" and fetched["filled"] == 0
    assert fetched["clientOrderId"] == created["clientOrderId"]
    assert await theirs.fetch_open_orders(case.ccxt_symbol) == []


@cases(SPOT_BTC, SWAP_BTC)
async def test_an_order_tradeport_places_is_fetched_and_canceled_by_ccxt(
    pair: tuple[Case, OkxRest, Any],
) -> None:
    case, ours, theirs = pair
    market = theirs.market(case.ccxt_symbol)
    inst = await ours.instrument(case.symbol)
    price = await price_under_bid(ours, inst, "0.9")
    mine = await ours.make_order(case.symbol, inst.min_qty * 20, price, "buy-limit")
    assert mine.order_id is not None

    fetched = await theirs.fetch_order(mine.order_id, case.ccxt_symbol)
    assert fetched["status"] == "open" and fetched["side"] == "buy"
    assert fetched["type"] == "limit" and dec(fetched["price"]) == price
    assert in_base(market, fetched["amount"]) == inst.min_qty * 20
    assert fetched["clientOrderId"] == mine.client_order_id
    (listed,) = await theirs.fetch_open_orders(case.ccxt_symbol)
    assert listed["id"] == mine.order_id

    await theirs.cancel_order(mine.order_id, case.ccxt_symbol)
    seen = await ours.query_order(case.symbol, client_order_id=mine.client_order_id)
    assert seen.status is OrderStatus.CANCELED and seen.order_id == mine.order_id
    assert await ours.get_open_orders(case.symbol) == []


@cases(SPOT_BTC, SWAP_BTC)
async def test_balances_agree_after_a_fill(
    emulator: OkxEmulator, pair: tuple[Case, OkxRest, Any]
) -> None:
    case, ours, theirs = pair
    market = theirs.market(case.ccxt_symbol)
    inst = await ours.instrument(case.symbol)
    price = await price_under_bid(ours, inst, "0.999")
    amount = minimums(market, 50)
    created = await theirs.create_order(case.ccxt_symbol, "limit", "buy", amount, float(price))
    emulator.move_to(case.market, case.symbol, price * Decimal("0.998"))
    filled = await ours.query_order(case.symbol, order_id=created["id"])
    assert filled.status is OrderStatus.FILLED and filled.filled_qty == in_base(market, amount)

    await assert_balances_agree(ours, theirs, ["USDT", "BTC"])
    assert (await ours.get_balance())["USDT"].total < 200_000  # the fill moved it


@cases(SWAP_BTC)
async def test_a_filled_swap_position_agrees(
    emulator: OkxEmulator, pair: tuple[Case, OkxRest, Any]
) -> None:
    case, ours, theirs = pair
    market = theirs.market(case.ccxt_symbol)
    amount = minimums(market, 30)
    order = await theirs.create_order(case.ccxt_symbol, "market", "buy", amount)
    assert (await ours.query_order(case.symbol, order_id=order["id"])).status is (
        OrderStatus.FILLED
    )
    inst = await ours.instrument(case.symbol)
    # a resting sell the market then walks up to: a second fill at another price
    ask = Decimal(str((await ours.get_depth(case.symbol, 1)).asks[0][0]))
    above = quantize_price(inst, ask * Decimal("1.001"))
    await ours.make_order(case.symbol, inst.min_qty * 10, above, "sell-limit")
    emulator.move_to("swap", case.symbol, above * Decimal("1.002"))

    (mine,) = await ours.get_position(case.symbol)
    (position,) = await theirs.fetch_positions([case.ccxt_symbol])
    assert position["symbol"] == case.ccxt_symbol
    side = "long" if mine.qty > 0 else "short"
    assert mine.position_side is PositionSide.BOTH and position["side"] == side
    assert in_base(market, position["contracts"]) == abs(mine.qty)
    assert abs(mine.qty) == in_base(market, amount) - inst.min_qty * 10
    assert dec(position["entryPrice"]) == mine.entry_price
    assert dec(position["unrealizedPnl"]) == mine.unrealized_pnl != 0
    await assert_balances_agree(ours, theirs, ["USDT"])
