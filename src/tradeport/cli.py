"""`tradeport …` — the command line."""

from __future__ import annotations

import asyncio
import errno
import logging
from typing import Annotated

import typer
from rich.console import Console

from tradeport import event_loop
from tradeport.book.levels import level_store
from tradeport.book.text_levels import text_store
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
    """Say how this installation runs: which book level stores are active."""
    missing = (
        "(the C extension was not built: no C compiler when the package was installed; "
        "reinstall with one to build it)"
    )
    for what, store, extension in (
        ("book level store", level_store(), "tradeport.book._levels"),
        ("text level store", text_store(), "tradeport.book._text_levels"),
    ):
        if store == "compiled":
            console.print(f"{what}: compiled (C extension {extension})")
        else:
            console.print(f"{what}: python {missing}")


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
    load_depth: Annotated[
        int,
        typer.Option(
            min=0,
            help="market-data load: the made-up symbols' books get this many levels a side "
            "and move every 100 ms with trades, without order matching (0: off)",
        ),
    ] = 0,
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
            "load_depth": load_depth or None,
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
            "--sink",
            help="parquet:<dir>, redis://host:port/db, nats://host:port or "
            "postgresql://user@host:port/db[?schema=name] (repeatable)",
        ),
    ] = None,
    environment: Annotated[str, typer.Option(help="live, testnet, demo or emulator")] = "live",
    max_events: Annotated[
        int | None, typer.Option(help="stop after this many book, trade and quote events")
    ] = None,
    snapshot_interval: Annotated[
        float, typer.Option(help="seconds between full book snapshots")
    ] = 60.0,
    depth: Annotated[int | None, typer.Option(help="book levels per side (default: all)")] = None,
    shard: Annotated[
        str | None,
        typer.Option(help="i/n: record only shard i of n (a stable hash of the symbol)"),
    ] = None,
    recheck_interval: Annotated[
        float,
        typer.Option(
            help="seconds between contract-set re-checks: a delisted contract is stopped "
            "and marked (0: never)"
        ),
    ] = 3600.0,
    add_new: Annotated[
        bool, typer.Option("--add-new", help="with --all-perps: a re-check adds new listings")
    ] = False,
    top_of_book: Annotated[
        bool,
        typer.Option("--top-of-book", help="record the venue's best bid/ask stream too"),
    ] = False,
    raw: Annotated[
        bool,
        typer.Option("--raw", help="record every stream frame as received too (raw channel)"),
    ] = False,
    loop: Annotated[
        str,
        typer.Option(help="event loop: asyncio, or uvloop (the `fast` extra)"),
    ] = "asyncio",
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
        recheck_interval=recheck_interval or None,
        add_new=add_new,
        quotes=top_of_book,
        raw=raw,
    )
    try:
        plan.shard = None if shard is None else parse_shard(shard)
        event_loop.run(run_record(plan, console), loop)
    except TradeportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc


@app.command()
def replay(
    path: Annotated[
        str,
        typer.Argument(
            help="the Parquet tree a recording wrote, postgresql://user@host/db[?schema=name] "
            "or nats://host:port[?stream=S&prefix=p]"
        ),
    ],
    symbol: Annotated[str | None, typer.Option(help="only this contract")] = None,
) -> None:
    """Read a recording back: per stream, its events, whether its sequence is whole and
    whether its book rebuilds. Exits 1 when a stream has sequence or book problems."""
    from tradeport.record.session import summarize_source, summary_table

    try:
        summaries = asyncio.run(summarize_source(path, symbol=symbol))
    except TradeportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(summary_table(summaries))
    if any(s.seq_problems or s.broken for s in summaries):
        raise typer.Exit(1)


