"""USDⓈ-M response shapes: orders, trades, positions, balances, leverage brackets
(PROTOCOLS.md §2.3)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tradeport.emulator.decimal_text import fixed, plain
from tradeport.emulator.engine import EngineFill, EngineOrder, EnginePosition, PerpWallet
from tradeport.emulator.symbols import SymbolSpec

ZERO = Decimal(0)
EIGHT_DECIMALS = Decimal("0.00000001")
_AVG = Decimal("0.00000001")

# Notional caps per leverage (maxNotionalValue): (highest leverage of the bracket, cap).
# Shaped like Binance's BTCUSDT brackets; used for every symbol.
LEVERAGE_BRACKETS: tuple[tuple[int, int], ...] = (
    (125, 50_000),
    (100, 600_000),
    (75, 3_000_000),
    (50, 12_000_000),
    (25, 70_000_000),
    (20, 100_000_000),
    (10, 230_000_000),
    (5, 480_000_000),
    (4, 600_000_000),
    (3, 800_000_000),
    (2, 1_200_000_000),
    (1, 1_800_000_000),
)


def money(value: Decimal) -> str:
    """An account or margin amount as USDⓈ-M writes it: at most 8 decimals (the
    engine's margins are exact fractions, e.g. notional / leverage)."""
    return plain(value.quantize(EIGHT_DECIMALS, rounding=ROUND_HALF_UP))


def max_notional(leverage: int) -> int:
    """The largest position `leverage` allows: the cap of the widest bracket whose
    leverage ceiling is still at or above it."""
    allowed = [cap for top, cap in LEVERAGE_BRACKETS if top >= leverage]
    return max(allowed) if allowed else LEVERAGE_BRACKETS[0][1]


def leverage_brackets(spec: SymbolSpec) -> dict[str, object]:
    """`spec`'s entry of GET /fapi/v1/leverageBracket: LEVERAGE_BRACKETS up to the
    symbol's leverage cap (the brackets above it merge into the first), so a bracket's
    notionalCap is `max_notional` of its initialLeverage. The engine margins a symbol at
    one maintenance rate, so every bracket carries that rate and `cum` (the maintenance
    amount the rate steps add up to) is 0. Numbers, not strings, as the venue sends."""
    leverages = [
        spec.max_leverage,
        *(top for top, _ in LEVERAGE_BRACKETS if top < spec.max_leverage),
    ]
    rate = float(spec.maint_margin_rate)
    brackets, floor = [], 0
    for number, leverage in enumerate(leverages, start=1):
        cap = max_notional(leverage)
        brackets.append(
            {
                "bracket": number,
                "initialLeverage": leverage,
                "notionalCap": cap,
                "notionalFloor": floor,
                "maintMarginRatio": rate,
                "cum": 0.0,
            }
        )
        floor = cap
    return {"symbol": spec.symbol, "brackets": brackets}


def avg_price(order: EngineOrder) -> str:
    if order.filled_qty == 0:
        return "0.00"
    return plain(order.avg_price.quantize(_AVG))


def order_payload(order: EngineOrder, *, ack: bool = False) -> dict[str, object]:
    """New-order / cancel shape. `ack` shows the order as accepted, before matching
    (newOrderRespType=ACK)."""
    filled = ZERO if ack else order.filled_qty
    cum_quote = ZERO if ack else order.cum_quote
    return {
        "orderId": order.order_id,
        "symbol": order.symbol,
        "status": "NEW" if ack else order.status,
        "clientOrderId": order.client_order_id,
        "price": plain(order.price),
        "avgPrice": "0.00" if ack else avg_price(order),
        "origQty": plain(order.qty),
        "executedQty": plain(filled),
        "cumQty": plain(filled),
        "cumQuote": plain(cum_quote),
        "timeInForce": order.tif,
        "type": order.type,
        "reduceOnly": order.reduce_only,
        "closePosition": False,
        "side": order.side,
        "positionSide": order.position_side,
        "stopPrice": "0",
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": order.type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": order.stp,
        "goodTillDate": 0,
        "updateTime": order.created_ms if ack else order.updated_ms,
    }


def order_query(order: EngineOrder) -> dict[str, object]:
    return {
        "avgPrice": avg_price(order),
        "clientOrderId": order.client_order_id,
        "cumQuote": plain(order.cum_quote),
        "executedQty": plain(order.filled_qty),
        "orderId": order.order_id,
        "origQty": plain(order.qty),
        "origType": order.type,
        "price": plain(order.price),
        "reduceOnly": order.reduce_only,
        "side": order.side,
        "positionSide": order.position_side,
        "status": order.status,
        "stopPrice": "0",
        "closePosition": False,
        "symbol": order.symbol,
        "time": order.created_ms,
        "timeInForce": order.tif,
        "type": order.type,
        "updateTime": order.updated_ms,
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "priceMatch": "NONE",
        "selfTradePreventionMode": order.stp,
        "goodTillDate": 0,
    }


def user_trade(fill: EngineFill) -> dict[str, object]:
    return {
        "buyer": fill.side == "BUY",
        "commission": plain(fill.fee),
        "commissionAsset": fill.fee_asset,
        "id": fill.trade_id,
        "maker": fill.is_maker,
        "orderId": fill.order_id,
        "price": plain(fill.price),
        "qty": plain(fill.qty),
        "quoteQty": plain(fill.quote_qty),
        "realizedPnl": plain(fill.realized_pnl),
        "side": fill.side,
        "positionSide": fill.position_side,
        "symbol": fill.symbol,
        "time": fill.ts_ms,
    }


class PositionRow:
    """A position (or an empty slot) with the derived numbers every shape needs."""

    def __init__(
        self,
        spec: SymbolSpec,
        side: str,
        leverage: int,
        mark: Decimal,
        position: EnginePosition | None,
        updated_ms: int,
    ) -> None:
        self.spec, self.side, self.leverage, self.updated_ms = spec, side, leverage, updated_ms
        self.qty = position.qty if position else ZERO
        # in hedge mode the SHORT leg is reported as a negative amount
        if side == "SHORT":
            self.qty = -abs(self.qty)
        self.entry = position.entry_price if position else ZERO
        self.mark = position.mark_price if position else mark
        self.upnl = position.unrealized_pnl if position else ZERO
        self.margin = position.margin if position else ZERO
        self.liquidation = position.liquidation_price if position else ZERO
        self.notional = self.qty * self.mark
        self.maint = abs(self.notional) * spec.maint_margin_rate

    def risk_v2(self, margin_type: str) -> dict[str, object]:
        return {
            "symbol": self.spec.symbol,
            "positionAmt": plain(self.qty),
            "entryPrice": plain(self.entry),
            # fees are not folded in: break-even is the entry price here
            "breakEvenPrice": money(self.entry),
            "markPrice": fixed(self.mark, 8),
            "unRealizedProfit": fixed(self.upnl, 8),
            "liquidationPrice": money(self.liquidation),
            "leverage": str(self.leverage),
            "maxNotionalValue": str(max_notional(self.leverage)),
            "marginType": margin_type,
            "isolatedMargin": "0.00000000",
            "isAutoAddMargin": "false",
            "positionSide": self.side,
            "notional": money(self.notional),
            "isolatedWallet": "0",
            "updateTime": self.updated_ms,
        }

    def risk_v3(self) -> dict[str, object]:
        return {
            "symbol": self.spec.symbol,
            "positionSide": self.side,
            "positionAmt": money(self.qty),
            "entryPrice": money(self.entry),
            "breakEvenPrice": money(self.entry),
            "markPrice": fixed(self.mark, 8),
            "unRealizedProfit": fixed(self.upnl, 8),
            "liquidationPrice": money(self.liquidation),
            "isolatedMargin": "0",
            "notional": money(self.notional),
            "marginAsset": self.spec.quote,
            "isolatedWallet": "0",
            "initialMargin": money(self.margin),
            "maintMargin": money(self.maint),
            "positionInitialMargin": money(self.margin),
            "openOrderInitialMargin": "0",
            "adl": 0,
            "bidNotional": "0",
            "askNotional": "0",
            "updateTime": self.updated_ms,
        }

    def account_v2(self, isolated: bool) -> dict[str, object]:
        return {
            "symbol": self.spec.symbol,
            "initialMargin": money(self.margin),
            "maintMargin": money(self.maint),
            "unrealizedProfit": money(self.upnl),
            "positionInitialMargin": money(self.margin),
            "openOrderInitialMargin": "0",
            "leverage": str(self.leverage),
            "isolated": isolated,
            "entryPrice": money(self.entry),
            "breakEvenPrice": money(self.entry),
            "maxNotional": str(max_notional(self.leverage)),
            "positionSide": self.side,
            "positionAmt": money(self.qty),
            "notional": money(self.notional),
            "isolatedWallet": "0",
            "updateTime": self.updated_ms,
            "bidNotional": "0",
            "askNotional": "0",
        }

    def account_v3(self) -> dict[str, object]:
        return {
            "symbol": self.spec.symbol,
            "positionSide": self.side,
            "positionAmt": money(self.qty),
            "unrealizedProfit": money(self.upnl),
            "isolatedMargin": "0",
            "notional": money(self.notional),
            "isolatedWallet": "0",
            "initialMargin": money(self.margin),
            "maintMargin": money(self.maint),
            "updateTime": self.updated_ms,
        }


def balance_row(wallet: PerpWallet, now_ms: int) -> dict[str, object]:
    return {
        "accountAlias": "SgsR",
        "asset": wallet.asset,
        "balance": money(wallet.balance),
        "crossWalletBalance": money(wallet.balance),
        "crossUnPnl": money(wallet.unrealized_pnl),
        "availableBalance": money(wallet.available),
        "maxWithdrawAmount": money(max(ZERO, min(wallet.available, wallet.balance))),
        "marginAvailable": True,
        "updateTime": now_ms,
    }


def asset_row(wallet: PerpWallet, maint: Decimal, now_ms: int) -> dict[str, object]:
    return {
        "asset": wallet.asset,
        "walletBalance": money(wallet.balance),
        "unrealizedProfit": money(wallet.unrealized_pnl),
        "marginBalance": money(wallet.margin_balance),
        "maintMargin": money(maint),
        "initialMargin": money(wallet.position_margin + wallet.order_margin),
        "positionInitialMargin": money(wallet.position_margin),
        "openOrderInitialMargin": money(wallet.order_margin),
        "crossWalletBalance": money(wallet.balance),
        "crossUnPnl": money(wallet.unrealized_pnl),
        "availableBalance": money(wallet.available),
        "maxWithdrawAmount": money(max(ZERO, min(wallet.available, wallet.balance))),
        "marginAvailable": True,
        "updateTime": now_ms,
    }


def account_totals(wallets: list[PerpWallet], maint: Decimal) -> dict[str, object]:
    def total(attr: str) -> Decimal:
        return sum((getattr(w, attr) for w in wallets), ZERO)

    balance, upnl = total("balance"), total("unrealized_pnl")
    position_margin, order_margin = total("position_margin"), total("order_margin")
    available = total("available")
    return {
        "totalInitialMargin": money(position_margin + order_margin),
        "totalMaintMargin": money(maint),
        "totalWalletBalance": money(balance),
        "totalUnrealizedProfit": money(upnl),
        "totalMarginBalance": money(balance + upnl),
        "totalPositionInitialMargin": money(position_margin),
        "totalOpenOrderInitialMargin": money(order_margin),
        "totalCrossWalletBalance": money(balance),
        "totalCrossUnPnl": money(upnl),
        "availableBalance": money(available),
        "maxWithdrawAmount": money(max(ZERO, min(available, balance))),
    }
