"""Book checksums computed over the price/size strings exactly as a venue sent them.

Named for the scheme, not for a venue: the book engine never imports a venue.
"""

from __future__ import annotations

from collections.abc import Sequence
from zlib import crc32

# a level as received: price text, size text (anything after them is ignored)
TextLevel = Sequence[str]

DEPTH = 25


def crc32_interleaved(
    bids: Sequence[TextLevel], asks: Sequence[TextLevel], depth: int = DEPTH
) -> int:
    """CRC32, as a signed 32-bit int, of `bid1px:bid1sz:ask1px:ask1sz:bid2px:...`.

    OKX v5 order-book checksum (PROTOCOLS.md §3.5, vectors O1/O2 in §8): the top
    `depth` (25) levels of each side, best first, interleaved bid then ask; where one
    side is shorter its missing entries are skipped, so the longer side's remaining
    levels follow one another. Prices and sizes are hashed as the strings received
    (a re-formatted float would change the value).
    """
    return crc32_joined(
        [f"{level[0]}:{level[1]}" for level in bids[:depth]],
        [f"{level[0]}:{level[1]}" for level in asks[:depth]],
    )


def crc32_joined(bids: Sequence[str], asks: Sequence[str]) -> int:
    """`crc32_interleaved` of levels already written as `"price:size"`, the top ones
    of each side, best first (a book that keeps that text per level builds it once)."""
    both = min(len(bids), len(asks))
    parts: list[str] = [""] * (2 * both)
    parts[::2] = bids[:both]  # interleaved by slice assignment: no loop in Python
    parts[1::2] = asks[:both]
    parts += bids[both:] or asks[both:]  # the longer side's remaining levels
    value = crc32(":".join(parts).encode())
    return value - 0x1_0000_0000 if value & 0x8000_0000 else value
