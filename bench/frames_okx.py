"""Deterministic OKX v5 `books` frames for the per-message benchmarks.

A 400+400-level snapshot of BTC-USDT-SWAP around 60 000 USDT (sizes in contracts, as
OKX sends them for swaps), then updates with 20 bid and 20 ask levels each: eighteen
levels change size, one is removed and one new one appears, so the book keeps 400
levels a side and never crosses. `prevSeqId` is the previous push's `seqId` and every
push carries the CRC32 checksum of the top 25 levels of the merged book, computed here
from the level strings as sent (PROTOCOLS.md §3.5), so a verifying client finds every
checksum right. Both sides of a comparison are fed these exact frames.
"""

from __future__ import annotations

import json
import random
import zlib

INST_ID = "BTC-USDT-SWAP"
TICK = 0.1
MID = 60_000.0
LEVELS = 400
SPREAD = 1_000  # ticks a side where levels may live
SEQ0 = 3_000_000_000
TS0 = 1_700_000_000_000


def _price(ticks: int) -> str:
    return f"{ticks * TICK:.1f}"


def _size(rng: random.Random) -> str:
    return f"{rng.randint(1, 500) / 10:g}"  # contracts, lotSz 0.1


def _checksum(bids: dict[int, str], asks: dict[int, str]) -> int:
    """The venue's checksum of a book held as ticks → size text (independent of the
    library's implementation, so the frames check it rather than echo it)."""
    top_bids = sorted(bids, reverse=True)[:25]
    top_asks = sorted(asks)[:25]
    parts: list[str] = []
    for i in range(max(len(top_bids), len(top_asks))):
        if i < len(top_bids):
            parts += [_price(top_bids[i]), bids[top_bids[i]]]
        if i < len(top_asks):
            parts += [_price(top_asks[i]), asks[top_asks[i]]]
    value = zlib.crc32(":".join(parts).encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def _frame(action: str, n: int, prev: int, seq: int, bids: list, asks: list, check: int) -> str:
    data = {
        "asks": asks,
        "bids": bids,
        "ts": str(TS0 + n),
        "checksum": check,
        "prevSeqId": prev,
        "seqId": seq,
    }
    message = {"arg": {"channel": "books", "instId": INST_ID}, "action": action, "data": [data]}
    return json.dumps(message, separators=(",", ":"))


def _row(ticks: int, size: str, rng: random.Random) -> list[str]:
    return [_price(ticks), size, "0", "0" if size == "0" else str(rng.randint(1, 9))]


def book_frames(count: int, levels: int = 20, seed: int = 5) -> tuple[str, list[str]]:
    """(the snapshot frame, `count` update frames with `levels` bids and asks each)."""
    rng = random.Random(seed)
    mid = round(MID / TICK)
    bids = {mid - 1 - i: _size(rng) for i in range(LEVELS)}
    asks = {mid + 1 + i: _size(rng) for i in range(LEVELS)}
    seq = SEQ0
    snapshot = _frame(
        "snapshot",
        0,
        -1,
        seq,
        [_row(t, bids[t], rng) for t in sorted(bids, reverse=True)],
        [_row(t, asks[t], rng) for t in sorted(asks)],
        _checksum(bids, asks),
    )
    frames = []
    for n in range(1, count + 1):
        changes = []
        for sign, side in ((-1, bids), (1, asks)):
            # near the top more often, as real books change: half the touched levels
            # come from the best 50, so the checksummed top 25 keeps changing
            ordered = sorted(side, reverse=sign < 0)
            touched = rng.sample(ordered[:50], levels // 2)
            rest = [t for t in ordered[50:] if t not in touched]
            touched += rng.sample(rest, levels - 1 - levels // 2)
            free = [mid + sign * off for off in range(1, SPREAD) if mid + sign * off not in side]
            removed, added = touched[0], rng.choice(free)
            del side[removed]
            for ticks in (*touched[1:], added):
                side[ticks] = _size(rng)
            rows = [_row(t, side.get(t, "0"), rng) for t in (*touched, added)]
            rows.sort(key=lambda row: float(row[0]), reverse=sign < 0)
            changes.append(rows)
        prev, seq = seq, seq + rng.randint(1, 40)
        frames.append(_frame("update", n, prev, seq, changes[0], changes[1], _checksum(bids, asks)))
    return snapshot, frames
