"""Market-data recording: discover the contracts, record verified books and trades to
sinks (Parquet by default), and replay what was recorded."""

from tradeport.record.discovery import Contract, ContractSet, discover, select_perpetuals
from tradeport.record.events import BookEvent, Marker, QuoteEvent, TradeEvent
from tradeport.record.parquet import ParquetSink
from tradeport.record.recorder import Recorder
from tradeport.record.replay import BookReplayer, read_events

__all__ = [
    "BookEvent",
    "BookReplayer",
    "Contract",
    "ContractSet",
    "Marker",
    "ParquetSink",
    "QuoteEvent",
    "Recorder",
    "TradeEvent",
    "discover",
    "read_events",
    "select_perpetuals",
]
