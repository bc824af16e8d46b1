"""The emulator host's small parts: typed parameters raising the venue's errors, topic
subscribers, the candle push rule, rolling request windows and private logins."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from tradeport.emulator.accounts import DEFAULT_ACCOUNTS, AccountRef, KeyRing
from tradeport.emulator.host.candles import CandleFeed, merge_klines, month_open, next_month_open
from tradeport.emulator.host.limits import RollingWindows, interval_ms
from tradeport.emulator.host.logins import Logins, signature_matches
from tradeport.emulator.host.params import TypedParams, split_query
from tradeport.emulator.host.streams import Subscribers
from tradeport.emulator.marketdata import Kline

D = Decimal


class VenueError(Exception):
    pass


class Params(TypedParams):
    def missing(self, name: str) -> VenueError:
        return VenueError(f"missing {name}")

    def invalid(self, name: str, why: str = "invalid") -> VenueError:
        return VenueError(f"{name}: {why}")


@dataclass
class FakeConn:
    id: int
    sent: list[str | bytes] = field(default_factory=list)

    def send(self, frame: str | bytes, *, depth_symbol: str | None = None) -> None:
        self.sent.append(frame)


@dataclass
class Session:
    conn: FakeConn  # type: ignore[assignment]
    account: AccountRef | None = None


def test_typed_getters_raise_the_venues_own_errors() -> None:
    params = Params(dict(split_query("qty=0.5&side=BUY&bad=1e3&empty=")))
    assert params.decimal("qty") == D("0.5")
    assert params.choice("side", ("BUY", "SELL")) == "BUY"
    assert params.text("empty") is None
    with pytest.raises(VenueError, match="missing price"):
        params.require("price")
    with pytest.raises(VenueError, match="bad: must be a non-negative decimal"):
        params.decimal("bad")
    with pytest.raises(VenueError, match="side: must be one of SELL"):
        params.choice("side", ("SELL",))


def test_integer_and_boolean_getters_bound_and_refuse_in_the_venues_terms() -> None:
    params = Params({"n": "7", "big": "99", "x": "1.5", "yes": True, "no": "false", "one": "1"})
    assert params.integer("n", low=1, high=10) == 7
    assert params.integer("absent", 3) == 3
    with pytest.raises(VenueError, match="big: must be from 1 to 10, not 99"):
        params.integer("big", low=1, high=10)
    with pytest.raises(VenueError, match="x: must be an integer"):
        params.integer("x")
    assert params.boolean("yes") is True and params.boolean("no") is False
    assert params.boolean("absent", True) is True
    with pytest.raises(VenueError, match="one: must be true or false, not '1'"):
        params.boolean("one")


def test_split_query_decodes_and_keeps_the_last_repeat() -> None:
    assert split_query("a=1&b=%20x&&a=2") == {"a": "2", "b": " x"}


def test_subscribers_tell_the_first_and_the_last_of_a_topic() -> None:
    subs: Subscribers[str, Session] = Subscribers()
    one, two = Session(FakeConn(1)), Session(FakeConn(2))
    assert subs.add("t", one) is True
    assert subs.add("t", one) is True  # the same connection again: still alone
    assert subs.add("t", two) is False
    subs.publish("t", "frame")
    assert one.conn.sent == ["frame"] and two.conn.sent == ["frame"]
    assert subs.remove("t", one) is False
    assert subs.get("t", 1) is None and subs.get("t", 2) is two
    assert subs.remove("t", two) is True
    assert "t" not in subs and subs.count("t") == 0


def _bar(open_ms: int, close: str, volume: str = "1") -> Kline:
    price = D(close)
    return Kline(open_ms, open_ms + 59_999, price, price, price, price, D(volume), D(volume),
                 1, D(0), D(0))  # fmt: skip


def test_a_candle_goes_to_everyone_when_it_changed_else_only_to_the_waiting() -> None:
    subs: Subscribers[str, Session] = Subscribers()
    old, new = Session(FakeConn(1)), Session(FakeConn(2))
    subs.add("k", old)
    feed = CandleFeed()
    feed.push(subs, "k", _bar(0, "10"), lambda: "a")
    subs.add("k", new)
    feed.waiting.add(new.conn.id)
    feed.push(subs, "k", _bar(0, "10"), lambda: "b")  # unchanged: the newcomer only
    feed.push(subs, "k", _bar(0, "10"), lambda: "c")  # nobody waits any more
    feed.push(subs, "k", _bar(0, "11"), lambda: "d")
    assert old.conn.sent == ["a", "d"]
    assert new.conn.sent == ["b", "d"]


def test_calendar_months_open_at_utc_midnight_of_the_first_day() -> None:
    mid_december = 1_702_641_600_000  # 2023-12-15 12:00 UTC
    assert month_open(mid_december) == 1_701_388_800_000  # 2023-12-01
    assert next_month_open(mid_december) == 1_704_067_200_000  # 2024-01-01
    assert month_open(1_704_067_200_000) == 1_704_067_200_000


def test_merged_klines_span_their_parts() -> None:
    merged = merge_klines([_bar(0, "10", "2"), _bar(60_000, "12", "3")], 0, 119_999)
    assert (merged.open, merged.high, merged.low, merged.close) == (D(10), D(12), D(10), D(12))
    assert (merged.volume, merged.trades, merged.close_ms) == (D(5), 2, 119_999)


def test_rolling_windows_forget_requests_older_than_the_window() -> None:
    windows: RollingWindows[str] = RollingWindows()
    windows.window("ip", 0, 1000).extend([0, 500])
    assert list(windows.window("ip", 1000, 1000)) == [500]
    assert interval_ms((5, "SECOND")) == 5000
    with pytest.raises(ValueError, match="weight_interval"):
        interval_ms((1, "HOUR"))


def test_logins_keep_logged_in_connections_by_account() -> None:
    keys = KeyRing(list(DEFAULT_ACCOUNTS))
    logins: Logins[Session] = Logins(keys)
    ref = keys.refs[0]
    assert logins.find(ref.account.api_key) == ref
    assert logins.find("") is None and logins.find(42) is None
    session = Session(FakeConn(7))
    logins.log_in(session, ref)
    assert session.account == ref
    assert logins.of_account(ref.engine_id) == [session]
    logins.drop(session)
    assert logins.sessions == []
    assert signature_matches("abc", "abc") and not signature_matches("abc", 1)
    assert not signature_matches("abc", "abd")
