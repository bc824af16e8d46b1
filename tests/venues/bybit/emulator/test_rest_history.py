"""Funding history, open interest and the transaction log, as ccxt's bybit reads them."""

from __future__ import annotations

import itertools
from decimal import Decimal

from tradeport.venues.bybit.emulator import BybitEmulator

from .conftest import RawClient


async def test_funding_history_is_the_flat_rate_every_eight_hours(raw: RawClient) -> None:
    reply = await raw.public(
        "/v5/market/funding/history", category="linear", symbol="BTCUSDT", limit=3
    )
    rows = reply.result["list"]
    times = [int(r["fundingRateTimestamp"]) for r in rows]
    assert [a - b for a, b in itertools.pairwise(times)] == [8 * 3_600_000] * 2
    assert {r["fundingRate"] for r in rows} == {"0.0001"}


async def test_open_interest_and_the_log_follow_a_fill(emu: BybitEmulator, raw: RawClient) -> None:
    assert (await raw.order("linear", "BTCUSDT", "Buy", "0.01")).code == 0
    reply = await raw.public(
        "/v5/market/open-interest", category="linear", symbol="BTCUSDT", intervalTime="5min"
    )
    (row,) = reply.result["list"]
    assert Decimal(row["openInterest"]) >= Decimal("0.01")
    log = (await raw.get("/v5/account/transaction-log", accountType="UNIFIED")).result["list"]
    (entry,) = log
    assert entry["type"] == "TRADE" and entry["category"] == "linear"
    assert Decimal(entry["change"]) == -Decimal(entry["fee"])
    # the unified wallet's USDT (spot and linear together), as wallet-balance shows it
    assert Decimal(entry["cashBalance"]) == await wallet_balance(raw, "USDT")
    bad = await raw.public("/v5/market/open-interest", category="linear", symbol="BTCUSDT")
    assert bad.code == 10001  # intervalTime is required


async def wallet_balance(raw: RawClient, coin: str) -> Decimal:
    return Decimal((await raw.coin(coin))["walletBalance"])


async def test_a_spot_fill_logs_one_row_per_coin_with_its_balance(raw: RawClient) -> None:
    """transaction-log.mdx: spot `qty` is signed per currency, `change = cashFlow +
    funding - fee`, `cashBalance` the wallet balance after the change."""
    before = {coin: await wallet_balance(raw, coin) for coin in ("BTC", "USDT")}
    for side, qty in (("Buy", "0.01"), ("Sell", "0.005")):
        assert (await raw.order("spot", "BTCUSDT", side, qty, marketUnit="baseCoin")).code == 0
    log = (await raw.get("/v5/account/transaction-log", category="spot")).result["list"]
    assert [(r["side"], r["currency"]) for r in log] == [
        ("Sell", "USDT"),
        ("Sell", "BTC"),
        ("Buy", "USDT"),
        ("Buy", "BTC"),
    ]
    sell_usdt, sell_btc, buy_usdt, buy_btc = log
    assert Decimal(buy_btc["qty"]) == Decimal("0.01") and Decimal(sell_btc["qty"]) == -Decimal(
        "0.005"
    )
    assert Decimal(buy_usdt["qty"]) < 0 < Decimal(sell_usdt["qty"])
    # the fee is charged in what arrives: the coin bought, the quote sold for
    assert Decimal(buy_btc["fee"]) > 0 and Decimal(buy_usdt["fee"]) == 0
    assert Decimal(sell_usdt["fee"]) > 0 and Decimal(sell_btc["fee"]) == 0
    for row in log:
        assert Decimal(row["change"]) == Decimal(row["cashFlow"]) - Decimal(row["fee"])
    assert Decimal(buy_btc["cashBalance"]) == before["BTC"] + Decimal(buy_btc["change"])
    assert Decimal(buy_usdt["cashBalance"]) == before["USDT"] + Decimal(buy_usdt["change"])
    after = {coin: await wallet_balance(raw, coin) for coin in ("BTC", "USDT")}
    assert Decimal(sell_btc["cashBalance"]) == after["BTC"]
    assert Decimal(sell_usdt["cashBalance"]) == after["USDT"]
    only_btc = await raw.get("/v5/account/transaction-log", currency="BTC")
    assert [r["id"] for r in only_btc.result["list"]] == [sell_btc["id"], buy_btc["id"]]


