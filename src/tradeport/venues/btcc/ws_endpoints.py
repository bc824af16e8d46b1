"""The BTCC quote WebSocket as the venue-neutral engine needs it (PROTOCOLS.md §6.4) [?].

On opening, the connection logs in (`name`: the account number, `key`: the API key)
and waits for the `Dict` frame, from which the products' `SecID`s are learnt (into the
client's symbol table). `ReqSubcri` names every product to push (`symbols`) and the
ones whose seven-level book to push (`deep`): each frame carries the whole set, so a
subscription or unsubscription sends the set as it now stands. Its answer (taken to be
`{"action": "ReqSubcri", "result": 1}`) settles the oldest request in flight. The
heartbeat is ours: `{"action": "KeepLive"}` at most every 20 s, answered `keeplive`;
the venue was seen closing a connection idle for about 30 s.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Sequence

import msgspec

from tradeport.model.errors import MalformedMessage
from tradeport.transport.ws import Ack, Control, Pong, WsRequester
from tradeport.venues.btcc import stream_messages as sm
from tradeport.venues.btcc import stream_parse as sp
from tradeport.venues.btcc.symbols import SymbolTable
from tradeport.venues.kit.liveness import LiveEndpoint, Liveness

MAX_TOPICS = 400
MAX_SENDS_PER_SECOND = 5.0  # none documented [?]
LOGIN_TIMEOUT = 10.0
DICT_REQUEST = "dict"
TICK_TOPIC, DEEP_TOPIC, DEALS_TOPIC = "tickinfo", "tickinfo_deep", "dealticksnap"
# what a login needs: (account number, API key), from a trade session
LoginFields = Callable[[], Awaitable[tuple[str, str]]]


def login_frame(name: str, key: str) -> str:
    """The quote stream's login: `name` the account number, `key` the API key [?]."""
    frame = {"action": sm.LOGIN, "name": name, "clienttype": "API", "key": key}
    return msgspec.json.encode(frame).decode()


def topic(kind: str, symbol: str) -> str:
    """`tickinfo:BTC-USDT`: our name of one product's pushes of one kind."""
    return f"{kind}:{symbol}"


class QuoteEndpoint(LiveEndpoint):
    max_topics = MAX_TOPICS
    max_topics_per_frame = 1
    max_sends_per_second = MAX_SENDS_PER_SECOND
    default_liveness = Liveness(15.0, 40.0)

    def __init__(
        self,
        name: str,
        url: str,
        table: SymbolTable,
        login_fields: LoginFields,
        liveness: Liveness | None = None,
    ) -> None:
        super().__init__(name, url, liveness)
        self.table = table
        self.login_fields = login_fields
        self._topics: set[str] = set()
        self._in_flight: deque[int] = deque()

    async def on_open(self, conn: WsRequester) -> None:
        self._in_flight.clear()
        name, key = await self.login_fields()
        ack = await conn.request(login_frame(name, key), DICT_REQUEST, LOGIN_TIMEOUT)
        if ack.error is not None:
            raise MalformedMessage(f"quote stream login refused: {ack.error}")

    def ping_frame(self) -> str:
        return '{"action":"KeepLive"}'

    def classify(self, frame: str | bytes) -> Control | None:
        msg = sp.action_of(frame)
        if msg.action == sm.KEEPLIVE_ANSWER:
            return Pong()
        if msg.action == sm.LOGIN:
            if msg.result != sm.SUCCESS:
                return Ack(DICT_REQUEST, f"login: {msg.msg or 'refused'}")
            return None
        if msg.action == sm.DICT:
            for row in sp.parse_dict(frame):
                self.table.add_quote_id(str(row.SecID), row.ShortName)
            return Ack(DICT_REQUEST)
        if msg.action == sm.SUBSCRIBE and self._in_flight:
            request_id = self._in_flight.popleft()
            return Ack(request_id, None if msg.result == sm.SUCCESS else msg.msg or "refused")
        return None

    def subscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        self._topics.update(topics)
        return self._request(request_id)

    def unsubscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        self._topics.difference_update(topics)
        return self._request(request_id)

    def _request(self, request_id: int) -> str:
        """`ReqSubcri` with every product now wanted, and those wanted with a book."""
        ticks, deep = set(), set()
        for name in self._topics:
            kind, _, symbol = name.partition(":")
            sec_id = self.table.sec_id(symbol)
            ticks.add(sec_id)
            if kind == DEEP_TOPIC:
                deep.add(sec_id)
        self._in_flight.append(request_id)
        frame = {"action": sm.SUBSCRIBE, "symbols": sorted(ticks), "deep": ",".join(sorted(deep))}
        return msgspec.json.encode(frame).decode()
