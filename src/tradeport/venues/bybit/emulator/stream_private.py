"""The private path `/v5/private`: login and the account topics (PROTOCOLS.md §4.2, §4.4;
ws/connect "Authentication", websocket/private/{order,execution,position,wallet}).

`{"op":"auth","args":[apiKey, expires, signature]}` logs a connection in when `expires`
(ms) is still ahead of the server clock and the signature is the lowercase hex
HMAC-SHA256 of "GET/realtime" + expires under the key's secret. Until then a private
topic is refused and nothing is pushed. Replies to a failed login are Bybit's
`{"success":false,"ret_msg":…,"op":"auth","conn_id":…}`: "Params Error" for an expired
or malformed login (observed for v5), "Request not authorized" for an unknown key or a
wrong signature.

Both engines (spot, linear) feed the one connection. Every order event becomes an
`order` row and every fill an `execution` row; once an operation has touched an account
(its AccountEvent closes the engine's flush) the rows go out, one message per topic,
followed by `position` (linear: every symbol the operation touched, "regardless if
there's any actual change", position.mdx) and `wallet` (the unified wallet).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from tradeport.emulator.accounts import AccountRef
from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import Engine, EngineFill, EngineOrder, EnginePosition
from tradeport.emulator.events import AccountEvent, OrderEvent, account_listener
from tradeport.emulator.host.logins import Logins, signature_matches
from tradeport.venues.bybit.emulator import payloads
from tradeport.venues.bybit.emulator.context import BybitContext
from tradeport.venues.bybit.emulator.ids import Category
from tradeport.venues.bybit.emulator.stream_control import (
    Op,
    Refused,
    Request,
    answer,
    handler_not_found,
    topic_names,
)
from tradeport.venues.bybit.emulator.stream_payloads import encode
from tradeport.venues.bybit.emulator.stream_session import Session
from tradeport.venues.bybit.emulator.stream_topics import PrivateKind, PrivateTopic, parse_private

Row = dict[str, object]
_ZERO = Decimal(0)
EXPIRED = "Params Error"
NOT_AUTHORIZED = "Request not authorized"


def ws_signature(secret: str, expires: str) -> str:
    """hex(HMAC-SHA256(secret, "GET/realtime" + expires)), PROTOCOLS.md vector Y3."""
    return hmac.new(secret.encode(), f"GET/realtime{expires}".encode(), hashlib.sha256).hexdigest()


def check_login(
    find: Callable[[object], AccountRef | None], args: list[object] | None, now_ms: int
) -> AccountRef:
    """The account (`find` looks the key up) of an `auth` request's `[apiKey, expires,
    signature]`; Refused with EXPIRED (malformed or past `expires`) or NOT_AUTHORIZED
    (unknown key, bad signature). The private and the order-entry paths log in alike."""
    if not args or len(args) != 3:
        raise Refused(EXPIRED)
    api_key, expires, signature = args
    if isinstance(expires, bool) or not isinstance(expires, int | str):
        raise Refused(EXPIRED)
    expires_text = str(expires)
    if not expires_text.isascii() or not expires_text.isdigit():
        raise Refused(EXPIRED)
    if int(expires_text) <= now_ms:
        raise Refused(EXPIRED)
    ref = find(api_key)
    if ref is None or not signature_matches(
        ws_signature(ref.account.secret, expires_text), signature
    ):
        raise Refused(NOT_AUTHORIZED)
    return ref


@dataclass(slots=True)
class _OrderTotals:
    """Running sums of one order's fills, so each event's row shows them as of then."""

    fee: Decimal = _ZERO
    fee_coin: str = ""
    closed_pnl: Decimal = _ZERO
    closed_any: bool = False


@dataclass(slots=True)
class _Outbox:
    """What one engine flush produced for one account, until its AccountEvent."""

    orders: list[Row] = field(default_factory=list)
    executions: list[Row] = field(default_factory=list)
    legs: dict[tuple[str, str], None] = field(default_factory=dict)  # (symbol, positionSide)


class PrivateStreams:
    def __init__(self, ctx: BybitContext) -> None:
        self.ctx = ctx
        self.logins: Logins[Session] = Logins(ctx.keys)
        self._totals: dict[tuple[Category, int], _OrderTotals] = {}
        # signed size per (account, symbol, position side): how much a fill closes
        self._legs: dict[tuple[str, str, str], Decimal] = {}
        self._outbox: dict[tuple[Category, str], _Outbox] = {}
        markets: tuple[tuple[Category, Engine], ...] = (("spot", ctx.spot), ("linear", ctx.linear))
        for category, engine in markets:
            engine.subscribe(
                account_listener(
                    partial(self._on_order, category, engine),
                    partial(self._on_account, category, engine),
                )
            )

    # -- requests ----------------------------------------------------------------------
    def handle(self, session: Session, text: str) -> None:
        def auth(request: Request) -> None:
            self._auth(session, request.args)

        def subscribe(request: Request) -> None:
            for topic in self._topics(session, request.args, subscribing=True):
                session.private[topic.name] = topic

        def unsubscribe(request: Request) -> None:
            for topic in self._topics(session, request.args, subscribing=False):
                session.private.pop(topic.name, None)

        ops: dict[str, Op] = {"auth": auth, "subscribe": subscribe, "unsubscribe": unsubscribe}
        answer("private", session, text, ops, self.ctx.now_ms())

    def drop(self, session: Session) -> None:
        self.logins.drop(session)

    def _auth(self, session: Session, args: list[object] | None) -> None:
        ref = check_login(self.logins.find, args, self.ctx.now_ms())
        if session.account is not None and session.account.engine_id != ref.engine_id:
            raise Refused("error:already authenticated as another account")
        self.logins.log_in(session, ref)

    def _topics(
        self, session: Session, args: list[object] | None, *, subscribing: bool
    ) -> list[PrivateTopic]:
        names = topic_names(args)
        if session.account is None:
            raise Refused(NOT_AUTHORIZED)
        topics: list[PrivateTopic] = []
        for name in names:
            topic = parse_private(name)
            if topic is None:
                raise handler_not_found(name)
            if subscribing and (name in session.private or name in {t.name for t in topics}):
                raise Refused(f"error:already subscribed,topic:{name}")
            topics.append(topic)
        if subscribing:
            _check_one_form_per_kind(topics)
        return topics

    # -- engine events (synchronous, inside an engine's flush) -------------------------
    def _listening(self, account_id: str) -> list[Session]:
        return [s for s in self.logins.of_account(account_id) if s.private]

    def _on_order(self, category: Category, engine: Engine, event: OrderEvent) -> None:
        order, fill = event.order, event.fill
        totals = self._totals.setdefault((category, order.order_id), _OrderTotals())
        closed = _ZERO
        if fill is not None:
            closed = self._apply_fill(category, fill)
            totals.fee += fill.fee
            totals.fee_coin = fill.fee_asset
            if closed > 0:
                totals.closed_any = True
                totals.closed_pnl += fill.realized_pnl - fill.fee
        if not order.is_open:
            del self._totals[(category, order.order_id)]
        if not self._listening(order.account_id):
            return
        box = self._outbox.setdefault((category, order.account_id), _Outbox())
        box.orders.append(self._order_row(category, engine, order, totals))
        if fill is not None:
            box.executions.append(self._execution_row(category, engine, order, fill, closed))
        if category == "linear":
            box.legs[(order.symbol, order.position_side)] = None

    def _on_account(self, category: Category, engine: Engine, event: AccountEvent) -> None:
        box = self._outbox.pop((category, event.account_id), None)
        sessions = self._listening(event.account_id)
        if not sessions:
            return
        now = self.ctx.now_ms()
        if box is not None:
            self._send(sessions, "order", category, box.orders, now)
            self._send(sessions, "execution", category, box.executions, now)
            if category == "linear":
                rows = self._position_rows(engine, event, box)
                self._send(sessions, "position", category, rows, now)
        wallet = payloads.wallet_account(self.ctx, event.account_id)
        self._send(sessions, "wallet", category, [wallet], now)

    def _send(
        self,
        sessions: list[Session],
        kind: PrivateKind,
        category: Category,
        rows: list[Row],
        now: int,
    ) -> None:
        if not rows:
            return
        for session in sessions:
            for topic in session.private.values():
                if topic.kind == kind and topic.carries(category):
                    frame = {
                        "id": str(uuid.uuid4()),
                        "topic": topic.name,
                        "creationTime": now,
                        "data": rows,
                    }
                    session.send(encode(frame))

    # -- rows --------------------------------------------------------------------------
    def _order_row(
        self, category: Category, engine: Engine, order: EngineOrder, totals: _OrderTotals
    ) -> Row:
        row = payloads.order_row(order, category, cum_fee=totals.fee)
        row["category"] = category
        row["closedPnl"] = plain(totals.closed_pnl) if totals.closed_any else "0"
        if category == "spot":
            instrument = engine.instruments[order.symbol]
            row["feeCurrency"] = instrument.base if order.side == "BUY" else instrument.quote
        else:
            row["feeCurrency"] = ""
        # "Cumulative trading fee details instead of cumExecFee and feeCurrency"
        row["cumFeeDetail"] = {totals.fee_coin: plain(totals.fee)} if totals.fee else {}
        return row

    def _execution_row(
        self,
        category: Category,
        engine: Engine,
        order: EngineOrder,
        fill: EngineFill,
        closed: Decimal,
    ) -> Row:
        row = payloads.execution_row(
            fill,
            category,
            order,
            base_coin=engine.instruments[fill.symbol].base,
            leaves_qty=order.remaining,
            closed_size=closed,
            mark_price=engine.mark_price(fill.symbol),
        )
        row["isLeverage"] = "0"
        row["marketUnit"] = payloads.market_unit(order, category)
        return {"category": category, **row}

    def _position_rows(self, engine: Engine, event: AccountEvent, box: _Outbox) -> list[Row]:
        held = {(p.symbol, p.position_side): p for p in event.positions}
        rows: list[Row] = []
        for symbol, side in box.legs:
            position: EnginePosition | None = held.get((symbol, side))
            if position is not None:
                row = payloads.position_row(position, engine=engine, account_id=event.account_id)
            else:
                row = payloads.empty_position_row(
                    engine=engine, account_id=event.account_id, symbol=symbol, position_side=side
                )
            row["category"] = "linear"
            row["entryPrice"] = row.get("avgPrice", "0")
            rows.append(row)
        return rows

    def _apply_fill(self, category: Category, fill: EngineFill) -> Decimal:
        """Track the account's position legs; returns how much of a position `fill` closed
        (the `closedSize` of its execution). Spot has no positions."""
        if category != "linear":
            return _ZERO
        key = (fill.account_id, fill.symbol, fill.position_side)
        before = self._legs.get(key, _ZERO)
        signed = fill.qty if fill.side == "BUY" else -fill.qty
        if fill.position_side == "SHORT":
            signed = -signed  # the SHORT leg's size is kept positive
        after = before + signed
        self._legs[key] = after
        if before == 0 or (before > 0) == (signed > 0):
            return _ZERO
        return min(abs(signed), abs(before))


def _check_one_form_per_kind(topics: list[PrivateTopic]) -> None:
    """ "All-In-One topic and Categorised topic cannot be in the same subscription
    request" (websocket/private/order, execution, position)."""
    forms: dict[PrivateKind, set[bool]] = {}
    for topic in topics:
        forms.setdefault(topic.kind, set()).add(topic.category is None)
        if len(forms[topic.kind]) > 1:
            raise Refused(
                f"error:all-in-one and categorised topics in one request,topic:{topic.name}"
            )
