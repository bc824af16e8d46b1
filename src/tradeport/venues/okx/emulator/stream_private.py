"""`/ws/v5/private`: login and the account channels (PROTOCOLS.md §3.2, §3.4; docs-v5
"WebSocket / Login", "WS / Order channel", "WS / Positions channel", "WS / Account
channel").

`{"op":"login","args":[{"apiKey","passphrase","timestamp","sign"}]}` logs a connection in
when `timestamp` (Unix seconds) is within 30 s of the server clock, the key is known, the
passphrase is the key's and `sign` is Base64(HMAC-SHA256(secret, timestamp + "GET" +
"/users/self/verify")) (vector O5). Refusals are OKX's: 60004 invalid timestamp, 60005
invalid apiKey, 60006 timestamp expired, 60024 wrong passphrase, 60007 invalid sign,
60027 a missing field, 60031 a second login on the same connection. Until a login
succeeds a private channel is refused (60011) and nothing is pushed.

Both engines feed the one connection. The engines' listeners run inside their flush and
before the REST handler that placed an order has recorded its terms (`ordType`,
`tdMode`, `tag`), so events are queued there and turned into rows once the handler has
run (next loop iteration). Each order event is one `orders` push (accepted, each fill,
canceled); each account event pushes `account` (the balance row REST returns) and, for
the swap engine, `positions`: every open position of the account plus, once, a flat row
for one that closed. `account` and `positions` also send a snapshot on subscribe.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import EngineFill, EngineOrder, EnginePosition
from tradeport.emulator.events import AccountEvent, OrderEvent, account_listener
from tradeport.emulator.host.logins import Logins, signature_matches
from tradeport.venues.okx.emulator import payloads
from tradeport.venues.okx.emulator import stream_payloads as out
from tradeport.venues.okx.emulator.auth import sign
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.ids import InstType
from tradeport.venues.okx.emulator.stream_session import Session
from tradeport.venues.okx.emulator.stream_topics import Refused, Topic

LOGIN_PATH = "GET/users/self/verify"
LOGIN_WINDOW_S = 30  # "the request will expire 30 seconds after the timestamp"
LOGIN_FIELDS = ("apiKey", "passphrase", "timestamp", "sign")
ZERO = Decimal(0)
Row = dict[str, object]
PositionKey = tuple[str, str]  # (instId, engine position side)


def login_sign(secret: str, timestamp: str) -> str:
    """`sign` of a WS login (PROTOCOLS.md vector O5)."""
    return sign(secret, timestamp + LOGIN_PATH)


def _timestamp_seconds(text: str) -> float | None:
    whole, _, fraction = text.partition(".")
    if not (whole.isascii() and whole.isdigit()) or (fraction and not fraction.isdigit()):
        return None
    return float(text)


class PrivateStreams:
    def __init__(self, ctx: OkxContext) -> None:
        self.ctx = ctx
        self.logins: Logins[Session] = Logins(ctx.keys)
        self._queue: list[tuple[InstType, OrderEvent | AccountEvent]] = []
        self._scheduled = False
        # positions each account was last told about, so a closed one is pushed flat once
        self._open: dict[str, set[PositionKey]] = {}
        ctx.spot.subscribe(self._listener("SPOT"))
        ctx.swap.subscribe(self._listener("SWAP"))

    # -- login -------------------------------------------------------------------------
    def login(self, session: Session, args: list[object]) -> None:
        """Log `session` in or raise Refused naming what was wrong."""
        if session.account is not None:
            raise Refused(
                "60031", "The WebSocket endpoint does not allow multiple or repeated logins."
            )
        if len(args) != 1 or not isinstance(args[0], dict):
            raise Refused("60009", "Login failure")
        fields = dict(args[0])
        # python-okx sends the timestamp as a JSON number, which OKX accepts; it signs
        # the number's decimal text
        stamp = fields.get("timestamp")
        if isinstance(stamp, int | float) and not isinstance(stamp, bool):
            fields["timestamp"] = str(stamp)
        for name in LOGIN_FIELDS:
            if not isinstance(fields.get(name), str) or not fields[name]:
                raise Refused("60027", f"Parameter {name} can not be empty.")
        api_key, passphrase, timestamp, signature = (str(fields[n]) for n in LOGIN_FIELDS)
        seconds = _timestamp_seconds(timestamp)
        if seconds is None:
            raise Refused("60004", "Invalid timestamp")
        if abs(self.ctx.now_ms() / 1000 - seconds) > LOGIN_WINDOW_S:
            raise Refused("60006", "Timestamp request expired")
        ref = self.logins.find(api_key)
        if ref is None:
            raise Refused("60005", "Invalid apiKey")
        if not hmac.compare_digest(passphrase.encode(), ref.account.passphrase.encode()):
            raise Refused("60024", "Wrong passphrase")
        if not signature_matches(login_sign(ref.account.secret, timestamp), signature):
            raise Refused("60007", "Invalid sign")
        self.logins.log_in(session, ref)

    @property
    def sessions(self) -> list[Session]:
        """The logged-in connections."""
        return self.logins.sessions

    # -- subscriptions -----------------------------------------------------------------
    def subscribe(self, session: Session, topic: Topic) -> None:
        if session.account is None:
            raise Refused("60011", "Please log in")
        session.topics[topic.key] = topic
        account_id = session.account.engine_id
        if topic.channel == "account":
            row = self._account_row(account_id, topic)
            session.send(self._frame(session, topic, [row], "snapshot"))
        elif topic.channel == "positions":
            rows = self._position_rows(account_id, topic, closed=())
            session.send(self._frame(session, topic, rows, "snapshot"))

    def unsubscribe(self, session: Session, topic: Topic) -> None:
        if session.account is None:
            raise Refused("60011", "Please log in")
        session.topics.pop(topic.key, None)

    def drop(self, session: Session) -> None:
        self.logins.drop(session)

    def _frame(
        self, session: Session, topic: Topic, rows: list[Row], event_type: str | None
    ) -> str:
        assert session.account is not None
        arg = {**topic.arg_dict(), "uid": str(session.account.uid)}
        if event_type is None:
            return out.push(arg, list(rows))
        return out.push(arg, list(rows), eventType=event_type, curPage=1, lastPage=True)

    # -- engine events (synchronous, inside an engine's flush) -------------------------
    def _listener(self, inst_type: InstType) -> Callable[[object], None]:
        def enqueue(event: OrderEvent | AccountEvent) -> None:
            self._queue.append((inst_type, event))
            self._schedule()

        return account_listener(enqueue, enqueue)

    def _schedule(self) -> None:
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a synchronous caller): the streams' clock drains it
        self._scheduled = True
        loop.call_soon(self.drain)

    def drain(self) -> None:
        """Push what the queued engine events produced, in order."""
        self._scheduled = False
        queue, self._queue = self._queue, []
        for inst_type, event in queue:
            if isinstance(event, OrderEvent):
                self._on_order(inst_type, event)
            else:
                self._on_account(inst_type, event)

    def _listening(self, account_id: str, channel: str) -> list[tuple[Session, Topic]]:
        return [
            (session, topic)
            for session in self.logins.of_account(account_id)
            for topic in session.topics.values()
            if topic.channel == channel
        ]

    def _on_order(self, inst_type: InstType, event: OrderEvent) -> None:
        order = event.order
        targets = [
            (s, t)
            for s, t in self._listening(order.account_id, "orders")
            if t.inst_type in ("ANY", inst_type) and t.inst_id in ("", order.symbol)
        ]
        if not targets:
            return
        row = self._order_row(inst_type, order, event.fill)
        for session, topic in targets:
            session.send(self._frame(session, topic, [row], None))

    def _on_account(self, inst_type: InstType, event: AccountEvent) -> None:
        account_id = event.account_id
        for session, topic in self._listening(account_id, "account"):
            session.send(
                self._frame(session, topic, [self._account_row(account_id, topic)], "event_update")
            )
        if inst_type != "SWAP":
            return
        held = {(p.symbol, p.position_side) for p in event.positions}
        closed = self._open.get(account_id, set()) - held
        self._open[account_id] = held
        for session, topic in self._listening(account_id, "positions"):
            rows = self._position_rows(account_id, topic, closed=closed)
            if rows:
                session.send(self._frame(session, topic, rows, "event_update"))

    # -- rows --------------------------------------------------------------------------
    def _order_row(self, inst_type: InstType, order: EngineOrder, fill: EngineFill | None) -> Row:
        """The order detail REST shows, with the push fields of this event's fill
        (empty when the event is no fill: accepted or canceled)."""
        row = payloads.order_row(order, inst_type, ctx=self.ctx, fill=fill)
        engine = self.ctx.engine(inst_type)
        last = engine.last_price(order.symbol)
        row.update(
            {
                "fillFee": "0",
                "fillFeeCcy": "",
                "execType": "",
                "fillPnl": "0",
                "fillNotionalUsd": "",
                "fillMarkPx": "",
                "fillIdxPx": "",
                "fillPxVol": "",
                "fillPxUsd": "",
                "fillMarkVol": "",
                "fillFwdPx": "",
                "notionalUsd": plain(order.qty * (order.price or engine.mark_price(order.symbol))),
                "lastPx": plain(last) if last is not None else "",
                "amendResult": "",
                "amendSource": "",
                "reqId": "",
                "code": "0",
                "msg": "",
            }
        )
        if fill is None:
            row.update({"fillPx": "", "fillSz": "0", "tradeId": "", "fillTime": ""})
            return row
        usd = payloads.usd_price(self.ctx, engine.instruments[order.symbol].quote)
        row.update(
            {
                "fillFee": plain(-fill.fee),
                "fillFeeCcy": fill.fee_asset,
                "execType": "M" if fill.is_maker else "T",
                "fillPnl": plain(fill.realized_pnl),
                "fillNotionalUsd": plain(fill.quote_qty * usd),
                "fillMarkPx": plain(engine.mark_price(order.symbol)) if inst_type == "SWAP" else "",
            }
        )
        return row

    def _account_row(self, account_id: str, topic: Topic) -> Row:
        return payloads.account_row(self.ctx, account_id, [topic.ccy] if topic.ccy else None)

    def _position_rows(
        self, account_id: str, topic: Topic, *, closed: set[PositionKey] | tuple[()]
    ) -> list[Row]:
        engine = self.ctx.swap
        held = [p for p in engine.positions(account_id) if topic.inst_id in ("", p.symbol)]
        flat = [
            _flat(engine.leverage(account_id, inst), inst, side, engine.mark_price(inst))
            for inst, side in sorted(closed)
            if topic.inst_id in ("", inst)
        ]
        return [
            payloads.position_row(p, ctx=self.ctx, account_id=account_id) for p in (*held, *flat)
        ]


def _flat(leverage: int, inst: str, side: str, mark: Decimal) -> EnginePosition:
    """A position that was closed, as the zero row OKX pushes for it."""
    return EnginePosition(
        symbol=inst,
        position_side=side,
        qty=ZERO,
        entry_price=ZERO,
        mark_price=mark,
        unrealized_pnl=ZERO,
        leverage=leverage,
        margin=ZERO,
        liquidation_price=ZERO,
    )
