"""ccxt, an independent client, and tradeport see the same emulator the same way."""

from decimal import Decimal

import ccxt.async_support as ccxt_async
import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import OrderStatus
from tradeport.venues.base import VenueClient
from tradeport.venues.binance.ccxt_peer import ccxt_config, ccxt_urls
from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator

from .conftest import connect

CASES = [
    ("BINANCE___SPOT", ccxt_async.binance, "spot", "BTC/USDT"),
    ("BINANCE___SWAP", ccxt_async.binanceusdm, "linear", "BTC/USDT:USDT"),
]


@pytest.mark.parametrize(("key", "cls", "market", "ccxt_symbol"), CASES)
async def test_ccxt_and_tradeport_agree(
    emulator: BinanceEmulator, key: str, cls: type, market: str, ccxt_symbol: str
) -> None:
    acct = DEFAULT_ACCOUNTS[0]
    ours: VenueClient = await connect(emulator, key)
    theirs = cls(ccxt_config(acct.api_key, acct.secret, market))
    ccxt_urls(theirs, emulator.base_url)
    try:
        await theirs.load_markets()
        m = theirs.market(ccxt_symbol)
        inst = await ours.instrument("BTC-USDT")
        assert Decimal(str(m["precision"]["price"])) == inst.tick_size
        assert Decimal(str(m["precision"]["amount"])) == inst.step_size

        # the market does not move between the two reads (step_interval=None)
        book = await ours.get_depth("BTC-USDT", 10)
        ob = await theirs.fetch_order_book(ccxt_symbol, 10)
        assert [tuple(lvl[:2]) for lvl in ob["bids"]] == book.bids
        assert [tuple(lvl[:2]) for lvl in ob["asks"]] == book.asks

        tick = await ours.get_tick("BTC-USDT")
        t = await theirs.fetch_ticker(ccxt_symbol)
        assert (t["last"], t["high"], t["low"]) == (tick.last, tick.high, tick.low)

        bal = await ours.get_balance()
        b = await theirs.fetch_balance()
        assert Decimal(str(b["USDT"]["free"])) == bal["USDT"].free

        # an order placed by ccxt is the same order for tradeport, and vice versa
        price = quantize_price(inst, Decimal(str(book.bids[0][0])) * Decimal("0.95"))
        created = await theirs.create_order(ccxt_symbol, "limit", "buy", 0.01, float(price))
        seen = await ours.query_order("BTC-USDT", order_id=created["id"])
        assert seen.status is OrderStatus.NEW and seen.price == price
        assert seen.qty == Decimal("0.01") and seen.client_order_id == created["clientOrderId"]
        mine = await ours.make_order("BTC-USDT", "0.02", price, "buy-limit")
        fetched = await theirs.fetch_order(mine.order_id, ccxt_symbol)
        assert fetched["status"] == "open" and fetched["amount"] == 0.02
        await theirs.cancel_order(created["id"], ccxt_symbol)
        assert (await ours.query_order("BTC-USDT", order_id=created["id"])).status is (
            OrderStatus.CANCELED
        )
        await ours.cancel_order("BTC-USDT", order_id=mine.order_id)
        assert (await theirs.fetch_order(mine.order_id, ccxt_symbol))["status"] == "canceled"
    finally:
        await theirs.close()
        await ours.close()
