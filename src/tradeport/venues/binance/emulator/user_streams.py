"""Private streams of the Binance emulator (PROTOCOLS.md §1.4, §2.3, §2.4).

Spot: the WS API at `/ws-api/v3`; a `userDataStream.subscribe.signature` request starts a
subscription and the account's events arrive as `{"subscriptionId": N, "event": …}`.
USDⓈ-M: a listen key from `POST /fapi/v1/listenKey`, then a socket on the fstream host at
`/private/ws?listenKey=<k>[&events=A/B]`, `/private/stream?listenKey=<k>` (combined
frames), `/private/ws/<k>` or the legacy `/ws/<k>`. Events are top level there.

Both markets are fed by the engine's listeners: every OrderEvent becomes an
executionReport / ORDER_TRADE_UPDATE and every AccountEvent the balance (and position)
changes since the account's previous event, in the order the engine publishes them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import msgspec
from aiohttp import web

from tradeport.emulator.events import AccountEvent, OrderEvent, account_listener
from tradeport.emulator.host.decoding import decode_json
from tradeport.emulator.host.streams import StreamHost
from tradeport.emulator.orders import EngineOrder
from tradeport.emulator.perp import EnginePosition
from tradeport.emulator.ws import StreamConnection
from tradeport.venues.binance.emulator import user_payloads as out
from tradeport.venues.binance.emulator.calls import Call, Route
from tradeport.venues.binance.emulator.context import BinanceContext
from tradeport.venues.binance.emulator.listen_keys import (
    DEFAULT_VALIDITY_S,
    KEY_PATTERN,
    ListenKeys,
    listen_key_missing,
)
from tradeport.venues.binance.emulator.ws_api import WsApi, WsApiSession, wrap_event

log = logging.getLogger("tradeport.venues.binance.emulator")

_Legs = dict[tuple[str, str], tuple[Decimal, Decimal]]  # (symbol, side) -> (qty, entry)


def _json(payload: object) -> str:
    return msgspec.json.encode(payload).decode()


@dataclass(frozen=True, slots=True)
class _PrivateSocket:
    conn: StreamConnection
    listen_key: str
    events: frozenset[str] | None  # the `events=` filter; None = every event
    combined: bool  # /private/stream wraps events as {"stream": <key>, "data": …}

    def deliver(self, name: str, body: str) -> None:
        if self.events is not None and name not in self.events and name != "listenKeyExpired":
            return
        if self.combined:
            self.conn.send(f'{{"stream":"{self.listen_key}","data":{body}}}')
        else:
            self.conn.send(body)


class UserStreams:
    """Spot WS-API user data, USDⓈ-M listen keys and their sockets, for one emulator."""

    def __init__(
        self, ctx: BinanceContext, *, listen_key_validity_s: float = DEFAULT_VALIDITY_S
    ) -> None:
        self.ctx = ctx
        self.listen_keys = ListenKeys(listen_key_validity_s)
        self.ws_api = WsApi(ctx.keys, ctx.now_ms)
        self.host = StreamHost(ctx.stream_faults, ctx.connections, "binance")
        self._spot: dict[int, tuple[StreamConnection, WsApiSession]] = {}
        self._private: dict[int, _PrivateSocket] = {}
        self._execution_ids = itertools.count(1)
        refs = ctx.keys.refs
        self._spot_balances = {r.engine_id: ctx.spot.balances(r.engine_id) for r in refs}
        self._wallets = {r.engine_id: self._wallet_balances(r.engine_id) for r in refs}
        self._legs: dict[str, _Legs] = {r.engine_id: self._legs_of(r.engine_id) for r in refs}
        self._realized: dict[tuple[str, str, str], Decimal] = {}
        self._keys_changed = asyncio.Event()
        self._sweeper: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()
        ctx.spot.subscribe(account_listener(self._on_spot_order, self._on_spot_account))
        ctx.futures.subscribe(account_listener(self._on_futures_order, self._on_futures_account))
        ctx.stream_faults.on_listen_key_expired(self.expire_all_listen_keys)

    # -- lifecycle ---------------------------------------------------------------------
    def add_routes(self, spot_app: web.Application, fstream_app: web.Application) -> None:
        spot_app.router.add_get("/ws-api/v3", self._serve_ws_api)
        fstream = fstream_app.router
        key = f"{{key:{KEY_PATTERN}}}"
        fstream.add_get("/private/ws", self._private_handler("/private/ws", combined=False))
        fstream.add_get("/private/stream", self._private_handler("/private/stream", combined=True))
        fstream.add_get(f"/private/ws/{key}", self._private_handler("/private/ws", combined=False))
        # legacy path; the regex keeps `/ws/<stream name>` for the public streams
        fstream.add_get(f"/ws/{key}", self._private_handler("/ws/<listenKey>", combined=False))

    def routes(self) -> dict[str, Route]:
        """The USDⓈ-M listen-key endpoints, served by the REST host."""
        path = "/fapi/v1/listenKey"
        return {
            f"POST {path}": Route(self._create_key, key_only=True),
            f"PUT {path}": Route(self._keepalive_key, key_only=True),
            f"DELETE {path}": Route(self._delete_key, key_only=True),
        }

    async def start(self) -> None:
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep(), name="binance-listen-keys")

    async def stop(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            await asyncio.wait([sweeper])
        await self.host.stop()
        if self._closing:
            await asyncio.gather(*self._closing)
        # a sweeper that died on its own is a bug worth seeing, not a shutdown
        if sweeper is not None and not sweeper.cancelled() and sweeper.exception() is not None:
            raise RuntimeError("the listen-key sweeper failed") from sweeper.exception()

    def set_listen_key_validity(self, seconds: float) -> None:
        """Validity of keys created or extended from now on (tests use short ones)."""
        if seconds <= 0:
            raise ValueError(f"seconds must be positive, not {seconds}")
        self.listen_keys.validity_s = seconds

    def expire_all_listen_keys(self) -> None:
        """Every listen key lapses now (the `expire_listen_key` stream fault)."""
        for key, _account in self.listen_keys.expire_all():
            self._announce_expiry(key)
        self._keys_changed.set()

    # -- USDⓈ-M listen keys over REST --------------------------------------------------
    def _create_key(self, call: Call) -> object:
        key = self.listen_keys.create(call.account_id, time.monotonic())
        self._keys_changed.set()
        return {"listenKey": key}

    def _keepalive_key(self, call: Call) -> object:
        key = self.listen_keys.keepalive(
            call.account_id, time.monotonic(), call.params.get("listenKey")
        )
        self._keys_changed.set()
        return {"listenKey": key}

    def _delete_key(self, call: Call) -> object:
        key = self.listen_keys.delete(
            call.account_id, time.monotonic(), call.params.get("listenKey")
        )
        # a deleted key's sockets close without a notice: only a lapse is announced
        for sock in self._sockets_of(key):
            self._close_later(sock.conn, flush=False)
        return {}

    async def _sweep(self) -> None:
        while True:
            self._keys_changed.clear()
            deadline = self.listen_keys.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            waiter = asyncio.ensure_future(self._keys_changed.wait())
            try:
                await asyncio.wait([waiter], timeout=timeout)
            finally:
                waiter.cancel()
            for key, _account in self.listen_keys.due(time.monotonic()):
                self._announce_expiry(key)

    def _announce_expiry(self, key: str) -> None:
        notice = _json(out.listen_key_expired(key, self.ctx.now_ms()))
        for sock in self._sockets_of(key):
            sock.deliver("listenKeyExpired", notice)
            self._close_later(sock.conn, flush=True)

    def _sockets_of(self, key: str) -> list[_PrivateSocket]:
        return [s for s in self._private.values() if s.listen_key == key]

    def _close_later(self, conn: StreamConnection, *, flush: bool) -> None:
        task = asyncio.get_running_loop().create_task(self._close(conn, flush=flush))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close(self, conn: StreamConnection, *, flush: bool) -> None:
        await asyncio.sleep(0)  # let the frames sent just now reach the queue's writer
        await conn.close(flush=flush)

    # -- sockets -----------------------------------------------------------------------
    async def _serve_ws_api(self, request: web.Request) -> web.StreamResponse:
        ws, conn = await self.host.accept(
            request, "spot:/ws-api/v3", ping_interval=self.ctx.ping_intervals["spot"]
        )
        session = WsApiSession()
        self._spot[conn.id] = (conn, session)

        async def on_text(c: StreamConnection, text: str) -> None:
            for frame in self.ws_api.handle(session, text):
                c.send(_json(frame))

        await self.host.serve(conn, on_text, on_close=lambda: self._spot.pop(conn.id, None))
        return ws

    def _private_handler(
        self, name: str, *, combined: bool
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            return await self._serve_private(request, name, combined)

        return handler

    async def _serve_private(
        self, request: web.Request, name: str, combined: bool
    ) -> web.StreamResponse:
        key = (
            request.match_info.get("key")
            or request.query.get("listenKey")
            or request.query.get("streams")
        )
        if not key or self.listen_keys.owner(key, time.monotonic()) is None:
            # refused before the upgrade, so a client sees it at once and fetches a new key
            return web.json_response(listen_key_missing().body(), status=400)
        raw_events = request.query.get("events")
        events = None
        if raw_events:
            events = frozenset(e for e in raw_events.replace(",", "/").split("/") if e)
        ws, conn = await self.host.accept(
            request, f"futures:{name}", ping_interval=self.ctx.ping_intervals["futures"]
        )
        self._private[conn.id] = _PrivateSocket(conn, key, events, combined)
        await self.host.serve(
            conn, _refuse_requests, on_close=lambda: self._private.pop(conn.id, None)
        )
        return ws

    # -- spot events -------------------------------------------------------------------
    def _spot_subscribers(self, account_id: str) -> list[tuple[StreamConnection, int]]:
        found = []
        for conn, session in self._spot.values():
            sub_id = session.subscription_of(account_id)
            if sub_id is not None:
                found.append((conn, sub_id))
        return found

    def _on_spot_order(self, event: OrderEvent) -> None:
        targets = self._spot_subscribers(event.order.account_id)
        if not targets:
            return
        body = out.execution_report(
            event.order,
            event.fill,
            event_ms=self.ctx.now_ms(),
            execution_id=next(self._execution_ids),
        )
        self._send_spot(targets, _json(body))

    def _on_spot_account(self, event: AccountEvent) -> None:
        before = self._spot_balances.get(event.account_id, {})
        self._spot_balances[event.account_id] = dict(event.balances)
        changed = out.changed_balances(before, event.balances)
        targets = self._spot_subscribers(event.account_id)
        if changed and targets:
            now = self.ctx.now_ms()
            body = out.account_position(changed, event_ms=now, update_ms=now)
            self._send_spot(targets, _json(body))

    @staticmethod
    def _send_spot(targets: list[tuple[StreamConnection, int]], body: str) -> None:
        for conn, sub_id in targets:
            conn.send(wrap_event(sub_id, body))

    # -- USDⓈ-M events -----------------------------------------------------------------
    def _futures_sockets(self, account_id: str) -> list[_PrivateSocket]:
        key = self.listen_keys.key_of(account_id, time.monotonic())
        return [] if key is None else self._sockets_of(key)

    def _on_futures_order(self, event: OrderEvent) -> None:
        order, fill = event.order, event.fill
        if fill is not None:
            leg = (order.account_id, order.symbol, order.position_side)
            self._realized[leg] = self._realized.get(leg, out.ZERO) + fill.realized_pnl
        sockets = self._futures_sockets(order.account_id)
        if not sockets:
            return
        engine = self.ctx.futures
        resting = engine.open_orders(order.account_id, order.symbol)
        bids, asks = _notional(resting, "BUY"), _notional(resting, "SELL")
        body = out.order_trade_update(
            order,
            fill,
            event_ms=self.ctx.now_ms(),
            fee_asset=engine.instruments[order.symbol].quote,
            bids_notional=bids,
            asks_notional=asks,
        )
        text = _json(body)
        for sock in sockets:
            sock.deliver("ORDER_TRADE_UPDATE", text)

    def _on_futures_account(self, event: AccountEvent) -> None:
        account = event.account_id
        wallets_before = self._wallets.get(account, {})
        wallets = {a: self.ctx.futures.wallet(account, a).balance for a in event.balances}
        self._wallets[account] = wallets
        legs_before = self._legs.get(account, {})
        legs = _legs(event.positions)
        self._legs[account] = legs
        every = sorted(set(legs) | set(legs_before))
        moved = [k for k in every if legs.get(k) != legs_before.get(k)]
        if wallets == wallets_before and not moved:
            return  # e.g. a resting order: margin is reserved, the wallet is unchanged
        sockets = self._futures_sockets(account)
        if not sockets:
            return
        held = {(p.symbol, p.position_side): p for p in event.positions}
        rows = [self._position_state(account, leg, held.get(leg)) for leg in moved]
        now = self.ctx.now_ms()
        body = out.account_update(
            [out.WalletRow(a, b) for a, b in wallets.items()], rows, event_ms=now, tx_ms=now
        )
        text = _json(body)
        for sock in sockets:
            sock.deliver("ACCOUNT_UPDATE", text)

    def _position_state(
        self, account: str, leg: tuple[str, str], position: EnginePosition | None
    ) -> out.PositionState:
        symbol, side = leg
        qty = position.qty if position is not None else out.ZERO
        if side == "SHORT":
            qty = -abs(qty)  # REST positionAmt writes the SHORT leg negative
        return out.PositionState(
            symbol=symbol,
            position_side=side,
            qty=qty,
            entry_price=position.entry_price if position is not None else out.ZERO,
            unrealized_pnl=position.unrealized_pnl if position is not None else out.ZERO,
            accumulated_realized=self._realized.get((account, symbol, side), out.ZERO),
        )

    def _wallet_balances(self, account: str) -> dict[str, Decimal]:
        assets = self.ctx.futures.balances(account)
        return {a: self.ctx.futures.wallet(account, a).balance for a in assets}

    def _legs_of(self, account: str) -> _Legs:
        return _legs(self.ctx.futures.positions(account))


def _notional(orders: list[EngineOrder], side: str) -> Decimal:
    """`b` / `a` of ORDER_TRADE_UPDATE: what the account's resting orders of a side are worth."""
    return sum((o.price * o.remaining for o in orders if o.side == side and o.price), out.ZERO)


def _legs(positions: list[EnginePosition]) -> _Legs:
    return {(p.symbol, p.position_side): (p.qty, p.entry_price) for p in positions}


_OBJECT = msgspec.json.Decoder(dict[str, object])


async def _refuse_requests(conn: StreamConnection, text: str) -> None:
    """A user-data socket takes no requests: answer in the market streams' error shape."""
    try:
        request_id = decode_json(text, _OBJECT).get("id")
    except msgspec.DecodeError:
        request_id = None
    error = {"code": 2, "msg": "Invalid request: a user data stream takes no requests"}
    conn.send(_json({"error": error, "id": request_id}))


def install_user_streams(
    ctx: BinanceContext, spot_app: web.Application, fstream_app: web.Application
) -> UserStreams:
    """Create the service, register its socket paths and engine listeners (its REST
    routes are `routes()`); `start()` runs the listen-key sweeper, `stop()` closes its
    sockets."""
    service = UserStreams(ctx)
    service.add_routes(spot_app, fstream_app)
    return service
