"""`/v5/market/instruments-info` rows for the listed symbols (PROTOCOLS.md §4.8; the
docs' market/instrument.mdx samples for the field set)."""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator.decimal_text import decimals, plain
from tradeport.emulator.funding import FUNDING_INTERVAL_MS
from tradeport.emulator.listing import ListingState
from tradeport.emulator.price_band import PriceBand
from tradeport.emulator.symbols import SymbolSpec

# Bybit lists its perpetuals with a launch time; the emulator's are all "launched" at
# the same fixed moment (2020-03-30, BTCUSDT's launch on Bybit).
LAUNCH_TIME_MS = 1585526400000
SPOT_MAX_ORDER_AMOUNT = Decimal(2_000_000)
QUOTE_PRECISION = "0.00000001"
# USDT perpetuals take orders from 5 USDT of value (lotSizeFilter.minNotionalValue of
# BTCUSDT, ETHUSDT, DOGEUSDT), where Binance USDⓈ-M, whose filters the shared symbols
# follow, asks 100 for BTCUSDT
LINEAR_MIN_NOTIONAL = Decimal(5)
# Price limits (account/set-price-limit.mdx): the maximum buy price is
# Min(Max(index, mark × (1 + X)), mark × (1 + Y)) on futures and the like around the index
# (plus the average premium) on spot; the minimum sell price mirrors it. The emulators'
# index is their mark and the premium zero, so the band is ±X whenever X <= Y. By default
# spot refuses a price beyond it (lpaSpot false: 170193 / 170194) and futures move the
# price to the limit (lpaPerp false); instruments-info announces X and Y below.
SPOT_LIMIT_RATIOS = (Decimal("0.05"), Decimal("0.05"))
LINEAR_LIMIT_RATIOS = (Decimal("0.05"), Decimal("0.1"))


def price_band(ratios: tuple[Decimal, Decimal], *, clamp: bool) -> PriceBand:
    x, y = ratios
    ratio = min(x, y)
    return PriceBand(buy_up=1 + ratio, sell_down=1 - ratio, clamp=clamp)


SPOT_PRICE_BAND = price_band(SPOT_LIMIT_RATIOS, clamp=False)
LINEAR_PRICE_BAND = price_band(LINEAR_LIMIT_RATIOS, clamp=True)


def _risk_parameters(ratios: tuple[Decimal, Decimal]) -> dict[str, str]:
    return {"priceLimitRatioX": plain(ratios[0]), "priceLimitRatioY": plain(ratios[1])}


# `status` by listing state (enum.mdx `status`): PreLaunch before launch, Closed once
# delisted; Bybit has no close-only state, Settling stands for it [?]
STATUS = {
    ListingState.TRADING: "Trading",
    ListingState.CLOSE_ONLY: "Settling",
    ListingState.PRE_LAUNCH: "PreLaunch",
    ListingState.DELISTED: "Closed",
}


def spot_instrument(
    spec: SymbolSpec, state: ListingState = ListingState.TRADING
) -> dict[str, object]:
    """Spot: `basePrecision` is the quantity step, `minOrderAmt` the minimum value."""
    return {
        "symbol": spec.symbol,
        "baseCoin": spec.base,
        "quoteCoin": spec.quote,
        "innovation": "0",
        "status": STATUS[state],
        "marginTrading": "utaOnly",
        "stTag": "0",
        "lotSizeFilter": {
            "basePrecision": plain(spec.step_size),
            "quotePrecision": QUOTE_PRECISION,
            "minOrderQty": plain(spec.min_qty),
            "maxOrderQty": plain(spec.max_qty),
            "minOrderAmt": plain(spec.min_notional),
            "maxOrderAmt": plain(SPOT_MAX_ORDER_AMOUNT),
            "maxLimitOrderQty": plain(spec.max_qty),
            "postOnlyMaxLimitOrderSize": plain(spec.max_qty),
            "maxMarketOrderQty": plain(spec.market_max_qty),
        },
        "priceFilter": {"tickSize": plain(spec.tick_size)},
        "riskParameters": _risk_parameters(SPOT_LIMIT_RATIOS),
        "symbolType": "",
    }


def linear_instrument(
    spec: SymbolSpec, state: ListingState = ListingState.TRADING
) -> dict[str, object]:
    """USDT perpetual: quantities in the base coin, `qtyStep` and `minNotionalValue`."""
    tick = spec.tick_size
    return {
        "symbol": spec.symbol,
        "contractType": "LinearPerpetual",
        "status": STATUS[state],
        "baseCoin": spec.base,
        "quoteCoin": spec.quote,
        "launchTime": str(LAUNCH_TIME_MS),
        "deliveryTime": "0",
        "deliveryFeeRate": "",
        "priceScale": str(decimals(tick)),  # digits of the tick as written: 0.10 -> 2
        "leverageFilter": {
            "minLeverage": "1",
            "maxLeverage": f"{spec.max_leverage}.00",
            "leverageStep": "0.01",
        },
        "priceFilter": {
            "minPrice": plain(spec.min_price),
            "maxPrice": plain(spec.max_price),
            "tickSize": plain(tick),
        },
        "lotSizeFilter": {
            "maxOrderQty": plain(spec.max_qty),
            "minOrderQty": plain(spec.min_qty),
            "qtyStep": plain(spec.step_size),
            "postOnlyMaxOrderQty": plain(spec.max_qty),
            "maxMktOrderQty": plain(spec.market_max_qty),
            "minNotionalValue": plain(spec.min_notional),
        },
        "unifiedMarginTrade": True,
        "fundingInterval": FUNDING_INTERVAL_MS // 60_000,
        "settleCoin": spec.quote,
        "copyTrading": "both",
        "upperFundingRate": "0.005",
        "lowerFundingRate": "-0.005",
        "isPreListing": False,
        "preListingInfo": None,
        "riskParameters": _risk_parameters(LINEAR_LIMIT_RATIOS),
        "displayName": "",
        "symbolType": "",
    }
