"""The BingX emulator's account stream (PROTOCOLS.md §5.3-5.4): listen keys over REST
and the events of the account on `/swap-market?listenKey=<key>`.

`POST /openApi/user/auth/userDataStream` (the API key alone) answers `{"listenKey"}`
outside the envelope, the account's live key if it has one; `PUT` extends a key by its
validity (60 minutes), `DELETE` closes it, and both answer HTTP 404 for a key that is
not live. A socket opened with a live key gets, gzip-compressed like every frame of the
host, `ORDER_TRADE_UPDATE` for every order change (one per fill), `ACCOUNT_UPDATE` when
an operation moved the wallet or a position, and `ACCOUNT_CONFIG_UPDATE` when the
leverage or the margin type of a contract was set. A key that lapses (or the
`expire_listen_key` fault) is announced with `listenKeyExpired` on its sockets, which
are then closed.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal

from tradeport.emulator.engine import Engine
from tradeport.emulator.events import AccountEvent, OrderEvent, account_listener
from tradeport.emulator.host.listen_keys import DEFAULT_VALIDITY_S, ListenKeys
from tradeport.emulator.host.rest import Route
from tradeport.emulator.symbol_set import follow
from tradeport.emulator.ws import StreamConnection
from tradeport.venues.bingx.emulator import payloads as p
from tradeport.venues.bingx.emulator.calls import Call
from tradeport.venues.bingx.emulator.context import BingxContext, wire_symbol
from tradeport.venues.bingx.emulator.errors import BingxApiError, missing

PATH = "/openApi/user/auth/userDataStream"
KEY_LENGTH = 64  # the documented example key: 64 lowercase hex digits
SETTLE = "USDT"

_Legs = dict[tuple[str, str], tuple[Decimal, Decimal]]  # (symbol, side) → (qty, entry)


def new_listen_key() -> str:
    return secrets.token_hex(KEY_LENGTH // 2)


def listen_key_missing() -> BingxApiError:
    """A PUT or DELETE of a key that is not live: HTTP 404 (§5.3)."""
    return BingxApiError(100400, "listenKey does not exist", status=404)


@dataclass(frozen=True)
class Bare:
    """An answer sent as it is, outside the `{code, msg, data}` envelope."""

    payload: object


@dataclass(frozen=True)
class _Socket:
    conn: StreamConnection
    listen_key: str
    account_id: str


class AccountStreams:
    """Listen keys, the sockets opened with them and the engine events they carry."""

    def __init__(self, ctx: BingxContext, validity_s: float = DEFAULT_VALIDITY_S) -> None:
        self.ctx = ctx
        self.listen_keys = ListenKeys(
            validity_s, new_key=new_listen_key, missing=listen_key_missing
        )
        self.names = follow(ctx.symbols, lambda s: (s.symbol, wire_symbol(s)))  # engine → wire
        self._sockets: dict[int, _Socket] = {}
        refs = ctx.keys.refs
        self._wallets = {r.engine_id: self._wallet(r.engine_id) for r in refs}
        self._legs = {r.engine_id: _legs(ctx.swap, r.engine_id) for r in refs}
        self._closing: set[asyncio.Task[None]] = set()
        self.extensions = 0  # keys extended (PUT), and a wake-up at each (tests wait on it)
        self.extended = asyncio.Event()
        ctx.swap.subscribe(account_listener(self._on_order, self._on_account))
        ctx.stream_faults.on_listen_key_expired(self.expire_all)

    # -- REST --------------------------------------------------------------------------
    def routes(self) -> dict[str, Route[Call]]:
        return {
            f"POST {PATH}": Route(self._create, key_only=True),
            f"PUT {PATH}": Route(self._extend, key_only=True),
            f"DELETE {PATH}": Route(self._delete, key_only=True),
        }

    def _create(self, call: Call) -> Bare:
        return Bare({"listenKey": self.listen_keys.create(call.account_id, time.monotonic())})

    def _key(self, call: Call) -> str:
        key = call.params.text("listenKey")
        if key is None:
            raise missing("listenKey")
        return key

    def _extend(self, call: Call) -> Bare:
        self.listen_keys.keepalive(call.account_id, time.monotonic(), self._key(call))
        self.extensions += 1
        self.extended.set()
        return Bare({})

    def _delete(self, call: Call) -> Bare:
        key = self.listen_keys.delete(call.account_id, time.monotonic(), self._key(call))
        for sock in self._sockets_of(key):  # closed without a notice: only a lapse has one
            self._close_later(sock.conn)
        return Bare({})

    def set_validity(self, seconds: float) -> None:
        """Validity of keys created or extended from now on (tests use short ones)."""
        if seconds <= 0:
            raise ValueError(f"seconds must be positive, not {seconds}")
        self.listen_keys.validity_s = seconds

    # -- sockets -----------------------------------------------------------------------
    def owner(self, key: str) -> str | None:
        """The account of a live key; None for an unknown, deleted or lapsed one."""
        return self.listen_keys.owner(key, time.monotonic())

    def join(self, conn: StreamConnection, key: str, account_id: str) -> None:
        self._sockets[conn.id] = _Socket(conn, key, account_id)

    def drop(self, conn: StreamConnection) -> None:
        self._sockets.pop(conn.id, None)

    def tick(self) -> None:
        """On the stream clock: announce the keys that lapsed."""
        for key, _account in self.listen_keys.due(time.monotonic()):
            self._announce_expiry(key)

    def expire_all(self) -> None:
        """Every listen key lapses now (the `expire_listen_key` stream fault)."""
        for key, _account in self.listen_keys.expire_all():
            self._announce_expiry(key)

    def _announce_expiry(self, key: str) -> None:
        notice = p.gz(p.listen_key_expired(key, self.ctx.now_ms()))
        for sock in self._sockets_of(key):
            sock.conn.send(notice)
            self._close_later(sock.conn)

    def _sockets_of(self, key: str) -> list[_Socket]:
        return [s for s in self._sockets.values() if s.listen_key == key]

    def _of_account(self, account_id: str) -> list[_Socket]:
        key = self.listen_keys.key_of(account_id, time.monotonic())
        return [] if key is None else self._sockets_of(key)

    def _close_later(self, conn: StreamConnection) -> None:
        task = asyncio.get_running_loop().create_task(self._close(conn))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close(self, conn: StreamConnection) -> None:
        await asyncio.sleep(0)  # let the frames sent just now reach the queue's writer
        await conn.close(flush=True)

    async def stop(self) -> None:
        if self._closing:
            await asyncio.gather(*self._closing)

    def _send(self, account_id: str, body: dict[str, object]) -> None:
        sockets = self._of_account(account_id)
        if sockets:
            frame = p.gz(body)
            for sock in sockets:
                sock.conn.send(frame)

    # -- events ------------------------------------------------------------------------
    def _on_order(self, event: OrderEvent) -> None:
        order = event.order
        body = p.order_trade_update(order, event.fill, self.names[order.symbol], self.ctx.now_ms())
        self._send(order.account_id, body)

    def _on_account(self, event: AccountEvent) -> None:
        account = event.account_id
        wallet, before = self._wallet(account), self._wallets.get(account)
        self._wallets[account] = wallet
        legs, legs_before = _legs(self.ctx.swap, account), self._legs.get(account, {})
        self._legs[account] = legs
        moved = sorted(k for k in set(legs) | set(legs_before) if legs.get(k) != legs_before.get(k))
        if wallet == before and not moved:
            return  # e.g. an order placed: margin is reserved, the wallet is unchanged
        held = {(q.symbol, q.position_side): q for q in event.positions}
        rows = []
        for symbol, side in moved:
            pos = held.get((symbol, side))
            qty, entry = legs.get((symbol, side), (Decimal(0), Decimal(0)))
            upnl = pos.unrealized_pnl if pos is not None else Decimal(0)
            mt = self.ctx.margin_type(account, symbol)
            rows.append((self.names[symbol], side, qty, entry, upnl, mt))
        self._send(account, p.account_update({SETTLE: wallet}, rows, self.ctx.now_ms()))

    def config_changed(self, account_id: str, engine_symbol: str) -> None:
        """A contract's leverage or margin type was set: `ACCOUNT_CONFIG_UPDATE`."""
        body = p.account_config_update(
            self.names[engine_symbol],
            self.ctx.swap.leverage(account_id, engine_symbol),
            self.ctx.margin_type(account_id, engine_symbol),
            self.ctx.now_ms(),
        )
        self._send(account_id, body)

    def _wallet(self, account_id: str) -> Decimal:
        return self.ctx.swap.wallet(account_id, SETTLE).balance


def _legs(engine: Engine, account_id: str) -> _Legs:
    positions = engine.positions(account_id)
    return {(q.symbol, q.position_side): (q.qty, q.entry_price) for q in positions if q.qty}
