"""The trading account: balance, positions, configuration, position mode and leverage,
plus the lookups ccxt's `okx` class makes (`/asset/currencies`, `/account/trade-fee`)
(PROTOCOLS.md §3.3)."""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import Reject
from tradeport.venues.okx.emulator.calls import Call, Route
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.errors import OkxApiError, either, no_instrument
from tradeport.venues.okx.emulator.ids import INST_TYPES, inst_type_of
from tradeport.venues.okx.emulator.payloads import account_row, bill_row, position_row

ZERO = Decimal(0)
WEEK_MS = 7 * 24 * 3_600_000
QUARTER_MS = 92 * 24 * 3_600_000  # "the last 3 months" of bills-archive
POS_MODES = {"net_mode": False, "long_short_mode": True}
LOCKED = "Settings failed. Close any open positions or pending orders before changing settings."


class Account:
    def __init__(self, ctx: OkxContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route]:
        return {
            "GET /api/v5/account/balance": Route(self.balance, signed=True),
            "GET /api/v5/account/positions": Route(self.positions, signed=True),
            "GET /api/v5/account/config": Route(self.config, signed=True),
            "POST /api/v5/account/set-position-mode": Route(self.set_position_mode, signed=True),
            "POST /api/v5/account/set-leverage": Route(self.set_leverage, signed=True),
            "GET /api/v5/account/leverage-info": Route(self.leverage_info, signed=True),
            "GET /api/v5/account/trade-fee": Route(self.trade_fee, signed=True),
            "GET /api/v5/asset/currencies": Route(self.currencies, signed=True),
            "GET /api/v5/account/max-size": Route(self.max_size, signed=True),
            "GET /api/v5/account/bills": Route(self.bills, signed=True),
            "GET /api/v5/account/bills-archive": Route(self.bills_archive, signed=True),
        }

    def balance(self, call: Call) -> list[object]:
        ccy = call.params.text("ccy")
        wanted = [c for c in ccy.split(",") if c] if ccy is not None else None
        return [account_row(self.ctx, call.account_id, wanted)]

    def positions(self, call: Call) -> list[object]:
        params = call.params
        inst_type = params.text("instType")
        if inst_type is not None:
            params.choice("instType", ("MARGIN", "SWAP", "FUTURES", "OPTION"))
            if inst_type != "SWAP":
                return []
        insts = params.text("instId")
        wanted = set(insts.split(",")) if insts is not None else None
        pos_id = params.text("posId")
        rows = [
            position_row(p, ctx=self.ctx, account_id=call.account_id)
            for p in self.ctx.swap.positions(call.account_id)
            if wanted is None or p.symbol in wanted
        ]
        if pos_id is not None:
            rows = [r for r in rows if r["posId"] in pos_id.split(",")]
        return list(rows)

    def config(self, call: Call) -> list[object]:
        ref = call.account
        hedge = self.ctx.swap.hedge_mode(ref.engine_id)
        return [
            {
                "uid": str(ref.uid),
                "mainUid": str(ref.uid),
                "acctLv": "2",  # spot and futures mode
                "acctStpMode": "cancel_maker",
                "posMode": "long_short_mode" if hedge else "net_mode",
                "autoLoan": False,
                "greeksType": "PA",
                "feeType": "0",
                "level": "Lv1",
                "levelTmp": "",
                "ctIsoMode": "automatic",
                "mgnIsoMode": "automatic",
                "spotOffsetType": "",
                "roleType": "0",
                "traderInsts": [],
                "spotRoleType": "0",
                "spotTraderInsts": [],
                "opAuth": "0",
                "kycLv": "3",
                "label": "tradeport emulator key",
                "ip": "",
                "perm": "read_only,trade",
                "liquidationGear": "-1",
                "enableSpotBorrow": False,
                "spotBorrowAutoRepay": False,
                "type": "0",
                "settleCcy": "USDT",
                "settleCcyList": ["USDT"],
            }
        ]

    def set_position_mode(self, call: Call) -> list[object]:
        mode = call.params.choice("posMode", tuple(POS_MODES))
        hedge = POS_MODES[mode]
        account_id = call.account_id
        engine = self.ctx.swap
        if engine.hedge_mode(account_id) != hedge:
            try:
                engine.set_hedge_mode(account_id, hedge)
            except Reject:
                raise OkxApiError("59000", LOCKED) from None
        return [{"posMode": mode}]

    def _swap_inst(self, call: Call) -> str:
        params = call.params
        inst, ccy = params.text("instId"), params.text("ccy")
        if inst is None:
            if ccy is not None:
                raise params.invalid("ccy")  # margin currencies: no spot margin here
            raise either("instId", "ccy")
        if inst_type_of(inst) != "SWAP" or inst not in self.ctx.swap.instruments:
            raise no_instrument()
        return inst

    def set_leverage(self, call: Call) -> list[object]:
        params = call.params
        inst = self._swap_inst(call)
        mgn_mode = params.choice("mgnMode", ("cross", "isolated"))
        lever = params.decimal("lever", required=True)
        assert lever is not None
        if lever < 1 or lever != lever.to_integral_value():
            raise params.invalid("lever")
        pos_side = params.text("posSide") or ""
        if pos_side and pos_side not in ("long", "short", "net"):
            raise params.invalid("posSide")
        maximum = self.ctx.swap.instruments[inst].max_leverage
        if lever > maximum:
            raise OkxApiError(
                "59102", "Leverage exceeds the maximum leverage. Please adjust the leverage"
            )
        # The engine keeps one leverage per instrument, for both legs and margin modes.
        self.ctx.swap.set_leverage(call.account_id, inst, int(lever))
        return [
            {"lever": str(int(lever)), "mgnMode": mgn_mode, "instId": inst, "posSide": pos_side}
        ]

    def leverage_info(self, call: Call) -> list[object]:
        params = call.params
        mgn_mode = params.choice("mgnMode", ("cross", "isolated"))
        insts = params.require("instId").split(",")
        rows: list[object] = []
        hedge = self.ctx.swap.hedge_mode(call.account_id)
        for inst in insts:
            if inst not in self.ctx.swap.instruments:
                raise no_instrument()
            lever = str(self.ctx.swap.leverage(call.account_id, inst))
            sides = ("long", "short") if hedge and mgn_mode == "isolated" else ("net",)
            for side in sides:
                rows.append({"instId": inst, "mgnMode": mgn_mode, "posSide": side, "lever": lever})
        return rows

    def trade_fee(self, call: Call) -> list[object]:
        inst_type = call.params.choice("instType", ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"))
        if inst_type not in ("SPOT", "SWAP"):
            return []
        maker, taker = self.ctx.fees(inst_type)
        return [
            {
                "category": "1",
                "delivery": "",
                "exercise": "",
                "instType": inst_type,
                "level": "Lv1",
                # negative: a fee charged (OKX writes rebates positive)
                "maker": str(-maker),
                "taker": str(-taker),
                "makerU": str(-maker) if inst_type == "SWAP" else "",
                "takerU": str(-taker) if inst_type == "SWAP" else "",
                "makerUSDC": "",
                "takerUSDC": "",
                "ruleType": "normal",
                "ts": str(call.now_ms),
                "fiat": [],
            }
        ]

    def max_size(self, call: Call) -> list[object]:
        """The largest order each side could place now at `px` (default: the mark):
        SPOT in the base currency from the free balances; SWAP in contracts from the
        available margin at the instrument's leverage (an order that would close a
        position is not sized larger for it: a simplification)."""
        params = call.params
        params.choice("tdMode", ("cash", "cross", "isolated"))
        px = params.decimal("px")
        rows: list[object] = []
        for inst in params.require("instId").split(",")[:5]:
            inst_type = inst_type_of(inst)
            engine = self.ctx.engine(inst_type)
            if inst not in engine.instruments:
                raise no_instrument()
            price = px if px is not None and px > 0 else engine.mark_price(inst)
            instrument = engine.instruments[inst]
            if inst_type == "SPOT":
                held = engine.balances(call.account_id)
                quote_free = held.get(instrument.quote, (ZERO, ZERO))[0]
                base_free = held.get(instrument.base, (ZERO, ZERO))[0]
                buy, sell, ccy = instrument.floor_qty(quote_free / price), base_free, ""
            else:
                available = engine.wallet(call.account_id, instrument.quote).available
                lever = engine.leverage(call.account_id, inst)
                base = instrument.floor_qty(max(available, ZERO) * lever / price)
                buy = sell = self.ctx.sizing.to_venue(inst, base)
                ccy = instrument.quote
            rows.append({"instId": inst, "ccy": ccy, "maxBuy": plain(buy), "maxSell": plain(sell)})
        return rows

    def bills(self, call: Call) -> list[object]:
        """The account's last 7 days of trade bills (type 2), newest first: one per
        fill, with its fee and realized pnl. The emulator moves no money in or out and
        charges no funding, so no other bill type has rows."""
        return self._bills(call, WEEK_MS)

    def bills_archive(self, call: Call) -> list[object]:
        """`bills-archive`: the same bills over the last 3 months (92 days [?])."""
        return self._bills(call, QUARTER_MS)

    def _bills(self, call: Call, window_ms: int) -> list[object]:
        params = call.params
        wanted_type = params.text("instType")
        ccy = params.text("ccy")
        bill_type = params.text("type")
        default_limit = 100
        limit = params.integer("limit", default_limit, low=1, high=100) or default_limit
        after, before = params.integer("after"), params.integer("before")
        rows: list[dict[str, object]] = []
        for inst_type in INST_TYPES:
            if wanted_type not in (None, inst_type) or bill_type not in (None, "2"):
                continue
            engine = self.ctx.engine(inst_type)
            for fill in engine.fills(call.account_id, limit=None):
                if fill.ts_ms < call.now_ms - window_ms:
                    continue
                row = bill_row(self.ctx, inst_type, fill)
                if ccy is None or row["ccy"] == ccy:
                    rows.append(row)
        rows.sort(key=lambda r: int(str(r["billId"])), reverse=True)
        if after is not None:
            rows = [r for r in rows if int(str(r["billId"])) < after]
        if before is not None:
            rows = [r for r in rows if int(str(r["billId"])) > before]
        return list(rows[:limit])

    def currencies(self, call: Call) -> list[object]:
        names = sorted(
            {s.base for s in (*self.ctx.spot_symbols, *self.ctx.swap_symbols)}
            | {s.quote for s in (*self.ctx.spot_symbols, *self.ctx.swap_symbols)}
        )
        wanted = call.params.text("ccy")
        if wanted is not None:
            names = [n for n in names if n in wanted.split(",")]
        return [
            {
                "ccy": name,
                "name": name,
                "chain": f"{name}-ERC20",
                "canDep": True,
                "canWd": True,
                "canInternal": True,
                "minDep": "0.00000001",
                "minWd": "0.001",
                "maxWd": "1000000",
                "wdTickSz": "8",
                "wdQuota": "10000000",
                "usedWdQuota": "0",
                "minFee": "0",
                "maxFee": "0",
                "mainNet": True,
                "needTag": False,
                "logoLink": "",
            }
            for name in names
        ]
