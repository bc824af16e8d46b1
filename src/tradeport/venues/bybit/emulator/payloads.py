"""The rows REST and the private WebSocket topics share: orders, executions, positions
and the unified wallet (PROTOCOLS.md §4.3; field names from the v5 docs' `order/`,
`position/`, `account/wallet-balance` and `websocket/private/` pages).

Pure functions of the engine's state. Every number is a decimal string in its shortest
exact form, so a REST answer and a stream push of the same order agree character for
character. Bybit leaves a field empty (`""`) when it has no value: an unfilled order's
`avgPrice`, a flat position's `side`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import Engine, EngineFill, EngineOrder, EnginePosition
from tradeport.venues.bybit.emulator.context import LINEAR_FEES, BybitContext
from tradeport.venues.bybit.emulator.ids import Category, exec_id_text, order_id_text

# One risk tier per symbol: the emulator's margin rates do not step up with position
# size, so every position sits in tier 1 of this value (market/risk-limit)
RISK_ID = 1
RISK_LIMIT_VALUE = "2000000"

ZERO = Decimal(0)
# position.mdx: the break-even price counts at least this taker fee rate
BREAK_EVEN_FEE_FLOOR = Decimal("0.00055")
Row = dict[str, object]

SIDES = {"BUY": "Buy", "SELL": "Sell"}
POSITION_IDX = {"BOTH": 0, "LONG": 1, "SHORT": 2}
POSITION_SIDES = {index: side for side, index in POSITION_IDX.items()}
TIME_IN_FORCE = {"GTC": "GTC", "IOC": "IOC", "FOK": "FOK", "GTX": "PostOnly"}
_OPEN_STATUSES = {"NEW": "New", "PARTIALLY_FILLED": "PartiallyFilled", "FILLED": "Filled"}
# Orders placed without an `orderLinkId` get an engine client id with this prefix, which
# Bybit's orderLinkId charset (letters, digits, "-", "_") cannot produce; rows show "".
AUTO_LINK_PREFIX = "~"


def link_id_text(client_order_id: str) -> str:
    """The `orderLinkId` of an order: what the user gave, or "" when they gave none."""
    return "" if client_order_id.startswith(AUTO_LINK_PREFIX) else client_order_id


# -- orders ----------------------------------------------------------------------------
def order_status(order: EngineOrder, category: Category) -> str:
    """Bybit's `orderStatus`. The engine's CANCELED and EXPIRED both end as `Cancelled`;
    a spot order that traded before it was cancelled is `PartiallyFilledCanceled`
    (enum.mdx: "Only spot has this order status")."""
    if order.status in _OPEN_STATUSES:
        return _OPEN_STATUSES[order.status]
    if order.status == "REJECTED":
        return "Rejected"
    if category == "spot" and order.filled_qty > 0:
        return "PartiallyFilledCanceled"
    return "Cancelled"


def cancel_type(order: EngineOrder) -> str:
    """`cancelType` (enum.mdx): a user's cancel, a reduce-only order left with nothing to
    reduce, or `UNKNOWN` for orders that were never cancelled."""
    if order.status == "CANCELED":
        return "CancelByUser"
    if order.status == "EXPIRED" and order.reduce_only and order.type == "LIMIT":
        return "CancelByReduceOnly"
    return "UNKNOWN"


def reject_reason(order: EngineOrder) -> str:
    """`rejectReason` (enum.mdx) of an order the engine closed without a user's cancel:
    a post-only order that would take, a FOK that could not fill in full, an IOC or
    market order whose rest found no maker."""
    if order.status != "EXPIRED" or cancel_type(order) != "UNKNOWN":
        return "EC_NoError"
    if order.tif == "GTX":
        return "EC_PostOnlyWillTakeLiquidity"
    if order.tif == "FOK":
        return "EC_CancelForNoFullFill"
    return "EC_NoImmediateQtyToFill"


def market_unit(order: EngineOrder, category: Category) -> str:
    """Spot market orders name the unit of `qty`; other orders leave it empty."""
    if category != "spot" or order.type != "MARKET":
        return ""
    return "quoteCoin" if order.quote_qty is not None else "baseCoin"


def cum_exec_fee(engine: Engine, order: EngineOrder) -> Decimal:
    """The fees an order has paid so far (in the fee coin of its fills)."""
    fills = engine.fills(order.account_id, order.symbol, order.order_id, limit=None)
    return sum((f.fee for f in fills), ZERO)


def order_row(order: EngineOrder, category: Category, *, cum_fee: Decimal = ZERO) -> Row:
    """One `/v5/order/realtime` / `/v5/order/history` list entry. The private `order`
    topic adds `category`, `closedPnl`, `feeCurrency` to this. `cum_fee` is
    `cum_exec_fee(engine, order)`."""
    is_limit = order.type == "LIMIT"
    open_ = order.is_open
    qty = order.quote_qty if order.quote_qty is not None else order.qty
    leaves = order.remaining if open_ else ZERO
    row: Row = {
        "orderId": order_id_text(category, order.order_id),
        "orderLinkId": link_id_text(order.client_order_id),
        "blockTradeId": "",
        "symbol": order.symbol,
        "price": plain(order.price) if is_limit else "0",
        "qty": plain(qty),
        "side": SIDES[order.side],
        "isLeverage": "0" if category == "spot" else "",
        "positionIdx": POSITION_IDX[order.position_side],
        "orderStatus": order_status(order, category),
        "cancelType": cancel_type(order),
        "rejectReason": reject_reason(order),
        "avgPrice": plain(order.avg_price) if order.filled_qty > 0 else "",
        "leavesQty": plain(leaves),
        "leavesValue": plain(leaves * order.price) if is_limit and order.price else "0",
        "cumExecQty": plain(order.filled_qty),
        "cumExecValue": plain(order.cum_quote),
        "cumExecFee": plain(cum_fee),
        "extraFees": "",  # only for Indian, Indonesian and EU fiat users (order.mdx)
        # market orders always run as IOC (create-order.mdx)
        "timeInForce": TIME_IN_FORCE[order.tif] if is_limit else "IOC",
        "orderType": "Limit" if is_limit else "Market",
        "stopOrderType": "",
        "orderIv": "",
        "marketUnit": market_unit(order, category),
        "triggerPrice": "0",
        "takeProfit": "0",
        "stopLoss": "0",
        "tpLimitPrice": "0",
        "slLimitPrice": "0",
        "tpTriggerBy": "",
        "slTriggerBy": "",
        "triggerDirection": 0,
        "triggerBy": "",
        "lastPriceOnCreated": "",
        "reduceOnly": order.reduce_only,
        "closeOnTrigger": False,
        "placeType": "",
        "smpType": "None",
        "smpGroup": 0,
        "smpOrderId": "",
        "createdTime": str(order.created_ms),
        "updatedTime": str(order.updated_ms),
    }
    if category == "linear":
        row["createType"] = "CreateByUser"
        row["tpslMode"] = "UNKNOWN"
    return row


def order_ack(order: EngineOrder, category: Category) -> Row:
    """create / amend / cancel answer `result{orderId, orderLinkId}` only."""
    return {
        "orderId": order_id_text(category, order.order_id),
        "orderLinkId": link_id_text(order.client_order_id),
    }


# -- executions ------------------------------------------------------------------------
def fee_rate(fill: EngineFill, base_coin: str) -> Decimal:
    """The rate a fill paid: spot buys pay in the base coin (a share of the quantity),
    everything else in the quote coin (a share of the value)."""
    if fill.fee_asset == base_coin:
        return fill.fee / fill.qty if fill.qty else ZERO
    return fill.fee / fill.quote_qty if fill.quote_qty else ZERO


def execution_row(
    fill: EngineFill,
    category: Category,
    order: EngineOrder,
    *,
    base_coin: str,
    leaves_qty: Decimal | None = None,
    closed_size: Decimal = ZERO,
    mark_price: Decimal | None = None,
) -> Row:
    """One `/v5/execution/list` entry; the `execution` topic adds `category`.

    `order` is the order the fill belongs to; `leaves_qty` is what was left of it right
    after this fill (default: `order.remaining`, right for a snapshot taken with the
    fill). `closed_size` is how much of a position the fill closed (linear)."""
    qty = order.quote_qty if order.quote_qty is not None else order.qty
    leaves = order.remaining if leaves_qty is None else leaves_qty
    mark = plain(mark_price) if mark_price is not None else ""
    return {
        "symbol": fill.symbol,
        "orderId": order_id_text(category, fill.order_id),
        "orderLinkId": link_id_text(fill.client_order_id),
        "side": SIDES[fill.side],
        "orderPrice": plain(order.price) if order.type == "LIMIT" else "0",
        "orderQty": plain(qty),
        "leavesQty": plain(leaves),
        "createType": "CreateByUser" if category == "linear" else "",
        "orderType": "Limit" if order.type == "LIMIT" else "Market",
        "stopOrderType": "",
        "execFee": plain(fill.fee),
        "extraFees": "",  # only for Indian, Indonesian and EU fiat users (execution.mdx)
        "feeCurrency": fill.fee_asset if category == "spot" else "",
        "execId": exec_id_text(category, fill.trade_id, fill.is_maker),
        "execPrice": plain(fill.price),
        "execQty": plain(fill.qty),
        "execType": "Trade",
        "execValue": plain(fill.quote_qty),
        "execTime": str(fill.ts_ms),
        "isMaker": fill.is_maker,
        "feeRate": plain(fee_rate(fill, base_coin)),
        "tradeIv": "",
        "markIv": "",
        "markPrice": mark,
        "indexPrice": mark,
        "underlyingPrice": "",
        "blockTradeId": "",
        "closedSize": plain(closed_size),
        "execPnl": plain(fill.realized_pnl),
        "seq": fill.trade_id,
    }


# -- positions -------------------------------------------------------------------------
class PositionHistory:
    """What a position's rows need beyond the engine's `EnginePosition`, replayed from
    the account's fills of one symbol and position side."""

    __slots__ = ("created_ms", "cum_realised", "cur_realised", "seq", "updated_ms")

    def __init__(self, fills: Iterable[EngineFill]) -> None:
        self.created_ms = self.updated_ms = 0
        self.cum_realised = self.cur_realised = ZERO
        self.seq = -1  # docs: "-1 if the symbol has never been traded"
        size = ZERO
        for fill in fills:
            signed = fill.qty if fill.side == "BUY" else -fill.qty
            if size == 0:
                self.cur_realised = ZERO  # a new holding starts its own realised PnL
            # Bybit's realised PnL is net of trading fees
            net = fill.realized_pnl - fill.fee
            self.cum_realised += net
            self.cur_realised += net
            size += signed if fill.position_side != "SHORT" else -signed
            if not self.created_ms:
                self.created_ms = fill.ts_ms
            self.updated_ms = fill.ts_ms
            self.seq = fill.trade_id

    @classmethod
    def of(
        cls, engine: Engine, account_id: str, symbol: str, position_side: str
    ) -> PositionHistory:
        fills = engine.fills(account_id, symbol, limit=None)
        return cls(f for f in fills if f.position_side == position_side)


