"""What a client, the CLI and the conformance suite hold of a running emulator."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from tradeport.emulator.engine import Engine
from tradeport.emulator.faults import FaultPlan
from tradeport.emulator.listing import ListingState
from tradeport.emulator.stream_faults import StreamFaultPlan
from tradeport.emulator.symbols import NewContract
from tradeport.model import AssetType


class EmulatorHandle(Protocol):
    """What `environment="emulator"`, the CLI and the conformance suite need from a
    venue's emulator. Its factory takes keyword options: `seed`, `step_interval` (None:
    the market moves only when told), `weight_limit` / `weight_interval` / `order_limit`
    (the venue's main budgets) and `accounts_file`."""

    base_url: str
    clock_skew_ms: int  # the server clock runs this far ahead of real time
    faults: FaultPlan  # REST faults
    stream_faults: StreamFaultPlan  # WebSocket faults
    admin_token: str  # what `/_emulator/*` requests carry in `X-Emulator-Token`

    def admin_headers(self) -> dict[str, str]:
        """The header that admits a request to the `/_emulator/*` endpoints."""
        ...

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str: ...

    async def stop(self) -> None: ...

    def credentials(self, index: int = 0) -> tuple[str, str]: ...

    def stream_url(self, asset_type: AssetType) -> str:
        """Base WebSocket URL of the stream host serving `asset_type`."""
        ...

    def describe_accounts(self) -> list[str]: ...

    def step(self, n: int = 1) -> None:
        """Advance every synthetic market by `n` steps (quotes move, trades print)."""

    def engine_for(self, asset_type: AssetType) -> Engine:
        """The matching engine behind `asset_type`."""
        ...

    def move_market(self, asset_type: AssetType, symbol: str, price: Decimal) -> None:
        """Walk the synthetic market of `symbol` (BASE-QUOTE) to `price`, so that
        resting orders it crosses are filled."""

    def set_listing_state(
        self, asset_type: AssetType, symbol: str, state: ListingState | str
    ) -> None:
        """Announce `symbol` (BASE-QUOTE) as `state` in the instruments payload (an
        UNLISTED symbol is left out of it)."""

    def add_listing(
        self, asset_type: AssetType, symbol: str, state: ListingState = ListingState.TRADING
    ) -> None:
        """List a symbol the emulator carries but had not announced (UNLISTED)."""

    def add_contract(
        self,
        asset_type: AssetType,
        contract: NewContract,
        state: ListingState | str = ListingState.TRADING,
    ) -> str:
        """List a brand-new contract (its synthetic market opens at its start price);
        it appears in the instruments payload and streams. Returns the venue's symbol."""
        ...
