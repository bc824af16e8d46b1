"""ccxt and ccxt.pro as independent clients of every emulator that declares a ccxt peer.

A venue declares one in `tradeport.venues.<venue>.ccxt_peer`: `ccxt_client(module,
emulator, asset_type, account)` builds a ccxt (`module` is ccxt.async_support) or
ccxt.pro client pointed at the emulator, and `DIFFERENCES[asset_type]` lists where
ccxt's reading of the same account or stream differs from tradeport's, as data:

- `fetch_order_params`: extra params ccxt's `fetch_order` needs on this venue.
- `fetch_ledger_params`: extra params ccxt's `fetch_ledger` needs to read this market.
- `set_leverage_params`: extra params ccxt's `set_leverage` needs on this venue.
- `watch_trades_params`, `watch_ticker_params`: params that make ccxt.pro read the
  trade or ticker stream tradeport reads.
- `watched_trade_ids_are_the_engines` (default True): the trade stream tradeport reads
  shows the engine's trades by `trade_id` (not aggregates numbered apart).
- `balance_upl`: {ccxt balance field: part of the unrealised pnl ccxt adds to
  tradeport's value}, the part being "pnl" (all of it), "loss" (only a loss, as a
  negative amount) or "-loss" (a loss, as a positive amount).
- `book_nonce_is_engine_update_id` (default True): ccxt.pro's book `nonce` is the
  engine's update id; otherwise books are matched by their levels.
- `stream_ticker_has_top` (default True): the ticker stream carries the best bid / ask.
- `stream_ticker_time_is_event_time` (default True): ccxt.pro and tradeport stamp a
  ticker push with the same time, so the two views of one push can be paired.
- `rest_ticker_has_top` (default True): ccxt's REST ticker carries the best bid / ask.
- `ccxt_client_order_id` (default True): ccxt sends a client order id of its own.
- `ccxt_position_has_leverage` (default True): ccxt's position carries the leverage.
- `ccxt_market_has_max_leverage` (default True): ccxt's market carries the maximum
  leverage.
- `balance_fields` (default total, free and used): the ccxt balance fields that read
  the same amounts as tradeport's (given `balance_upl`).

- `book_update_ids` (default True): the book ccxt.pro watches carries update ids
  (its `nonce`) that tradeport's books carry too, so books can be paired by id.

A venue may also define `trade_id(asset_type, engine_trade_id) -> str`, the public
trade id it shows for one of the engine's trades (default: the engine's id); a venue
whose trade pushes carry no id defines instead `trade_key(asset_type, trade)`, the key
tradeport gives one of the engine's trades (`PublicTrade`), and `ccxt_trade_key(trade)`,
the same key of a trade as ccxt reads it.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType
from typing import Any

from tradeport.emulator.marketdata import PublicTrade
from tradeport.model import AssetType
from tradeport.venues import registry
from tradeport.venues.capability import Capability

from .conftest import EMULATED

_UPL_PARTS = {
    "pnl": lambda upl: upl,
    "loss": lambda upl: min(upl, Decimal(0)),
    "-loss": lambda upl: -min(upl, Decimal(0)),
}


@dataclass(frozen=True)
class Peer:
    """A venue's ccxt peer for one asset type."""

    spec: registry.VenueSpec
    module: ModuleType

    @property
    def differences(self) -> dict[str, Any]:
        declared: dict[str, Any] = self.module.DIFFERENCES[self.spec.asset_type]
        return declared

    def client(self, ccxt_module: Any, emulator: Any, account: int = 0) -> Any:
        return self.module.ccxt_client(ccxt_module, emulator, self.spec.asset_type, account)

    def symbol(self, symbol: str) -> str:
        """BTC-USDT → ccxt's unified BTC/USDT (spot) or BTC/USDT:USDT (a linear swap)."""
        base, quote = symbol.split("-")
        spot = self.spec.asset_type is AssetType.SPOT
        return f"{base}/{quote}" if spot else f"{base}/{quote}:{quote}"

    def trade_id(self, trade: PublicTrade) -> str:
        """How the venue's stream (and so tradeport) names one of the engine's trades."""
        keyed = getattr(self.module, "trade_key", None)
        if keyed is not None:
            key: str = keyed(self.spec.asset_type, trade)
            return key
        named = getattr(self.module, "trade_id", None)
        if named is None:
            return str(trade.trade_id)
        venue_id: str = named(self.spec.asset_type, trade.trade_id)
        return venue_id

    def their_trade_id(self, trade: dict[str, Any]) -> str:
        """A trade as ccxt read it, named as `trade_id` names it."""
        keyed = getattr(self.module, "ccxt_trade_key", None)
        if keyed is None:
            return str(trade["id"])
        key: str = keyed(trade)
        return key

    @property
    def book_update_ids(self) -> bool:
        return bool(self.differences.get("book_update_ids", True))

    @property
    def fetch_order_params(self) -> dict[str, Any]:
        return dict(self.differences.get("fetch_order_params", {}))

    @property
    def fetch_ledger_params(self) -> dict[str, Any]:
        return dict(self.differences.get("fetch_ledger_params", {}))

    @property
    def set_leverage_params(self) -> dict[str, Any]:
        return dict(self.differences.get("set_leverage_params", {}))

    @property
    def watch_trades_params(self) -> dict[str, Any]:
        return dict(self.differences.get("watch_trades_params", {}))

    @property
    def watch_ticker_params(self) -> dict[str, Any]:
        return dict(self.differences.get("watch_ticker_params", {}))

    @property
    def watched_trade_ids_are_the_engines(self) -> bool:
        return bool(self.differences.get("watched_trade_ids_are_the_engines", True))

    @property
    def book_nonce_is_engine_update_id(self) -> bool:
        return bool(self.differences.get("book_nonce_is_engine_update_id", True))

    @property
    def stream_ticker_has_top(self) -> bool:
        return bool(self.differences.get("stream_ticker_has_top", True))

    @property
    def stream_ticker_time_is_event_time(self) -> bool:
        return bool(self.differences.get("stream_ticker_time_is_event_time", True))

    @property
    def rest_ticker_has_top(self) -> bool:
        return bool(self.differences.get("rest_ticker_has_top", True))

    @property
    def ccxt_client_order_id(self) -> bool:
        return bool(self.differences.get("ccxt_client_order_id", True))

    @property
    def ccxt_position_has_leverage(self) -> bool:
        return bool(self.differences.get("ccxt_position_has_leverage", True))

    @property
    def balance_fields(self) -> tuple[str, ...]:
        return tuple(self.differences.get("balance_fields", ("total", "free", "used")))

    @property
    def ccxt_market_has_max_leverage(self) -> bool:
        return bool(self.differences.get("ccxt_market_has_max_leverage", True))

    def balance_shift(self, field: str, upl: Decimal) -> Decimal:
        """What ccxt's balance `field` adds to tradeport's, given the unrealised pnl."""
        part = self.differences.get("balance_upl", {}).get(field)
        return Decimal(0) if part is None else _UPL_PARTS[part](upl)


