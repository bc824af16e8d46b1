"""The symbols the emulator lists and how `exchangeInfo` announces them.

Filter values are realistic for each market (PROTOCOLS.md §1.8 spot, §2.8 USDⓈ-M): spot
pads to 8 decimals and uses NOTIONAL {minNotional}; USDⓈ-M uses MIN_NOTIONAL {notional}
and carries contractType, marginAsset, pricePrecision and quantityPrecision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradeport.emulator.engine import EngineInstrument
from tradeport.venues.binance.emulator import decimal_text
from tradeport.venues.binance.emulator.weights import Budget

D = Decimal
DEFAULT_MAINT_MARGIN_RATE = Decimal("0.004")


@dataclass(frozen=True)
class SymbolSpec:
    symbol: str
    base: str
    quote: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal  # MARKET_LOT_SIZE maxQty
    min_notional: Decimal
    start_price: Decimal
    min_price: Decimal
    max_price: Decimal
    price_precision: int  # USDⓈ-M pricePrecision
    quantity_precision: int  # USDⓈ-M quantityPrecision
    max_leverage: int = 125
    maint_margin_rate: Decimal = DEFAULT_MAINT_MARGIN_RATE
    max_num_orders: int = 200

    def engine(self) -> EngineInstrument:
        return EngineInstrument(
            symbol=self.symbol,
            base=self.base,
            quote=self.quote,
            tick_size=self.tick_size,
            step_size=self.step_size,
            min_qty=self.min_qty,
            max_qty=self.max_qty,
            min_notional=self.min_notional,
            start_price=self.start_price,
            max_leverage=self.max_leverage,
            maint_margin_rate=self.maint_margin_rate,
        )


def _usdt(symbol: str, **fields: object) -> SymbolSpec:
    """A `<BASE>USDT` symbol; decimals given as strings."""
    values = {k: D(v) if isinstance(v, str) else v for k, v in fields.items()}
    return SymbolSpec(symbol=symbol, base=symbol.removesuffix("USDT"), quote="USDT", **values)  # type: ignore[arg-type]


# Spot values follow the live BTCUSDT / ETHUSDT / DOGEUSDT filters (§1.8). The precision
# fields are USDⓈ-M-only and unused for spot.
SPOT_SYMBOLS: tuple[SymbolSpec, ...] = (
    _usdt(
        "BTCUSDT",
        tick_size="0.01",
        step_size="0.00001",
        min_qty="0.00001",
        max_qty="9000",
        market_max_qty="120",
        min_notional="5",
        start_price="65000",
        min_price="0.01",
        max_price="1000000",
        price_precision=2,
        quantity_precision=5,
    ),
    _usdt(
        "ETHUSDT",
        tick_size="0.01",
        step_size="0.0001",
        min_qty="0.0001",
        max_qty="9000",
        market_max_qty="2000",
        min_notional="5",
        start_price="3500",
        min_price="0.01",
        max_price="1000000",
        price_precision=2,
        quantity_precision=4,
    ),
    _usdt(
        "DOGEUSDT",
        tick_size="0.00001",
        step_size="1",
        min_qty="1",
        max_qty="9000000",
        market_max_qty="2500000",
        min_notional="1",
        start_price="0.1",
        min_price="0.00001",
        max_price="1000",
        price_precision=5,
        quantity_precision=0,
    ),
)

# USDⓈ-M perpetuals (§2.8): MIN_NOTIONAL is 100 / 20 / 5 USDT, leverage caps 125 / 100 / 75.
FUTURES_SYMBOLS: tuple[SymbolSpec, ...] = (
    _usdt(
        "BTCUSDT",
        tick_size="0.10",
        step_size="0.001",
        min_qty="0.001",
        max_qty="1000",
        market_max_qty="120",
        min_notional="100",
        start_price="65000",
        min_price="556.80",
        max_price="4529764",
        price_precision=2,
        quantity_precision=3,
        max_leverage=125,
        maint_margin_rate="0.004",
    ),
    _usdt(
        "ETHUSDT",
        tick_size="0.01",
        step_size="0.001",
        min_qty="0.001",
        max_qty="10000",
        market_max_qty="2000",
        min_notional="20",
        start_price="3500",
        min_price="39.86",
        max_price="306177",
        price_precision=2,
        quantity_precision=3,
        max_leverage=100,
        maint_margin_rate="0.005",
    ),
    _usdt(
        "DOGEUSDT",
        tick_size="0.00001",
        step_size="1",
        min_qty="1",
        max_qty="50000000",
        market_max_qty="30000000",
        min_notional="5",
        start_price="0.1",
        min_price="0.00244",
        max_price="30",
        price_precision=6,
        quantity_precision=0,
        max_leverage=75,
        maint_margin_rate="0.005",
    ),
)

_SPOT_ORDER_TYPES = ["LIMIT", "LIMIT_MAKER", "MARKET"]
# USDⓈ-M conditional types moved to the Algo endpoints (2025-12-09, §2.3)
_FUTURES_ORDER_TYPES = ["LIMIT", "MARKET"]


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
            "avgPriceMins": 5,
        },
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": s.max_num_orders},
    ]


def spot_symbol(s: SymbolSpec) -> dict[str, object]:
    return {
        "symbol": s.symbol,
        "status": "TRADING",
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
        "cancelReplaceAllowed": False,
        "amendAllowed": False,
        "pegInstructionsAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": _spot_filters(s),
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "NONE",
        "allowedSelfTradePreventionModes": ["NONE"],
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
            "multiplierUp": "1.0500",
            "multiplierDown": "0.9500",
            "multiplierDecimal": "4",
        },
    ]


def futures_symbol(s: SymbolSpec) -> dict[str, object]:
    return {
        "symbol": s.symbol,
        "pair": s.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,  # Binance's "never" for perpetuals (2100-12-25)
        "onboardDate": 1569398400000,
        "status": "TRADING",
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
    symbols: Sequence[SymbolSpec], budgets: Sequence[Budget], server_ms: int
) -> dict[str, object]:
    return {
        "timezone": "UTC",
        "serverTime": server_ms,
        "rateLimits": [b.describe() for b in budgets],
        "exchangeFilters": [],
        "symbols": [spot_symbol(s) for s in symbols],
    }


def futures_exchange_info(
    symbols: Sequence[SymbolSpec], budgets: Sequence[Budget], server_ms: int
) -> dict[str, object]:
    assets = sorted({s.quote for s in symbols})
    return {
        "timezone": "UTC",
        "serverTime": server_ms,
        "futuresType": "U_MARGINED",
        "rateLimits": [b.describe() for b in budgets],
        "exchangeFilters": [],
        "assets": [
            {"asset": a, "marginAvailable": True, "autoAssetExchange": "-10000"} for a in assets
        ],
        "symbols": [futures_symbol(s) for s in symbols],
    }


def synthetic_symbols(count: int) -> tuple[tuple[SymbolSpec, ...], tuple[SymbolSpec, ...]]:
    """`count` made-up USDT pairs, SYM001USDT, SYM002USDT, …, as (spot, USDⓈ-M) specs:
    for load tests that need many symbols streaming at once. Filters are in the range of
    a mid-priced altcoin; start prices differ so the symbols' books do not coincide."""
    if not 0 <= count <= 999:
        raise ValueError(f"extra symbols must be from 0 to 999, not {count}")
    spot: list[SymbolSpec] = []
    futures: list[SymbolSpec] = []
    for n in range(1, count + 1):
        symbol, start = f"SYM{n:03d}USDT", str(10 + n)
        common: dict[str, object] = {
            "step_size": "0.01",
            "min_qty": "0.01",
            "max_qty": "1000000",
            "market_max_qty": "100000",
            "min_notional": "5",
            "start_price": start,
            "quantity_precision": 2,
        }
        spot.append(
            _usdt(
                symbol,
                tick_size="0.0001",
                min_price="0.0001",
                max_price="100000",
                price_precision=4,
                **common,
            )
        )
        futures.append(
            _usdt(
                symbol,
                tick_size="0.001",
                min_price="0.001",
                max_price="100000",
                price_precision=3,
                max_leverage=50,
                maint_margin_rate="0.01",
                **common,
            )
        )
    return tuple(spot), tuple(futures)
