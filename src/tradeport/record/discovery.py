"""Which contracts to record: every actively trading perpetual of a venue, with the
maps a recorder and its readers need (native symbol, tick and price precision, minimum
quantity and notional).

Everything comes from the venue-neutral `Instrument` model, so any registered venue
with a swap market works without a line here: a perpetual is an instrument of asset
type SWAP, and "actively trading" is status TRADING (a halted, pre-launch or delisted
contract is left out; Binance USDⓈ-M reports close-only and pre-delivery contracts as
not TRADING). A venue whose instruments carry no status (BTCC's product list [?])
reports every product TRADING, so nothing of it is left out.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import msgspec

from tradeport.api import connect_async
from tradeport.model import AssetType, Instrument, InstrumentStatus
from tradeport.model.errors import BadParameter, UnknownSymbol
from tradeport.venues import registry
from tradeport.venues.base import VenueClient

# tickers fetched at once when ranking by volume: the venues' public weight budgets
# are per minute, so a ranking over hundreds of contracts must not burst
TICKER_CONCURRENCY = 8


class Contract(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str  # normalised BASE-QUOTE
    venue_symbol: str
    base: str
    quote: str
    tick_size: Decimal
    price_precision: int  # decimals of the tick
    min_qty: Decimal
    min_notional: Decimal
    quote_volume: float | None = None  # 24 h, when ranked by volume


class ContractSet(msgspec.Struct, frozen=True, kw_only=True):
    venue: str
    contracts: tuple[Contract, ...]

    @property
    def symbols(self) -> list[str]:
        return [c.symbol for c in self.contracts]

    @property
    def venue_symbols(self) -> dict[str, str]:
        return {c.symbol: c.venue_symbol for c in self.contracts}

    @property
    def tick_sizes(self) -> dict[str, Decimal]:
        return {c.symbol: c.tick_size for c in self.contracts}

    @property
    def price_precision(self) -> dict[str, int]:
        return {c.symbol: c.price_precision for c in self.contracts}

    @property
    def min_qty(self) -> dict[str, Decimal]:
        return {c.symbol: c.min_qty for c in self.contracts}

    @property
    def min_notional(self) -> dict[str, Decimal]:
        return {c.symbol: c.min_notional for c in self.contracts}


def precision_of(tick: Decimal) -> int:
    """Decimals a price on the grid of `tick` needs: 0.01 → 2, 0.5 → 1, 10 → 0."""
    exponent = tick.normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        raise BadParameter(f"tick size {tick!r} is not a finite number")
    return max(0, -exponent)


def _contract(inst: Instrument) -> Contract:
    return Contract(
        symbol=inst.symbol,
        venue_symbol=inst.venue_symbol,
        base=inst.base,
        quote=inst.quote,
        tick_size=inst.tick_size,
        price_precision=precision_of(inst.tick_size),
        min_qty=inst.min_qty,
        min_notional=inst.min_notional,
    )


def _names(values: Iterable[str] | None, what: str) -> set[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        raise BadParameter(f"{what}: expected a list of symbols, not the string {values!r}")
    return {v.upper() for v in values}


def select_perpetuals(
    instruments: Iterable[Instrument],
    *,
    quote: str | None = None,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> list[Contract]:
    """The actively trading perpetuals among `instruments`, sorted by symbol. `quote`
    keeps one quote asset; `include` keeps only the symbols named (normalised or
    native spelling), `exclude` drops the symbols named."""
    wanted = _names(include, "include")
    unwanted = _names(exclude, "exclude") or set()
    chosen = [
        _contract(inst)
        for inst in instruments
        if inst.asset_type is AssetType.SWAP
        and inst.status is InstrumentStatus.TRADING
        and (quote is None or inst.quote == quote.upper())
        and (wanted is None or inst.symbol in wanted or inst.venue_symbol.upper() in wanted)
        and inst.symbol not in unwanted
        and inst.venue_symbol.upper() not in unwanted
    ]
    return sorted(chosen, key=lambda c: c.symbol)


async def _ranked(client: VenueClient, contracts: list[Contract], top: int) -> list[Contract]:
    gate = asyncio.Semaphore(TICKER_CONCURRENCY)

    async def volume(contract: Contract) -> Contract:
        async with gate:
            ticker = await client.get_tick(contract.symbol)
        return msgspec.structs.replace(contract, quote_volume=ticker.quote_volume or 0.0)

    ranked = await asyncio.gather(*(volume(c) for c in contracts))
    ranked.sort(key=lambda c: (-(c.quote_volume or 0.0), c.symbol))
    return ranked[:top]


async def discover(
    venue_key: str,
    *,
    client: VenueClient | None = None,
    quote: str | None = None,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    top: int | None = None,
    connect_options: Mapping[str, Any] | None = None,
    refresh: bool = False,
) -> ContractSet:
    """The actively trading perpetuals of `venue_key`, filtered (see `select_perpetuals`)
    and, with `top`, the `top` largest by 24 h quote volume. Uses `client` when given
    (it must be that venue's), else connects with `connect_options` for the call.
    `refresh` asks the venue again instead of using the client's loaded instruments (a
    re-check of a running recording)."""
    spec = registry.get_venue(venue_key)
    if spec.asset_type is not AssetType.SWAP:
        raise BadParameter(f"{spec.key} is a {spec.asset_type} market; perpetuals are on swap")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise BadParameter(f"top {top!r}: expected a positive number of contracts")
    if client is not None and client.key != spec.key:
        raise BadParameter(f"client is connected to {client.key}, not {spec.key}")
    if client is None:
        async with connect_async(spec.key, **dict(connect_options or {})) as own:
            return await discover(
                spec.key, client=own, quote=quote, include=include, exclude=exclude, top=top
            )
    if refresh:
        instruments: Iterable[Instrument] = await client.get_exchange_info()
    else:
        instruments = (await client.instruments()).values()
    contracts = select_perpetuals(instruments, quote=quote, include=include, exclude=exclude)
    missing = (_names(include, "include") or set()) - {
        name for c in contracts for name in (c.symbol, c.venue_symbol.upper())
    }
    known = {name for i in instruments for name in (i.symbol, i.venue_symbol.upper())}
    unknown = sorted(missing - known)
    if unknown:
        raise UnknownSymbol(f"{spec.key} lists no contract {', '.join(unknown)}")
    if top is not None:
        contracts = await _ranked(client, contracts, top)
    return ContractSet(venue=spec.key, contracts=tuple(contracts))


def parse_shard(text: str) -> tuple[int, int]:
    """`"i/n"` (0 <= i < n) as (i, n)."""
    index, sep, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise BadParameter(f"shard {text!r}: expected i/n, e.g. 0/4") from None
    if not sep or n < 1 or not 0 <= i < n:
        raise BadParameter(f"shard {text!r}: expected i/n with 0 <= i < n")
    return i, n


def shard_of(venue: str, symbol: str, count: int) -> int:
    """The shard (of `count`) recording `symbol`: a hash that is the same in every
    process and on every machine (unlike Python's `hash`), so n recorders started with
    `i/n` cover the contract set once between them."""
    return zlib.crc32(f"{venue}:{symbol}".encode()) % count


def shard(contracts: ContractSet, index: int, count: int) -> ContractSet:
    """The contracts of shard `index` of `count`."""
    if count < 1 or not 0 <= index < count:
        raise BadParameter(f"shard {index}/{count}: expected 0 <= index < count")
    mine = tuple(
        c for c in contracts.contracts if shard_of(contracts.venue, c.symbol, count) == index
    )
    return ContractSet(venue=contracts.venue, contracts=mine)
