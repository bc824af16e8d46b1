"""The rows REST and the private channels share: orders, fills, positions and the
trading account's balance (PROTOCOLS.md §3.3 field names; the docs' samples of
`/api/v5/trade/order`, `/trade/fills`, `/account/positions`, `/account/balance`).

Pure functions of the emulator's state. Every number is a decimal string in its shortest
exact form, so a REST answer and a channel push of the same order agree character for
character. SWAP sizes are in contracts (`contracts.py`); spot sizes in the base
currency. OKX writes a charged fee as a negative number, a rebate as a positive one,
and leaves a field empty ("") when it has no value.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import Engine, EngineFill, EngineOrder, EnginePosition
from tradeport.emulator.orders import EXPIRE_BOTH, EXPIRE_MAKER, EXPIRE_TAKER, EXPIRED_IN_MATCH
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.ids import (
    InstType,
    bill_id_text,
    inst_type_of,
    order_id_text,
    trade_id_text,
)
from tradeport.venues.okx.emulator.order_info import client_id_text

ZERO = Decimal(0)
STP_MODE_TEXT = {
    EXPIRE_MAKER: "cancel_maker",
    EXPIRE_TAKER: "cancel_taker",
    EXPIRE_BOTH: "cancel_both",
}
# cancelSource of an order self-trade prevention cancelled
CANCEL_BY_SELF_TRADE = "32"
Row = dict[str, object]
_RATIO = Decimal("0.0000000001")

SIDES = {"BUY": "buy", "SELL": "sell"}
POS_SIDES = {"BOTH": "net", "LONG": "long", "SHORT": "short"}
STATES = {"NEW": "live", "PARTIALLY_FILLED": "partially_filled", "FILLED": "filled"}
# cancelSource (the docs' order detail enum): 1 user, 13 FOK not filled in full, 14 IOC
# (and market) remainder, 22 reduce-only order with nothing left to reduce, 31 a
# post_only order that would take liquidity
CANCEL_BY_USER = "1"


def text(value: Decimal | None) -> str:
    return "" if value is None else plain(value)


def _ratio(part: Decimal, whole: Decimal) -> str:
    if whole == 0:
        return ""
    return plain((part / whole).quantize(_RATIO, rounding=ROUND_HALF_UP))


def order_fills(engine: Engine, order: EngineOrder) -> list[EngineFill]:
    return engine.fills(order.account_id, order.symbol, order.order_id, limit=None)


# -- orders ----------------------------------------------------------------------------
def order_state(order: EngineOrder) -> str:
    """`state`: the engine's CANCELED and EXPIRED both read `canceled`."""
    return STATES.get(order.status, "canceled")


def cancel_source(order: EngineOrder, ord_type: str) -> str:
    if order.status == "CANCELED":
        return CANCEL_BY_USER
    if order.status == EXPIRED_IN_MATCH:
        return CANCEL_BY_SELF_TRADE
    if order.status != "EXPIRED":
        return ""
    if order.reduce_only and order.type == "LIMIT" and ord_type in ("limit", "post_only"):
        return "22"
    if ord_type == "post_only":
        return "31"
    if ord_type == "fok":
        return "13"
    return "14"