def break_even_price(position: EnginePosition | None, engine: Engine, row: Row) -> str:
    """position.mdx: (entry × qty − realised) / (qty − |qty| × max(taker fee, 0.00055)),
    qty signed (negative short); "0" for a flat position."""
    if position is None or position.qty == 0:
        return "0"
    short = position.qty < 0 or position.position_side == "SHORT"
    qty = -abs(position.qty) if short else abs(position.qty)
    realised = Decimal(str(row.get("curRealisedPnl", "0")))
    rate = max(LINEAR_FEES[1], BREAK_EVEN_FEE_FLOOR)
    value = (position.entry_price * qty - realised) / (qty - abs(qty) * rate)
    tick = engine.instruments[position.symbol].tick_size
    return plain(value.quantize(tick, rounding=ROUND_HALF_UP))


def _mark_price_views(row: Row, position: EnginePosition | None, engine: Engine) -> Row:
    """The fields priced at the mark (`*ByMp`, the same here: the emulators' index is
    their mark) and the break-even price, on REST rows and pushes alike."""
    row["positionIMByMp"] = row.get("positionIM", "0")
    row["positionMMByMp"] = row.get("positionMM", "0")
    row["breakEvenPrice"] = break_even_price(position, engine, row)
    return row


def position_row(position: EnginePosition, *, engine: Engine, account_id: str) -> Row:
    """One `/v5/position/list` entry for an open position; the `position` topic adds
    `category` and `entryPrice`."""
    instrument = engine.instruments[position.symbol]
    history = PositionHistory.of(engine, account_id, position.symbol, position.position_side)
    size = abs(position.qty)
    long = (
        position.qty > 0 if position.position_side == "BOTH" else position.position_side == "LONG"
    )
    # Bankruptcy price: where the position's initial margin is used up (isolated view)
    inverse = Decimal(1) / position.leverage
    bust = position.entry_price * (1 - inverse if long else 1 + inverse)
    bust = bust.quantize(instrument.tick_size, rounding=ROUND_HALF_UP)
    row = _position_fields(
        position.symbol, POSITION_IDX[position.position_side], position.leverage, history
    )
    row.update(
        {
            "side": "Buy" if long else "Sell",
            "size": plain(size),
            "avgPrice": plain(position.entry_price),
            "positionValue": plain(position.entry_price * size),
            "markPrice": plain(position.mark_price),
            "liqPrice": plain(position.liquidation_price) if position.liquidation_price else "",
            "bustPrice": plain(max(ZERO, bust)),
            "positionIM": plain(position.margin),
            "positionMM": plain(position.mark_price * size * instrument.maint_margin_rate),
            "positionBalance": plain(position.margin),
            "unrealisedPnl": plain(position.unrealized_pnl),
        }
    )
    return _mark_price_views(row, position, engine)