@app.command()
def plot(
    path: Annotated[str, typer.Argument(help="the Parquet tree a recording wrote")],
    symbol: Annotated[str, typer.Option(help="the contract to draw, e.g. BTC-USDT")],
    venue: Annotated[
        str | None, typer.Option(help="the venue, when the recording holds several")
    ] = None,
    out: Annotated[
        str | None, typer.Option(help="the PNG to write (default: <symbol>.png)")
    ] = None,
) -> None:
    """Draw one contract's mid price, spread and top-of-book sizes over time as a PNG,
    with the places where data is missing marked."""
    from tradeport.record.plot import book_series, plot_book

    try:
        series = book_series(path, symbol, venue=venue)
        written = plot_book(series, out or f"{symbol}.png")
    except TradeportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(
        f"wrote {written}: {len(series.times)} points, {len(series.markers)} markers",
        highlight=False,
    )


@app.command("write-parquet")
def write_parquet(
    source: Annotated[
        str,
        typer.Argument(help="the JetStream recorders publish to: nats://host:port[?stream=S]"),
    ],
    directory: Annotated[str, typer.Argument(help="the Parquet tree to write")],
    durable: Annotated[
        str, typer.Option(help="the consumer's name: a restart continues where it stopped")
    ] = "tradeport-parquet",
    commit_interval: Annotated[
        float, typer.Option(help="seconds between finishing the files and acknowledging")
    ] = 30.0,
    max_events: Annotated[
        int | None, typer.Option(help="stop after this many events (default: Ctrl-C)")
    ] = None,
) -> None:
    """Write the Parquet tree from a JetStream stream that recorders publish into
    (`tradeport record … --sink nats://…`), until Ctrl-C; every file is finished on exit."""
    from tradeport.record.session import write_from_jetstream

    try:
        asyncio.run(
            write_from_jetstream(
                source,
                directory,
                console,
                durable=durable,
                commit_interval=commit_interval,
                max_events=max_events,
            )
        )
    except TradeportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc


