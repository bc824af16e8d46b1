"""Public endpoints: shapes (the field names of PROTOCOLS.md §3.3 / §3.8 and the docs'
samples), contract sizing of SWAP books and tickers, candle paging."""

from __future__ import annotations

from decimal import Decimal

from tradeport.venues.okx.emulator import OkxEmulator

from .conftest import RawClient, touch

TICKER_FIELDS = {
    "instType", "instId", "last", "lastSz", "askPx", "askSz", "bidPx", "bidSz", "open24h",
    "high24h", "low24h", "volCcy24h", "vol24h", "sodUtc0", "sodUtc8", "ts",
}  # fmt: skip
INSTRUMENT_FIELDS = {
    "instId", "instType", "baseCcy", "quoteCcy", "settleCcy", "ctVal", "ctMult", "ctValCcy",
    "ctType", "tickSz", "lotSz", "minSz", "lever", "maxLmtSz", "maxMktSz", "state",
    "listTime", "uly", "instFamily",
}  # fmt: skip


async def test_server_time_is_the_emulator_clock(emu: OkxEmulator, raw: RawClient) -> None:
    emu.clock_skew_ms = 5_000_000
    (row,) = (await raw.public("/api/v5/public/time")).data
    assert abs(int(row["ts"]) - emu.now_ms()) < 60_000


async def test_swap_instruments_state_contract_terms(raw: RawClient) -> None:
    rows = (await raw.public("/api/v5/public/instruments", instType="SWAP")).data
    btc = next(r for r in rows if r["instId"] == "BTC-USDT-SWAP")
    assert set(btc) >= INSTRUMENT_FIELDS
    assert (btc["ctVal"], btc["ctMult"], btc["ctValCcy"], btc["ctType"]) == (
        "0.01",
        "1",
        "BTC",
        "linear",
    )
    assert (btc["settleCcy"], btc["uly"], btc["instFamily"], btc["state"]) == (
        "USDT",
        "BTC-USDT",
        "BTC-USDT",
        "live",
    )
    # the shared 0.001 BTC step is 0.1 contract of 0.01 BTC
    assert (btc["lotSz"], btc["minSz"], btc["tickSz"], btc["lever"]) == ("0.1", "0.1", "0.1", "125")
    eth = next(r for r in rows if r["instId"] == "ETH-USDT-SWAP")
    assert (eth["ctVal"], eth["lotSz"]) == ("0.1", "0.01")


async def test_spot_instruments_are_in_the_base_currency(raw: RawClient) -> None:
    rows = (await raw.public("/api/v5/public/instruments", instType="SPOT", instId="BTC-USDT")).data
    (btc,) = rows
    assert (btc["baseCcy"], btc["quoteCcy"], btc["ctVal"], btc["settleCcy"]) == (
        "BTC",
        "USDT",
        "",
        "",
    )
    assert (btc["lotSz"], btc["minSz"], btc["tickSz"]) == ("0.00001", "0.00001", "0.01")


async def test_other_inst_types_list_nothing_and_a_bad_one_is_51000(raw: RawClient) -> None:
    assert (
        await raw.public("/api/v5/public/instruments", instType="OPTION", uly="BTC-USD")
    ).data == []
    reply = await raw.public("/api/v5/public/instruments", instType="BOND")
    assert (reply.status, reply.code, reply.body["msg"]) == (
        400,
        "51000",
        "Parameter instType error",
    )
    reply = await raw.public("/api/v5/public/instruments")
    assert (reply.code, reply.body["msg"]) == ("50014", "Parameter instType can not be empty.")


async def test_swap_books_are_in_contracts(emu: OkxEmulator, raw: RawClient) -> None:
    (book,) = (await raw.public("/api/v5/market/books", instId="BTC-USDT-SWAP", sz=3)).data
    assert len(book["asks"]) == len(book["bids"]) == 3 and int(book["ts"]) > 0
    view = emu.swap.depth("BTC-USDT-SWAP", 3)
    assert [Decimal(a[0]) for a in book["asks"]] == [p for p, _ in view.asks]
    # contracts × ctVal = the engine's base quantity
    assert [Decimal(a[1]) * Decimal("0.01") for a in book["asks"]] == [q for _, q in view.asks]
    assert all(len(level) == 4 and level[2] == "0" for level in book["bids"])
    assert [int(a[3]) for a in book["asks"]] == emu.swap.order_counts("BTC-USDT-SWAP", 3)[1]
    assert all(int(level[3]) >= 1 for level in book["asks"] + book["bids"])


