"""Entry points: `connect()` (sync) and `connect_async()` (async)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from typing import Any

from tradeport import runtime
from tradeport.config.loader import load_venue_config, resolve_asset
from tradeport.model.errors import BadParameter, NotSupported
from tradeport.streams.sync import sync_watch
from tradeport.venues import registry
from tradeport.venues.base import CLIENT_METHODS, VenueClient
from tradeport.venues.streaming import STREAM_METHODS

ENVIRONMENTS = ("live", "testnet", "demo", "vst", "emulator")


async def create_client(
    key: str,
    *,
    environment: str | None = None,
    api_key: str = "",
    secret: str = "",
    base_url: str | None = None,
    allow_mainnet: bool = False,
    emulator_options: dict[str, Any] | None = None,
    **options: Any,
) -> VenueClient:
    """Build a venue client. `environment="emulator"` starts the venue's emulator in the
    running loop (unless `base_url` points at one already running) and uses its default
    credentials when none are given. On "live", orders, cancels and settings are refused
    unless `allow_mainnet=True`. Without `environment`, the venue's
    `default_environment` (venue.yaml; "live" unless the venue names its demo)."""
    if not isinstance(key, str) or not key:
        raise BadParameter(f"venue key {key!r}: expected a venue name, e.g. 'BINANCE___SPOT'")
    if environment is not None and environment not in ENVIRONMENTS:
        raise BadParameter(f"environment {environment!r}: expected one of {ENVIRONMENTS}")
    spec = registry.get_venue(key)
    config = resolve_asset(load_venue_config(spec.config_path), spec.asset_type.value)
    if environment is None:
        environment = config.venue.default_environment
        if environment not in ENVIRONMENTS:
            raise BadParameter(
                f"{spec.key}: venue.yaml default_environment {environment!r}:"
                f" expected one of {ENVIRONMENTS}"
            )
    emulator = None
    if environment == "emulator" and base_url is None:
        if spec.emulator_factory is None:
            raise NotSupported(f"{spec.key} has no emulator")
        emulator = spec.emulator_factory(**(emulator_options or {}))
        base_url = await emulator.start()
        options.setdefault("ws_url", emulator.stream_url(spec.asset_type))
        if not api_key:
            api_key, secret = emulator.credentials()
            passphrase = getattr(emulator, "passphrase", None)  # venues that ask for one
            if passphrase is not None:
                options.setdefault("passphrase", passphrase(0))
            login_options = getattr(emulator, "login_options", None)  # a login's (BTCC)
            if login_options is not None:
                for name, value in login_options(0).items():
                    options.setdefault(name, value)
    elif base_url is None:
        base_url = config.rest_url(environment)
    try:
        client = spec.client_factory(
            config,
            base_url=base_url,
            api_key=api_key,
            secret=secret,
            environment=environment,
            allow_mainnet=allow_mainnet,
            **options,
        )
    except BaseException:
        if emulator is not None:  # a bad option must not leave a server running
            await emulator.stop()
        raise
    if emulator is not None:
        client.own_emulator(emulator)
    return client


class _AsyncConnection:
    """`await connect_async(...)` or `async with connect_async(...) as client`."""

    def __init__(self, key: str, kwargs: dict[str, Any]) -> None:
        self._key = key
        self._kwargs = kwargs
        self._client: VenueClient | None = None

    def __await__(self) -> Generator[Any, None, VenueClient]:
        return create_client(self._key, **self._kwargs).__await__()

    async def __aenter__(self) -> VenueClient:
        self._client = await create_client(self._key, **self._kwargs)
        return self._client

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.close()


def connect_async(key: str, **kwargs: Any) -> _AsyncConnection:
    return _AsyncConnection(key, kwargs)


class SyncClient:
    """The async client's methods, run on the shared background loop.

    Its methods are generated from `CLIENT_METHODS` and `STREAM_METHODS`, not written
    by hand; a sync `watch_*` returns a SyncWatch (a `queue.Queue` you can iterate), or
    with `callback=` runs the callback on the shared loop thread.
    """

    def __init__(self, client: VenueClient) -> None:
        self.client = client
        runtime.track(client)

    @property
    def key(self) -> str:
        return self.client.key

    def __repr__(self) -> str:
        return f"<SyncClient {self.client!r}>"

    def close(self) -> None:
        runtime.untrack(self.client)
        runtime.run(self.client.close())

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sync_method(name: str) -> Callable[..., Any]:
    def method(self: SyncClient, *args: Any, **kwargs: Any) -> Any:
        return runtime.run(getattr(self.client, name)(*args, **kwargs))

    target = getattr(VenueClient, name)
    method.__name__ = name
    method.__doc__ = target.__doc__
    method.__signature__ = inspect.signature(target)  # type: ignore[attr-defined]
    return method


def _sync_watch_method(name: str) -> Callable[..., Any]:
    def method(self: SyncClient, *args: Any, **kwargs: Any) -> Any:
        return sync_watch(getattr(self.client, name), *args, **kwargs)

    target = getattr(VenueClient, name)
    method.__name__ = name
    method.__doc__ = target.__doc__
    method.__signature__ = inspect.signature(target)  # type: ignore[attr-defined]
    return method


for _name in CLIENT_METHODS:
    setattr(SyncClient, _name, _sync_method(_name))
for _name in STREAM_METHODS:
    setattr(SyncClient, _name, _sync_watch_method(_name))


def connect(key: str, **kwargs: Any) -> SyncClient:
    """A sync client; all sync clients share one background event loop thread."""
    return SyncClient(runtime.run(create_client(key, **kwargs)))
