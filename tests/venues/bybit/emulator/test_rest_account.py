"""Positions, leverage, position mode and the unified wallet (PROTOCOLS.md §4.3), and the
account lookups ccxt makes before trading."""

from __future__ import annotations

from decimal import Decimal

from tradeport.venues.bybit.emulator import BybitEmulator

from .conftest import RawClient, touch

D = Decimal
WALLET_TOTALS = {
    "accountType", "totalEquity", "totalWalletBalance", "totalMarginBalance",
    "totalAvailableBalance", "totalPerpUPL", "totalInitialMargin", "totalMaintenanceMargin",
    "accountIMRate", "accountMMRate", "coin",
}  # fmt: skip
COIN_FIELDS = {
    "coin", "equity", "usdValue", "walletBalance", "locked", "unrealisedPnl", "cumRealisedPnl",
    "totalOrderIM", "totalPositionIM", "totalPositionMM", "borrowAmount",
}  # fmt: skip


async def test_wallet_balance_is_one_unified_account_summing_both_ledgers(
    emu: BybitEmulator, raw: RawClient
) -> None:
    result = (await raw.get("/v5/account/wallet-balance", accountType="UNIFIED")).result
    (account,) = result["list"]
    assert set(account) >= WALLET_TOTALS and account["accountType"] == "UNIFIED"
    coins = {c["coin"]: c for c in account["coin"]}
    assert set(coins) == {"BTC", "DOGE", "ETH", "USDT"}
    assert all(set(c) >= COIN_FIELDS for c in coins.values())
    # spot 100000 USDT + linear 100000 USDT (the default accounts)
    assert D(coins["USDT"]["walletBalance"]) == 200_000 == D(coins["USDT"]["equity"])
    btc_usd = D(coins["BTC"]["usdValue"])
    assert btc_usd == 2 * emu.spot.mark_price("BTCUSDT")
    total = sum(D(c["usdValue"]) for c in coins.values())
    assert D(account["totalEquity"]) == total == D(account["totalWalletBalance"])


async def test_wallet_balance_takes_a_coin_list_and_only_unified(raw: RawClient) -> None:
    result = (
        await raw.get("/v5/account/wallet-balance", accountType="UNIFIED", coin="USDT,ETH")
    ).result
    assert [c["coin"] for c in result["list"][0]["coin"]] == ["USDT", "ETH"]
    reply = await raw.get("/v5/account/wallet-balance", accountType="CONTRACT")
    assert reply.code == 10001 and "accountType" in reply.body["retMsg"]


async def test_open_linear_orders_hold_order_margin(emu: BybitEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, "linear", "BTCUSDT")
    price = bid - D(500)
    await raw.order("linear", "BTCUSDT", "Buy", "0.1", str(price))
    usdt = await raw.coin("USDT")
    assert D(usdt["totalOrderIM"]) == price * D("0.1") / 20  # default leverage 20
    assert D(usdt["walletBalance"]) == 200_000


async def test_position_list_shows_a_flat_symbol_and_needs_a_scope(raw: RawClient) -> None:
    (row,) = (await raw.get("/v5/position/list", category="linear", symbol="ETHUSDT")).result[
        "list"
    ]
    assert (row["symbol"], row["side"], row["size"], row["positionIdx"]) == ("ETHUSDT", "", "0", 0)
    assert row["leverage"] == "20" and row["seq"] == -1
    held = (await raw.get("/v5/position/list", category="linear", settleCoin="USDT")).result
    assert held["list"] == [] and held["category"] == "linear"
    assert (await raw.get("/v5/position/list", category="linear")).code == 10001
    assert (await raw.get("/v5/position/list", category="spot", symbol="BTCUSDT")).code == 10001


