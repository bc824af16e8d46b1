"""A private stream connection that is a session: log in, then subscribe the account
topics one request each, so that each is confirmed (and reported) on its own; any
refusal fails the connection attempt. The engine runs it again on every (re)connect.

A venue supplies its login frame (signed with `credentials` at `now_ms()`), its
subscribe frame for one topic, its heartbeat, send pace and `classify` (which must
answer the login with an `Ack` of the login's request id).
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import NamedTuple

from tradeport.model.errors import AuthError, SubscriptionError
from tradeport.transport.ws import Control
from tradeport.transport.ws_endpoint import WsRequester
from tradeport.venues.kit.liveness import LiveEndpoint, Liveness


class Credentials(NamedTuple):
    api_key: str
    secret: str
    passphrase: str = ""

    def __repr__(self) -> str:  # never shows secrets
        return f"Credentials(api_key={self.api_key[:4]}…)"


class PrivateSessionEndpoint(LiveEndpoint, ABC):
    max_topics = 0  # a session: the engine keeps one connection and no topic set
    topic_noun = "topic"  # how the venue's docs call a private subscription
    max_sends_per_second: float  # the venue's send pace

    def __init__(
        self,
        name: str,
        url: str,
        *,
        credentials: Credentials,
        now_ms: Callable[[], int],
        topics: Sequence[str],
        on_login: Callable[[], None],
        on_ack: Callable[[str], None],
        liveness: Liveness | None = None,
    ) -> None:
        super().__init__(name, url, liveness)
        self.credentials = credentials
        self.now_ms = now_ms  # the venue's clock, for the login's timestamp
        self.topics = tuple(topics)
        self._on_login = on_login
        self._on_ack = on_ack
        self._ids = itertools.count(1)

    @abstractmethod
    def login_frame(self) -> tuple[str, str]:
        """(the login request's id, its frame), signed now."""

    @abstractmethod
    def topic_frame(self, topic: str, request_id: str) -> str:
        """The request subscribing one private topic."""

    @abstractmethod
    def classify(self, frame: str | bytes) -> Control | None:
        """The venue's replies and notices (transport/ws_endpoint.py)."""

    async def on_open(self, conn: WsRequester) -> None:
        request_id, frame = self.login_frame()
        # a venue that does not answer within the silence budget is a dead connection
        ack = await conn.request(frame, request_id, self.silence_timeout)
        if ack.error is not None:
            raise AuthError(f"private stream login refused: {ack.error}", venue=self.name)
        self._on_login()
        for topic in self.topics:
            request_id = f"sub{next(self._ids)}"
            ack = await conn.request(
                self.topic_frame(topic, request_id), request_id, self.silence_timeout
            )
            if ack.error is not None:
                raise SubscriptionError(
                    f"private {self.topic_noun} {topic!r} refused: {ack.error}",
                    topics=[topic],
                    venue=self.name,
                    raw_message=ack.error,
                )
            self._on_ack(topic)

    def subscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        raise TypeError(f"the private session subscribes its own {self.topic_noun}s when it opens")

    def unsubscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        raise TypeError(f"the private session subscribes its own {self.topic_noun}s when it opens")
