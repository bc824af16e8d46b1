"""BingX signing against the documented vectors (PROTOCOLS.md §5.2, §8 X1–X4)."""

from tradeport.venues.bingx.auth import sign, signed_query, to_send, to_sign

SECRET = "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w"


def test_x1_query_string_in_the_order_sent() -> None:
    payload = "symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6"
    assert sign(SECRET, payload) == (
        "4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf"
    )


def test_x2_mixed_query_and_body_concatenated() -> None:
    payload = "symbol=BTC-USDT&timestamp=1668159715051side=LONG&leverage=6"
    assert sign(SECRET, payload) == (
        "8b756b01e7a30f02e19c58a91ab01b29528694316b08a51ecb8dd072942bd47d"
    )


def test_x3_current_docs_example_is_a_doc_error() -> None:
    """The current docs print 1e63e8cf… for this string with the published secret; it
    computes to f8d88360…, so the printed value is not a reference."""
    payload = "recvWindow=0&symbol=BTC-USDT&timestamp=1696751141337"
    got = sign(SECRET, payload)
    assert got == "f8d883609dfd31c824feb4de865b071008dedb1d461451fa70847875c8e7a7a2"
    assert got != "1e63e8cfd1c04919881e60cf369e404b9b7c87d3a09bc300f1abfdcce7da57e8"


def test_x4_sorted_keys_sign_their_own_string() -> None:
    pairs = [
        ("leverage", 6),
        ("side", "LONG"),
        ("symbol", "BTC-USDT"),
        ("timestamp", 1667872120843),
    ]
    assert sign(SECRET, to_sign(pairs)) == (
        "feef56d6d6e5c9bbd6d5bcf10743cd993db26cd88d8f9ee4fe9aa8fb49407dff"
    )


def test_signed_query_is_the_x1_string_plus_its_signature() -> None:
    pairs: list[tuple[str, object]] = [
        ("symbol", "BTC-USDT"), ("timestamp", 1667872120843), ("side", "LONG"), ("leverage", 6),
    ]  # fmt: skip
    assert signed_query(SECRET, pairs) == (
        "symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6"
        "&signature=4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf"
    )


def test_json_values_are_signed_raw_and_sent_encoded() -> None:
    pairs: list[tuple[str, object]] = [("batchOrders", '[{"a": 1}]'), ("flag", True)]
    assert to_sign(pairs) == 'batchOrders=[{"a": 1}]&flag=true'
    assert to_send(pairs) == "batchOrders=%5B%7B%22a%22%3A%201%7D%5D&flag=true"


# the batch-order example of the docs (§5.2): the original parameters, and the query
# string they become once the JSON value is URL-encoded (key and timestamp as they are)
BATCH = (
    '[{"symbol":"ETH-USDT","type":"MARKET","side":"BUY","positionSide":"LONG","quantity":1},'
    '{"symbol":"BTC-USDT","type":"MARKET","side":"BUY","positionSide":"LONG","quantity":0.001}]'
)
BATCH_SENT = (
    "batchOrders=%5B%7B%22symbol%22%3A%22ETH-USDT%22%2C%22type%22%3A%22MARKET%22%2C%22side"
    "%22%3A%22BUY%22%2C%22positionSide%22%3A%22LONG%22%2C%22quantity%22%3A1%7D%2C%7B%22symbol"
    "%22%3A%22BTC-USDT%22%2C%22type%22%3A%22MARKET%22%2C%22side%22%3A%22BUY%22%2C%22positionSide"
    "%22%3A%22LONG%22%2C%22quantity%22%3A0.001%7D%5D&timestamp=1692956597902"
)


def test_batch_orders_json_is_url_encoded_on_the_wire_and_signed_as_it_is() -> None:
    pairs: list[tuple[str, object]] = [("batchOrders", BATCH), ("timestamp", 1692956597902)]
    assert to_send(pairs) == BATCH_SENT
    signed = to_sign(pairs)
    assert signed == f"batchOrders={BATCH}&timestamp=1692956597902"
    query = signed_query(SECRET, pairs)
    assert query == f"{BATCH_SENT}&signature={sign(SECRET, signed)}"
