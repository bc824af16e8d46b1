"""A venue's public streams fed trade frames directly, with one consumer of the trades
channel: what it delivers for a frame (its trades, or the error it raises), on the
compiled store (frames of the venue's shape read by `read_shape`) or the Python one
(every frame through the typed decoder)."""

from __future__ import annotations

from typing import Any

from tests.book.conftest import using_store

from tradeport.model import AssetType
from tradeport.streams.watch import CallbackSink, Channel, Dispatcher

SYMBOL = "BTC-USDT"
TRADES = Channel("trades", SYMBOL)


class Client:
    """What public streams need of a client to route frames they are fed."""

    key = "TEST"
    liveness = None

    def __init__(self, asset_type: AssetType) -> None:
        async def nothing(channel: Channel) -> None:
            return None

        self.asset_type = asset_type
        self.streams = Dispatcher(nothing, nothing)


def delivered(
    streams_type: Any,
    topic: str,
    frame: str | bytes | list[bytes],
    store: str,
    spot: bool = False,
) -> object:
    """The trades `frame` (or each of a list of frames, in turn) delivers to a consumer
    of topic `topic`'s trades, or the type and message of what it raises, with level
    store `store` active."""
    with using_store(store):  # the hot path takes its reader when the topic is bound
        client = Client(AssetType.SPOT if spot else AssetType.SWAP)
        streams = streams_type(client, "ws://test")
        got: list[object] = []
        client.streams._sinks[TRADES] = [CallbackSink(None, got.append)]
        streams.attach(TRADES, "", topic)
        try:
            for each in frame if isinstance(frame, list) else [frame]:
                streams.feed(each, 5)
        except Exception as exc:
            return type(exc), str(exc)
        return got
