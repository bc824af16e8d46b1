"""The MD5 `sign` rules (PROTOCOLS.md §6.2). No example with an expected value is
published, so each rule is pinned to the MD5 of its string written out by hand, and the
client and the emulator agree on every rule over real requests."""

from typing import Any

import pytest

from tradeport.model.errors import BadParameter, InvalidSignature
from tradeport.venues.btcc.auth import SIGN_RULES, find_sign_rule, md5_hex

from .conftest import Connect

PARAMS = {"token": "abc", "symbol": "BTC/USDT 5x", "accountid": 7}
SECRET = "s3cret"
# rule -> (the string hashed, written out by hand; its MD5)
VECTORS = {
    "sorted": (
        "accountid=7&secret_key=s3cret&symbol=BTC/USDT 5x&token=abc",
        "7c6442407c49b603c238320b9c30bea1",
    ),
    "sorted_encoded": (
        "accountid=7&secret_key=s3cret&symbol=BTC%2FUSDT%205x&token=abc",
        "7b726e76f94992d93b167f9085a79e42",
    ),
    "appended": (
        "accountid=7&symbol=BTC/USDT 5x&token=abc&secret_key=s3cret",
        "cc6348d6236747bd29699afb4db00b5c",
    ),
    "appended_encoded": (
        "accountid=7&symbol=BTC%2FUSDT%205x&token=abc&secret_key=s3cret",
        "7651cdd16884acbc6503a62f736cdee0",
    ),
}


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_each_rule_hashes_the_string_written_out_by_hand(name: str) -> None:
    text, digest = VECTORS[name]
    rule = find_sign_rule(name)
    assert rule.text(PARAMS, SECRET) == text
    assert rule.sign(PARAMS, SECRET) == digest == md5_hex(text)


def test_login_parameters_sort_with_the_secret_among_them() -> None:
    params = {"user_name": "a@b.c", "password": "pw", "company_id": 1, "api_key": "k1"}
    assert find_sign_rule("sorted").sign(params, SECRET) == "d902e1b2d56c3785c141b74c0efa3bfc"


def test_a_sign_already_in_the_parameters_is_not_signed_over() -> None:
    rule = find_sign_rule("sorted")
    assert rule.sign({**PARAMS, "sign": "stale"}, SECRET) == VECTORS["sorted"][1]


def test_the_rules_differ_so_a_wrong_choice_cannot_pass() -> None:
    assert len({rule.sign(PARAMS, SECRET) for rule in SIGN_RULES.values()}) == len(SIGN_RULES)


def test_an_unknown_rule_is_refused_naming_the_rules() -> None:
    with pytest.raises(BadParameter, match="appended_encoded"):
        find_sign_rule("md5")


@pytest.mark.parametrize("emulator_options", [{"sign_rule": name} for name in sorted(VECTORS)])
async def test_client_and_emulator_agree_on_the_same_rule(
    connect: Connect, emulator_options: dict[str, Any]
) -> None:
    client = await connect(sign_rule=emulator_options["sign_rule"])
    balances = await client.get_balance()
    assert balances["USDT"].total > 0


@pytest.mark.parametrize("emulator_options", [{"sign_rule": "appended"}])
async def test_a_client_on_another_rule_is_refused_for_its_signature(
    connect: Connect, emulator_options: dict[str, Any]
) -> None:
    client = await connect(sign_rule="sorted")
    with pytest.raises(InvalidSignature):
        await client.get_balance()
