"""ccxt (REST), an independent client, and tradeport see one emulator and one account
the same way on every venue with a ccxt peer: trading rules, ticker and book, orders
either one placed, balances and positions. ccxt counts a contract market's sizes in
contracts (its `contractSize`), tradeport in base units: the comparisons cross there.
Where the two read the account differently the venue's ccxt_peer declares it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async
import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import AssetType, OrderStatus, PositionSide, Side
from tradeport.venues import registry
from tradeport.venues.capability import TRADING, Capability

from .ccxt_peers import Peer, dec, in_base, in_units, keys_with_peer, peer
from .conftest import SYMBOL, Venue, running

OTHER = "ETH-USDT"  # a second symbol every emulator lists
LEVELS = 20  # every level the synthetic book holds a side
QUOTED = keys_with_peer(Capability.GET_EXCHANGE_INFO, Capability.GET_TICK, Capability.GET_DEPTH)
TRADED = keys_with_peer(*TRADING)
SPOT = [k for k in TRADED if Capability.GET_POSITION not in registry.get_venue(k).capabilities]
DERIVATIVES = keys_with_peer(*TRADING, Capability.GET_POSITION)


@dataclass
class Pair:
    """tradeport (`venue`) and ccxt (`theirs`, markets loaded) on the first account."""

    venue: Venue
    peer: Peer
    theirs: Any

    @property
    def symbol(self) -> str:
        return self.peer.symbol(SYMBOL)

    @property
    def market(self) -> dict[str, Any]:
        market: dict[str, Any] = self.theirs.market(self.symbol)
        return market

    async def fetch_order(self, order_id: str) -> dict[str, Any]:
        order: dict[str, Any] = await self.theirs.fetch_order(
            order_id, self.symbol, self.peer.fetch_order_params
        )
        return order

    async def upl(self) -> Decimal:
        if Capability.GET_POSITION not in self.venue.spec.capabilities:
            return Decimal(0)
        positions = await self.venue.client.get_position()
        return sum((p.unrealized_pnl for p in positions), Decimal(0))

    async def balances_agree(self, assets: tuple[str, ...] = ("USDT",)) -> None:
        """Total, free and used of each asset, as the venue's peer declares they differ."""
        upl = await self.upl()
        mine = await self.venue.client.get_balance()
        bal = await self.theirs.fetch_balance()
        shift = self.peer.balance_shift
        fields = self.peer.balance_fields
        for asset in assets:
            pnl = upl if asset == "USDT" else Decimal(0)
            ours = {
                "total": mine[asset].total,
                "free": mine[asset].free,
                "used": mine[asset].locked,
            }
            for field in fields:
                assert dec(bal[asset][field]) == ours[field] + shift(field, pnl), (asset, field)

    async def ccxt_buy_filled(self, fraction: str, through: str) -> tuple[Decimal, Decimal, str]:
        """ccxt's limit buy of a small quantity at `fraction` of the best bid, which the
        market then walks through to `through` of its price: (qty, price, order id)."""
        qty = await self.venue.small_qty()
        price = await self.venue.price_under_bid(fraction)
        amount = in_units(self.market, qty)
        created = await self.theirs.create_order(self.symbol, "limit", "buy", amount, float(price))
        self.venue.move(price * Decimal(through))
        filled = await self.venue.client.query_order(SYMBOL, order_id=created["id"])
        assert filled.status is OrderStatus.FILLED
        assert filled.filled_qty == in_base(self.market, amount)
        return qty, price, created["id"]


@pytest.fixture(params=TRADED)
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[Pair]:
    """Every trading venue with a ccxt peer, or those a test names (indirect)."""
    async with running(request.param) as venue:
        their_peer = peer(venue.spec.key)
        theirs = their_peer.client(ccxt_async, venue.emulator)
        try:
            await theirs.load_markets()
            yield Pair(venue, their_peer, theirs)
        finally:
            await theirs.close()


