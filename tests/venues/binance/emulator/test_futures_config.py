"""USDⓈ-M account configuration (symbolConfig, accountConfig, multiAssetsMargin) and
open-interest history (/futures/data/openInterestHist), shaped as the docs' examples."""

from __future__ import annotations

from decimal import Decimal

from tradeport.venues.binance.emulator.market_history import OI_PERIODS

from .conftest import RawClient


async def test_symbol_config_follows_leverage_and_margin_type(raw: RawClient) -> None:
    await raw.signed("POST", "/fapi/v1/leverage", [("symbol", "ETHUSDT"), ("leverage", "7")])
    await raw.signed(
        "POST", "/fapi/v1/marginType", [("symbol", "ETHUSDT"), ("marginType", "ISOLATED")]
    )
    (row,) = (await raw.signed("GET", "/fapi/v1/symbolConfig", [("symbol", "ETHUSDT")])).body
    lever = (await raw.signed("GET", "/fapi/v1/leverageBracket", [("symbol", "ETHUSDT")])).body
    assert row == {
        "symbol": "ETHUSDT",
        "marginType": "ISOLATED",
        "isAutoAddMargin": "false",
        "leverage": 7,
        "maxNotionalValue": row["maxNotionalValue"],
    }
    caps = [b["notionalCap"] for b in lever["brackets"] if b["initialLeverage"] >= 7]
    assert Decimal(row["maxNotionalValue"]) == max(caps)
    every = (await raw.signed("GET", "/fapi/v1/symbolConfig")).body
    assert {r["symbol"] for r in every} == set(raw.emu.futures.instruments)
    unknown = await raw.signed("GET", "/fapi/v1/symbolConfig", [("symbol", "NOPEUSDT")])
    assert unknown.body["code"] == -1121


async def test_multi_assets_mode_switches_and_shows_in_account_config(raw: RawClient) -> None:
    assert (await raw.signed("GET", "/fapi/v1/multiAssetsMargin")).body == {
        "multiAssetsMargin": False
    }
    switched = await raw.signed(
        "POST", "/fapi/v1/multiAssetsMargin", [("multiAssetsMargin", "true")]
    )
    assert switched.body == {"code": 200, "msg": "success"}
    again = await raw.signed("POST", "/fapi/v1/multiAssetsMargin", [("multiAssetsMargin", "true")])
    assert again.status == 400 and again.body["code"] == -4171
    config = (await raw.signed("GET", "/fapi/v1/accountConfig")).body
    assert config["multiAssetsMargin"] is True
    assert config["dualSidePosition"] is False
    assert set(config) == {
        "feeTier",
        "canTrade",
        "canDeposit",
        "canWithdraw",
        "dualSidePosition",
        "updateTime",
        "multiAssetsMargin",
        "tradeGroupId",
    }


async def test_open_interest_history_reads_each_boundary(raw: RawClient) -> None:
    before = (
        await raw.public("/futures/data/openInterestHist", "symbol=ETHUSDT&period=5m&limit=3")
    ).body
    assert len(before) == 3
    assert [r["sumOpenInterest"] for r in before] == ["0.00000000"] * 3
    assert before[1]["timestamp"] - before[0]["timestamp"] == OI_PERIODS["5m"]
    assert set(before[0]) == {"symbol", "sumOpenInterest", "sumOpenInterestValue", "timestamp"}
    placed = await raw.signed(
        "POST",
        "/fapi/v1/order",
        [("symbol", "ETHUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.5")],
    )
    assert placed.status == 200
    now = (await raw.public("/fapi/v1/openInterest", "symbol=ETHUSDT")).body
    later = str(raw.emu.now_ms() + OI_PERIODS["5m"])
    # a boundary after the trade (endTime ahead of now reads as now: shift the clock)
    raw.emu.clock_skew_ms += OI_PERIODS["5m"]
    after = (
        await raw.public("/futures/data/openInterestHist", "symbol=ETHUSDT&period=5m&limit=1")
    ).body
    assert int(later) - after[0]["timestamp"] < OI_PERIODS["5m"]
    assert after[0]["sumOpenInterest"] == f"{Decimal(now['openInterest']):.8f}"
    assert Decimal(after[0]["sumOpenInterest"]) == Decimal("0.5")
    bad = await raw.public("/futures/data/openInterestHist", "symbol=ETHUSDT&period=3m")
    assert bad.body["code"] == -1130
