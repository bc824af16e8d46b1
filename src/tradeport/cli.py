"""`tradeport …` — the command line."""

from __future__ import annotations

import asyncio
import errno
import logging
from typing import Annotated

import typer
from rich.console import Console

from tradeport.book.levels import level_store
from tradeport.cli_tables import venues_table
from tradeport.model.errors import TradeportError
from tradeport.venues import registry
from tradeport.venues.capability import PRIVATE_STREAMS, PUBLIC_STREAMS

# a traceback's local variables may hold keys and secrets: never print them
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help=__doc__,
    pretty_exceptions_show_locals=False,
)
console = Console()


class CannotListen(Exception):
    """The emulator could not bind its address (said in one line, no traceback)."""


def _bind_problem(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"tradeport emulate: port {port} is in use"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"tradeport emulate: no permission to listen on port {port}"
    reason = exc.strerror or str(exc)
    return f"tradeport emulate: cannot listen on {host}:{port}: {reason}"


@app.command()
def venues() -> None:
    """List the registered venues and what each can do."""
    console.print(venues_table())


@app.command()
def doctor() -> None:
    """Say how this installation runs: which book level store is active."""
    store = level_store()
    if store == "compiled":
        console.print("book level store: compiled (C extension tradeport.book._levels)")
    else:
        console.print(
            "book level store: python (the C extension was not built: no C compiler when "
            "the package was installed; reinstall with one to build it)"
        )


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
        try:
            url = await emulator.start(host, port)
        except OSError as exc:
            raise CannotListen(_bind_problem(exc, host, port)) from exc
        console.print(f"[bold]{venue} emulator[/] listening on {url}", highlight=False)
        # the emulator's own test credentials (never valid at a venue) are shown so they
        # can be used; those from an accounts file are redacted
        for line in emulator.describe_accounts():
            console.print(f"  {line}", highlight=False, markup=False)
        # each asset type's stream host (it may differ from the REST one, as on Binance)
        for spec in specs:
            if spec.capabilities & (PUBLIC_STREAMS | PRIVATE_STREAMS):
                console.print(f"  {spec.key} streams: {emulator.stream_url(spec.asset_type)}")
        console.print(
            f"  admin token (X-Emulator-Token header of /_emulator/* requests): "
            f"{emulator.admin_token}",
            highlight=False,
            soft_wrap=True,  # one line, so a script can read the token off its end
        )
        try:
            await asyncio.Event().wait()
        finally:
            await emulator.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        console.print("stopped")
    except CannotListen as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
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


@app.command()
def record(
    venue: Annotated[str, typer.Argument(help="venue key, e.g. BINANCE___SWAP")],
    symbol: Annotated[
        list[str] | None, typer.Option("--symbol", "-s", help="a contract (repeatable)")
    ] = None,
    all_perps: Annotated[
        bool, typer.Option("--all-perps", help="every actively trading perpetual")
    ] = False,
    quote: Annotated[str | None, typer.Option(help="with --all-perps: this quote asset")] = None,
    top: Annotated[
        int | None, typer.Option(help="with --all-perps: the N largest by 24 h quote volume")
    ] = None,
    sink: Annotated[
        list[str] | None,
        typer.Option(
            "--sink", help="parquet:<dir>, redis://host:port/db or nats://host:port (repeatable)"
        ),
    ] = None,
    environment: Annotated[str, typer.Option(help="live, testnet, demo or emulator")] = "live",
    max_events: Annotated[
        int | None, typer.Option(help="stop after this many book and trade events")
    ] = None,
    snapshot_interval: Annotated[
        float, typer.Option(help="seconds between full book snapshots")
    ] = 60.0,
    depth: Annotated[int | None, typer.Option(help="book levels per side (default: all)")] = None,
    shard: Annotated[
        str | None,
        typer.Option(help="i/n: record only shard i of n (a stable hash of the symbol)"),
    ] = None,
) -> None:
    """Record verified books and trades until Ctrl-C; every file is finished on exit."""
    from tradeport.record.discovery import parse_shard
    from tradeport.record.session import RecordPlan
    from tradeport.record.session import record as run_record

    plan = RecordPlan(
        venue=venue,
        symbols=list(symbol or []),
        all_perps=all_perps,
        quote=quote,
        top=top,
        sinks=list(sink or []),
        environment=environment,
        max_events=max_events,
        snapshot_interval=snapshot_interval,
        depth=depth,
    )
    try:
        plan.shard = None if shard is None else parse_shard(shard)
        asyncio.run(run_record(plan, console))
    except TradeportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc


@app.command()
def replay(
    path: Annotated[str, typer.Argument(help="the Parquet tree a recording wrote")],
    symbol: Annotated[str | None, typer.Option(help="only this contract")] = None,
) -> None:
    """Read a recording back: per stream, its events, whether its sequence is whole and
    whether its book rebuilds. Exits 1 when a stream has sequence or book problems."""
    from tradeport.record.session import summarize, summary_table

    try:
        summaries = summarize(path, symbol=symbol)
    except TradeportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(summary_table(summaries))
    if any(s.seq_problems or s.broken for s in summaries):
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