async def test_a_short_position_and_closing_it(emu: BybitEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, "linear", "ETHUSDT")
    await raw.order("linear", "ETHUSDT", "Sell", "0.5")
    (row,) = (await raw.get("/v5/position/list", category="linear", settleCoin="USDT")).result[
        "list"
    ]
    assert row["side"] == "Sell" and D(row["size"]) == D("0.5") and D(row["avgPrice"]) == bid
    assert D(row["positionValue"]) == bid * D("0.5") and D(row["bustPrice"]) > bid
    close = await raw.order("linear", "ETHUSDT", "Buy", "2", reduceOnly=True)
    assert close.code == 0
    order = await raw.order_state("linear", close.result["orderId"])
    assert D(order["cumExecQty"]) == D("0.5")  # capped at the position
    flat = (await raw.get("/v5/position/list", category="linear", symbol="ETHUSDT")).result
    assert flat["list"][0]["size"] == "0"
    fills = (await raw.get("/v5/execution/list", category="linear", symbol="ETHUSDT")).result
    closing = [f for f in fills["list"] if f["side"] == "Buy"]
    assert sum(D(f["closedSize"]) for f in closing) == D("0.5")


async def test_set_leverage_then_not_modified(emu: BybitEmulator, raw: RawClient) -> None:
    body = {"category": "linear", "symbol": "BTCUSDT", "buyLeverage": "10", "sellLeverage": "10"}
    assert (await raw.post("/v5/position/set-leverage", **body)).result == {}
    assert emu.linear.leverage(raw.emu.keys.refs[0].engine_id, "BTCUSDT") == 10
    again = await raw.post("/v5/position/set-leverage", **body)
    assert (again.code, again.body["retMsg"]) == (110043, "Set leverage not modified")
    too_high = await raw.post(
        "/v5/position/set-leverage", **(body | {"buyLeverage": "500", "sellLeverage": "500"})
    )
    assert too_high.code == 10001
    (row,) = (await raw.get("/v5/position/list", category="linear", symbol="BTCUSDT")).result[
        "list"
    ]
    assert row["leverage"] == "10"


async def test_switch_mode_to_hedge_and_back(emu: BybitEmulator, raw: RawClient) -> None:
    hedge = {"category": "linear", "coin": "USDT", "mode": 3}
    assert (await raw.post("/v5/position/switch-mode", **hedge)).result == {}
    again = await raw.post("/v5/position/switch-mode", **hedge)
    assert (again.code, again.body["retMsg"]) == (110025, "Position mode is not modified")
    # hedge mode: positionIdx names the leg; 0 no longer fits
    wrong = await raw.order("linear", "ETHUSDT", "Buy", "0.1")
    assert wrong.code == 10001 and "position idx" in wrong.body["retMsg"]
    long = await raw.order("linear", "ETHUSDT", "Buy", "0.1", positionIdx=1)
    assert long.code == 0
    rows = (await raw.get("/v5/position/list", category="linear", symbol="ETHUSDT")).result["list"]
    assert [(r["positionIdx"], r["side"]) for r in rows] == [(1, "Buy"), (2, "")]
    refused = await raw.post("/v5/position/switch-mode", category="linear", coin="USDT", mode=0)
    assert refused.code == 110024
    await raw.order("linear", "ETHUSDT", "Sell", "0.1", positionIdx=1, reduceOnly=True)
    back = await raw.post("/v5/position/switch-mode", category="linear", coin="USDT", mode=0)
    assert back.code == 0


async def test_the_account_lookups_ccxt_makes(raw: RawClient) -> None:
    api = (await raw.get("/v5/user/query-api")).result
    assert (api["uta"], api["unified"], api["apiKey"]) == (1, 0, raw.api_key)
    info = (await raw.get("/v5/account/info")).result
    assert info["unifiedMarginStatus"] == 6 and info["marginMode"] == "REGULAR_MARGIN"
    coins = (await raw.get("/v5/asset/coin/query-info")).result["rows"]
    assert {"BTC", "USDT"} <= {c["coin"] for c in coins}
    fees = (await raw.get("/v5/account/fee-rate", category="linear", symbol="BTCUSDT")).result
    assert fees["list"] == [
        {
            "symbol": "BTCUSDT",
            "baseCoin": "BTC",
            "makerFeeRate": "0.0002",
            "takerFeeRate": "0.00055",
        }
    ]
