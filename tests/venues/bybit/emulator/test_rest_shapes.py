"""Every field of the docs' sample rows is in the emulator's rows, with the same JSON
type (samples: tests/venues/bybit/data/emu_rest_doc_samples.json, each naming its page)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tradeport.venues.bybit.emulator import BybitEmulator

from .conftest import RawClient, touch

SAMPLES = json.loads(
    (Path(__file__).parents[1] / "data" / "emu_rest_doc_samples.json").read_text()
)["samples"]


def differences(doc: Any, ours: Any, path: str = "") -> list[str]:
    """Where `ours` lacks a documented field or gives it another JSON type."""
    if isinstance(doc, dict):
        if not isinstance(ours, dict):
            return [f"{path or '<row>'}: expected an object"]
        out = []
        for key, value in doc.items():
            if key not in ours:
                out.append(f"{path}{key}: missing")
            else:
                out += differences(value, ours[key], f"{path}{key}.")
        return out
    if isinstance(doc, list):
        if not isinstance(ours, list) or not ours:
            return [f"{path}: expected a non-empty list"]
        return differences(doc[0], ours[0], f"{path}[0].") if doc else []
    if type(doc) is not type(ours):
        return [f"{path.rstrip('.')}: {type(ours).__name__} instead of {type(doc).__name__}"]
    return []


async def ours(name: str, emu: BybitEmulator, raw: RawClient) -> Any:
    """The emulator's row of the same kind as sample `name`."""
    if name.startswith("instrument_"):
        category = name.removeprefix("instrument_")
        result = (await raw.public("/v5/market/instruments-info", category=category)).result
        return result["list"][0]
    if name.startswith("ticker_"):
        category = name.removeprefix("ticker_")
        result = (
            await raw.public("/v5/market/tickers", category=category, symbol="BTCUSDT")
        ).result
        return result["list"][0]
    if name == "wallet_account":
        return (await raw.get("/v5/account/wallet-balance", accountType="UNIFIED")).result["list"][
            0
        ]
    # trading rows: one linear order resting and one market order filled
    bid, _ = touch(emu, "linear", "ETHUSDT")
    resting = await raw.order("linear", "ETHUSDT", "Buy", "0.1", str(bid - 10), orderLinkId="s1")
    await raw.order("linear", "ETHUSDT", "Buy", "0.1")
    if name == "order_linear":
        return await raw.order_state("linear", resting.result["orderId"])
    if name == "execution_linear":
        return (await raw.get("/v5/execution/list", category="linear")).result["list"][0]
    assert name == "position_linear"
    return (await raw.get("/v5/position/list", category="linear", symbol="ETHUSDT")).result["list"][
        0
    ]


@pytest.mark.parametrize("name", sorted(SAMPLES))
async def test_rows_carry_every_documented_field(
    emu: BybitEmulator, raw: RawClient, name: str
) -> None:
    row = await ours(name, emu, raw)
    assert differences(SAMPLES[name]["row"], row) == []


def test_the_comparison_notices_a_missing_field_and_a_wrong_type() -> None:
    doc = {"a": "1", "b": {"c": 2}, "d": [{"e": True}]}
    assert differences(doc, {"a": "1", "b": {"c": 2}, "d": [{"e": True}], "x": 0}) == []
    assert differences(doc, {"a": 1, "b": {}, "d": [{"e": "true"}]}) == [
        "a: int instead of str",
        "b.c: missing",
        "d.[0].e: str instead of bool",
    ]
