"""One client connection to the Bybit emulator's WebSocket side: its socket, the
`conn_id` Bybit echoes in every reply, its topics and (private) the account it logged
in as."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from tradeport.emulator.accounts import AccountRef
from tradeport.emulator.host.streams import StreamSession
from tradeport.venues.bybit.emulator.stream_topics import PrivateTopic, PublicTopic


@dataclass(eq=False)
class Session(StreamSession):
    conn_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    public: dict[str, PublicTopic] = field(default_factory=dict)  # by name, in order
    private: dict[str, PrivateTopic] = field(default_factory=dict)
    account: AccountRef | None = None  # set by a successful `auth`
