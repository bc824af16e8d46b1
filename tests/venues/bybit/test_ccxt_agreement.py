"""ccxt's `bybit` (REST), an independent client, and tradeport see one emulator and one
account the same way: trading rules, ticker and book, orders either one placed,
positions and balances."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async
import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import OrderStatus, Side
from tradeport.venues.bybit.ccxt_peer import ccxt_config, ccxt_urls
from tradeport.venues.bybit.client import BybitClient
from tradeport.venues.bybit.emulator import BybitEmulator

# ccxt's fetch_order on a unified account raises unless the caller acknowledges that
# Bybit's /v5/order/realtime finds only an account's last 500 orders
ACK = {"acknowledged": True}
LEVELS = 10  # of the 20 a side the synthetic book holds


class Case:
    """One category, as tradeport (`key`) and ccxt (`category`, `symbols`) name it."""

    def __init__(self, key: str, category: str, symbols: tuple[str, ...]) -> None:
        self.key = key
        self.category = category  # the emulator's market, and ccxt_config's
        self.symbols = symbols
        self.symbol = symbols[0]

    def __repr__(self) -> str:
        return self.key


CASES = [
    Case("BYBIT___SPOT", "spot", ("BTC/USDT", "ETH/USDT")),
    Case("BYBIT___SWAP", "linear", ("BTC/USDT:USDT", "ETH/USDT:USDT")),
]
SPOT, LINEAR = CASES


def ours_symbol(ccxt_symbol: str) -> str:
    """BTC/USDT:USDT -> BTC-USDT."""
    return ccxt_symbol.split(":")[0].replace("/", "-")


def venue_symbol(ccxt_symbol: str) -> str:
    return ours_symbol(ccxt_symbol).replace("-", "")


def dec(value: float | str | None) -> Decimal:
    assert value is not None
    return Decimal(str(value))


@pytest.fixture(params=CASES, ids=repr)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def ours(connect: Any, case: Case) -> BybitClient:
    client: BybitClient = await connect(case.key)
    return client


@pytest.fixture
async def theirs(emulator: BybitEmulator, case: Case) -> AsyncIterator[Any]:
    key, secret = emulator.credentials(0)
    exchange = ccxt_async.bybit(ccxt_config(key, secret, case.category))
    ccxt_urls(exchange, emulator.base_url)
    try:
        await exchange.load_markets()
        yield exchange
    finally:
        await exchange.close()


async def below_the_book(ours: BybitClient, symbol: str, fraction: str) -> Decimal:
    """A buy price `fraction` of the best bid, on the tick: it rests."""
    inst = await ours.instrument(symbol)
    book = await ours.get_depth(symbol, 1)
    return quantize_price(inst, Decimal(str(book.bids[0][0])) * Decimal(fraction))


async def test_markets_agree_on_trading_rules(ours: BybitClient, theirs: Any, case: Case) -> None:
    for symbol in case.symbols:
        market = theirs.market(symbol)
        inst = await ours.instrument(ours_symbol(symbol))
        assert market["id"] == inst.venue_symbol
        assert (market["base"], market["quote"], market["settle"]) == (
            inst.base,
            inst.quote,
            inst.settle,
        )
        assert dec(market["precision"]["price"]) == inst.tick_size, symbol
        assert dec(market["precision"]["amount"]) == inst.step_size, symbol
        assert dec(market["limits"]["amount"]["min"]) == inst.min_qty, symbol
        assert dec(market["limits"]["amount"]["max"]) == inst.max_qty, symbol
        assert dec(market["limits"]["cost"]["min"]) == inst.min_notional, symbol
        if case.category == "linear":
            assert dec(market["contractSize"]) == inst.contract_size
            assert market["limits"]["leverage"]["max"] == inst.max_leverage


async def test_ticker_and_book_agree_as_the_market_moves(
    emulator: BybitEmulator, ours: BybitClient, theirs: Any, case: Case
) -> None:
    symbol = ours_symbol(case.symbol)
    engine = emulator.engine(case.category)
    for factor in ("1", "1.003", "0.995"):
        # the market holds still between the two reads (step_interval=None)
        target = engine.mark_price(venue_symbol(case.symbol)) * Decimal(factor)
        emulator.move_to(case.category, venue_symbol(case.symbol), target)
        tick = await ours.get_tick(symbol)
        ticker = await theirs.fetch_ticker(case.symbol)
        assert (ticker["last"], ticker["bid"], ticker["ask"]) == (tick.last, tick.bid, tick.ask)
        assert (ticker["bidVolume"], ticker["askVolume"]) == (tick.bid_qty, tick.ask_qty)
        assert (ticker["high"], ticker["low"], ticker["open"]) == (tick.high, tick.low, tick.open)
        assert ticker["baseVolume"] == tick.volume

        book = await ours.get_depth(symbol, LEVELS)
        theirs_book = await theirs.fetch_order_book(case.symbol, LEVELS)
        assert len(book.bids) == len(book.asks) == LEVELS
        assert [tuple(level[:2]) for level in theirs_book["bids"]] == book.bids
        assert [tuple(level[:2]) for level in theirs_book["asks"]] == book.asks
        assert book.bids[0][0] == tick.bid and book.asks[0][0] == tick.ask


async def test_an_order_ccxt_placed_is_seen_and_canceled_by_tradeport(
    ours: BybitClient, theirs: Any, case: Case
) -> None:
    symbol = ours_symbol(case.symbol)
    price = await below_the_book(ours, symbol, "0.95")
    created = await theirs.create_order(
        case.symbol, "limit", "buy", 0.01, float(price), {"clientOrderId": "ccxt-agree-1"}
    )
    assert created["clientOrderId"] == "ccxt-agree-1"

    by_id = await ours.query_order(symbol, order_id=created["id"])
    by_client_id = await ours.query_order(symbol, client_order_id=created["clientOrderId"])
    assert by_id.order_id == by_client_id.order_id == created["id"]
    assert by_id.client_order_id == "ccxt-agree-1"
    assert by_id.status is OrderStatus.NEW and by_id.side is Side.BUY
    assert (by_id.price, by_id.qty, by_id.filled_qty) == (price, Decimal("0.01"), 0)
    assert [o.order_id for o in await ours.get_open_orders(symbol)] == [created["id"]]

    canceled = await ours.cancel_order(symbol, order_id=created["id"])
    assert canceled.order_id == created["id"]
    fetched = await theirs.fetch_order(created["id"], case.symbol, ACK)
    assert fetched["status"] == "canceled" and fetched["filled"] == 0
    assert fetched["clientOrderId"] == "ccxt-agree-1" and dec(fetched["price"]) == price
    assert await theirs.fetch_open_orders(case.symbol) == []


async def test_an_order_tradeport_placed_is_fetched_and_canceled_by_ccxt(
    ours: BybitClient, theirs: Any, case: Case
) -> None:
    symbol = ours_symbol(case.symbol)
    price = await below_the_book(ours, symbol, "0.96")
    mine = await ours.make_order(symbol, "0.02", price, "buy-limit")
    assert mine.order_id is not None

    fetched = await theirs.fetch_order(mine.order_id, case.symbol, ACK)
    assert fetched["status"] == "open" and fetched["side"] == "buy" and fetched["type"] == "limit"
    assert (dec(fetched["amount"]), dec(fetched["price"])) == (Decimal("0.02"), price)
    assert fetched["clientOrderId"] == mine.client_order_id
    assert [o["id"] for o in await theirs.fetch_open_orders(case.symbol)] == [mine.order_id]

    await theirs.cancel_order(mine.order_id, case.symbol)
    seen = await ours.query_order(symbol, client_order_id=mine.client_order_id)
    assert seen.order_id == mine.order_id and seen.status is OrderStatus.CANCELED
    assert (await theirs.fetch_order(mine.order_id, case.symbol, ACK))["status"] == "canceled"
    assert await ours.get_open_orders(symbol) == []


async def test_balances_agree_while_an_order_rests(
    ours: BybitClient, theirs: Any, case: Case
) -> None:
    async def agree() -> Decimal:
        """The USDT held (spot: locked by orders; linear: their initial margin)."""
        balance = (await theirs.fetch_balance())["USDT"]
        mine = (await ours.get_balance())["USDT"]
        assert (dec(balance["total"]), dec(balance["free"])) == (mine.total, mine.free)
        return mine.locked

    assert await agree() == 0
    symbol = ours_symbol(case.symbol)
    price = await below_the_book(ours, symbol, "0.97")
    created = await theirs.create_order(case.symbol, "limit", "buy", 0.02, float(price))
    held = await agree()
    assert held > 0
    if case.category == "spot":
        assert held == price * Decimal("0.02")
    await ours.cancel_order(symbol, order_id=created["id"])
    assert await agree() == 0


@pytest.mark.parametrize("case", [SPOT], indirect=True, ids=repr)
async def test_a_spot_fill_moves_both_coins_alike(
    emulator: BybitEmulator, ours: BybitClient, theirs: Any, case: Case
) -> None:
    before = await ours.get_balance()
    price = await below_the_book(ours, "BTC-USDT", "0.998")
    created = await theirs.create_order(case.symbol, "limit", "buy", 0.01, float(price))
    emulator.move_to("spot", "BTCUSDT", price * Decimal("0.999"))

    order = await ours.query_order("BTC-USDT", order_id=created["id"])
    fetched = await theirs.fetch_order(created["id"], case.symbol, ACK)
    assert order.status is OrderStatus.FILLED and fetched["status"] == "closed"
    assert (dec(fetched["filled"]), dec(fetched["average"])) == (order.filled_qty, order.avg_price)

    balances = await theirs.fetch_balance()
    after = await ours.get_balance()
    for coin in ("BTC", "USDT"):
        assert dec(balances[coin]["total"]) == after[coin].total, coin
        assert dec(balances[coin]["free"]) == after[coin].free, coin
    # a spot buy pays its fee in the coin received (maker: it rested)
    bought = after["BTC"].total - before["BTC"].total
    assert bought == Decimal("0.01") * (1 - emulator.fees("spot")[0])
    assert before["USDT"].total - after["USDT"].total == price * Decimal("0.01")


@pytest.mark.parametrize("case", [LINEAR], indirect=True, ids=repr)
async def test_a_linear_fill_leaves_the_same_position_and_balance(
    emulator: BybitEmulator, ours: BybitClient, theirs: Any, case: Case
) -> None:
    price = await below_the_book(ours, "BTC-USDT", "0.998")
    created = await theirs.create_order(case.symbol, "limit", "buy", 0.01, float(price))
    emulator.move_to("linear", "BTCUSDT", price * Decimal("0.999"))
    assert (await ours.query_order("BTC-USDT", order_id=created["id"])).status is (
        OrderStatus.FILLED
    )

    async def positions_agree() -> Decimal:
        """Both see one long of 0.01 at the order's price; returns its unrealised P&L."""
        (theirs_position,) = await theirs.fetch_positions([case.symbol])
        (mine,) = await ours.get_position("BTC-USDT")
        assert theirs_position["side"] == "long" and mine.qty == Decimal("0.01")
        assert dec(theirs_position["contracts"]) == mine.qty
        assert dec(theirs_position["entryPrice"]) == mine.entry_price == price
        assert dec(theirs_position["markPrice"]) == mine.mark_price
        assert dec(theirs_position["unrealizedPnl"]) == mine.unrealized_pnl
        assert dec(theirs_position["liquidationPrice"]) == mine.liquidation_price
        assert theirs_position["leverage"] == mine.leverage
        return mine.unrealized_pnl

    async def balances_agree(loss: Decimal) -> None:
        balance = (await theirs.fetch_balance())["USDT"]
        mine = (await ours.get_balance())["USDT"]
        assert dec(balance["total"]) == mine.total
        # ccxt's free is the venue's availableToWithdraw, which an unrealised loss lowers;
        # tradeport's is the wallet balance less the margin held
        assert dec(balance["free"]) == mine.free - loss

    # the market went through the order: the long is at a loss
    upl = await positions_agree()
    assert upl < 0
    await balances_agree(-upl)
    # and now above it: at a gain, which neither counts as free
    emulator.move_to("linear", "BTCUSDT", price * Decimal("1.002"))
    upl = await positions_agree()
    assert upl > 0
    await balances_agree(Decimal(0))

    # ccxt closes it; tradeport sees it gone
    await theirs.create_order(case.symbol, "market", "sell", 0.01, None, {"reduceOnly": True})
    assert await ours.get_position("BTC-USDT") == []
    assert [p for p in await theirs.fetch_positions([case.symbol]) if p["contracts"]] == []
