"""Public market-data endpoints: shapes per category (PROTOCOLS.md §4.3, §4.8) and their
agreement with the engine behind them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeport.venues.bybit.emulator import BybitEmulator
from tradeport.venues.bybit.emulator.ids import public_trade_id_text

from .conftest import RawClient

LINEAR_TICKER = {
    "symbol", "lastPrice", "indexPrice", "markPrice", "prevPrice24h", "price24hPcnt",
    "highPrice24h", "lowPrice24h", "prevPrice1h", "openInterest", "openInterestValue",
    "turnover24h", "volume24h", "fundingRate", "nextFundingTime", "predictedDeliveryPrice",
    "basisRate", "deliveryFeeRate", "deliveryTime", "bid1Price", "bid1Size", "ask1Price",
    "ask1Size", "fundingIntervalHour", "fundingCap",
}  # fmt: skip
SPOT_TICKER = {
    "symbol", "bid1Price", "bid1Size", "ask1Price", "ask1Size", "lastPrice", "prevPrice24h",
    "price24hPcnt", "highPrice24h", "lowPrice24h", "turnover24h", "volume24h", "usdIndexPrice",
}  # fmt: skip


async def test_server_time_is_the_emulator_clock(emu: BybitEmulator, raw: RawClient) -> None:
    emu.clock_skew_ms = 86_400_000
    reply = await raw.public("/v5/market/time")
    result = reply.result
    assert int(result["timeNano"]) // 1_000_000_000 == int(result["timeSecond"])
    assert abs(int(result["timeSecond"]) * 1000 - emu.now_ms()) < 2000
    assert abs(reply.body["time"] - emu.now_ms()) < 2000


async def test_linear_instruments_carry_the_contract_filters(raw: RawClient) -> None:
    result = (await raw.public("/v5/market/instruments-info", category="linear")).result
    rows = {row["symbol"]: row for row in result["list"]}
    btc = rows["BTCUSDT"]
    assert btc["contractType"] == "LinearPerpetual" and btc["status"] == "Trading"
    assert (btc["baseCoin"], btc["quoteCoin"], btc["settleCoin"]) == ("BTC", "USDT", "USDT")
    assert btc["priceFilter"] == {"minPrice": "556.8", "maxPrice": "4529764", "tickSize": "0.1"}
    assert btc["lotSizeFilter"]["qtyStep"] == "0.001"
    assert btc["lotSizeFilter"]["minNotionalValue"] == "5"  # as the docs sample says
    assert btc["leverageFilter"]["maxLeverage"] == "125.00"
    assert btc["priceScale"] == "2" and result["nextPageCursor"] == ""


async def test_spot_instruments_use_base_precision_and_min_amount(raw: RawClient) -> None:
    result = (await raw.public("/v5/market/instruments-info", category="spot")).result
    rows = {row["symbol"]: row for row in result["list"]}
    lot = rows["DOGEUSDT"]["lotSizeFilter"]
    assert lot["basePrecision"] == "1" and lot["minOrderQty"] == "1"
    assert lot["minOrderAmt"] == "1" and rows["DOGEUSDT"]["priceFilter"] == {"tickSize": "0.00001"}
    assert "leverageFilter" not in rows["DOGEUSDT"] and "nextPageCursor" not in result


async def test_linear_instruments_page_with_the_cursor(raw: RawClient) -> None:
    seen: list[str] = []
    cursor = ""
    for _ in range(5):
        query = {"category": "linear", "limit": 2} | ({"cursor": cursor} if cursor else {})
        result = (await raw.public("/v5/market/instruments-info", **query)).result
        seen += [row["symbol"] for row in result["list"]]
        cursor = result["nextPageCursor"]
        if not cursor:
            break
    assert seen == ["BTCUSDT", "ETHUSDT", "DOGEUSDT"]


async def test_categories_not_traded_here_list_nothing(raw: RawClient) -> None:
    for category in ("inverse", "option"):
        result = (await raw.public("/v5/market/instruments-info", category=category)).result
        assert result["list"] == []


@pytest.mark.parametrize(("category", "fields"), [("linear", LINEAR_TICKER), ("spot", SPOT_TICKER)])
async def test_tickers_have_the_categorys_field_set_and_the_books_touch(
    emu: BybitEmulator, raw: RawClient, category: str, fields: set[str]
) -> None:
    result = (await raw.public("/v5/market/tickers", category=category, symbol="ETHUSDT")).result
    (row,) = result["list"]
    assert fields <= set(row) and result["category"] == category
    if category == "spot":
        assert "markPrice" not in row and "fundingRate" not in row
    view = emu.engine(category).depth("ETHUSDT", 1)
    assert Decimal(row["bid1Price"]) == view.bids[0][0]
    assert Decimal(row["ask1Size"]) == view.asks[0][1]
    last = emu.engine(category).last_price("ETHUSDT")
    assert Decimal(row["lastPrice"]) == last


async def test_all_tickers_of_a_category(raw: RawClient) -> None:
    result = (await raw.public("/v5/market/tickers", category="spot")).result
    assert [row["symbol"] for row in result["list"]] == ["BTCUSDT", "ETHUSDT", "DOGEUSDT"]


async def test_orderbook_shape_default_depths_and_update_id(
    emu: BybitEmulator, raw: RawClient
) -> None:
    spot = (await raw.public("/v5/market/orderbook", category="spot", symbol="BTCUSDT")).result
    assert (len(spot["b"]), len(spot["a"])) == (1, 1)  # spot's default limit is 1
    linear = (await raw.public("/v5/market/orderbook", category="linear", symbol="BTCUSDT")).result
    assert set(linear) == {"s", "b", "a", "ts", "u", "seq", "cts"}
    assert len(linear["b"]) == len(linear["a"]) == 20  # all the synthetic book holds (< 25)
    bids = [Decimal(p) for p, _ in linear["b"]]
    asks = [Decimal(p) for p, _ in linear["a"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks) and bids[0] < asks[0]
    view = emu.linear.depth("BTCUSDT", 1000)
    assert linear["seq"] == view.update_id
    assert [[Decimal(p), Decimal(q)] for p, q in linear["b"]] == [list(lv) for lv in view.bids]
    emu.move_to("linear", "BTCUSDT", Decimal(66000))
    again = (await raw.public("/v5/market/orderbook", category="linear", symbol="BTCUSDT")).result
    assert again["u"] > linear["u"] and again["seq"] == emu.linear.depth("BTCUSDT", 1).update_id


async def test_orderbook_limit_is_checked(raw: RawClient) -> None:
    reply = await raw.public("/v5/market/orderbook", category="linear", symbol="BTCUSDT", limit=0)
    assert reply.code == 10001 and "limit" in reply.body["retMsg"]
    reply = await raw.public("/v5/market/orderbook", category="linear", symbol="NOPEUSDT")
    assert reply.code == 10001 and "symbol" in reply.body["retMsg"]
    reply = await raw.public("/v5/market/orderbook", symbol="BTCUSDT")
    assert reply.code == 10001 and "category" in reply.body["retMsg"]


async def test_klines_come_newest_first_in_the_documented_row_shape(
    emu: BybitEmulator, raw: RawClient
) -> None:
    result = (
        await raw.public(
            "/v5/market/kline", category="linear", symbol="BTCUSDT", interval="5", limit=3
        )
    ).result
    rows = result["list"]
    assert (result["category"], result["symbol"], len(rows)) == ("linear", "BTCUSDT", 3)
    starts = [int(row[0]) for row in rows]
    assert starts == sorted(starts, reverse=True) and starts[0] - starts[1] == 300_000
    assert all(len(row) == 7 and all(isinstance(v, str) for v in row) for row in rows)
    engine_bars = emu.linear.klines("BTCUSDT", 300_000, None, None, 3)
    assert Decimal(rows[0][4]) == engine_bars[-1].close
    assert Decimal(rows[-1][6]) == engine_bars[0].quote_volume


@pytest.mark.parametrize(
    "interval", ["1", "3", "15", "30", "60", "120", "240", "360", "720", "D", "W", "M"]
)
async def test_every_documented_interval_is_served(raw: RawClient, interval: str) -> None:
    reply = await raw.public(
        "/v5/market/kline", category="spot", symbol="ETHUSDT", interval=interval, limit=2
    )
    rows = reply.result["list"]
    assert 1 <= len(rows) <= 2
    assert all(Decimal(r[2]) >= Decimal(r[3]) for r in rows)  # high >= low


async def test_an_unknown_interval_is_refused(raw: RawClient) -> None:
    reply = await raw.public("/v5/market/kline", category="spot", symbol="ETHUSDT", interval="2")
    assert reply.code == 10001 and "interval" in reply.body["retMsg"]


async def test_recent_trades_are_the_tape_newest_first(emu: BybitEmulator, raw: RawClient) -> None:
    emu.move_to("linear", "ETHUSDT", Decimal(3600))  # prints trades on the way
    result = (
        await raw.public("/v5/market/recent-trade", category="linear", symbol="ETHUSDT", limit=3)
    ).result
    tape = emu.linear.recent_trades("ETHUSDT", 3)
    rows = result["list"]
    assert [row["execId"] for row in rows] == [
        public_trade_id_text("linear", t.trade_id) for t in reversed(tape)
    ]
    top = tape[-1]
    assert Decimal(rows[0]["price"]) == top.price and Decimal(rows[0]["size"]) == top.qty
    assert rows[0]["side"] == ("Sell" if top.buyer_is_maker else "Buy")
    assert rows[0]["time"] == str(top.ts_ms) and rows[0]["isBlockTrade"] is False


async def test_an_unknown_path_is_route_not_found(raw: RawClient) -> None:
    reply = await raw.public("/v5/market/nothing-here")
    assert (reply.status, reply.code) == (404, 10017)
    reply = await raw.send("POST", "/v5/market/time")
    assert (reply.status, reply.code) == (404, 10017)
