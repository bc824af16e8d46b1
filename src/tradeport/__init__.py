"""tradeport: one API to trading venues, with a local emulator of every venue."""

__version__ = "0.1.0"
