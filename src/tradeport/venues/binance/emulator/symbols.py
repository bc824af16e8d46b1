"""The symbols the emulator lists and how `exchangeInfo` announces them.

Filter values are realistic for each market (PROTOCOLS.md §1.8 spot, §2.8 USDⓈ-M): spot
pads to 8 decimals and uses NOTIONAL {minNotional}; USDⓈ-M uses MIN_NOTIONAL {notional}
and carries contractType, marginAsset, pricePrecision and quantityPrecision.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradeport.emulator import decimal_text
from tradeport.emulator.listing import ListingState
from tradeport.emulator.orders import EXPIRE_MAKER, STP_MODES
from tradeport.emulator.price_band import PriceBand
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.binance.emulator.weights import Budget

# `status` by listing state. Spot (§1.8): TRADING, PRE_TRADING, BREAK (a symbol taken
# off trading); spot has no close-only state, BREAK stands for it [?]. USDⓈ-M (§2.8):
# PENDING_TRADING before launch, SETTLING while positions are being wound down
# (close-only) [?], CLOSE once delisted.
SPOT_STATUS = {
    ListingState.TRADING: "TRADING",
    ListingState.CLOSE_ONLY: "BREAK",
    ListingState.PRE_LAUNCH: "PRE_TRADING",
    ListingState.DELISTED: "BREAK",
}
FUTURES_STATUS = {
    ListingState.TRADING: "TRADING",
    ListingState.CLOSE_ONLY: "SETTLING",
    ListingState.PRE_LAUNCH: "PENDING_TRADING",
    ListingState.DELISTED: "CLOSE",
}
Listed = tuple[SymbolSpec, ListingState]
_SPOT_ORDER_TYPES = ["LIMIT", "LIMIT_MAKER", "MARKET"]
# USDⓈ-M conditional types moved to the Algo endpoints (2025-12-09, §2.3)
_FUTURES_ORDER_TYPES = ["LIMIT", "MARKET"]
# The price bands the engines enforce and exchangeInfo announces, one source for both.
# Spot PERCENT_PRICE_BY_SIDE as on BTCUSDT (§1.8): each side between 0.2× and 5× the
# average price (-1013). USDⓈ-M PERCENT_PRICE (§2.8): a buy at most 1.05× the mark price
# (-4016), a sell at least 0.95× (-4024); a MARKET order whose counterparty's best price
# is outside that band is refused (-4131, §2.7). Spot's filter docs name no such check for
# MARKET orders (they have no price), so spot bands limit prices only [?].
SPOT_PRICE_BAND = PriceBand(
    buy_up=Decimal(5), buy_down=Decimal("0.2"), sell_up=Decimal(5), sell_down=Decimal("0.2")
)
FUTURES_PRICE_BAND = PriceBand(buy_up=Decimal("1.05"), sell_down=Decimal("0.95"), market=True)
_AVG_PRICE_MINS = 5
# Spot expires the resting order when an account's taker meets its own maker unless the
# order asks otherwise (defaultSelfTradePreventionMode of BTCUSDT, §1.8). USDⓈ-M's
# order answers show NONE when none is asked for, and the engine does likewise there.
SPOT_SELF_TRADE = EXPIRE_MAKER


def _multiplier(value: Decimal | None, places: int = 0) -> str:
    assert value is not None  # the bands above set every multiplier they announce
    if places:
        return f"{value:.{places}f}"
    return decimal_text.plain(value)


def _spot_filters(s: SymbolSpec) -> list[dict[str, object]]:
    f = decimal_text.spot
    return [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": f(s.min_price),
            "maxPrice": f(s.max_price),
            "tickSize": f(s.tick_size),
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": f(s.min_qty),
            "maxQty": f(s.max_qty),
            "stepSize": f(s.step_size),
        },
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": f(0),
            "maxQty": f(s.market_max_qty),
            "stepSize": f(0),
        },
        {
            "filterType": "NOTIONAL",
            "minNotional": f(s.min_notional),
            "applyMinToMarket": True,
            "maxNotional": f(9000000),
            "applyMaxToMarket": False,
            "avgPriceMins": _AVG_PRICE_MINS,
        },
        {
            "filterType": "PERCENT_PRICE_BY_SIDE",
            "bidMultiplierUp": _multiplier(SPOT_PRICE_BAND.buy_up),
            "bidMultiplierDown": _multiplier(SPOT_PRICE_BAND.buy_down),
            "askMultiplierUp": _multiplier(SPOT_PRICE_BAND.sell_up),
            "askMultiplierDown": _multiplier(SPOT_PRICE_BAND.sell_down),
            "avgPriceMins": _AVG_PRICE_MINS,
        },
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": s.max_num_orders},
    ]


def spot_symbol(s: SymbolSpec, state: ListingState = ListingState.TRADING) -> dict[str, object]:
    return {
        "symbol": s.symbol,
        "status": SPOT_STATUS[state],
        "baseAsset": s.base,
        "baseAssetPrecision": 8,
        "quoteAsset": s.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": list(_SPOT_ORDER_TYPES),
        "icebergAllowed": False,
        "ocoAllowed": False,
        "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": True,
        "amendAllowed": False,
        "pegInstructionsAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": _spot_filters(s),
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": SPOT_SELF_TRADE,
        "allowedSelfTradePreventionModes": list(STP_MODES),
    }


def _futures_filters(s: SymbolSpec) -> list[dict[str, object]]:
    p = decimal_text.plain
    return [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": p(s.min_price),
            "maxPrice": p(s.max_price),
            "tickSize": p(s.tick_size),
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": p(s.min_qty),
            "maxQty": p(s.max_qty),
            "stepSize": p(s.step_size),
        },
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": p(s.min_qty),
            "maxQty": p(s.market_max_qty),
            "stepSize": p(s.step_size),
        },
        {"filterType": "MAX_NUM_ORDERS", "limit": s.max_num_orders},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
        {"filterType": "MIN_NOTIONAL", "notional": p(s.min_notional)},
        {
            "filterType": "PERCENT_PRICE",
            "multiplierUp": _multiplier(FUTURES_PRICE_BAND.buy_up, 4),
            "multiplierDown": _multiplier(FUTURES_PRICE_BAND.sell_down, 4),
            "multiplierDecimal": "4",
        },
    ]


def futures_symbol(s: SymbolSpec, state: ListingState = ListingState.TRADING) -> dict[str, object]:
    return {
        "symbol": s.symbol,
        "pair": s.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,  # Binance's "never" for perpetuals (2100-12-25)
        "onboardDate": 1569398400000,
        "status": FUTURES_STATUS[state],
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": s.base,
        "quoteAsset": s.quote,
        "marginAsset": s.quote,
        "pricePrecision": s.price_precision,
        "quantityPrecision": s.quantity_precision,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": _futures_filters(s),
        "orderTypes": list(_FUTURES_ORDER_TYPES),
        "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
        "permissionSets": ["GRID", "COPY"],
    }


def spot_exchange_info(
    symbols: Sequence[Listed], budgets: Sequence[Budget], server_ms: int
) -> dict[str, object]:
    return {
        "timezone": "UTC",
        "serverTime": server_ms,
        "rateLimits": [b.describe() for b in budgets],
        "exchangeFilters": [],
        "symbols": [spot_symbol(s, state) for s, state in symbols],
    }


def futures_exchange_info(
    symbols: Sequence[Listed], budgets: Sequence[Budget], server_ms: int
) -> dict[str, object]:
    assets = sorted({s.quote for s, _ in symbols})
    return {
        "timezone": "UTC",
        "serverTime": server_ms,
        "futuresType": "U_MARGINED",
        "rateLimits": [b.describe() for b in budgets],
        "exchangeFilters": [],
        "assets": [
            {"asset": a, "marginAvailable": True, "autoAssetExchange": "-10000"} for a in assets
        ],
        "symbols": [futures_symbol(s, state) for s, state in symbols],
    }
