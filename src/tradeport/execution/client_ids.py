"""Client order ids derived from intent ids: the same intent id always gives the same
client id on a venue, so a resubmitted intent (after a timeout, a crash, a restart) is
found at the venue instead of placed twice.

An intent id the venue's rule accepts and that has no capital letter is used as it is
(readable in the venue's own tools); any other becomes a short prefix and a hash of the
intent id, in lower-case letters and digits that every venue's charset carries. Capitals
are hashed because BingX lower-cases client ids: a lookup by the id we sent must find
the order whatever the venue did to its case (`client_id_key` compares that way)."""

from __future__ import annotations

import hashlib
import re

from tradeport.model.errors import BadParameter

PREFIX = "t0"  # a digit, so the id is never letters only (BingX's rule)
# hash lengths tried longest first: 30 hex digits (120 bits) fit every venue's 32+
_HASH_LENGTHS = (30, 22, 14)


def hashed_client_id(intent_id: str, length: int = _HASH_LENGTHS[0]) -> str:
    """The prefix and the first `length` hex digits of the intent id's SHA-256."""
    return PREFIX + hashlib.sha256(intent_id.encode()).hexdigest()[:length]


def client_order_id_for(intent_id: str, pattern: re.Pattern[str] | None, venue: str = "") -> str:
    """The client order id of `intent_id` within the venue's rule (`pattern`, which the
    id must match in full; None: any non-empty text)."""
    if not intent_id:
        raise BadParameter("intent_id must be a non-empty string")
    if pattern is None:
        return intent_id
    if intent_id == intent_id.lower() and pattern.fullmatch(intent_id):
        return intent_id
    for length in _HASH_LENGTHS:
        candidate = hashed_client_id(intent_id, length)
        if pattern.fullmatch(candidate):
            return candidate
    raise BadParameter(
        f"no client order id for intent {intent_id!r} fits {venue or 'the venue'}'s rule"
        f" {pattern.pattern!r}"
    )


def client_id_key(client_order_id: str) -> str:
    """What names an order whatever the venue did to its client id's case (BingX gives
    ours back lower-cased): ids are compared and looked up by this key."""
    return client_order_id.lower()
