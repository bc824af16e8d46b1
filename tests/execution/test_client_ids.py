"""Client order ids derived from intent ids, within every venue's rule."""

from __future__ import annotations

import re

import pytest

from tradeport.execution.client_ids import client_id_key, client_order_id_for
from tradeport.execution.intent import new_intent_id
from tradeport.model.errors import BadParameter
from tradeport.venues.binance.orders import CLIENT_ID as BINANCE
from tradeport.venues.bingx.orders import CLIENT_ID as BINGX
from tradeport.venues.bybit.orders import CLIENT_ID as BYBIT
from tradeport.venues.okx.orders import CLIENT_ID as OKX

RULES = {"binance": BINANCE, "bingx": BINGX, "bybit": BYBIT, "okx": OKX}
AWKWARD = [
    "parent-7/child:3",  # characters OKX refuses
    "x" * 64,  # longer than any venue takes
    "ALLCAPS",  # BingX lower-cases: capitals are hashed
    "lettersonly",  # BingX wants a digit, - or _
    "stratégie-1",  # not ASCII
]


@pytest.mark.parametrize("venue", sorted(RULES))
@pytest.mark.parametrize("intent_id", [*AWKWARD, new_intent_id()])
def test_every_intent_id_gives_a_client_id_the_venue_accepts(venue: str, intent_id: str) -> None:
    rule = RULES[venue]
    cid = client_order_id_for(intent_id, rule, venue)
    assert rule.fullmatch(cid)
    assert cid == cid.lower()  # survives a venue that lower-cases it
    assert client_order_id_for(intent_id, rule, venue) == cid  # deterministic


def test_an_intent_id_the_venue_accepts_is_used_as_it_is() -> None:
    intent_id = new_intent_id()
    assert all(client_order_id_for(intent_id, rule) == intent_id for rule in RULES.values())


def test_different_intent_ids_give_different_client_ids() -> None:
    ids = {client_order_id_for(f"strategy/leg:{n}", OKX) for n in range(2000)}
    assert len(ids) == 2000


def test_a_rule_nothing_fits_is_refused_naming_it() -> None:
    with pytest.raises(BadParameter, match="fits tiny's rule"):
        client_order_id_for("a/b", re.compile(r"[a-z]{1,4}"), "tiny")
    with pytest.raises(BadParameter, match="non-empty"):
        client_order_id_for("", OKX)


def test_client_ids_compare_whatever_the_venue_did_to_their_case() -> None:
    assert client_id_key("T0abc") == client_id_key("t0ABC")
    assert client_id_key("t0abc") != client_id_key("t0abd")