@app.command()
def trade(
    action: Annotated[str, typer.Argument(help="enter or exit")],
    side: Annotated[str, typer.Argument(help="long or short")],
    size: Annotated[str, typer.Argument(help="base units, e.g. 0.01")],
    symbol: Annotated[str, typer.Option(help="standard symbol")] = "BTC-USDT",
    venue: Annotated[str, typer.Option(help="venue key")] = "BINANCE___SWAP",
    order_type: Annotated[
        str, typer.Option("--type", help="market, limit or post_only")
    ] = "market",
    price: Annotated[str | None, typer.Option(help="limit price (limit, post_only)")] = None,
    leverage: Annotated[int | None, typer.Option(help="leverage to enter at")] = None,
    intent_id: Annotated[
        str | None, typer.Option(help="idempotency key: the same id never orders twice")
    ] = None,
    journal: Annotated[
        str | None, typer.Option(help="record everything in this journal file")
    ] = None,
    environment: Annotated[
        str, typer.Option(help="emulator (in-process unless --base-url), testnet, demo, live")
    ] = "emulator",
    base_url: Annotated[str | None, typer.Option(help="REST base URL (a running emulator)")] = None,
    ws_url: Annotated[str | None, typer.Option(help="stream base URL, with --base-url")] = None,
    api_key: Annotated[str, typer.Option(envvar="TRADEPORT_API_KEY", show_default=False)] = "",
    secret: Annotated[str, typer.Option(envvar="TRADEPORT_SECRET", show_default=False)] = "",
    passphrase: Annotated[
        str | None, typer.Option(envvar="TRADEPORT_PASSPHRASE", show_default=False)
    ] = None,
    allow_mainnet: Annotated[
        bool, typer.Option("--allow-mainnet", help="needed to trade on live")
    ] = False,
    wait: Annotated[
        float, typer.Option(min=0, help="seconds a resting order is followed, then cancelled")
    ] = 30.0,
    keep: Annotated[
        bool, typer.Option("--keep", help="leave a still resting order at the venue")
    ] = False,
    algo: Annotated[str | None, typer.Option(help="maker-first, chase, twap or iceberg")] = None,
    timeout: Annotated[
        float, typer.Option(min=0, help="maker-first/chase: maker phase; iceberg: whole run")
    ] = 30.0,
    slices: Annotated[int, typer.Option(min=1, help="twap: number of slices")] = 5,
    duration: Annotated[float, typer.Option(min=0, help="twap: seconds over all slices")] = 60.0,
    display: Annotated[
        str | None, typer.Option(help="iceberg: the most resting at once (base units)")
    ] = None,
    refill_below: Annotated[
        str | None,
        typer.Option(help="iceberg: replace a child worn below this by a full one"),
    ] = None,
    max_slippage_bps: Annotated[
        str, typer.Option(help="the worst a taker may cross, bps beyond the far touch")
    ] = "50",
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run one intent, or an algorithm, through an execution port with a live display;
    exits 1 when the venue rejected it or the outcome is unknown."""
    from tradeport.execution.intent import Intent, IntentAction, IntentOrderType, IntentSide
    from tradeport.trade import TradePlan, run_trade
    from tradeport.venues.kit import arguments

    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING)
    try:
        fields: dict[str, object] = {}
        if intent_id is not None:
            fields["intent_id"] = intent_id
        intent = Intent(
            asset=symbol,
            side=arguments.choice("side", side, IntentSide),
            action=arguments.choice("action", action, IntentAction),
            size=arguments.amount("size", size),
            leverage=leverage,
            order_type=arguments.choice("type", order_type, IntentOrderType),
            limit_price=None if price is None else arguments.amount("price", price),
            **fields,  # type: ignore[arg-type]
        )
        plan = TradePlan(
            venue=venue,
            intent=intent,
            environment=environment,
            base_url=base_url,
            api_key=api_key,
            secret=secret,
            passphrase=passphrase,
            allow_mainnet=allow_mainnet,
            journal=journal,
            wait=wait,
            keep=keep,
            algo=algo,
            timeout=timeout,
            slices=slices,
            duration=duration,
            display=None if display is None else arguments.amount("display", display),
            refill_below=(
                None if refill_below is None else arguments.amount("refill_below", refill_below)
            ),
            max_slippage_bps=arguments.amount("max_slippage_bps", max_slippage_bps),
            client_options={"ws_url": ws_url} if ws_url else {},
        )
        carried_out = asyncio.run(run_trade(console, plan))
    except KeyboardInterrupt:
        console.print("interrupted: a resting order or running algorithm was cancelled")
        raise typer.Exit(130) from None
    except TradeportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    if not carried_out:
        raise typer.Exit(1)


@app.command()
def journal(
    path: Annotated[str, typer.Argument(help="the journal file an execution port writes")],
    intent: Annotated[str | None, typer.Option(help="only this intent id's events")] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="only events of this kind (intent, request, ack, fill, receipt, …)"),
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="show the newest N events")] = 100,
    show_all: Annotated[
        bool, typer.Option("--all", help="show every event (instead of the newest N)")
    ] = False,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="keep printing new events until Ctrl-C")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.05, help="with --follow: seconds between polls")
    ] = 0.5,
) -> None:
    """List an execution journal's events (intents, requests, acks, fills, receipts…)."""
    from tradeport.execution.journal import Journal
    from tradeport.journal_view import JournalFilter, first_page, journal_table
    from tradeport.journal_view import follow as follow_journal

    where = JournalFilter(intent_id=intent, kind=kind)
    try:
        with Journal(path, create=False) as opened:
            top = opened.last_seq()
            page = first_page(opened, where, None if show_all else limit)
            page = [e for e in page if e.seq <= top]
            console.print(journal_table(page, title=f"journal {path}"))
            if follow:
                try:
                    follow_journal(opened, where, top, console, interval)
                except KeyboardInterrupt:
                    console.print("stopped")
    except TradeportError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc


if __name__ == "__main__":
    app()