def order_row(
    order: EngineOrder,
    inst_type: InstType,
    *,
    ctx: OkxContext,
    fill: EngineFill | None = None,
) -> Row:
    """One order detail (`/trade/order`, `/orders-pending`, `/orders-history`). `fill`
    is the fill the row reports as the latest (`fillPx`, `fillSz`, `tradeId`); by
    default the order's most recent one. The `orders` channel adds its push fields."""
    engine = ctx.engine(inst_type)
    terms = ctx.sizing.terms(order.symbol)
    info = ctx.order_info.terms(inst_type, order.order_id)
    instrument = engine.instruments[order.symbol]
    fills = order_fills(engine, order)
    last = fill if fill is not None else (fills[-1] if fills else None)
    fee = sum((f.fee for f in fills), ZERO)
    pnl = sum((f.realized_pnl for f in fills), ZERO)
    fee_ccy = (
        fills[-1].fee_asset
        if fills
        else _default_fee_ccy(order, instrument.base, instrument.quote, inst_type)
    )
    if order.quote_qty is not None:
        sz = order.quote_qty  # a spot market buy in quote_ccy is sized in the quote currency
    else:
        sz = terms.to_venue(order.qty)
    swap = inst_type == "SWAP"
    filled = order.filled_qty
    return {
        "instType": inst_type,
        "instId": order.symbol,
        "tgtCcy": info.tgt_ccy,
        "ccy": info.ccy,
        "ordId": order_id_text(inst_type, order.order_id),
        "clOrdId": client_id_text(order.client_order_id),
        "tag": info.tag,
        "px": text(order.price) if order.type == "LIMIT" else "",
        "pxUsd": "",
        "pxVol": "",
        "pxType": "",
        "sz": plain(sz),
        "pnl": plain(pnl),
        "ordType": info.ord_type,
        "side": SIDES[order.side],
        "posSide": POS_SIDES[order.position_side] if swap else "net",
        "tdMode": info.td_mode,
        "accFillSz": plain(terms.to_venue(filled)),
        "fillPx": plain(last.price) if last is not None else "",
        "tradeId": trade_id_text(last.trade_id) if last is not None else "",
        "fillSz": plain(terms.to_venue(last.qty)) if last is not None else "0",
        "fillTime": str(last.ts_ms) if last is not None else "",
        "avgPx": plain(order.avg_price) if filled > 0 else "",
        "state": order_state(order),
        "stpId": "",
        "stpMode": STP_MODE_TEXT.get(order.stp, ""),
        "lever": str(engine.leverage(order.account_id, order.symbol)) if swap else "",
        "attachAlgoClOrdId": "",
        "tpTriggerPx": "",
        "tpTriggerPxType": "",
        "tpOrdPx": "",
        "slTriggerPx": "",
        "slTriggerPxType": "",
        "slOrdPx": "",
        "attachAlgoOrds": [],
        "linkedAlgoOrd": {"algoId": ""},
        "feeCcy": fee_ccy,
        "fee": plain(-fee),
        "rebateCcy": instrument.quote,
        "rebate": "0",
        "source": "",
        "category": "normal",
        "reduceOnly": "true" if order.reduce_only else "false",
        "isTpLimit": "false",
        "cancelSource": cancel_source(order, info.ord_type),
        "cancelSourceReason": "",
        "quickMgnType": "",
        "algoClOrdId": "",
        "algoId": "",
        "tradeQuoteCcy": instrument.quote if not swap else "",
        "uTime": str(order.updated_ms),
        "cTime": str(order.created_ms),
    }


def _default_fee_ccy(order: EngineOrder, base: str, quote: str, inst_type: InstType) -> str:
    """The currency an unfilled order would pay its fee in: a spot buy pays in what it
    receives (the base), everything else in the quote / settlement currency."""
    return base if inst_type == "SPOT" and order.side == "BUY" else quote


def order_ack(order: EngineOrder, inst_type: InstType, *, tag: str, now_ms: int) -> Row:
    """A place / cancel / amend data item for an accepted request."""
    return {
        "clOrdId": client_id_text(order.client_order_id),
        "ordId": order_id_text(inst_type, order.order_id),
        "tag": tag,
        "ts": str(now_ms),
        "sCode": "0",
        "sMsg": "Order placed",
    }


# -- fills -----------------------------------------------------------------------------
def fill_row(fill: EngineFill, *, ctx: OkxContext) -> Row:
    """One `/trade/fills` entry; the `fills` channel pushes a subset of these."""
    inst_type = inst_type_of(fill.symbol)
    engine = ctx.engine(inst_type)
    terms = ctx.sizing.terms(fill.symbol)
    info = ctx.order_info.terms(inst_type, fill.order_id)
    swap = inst_type == "SWAP"
    rate = (
        fill.fee / fill.qty
        if fill.fee_asset == engine.instruments[fill.symbol].base
        else (fill.fee / fill.quote_qty if fill.quote_qty else ZERO)
    )
    return {
        "instType": inst_type,
        "instId": fill.symbol,
        "tradeId": trade_id_text(fill.trade_id),
        "ordId": order_id_text(inst_type, fill.order_id),
        "clOrdId": client_id_text(fill.client_order_id),
        "billId": bill_id_text(inst_type, fill.trade_id, fill.is_maker),
        "subType": "1" if fill.side == "BUY" else "2",
        "tag": info.tag,
        "fillPx": plain(fill.price),
        "fillSz": plain(terms.to_venue(fill.qty)),
        "fillIdxPx": "",
        "fillPnl": plain(fill.realized_pnl),
        "fillPxVol": "",
        "fillPxUsd": "",
        "fillMarkVol": "",
        "fillFwdPx": "",
        "fillMarkPx": plain(engine.mark_price(fill.symbol)) if swap else "",
        "side": SIDES[fill.side],
        "posSide": POS_SIDES[fill.position_side] if swap else "net",
        "execType": "M" if fill.is_maker else "T",
        "feeCcy": fill.fee_asset,
        "fee": plain(-fill.fee),
        "feeRate": plain(-rate),
        "ts": str(fill.ts_ms),
        "fillTime": str(fill.ts_ms),
        "tradeQuoteCcy": engine.instruments[fill.symbol].quote if not swap else "",
    }


