"""ccxt at its default settings drives each emulator through the calls a user makes
first: coin list, trades, candles, tickers, fees, an order placed, amended and
cancelled, a batch, and on perpetuals funding, open interest, positions, leverage and
the ledger. Each call goes the way ccxt goes by default (its own endpoint choice), and
the answer is checked against the emulator's own state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async
import pytest

from tradeport.model import AssetType

from .ccxt_peers import Peer, keys_with_peer, peer
from .conftest import SYMBOL, Venue, running

# Calls a venue's ccxt class does not make (ccxt raises NotSupported before any request)
NOT_IN_CCXT: dict[str, set[str]] = {
    "BINANCE___SPOT": {"batch"},
    "OKX___SPOT": {"cancel_all"},
    "OKX___SWAP": {"cancel_all"},
    # ccxt's bingx has no fetch_ledger, and asks for no coin list in sandbox (VST) mode
    "BINGX___SWAP": {"ledger", "currencies"},
}


@dataclass
class Client:
    venue: Venue
    peer: Peer
    ccxt: Any

    @property
    def symbol(self) -> str:
        return self.peer.symbol(SYMBOL)

    @property
    def swap(self) -> bool:
        return self.venue.spec.asset_type is AssetType.SWAP

    def offers(self, call: str) -> bool:
        return call not in NOT_IN_CCXT.get(self.venue.spec.key, set())

    def require(self, call: str) -> None:
        if not self.offers(call):
            pytest.skip(f"ccxt makes no {call} call on {self.venue.spec.key}")

    async def resting_buy(self, fraction: str) -> tuple[float, float]:
        """(amount, price) of a small buy `fraction` of the bid: inside every price band."""
        book = await self.ccxt.fetch_order_book(self.symbol)
        bid = Decimal(str(book["bids"][0][0]))
        market = self.ccxt.markets[self.symbol]
        per_unit = Decimal(str(market.get("contractSize") or 1))
        inst = await self.venue.inst()
        base = max(inst.min_qty, inst.min_notional * 2 / bid)
        amount = float(self.ccxt.amount_to_precision(self.symbol, float(base / per_unit)))
        amount = max(amount, float(market["limits"]["amount"]["min"] or 0))
        return amount, float(self.ccxt.price_to_precision(self.symbol, bid * Decimal(fraction)))


@pytest.fixture(params=keys_with_peer())
async def client(request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    async with running(request.param) as venue:
        their_peer = peer(venue.spec.key)
        exchange = their_peer.client(ccxt_async, venue.emulator)
        try:
            await exchange.load_markets()
            yield Client(venue, their_peer, exchange)
        finally:
            await exchange.close()


async def test_market_data_at_defaults(client: Client) -> None:
    trades = await client.ccxt.fetch_trades(client.symbol, limit=5)
    assert trades and all(t["price"] > 0 and t["amount"] > 0 for t in trades)
    candles = await client.ccxt.fetch_ohlcv(client.symbol, "1m", limit=3)
    assert candles and all(c[2] >= c[3] for c in candles)
    tickers = await client.ccxt.fetch_tickers([client.symbol])
    assert tickers[client.symbol]["last"] > 0


async def test_fees_and_coins_at_defaults(client: Client) -> None:
    maker, taker = client.venue.emulator.engine_for(client.venue.spec.asset_type).fees
    fee = await client.ccxt.fetch_trading_fee(client.symbol)
    assert (Decimal(str(fee["maker"])), Decimal(str(fee["taker"]))) == (maker, taker)
    if client.offers("currencies"):
        currencies = await client.ccxt.fetch_currencies()
        assert currencies is None or {"BTC", "USDT"} <= set(currencies)


async def test_order_placed_amended_and_cancelled_at_defaults(client: Client) -> None:
    amount, price = await client.resting_buy("0.99")
    placed = await client.ccxt.create_order(client.symbol, "limit", "buy", amount, price)
    _, lower = await client.resting_buy("0.98")
    edited = await client.ccxt.edit_order(
        placed["id"], client.symbol, "limit", "buy", amount, lower
    )
    fetched = await client.ccxt.fetch_order(
        edited["id"], client.symbol, client.peer.fetch_order_params
    )
    assert Decimal(str(fetched["price"])) == Decimal(str(lower))
    await client.ccxt.cancel_order(edited["id"], client.symbol)
    assert not await client.venue.client.get_open_orders(SYMBOL)


async def test_batch_of_orders_at_defaults(client: Client) -> None:
    client.require("batch")
    amount, price = await client.resting_buy("0.97")
    _, other = await client.resting_buy("0.96")
    orders = [
        {"symbol": client.symbol, "type": "limit", "side": "buy", "amount": amount, "price": p}
        for p in (price, other)
    ]
    placed = await client.ccxt.create_orders(orders)
    assert all(o["id"] for o in placed)
    resting = await client.venue.client.get_open_orders(SYMBOL)
    assert sorted(o.order_id for o in resting) == sorted(str(o["id"]) for o in placed)
    if client.offers("cancel_all"):
        await client.ccxt.cancel_all_orders(client.symbol)
        assert not await client.venue.client.get_open_orders(SYMBOL)


async def test_perpetual_account_views_at_defaults(client: Client) -> None:
    if not client.swap:
        pytest.skip("perpetuals only")
    history = await client.ccxt.fetch_funding_rate_history(client.symbol, limit=3)
    assert history and all(h["fundingRate"] == 0.0001 for h in history)
    interest = await client.ccxt.fetch_open_interest(client.symbol)
    assert interest["symbol"] == client.symbol
    await client.ccxt.set_leverage(7, client.symbol, client.peer.set_leverage_params)
    assert await client.venue.client.get_position(SYMBOL) == []
    amount, _ = await client.resting_buy("1")
    await client.ccxt.create_order(client.symbol, "market", "buy", amount)
    positions = await client.ccxt.fetch_positions([client.symbol])
    assert [p["side"] for p in positions if p["contracts"]] == ["long"]
    if client.offers("ledger"):
        ledger = await client.ccxt.fetch_ledger("USDT", params=client.peer.fetch_ledger_params)
        assert any(entry["amount"] for entry in ledger)
