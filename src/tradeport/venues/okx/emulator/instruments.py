"""`/api/v5/public/instruments` rows for the listed symbols (PROTOCOLS.md §3.8; field
set of the docs' Get instruments response and ccxt's recorded samples).

Spot sizes are in the base currency (`maxMktSz` in USDT, as the docs say); SWAP sizes in
contracts of `ctVal` base currency each (`contracts.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.listing import ListingState
from tradeport.emulator.price_band import PriceBand
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.okx.emulator.contracts import Sizing
from tradeport.venues.okx.emulator.ids import inst_id, uly

# The emulator's instruments all "listed" at one fixed moment (2019-01-22, BTC-USDT's
# listing time in ccxt's recorded sample).
LIST_TIME_MS = 1548133413000
SPOT_MAX_MARKET_USDT = Decimal(1_000_000)
MAX_LIMIT_USD = Decimal(20_000_000)
# OKX refuses a buy above its highest buy limit and a sell below its lowest sell limit
# (51006) and publishes both at /api/v5/public/price-limit (buyLmt / sellLmt); it does
# not publish how they are derived. The emulator's are 5 % either side of the mark.
PRICE_BAND = PriceBand(buy_up=Decimal("1.05"), sell_down=Decimal("0.95"))

# `state` by listing state (§3.8): preopen before listing, suspend while trading is
# stopped (OKX has no close-only state; suspend stands for it); a delisted instrument
# is no longer returned at all
STATE = {
    ListingState.TRADING: "live",
    ListingState.CLOSE_ONLY: "suspend",
    ListingState.PRE_LAUNCH: "preopen",
}


SWAP_CODE_BASE = 10_000  # swap codes follow the spot ones, apart


def inst_id_codes(spot: Sequence[SymbolSpec], swap: Sequence[SymbolSpec]) -> dict[str, int]:
    """Each listed instrument's `instIdCode`, the number OKX's WebSocket order entry
    takes in place of `instId`: spot 1, 2, …; swaps 10001, 10002, … in listing order."""
    codes = {inst_id(s, "SPOT"): n for n, s in enumerate(spot, start=1)}
    codes.update({inst_id(s, "SWAP"): SWAP_CODE_BASE + n for n, s in enumerate(swap, start=1)})
    return codes


def _common(
    spec: SymbolSpec, inst: str, inst_type: str, code: int, state: ListingState
) -> dict[str, object]:
    return {
        "alias": "",
        "auctionEndTime": "",
        "category": "1",
        "contTdSwTime": "",
        "expTime": "",
        "futureSettlement": False,
        "instId": inst,
        "instIdCode": code,
        "instType": inst_type,
        "listTime": str(LIST_TIME_MS),
        "maxLmtAmt": plain(MAX_LIMIT_USD),
        "openType": "",
        "optType": "",
        "preMktSwTime": "",
        "ruleType": "normal",
        "state": STATE[state],
        "stk": "",
        "tickSz": plain(spec.tick_size),
    }


def spot_instrument(
    spec: SymbolSpec, sizing: Sizing, code: int, state: ListingState = ListingState.TRADING
) -> dict[str, object]:
    inst = inst_id(spec, "SPOT")
    terms = sizing.terms(inst)
    row = _common(spec, inst, "SPOT", code, state)
    row.update(
        {
            "baseCcy": spec.base,
            "quoteCcy": spec.quote,
            "settleCcy": "",
            "ctMult": "",
            "ctType": "",
            "ctVal": "",
            "ctValCcy": "",
            "groupId": "1",
            "instFamily": "",
            "uly": "",
            "lever": "",  # no margin trading here
            "lotSz": plain(terms.lot_sz),
            "minSz": plain(terms.min_sz),
            "maxLmtSz": plain(terms.max_lmt_sz),
            "maxMktSz": plain(SPOT_MAX_MARKET_USDT),
            "maxMktAmt": plain(SPOT_MAX_MARKET_USDT),
            "maxTwapSz": plain(terms.max_lmt_sz),
            "maxIcebergSz": plain(terms.max_lmt_sz),
            "maxTriggerSz": plain(terms.max_lmt_sz),
            "maxStopSz": plain(SPOT_MAX_MARKET_USDT),
            "tradeQuoteCcyList": [spec.quote],
        }
    )
    return row


def swap_instrument(
    spec: SymbolSpec, sizing: Sizing, code: int, state: ListingState = ListingState.TRADING
) -> dict[str, object]:
    inst = inst_id(spec, "SWAP")
    terms = sizing.terms(inst)
    row = _common(spec, inst, "SWAP", code, state)
    row.update(
        {
            "baseCcy": "",
            "quoteCcy": "",
            "settleCcy": spec.quote,
            "ctMult": "1",
            "ctType": "linear",
            "ctVal": plain(terms.ct_val),
            "ctValCcy": spec.base,
            "groupId": "2",
            "instFamily": uly(inst),
            "uly": uly(inst),
            "lever": str(spec.max_leverage),
            "lotSz": plain(terms.lot_sz),
            "minSz": plain(terms.min_sz),
            "maxLmtSz": plain(terms.max_lmt_sz),
            "maxMktSz": plain(terms.max_mkt_sz),
            "maxMktAmt": "",
            "maxTwapSz": plain(terms.max_lmt_sz),
            "maxIcebergSz": plain(terms.max_lmt_sz),
            "maxTriggerSz": plain(terms.max_lmt_sz),
            "maxStopSz": plain(terms.max_mkt_sz),
            "tradeQuoteCcyList": [],
        }
    )
    return row