# -- positions -------------------------------------------------------------------------
class PositionHistory:
    """What a position row needs beyond `EnginePosition`, replayed from the account's
    fills of one instrument and position side: when the current holding opened, its
    realized pnl and fees so far, the last trade."""

    __slots__ = ("created_ms", "fee", "realized", "trade_id", "updated_ms")

    def __init__(self, fills: Iterable[EngineFill]) -> None:
        self.created_ms = self.updated_ms = 0
        self.realized = self.fee = ZERO
        self.trade_id = 0
        size = ZERO
        for fill in fills:
            if size == 0:  # a new holding starts its own history
                self.created_ms, self.realized, self.fee = fill.ts_ms, ZERO, ZERO
            signed = fill.qty if fill.side == "BUY" else -fill.qty
            size += -signed if fill.position_side == "SHORT" else signed
            self.realized += fill.realized_pnl
            self.fee += fill.fee
            self.updated_ms = fill.ts_ms
            self.trade_id = fill.trade_id

    @classmethod
    def of(cls, engine: Engine, account_id: str, inst: str, position_side: str) -> PositionHistory:
        fills = engine.fills(account_id, inst, limit=None)
        return cls(f for f in fills if f.position_side == position_side)


def bill_row(ctx: OkxContext, inst_type: InstType, fill: EngineFill) -> Row:
    """One `/account/bills` trade bill (type 2) for a fill, in the currency its fee is
    charged in: spot buys receive the base (less the fee), spot sells the quote; a SWAP
    fill changes the margin currency by its realized pnl less the fee. `bal` (the
    balance after the bill) is not kept per fill, so it is empty."""
    engine = ctx.engine(inst_type)
    base = engine.instruments[fill.symbol].base
    if inst_type == "SWAP":
        change = fill.realized_pnl - fill.fee
    elif fill.fee_asset == base:
        change = fill.qty - fill.fee
    else:
        change = fill.quote_qty - fill.fee
    return {
        "instType": inst_type,
        "instId": fill.symbol,
        "billId": bill_id_text(inst_type, fill.trade_id, fill.is_maker),
        "type": "2",
        "subType": "1" if fill.side == "BUY" else "2",
        "ccy": fill.fee_asset,
        "bal": "",
        "balChg": plain(change),
        "fee": plain(-fill.fee),
        "pnl": plain(fill.realized_pnl),
        "sz": plain(ctx.sizing.to_venue(fill.symbol, fill.qty)),
        "px": plain(fill.price),
        "execType": "M" if fill.is_maker else "T",
        "mgnMode": "cross" if inst_type == "SWAP" else "cash",
        "ordId": order_id_text(inst_type, fill.order_id),
        "tradeId": trade_id_text(fill.trade_id),
        "from": "",
        "to": "",
        "notes": "",
        "posBal": "",
        "posBalChg": "",
        "interest": "0",
        "ts": str(fill.ts_ms),
    }


