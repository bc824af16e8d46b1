"""Older trades, funding history, open interest, price limits, maximum order sizes,
bills and closing a position, as python-okx and ccxt call them."""

from __future__ import annotations

import itertools
from decimal import Decimal

from tradeport.venues.okx.emulator import OkxEmulator

from .conftest import RawClient, touch

SWAP = "BTC-USDT-SWAP"


async def test_history_trades_page_back_by_trade_id(emu: OkxEmulator, raw: RawClient) -> None:
    newest = (await raw.public("/api/v5/market/history-trades", instId="BTC-USDT", limit=5)).data
    assert len(newest) == 5
    ids = [int(t["tradeId"]) for t in newest]
    assert ids == sorted(ids, reverse=True)
    older = await raw.public(
        "/api/v5/market/history-trades", instId="BTC-USDT", after=ids[-1], limit=5
    )
    assert all(int(t["tradeId"]) < ids[-1] for t in older.data) and len(older.data) == 5


async def test_funding_history_is_the_flat_rate_every_eight_hours(raw: RawClient) -> None:
    rows = (await raw.public("/api/v5/public/funding-rate-history", instId=SWAP, limit=3)).data
    times = [int(r["fundingTime"]) for r in rows]
    assert [a - b for a, b in itertools.pairwise(times)] == [8 * 3_600_000] * 2
    assert {r["fundingRate"] for r in rows} == {"0.0001"}


async def test_price_limit_is_what_the_engine_enforces(emu: OkxEmulator, raw: RawClient) -> None:
    (row,) = (await raw.public("/api/v5/public/price-limit", instId=SWAP)).data
    buy, sell = Decimal(row["buyLmt"]), Decimal(row["sellLmt"])
    assert row["enabled"] is True and sell < buy
    over = (await raw.order(SWAP, "buy", "1", str(buy + Decimal("0.1")))).item
    assert over["sCode"] == "51006"
    at = (await raw.order(SWAP, "buy", "1", str(buy))).item
    assert at["sCode"] == "0"


async def test_max_size_follows_the_free_balance(emu: OkxEmulator, raw: RawClient) -> None:
    (spot,) = (
        await raw.get("/api/v5/account/max-size", instId="BTC-USDT", tdMode="cash", px="50000")
    ).data
    # what the spot side may spend (the account view adds the SWAP side's USDT to it)
    held = emu.spot.balances(emu.keys.refs[0].engine_id)
    usdt, btc = held["USDT"][0], held["BTC"][0]
    assert Decimal(spot["maxBuy"]) == (usdt / 50000).quantize(Decimal("0.00000001"), "ROUND_DOWN")
    assert Decimal(spot["maxSell"]) == btc
    (swap,) = (await raw.get("/api/v5/account/max-size", instId=SWAP, tdMode="cross")).data
    assert Decimal(swap["maxBuy"]) > 0 and swap["ccy"] == "USDT"


async def test_close_position_flattens_it_and_bills_show_the_fills(
    emu: OkxEmulator, raw: RawClient
) -> None:
    assert (await raw.order(SWAP, "buy", "2")).item["sCode"] == "0"
    (interest,) = (
        await raw.public("/api/v5/public/open-interest", instType="SWAP", instId=SWAP)
    ).data
    assert Decimal(interest["oi"]) >= 2
    closed = await raw.post("/api/v5/trade/close-position", {"instId": SWAP, "mgnMode": "cross"})
    assert closed.data == [{"instId": SWAP, "posSide": "net", "clOrdId": "", "tag": ""}]
    assert (await raw.get("/api/v5/account/positions", instId=SWAP)).data == []
    again = await raw.post("/api/v5/trade/close-position", {"instId": SWAP, "mgnMode": "cross"})
    assert again.code == "51023"
    bills = (await raw.get("/api/v5/account/bills", instType="SWAP")).data
    assert [b["subType"] for b in bills] == ["2", "1"]  # newest first: the close, the open
    assert all(b["ccy"] == "USDT" and Decimal(b["fee"]) < 0 for b in bills)
    _, ask = touch(emu, SWAP)
    assert ask > 0