async def test_price_limit_is_what_each_category_enforces(
    emu: BybitEmulator, raw: RawClient
) -> None:
    spot = (await raw.public("/v5/market/price-limit", category="spot", symbol="BTCUSDT")).result
    over = str(Decimal(spot["buyLmt"]) + Decimal("0.01"))
    assert (await raw.order("spot", "BTCUSDT", "Buy", "0.001", over)).code == 170193
    assert (await raw.order("spot", "BTCUSDT", "Buy", "0.001", spot["buyLmt"])).code == 0
    linear = (
        await raw.public("/v5/market/price-limit", category="linear", symbol="BTCUSDT")
    ).result
    far = str(Decimal(linear["buyLmt"]) * 2)
    placed = await raw.order("linear", "BTCUSDT", "Buy", "0.01", far)
    # futures move the price to the limit (Bybit's default) and the order goes ahead
    state = await raw.order_state("linear", placed.result["orderId"])
    assert Decimal(state["price"]) == Decimal(linear["buyLmt"])


async def test_risk_limit_is_the_one_tier_positions_sit_in(
    emu: BybitEmulator, raw: RawClient
) -> None:
    reply = await raw.public("/v5/market/risk-limit", category="linear", symbol="BTCUSDT")
    ((tier,), category) = reply.result["list"], reply.result["category"]
    assert category == "linear" and tier["symbol"] == "BTCUSDT"
    spec = next(s for s in emu.linear_symbols if s.symbol == "BTCUSDT")
    assert Decimal(tier["maintenanceMargin"]) == spec.maint_margin_rate
    assert Decimal(tier["initialMargin"]) * spec.max_leverage == 1
    assert (await raw.order("linear", "BTCUSDT", "Buy", "0.01")).code == 0
    positions = await raw.get("/v5/position/list", category="linear", symbol="BTCUSDT")
    (position,) = positions.result["list"]
    assert (position["riskId"], position["riskLimitValue"]) == (tier["id"], tier["riskLimitValue"])
    every = await raw.public("/v5/market/risk-limit", category="linear")
    assert {t["symbol"] for t in every.result["list"]} == {s.symbol for s in emu.linear_symbols}
    assert (await raw.public("/v5/market/risk-limit", category="spot")).code == 10001


async def test_closed_pnl_has_one_row_per_closing_order(emu: BybitEmulator, raw: RawClient) -> None:
    assert (await raw.order("linear", "BTCUSDT", "Buy", "0.02")).code == 0
    assert (await raw.get("/v5/position/closed-pnl", category="linear")).result["list"] == []
    for _ in range(2):
        assert (await raw.order("linear", "BTCUSDT", "Sell", "0.01", reduceOnly=True)).code == 0
    rows = (await raw.get("/v5/position/closed-pnl", category="linear")).result["list"]
    executions = (await raw.get("/v5/execution/list", category="linear")).result["list"]
    by_order: dict[str, list[dict[str, str]]] = {}
    for execution in executions:
        by_order.setdefault(execution["orderId"], []).append(execution)
    opening = next(o for o, e in by_order.items() if e[0]["side"] == "Buy")
    entry_fee = sum(Decimal(e["execFee"]) for e in by_order[opening])
    entry_value = sum(Decimal(e["execValue"]) for e in by_order[opening])
    assert len(rows) == 2 and rows[0]["updatedTime"] >= rows[1]["updatedTime"]
    for row in rows:
        closing = by_order[row["orderId"]]
        exit_value = sum(Decimal(e["execValue"]) for e in closing)
        close_fee = sum(Decimal(e["execFee"]) for e in closing)
        assert (row["side"], row["closedSize"]) == ("Sell", "0.01")
        assert Decimal(row["cumEntryValue"]) == entry_value / 2
        assert Decimal(row["cumExitValue"]) == exit_value
        assert Decimal(row["openFee"]) == entry_fee / 2
        assert Decimal(row["closedPnl"]) == exit_value - entry_value / 2 - entry_fee / 2 - close_fee
    (one,) = (await raw.get("/v5/position/closed-pnl", category="linear", limit=1)).result["list"]
    assert one == rows[0]