def empty_position_row(*, engine: Engine, account_id: str, symbol: str, position_side: str) -> Row:
    """A flat position's row: `/v5/position/list?symbol=` lists it anyway (position.mdx),
    and the `position` topic pushes it when a position closes."""
    history = PositionHistory.of(engine, account_id, symbol, position_side)
    row = _position_fields(
        symbol, POSITION_IDX[position_side], engine.leverage(account_id, symbol), history
    )
    row["markPrice"] = plain(engine.mark_price(symbol))
    return _mark_price_views(row, None, engine)


def _position_fields(symbol: str, idx: int, leverage: int, history: PositionHistory) -> Row:
    return {
        "positionIdx": idx,
        "riskId": RISK_ID,
        "riskLimitValue": RISK_LIMIT_VALUE,
        "symbol": symbol,
        "side": "",
        "size": "0",
        "avgPrice": "0",
        "positionValue": "0",
        "tradeMode": 0,
        "autoAddMargin": 0,
        "positionStatus": "Normal",
        "leverage": str(leverage),
        "markPrice": "0",
        "liqPrice": "",
        "bustPrice": "",
        "positionIM": "0",
        "positionMM": "0",
        "positionBalance": "0",
        "takeProfit": "0",
        "stopLoss": "0",
        "trailingStop": "0",
        "sessionAvgPrice": "",
        "delta": "",
        "gamma": "",
        "vega": "",
        "theta": "",
        "unrealisedPnl": "0",
        "curRealisedPnl": plain(history.cur_realised),
        "cumRealisedPnl": plain(history.cum_realised),
        "adlRankIndicator": 0,
        "createdTime": str(history.created_ms),
        "updatedTime": str(history.updated_ms),
        "seq": history.seq,
        "isReduceOnly": False,
        "mmrSysUpdatedTime": "",
        "leverageSysUpdatedTime": "",
        "tpslMode": "Full",
    }


