"""Deterministic Bybit v5 `orderbook.50` frames for the per-message benchmarks.

A 50+50-level snapshot around 60 000 USDT, then deltas with 10 bid and 10 ask levels
each and `u` contiguous: eight levels change size, one is removed and one new one
appears, so the book keeps 50 levels a side and never crosses (bids below the mid,
asks above). And `publicTrade` frames of one trade each, as the venue sends a linear
contract's trades one by one when they come apart. Both sides of a comparison are fed
these exact frames.
"""

from __future__ import annotations

import json
import random

SYMBOL = "BTCUSDT"
TOPIC = f"orderbook.50.{SYMBOL}"
TICK = 0.1
MID = 60_000.0
LEVELS = 50
FIRST_U = 1_000_000
SEQ0 = 7_961_638_724
TS0 = 1_700_000_000_000


def _price(ticks: int) -> str:
    return f"{ticks * TICK:.1f}"


def _qty(rng: random.Random) -> str:
    return f"{rng.uniform(0.001, 5):.3f}"


def _frame(kind: str, n: int, u: int, bids: list[list[str]], asks: list[list[str]]) -> str:
    data = {"s": SYMBOL, "b": bids, "a": asks, "u": u, "seq": SEQ0 + n}
    message = {"topic": TOPIC, "type": kind, "ts": TS0 + n, "data": data, "cts": TS0 + n - 1}
    return json.dumps(message, separators=(",", ":"))


def book_frames(count: int, levels: int = 10, seed: int = 4) -> tuple[str, list[str]]:
    """(the snapshot frame, `count` delta frames with `levels` bids and asks each)."""
    rng = random.Random(seed)
    mid = round(MID / TICK)
    # each side as ticks -> size; offsets 1..120 from the mid keep ~50 of 120 slots used
    sides = [
        {mid - 1 - i: _qty(rng) for i in range(LEVELS)},
        {mid + 1 + i: _qty(rng) for i in range(LEVELS)},
    ]
    snapshot = _frame(
        "snapshot",
        0,
        FIRST_U,
        [[_price(t), q] for t, q in sorted(sides[0].items(), reverse=True)],
        [[_price(t), q] for t, q in sorted(sides[1].items())],
    )
    frames = []
    for n in range(1, count + 1):
        changes: list[list[list[str]]] = []
        for sign, side in zip((-1, 1), sides, strict=True):
            present = list(side)
            # levels - 2 sizes change, one level goes and one new one comes
            touched = rng.sample(present, levels - 1)
            free = [mid + sign * off for off in range(1, 120) if mid + sign * off not in side]
            removed, added = touched[0], rng.choice(free)
            del side[removed]
            for ticks in (*touched[1:], added):
                side[ticks] = _qty(rng)
            rows = [[_price(t), side.get(t, "0")] for t in (*touched, added)]
            rows.sort(key=lambda row: float(row[0]), reverse=sign < 0)
            changes.append(rows)
        frames.append(_frame("delta", n, FIRST_U + n, changes[0], changes[1]))
    return snapshot, frames


def trade_frames(count: int, seed: int = 5) -> list[str]:
    """`count` `publicTrade` frames of one trade each (fields as the venue sends them on
    a linear contract)."""
    rng = random.Random(seed)
    mid = round(MID / TICK)
    frames = []
    for n in range(count):
        row = {
            "T": TS0 + n,
            "s": SYMBOL,
            "S": "Buy" if rng.random() < 0.5 else "Sell",
            "v": f"{rng.uniform(0.001, 2):.3f}",
            "p": _price(mid + rng.randint(-50, 50)),
            "L": "PlusTick",
            "i": f"{rng.getrandbits(128):032x}",
            "BT": False,
            "RPI": False,
            "seq": SEQ0 + n,
        }
        message = {"topic": f"publicTrade.{SYMBOL}", "type": "snapshot", "ts": TS0 + n}
        frames.append(json.dumps({**message, "data": [row]}, separators=(",", ":")))
    return frames