async def test_open_interest_history_is_todays_interest_for_the_current_period(
    emu: OkxEmulator, raw: RawClient
) -> None:
    assert (await raw.order(SWAP, "buy", "3")).item["sCode"] == "0"
    path = "/api/v5/rubik/stat/contracts/open-interest-history"
    reply = await raw.public(path, instId=SWAP, period="1H")
    assert reply.code == "0"
    ((ts, oi, oi_ccy, oi_usd),) = reply.data
    assert int(ts) % 3_600_000 == 0 and int(ts) <= emu.now_ms()
    assert Decimal(oi) >= 3 and Decimal(oi_ccy) > 0 and Decimal(oi_usd) > 0
    later = await raw.public(path, instId=SWAP, period="1H", begin=str(int(ts) + 1))
    assert later.data == []
    assert (await raw.public(path, instId="NOPE-USDT-SWAP")).code == "51001"


async def test_funding_rate_of_any_lists_every_perpetual(emu: OkxEmulator, raw: RawClient) -> None:
    rows = (await raw.public("/api/v5/public/funding-rate", instId="ANY")).data
    assert [r["instId"] for r in rows] == list(emu.swap.instruments)
    assert {r["fundingRate"] for r in rows} == {"0.0001"}


async def test_bills_archive_and_amend_batch(emu: OkxEmulator, raw: RawClient) -> None:
    assert (await raw.order(SWAP, "buy", "1")).item["sCode"] == "0"
    recent = (await raw.get("/api/v5/account/bills", instType="SWAP")).data
    archive = (await raw.get("/api/v5/account/bills-archive", instType="SWAP")).data
    assert archive == recent and len(archive) == 1
    bid, _ = touch(emu, SWAP)
    placed = await raw.order(
        SWAP, "buy", "1", str((bid * Decimal("0.99")).quantize(Decimal("0.1")))
    )
    ord_id = placed.item["ordId"]
    amended = await raw.post(
        "/api/v5/trade/amend-batch-orders", [{"instId": SWAP, "ordId": ord_id, "newSz": "2"}]
    )
    assert amended.code == "0" and amended.data[0]["sCode"] == "0"
    (resting,) = emu.swap.open_orders(emu.keys.refs[0].engine_id, SWAP)
    assert resting.qty == emu.sizing.to_base(SWAP, Decimal(2))


async def test_positions_history_follows_a_position_to_its_close(
    emu: OkxEmulator, raw: RawClient
) -> None:
    path = "/api/v5/account/positions-history"
    assert (await raw.order(SWAP, "buy", "4")).item["sCode"] == "0"
    assert (await raw.get(path)).data == []  # nothing closed yet
    assert (await raw.order(SWAP, "sell", "1")).item["sCode"] == "0"
    (partial,) = (await raw.get(path, instType="SWAP")).data
    assert (partial["type"], partial["openMaxPos"], partial["closeTotalPos"]) == ("1", "4", "1")
    assert partial["direction"] == "long" and partial["posSide"] == "net"
    assert (await raw.order(SWAP, "sell", "3")).item["sCode"] == "0"
    (closed,) = (await raw.get(path, instId=SWAP)).data
    assert (closed["type"], closed["closeTotalPos"]) == ("2", "4")
    fills = (await raw.get("/api/v5/trade/fills", instId=SWAP)).data
    fees = sum(Decimal(f["fee"]) for f in fills)  # negative: charged
    assert Decimal(closed["fee"]) == fees
    assert Decimal(closed["realizedPnl"]) == Decimal(closed["pnl"]) + fees
    (held,) = (await raw.get("/api/v5/account/positions-history", posId=closed["posId"])).data
    assert held == closed
    assert (await raw.get(path, type="1")).data == []


async def test_position_tiers_are_one_flat_tier_per_perpetual(
    emu: OkxEmulator, raw: RawClient
) -> None:
    path = "/api/v5/public/position-tiers"
    (tier,) = (await raw.public(path, instType="SWAP", tdMode="cross", instFamily="BTC-USDT")).data
    spec = next(s for s in emu.swap_symbols if s.base == "BTC")
    assert (tier["instFamily"], tier["tier"], tier["maxLever"]) == (
        "BTC-USDT",
        "1",
        str(spec.max_leverage),
    )
    assert Decimal(tier["mmr"]) == spec.maint_margin_rate
    assert Decimal(tier["imr"]) * spec.max_leverage == 1
    both = await raw.public(path, instType="SWAP", tdMode="cross", uly="BTC-USDT,ETH-USDT")
    assert [t["uly"] for t in both.data] == ["BTC-USDT", "ETH-USDT"]
    missing = await raw.public(path, instType="SWAP", tdMode="cross")
    assert missing.code == "50014"
