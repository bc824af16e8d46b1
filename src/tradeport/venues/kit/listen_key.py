"""Keeping a listen key alive (Binance USDⓈ-M, BingX): the venue drops a key it has not
heard of for an hour, so the session extends it every `interval` seconds while it runs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from tradeport.model.errors import TradeportError
from tradeport.periodic import Periodic


def listen_key_keeper(
    extend: Callable[[], Awaitable[object]],
    interval: float,
    *,
    venue: str,
    log: logging.Logger,
) -> Periodic:
    """Calls `extend` every `interval` seconds between `start()` and `stop()`."""

    def failed(exc: TradeportError) -> None:
        # a lapsed key is announced on the socket (listenKeyExpired) and the reconnect
        # creates a new one; nothing else to do here
        log.warning("%s: listen key keep-alive failed: %s", venue, exc)

    return Periodic(extend, interval, name=f"{venue} listen key keep-alive", failed=failed, log=log)
