"""Deterministic BingX swap depth frames for the per-message benchmarks, gzip-compressed
as the venue sends every frame (PROTOCOLS.md §5.4-5.5).

`@incrDepth`: a 1000+1000-level `action: all` of BTC-USDT around 60 000 USDT, then
`update`s of 20 bid and 20 ask levels each, `lastUpdateId` one past the previous:
eighteen levels change size, one is removed (size 0) and one new one appears, so the
book keeps 1000 levels a side and never crosses. `@depth100`: after each of the same
updates, the whole top 100 levels a side (asks best-last, as the venue lists them).
`@trade`: one trade per push, as the venue sends a taker order that filled at one
price.
"""

from __future__ import annotations

import gzip
import json
import random

SYMBOL = "BTC-USDT"
TICK = 0.1
MID_TICKS = 600_000  # 60 000.0
LEVELS = 1000
SPREAD = 3_000  # ticks a side where levels may live
ID0 = 5_000_000
TS0 = 1_700_000_000_000
PARTIAL = 100


def _price(ticks: int) -> str:
    return f"{ticks * TICK:.1f}"


def _size(rng: random.Random) -> str:
    return f"{rng.randint(1, 5000) / 1000:g}"


def _gz(data_type: str, data: object, ts: int) -> bytes:
    push = {"code": 0, "dataType": data_type, "ts": ts, "data": data}
    return gzip.compress(json.dumps(push, separators=(",", ":")).encode())


def _levels(book: dict[int, str], ticks: list[int]) -> list[list[str]]:
    return [[_price(t), book[t]] for t in ticks]


def _change(rng: random.Random, book: dict[int, str], bid: bool) -> list[list[str]]:
    """One side's 20 changed levels: 18 new sizes, one removed level, one new level."""
    held = sorted(book)
    changed = rng.sample(held, 19)
    removed, resized = changed[0], changed[1:]
    lo, hi = (MID_TICKS - SPREAD, MID_TICKS - 1) if bid else (MID_TICKS + 1, MID_TICKS + SPREAD)
    added = rng.randint(lo, hi)
    while added in book:
        added = rng.randint(lo, hi)
    rows = [[_price(removed), "0"]]
    del book[removed]
    for ticks in (*resized, added):
        book[ticks] = _size(rng)
        rows.append([_price(ticks), book[ticks]])
    return rows


def book_frames(count: int, seed: int = 7) -> tuple[bytes, list[bytes], list[bytes]]:
    """(the `all` frame, `count` update frames, `count` `@depth100` frames)."""
    rng = random.Random(seed)
    bids = {t: _size(rng) for t in rng.sample(range(MID_TICKS - SPREAD, MID_TICKS), LEVELS)}
    asks = {t: _size(rng) for t in rng.sample(range(MID_TICKS + 1, MID_TICKS + SPREAD), LEVELS)}
    first = {
        "action": "all",
        "lastUpdateId": ID0,
        "time": TS0,
        "bids": _levels(bids, sorted(bids, reverse=True)),
        "asks": _levels(asks, sorted(asks)),
    }
    snapshot = _gz(f"{SYMBOL}@incrDepth", first, TS0)
    updates, partials = [], []
    for n in range(1, count + 1):
        data = {
            "action": "update",
            "lastUpdateId": ID0 + n,
            "time": TS0 + n,
            "bids": _change(rng, bids, bid=True),
            "asks": _change(rng, asks, bid=False),
        }
        updates.append(_gz(f"{SYMBOL}@incrDepth", data, TS0 + n))
        top = {
            "bids": _levels(bids, sorted(bids, reverse=True)[:PARTIAL]),
            "asks": _levels(asks, sorted(asks)[:PARTIAL][::-1]),
        }
        partials.append(_gz(f"{SYMBOL}@depth{PARTIAL}", top, TS0 + n))
    return snapshot, updates, partials


def trade_frames(count: int, seed: int = 3) -> list[bytes]:
    """`count` `@trade` pushes of one trade each."""
    rng = random.Random(seed)
    frames = []
    for n in range(count):
        row = {
            "q": f"{rng.uniform(0.001, 2):.4f}",
            "p": _price(MID_TICKS + rng.randint(-50, 50)),
            "T": TS0 + n,
            "m": rng.random() < 0.5,
            "s": SYMBOL,
        }
        frames.append(_gz(f"{SYMBOL}@trade", [row], TS0 + n))
    return frames