@pytest.mark.parametrize("pair", QUOTED, indirect=True)
@pytest.mark.parametrize("symbol", [SYMBOL, OTHER])
async def test_markets_agree_on_trading_rules(pair: Pair, symbol: str) -> None:
    market = pair.theirs.market(pair.peer.symbol(symbol))
    inst = await pair.venue.client.instrument(symbol)
    assert market["id"] == inst.venue_symbol and market["active"]
    assert (market["base"], market["quote"], market["settle"]) == (
        inst.base,
        inst.quote,
        inst.settle,
    )
    assert dec(market["precision"]["price"]) == inst.tick_size
    assert in_base(market, market["precision"]["amount"]) == inst.step_size
    assert in_base(market, market["limits"]["amount"]["min"]) == inst.min_qty
    if inst.max_qty is not None:
        assert in_base(market, market["limits"]["amount"]["max"]) == inst.max_qty
    if inst.min_notional == 0:
        # a venue that publishes no minimum order value (OKX): ccxt leaves it unknown
        assert market["limits"]["cost"]["min"] is None
    else:
        assert dec(market["limits"]["cost"]["min"]) == inst.min_notional
    if inst.asset_type is AssetType.SPOT:
        assert market["contractSize"] is None and inst.contract_value is None
    else:
        assert market["linear"]
        assert dec(market["contractSize"]) == (inst.contract_value or inst.contract_size)
        if pair.peer.ccxt_market_has_max_leverage:
            assert market["limits"]["leverage"]["max"] == inst.max_leverage
        else:
            assert market["limits"]["leverage"]["max"] is None


@pytest.mark.parametrize("pair", QUOTED, indirect=True)
async def test_ticker_and_book_agree_as_the_market_moves(pair: Pair) -> None:
    ours = pair.venue.client
    for factor in ("1", "1.003", "0.995"):
        # the market holds still between the reads (step_interval=None)
        mark = pair.venue.emulator.engine_for(pair.venue.spec.asset_type).mark_price(
            (await pair.venue.inst()).venue_symbol
        )
        pair.venue.move(mark * Decimal(factor))
        tick = await ours.get_tick(SYMBOL)
        ticker = await pair.theirs.fetch_ticker(pair.symbol)
        assert ticker["last"] == tick.last
        if pair.peer.rest_ticker_has_top:
            assert (ticker["bid"], ticker["ask"]) == (tick.bid, tick.ask)
            assert ticker["bid"] < ticker["ask"]
            volumes = [float(in_base(pair.market, ticker[v])) for v in ("bidVolume", "askVolume")]
            assert volumes == [tick.bid_qty, tick.ask_qty]
        else:
            assert ticker["bid"] is ticker["ask"] is None
        assert (ticker["high"], ticker["low"], ticker["open"]) == (tick.high, tick.low, tick.open)
        assert float(in_base(pair.market, ticker["baseVolume"])) == tick.volume

        book = await ours.get_depth(SYMBOL, LEVELS)
        ob = await pair.theirs.fetch_order_book(pair.symbol, LEVELS)
        assert len(book.bids) == len(book.asks) == LEVELS
        for theirs_side, ours_side in ((ob["bids"], book.bids), (ob["asks"], book.asks)):
            assert [level[0] for level in theirs_side] == [p for p, _ in ours_side]
            assert [float(in_base(pair.market, level[1])) for level in theirs_side] == [
                q for _, q in ours_side
            ]
        assert book.bids[0][0] == tick.bid and book.asks[0][0] == tick.ask


@pytest.mark.parametrize("pair", QUOTED, indirect=True)
async def test_rest_book_sizes_are_the_nearest_floats(pair: Pair) -> None:
    book = await pair.venue.client.get_depth(SYMBOL, LEVELS)
    ob = await pair.theirs.fetch_order_book(pair.symbol, LEVELS)
    market = pair.market
    assert [q for _, q in book.bids] == [float(in_base(market, lvl[1])) for lvl in ob["bids"]]
    assert [q for _, q in book.asks] == [float(in_base(market, lvl[1])) for lvl in ob["asks"]]


