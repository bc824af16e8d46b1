"""USDⓈ-M account configuration endpoints (USDⓈ-M "Account" docs): per-symbol settings
(`GET /fapi/v1/symbolConfig`), the account's switches (`GET /fapi/v1/accountConfig`) and
the Multi-Assets mode (`GET / POST /fapi/v1/multiAssetsMargin`).

The engine margins every position against the one USDT wallet, so the Multi-Assets flag
is kept and reported as set, like the margin type (no second margin asset exists here
for it to change anything).
"""

from __future__ import annotations

from tradeport.venues.binance.emulator import futures_payloads as out
from tradeport.venues.binance.emulator.calls import Call, Route
from tradeport.venues.binance.emulator.errors import BinanceApiError
from tradeport.venues.binance.emulator.futures import FuturesTrading, success

# the margin type as the settings endpoints spell it (positionRisk uses "cross"/"isolated")
_MARGIN_TYPE = {"cross": "CROSSED", "isolated": "ISOLATED"}


class FuturesConfig:
    def __init__(self, trading: FuturesTrading) -> None:
        self.trading = trading
        self.engine = trading.engine
        self._multi_assets: dict[str, bool] = {}

    def routes(self) -> dict[str, Route]:
        v1 = "/fapi/v1"
        return {
            f"GET {v1}/symbolConfig": Route(self.symbol_config, signed=True),
            f"GET {v1}/accountConfig": Route(self.account_config, signed=True),
            f"GET {v1}/multiAssetsMargin": Route(self.multi_assets, signed=True),
            f"POST {v1}/multiAssetsMargin": Route(self.set_multi_assets, signed=True),
        }

    def symbol_config(self, call: Call) -> object:
        """One row per symbol (only the one asked for, with `symbol`); the docs' example
        writes isAutoAddMargin as the string "false"."""
        symbol = self.trading.symbol_filter(call)
        rows = []
        for spec in self.trading.specs.values():
            if symbol is not None and spec.symbol != symbol:
                continue
            leverage = self.engine.leverage(call.account_id, spec.symbol)
            rows.append(
                {
                    "symbol": spec.symbol,
                    "marginType": _MARGIN_TYPE[self.trading.margin_type_of(call, spec.symbol)],
                    "isAutoAddMargin": "false",
                    "leverage": leverage,
                    "maxNotionalValue": str(out.max_notional(leverage)),
                }
            )
        return rows

    def account_config(self, call: Call) -> object:
        return {
            "feeTier": 0,
            "canTrade": True,
            "canDeposit": True,
            "canWithdraw": True,
            "dualSidePosition": self.engine.hedge_mode(call.account_id),
            "updateTime": 0,
            "multiAssetsMargin": self._multi_assets.get(call.account_id, False),
            "tradeGroupId": -1,
        }

    def multi_assets(self, call: Call) -> object:
        return {"multiAssetsMargin": self._multi_assets.get(call.account_id, False)}

    def set_multi_assets(self, call: Call) -> object:
        raw = call.params.require("multiAssetsMargin")
        wanted = call.params.boolean("multiAssetsMargin")
        if wanted is None:
            raise BinanceApiError(
                -1130, f"Invalid data sent for parameter 'multiAssetsMargin': {raw}"
            )
        if self._multi_assets.get(call.account_id, False) == wanted:
            # the venue's answer to a no-op switch is not in the endpoint's docs [?];
            # worded like the other "no need to change" refusals
            raise BinanceApiError(-4171, "No need to change Multi-Assets mode.")
        self._multi_assets[call.account_id] = wanted
        return success()
