"""The execution port (DESIGN.md §5): intents in, the venue's truth out, on any venue
client. Around the client's order flow it adds idempotent client ids derived from
intent ids, the leverage cache, quantization from base units, guards, fee and slippage,
truth-based cancels, reconciliation and the journal.

Guards are the caller's errors and raise before anything is sent: PermissionDenied
(live trading without allow_mainnet), NotReady (the client's readiness), BadParameter
(max notional, max leverage), and the instrument's rules (InvalidQuantity, MinNotional
...). What the venue refuses is not raised: the receipt is REJECTED (or RATE_LIMITED)
and carries the typed error.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any, Self

from tradeport.config.schema import FeeSchedule
from tradeport.execution import receipts, records, sizing
from tradeport.execution.client_ids import client_order_id_for
from tradeport.execution.intent import (
    ExecutionReceipt,
    Intent,
    IntentAction,
    IntentOrderType,
    ReceiptStatus,
)
from tradeport.execution.journal import Journal, intent_to_dict
from tradeport.execution.leverage import LeverageCache, cache_path
from tradeport.execution.leverage import state_dir as resolve_state_dir
from tradeport.execution.quantize import check_order, quantize_price
from tradeport.execution.state import PortState
from tradeport.execution.truth import PortTruth
from tradeport.model import Instrument, LeverageUpdate, Offset, OrderType
from tradeport.model.errors import (
    BadParameter,
    DuplicateClientOrderId,
    NotReady,
    NotSupported,
    RateLimitError,
    ReduceOnlyRejected,
    TradeportError,
    UnknownSymbol,
    ValidationError,
)
from tradeport.streams.watch import Watch
from tradeport.venues import registry
from tradeport.venues.base import OrderRequest, VenueClient
from tradeport.venues.capability import Capability
from tradeport.venues.kit import arguments

_ORDER_TYPES = {
    IntentOrderType.MARKET: OrderType.MARKET,
    IntentOrderType.LIMIT: OrderType.LIMIT,
    IntentOrderType.POST_ONLY: OrderType.POST_ONLY,
}
# errors of the client's own checks: the caller's, raised, never a venue's rejection
_CALLER_ERRORS = (NotReady, NotSupported)


def _callers(exc: TradeportError) -> bool:
    """Whether the client refused the request itself, before the venue saw it: a
    readiness or capability error, or a validation error without a venue code."""
    return isinstance(exc, _CALLER_ERRORS) or (
        isinstance(exc, ValidationError) and exc.code is None
    )


def _streams_private(client: VenueClient) -> bool:
    listed = registry.get_venue(client.key).capabilities
    return {Capability.WATCH_ORDERS, Capability.WATCH_POSITIONS} <= listed


class ExecutionPort(PortTruth):
    """Intents to orders on one venue client, with the venue's truth back.

    `journal`: a Journal or the path of one (opened and closed by the port); every
    intent, request, acknowledgement, fill, cancel and receipt is recorded, and
    `connect` settles the intents it holds open before any new submit. `state_dir`: where
    the leverage cache lives (default: $TRADEPORT_STATE_DIR, else the user's state
    directory). `account`: names the account in the cache. `max_notional` (in the quote
    currency) and `max_leverage` refuse an entering intent above them. `fee_rates`:
    the account's maker/taker rates for fee estimates (default: the venue's published
    schedule from venue.yaml, when it has one). `stream`: keep the state current between
    refreshes from the private stream's order and position events; the private stream
    then joins the client's readiness (no order while it is down). By default on
    wherever the venue streams orders and positions. An exit's leverage is ignored:
    closing never changes it. On a venue without a ticker call the receipt has no mark
    and no slippage; without a fills list its fee stays the estimate."""

    def __init__(
        self,
        client: VenueClient,
        *,
        journal: Journal | str | os.PathLike[str] | None = None,
        state_dir: str | os.PathLike[str] | None = None,
        account: str = "default",
        max_notional: Decimal | None = None,
        max_leverage: int | None = None,
        fee_rates: FeeSchedule | None = None,
        stream: bool | None = None,
    ) -> None:
        if not isinstance(client, VenueClient):
            raise BadParameter(f"client: expected a VenueClient, got {type(client).__name__}")
        self.account = arguments.text("account", account)
        self.max_notional = (
            None
            if max_notional is None
            else arguments.positive_amount("max_notional", max_notional)
        )
        self.max_leverage = (
            None if max_leverage is None else arguments.count("max_leverage", max_leverage)
        )
        # by default on wherever the venue streams orders and positions: the issue's
        # readiness guard (no order while the user stream is down) needs it
        self.stream = (
            _streams_private(client) if stream is None else arguments.flag("stream", stream)
        )
        directory = resolve_state_dir(state_dir)
        self.leverage = LeverageCache(
            cache_path(directory, client.key, client.environment, self.account)
        )
        # opened last: nothing after it can fail and leave it open
        self._owns_journal = journal is not None and not isinstance(journal, Journal)
        super().__init__(
            client,
            journal if journal is None or isinstance(journal, Journal) else Journal(journal),
            fee_rates if fee_rates is not None else client.config.fees,
        )
        self._watches: list[Watch[Any]] = []
        self._intent_locks: dict[str, asyncio.Lock] = {}
        self._connect_lock = asyncio.Lock()
        self._connected = False

    def __repr__(self) -> str:
        return f"<ExecutionPort {self.venue} {self.client.environment} account={self.account}>"

    # -- lifecycle ---------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Instruments, readiness, state, the leverage cache against the venue, then
        the journal's open intents settled against the venue. Safe to call again."""
        async with self._connect_lock:
            if self._connected:
                return
            await self.client.instruments()
            await self._ready()
            if self.stream:
                await self._watch_private()
            await self.refresh_state()
            await self._check_leverage_drift()
            await self._settle_journal()
            self._connected = True

    async def _watch_private(self) -> None:
        """Order and position events into the state (the private stream joins the
        client's readiness: no order goes out while it is down)."""
        live = self._live
        self._watches = [
            await self.client.watch_orders(callback=live.apply_order),
            await self.client.watch_positions(callback=live.apply_position),
        ]
        # a venue that pushes leverage changes (BingX's ACCOUNT_CONFIG_UPDATE) keeps the
        # cache true between connects; one that does not is checked on connect only
        try:
            pushed = await self.client.watch_leverage(callback=self._leverage_pushed)
        except NotSupported:
            return
        self._watches.append(pushed)

    def _leverage_pushed(self, update: LeverageUpdate) -> None:
        """The venue changed a contract's leverage: a cached value that disagrees is
        drift (the higher leg where hedge legs differ, as get_leverage answers)."""
        cached = self.leverage.get(update.symbol)
        actual = max(update.long, update.short)
        if cached is not None and cached != actual:
            self._adopt_venue_leverage(update.symbol, actual, cached)

    @property
    def state(self) -> PortState | None:
        """The latest state: the last refresh, with the stream's events since."""
        return self._live.current

    async def wait_for_state(
        self, predicate: Callable[[PortState], bool], timeout: float = 10.0
    ) -> PortState:
        """The state once `predicate` holds for it (checked at every refresh and stream
        event); TimeoutError after `timeout` seconds."""
        return await self._live.wait_for(predicate, arguments.seconds("timeout", timeout))

    async def close(self) -> None:
        """Stop background refreshes and stream watches, and close a journal the port
        opened; the client stays open (it is the caller's)."""
        for watch in self._watches:
            await watch.close()
        self._watches = []
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._refreshing.clear()
        if self._owns_journal and self.journal is not None:
            self.journal.close()

    async def _ready(self) -> None:
        # the client's own way up: a venue with a session logs in and synchronises here
        await self.client.ready()

    # -- leverage ----------------------------------------------------------------------
    async def ensure_leverage(self, symbol: str, leverage: int) -> int:
        """Set `symbol`'s leverage unless the cache says it is in force; the cache is
        written once the venue confirmed."""
        async with self.leverage.lock(symbol):
            if self.leverage.get(symbol) == leverage:
                return leverage
            applied = await self.client.set_leverage(symbol, leverage)
            self.leverage.set(symbol, applied)
            return applied

    async def _check_leverage_drift(self) -> None:
        for symbol, cached in self.leverage.items():
            async with self.leverage.lock(symbol):
                try:
                    actual = await self.client.get_leverage(symbol)
                except UnknownSymbol as exc:
                    # delisted since: its entry stays, unused, until it trades again
                    what = f"cached leverage of {symbol} not checked"
                    self._trouble(what, exc, symbol=symbol)
                    continue
                if actual != cached:
                    self._adopt_venue_leverage(symbol, actual, cached)

    def _adopt_venue_leverage(self, symbol: str, actual: int, cached: int) -> None:
        """Drift: the venue's leverage replaces the cached one, logged and journalled."""
        self._log.warning(
            "%s: %s leverage is %d at the venue, %d in the cache; the venue's value replaces it",
            self.venue,
            symbol,
            actual,
            cached,
        )
        drift = {"leverage_drift": {"venue": actual, "cached": cached}}
        self._record("reconcile", symbol=symbol, data=drift)
        self.leverage.set(symbol, actual)

    # -- submit ------------------------------------------------------------------------
    async def submit(self, intent: Intent) -> ExecutionReceipt:
        """Send the intent's order and return the venue's answer (see the module notes
        for what raises). The same intent id again returns that order, never a second."""
        if not isinstance(intent, Intent):
            raise BadParameter(f"intent: expected an Intent, got {type(intent).__name__}")
        await self.connect()
        lock = self._intent_locks.setdefault(intent.intent_id, asyncio.Lock())
        async with lock:
            return await self._submit(intent)

    async def _submit(self, intent: Intent) -> ExecutionReceipt:
        client = self.client
        client.check_trading_allowed("submit")
        inst = await client.instrument(intent.asset)
        cid = client_order_id_for(intent.intent_id, client.client_order_id_pattern, self.venue)
        if self._seen(intent.intent_id):
            existing = await self._lookup(intent, inst, cid)
            if existing is not None:
                return existing
        sizing.check_leverage_limit(intent, self.max_leverage)
        await self._ready()
        mark = await self._mark(intent.asset)
        qty = sizing.venue_qty(intent, inst)
        price = None
        if intent.limit_price is not None and intent.order_type is not IntentOrderType.MARKET:
            price = quantize_price(inst, intent.limit_price, intent.order_side)
        exiting = intent.action is IntentAction.EXIT
        base = ExecutionReceipt(
            intent_id=intent.intent_id,
            venue=self.venue,
            symbol=intent.asset,
            status=ReceiptStatus.UNKNOWN,
            client_order_id=cid,
            side=intent.order_side,
            mark_at_submit=mark,
            submit_ts=time.time_ns(),
        )
        if exiting:
            held = sizing.held_qty(await self.client.get_position(intent.asset), intent.side)
            if held <= 0:
                refusal = ReduceOnlyRejected(
                    f"intent {intent.intent_id}: no {intent.side.value} position of"
                    f" {intent.asset} to exit; nothing sent",
                    venue=self.venue,
                )
                return await self._refused(intent, base, refusal)
            qty = min(qty, held)
        check_order(inst, qty, price, reduce_only=exiting, reference_price=mark)
        reference = price if price is not None else mark
        sizing.check_notional(intent, inst, qty, reference, self.max_notional)
        self._track(intent, base)
        self._record(
            "intent",
            intent_id=intent.intent_id,
            symbol=intent.asset,
            data={**intent_to_dict(intent), "client_order_id": cid},
        )
        if intent.leverage is not None and not exiting:
            try:
                await self.ensure_leverage(intent.asset, intent.leverage)
            except TradeportError as exc:
                if _callers(exc):
                    self._store(self._failed(base, exc))  # closes the journal's intent
                    raise
                return await self._finish(self._failed(base, exc))
        req = OrderRequest(
            symbol=intent.asset,
            side=intent.order_side,
            type=_ORDER_TYPES[intent.order_type],
            qty=qty,
            price=price,
            offset=Offset.CLOSE if exiting else Offset.OPEN,
            reduce_only=exiting,
            client_order_id=cid,
        )
        self._record(
            "request", intent_id=intent.intent_id, symbol=intent.asset, data=records.request(req)
        )
        base.submit_ts = time.time_ns()  # when it leaves, after any leverage change
        return await self._finish(await self._send(intent, inst, base, req))

    async def _send(
        self, intent: Intent, inst: Instrument, base: ExecutionReceipt, req: OrderRequest
    ) -> ExecutionReceipt:
        try:
            order = await self.client.submit_order(req)
        except DuplicateClientOrderId as exc:
            # the venue holds an order under this client id already: that one is the
            # intent's order (an earlier run sent it)
            self._log.info("%s: %s already at the venue (%s)", self.venue, req.client_order_id, exc)
            existing = await self._lookup(intent, inst, base.client_order_id)
            return existing if existing is not None else self._failed(base, exc)
        except TradeportError as exc:
            if _callers(exc):
                self._store(self._failed(base, exc))  # closes the journal's intent
                raise
            return self._failed(base, exc)
        self._record(
            "ack", intent_id=intent.intent_id, symbol=intent.asset, data=records.order(order)
        )
        receipt = receipts.from_order(base, order, inst, self.fee_rates)
        if receipt.status is ReceiptStatus.UNKNOWN:
            return receipt
        if intent.order_type is IntentOrderType.MARKET and not receipt.done:
            return await self.resolve(receipt)  # a market order's fill, as the venue tells it
        return await self._with_fills(receipt, inst)

    def _failed(self, base: ExecutionReceipt, exc: TradeportError) -> ExecutionReceipt:
        status = (
            ReceiptStatus.RATE_LIMITED
            if isinstance(exc, RateLimitError)
            else ReceiptStatus.REJECTED
        )
        return replace(base, status=status, error=exc)

    async def _refused(
        self, intent: Intent, base: ExecutionReceipt, error: TradeportError
    ) -> ExecutionReceipt:
        self._track(intent, base)
        self._record(
            "intent",
            intent_id=intent.intent_id,
            symbol=intent.asset,
            data={**intent_to_dict(intent), "client_order_id": base.client_order_id},
        )
        return await self._finish(replace(base, status=ReceiptStatus.REJECTED, error=error))

    async def _finish(self, receipt: ExecutionReceipt) -> ExecutionReceipt:
        """Record the receipt; then the state: refreshed before returning when an order
        rests (the caller acts on its open orders next), in the background after a
        market fill (the receipt already says what filled)."""
        self._store(receipt)
        if receipt.status in (ReceiptStatus.ACCEPTED, ReceiptStatus.PARTIALLY_FILLED):
            await self.refresh_state(receipt.symbol)
        elif receipt.filled_qty > 0:
            self._refresh_later(receipt.symbol)
        return receipt

    def _seen(self, intent_id: str) -> bool:
        """Whether this intent id may already have an order: known here, in the
        journal, or (with no journal to tell) possibly sent by an earlier run."""
        if intent_id in self._receipts or self.journal is None:
            return True
        return bool(self.journal.events(intent_id=intent_id, limit=1))

    # -- the mark ----------------------------------------------------------------------
    async def _mark(self, symbol: str) -> Decimal | None:
        """The mid of the best bid and ask (the last price when a side is missing);
        None on a venue without a ticker call (the receipt then has no slippage)."""
        try:
            tick = await self.client.get_tick(symbol)
        except NotSupported:
            # the venue has no ticker call: no mark, so no slippage (never a guess)
            self._log.debug("%s: no ticker call; no mark for %s", self.venue, symbol)
            return None
        except TradeportError as exc:
            self._trouble(f"no mark for {symbol}; no slippage", exc, symbol=symbol)
            return None
        if tick.bid and tick.ask:
            return (Decimal(str(tick.bid)) + Decimal(str(tick.ask))) / 2
        return Decimal(str(tick.last)) if tick.last else None


__all__ = ["ExecutionPort"]