@pytest.mark.parametrize("client_order_id", [None, "ccxtagree1"], ids=["ccxt-id", "given-id"])
async def test_an_order_ccxt_placed_is_seen_and_canceled_by_tradeport(
    pair: Pair, client_order_id: str | None
) -> None:
    ours = pair.venue.client
    qty = await pair.venue.small_qty()
    price = await pair.venue.price_under_bid("0.95")
    params = {} if client_order_id is None else {"clientOrderId": client_order_id}
    created = await pair.theirs.create_order(
        pair.symbol, "limit", "buy", in_units(pair.market, qty), float(price), params
    )
    cid = created["clientOrderId"]
    if client_order_id is not None:
        assert cid == client_order_id
    elif not pair.peer.ccxt_client_order_id:
        # an order without a client id: tradeport sees none either
        assert cid is None
        seen = await ours.query_order(SYMBOL, order_id=created["id"])
        assert seen.client_order_id in (None, "") and seen.status is OrderStatus.NEW
        await ours.cancel_order(SYMBOL, order_id=created["id"])
        assert (await pair.fetch_order(created["id"]))["status"] == "canceled"
        return
    assert created["id"] and cid

    by_id = await ours.query_order(SYMBOL, order_id=created["id"])
    by_cid = await ours.query_order(SYMBOL, client_order_id=cid)
    for seen in (by_id, by_cid):
        assert seen.order_id == created["id"] and seen.client_order_id == cid
        assert seen.status is OrderStatus.NEW and seen.side is Side.BUY
        assert (seen.price, seen.qty, seen.filled_qty) == (price, qty, 0)
    assert [o.order_id for o in await ours.get_open_orders(SYMBOL)] == [created["id"]]

    canceled = await ours.cancel_order(SYMBOL, client_order_id=cid)
    assert canceled.order_id == created["id"]
    fetched = await pair.fetch_order(created["id"])
    assert fetched["status"] == "canceled" and fetched["filled"] == 0
    assert fetched["clientOrderId"] == cid and dec(fetched["price"]) == price
    assert await pair.theirs.fetch_open_orders(pair.symbol) == []
    assert (await ours.query_order(SYMBOL, order_id=created["id"])).status is (OrderStatus.CANCELED)


async def test_an_order_tradeport_placed_is_fetched_and_canceled_by_ccxt(pair: Pair) -> None:
    ours = pair.venue.client
    qty = await pair.venue.small_qty() * 2
    price = await pair.venue.price_under_bid("0.96")
    mine = await ours.make_order(SYMBOL, qty, price, "buy-limit")
    assert mine.order_id is not None

    fetched = await pair.fetch_order(mine.order_id)
    assert fetched["status"] == "open" and fetched["side"] == "buy" and fetched["type"] == "limit"
    assert (in_base(pair.market, fetched["amount"]), dec(fetched["price"])) == (qty, price)
    assert fetched["clientOrderId"] == mine.client_order_id
    assert [o["id"] for o in await pair.theirs.fetch_open_orders(pair.symbol)] == [mine.order_id]

    await pair.theirs.cancel_order(mine.order_id, pair.symbol)
    seen = await ours.query_order(SYMBOL, client_order_id=mine.client_order_id)
    assert seen.order_id == mine.order_id and seen.status is OrderStatus.CANCELED
    assert (await pair.fetch_order(mine.order_id))["status"] == "canceled"
    assert await ours.get_open_orders(SYMBOL) == []


async def test_balances_agree_while_an_order_rests(pair: Pair) -> None:
    ours = pair.venue.client
    await pair.balances_agree()
    assert (await ours.get_balance())["USDT"].locked == 0
    qty = await pair.venue.small_qty()
    price = await pair.venue.price_under_bid("0.97")
    created = await pair.theirs.create_order(
        pair.symbol, "limit", "buy", in_units(pair.market, qty), float(price)
    )
    await pair.balances_agree()
    # spot: the order's cost is locked; a swap: its initial margin
    held = (await ours.get_balance())["USDT"].locked
    assert held > 0
    if pair.venue.spec.asset_type is AssetType.SPOT:
        assert held == price * qty
    await ours.cancel_order(SYMBOL, order_id=created["id"])
    await pair.balances_agree()
    assert (await ours.get_balance())["USDT"].locked == 0


async def test_balances_agree_after_a_fill(pair: Pair) -> None:
    ours = pair.venue.client
    before = (await ours.get_balance())["USDT"].total
    await pair.ccxt_buy_filled("0.999", "0.998")

    held = await ours.get_balance()
    await pair.balances_agree(tuple(a for a in ("USDT", "BTC") if a in held))
    assert held["USDT"].total != before  # the fill moved it


