"""The SAPI wallet endpoints clients call by default: `GET /sapi/v1/capital/config/getall`
(all coins' information, USER_DATA, weight 10) and `GET /sapi/v1/asset/tradeFee` (the
account's spot fee rates per symbol, weight 1), and the account's commission rates of
one symbol (`GET /api/v3/account/commission`, weight 20).

ccxt's binance and binanceusdm ask it in `load_markets` (fetchCurrencies) whenever
keys are set. The emulator lists every asset of its spot symbols with the account's
spot balance; deposits and withdrawals do not exist here, so each coin has one network
with both switched off (nobody should mistake the emulator for a place to send coins).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.decimal_text import spot as f8
from tradeport.emulator.engine import Engine
from tradeport.emulator.symbol_set import by_symbol
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.binance.emulator.calls import Call, Route

# the network Binance lists first for the emulator's coins (their own chain for BTC,
# ETH, DOGE; USDT's ERC20)
_NETWORKS = {"BTC": "BTC", "ETH": "ETH", "DOGE": "DOGE", "USDT": "ETH"}


def _rates(maker: Decimal, taker: Decimal) -> dict[str, str]:
    return {
        "maker": f8(maker),
        "taker": f8(taker),
        "buyer": f8(Decimal(0)),
        "seller": f8(Decimal(0)),
    }


class Wallet:
    def __init__(self, engine: Engine, specs: Sequence[SymbolSpec]) -> None:
        """`engine`: the spot engine, whose balances and fees are the wallet's."""
        self.engine = engine
        self.specs = by_symbol(specs)

    @property
    def assets(self) -> list[str]:
        return sorted({a for s in self.specs.values() for a in (s.base, s.quote)})

    def routes(self) -> dict[str, Route]:
        return {
            "GET /sapi/v1/capital/config/getall": Route(self.coins, signed=True),
            "GET /sapi/v1/asset/tradeFee": Route(self.trade_fees, signed=True),
            "GET /api/v3/account/commission": Route(self.commission, signed=True),
        }

    def commission(self, call: Call) -> object:
        """The symbol's standard rates; no special or tax commission applies and no BNB
        is held to pay fees with, so those read zero and the discount is off. The
        `specialCommission` block is in the current docs' example [?]."""
        spec = call.params.spec(self.specs)
        maker, taker = self.engine.fees
        return {
            "symbol": spec.symbol,
            "standardCommission": _rates(maker, taker),
            "specialCommission": _rates(Decimal(0), Decimal(0)),
            "taxCommission": _rates(Decimal(0), Decimal(0)),
            "discount": {
                "enabledForAccount": False,
                "enabledForSymbol": False,
                "discountAsset": "BNB",
                "discount": f8(Decimal(0)),
            },
        }

    def trade_fees(self, call: Call) -> object:
        symbol = call.params.get("symbol")
        names = list(self.specs) if symbol is None else [call.params.spec(self.specs).symbol]
        maker, taker = self.engine.fees
        return [
            {"symbol": name, "makerCommission": plain(maker), "takerCommission": plain(taker)}
            for name in names
        ]

    def coins(self, call: Call) -> object:
        held = self.engine.balances(call.account_id)
        return [
            self._coin(asset, held.get(asset, (Decimal(0), Decimal(0)))) for asset in self.assets
        ]

    def _coin(self, asset: str, balance: tuple[Decimal, Decimal]) -> dict[str, object]:
        free, locked = balance
        network = _NETWORKS.get(asset, asset)
        return {
            "coin": asset,
            "depositAllEnable": False,
            "withdrawAllEnable": False,
            "name": asset,
            "free": f8(free),
            "locked": f8(locked),
            "freeze": f8(0),
            "withdrawing": f8(0),
            "ipoing": f8(0),
            "ipoable": f8(0),
            "storage": f8(0),
            "isLegalMoney": False,
            "trading": True,
            "networkList": [
                {
                    "network": network,
                    "coin": asset,
                    "withdrawIntegerMultiple": "0.00000001",
                    "isDefault": True,
                    "depositEnable": False,
                    "withdrawEnable": False,
                    "depositDesc": "",
                    "withdrawDesc": "",
                    "specialTips": "",
                    "name": network,
                    "resetAddressStatus": False,
                    "addressRegex": "",
                    "memoRegex": "",
                    "withdrawFee": "0",
                    "withdrawMin": "0",
                    "withdrawMax": "0",
                    "minConfirm": 1,
                    "unLockConfirm": 0,
                    "sameAddress": False,
                    "estimatedArrivalTime": 0,
                    "busy": False,
                }
            ],
        }
