"""Spot `GET /api/v3/account/commission`, shaped as the docs' example."""

from __future__ import annotations

from .conftest import RawClient


async def test_commission_rates_of_a_symbol(raw: RawClient) -> None:
    reply = await raw.signed("GET", "/api/v3/account/commission", [("symbol", "BTCUSDT")])
    assert reply.status == 200
    assert set(reply.body) == {
        "symbol",
        "standardCommission",
        "specialCommission",
        "taxCommission",
        "discount",
    }
    account = (await raw.signed("GET", "/api/v3/account")).body
    assert reply.body["standardCommission"] == account["commissionRates"]
    assert reply.body["discount"]["discountAsset"] == "BNB"
    assert reply.headers["X-MBX-USED-WEIGHT-1M"] == "20"
    missing = await raw.signed("GET", "/api/v3/account/commission")
    assert missing.body["code"] == -1102
