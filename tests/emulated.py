"""What every venue's tests start the same way: an emulator on a loopback port for one
test, and real clients logged in to it, all closed at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import tradeport as tp
from tradeport.emulator.handle import EmulatorHandle
from tradeport.model import AssetType
from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues import registry
from tradeport.venues.base import VenueClient

E = TypeVar("E", bound=EmulatorHandle)
C = TypeVar("C", bound=VenueClient)


def login(emulator: EmulatorHandle, asset_type: AssetType, account: int = 0) -> dict[str, Any]:
    """The client options that reach `emulator` as `account`: URLs and credentials,
    with the passphrase or login options of the venues that ask for them."""
    key, secret = emulator.credentials(account)
    options: dict[str, Any] = {
        "environment": "emulator",
        "base_url": emulator.base_url,
        "ws_url": emulator.stream_url(asset_type),
        "api_key": key,
        "secret": secret,
    }
    passphrase = getattr(emulator, "passphrase", None)
    if passphrase is not None:
        options["passphrase"] = passphrase(account)
    login_options = getattr(emulator, "login_options", None)  # venues with a login (BTCC)
    if login_options is not None:
        options.update(login_options(account))
    return options


async def serving(emulator: E) -> AsyncIterator[E]:
    """`emulator` started, then stopped with the rate budgets kept for its address."""
    await emulator.start()
    try:
        yield emulator
    finally:
        host = emulator.base_url.split("://", 1)[1]
        await emulator.stop()
        # budgets (and any stop) shared per address must not outlive the emulator
        RateLimiter.forget_host(host)


async def clients(
    emulator: EmulatorHandle, kind: type[C]
) -> AsyncIterator[Callable[..., Awaitable[C]]]:
    """`await make(key, account=0, **client_options)`: a client of `kind` on the
    emulator; every one made is closed at the end."""
    made: list[C] = []

    async def make(key: str, account: int = 0, **kw: Any) -> C:
        options = {**login(emulator, registry.get_venue(key).asset_type, account), **kw}
        client = await tp.create_client(key, **options)
        assert isinstance(client, kind)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            await client.close()
