"""Funding history, open interest, price limits and the account's transaction log
(PROTOCOLS.md §4.3): `/v5/market/funding/history`, `/v5/market/open-interest`,
`/v5/market/price-limit` and `/v5/account/transaction-log`, the endpoints ccxt's
`bybit` reads for fetch_funding_rate_history, fetch_open_interest and fetch_ledger.

The funding model is every emulator's (`emulator/funding.py`): a flat rate settled every
8 hours. The engine keeps no open-interest history, so `open-interest` answers one row,
the current value stamped with the current interval's start. The transaction log lists
the account's fills (type TRADE); the emulator moves no money in or out and charges no
funding, so no other type has rows.
"""

from __future__ import annotations

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
from tradeport.venues.bybit.emulator.payloads import link_id_text

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


class History:
    def __init__(self, ctx: BybitContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route]:
        return {
            "GET /v5/market/funding/history": Route(self.funding_history),
            "GET /v5/market/open-interest": Route(self.open_interest),
            "GET /v5/market/price-limit": Route(self.price_limit),
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
        rows: list[tuple[int, dict[str, object]]] = []
        for category in ("spot", "linear"):
            if wanted not in (None, category) or kind not in (None, "TRADE"):
                continue
            fills = self.ctx.engine(category).fills(call.account_id, limit=None)
            after = self._balances_after(call.account_id, category, fills)
            for fill, balance in zip(fills, after, strict=True):
                if start <= fill.ts_ms <= end and currency in (None, fill.fee_asset):
                    row = self._log_row(category, fill)
                    row["cashBalance"] = "" if balance is None else plain(balance)
                    rows.append((fill.ts_ms, row))
        rows.sort(key=lambda pair: pair[0], reverse=True)
        return {"list": [row for _, row in rows[:limit]], "nextPageCursor": ""}

    def _balances_after(
        self, account_id: str, category: Category, fills: list[EngineFill]
    ) -> list[Decimal | None]:
        """The margin wallet's balance after each linear fill (oldest first), walked
        back from today's: nothing but fills moves it here. Spot fills move two coins
        and a row shows one, so spot rows carry none."""
        if category != "linear":
            return [None] * len(fills)
        balances: dict[str, Decimal] = {}
        after: list[Decimal | None] = []
        for fill in reversed(fills):
            asset = fill.fee_asset
            if asset not in balances:
                balances[asset] = self.ctx.linear.wallet(account_id, asset).balance
            after.append(balances[asset])
            balances[asset] -= fill.realized_pnl - fill.fee
        return after[::-1]

    def _log_row(self, category: Category, fill: EngineFill) -> dict[str, object]:
        engine = self.ctx.engine(category)
        base = engine.instruments[fill.symbol].base
        if category == "linear":
            cash_flow, change = fill.realized_pnl, fill.realized_pnl - fill.fee
        elif fill.fee_asset == base:  # a spot buy: the coin arrives, its fee taken from it
            cash_flow, change = fill.qty, fill.qty - fill.fee
        else:
            cash_flow, change = fill.quote_qty, fill.quote_qty - fill.fee
        rate = fill.fee / (fill.qty if fill.fee_asset == base else fill.quote_qty)
        return {
            "id": exec_id_text(category, fill.trade_id, fill.is_maker),
            "symbol": fill.symbol,
            "category": category,
            "side": "Buy" if fill.side == "BUY" else "Sell",
            "transactionTime": str(fill.ts_ms),
            "type": "TRADE",
            "transSubType": "",
            "qty": plain(fill.qty),
            "size": "",
            "currency": fill.fee_asset,
            "tradePrice": plain(fill.price),
            "funding": "",
            "fee": plain(fill.fee),
            "cashFlow": plain(cash_flow),
            "change": plain(change),
            "cashBalance": "",  # set by the caller, who walks the balances
            "feeRate": plain(rate.normalize()) if rate else "0",
            "bonusChange": "",
            "tradeId": public_trade_id_text(category, fill.trade_id),
            "orderId": order_id_text(category, fill.order_id),
            "orderLinkId": link_id_text(fill.client_order_id),
            "extraFees": "",
        }
