"""BTCC public streams: channels → quote stream topics → tickers and seven-level books
(PROTOCOLS.md §6.4) [?].

Which topic serves a channel comes from venue.yaml `wss_paths`; the topic plumbing is
the kit's (kit/public_streams.py). Every product's `tickinfo` and `tickinfo_deep`
pushes are dispatched to its topics by `SecID` (the `Dict` frame's, in the client's
symbol table). A book push replaces the book whole; a crossed one is published flagged
(RESYNCING), and a lost connection flags every book it carried stale (SYNCING) until
the replacement's first push.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tradeport.model import BookState, OrderBook
from tradeport.model.errors import MalformedMessage, NotSupported, UnknownSymbol
from tradeport.streams.watch import Channel
from tradeport.venues.btcc import stream_messages as sm
from tradeport.venues.btcc import stream_parse as sp
from tradeport.venues.btcc.symbols import SymbolTable
from tradeport.venues.btcc.ws_endpoints import (
    DEALS_TOPIC,
    DEEP_TOPIC,
    TICK_TOPIC,
    LoginFields,
    QuoteEndpoint,
    topic,
)
from tradeport.venues.kit.public_streams import PublicContext, PublicTopics, Topic


@dataclass(eq=False, slots=True)
class QuoteTopic(Topic):
    """One product's pushes of one kind; a book topic keeps its last book, a trades
    topic the last trades snapshot (kept across reconnects, so that trades made while
    the connection was down are still found in the next one)."""

    last: OrderBook | None = None
    deals: list[sm.DealRow] = field(default_factory=list)


class QuoteStreams(PublicTopics[QuoteTopic]):
    log = logging.getLogger("tradeport.venues.btcc")

    def __init__(
        self, client: PublicContext, ws_base: str, table: SymbolTable, login: LoginFields
    ) -> None:
        super().__init__(client, ws_base)
        self.table = table
        self.login = login
        self.crossed = 0  # book pushes that came crossed
        self.deal_gaps = 0  # trades snapshots sharing nothing with the one before
        self.handlers = {
            TICK_TOPIC: self._on_tick,
            DEEP_TOPIC: self._on_deep,
            DEALS_TOPIC: self._on_deals,
        }

    async def _topic_name(self, template: str, channel: Channel) -> str:
        inst = await self.client.instrument(channel.symbol or "")  # UnknownSymbol if not
        return template.replace("<symbol>", inst.symbol)

    def _new_topic(self, name: str, path: str, channel: Channel) -> QuoteTopic:
        kind = name.partition(":")[0]
        if kind not in self.handlers:
            raise NotSupported(f"quote topic {name!r} is not known on {self.client.key}")
        return QuoteTopic(name, path, kind, channel.symbol or "")

    def _endpoint(self, path: str) -> QuoteEndpoint:
        url = self.ws_base + (path if path != "/" else "")
        return QuoteEndpoint(
            f"{self.client.key}{path}", url, self.table, self.login, self.client.liveness
        )

    def synced_book(self, symbol: str) -> None:
        return None  # pushes are whole books; there is no book kept in sync

    # -- frames ------------------------------------------------------------------------
    def feed(self, frame: str | bytes, local_ts: int = 0) -> None:
        action = sp.action_of(frame).action
        if action == sm.TICK:
            ids = [str(row.Y) for row in sp.tick_rows(frame)]
            kind = TICK_TOPIC
        elif action == sm.DEEP:
            ids = [str(sp.deep_data(frame).Y)]
            kind = DEEP_TOPIC
        elif action == sm.DEALS:
            ids = [str(sp.deal_data(frame).Y)]
            kind = DEALS_TOPIC
        else:
            return  # login, dictionary, trading hours: no topic of ours
        for sec_id in ids:
            try:
                symbol = self.table.symbol_of_sec_id(sec_id)
            except UnknownSymbol:
                self.malformed += 1
                raise MalformedMessage(f"{action} for {sec_id}, not in the dictionary") from None
            self._dispatch(topic(kind, symbol), frame, local_ts)

    def _on_tick(self, topic: QuoteTopic, frame: str | bytes, local_ts: int) -> None:
        sec_id = self.table.sec_id(topic.symbol)
        for row in sp.tick_rows(frame):
            if str(row.Y) == sec_id:
                ticker = sp.parse_tick(row, topic.symbol, local_ts)
                for channel in topic.channels:
                    self.publish(channel, ticker)

    def _on_deep(self, topic: QuoteTopic, frame: str | bytes, local_ts: int) -> None:
        book = sp.parse_deep(sp.deep_data(frame), topic.symbol, local_ts)
        if book.state is not BookState.LIVE:
            self.crossed += 1
            self.log.warning("%s: crossed book pushed for %s", self.client.key, topic.symbol)
        topic.last = book
        self._publish(topic, book)

    def _on_deals(self, topic: QuoteTopic, frame: str | bytes, local_ts: int) -> None:
        snapshot = sp.deal_data(frame).D
        fresh, gap = sp.new_deals(topic.deals, snapshot)
        if gap:
            self.deal_gaps += 1
            self.log.warning("%s: trades of %s may be missing", self.client.key, topic.symbol)
        topic.deals = snapshot
        trades = [sp.parse_deal(row, topic.symbol, local_ts) for row in fresh]
        for channel in topic.channels:
            for trade in trades:
                self.publish(channel, trade)

    def _publish(self, topic: QuoteTopic, book: OrderBook) -> None:
        for channel in topic.channels:
            self.publish(channel, book)

    def _on_lost(self, names: list[str]) -> None:
        for name in names:
            found = self.topics.get(name)
            if found is not None and found.last is not None:
                stale = OrderBook(
                    symbol=found.last.symbol,
                    bids=found.last.bids,
                    asks=found.last.asks,
                    ts=found.last.ts,
                    local_ts=found.last.local_ts,
                    state=BookState.SYNCING,
                )
                found.last = stale
                self._publish(found, stale)
