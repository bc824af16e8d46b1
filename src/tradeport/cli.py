"""`tradeport …` — the command line."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer
from rich.console import Console

from tradeport.cli_tables import venues_table
from tradeport.model.errors import TradeportError
from tradeport.venues import registry
from tradeport.venues.capability import PRIVATE_STREAMS, PUBLIC_STREAMS

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()


@app.command()
def venues() -> None:
    """List the registered venues and what each can do."""
    console.print(venues_table())


@app.command()
def emulate(
    venue: Annotated[str, typer.Argument(help="venue to emulate, e.g. binance")],
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to bind (0 = any free port)")] = 8765,
    seed: Annotated[int, typer.Option(help="seed of the synthetic market")] = 7,
    weight_limit: Annotated[
        int | None, typer.Option(help="request-weight budget per window (default: the venue's)")
    ] = None,
    order_limit: Annotated[
        int | None, typer.Option(help="order-count budget per window (default: the venue's)")
    ] = None,
    accounts: Annotated[
        str | None,
        typer.Option(help="YAML list of accounts: api_key, secret and starting balances"),
    ] = None,
    extra_symbols: Annotated[
        int,
        typer.Option(help="list this many more made-up symbols (SYM001USDT, ...) for load tests"),
    ] = 0,
    step_interval: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            help="seconds between synthetic market steps (default: the emulator's)",
        ),
    ] = None,
) -> None:
    """Run a venue's emulator as a server until interrupted."""
    specs = [s for s in registry.list_venues() if s.exchange.lower() == venue.lower()]
    if not specs or specs[0].emulator_factory is None:
        have = sorted({s.exchange.lower() for s in registry.list_venues() if s.emulator_factory})
        raise typer.BadParameter(f"no emulator for {venue!r}; have {have}")

    async def serve() -> None:
        overrides = {
            "weight_limit": weight_limit,
            "order_limit": order_limit,
            "accounts_file": accounts,
            "extra_symbols": extra_symbols or None,
            "step_interval": step_interval,
        }
        options = {k: v for k, v in overrides.items() if v is not None}
        emulator = specs[0].emulator_factory(seed=seed, **options)  # type: ignore[misc]
        url = await emulator.start(host, port)
        console.print(f"[bold]{venue} emulator[/] listening on {url}")
        # the emulator's own test credentials (never valid at a venue), shown so they can be used
        for line in emulator.describe_accounts():
            console.print(f"  {line}")
        # each asset type's stream host (it may differ from the REST one, as on Binance)
        for spec in specs:
            if spec.capabilities & (PUBLIC_STREAMS | PRIVATE_STREAMS):
                console.print(f"  {spec.key} streams: {emulator.stream_url(spec.asset_type)}")
        try:
            await asyncio.Event().wait()
        finally:
            await emulator.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        console.print("stopped")
    except TradeportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc


@app.command()
def demo(
    fast: Annotated[bool, typer.Option(help="no pauses between steps")] = True,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Start a Binance emulator in-process and walk through market data and trading."""
    from tradeport.demo import run_demo

    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING)
    try:
        asyncio.run(run_demo(console, pause=0.0 if fast else 0.8))
    except TradeportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc


if __name__ == "__main__":
    app()