def peer_of(spec: registry.VenueSpec) -> Peer | None:
    name = f"tradeport.venues.{spec.exchange.lower()}.ccxt_peer"
    if importlib.util.find_spec(name) is None:
        return None
    module = importlib.import_module(name)
    if spec.asset_type not in module.DIFFERENCES:
        return None
    return Peer(spec, module)


def keys_with_peer(*needs: Capability) -> list[str]:
    """The emulated venues with a ccxt peer that list every capability in `needs`."""
    return [
        s.key
        for s in EMULATED
        if peer_of(s) is not None and all(n in s.capabilities for n in needs)
    ]


def peer(key: str) -> Peer:
    found = peer_of(registry.get_venue(key))
    assert found is not None
    return found


def dec(value: float | str | None) -> Decimal:
    assert value is not None
    return Decimal(str(value))


def per_unit(market: dict[str, Any]) -> Decimal:
    """Base units in one of ccxt's amount units: contractSize for a contract, 1 for spot."""
    return dec(market["contractSize"]) if market["contract"] else Decimal(1)


def in_base(market: dict[str, Any], amount: float | str | None) -> Decimal:
    """A ccxt amount (contracts for a contract market) in base units, exactly."""
    return (dec(amount) * per_unit(market)).normalize()


def in_units(market: dict[str, Any], qty: Decimal) -> float:
    """A base quantity as ccxt's amount (contracts for a contract market)."""
    return float(qty / per_unit(market))
