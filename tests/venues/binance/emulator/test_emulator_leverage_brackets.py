"""GET /fapi/v1/leverageBracket: each symbol's brackets agree with the leverage caps
(maxNotionalValue) and the maintenance rate the engine margins positions at."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from .conftest import RawClient, center_clock

PATH = "/fapi/v1/leverageBracket"


async def test_every_symbol_has_brackets_from_its_leverage_cap_down(raw: RawClient) -> None:
    reply = await raw.signed("GET", PATH)
    assert reply.status == 200
    by_symbol = {entry["symbol"]: entry for entry in reply.body}
    assert set(by_symbol) == {"BTCUSDT", "ETHUSDT", "DOGEUSDT"}
    assert all(set(entry) == {"symbol", "brackets"} for entry in reply.body)

    eth = by_symbol["ETHUSDT"]["brackets"]
    # ETHUSDT: leverage up to 100 (the 125 and 100 brackets merged), one rate of 0.5 %
    assert eth[0] == {
        "bracket": 1,
        "initialLeverage": 100,
        "notionalCap": 600_000,
        "notionalFloor": 0,
        "maintMarginRatio": 0.005,
        "cum": 0.0,
    }
    assert eth[-1]["initialLeverage"] == 1 and eth[-1]["notionalCap"] == 1_800_000_000
    for entry in reply.body:
        brackets = entry["brackets"]
        assert [b["bracket"] for b in brackets] == list(range(1, len(brackets) + 1))
        for lower, upper in pairwise(brackets):
            assert upper["notionalFloor"] == lower["notionalCap"] < upper["notionalCap"]
            assert upper["initialLeverage"] < lower["initialLeverage"]
        assert len({b["maintMarginRatio"] for b in brackets}) == 1
        assert {b["cum"] for b in brackets} == {0.0}
    assert by_symbol["BTCUSDT"]["brackets"][0]["initialLeverage"] == 125
    assert by_symbol["BTCUSDT"]["brackets"][0]["maintMarginRatio"] == 0.004
    assert by_symbol["DOGEUSDT"]["brackets"][0]["initialLeverage"] == 75


async def test_a_bracket_cap_is_the_max_notional_of_its_leverage(raw: RawClient) -> None:
    entry = (await raw.signed("GET", PATH, [("symbol", "ETHUSDT")])).body
    for bracket in entry["brackets"]:
        leverage = str(bracket["initialLeverage"])
        set_to = await raw.signed(
            "POST", "/fapi/v1/leverage", [("symbol", "ETHUSDT"), ("leverage", leverage)]
        )
        assert int(set_to.body["maxNotionalValue"]) == bracket["notionalCap"]


async def test_the_bracket_rate_is_the_positions_maintenance_rate(raw: RawClient) -> None:
    order = [("symbol", "ETHUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.5")]
    assert (await raw.signed("POST", "/fapi/v1/order", order)).status == 200
    (position,) = (await raw.signed("GET", "/fapi/v3/positionRisk")).body
    entry = (await raw.signed("GET", PATH, [("symbol", "ETHUSDT")])).body
    notional = abs(Decimal(position["notional"]))
    (bracket,) = [b for b in entry["brackets"] if b["notionalFloor"] <= notional < b["notionalCap"]]
    rate = Decimal(str(bracket["maintMarginRatio"]))
    assert Decimal(position["maintMargin"]) == notional * rate - Decimal(str(bracket["cum"]))


async def test_one_symbol_is_its_entry_alone_and_an_unknown_one_is_refused(raw: RawClient) -> None:
    # the docs: a list, "OR (if symbol sent)" that symbol's object
    one = await raw.signed("GET", PATH, [("symbol", "DOGEUSDT")])
    every = (await raw.signed("GET", PATH)).body
    assert [one.body] == [e for e in every if e["symbol"] == "DOGEUSDT"]

    nope = await raw.signed("GET", PATH, [("symbol", "NOPEUSDT")])
    assert (nope.status, nope.body) == (400, {"code": -1121, "msg": "Invalid symbol."})


async def test_it_is_signed_and_weighs_one(raw: RawClient) -> None:
    # as at the venue: no key is a 401, a wrong signature a 400
    unsigned = await raw.public(PATH)
    assert (unsigned.status, unsigned.body["code"]) == (401, -2014)
    forged = await raw.signed("GET", PATH, secret="not-the-secret")
    assert (forged.status, forged.body["code"]) == (400, -1022)
    center_clock(raw.emu)
    header = "X-MBX-USED-WEIGHT-1M"
    before = int((await raw.public("/fapi/v1/ping")).headers[header])
    after = int((await raw.signed("GET", PATH)).headers[header])
    assert after - before == 1
