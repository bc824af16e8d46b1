"""The BTCC client: the REST half (rest.py)."""

from __future__ import annotations

from tradeport.venues.btcc.rest import BtccRest


class BtccClient(BtccRest):
    """BTCC perpetual futures (BTCC___SWAP)."""
