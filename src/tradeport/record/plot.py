"""The first picture of a recording: one contract's mid price, spread and top-of-book
sizes over time, with the places where data is missing marked (`tradeport plot`).

The series come from the recorded book stream rebuilt by `BookReplayer`: a point for
every state it vouches for (from a snapshot until a marker or a delta that does not
connect), none in between, so a gap in the data is a gap in the lines, with the marker
that explains it drawn as a vertical line. matplotlib is an optional dependency
(`pip install tradeport[plot]`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tradeport.model.errors import BadParameter, NotSupported
from tradeport.record.events import Channel, Marker, MarkerKind
from tradeport.record.replay import BookReplayer, read_events

# markers drawn, and their colours; START / STOP only bound the data
_MARKER_COLOURS = {
    MarkerKind.GAP: "tab:red",
    MarkerKind.RESYNC: "tab:orange",
    MarkerKind.DISCONNECT: "tab:purple",
    MarkerKind.STALE: "tab:gray",
    MarkerKind.DROPPED: "tab:brown",
}


@dataclass
class BookSeries:
    """One contract's top of book over time (receipt times, epoch ns); NaN where the
    book was not valid, so lines break there."""

    venue: str
    symbol: str
    times: list[int] = field(default_factory=list)
    mid: list[float] = field(default_factory=list)
    spread: list[float] = field(default_factory=list)
    bid_qty: list[float] = field(default_factory=list)
    ask_qty: list[float] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)

    def add_point(self, ts: int, values: tuple[float, float, float, float]) -> None:
        self.times.append(ts)
        mid, spread, bid_qty, ask_qty = values
        self.mid.append(mid)
        self.spread.append(spread)
        self.bid_qty.append(bid_qty)
        self.ask_qty.append(ask_qty)


_NAN = float("nan")


def book_series(root: str | Path, symbol: str, *, venue: str | None = None) -> BookSeries:
    """The series of `symbol`'s recorded book under `root` (one venue: name it when
    the recording holds the symbol of several)."""
    events = read_events(root, venue=venue, channel=Channel.BOOK, symbol=symbol)
    series: BookSeries | None = None
    replayer = BookReplayer(symbol)
    for event in events:
        if series is None:
            series = BookSeries(event.venue, symbol)
        elif event.venue != series.venue:
            raise BadParameter(
                f"{symbol} is recorded on {series.venue} and {event.venue}: pass venue="
            )
        was_valid = replayer.valid
        if isinstance(event, Marker):
            replayer.apply(event)
            if event.kind in _MARKER_COLOURS:
                series.markers.append(event)
            if was_valid:
                series.add_point(event.local_ts, (_NAN, _NAN, _NAN, _NAN))
            continue
        if not replayer.apply(event):
            if was_valid:
                series.add_point(event.local_ts, (_NAN, _NAN, _NAN, _NAN))
            continue
        bids, asks = replayer.bids, replayer.asks
        if not bids or not asks:
            series.add_point(event.local_ts, (_NAN, _NAN, _NAN, _NAN))
            continue
        bid, ask = max(bids), min(asks)
        series.add_point(event.local_ts, ((bid + ask) / 2, ask - bid, bids[bid], asks[ask]))
    if series is None:
        raise BadParameter(f"no book of {symbol} is recorded under {str(root)!r}")
    return series


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise NotSupported("plotting needs matplotlib: pip install tradeport[plot]") from exc
    matplotlib.use("Agg")  # files only: no display is needed or wanted
    import matplotlib.pyplot as plt

    return plt


def plot_book(series: BookSeries, out: str | Path) -> Path:
    """Draw `series` as a PNG at `out`: mid price, spread and the sizes at the best bid
    and ask, sharing the time axis, with every gap-type marker as a vertical line."""
    plt = _pyplot()
    times = [datetime.fromtimestamp(ts / 1e9, UTC) for ts in series.times]
    fig, (price, spread, sizes) = plt.subplots(
        3, 1, sharex=True, figsize=(12, 8), height_ratios=(3, 1.5, 1.5)
    )
    try:
        fig.suptitle(f"{series.symbol} on {series.venue}")
        price.plot(times, series.mid, color="tab:blue", linewidth=0.8)
        price.set_ylabel("mid price")
        spread.plot(times, series.spread, color="tab:green", linewidth=0.8)
        spread.set_ylabel("spread")
        sizes.plot(times, series.bid_qty, color="tab:blue", linewidth=0.8, label="best bid size")
        sizes.plot(times, series.ask_qty, color="tab:red", linewidth=0.8, label="best ask size")
        sizes.set_ylabel("size")
        sizes.set_xlabel("receipt time (UTC)")
        seen: set[MarkerKind] = set()
        for marker in series.markers:
            when = datetime.fromtimestamp(marker.local_ts / 1e9, UTC)
            colour = _MARKER_COLOURS[marker.kind]
            for axis in (price, spread, sizes):
                label = str(marker.kind) if axis is price and marker.kind not in seen else None
                axis.axvline(when, color=colour, linewidth=0.8, linestyle="--", label=label)
            seen.add(marker.kind)
        if seen:
            price.legend(loc="upper left", title="data missing")
        sizes.legend(loc="upper left")
        for axis in (price, spread, sizes):
            axis.grid(True, linewidth=0.3)
        fig.autofmt_xdate()
        path = Path(out)
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
    return path