def position_row(position: EnginePosition, *, ctx: OkxContext, account_id: str) -> Row:
    """One `/account/positions` entry (SWAP); the `positions` channel pushes the same."""
    engine = ctx.swap
    inst = position.symbol
    instrument = engine.instruments[inst]
    terms = ctx.sizing.terms(inst)
    history = PositionHistory.of(engine, account_id, inst, position.position_side)
    pos_side = POS_SIDES[position.position_side]
    mode = ctx.order_info.margin_mode(account_id, inst, pos_side)
    size = abs(position.qty)
    contracts = terms.to_venue(position.qty)  # net mode: negative when short
    mark = position.mark_price
    mmr = mark * size * instrument.maint_margin_rate
    last = engine.last_price(inst) or mark
    held_for_close = sum(
        (o.remaining for o in engine.open_orders(account_id, inst) if _closes(o, position)),
        ZERO,
    )
    pnl = history.realized
    return {
        "instType": "SWAP",
        "mgnMode": mode,
        "posId": position_id(account_id, inst, position.position_side),
        "posSide": pos_side,
        "pos": plain(contracts),
        "baseBal": "",
        "quoteBal": "",
        "baseBorrowed": "",
        "baseInterest": "",
        "quoteBorrowed": "",
        "quoteInterest": "",
        "posCcy": "",
        "availPos": plain(terms.to_venue(max(ZERO, size - held_for_close))),
        "avgPx": plain(position.entry_price),
        "nonSettleAvgPx": plain(position.entry_price),
        "markPx": plain(mark),
        "upl": plain(position.unrealized_pnl),
        "uplRatio": _ratio(position.unrealized_pnl, position.margin),
        "uplLastPx": plain((last - position.entry_price) * position.qty),
        "uplRatioLastPx": _ratio((last - position.entry_price) * position.qty, position.margin),
        "instId": inst,
        "lever": str(position.leverage),
        "liqPx": text(position.liquidation_price) if position.liquidation_price else "",
        "imr": plain(position.margin) if mode == "cross" else "",
        "margin": plain(position.margin) if mode == "isolated" else "",
        "mgnRatio": _ratio(position.margin + position.unrealized_pnl, mmr),
        "mmr": plain(mmr),
        "liab": "",
        "liabCcy": "",
        "interest": "0",
        "tradeId": trade_id_text(history.trade_id) if history.trade_id else "",
        "optVal": "",
        "pendingCloseOrdLiabVal": "0",
        "notionalUsd": plain(size * mark),
        "adl": "1",
        "ccy": instrument.quote,
        "last": plain(last),
        "idxPx": plain(mark),
        "usdPx": "",
        "bePx": plain(position.entry_price),
        "deltaBS": "",
        "deltaPA": "",
        "gammaBS": "",
        "gammaPA": "",
        "thetaBS": "",
        "thetaPA": "",
        "vegaBS": "",
        "vegaPA": "",
        "spotInUseAmt": "",
        "spotInUseCcy": "",
        "clSpotInUseAmt": "",
        "maxSpotInUseAmt": "",
        "bizRefId": "",
        "bizRefType": "",
        "realizedPnl": plain(pnl - history.fee),
        "settledPnl": "",
        "pnl": plain(pnl),
        "fee": plain(-history.fee),
        "fundingFee": "0",
        "liqPenalty": "0",
        "closeOrderAlgo": [],
        "cTime": str(history.created_ms),
        "uTime": str(history.updated_ms),
    }


def _closes(order: EngineOrder, position: EnginePosition) -> bool:
    if order.position_side != position.position_side:
        return False
    if position.position_side == "BOTH":
        return (order.side == "SELL") == (position.qty > 0)
    return (position.position_side, order.side) in (("LONG", "SELL"), ("SHORT", "BUY"))


def position_id(account_id: str, inst: str, position_side: str) -> str:
    """A stable numeric `posId` per account, instrument and side."""
    digest = sum((i + 1) * ord(c) for i, c in enumerate(f"{account_id}|{inst}|{position_side}"))
    return str(900_000_000_000_000_000 + digest)


# -- balance ---------------------------------------------------------------------------
def usd_price(ctx: OkxContext, ccy: str) -> Decimal:
    """A currency's USD value per unit: USDT/USDC count 1, others at their spot
    `<CCY>-USDT` mark (the book's mid); a currency with no USDT market counts 0."""
    if ccy in ("USDT", "USDC", "USD"):
        return Decimal(1)
    inst = f"{ccy}-USDT"
    return ctx.spot.mark_price(inst) if inst in ctx.spot.instruments else ZERO


