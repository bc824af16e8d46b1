"""BingX account stream: orders, fills, balances, positions and leverage as they happen
(PROTOCOLS.md §5.3-5.4).

The session connects to `/swap-market?listenKey=<key>` with a key created over REST at
every (re)connect, extends it with a PUT every `keepalive` seconds (the venue keeps a key
60 minutes and recommends every 30) and deletes it on close. `listenKeyExpired` moves
it to a new connection with a new key. Whatever happened while it was down is
reconciled over REST (kit/private_session.py): orders, fills, balances, positions, and
the leverage of the contracts the account trades whose leverage was heard of.

Leverage changes (`ACCOUNT_CONFIG_UPDATE`) go out as `LeverageUpdate`s on the client's
`leverage` channel, once per change: the execution port's leverage cache checks itself
against them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import msgspec

from tradeport.model import LeverageUpdate
from tradeport.model.errors import MalformedMessage, TradeportError
from tradeport.streams.watch import Channel
from tradeport.venues.bingx import account_parse as ap
from tradeport.venues.bingx.ws_endpoints import AccountEndpoint
from tradeport.venues.kit.listen_key import listen_key_keeper
from tradeport.venues.kit.private_endpoint import Credentials
from tradeport.venues.kit.private_session import PrivateContext, PrivateSession

log = logging.getLogger("tradeport.venues.bingx")
LEVERAGE = Channel("leverage")
KEEPALIVE_S = 1800.0  # "extend every 30 minutes" (§5.3)


class ListenKey(msgspec.Struct):
    listenKey: str


class BingxPrivateContext(PrivateContext, Protocol):
    def from_venue_symbol(self, venue_symbol: str) -> str: ...

    async def listen_key_call(self, name: str, params: Mapping[str, Any] | None = None) -> bytes:
        """A listen-key request (the API key header alone)."""
        ...

    async def leverage_legs(self, symbol: str) -> tuple[int, int]: ...

    async def hedge_mode(self) -> bool: ...

    @property
    def hedged(self) -> bool | None:
        """The account's position mode as last read or set (None: not read yet)."""
        ...


class UserStream(PrivateSession):
    log = log
    client: BingxPrivateContext

    def __init__(
        self,
        client: BingxPrivateContext,
        ws_base: str,
        credentials: Credentials,
        *,
        keepalive: float = KEEPALIVE_S,
    ) -> None:
        super().__init__(client, ws_base, credentials)
        self.listen_key: str | None = None
        self._keeper = listen_key_keeper(
            self._extend_listen_key, keepalive, venue=client.key, log=log
        )
        self.leverage: dict[str, LeverageUpdate] = {}  # as last published, by symbol

    def _endpoint(self, url: str, topics: Sequence[str]) -> AccountEndpoint:
        return AccountEndpoint(
            f"{self.client.key}.user", url, self._new_listen_key, self.client.liveness
        )

    async def _started(self) -> None:
        # the position mode tells how a one-way position is written (account_parse.py)
        await self.client.hedge_mode()
        self._keeper.start()

    async def close(self) -> None:
        await self._keeper.stop()
        await super().close()
        key, self.listen_key = self.listen_key, None
        if key is not None:
            try:
                await self.client.listen_key_call("delete_listen_key", {"listenKey": key})
            except TradeportError as exc:  # the key lapses by itself within the hour
                log.info("%s: listen key not deleted: %s", self.client.key, exc)

    # -- the listen key ----------------------------------------------------------------
    async def _new_listen_key(self) -> str:
        raw = await self.client.listen_key_call("create_listen_key")
        try:
            self.listen_key = msgspec.json.decode(raw, type=ListenKey).listenKey
        except msgspec.DecodeError as exc:
            raise MalformedMessage(f"listen key answer: {exc}", venue=self.client.key) from None
        return self.listen_key

    async def _extend_listen_key(self) -> None:
        if self.listen_key is not None:
            await self.client.listen_key_call(
                "keepalive_listen_key", {"listenKey": self.listen_key}
            )

    # -- events ------------------------------------------------------------------------
    def _on_frame(self, frame: str | bytes, local_ts: int) -> None:
        text = frame.encode() if isinstance(frame, str) else frame
        if text.startswith(b'{"code":0,"dataType"'):
            return  # a market push on this connection: not the account's
        objects = ap.parse_account_frame(
            text,
            self.client.from_venue_symbol,
            self.client.config.order_status_map,
            local_ts,
            one_way=self.client.hedged is False,
        )
        for obj in objects:
            if isinstance(obj, LeverageUpdate):
                self.publish_leverage(obj)
            else:
                self.publish_event(obj)

    def publish_leverage(self, update: LeverageUpdate) -> None:
        """Publish a contract's leverage when it differs from what was last published
        (the venue repeats its configuration unprompted)."""
        known = self.leverage.get(update.symbol)
        if known is not None and (known.long, known.short, known.margin_type) == (
            update.long,
            update.short,
            update.margin_type,
        ):
            return
        self.leverage[update.symbol] = update
        self.client.streams.publish(LEVERAGE, update)

    async def _reconcile_account(self, now: int) -> None:
        await super()._reconcile_account(now)
        # the contracts the account trades (the venue's unprompted configuration pushes
        # may have named every contract: they are not each read back)
        traded = self.symbols | self.client.private_symbols
        for symbol, known in list(self.leverage.items()):
            if symbol not in traded:
                continue
            long, short = await self.client.leverage_legs(symbol)
            if (long, short) != (known.long, known.short):
                self.publish_leverage(
                    msgspec.structs.replace(known, long=long, short=short, ts=now, local_ts=0)
                )