async def test_books_default_to_one_level_and_cap_at_400(raw: RawClient) -> None:
    (book,) = (await raw.public("/api/v5/market/books", instId="BTC-USDT")).data
    assert len(book["bids"]) == len(book["asks"]) == 1
    assert (await raw.public("/api/v5/market/books", instId="BTC-USDT", sz=401)).code == "51000"
    assert (await raw.public("/api/v5/market/books", instId="XYZ-USDT")).code == "51001"


async def test_ticker_sizes_follow_the_inst_type(emu: OkxEmulator, raw: RawClient) -> None:
    (swap,) = (await raw.public("/api/v5/market/ticker", instId="BTC-USDT-SWAP")).data
    (spot,) = (await raw.public("/api/v5/market/ticker", instId="BTC-USDT")).data
    assert set(swap) == set(spot) == TICKER_FIELDS
    bid, ask = touch(emu, "BTC-USDT-SWAP")
    assert (Decimal(swap["bidPx"]), Decimal(swap["askPx"])) == (bid, ask)
    # SWAP: vol24h in contracts, volCcy24h in BTC; spot: vol24h in BTC, volCcy24h in USDT
    assert Decimal(swap["vol24h"]) * Decimal("0.01") == Decimal(swap["volCcy24h"])
    assert Decimal(spot["volCcy24h"]) > Decimal(spot["vol24h"])
    rows = (await raw.public("/api/v5/market/tickers", instType="SWAP")).data
    assert {r["instId"] for r in rows} == {"BTC-USDT-SWAP", "ETH-USDT-SWAP", "DOGE-USDT-SWAP"}


async def test_candles_are_newest_first_and_page_with_after_and_before(raw: RawClient) -> None:
    rows = (await raw.public("/api/v5/market/candles", instId="BTC-USDT", bar="1m", limit=5)).data
    stamps = [int(r[0]) for r in rows]
    assert stamps == sorted(stamps, reverse=True) and len(rows) == 5
    assert all(len(r) == 9 for r in rows) and rows[-1][8] == "1"
    older = (
        await raw.public("/api/v5/market/candles", instId="BTC-USDT", after=stamps[2], limit=2)
    ).data
    assert [int(r[0]) for r in older] == stamps[3:5]
    newer = (await raw.public("/api/v5/market/candles", instId="BTC-USDT", before=stamps[2])).data
    assert [int(r[0]) for r in newer] == stamps[:2]


async def test_candle_bars_align_as_okx_documents(raw: RawClient) -> None:
    hour, day = 3_600_000, 86_400_000
    utc = (await raw.public("/api/v5/market/candles", instId="BTC-USDT", bar="1Dutc", limit=2)).data
    hk = (
        await raw.public("/api/v5/market/history-candles", instId="BTC-USDT", bar="1D", limit=2)
    ).data
    assert all(int(r[0]) % day == 0 for r in utc)
    assert all((int(r[0]) + 8 * hour) % day == 0 for r in hk)  # midnight UTC+8
    four = (
        await raw.public("/api/v5/market/candles", instId="BTC-USDT-SWAP", bar="4H", limit=3)
    ).data
    assert all(int(r[0]) % (4 * hour) == 0 for r in four)
    # SWAP candles: vol in contracts, volCcy in BTC
    assert Decimal(four[1][5]) * Decimal("0.01") == Decimal(four[1][6])
    assert (await raw.public("/api/v5/market/candles", instId="BTC-USDT", bar="1s")).code == "51000"


async def test_trades_are_newest_first_with_the_taker_side(raw: RawClient) -> None:
    rows = (await raw.public("/api/v5/market/trades", instId="ETH-USDT-SWAP", limit=3)).data
    assert len(rows) == 3 and {r["side"] for r in rows} <= {"buy", "sell"}
    assert [int(r["tradeId"]) for r in rows] == sorted(
        (int(r["tradeId"]) for r in rows), reverse=True
    )
    assert set(rows[0]) >= {"instId", "tradeId", "px", "sz", "side", "ts"}


async def test_mark_price_and_funding_rate(emu: OkxEmulator, raw: RawClient) -> None:
    (mark,) = (
        await raw.public("/api/v5/public/mark-price", instType="SWAP", instId="BTC-USDT-SWAP")
    ).data
    assert Decimal(mark["markPx"]) == emu.swap.mark_price("BTC-USDT-SWAP")
    (funding,) = (await raw.public("/api/v5/public/funding-rate", instId="BTC-USDT-SWAP")).data
    assert funding["fundingRate"] == "0.0001"
    assert int(funding["nextFundingTime"]) - int(funding["fundingTime"]) == 8 * 3_600_000
    assert int(funding["fundingTime"]) % (8 * 3_600_000) == 0