def account_row(ctx: OkxContext, account_id: str, ccys: Iterable[str] | None = None) -> Row:
    """`data[0]` of `/api/v5/account/balance`, with `details[]` per currency; the
    `account` channel pushes the same. One trading account: per currency the spot
    ledger's free + frozen plus the swap ledger's wallet. `ccys` restricts the details
    (the `ccy` parameter); without it, currencies holding nothing are left out."""
    spot = ctx.spot.balances(account_id)
    swap_ccys = set(ctx.swap.balances(account_id))
    wanted = sorted(set(spot) | swap_ccys) if ccys is None else list(ccys)
    now = str(ctx.now_ms())
    details: list[Row] = []
    total = {k: ZERO for k in ("eq", "avail", "ord", "imr", "mmr", "upl")}
    for ccy in wanted:
        free, locked = spot.get(ccy, (ZERO, ZERO))
        cash, frozen, ord_frozen = free + locked, locked, locked
        upl = imr = mmr = ZERO
        if ccy in swap_ccys:
            wallet = ctx.swap.wallet(account_id, ccy)
            cash += wallet.balance
            upl = wallet.unrealized_pnl
            imr = wallet.position_margin + wallet.order_margin
            frozen += imr
            ord_frozen += wallet.order_margin
            mmr = ctx.swap.maintenance_margin(account_id, ccy)
        if ccys is None and cash == 0 and upl == 0:
            continue
        eq = cash + upl
        price = usd_price(ctx, ccy)
        avail_eq = eq - frozen
        details.append(
            {
                "ccy": ccy,
                "eq": plain(eq),
                "cashBal": plain(cash),
                "uTime": now,
                "isoEq": "0",
                "availEq": plain(avail_eq),
                "disEq": plain(eq * price),
                "fixedBal": "0",
                "availBal": plain(cash - frozen),
                "frozenBal": plain(frozen),
                "ordFrozen": plain(ord_frozen),
                "liab": "0",
                "upl": plain(upl),
                "uplLiab": "0",
                "crossLiab": "0",
                "isoLiab": "0",
                "rewardBal": "0",
                "mgnRatio": _ratio(eq, mmr),
                "imr": plain(imr),
                "mmr": plain(mmr),
                "interest": "0",
                "twap": "0",
                "frpType": "0",
                "maxLoan": "0",
                "eqUsd": plain(eq * price),
                "borrowFroz": "0",
                "notionalLever": "0",
                "stgyEq": "0",
                "isoUpl": "0",
                "spotInUseAmt": "",
                "clSpotInUseAmt": "",
                "maxSpotInUse": "",
                "spotIsoBal": "0",
                "smtSyncEq": "0",
                "spotCopyTradingEq": "0",
                "spotBal": plain(free + locked),
                "openAvgPx": "",
                "accAvgPx": "",
                "spotUpl": "",
                "spotUplRatio": "",
                "totalPnl": "",
                "totalPnlRatio": "",
                "colRes": "0",
                "colBorrAutoConversion": "0",
                "collateralEnabled": False,
                "autoLendStatus": "off",
                "autoLendMtAmt": "0",
            }
        )
        total["eq"] += eq * price
        total["avail"] += avail_eq * price
        total["ord"] += ord_frozen * price
        total["imr"] += imr * price
        total["mmr"] += mmr * price
        total["upl"] += upl * price
    notional = sum((abs(p.qty) * p.mark_price for p in ctx.swap.positions(account_id)), ZERO)
    return {
        "uTime": now,
        "totalEq": plain(total["eq"]),
        "isoEq": "0",
        "adjEq": plain(total["eq"]),
        "availEq": plain(total["avail"]),
        "ordFroz": plain(total["ord"]),
        "imr": plain(total["imr"]),
        "mmr": plain(total["mmr"]),
        "borrowFroz": "0",
        "mgnRatio": _ratio(total["eq"], total["mmr"]),
        "notionalUsd": plain(notional),
        "notionalUsdForBorrow": "0",
        "notionalUsdForFutures": "0",
        "notionalUsdForOption": "0",
        "notionalUsdForSwap": plain(notional),
        "upl": plain(total["upl"]),
        "details": details,
    }
