"""Fields Bybit's REST rows carry that clients read: the mark-priced (`ByMp`) margin
figures, `spotBorrow`, the break-even price, `extraFees` and
`postOnlyMaxLimitOrderSize`."""

from __future__ import annotations

from decimal import Decimal

from .conftest import RawClient


async def test_wallet_position_order_and_execution_rows_carry_the_newer_fields(
    raw: RawClient,
) -> None:
    assert (await raw.order("linear", "BTCUSDT", "Buy", "0.01")).code == 0
    wallet = (await raw.get("/v5/account/wallet-balance", accountType="UNIFIED")).result
    (account,) = wallet["list"]
    assert account["totalInitialMarginByMp"] == account["totalInitialMargin"] != "0"
    assert {"accountIMRateByMp", "accountMMRateByMp", "totalMaintenanceMarginByMp"} <= set(account)
    assert all(coin["spotBorrow"] == "0" for coin in account["coin"])
    (position,) = (await raw.get("/v5/position/list", category="linear", symbol="BTCUSDT")).result[
        "list"
    ]
    # a long pays the taker fee both ways: it breaks even above its entry
    assert Decimal(position["breakEvenPrice"]) > Decimal(position["avgPrice"])
    assert position["positionIMByMp"] == position["positionIM"]
    (order,) = (await raw.get("/v5/order/history", category="linear")).result["list"]
    (execution,) = (await raw.get("/v5/execution/list", category="linear")).result["list"]
    assert order["extraFees"] == execution["extraFees"] == ""
    spot = await raw.public("/v5/market/instruments-info", category="spot", symbol="BTCUSDT")
    (row,) = spot.result["list"]
    assert (
        row["lotSizeFilter"]["postOnlyMaxLimitOrderSize"]
        == row["lotSizeFilter"]["maxLimitOrderQty"]
    )