# -- wallet ----------------------------------------------------------------------------
def usd_price(ctx: BybitContext, coin: str) -> Decimal:
    """A coin's USD value per unit: USDT counts as 1 USD, others at their spot
    `<COIN>USDT` mark (the mid of the book); a coin with no USDT market counts 0."""
    if coin in ("USDT", "USDC", "USD"):
        return Decimal(1)
    symbol = f"{coin}USDT"
    if symbol in ctx.spot.instruments:
        return ctx.spot.mark_price(symbol)
    return ZERO


def wallet_account(ctx: BybitContext, account_id: str, coins: Iterable[str] | None = None) -> Row:
    """The `list[0]` entry of `/v5/account/wallet-balance?accountType=UNIFIED`; the
    `wallet` topic pushes the same entry.

    One unified wallet: per coin, the spot ledger's free + locked plus the linear
    ledger's wallet balance. Spot orders hold `locked`; linear orders and positions hold
    initial margin (`totalOrderIM`, `totalPositionIM`). `coins` restricts the entries
    (the `coin` parameter); without it, coins with a zero balance are left out, as
    wallet-balance.mdx says."""
    spot = ctx.spot.balances(account_id)
    linear_assets = sorted(ctx.linear.balances(account_id))
    wanted = sorted(set(spot) | set(linear_assets)) if coins is None else list(coins)
    entries: list[Row] = []
    totals = {k: ZERO for k in ("wallet", "upl", "im", "mm", "locked", "equity")}
    for coin in wanted:
        free, locked = spot.get(coin, (ZERO, ZERO))
        wallet = free + locked
        upl = order_im = position_im = position_mm = realised = ZERO
        if coin in linear_assets:
            perp = ctx.linear.wallet(account_id, coin)
            wallet += perp.balance
            upl, order_im, position_im = (
                perp.unrealized_pnl,
                perp.order_margin,
                perp.position_margin,
            )
            position_mm = ctx.linear.maintenance_margin(account_id, coin)
            realised = _realised(ctx.linear, account_id, coin)
        if coins is None and wallet == 0 and upl == 0:
            continue
        equity = wallet + upl
        price = usd_price(ctx, coin)
        available = wallet - locked - order_im - position_im + min(upl, ZERO)
        entries.append(
            {
                "coin": coin,
                "equity": plain(equity),
                "usdValue": plain(equity * price),
                "walletBalance": plain(wallet),
                "locked": plain(locked),
                "spotHedgingQty": "0",
                "spotBorrow": "0",
                "borrowAmount": "0",
                "availableToBorrow": "",
                "availableToWithdraw": plain(max(ZERO, available)),
                "accruedInterest": "0",
                "totalOrderIM": plain(order_im),
                "totalPositionIM": plain(position_im),
                "totalPositionMM": plain(position_mm),
                "unrealisedPnl": plain(upl),
                "cumRealisedPnl": plain(realised),
                "bonus": "0",
                "marginCollateral": True,
                "collateralSwitch": True,
            }
        )
        totals["wallet"] += wallet * price
        totals["upl"] += upl * price
        totals["im"] += (order_im + position_im) * price
        totals["mm"] += position_mm * price
        totals["locked"] += locked * price
        totals["equity"] += equity * price
    margin_balance = totals["wallet"] + totals["upl"]
    return {
        "accountType": "UNIFIED",
        "accountLTV": "0",
        "accountIMRate": _rate(totals["im"], margin_balance),
        "accountMMRate": _rate(totals["mm"], margin_balance),
        "totalEquity": plain(totals["equity"]),
        "totalWalletBalance": plain(totals["wallet"]),
        "totalMarginBalance": plain(margin_balance),
        # spot orders' locked funds are unavailable too, beside the margin in use
        "totalAvailableBalance": plain(margin_balance - totals["im"] - totals["locked"]),
        "totalPerpUPL": plain(totals["upl"]),
        "totalInitialMargin": plain(totals["im"]),
        "totalMaintenanceMargin": plain(totals["mm"]),
        # priced at the mark (`ByMp`): the emulators' index is their mark, so the same
        "accountIMRateByMp": _rate(totals["im"], margin_balance),
        "accountMMRateByMp": _rate(totals["mm"], margin_balance),
        "totalInitialMarginByMp": plain(totals["im"]),
        "totalMaintenanceMarginByMp": plain(totals["mm"]),
        "coin": entries,
    }


def _rate(part: Decimal, whole: Decimal) -> str:
    if whole <= 0:
        return "0"
    return plain((part / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _realised(engine: Engine, account_id: str, coin: str) -> Decimal:
    fills = engine.fills(account_id, limit=None)
    return sum(
        (f.realized_pnl - f.fee for f in fills if engine.instruments[f.symbol].quote == coin),
        ZERO,
    )