@pytest.mark.parametrize("pair", SPOT, indirect=True)
async def test_a_spot_fill_moves_both_coins_alike(pair: Pair) -> None:
    ours = pair.venue.client
    before = await ours.get_balance()
    qty, price, order_id = await pair.ccxt_buy_filled("0.998", "0.999")

    order = await ours.query_order(SYMBOL, order_id=order_id)
    fetched = await pair.fetch_order(order_id)
    assert fetched["status"] == "closed"
    assert (dec(fetched["filled"]), dec(fetched["average"])) == (order.filled_qty, order.avg_price)

    balances = await pair.theirs.fetch_balance()
    after = await ours.get_balance()
    for coin in ("BTC", "USDT"):
        assert dec(balances[coin]["total"]) == after[coin].total, coin
        assert dec(balances[coin]["free"]) == after[coin].free, coin
    # a spot buy pays its fee in the coin received, at the maker rate (it rested)
    fills = await ours.get_deals(SYMBOL, order_id=order_id)
    assert fills and all(f.is_maker and f.fee_asset == "BTC" for f in fills)
    fee = sum((f.fee for f in fills), Decimal(0))
    assert 0 < fee < qty / 100
    trades = [t for t in await pair.theirs.fetch_my_trades(pair.symbol) if t["order"] == order_id]
    assert [t["takerOrMaker"] for t in trades] == ["maker"] * len(fills)
    assert {t["fee"]["currency"] for t in trades} == {"BTC"}
    assert sum(dec(t["fee"]["cost"]) for t in trades) == fee
    for trade in trades:
        if trade["fee"].get("rate") is not None:  # where the venue states the rate
            assert dec(trade["fee"]["cost"]) == dec(trade["amount"]) * dec(trade["fee"]["rate"])
    bought = after["BTC"].total - before["BTC"].total
    assert bought == qty - fee
    assert before["USDT"].total - after["USDT"].total == price * qty


@pytest.mark.parametrize("pair", DERIVATIVES, indirect=True)
async def test_a_swap_fill_leaves_the_same_position_and_balance(pair: Pair) -> None:
    ours = pair.venue.client
    qty, price, _ = await pair.ccxt_buy_filled("0.998", "0.999")

    async def positions_agree() -> Decimal:
        """Both see one long of `qty` at the order's price; returns its unrealised P&L."""
        (theirs_position,) = await pair.theirs.fetch_positions([pair.symbol])
        (mine,) = await ours.get_position(SYMBOL)
        assert theirs_position["side"] == "long" and mine.qty == qty
        assert in_base(pair.market, theirs_position["contracts"]) == mine.qty
        assert dec(theirs_position["entryPrice"]) == mine.entry_price == price
        assert dec(theirs_position["markPrice"]) == mine.mark_price
        assert dec(theirs_position["unrealizedPnl"]) == mine.unrealized_pnl
        assert dec(theirs_position["liquidationPrice"]) == mine.liquidation_price
        if pair.peer.ccxt_position_has_leverage:
            assert theirs_position["leverage"] == mine.leverage
        else:
            assert theirs_position["leverage"] is None
        return mine.unrealized_pnl

    # the market went through the order: the long is at a loss
    assert await positions_agree() < 0
    await pair.balances_agree()
    # and now above it: at a gain
    pair.venue.move(price * Decimal("1.002"))
    assert await positions_agree() > 0
    await pair.balances_agree()

    # ccxt closes it; tradeport sees it gone
    close = {"reduceOnly": True}
    amount = in_units(pair.market, qty)
    await pair.theirs.create_order(pair.symbol, "market", "sell", amount, None, close)
    assert await ours.get_position(SYMBOL) == []
    assert [p for p in await pair.theirs.fetch_positions([pair.symbol]) if p["contracts"]] == []


@pytest.mark.parametrize("pair", DERIVATIVES, indirect=True)
async def test_a_position_of_two_fills_agrees(pair: Pair) -> None:
    ours = pair.venue.client
    inst = await pair.venue.inst()
    qty = await pair.venue.small_qty() * 3
    order = await pair.theirs.create_order(pair.symbol, "market", "buy", in_units(pair.market, qty))
    assert (await ours.query_order(SYMBOL, order_id=order["id"])).status is OrderStatus.FILLED
    # a resting sell the market then walks up to: a second fill at another price
    _, ask = await pair.venue.touch()
    above = quantize_price(inst, ask * Decimal("1.001"))
    sold = await pair.venue.small_qty()
    await ours.make_order(SYMBOL, sold, above, "sell-limit")
    pair.venue.move(above * Decimal("1.002"))

    (mine,) = await ours.get_position(SYMBOL)
    (position,) = await pair.theirs.fetch_positions([pair.symbol])
    assert position["symbol"] == pair.symbol
    side = "long" if mine.qty > 0 else "short"
    assert mine.position_side is PositionSide.BOTH and position["side"] == side
    assert in_base(pair.market, position["contracts"]) == abs(mine.qty) == qty - sold
    assert dec(position["entryPrice"]) == mine.entry_price
    assert dec(position["unrealizedPnl"]) == mine.unrealized_pnl != 0
    await pair.balances_agree()
