"""One client connection to the OKX emulator's WebSocket side: its socket, the `connId`
OKX echoes in every reply (8 hex digits, "a4d3ae55" in the docs' samples), the channels it
follows and (private) the account it logged in as."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from tradeport.emulator.accounts import AccountRef
from tradeport.emulator.host.streams import StreamSession
from tradeport.venues.okx.emulator.stream_topics import PathKind, Topic


@dataclass(eq=False)
class Session(StreamSession):
    path: PathKind
    conn_id: str = field(default_factory=lambda: secrets.token_hex(4))
    topics: dict[tuple[str, ...], Topic] = field(default_factory=dict)  # by key, in order
    account: AccountRef | None = None  # set by a successful `login`
