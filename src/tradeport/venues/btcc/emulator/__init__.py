"""A local BTCC perpetual futures trade API, built from third-party descriptions of the
venue and unverified against it (PROTOCOLS.md §6) [?]."""

from tradeport.venues.btcc.emulator.app import BtccEmulator

__all__ = ["BtccEmulator"]
