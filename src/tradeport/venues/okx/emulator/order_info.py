"""What OKX shows about an order beyond what the engine keeps: the terms it was placed
with (`tdMode`, `ordType`, `tag`, `tgtCcy`, the user's `clOrdId`), and each position's
margin mode. Shared by REST and the private channels through the emulator's
`order_info`."""

from __future__ import annotations

from dataclasses import dataclass

from tradeport.venues.okx.emulator.ids import InstType

# Orders placed without a `clOrdId` get an engine client id with this prefix, which
# OKX's clOrdId charset (letters and digits) cannot produce; rows show "".
AUTO_CLIENT_PREFIX = "~"
# Terms kept, the oldest orders' forgotten first: more than the engines keep of an
# account's finished orders, so every order a client can still look up has its terms.
TERMS_KEPT = 50_000


@dataclass(frozen=True)
class OrderTerms:
    td_mode: str  # cash / cross / isolated
    ord_type: str  # market / limit / post_only / fok / ioc
    tag: str = ""
    tgt_ccy: str = ""  # spot market orders: base_ccy / quote_ccy
    ccy: str = ""


def client_id_text(client_order_id: str) -> str:
    """The `clOrdId` of an order: what the user gave, or "" when they gave none."""
    return "" if client_order_id.startswith(AUTO_CLIENT_PREFIX) else client_order_id


class OrderInfo:
    def __init__(self) -> None:
        self._terms: dict[tuple[InstType, int], OrderTerms] = {}
        self._margin_modes: dict[tuple[str, str, str], str] = {}
        self._auto_ids = 0

    def next_client_id(self) -> str:
        self._auto_ids += 1
        return f"{AUTO_CLIENT_PREFIX}{self._auto_ids}"

    def record(self, inst_type: InstType, order_id: int, terms: OrderTerms) -> None:
        self._terms[(inst_type, order_id)] = terms
        if len(self._terms) > TERMS_KEPT:
            del self._terms[next(iter(self._terms))]

    def terms(self, inst_type: InstType, order_id: int) -> OrderTerms:
        """The order's terms; orders the engine holds from elsewhere (the synthetic
        market) read as plain limit orders."""
        default = OrderTerms(td_mode="cash" if inst_type == "SPOT" else "cross", ord_type="limit")
        return self._terms.get((inst_type, order_id), default)

    def set_margin_mode(self, account_id: str, inst_id: str, pos_side: str, mode: str) -> None:
        self._margin_modes[(account_id, inst_id, pos_side)] = mode

    def margin_mode(self, account_id: str, inst_id: str, pos_side: str) -> str:
        """`mgnMode` of a position: the tdMode of the orders that built it (default
        cross). The engine margins every position from one cross wallet; isolated is
        reported as asked but not modelled separately."""
        return self._margin_modes.get((account_id, inst_id, pos_side), "cross")
