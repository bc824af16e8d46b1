from tradeport.venues.okx.dialect import AfterCursor


def test_after_cursor_pages_back_from_the_oldest_row_seen() -> None:
    cursor = AfterCursor[str](lambda row: row, page_size=2)
    assert cursor.place({"instId": "X"}, None) == {"instId": "X", "limit": 2, "after": None}
    assert cursor.advance(["9", "8"]) == (2, "8")
    assert cursor.advance(["7"]) == (1, None)  # a short page is the last
    assert cursor.rows == ["9", "8", "7"]


def test_after_cursor_stops_when_a_page_repeats_what_was_seen() -> None:
    cursor = AfterCursor[str](lambda row: row, page_size=2)
    cursor.advance(["9", "8"])
    assert cursor.advance(["9", "8"]) == (0, None)
    assert cursor.rows == ["9", "8"]
