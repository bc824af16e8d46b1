"""Deterministic Binance USDⓈ-M frames for the per-message benchmarks.

A 1000+1000-level snapshot around 60 000 USDT and a chain of diff-depth events (20 bid
and 20 ask levels each, U/u/pu contiguous) that keeps the book uncrossed: most levels
change quantity, some appear, some are removed, as on a busy book. And aggTrade frames.
Both sides of a comparison are fed these exact frames.
"""

from __future__ import annotations

import json
import random
from typing import Any

SYMBOL = "BTCUSDT"
STREAM = "btcusdt@depth@100ms"
TICK = 0.1
MID = 60_000.0
LEVELS = 1000
FIRST_ID = 1_000_000


def _price(ticks: int) -> str:
    return f"{ticks * TICK:.1f}"


def snapshot(levels: int = LEVELS) -> dict[str, Any]:
    """A REST `/fapi/v1/depth?limit=1000` answer (`levels` a side)."""
    mid = round(MID / TICK)
    rng = random.Random(1)
    return {
        "lastUpdateId": FIRST_ID,
        "E": 1_700_000_000_000,
        "T": 1_700_000_000_000,
        "bids": [[_price(mid - 1 - i), f"{rng.uniform(0.01, 5):.3f}"] for i in range(levels)],
        "asks": [[_price(mid + 1 + i), f"{rng.uniform(0.01, 5):.3f}"] for i in range(levels)],
    }


def depth_frames(count: int, levels: int = 20, seed: int = 2, spread: int = 1200) -> list[str]:
    """`count` combined-stream depthUpdate frames, each with `levels` bids and asks at
    offsets 1..`spread` ticks from the mid (a book of `LEVELS` holds offsets up to 1000:
    the default changes mostly existing levels, some new)."""
    rng = random.Random(seed)
    mid = round(MID / TICK)
    last_u = FIRST_ID
    frames = []
    for n in range(count):
        first = last_u + 1
        last = first + rng.randint(0, 5)
        sides = []
        for sign in (-1, 1):
            # offsets 1..1200 from the mid: mostly existing levels (≤ 1000), some new
            offsets = rng.sample(range(1, spread), levels)
            offsets.sort()
            side = []
            for off in offsets:
                qty = "0" if rng.random() < 0.1 else f"{rng.uniform(0.01, 5):.3f}"
                side.append([_price(mid + sign * off), qty])
            sides.append(side)
        event = {
            "e": "depthUpdate",
            "E": 1_700_000_000_000 + n,
            "T": 1_700_000_000_000 + n,
            "s": SYMBOL,
            "U": first,
            "u": last,
            "pu": last_u,
            "b": sides[0],
            "a": sides[1],
        }
        frames.append(json.dumps({"stream": STREAM, "data": event}, separators=(",", ":")))
        last_u = last
    return frames


def trade_frames(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    frames = []
    for n in range(count):
        event = {
            "e": "aggTrade",
            "E": 1_700_000_000_000 + n,
            "s": SYMBOL,
            "a": 5_000_000 + n,
            "p": _price(round(MID / TICK) + rng.randint(-50, 50)),
            "q": f"{rng.uniform(0.001, 2):.3f}",
            "f": 9_000_000 + 2 * n,
            "l": 9_000_000 + 2 * n + 1,
            "T": 1_700_000_000_000 + n,
            "m": rng.random() < 0.5,
        }
        frames.append(
            json.dumps({"stream": "btcusdt@aggTrade", "data": event}, separators=(",", ":"))
        )
    return frames
