"""The venue.yaml schema (DESIGN.md §2). msgspec validates on decode."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

Environment = Literal["live", "testnet", "demo"]


class WeightTiers(msgspec.Struct, forbid_unknown_fields=True):
    """A weight that depends on a request parameter.

    `tiers` is [[upper_bound_inclusive, weight], ...] in ascending order, compared to the
    numeric value of `param`; a value above the last bound takes the last weight.
    `absent` is the weight when the parameter is missing (e.g. a ticker for all symbols);
    `list_tiers` weighs a JSON-list parameter by its length.
    """

    param: str
    default: int
    tiers: list[tuple[float, int]] = []
    absent: int | None = None
    list_param: str | None = None
    list_tiers: list[tuple[float, int]] = []


Weight = int | WeightTiers


class RateLimitRule(msgspec.Struct, forbid_unknown_fields=True):
    """One budget. `scope`: `ip` is shared by every client reaching the same host,
    `global` is one client's (one account's) budget, `endpoint` is per endpoint.

    `endpoints` restricts the rule to some endpoint keys ("POST /api/v3/order");
    empty means every request. `weight` is the default cost of a request,
    `weight_map` overrides it per endpoint key. `header` names the venue's
    response header that reports the usage of this budget; `remaining_header` one
    that reports what is left of it instead (used = limit - remaining), and
    `limit_header` one that reports the budget's current limit (adopted per endpoint
    for an `endpoint` rule, since a venue may give each endpoint its own).
    """

    name: str
    type: Literal["sliding_window", "fixed_window", "token_bucket"]
    interval: float  # seconds
    limit: int
    scope: Literal["global", "endpoint", "ip"] = "global"
    weight: int = 1
    weight_map: dict[str, Weight] = {}
    endpoints: list[str] = []
    header: str | None = None
    remaining_header: str | None = None
    limit_header: str | None = None


class Connection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    type: Literal["http", "websocket", "spi", "tws", "rpc"] = "http"
    timeout: float = 10.0
    retries: int = 3
    recv_window_ms: int = 5000


class Authentication(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    type: str  # e.g. hmac_sha256_hex, hmac_sha256_base64, none
    key_header: str | None = None


class ErrorRule(msgspec.Struct, forbid_unknown_fields=True):
    """A venue code whose meaning depends on the message text (Binance -2010)."""

    default: str
    messages: dict[str, str] = {}  # substring of the venue message -> error kind


# A URL table: one string for every asset type, or a per-asset dict with a `default`.
UrlSpec = str | dict[str, str]


class FeeSchedule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The venue's published base-tier fee rates (fractions of the notional), used to
    estimate a fee before the order's fills tell the real one."""

    maker: Decimal
    taker: Decimal


class AssetConfig(msgspec.Struct, forbid_unknown_fields=True):
    exchange_name: str | None = None
    symbol_format: str | None = None  # e.g. "{base}{quote}"
    rest_paths: dict[str, str] = {}  # method name -> "GET /api/v3/depth"
    wss_paths: dict[str, str] = {}
    rate_limits: list[RateLimitRule] | None = None
    kline_periods: dict[str, str] | None = None
    order_status_map: dict[str, str] | None = None
    error_map: dict[str, str | ErrorRule] | None = None
    fees: FeeSchedule | None = None


class VenueConfig(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    display_name: str
    venue_type: Literal["cex", "dex", "broker"]
    rest_urls: dict[str, UrlSpec]  # environment -> url spec
    # the environment a client connects to when none is named (a venue whose users
    # start on its demo names it here)
    default_environment: str = "live"
    wss_urls: dict[str, UrlSpec] = {}
    connection: Connection = Connection()
    authentication: Authentication = Authentication(type="none")
    kline_periods: dict[str, str] = {}
    legal_currencies: list[str] = []
    rate_limits: list[RateLimitRule] = []
    order_status_map: dict[str, str] = {}
    error_map: dict[str, str | ErrorRule] = {}
    assets: dict[str, AssetConfig] = {}


class ResolvedAssetConfig(msgspec.Struct, frozen=True):
    """Venue-level values with one asset type's overrides applied."""

    venue: VenueConfig
    asset: str
    exchange_name: str
    symbol_format: str
    rest_paths: dict[str, str]
    wss_paths: dict[str, str]
    rate_limits: list[RateLimitRule]
    kline_periods: dict[str, str]
    order_status_map: dict[str, str]
    error_map: dict[str, str | ErrorRule]
    fees: FeeSchedule | None = None

    def rest_url(self, environment: str) -> str:
        return pick_url(self.venue.rest_urls, environment, self.asset, "rest_urls")

    def wss_url(self, environment: str) -> str:
        return pick_url(self.venue.wss_urls, environment, self.asset, "wss_urls")


def pick_url(table: dict[str, UrlSpec], environment: str, asset: str, field: str) -> str:
    from tradeport.model.errors import BadParameter

    spec = table.get(environment)
    if spec is None:
        raise BadParameter(f"no {field} for environment {environment!r}; have {sorted(table)}")
    if isinstance(spec, str):
        return spec
    url = spec.get(asset, spec.get("default"))
    if url is None:
        raise BadParameter(f"no {field}[{environment}] entry for asset {asset!r} and no default")
    return url
