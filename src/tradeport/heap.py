"""Taking what a long-running process made to start out of the garbage collector's walks.

A recorder of 500 contracts holds some 300,000 objects the cyclic collector tracks once
it has started (modules, functions, clients, books, stream tasks and their closures),
and each full collection, a few a minute with events arriving by the thousand a second,
walked them all: about 200 ms each, some 3 % of a core in all (bench/record_throughput.py
--realistic). Frozen (`gc.freeze`), they stay where they are and every collection walks
only what was made since. Reference counting still frees them; only a reference cycle
among them, once garbage, is not collected, so this is for what lives as long as the
process (a recording's streams), called once that is set up.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect what is garbage now, then freeze every object left; returns how many
    objects are frozen (all freezes so far)."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
