"""The BingX client: the REST client of `rest.py`. Streams (gzip frames, incremental
depth, the listenKey account stream) are not offered yet: every `watch_*` is the base
class's NotSupported."""

from __future__ import annotations

from typing import Any

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.venues.bingx.rest import BingxRest


class BingxClient(BingxRest):
    def __init__(
        self, config: ResolvedAssetConfig, *, ws_url: str | None = None, **rest_options: Any
    ) -> None:
        """`ws_url`: the stream host (kept for when streams are offered; default
        venue.yaml `wss_urls`). The other options are the REST client's."""
        super().__init__(config, **rest_options)
        self.ws_url = ws_url
