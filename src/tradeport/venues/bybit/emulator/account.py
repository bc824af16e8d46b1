"""Positions, leverage, position mode and the unified wallet, plus the account lookups
ccxt's `bybit` class makes before trading (PROTOCOLS.md §4.3; position/*.mdx,
account/*.mdx, user/apikey-info.mdx, asset/coin-info.mdx)."""

from __future__ import annotations

from tradeport.emulator.engine import Reject
from tradeport.venues.bybit.emulator.calls import Call, Route
from tradeport.venues.bybit.emulator.context import BybitContext
from tradeport.venues.bybit.emulator.errors import BybitApiError, invalid, missing, symbol_invalid
from tradeport.venues.bybit.emulator.payloads import (
    empty_position_row,
    position_row,
    wallet_account,
)
from tradeport.venues.bybit.emulator.rejects import rejected

POSITION_PAGE = (20, 200)
MODES = {0: False, 3: True}  # switch-mode `mode`: 0 merged single (one-way), 3 both sides


class Account:
    def __init__(self, ctx: BybitContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route]:
        return {
            "GET /v5/position/list": Route(self.positions, signed=True),
            "POST /v5/position/set-leverage": Route(self.set_leverage, signed=True),
            "POST /v5/position/switch-mode": Route(self.switch_mode, signed=True),
            "GET /v5/account/wallet-balance": Route(self.wallet_balance, signed=True),
            "GET /v5/account/info": Route(self.info, signed=True),
            "GET /v5/account/fee-rate": Route(self.fee_rate, signed=True),
            "GET /v5/user/query-api": Route(self.query_api, signed=True),
            "GET /v5/asset/coin/query-info": Route(self.coin_info, signed=True),
        }

    # -- positions ---------------------------------------------------------------------
    def _linear(self, call: Call) -> bool:
        """Whether the call is about linear; spot has no positions (10001)."""
        category = call.params.category(("spot", "linear", "inverse", "option"))
        if category == "spot":
            raise BybitApiError(10001, "params error: category spot has no positions")
        return category == "linear"

    def positions(self, call: Call) -> object:
        params = call.params
        category = params.text("category")
        if not self._linear(call):
            return {"list": [], "nextPageCursor": "", "category": category}
        engine = self.ctx.linear
        account_id = call.account_id
        symbol, settle = params.text("symbol"), params.text("settleCoin")
        if symbol is None and settle is None:
            raise missing("symbol or settleCoin")
        held = engine.positions(account_id)
        if symbol is not None:
            if symbol not in engine.instruments:
                raise symbol_invalid(symbol)
            # with a symbol every leg is listed, flat or not (position.mdx)
            sides = ("LONG", "SHORT") if engine.hedge_mode(account_id) else ("BOTH",)
            by_side = {p.position_side: p for p in held if p.symbol == symbol}
            rows: list[object] = [
                position_row(by_side[side], engine=engine, account_id=account_id)
                if side in by_side
                else empty_position_row(
                    engine=engine, account_id=account_id, symbol=symbol, position_side=side
                )
                for side in sides
            ]
        else:
            rows = [
                position_row(p, engine=engine, account_id=account_id)
                for p in held
                if engine.instruments[p.symbol].quote == settle
            ]
        default, high = POSITION_PAGE
        limit = params.integer("limit", default, low=1, high=high) or default
        cursor = params.text("cursor")
        start = int(cursor) if cursor is not None and cursor.isdigit() else 0
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        return {
            "list": page,
            "nextPageCursor": str(start + limit) if more else "",
            "category": "linear",
        }

    def set_leverage(self, call: Call) -> object:
        params = call.params
        if not self._linear(call):
            raise BybitApiError(10001, "params error: category must be linear")
        symbol = params.require("symbol")
        engine = self.ctx.linear
        if symbol not in engine.instruments:
            raise symbol_invalid(symbol)
        buy, sell = (
            params.decimal("buyLeverage", required=True),
            params.decimal("sellLeverage", required=True),
        )
        assert buy is not None and sell is not None
        if buy != sell:
            # cross margin (the unified account's default) takes one leverage for both sides
            raise invalid("buyLeverage", "must equal sellLeverage in cross margin mode")
        if buy != buy.to_integral_value():
            raise invalid("buyLeverage", "must be a whole number here")
        leverage = int(buy)
        if leverage == engine.leverage(call.account_id, symbol):
            raise BybitApiError(110043, "Set leverage not modified")
        try:
            engine.set_leverage(call.account_id, symbol, leverage)
        except Reject as exc:
            raise rejected(exc, "linear") from None
        return {}

    def switch_mode(self, call: Call) -> object:
        params = call.params
        if not self._linear(call):
            raise BybitApiError(10001, "params error: category must be linear")
        if params.text("symbol") is None and params.text("coin") is None:
            raise missing("symbol or coin")
        symbol = params.text("symbol")
        if symbol is not None and symbol not in self.ctx.linear.instruments:
            raise symbol_invalid(symbol)
        mode = params.integer("mode")
        if mode is None:
            raise missing("mode")
        if mode not in MODES:
            raise invalid("mode", "must be 0 (one-way) or 3 (hedge)")
        engine = self.ctx.linear
        account_id = call.account_id
        hedge = MODES[mode]
        # The engine keeps one mode per account, for every symbol and settle coin.
        if engine.hedge_mode(account_id) == hedge:
            raise BybitApiError(110025, "Position mode is not modified")
        if engine.positions(account_id):
            raise BybitApiError(
                110024, "You have an existing position, so position mode cannot be switched"
            )
        if engine.open_orders(account_id):
            raise BybitApiError(110028, "Open orders exist, so you cannot change position mode")
        try:
            engine.set_hedge_mode(account_id, hedge)
        except Reject as exc:
            raise rejected(exc, "linear") from None
        return {}

    # -- wallet and account ------------------------------------------------------------
    def wallet_balance(self, call: Call) -> object:
        params = call.params
        account_type = params.require("accountType")
        if account_type != "UNIFIED":
            raise invalid("accountType", "must be UNIFIED")
        coins = params.text("coin")
        wanted = [c for c in coins.split(",") if c] if coins is not None else None
        return {"list": [wallet_account(self.ctx, call.account_id, wanted)]}

    def info(self, call: Call) -> object:
        return {
            "unifiedMarginStatus": 6,  # UTA 2.0 Pro
            "marginMode": "REGULAR_MARGIN",
            "isMasterTrader": False,
            "spotHedgingStatus": "OFF",
            "updatedTime": str(call.now_ms),
            "dcpStatus": "OFF",
            "timeWindow": 10,
            "smpGroup": 0,
        }

    def fee_rate(self, call: Call) -> object:
        params = call.params
        category = params.category(("spot", "linear", "inverse", "option"))
        if category not in ("spot", "linear"):
            return {"list": []}
        maker, taker = self.ctx.fees(category)
        symbol = params.text("symbol")
        specs = self.ctx.spot_symbols if category == "spot" else self.ctx.linear_symbols
        rows = [
            {
                "symbol": s.symbol,
                "baseCoin": s.base,
                "makerFeeRate": str(maker),
                "takerFeeRate": str(taker),
            }
            for s in specs
            if symbol is None or s.symbol == symbol
        ]
        return {"list": rows}

    def query_api(self, call: Call) -> object:
        ref = call.account
        return {
            "id": str(ref.uid),
            "note": "tradeport emulator key",
            "apiKey": ref.account.api_key,
            "readOnly": 0,
            "secret": "",
            "permissions": {
                "ContractTrade": ["Order", "Position"],
                "Spot": ["SpotTrade"],
                "Wallet": ["AccountTransfer"],
                "Options": [],
                "Derivatives": [],
                "CopyTrading": [],
                "BlockTrade": [],
                "Exchange": [],
                "NFT": [],
                "Affiliate": [],
                "Earn": [],
            },
            "ips": ["*"],
            "type": 1,
            "deadlineDay": -1,
            "expiredAt": "",
            "createdAt": "2024-01-01T00:00:00Z",
            "unified": 0,
            "uta": 1,
            "userID": ref.uid,
            "inviterID": 0,
            "vipLevel": "No VIP",
            "mktMakerLevel": "0",
            "affiliateID": 0,
            "rsaPublicKey": "",
            "isMaster": True,
            "parentUid": "0",
            "kycLevel": "LEVEL_DEFAULT",
            "kycRegion": "",
        }

    def coin_info(self, call: Call) -> object:
        coins = sorted(
            {s.base for s in (*self.ctx.spot_symbols, *self.ctx.linear_symbols)}
            | {s.quote for s in (*self.ctx.spot_symbols, *self.ctx.linear_symbols)}
        )
        wanted = call.params.text("coin")
        rows = [
            {"name": coin, "coin": coin, "remainAmount": "1000000", "chains": []}
            for coin in coins
            if wanted is None or coin == wanted
        ]
        return {"rows": rows}
