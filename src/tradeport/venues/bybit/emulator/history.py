"""Funding history, open interest, price and risk limits and the account's transaction
log (PROTOCOLS.md §4.3): `/v5/market/funding/history`, `/v5/market/open-interest`,
`/v5/market/price-limit`, `/v5/market/risk-limit` and `/v5/account/transaction-log`, the
endpoints ccxt's `bybit` reads for fetch_funding_rate_history, fetch_open_interest,
fetch_leverage_tiers and fetch_ledger.

The funding model is every emulator's (`emulator/funding.py`): a flat rate settled every
8 hours. The engine keeps no open-interest history, so `open-interest` answers one row,
the current value stamped with the current interval's start. The transaction log lists
the account's fills (type TRADE): a linear fill is one row in its settle coin, a spot
fill two, one per coin it moved (the base coin and the quote coin, each with its signed
quantity, its fee where charged and the coin's unified balance after it). The emulator
moves no money in or out and charges no funding, so no other type has rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import EngineFill
from tradeport.emulator.funding import FUNDING_INTERVAL_MS, FUNDING_RATE
from tradeport.venues.bybit.emulator.calls import Call, Route
from tradeport.venues.bybit.emulator.context import BybitContext
from tradeport.venues.bybit.emulator.errors import invalid, symbol_invalid
from tradeport.venues.bybit.emulator.ids import (
    Category,
    exec_id_text,
    order_id_text,
    public_trade_id_text,
)
from tradeport.venues.bybit.emulator.params import Params
from tradeport.venues.bybit.emulator.payloads import RISK_ID, RISK_LIMIT_VALUE, link_id_text

MINUTE_MS = 60_000
# open-interest `intervalTime` values (market/open-interest.mdx)
OI_INTERVALS = {
    "5min": 5 * MINUTE_MS,
    "15min": 15 * MINUTE_MS,
    "30min": 30 * MINUTE_MS,
    "1h": 60 * MINUTE_MS,
    "4h": 240 * MINUTE_MS,
    "1d": 1440 * MINUTE_MS,
}
FUNDING_LIMIT = (200, 200)
LOG_LIMIT = (20, 50)
WEEK_MS = 7 * 24 * 60 * MINUTE_MS
TRADED: tuple[Category, ...] = ("spot", "linear")
_ZERO = Decimal(0)


class History:
    def __init__(self, ctx: BybitContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route]:
        return {
            "GET /v5/market/funding/history": Route(self.funding_history),
            "GET /v5/market/open-interest": Route(self.open_interest),
            "GET /v5/market/price-limit": Route(self.price_limit),
            "GET /v5/market/risk-limit": Route(self.risk_limit),
            "GET /v5/account/transaction-log": Route(self.transaction_log, signed=True),
        }

    def _linear_symbol(self, params: Params) -> str:
        if params.category(("spot", "linear", "inverse", "option")) != "linear":
            raise invalid("category", "must be linear here (the only perpetuals traded)")
        symbol = params.require("symbol")
        if symbol not in self.ctx.engine("linear").instruments:
            raise symbol_invalid(symbol)
        return symbol

    def funding_history(self, call: Call) -> object:
        """Settlements newest first, at or before `endTime` (default now)."""
        params = call.params
        symbol = self._linear_symbol(params)
        default, high = FUNDING_LIMIT
        limit = params.integer("limit", default, low=1, high=high) or default
        start, end = params.integer("startTime"), params.integer("endTime")
        last = min(end if end is not None else call.now_ms, call.now_ms)
        settled = last - last % FUNDING_INTERVAL_MS
        rows: list[object] = []
        while len(rows) < limit and settled > 0 and (start is None or settled >= start):
            rows.append(
                {
                    "symbol": symbol,
                    "fundingRate": plain(FUNDING_RATE),
                    "fundingRateTimestamp": str(settled),
                }
            )
            settled -= FUNDING_INTERVAL_MS
        return {"category": "linear", "list": rows}

    def open_interest(self, call: Call) -> object:
        params = call.params
        symbol = self._linear_symbol(params)
        interval = OI_INTERVALS[params.choice("intervalTime", tuple(OI_INTERVALS))]
        return {
            "category": "linear",
            "symbol": symbol,
            "list": [
                {
                    "openInterest": plain(self.ctx.open_interest(symbol)),
                    "timestamp": str(call.now_ms - call.now_ms % interval),
                }
            ],
            "nextPageCursor": "",
        }

    def risk_limit(self, call: Call) -> object:
        """The risk tiers (market/risk-limit.mdx): one per linear symbol, as the
        emulator's margin rates are flat (ccxt's fetch_leverage_tiers reads them)."""
        params = call.params
        if params.category(("spot", "linear", "inverse", "option")) != "linear":
            raise invalid("category", "must be linear here (the only perpetuals traded)")
        symbol = params.text("symbol")
        specs = self.ctx.linear_symbols
        if symbol is not None:
            specs = tuple(s for s in specs if s.symbol == symbol)
            if not specs:
                raise symbol_invalid(symbol)
        rows = [
            {
                "id": RISK_ID,
                "symbol": spec.symbol,
                "riskLimitValue": RISK_LIMIT_VALUE,
                "maintenanceMargin": plain(spec.maint_margin_rate),
                "initialMargin": plain((Decimal(1) / spec.max_leverage).normalize()),
                "isLowestRisk": 1,
                "maxLeverage": f"{spec.max_leverage}.00",
                "mmDeduction": "",
            }
            for spec in specs
        ]
        return {"category": "linear", "list": rows, "nextPageCursor": ""}

    def price_limit(self, call: Call) -> object:
        """The order price limits in force now: what the engine's price band allows
        (a buy at most `buyLmt`, a sell at least `sellLmt`)."""
        params = call.params
        category = params.category(("spot", "linear", "inverse", "option"))
        if category not in ("spot", "linear"):
            raise invalid("category", "must be spot or linear here")
        symbol = params.require("symbol")
        engine = self.ctx.engine("spot" if category == "spot" else "linear")
        if symbol not in engine.instruments:
            raise symbol_invalid(symbol)
        high = engine.price_limits(symbol, "BUY").high
        low = engine.price_limits(symbol, "SELL").low
        return {
            "symbol": symbol,
            "buyLmt": "" if high is None else plain(high),
            "sellLmt": "" if low is None else plain(low),
            "ts": str(call.now_ms),
        }

    def transaction_log(self, call: Call) -> object:
        """Newest first; the last 7 days unless `startTime` / `endTime` say otherwise."""
        params = call.params
        params.choice("accountType", ("UNIFIED",), "UNIFIED")
        wanted = params.text("category")
        currency = params.text("currency")
        kind = params.text("type")
        default, high = LOG_LIMIT
        limit = params.integer("limit", default, low=1, high=high) or default
        end = params.integer("endTime") or call.now_ms
        start = params.integer("startTime") or end - WEEK_MS
        rows: list[dict[str, object]] = []
        if kind not in (None, "TRADE"):
            return {"list": rows, "nextPageCursor": ""}
        for category, fill, leg, balance in self._walk_back(call.account_id):
            if len(rows) == limit:
                break
            if wanted not in (None, category) or currency not in (None, leg.coin):
                continue
            if start <= fill.ts_ms <= end:
                row = self._log_row(category, fill, leg)
                row["cashBalance"] = plain(balance)
                rows.append(row)
        return {"list": rows, "nextPageCursor": ""}

    def _walk_back(self, account_id: str) -> Iterator[tuple[Category, EngineFill, Leg, Decimal]]:
        """Every leg of the account's fills, newest first, with the unified wallet's
        balance of its coin just after it: walked back from today's balances (spot free +
        locked plus the linear wallet, as wallet-balance reports them), since nothing but
        fills moves money here."""
        spot = self.ctx.spot.balances(account_id)
        balances = {coin: free + locked for coin, (free, locked) in spot.items()}
        for coin in self.ctx.linear.balances(account_id):
            wallet = self.ctx.linear.wallet(account_id, coin).balance
            balances[coin] = balances.get(coin, _ZERO) + wallet
        timeline = [
            (category, fill)
            for category in TRADED
            for fill in self.ctx.engine(category).fills(account_id, limit=None)
        ]
        timeline.sort(key=lambda pair: pair[1].ts_ms)  # stable: each engine's order kept
        for category, fill in reversed(timeline):
            for leg in reversed(self._legs(category, fill)):
                after = balances.get(leg.coin, _ZERO)
                yield category, fill, leg, after
                balances[leg.coin] = after - leg.change

    def _legs(self, category: Category, fill: EngineFill) -> list[Leg]:
        """What one fill did to each coin. Linear: the settle coin, by the realised PnL
        less the fee. Spot: the base coin and the quote coin, each with its signed
        quantity, the fee on the coin it was charged in (what arrives)."""
        if category == "linear":
            pnl = fill.realized_pnl
            return [Leg(fill.fee_asset, fill.qty, pnl, fill.fee, pnl - fill.fee)]
        instrument = self.ctx.spot.instruments[fill.symbol]
        sign = Decimal(1) if fill.side == "BUY" else Decimal(-1)
        legs = []
        for coin, amount in (
            (instrument.base, sign * fill.qty),
            (instrument.quote, -sign * fill.quote_qty),
        ):
            fee = fill.fee if coin == fill.fee_asset else _ZERO
            legs.append(Leg(coin, amount, amount, fee, amount - fee))
        return legs

    def _log_row(self, category: Category, fill: EngineFill, leg: Leg) -> dict[str, object]:
        engine = self.ctx.engine(category)
        base = engine.instruments[fill.symbol].base
        rate = fill.fee / (fill.qty if fill.fee_asset == base else fill.quote_qty)
        exec_id = exec_id_text(category, fill.trade_id, fill.is_maker)
        return {
            # a spot fill has one row per coin, so the coin tells its two rows apart [?]
            "id": exec_id if category == "linear" else f"{exec_id}_{leg.coin}",
            "symbol": fill.symbol,
            "category": category,
            "side": "Buy" if fill.side == "BUY" else "Sell",
            "transactionTime": str(fill.ts_ms),
            "type": "TRADE",
            "transSubType": "",
            # spot: signed, "the negative means the qty of this currency is decreased";
            # perpetuals: the trade's quantity, without direction (transaction-log.mdx)
            "qty": plain(leg.qty),
            "size": "",
            "currency": leg.coin,
            "tradePrice": plain(fill.price),
            "funding": "",
            "fee": plain(leg.fee),
            "cashFlow": plain(leg.cash_flow),
            "change": plain(leg.change),  # "Change = cashFlow + funding - fee"
            "cashBalance": "",  # set by the caller, who walks the balances
            "feeRate": plain(rate.normalize()) if rate else "0",
            "bonusChange": "",
            "tradeId": public_trade_id_text(category, fill.trade_id),
            "orderId": order_id_text(category, fill.order_id),
            "orderLinkId": link_id_text(fill.client_order_id),
            "extraFees": "",
        }


@dataclass(frozen=True, slots=True)
class Leg:
    """One coin's movement in one fill: a row of the transaction log."""

    coin: str
    qty: Decimal
    cash_flow: Decimal
    fee: Decimal
    change: Decimal
