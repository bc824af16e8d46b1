"""How a stream connection proves it is alive: our ping interval and the silence after
which the watchdog replaces it, and what every venue's connection kinds share of that.
"""

from __future__ import annotations

from typing import NamedTuple

from tradeport.model.errors import BadParameter


class Liveness(NamedTuple):
    """How often we ping, and how long a connection may stay silent before the watchdog
    replaces it (more than a ping interval plus a round trip: a healthy connection
    always answers a ping within it)."""

    ping_interval: float = 20.0
    silence_timeout: float = 60.0

    @classmethod
    def checked(
        cls,
        ping_interval: float,
        silence_timeout: float,
        idle_cutoff: float | None = None,
        venue: str = "the venue",
    ) -> Liveness:
        """The client's stream options, refused with BadParameter when the watchdog
        would replace healthy connections (or the venue drop them: `idle_cutoff`, the
        silence after which the venue closes an unpinged connection)."""
        if idle_cutoff is not None and not 0 < ping_interval < idle_cutoff:
            raise BadParameter(
                f"stream_ping_interval ({ping_interval} s) must be positive and "
                f"below {venue}'s {idle_cutoff:.0f} s idle cutoff"
            )
        if silence_timeout <= ping_interval:
            raise BadParameter(
                f"stream_silence_timeout ({silence_timeout} s) must exceed "
                f"stream_ping_interval ({ping_interval} s)"
            )
        return cls(ping_interval, silence_timeout)


class LiveEndpoint:
    """What every venue connection kind shares: its name, URL and liveness. A venue's
    endpoint classes add limits, frames and `classify` (transport/ws_endpoint.py)."""

    max_lifetime: float | None = None  # a venue cutoff (Binance 24 h) overrides it
    default_liveness = Liveness()  # when the caller gives none; a venue may set its own

    def __init__(self, name: str, url: str, liveness: Liveness | None = None) -> None:
        liveness = liveness or self.default_liveness
        self.name = name
        self._url = url
        self.ping_interval: float | None = liveness.ping_interval
        self.silence_timeout = liveness.silence_timeout

    async def url(self) -> str:
        return self._url
