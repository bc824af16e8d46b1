"""Pure parts of the user streams: listen-key registry, WS-API requests, event bodies."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

import msgspec
import pytest

from tradeport.emulator.accounts import EmulatorAccount, KeyRing
from tradeport.emulator.engine import EngineFill, EngineOrder
from tradeport.venues.binance.emulator.errors import BinanceApiError
from tradeport.venues.binance.emulator.listen_keys import ListenKeys
from tradeport.venues.binance.emulator.user_payloads import (
    PositionState,
    WalletRow,
    account_position,
    account_update,
    balance_update,
    changed_balances,
    execution_report,
    listen_key_expired,
    order_trade_update,
)
from tradeport.venues.binance.emulator.ws_api import WsApi, WsApiSession, wrap_event, ws_payload

D = Decimal
# PROTOCOLS.md §1.2 / vector B6: the documented WS-API key pair and signature
DOC_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_TS = 1649729878532
DOC_SIGNATURE = "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed"


# -- listen keys ---------------------------------------------------------------------------
def test_post_on_an_account_with_a_live_key_returns_it_and_extends_it() -> None:
    keys = ListenKeys(10.0)
    first = keys.create("user1", now=0.0)
    assert len(first) == 64 and first.isalnum()
    assert keys.create("user1", now=8.0) == first
    assert keys.owner(first, now=17.0) == "user1"  # extended to 18 by the second POST
    assert keys.owner(first, now=18.0) is None


def test_keepalive_extends_and_a_lapsed_key_answers_1125() -> None:
    keys = ListenKeys(10.0)
    key = keys.create("user1", now=0.0)
    assert keys.keepalive("user1", now=9.0) == key
    assert keys.key_of("user1", now=18.5) == key
    with pytest.raises(BinanceApiError) as err:
        keys.keepalive("user1", now=19.0)
    assert (err.value.code, err.value.msg) == (-1125, "This listenKey does not exist.")
    fresh = keys.create("user1", now=19.0)
    assert fresh != key


def test_due_returns_each_lapsed_key_once_even_after_a_new_post() -> None:
    keys = ListenKeys(5.0)
    old = keys.create("user1", now=0.0)
    other = keys.create("user2", now=3.0)
    new = keys.create("user1", now=6.0)  # the old one lapsed at 5 but was not swept yet
    assert keys.due(now=6.0) == [(old, "user1")]
    assert keys.due(now=6.0) == []
    assert keys.key_of("user1", now=6.0) == new
    assert keys.next_deadline() == 8.0
    assert sorted(keys.expire_all()) == sorted([(other, "user2"), (new, "user1")])
    assert len(keys) == 0


def test_delete_and_keepalive_check_a_given_key_against_the_live_one() -> None:
    keys = ListenKeys(10.0)
    key = keys.create("user1", now=0.0)
    with pytest.raises(BinanceApiError):
        keys.keepalive("user1", now=1.0, key="x" * 64)
    with pytest.raises(BinanceApiError):
        keys.delete("user2", now=1.0)
    assert keys.delete("user1", now=1.0, key=key) == key
    assert keys.owner(key, now=1.0) is None
    with pytest.raises(BinanceApiError):
        keys.delete("user1", now=1.0)


# -- WS API --------------------------------------------------------------------------------
def doc_api(now_ms: int = DOC_TS + 10) -> WsApi:
    return WsApi(KeyRing([EmulatorAccount(DOC_KEY, DOC_SECRET)]), lambda: now_ms)


def request(method: str, params: dict[str, object] | None = None, id_: object = "r1") -> str:
    body: dict[str, object] = {"id": id_, "method": method}
    if params is not None:
        body["params"] = params
    return msgspec.json.encode(body).decode()


def test_ws_payload_sorts_params_and_drops_the_signature() -> None:
    params = {"timestamp": str(DOC_TS), "apiKey": DOC_KEY, "signature": "x"}
    payload = ws_payload(params)
    assert payload == f"apiKey={DOC_KEY}&timestamp={DOC_TS}"
    digest = hmac.new(DOC_SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
    assert digest == DOC_SIGNATURE


def test_documented_signature_subscribes_with_id_zero() -> None:
    api, session = doc_api(), WsApiSession()
    params = {"apiKey": DOC_KEY, "timestamp": DOC_TS, "signature": DOC_SIGNATURE.upper()}
    frames = api.handle(session, request("userDataStream.subscribe.signature", params))
    assert frames == [{"id": "r1", "status": 200, "result": {"subscriptionId": 0}}]
    assert session.subscriptions == {0: "user1"}
    again = api.handle(session, request("userDataStream.subscribe.signature", params, 7))
    assert again == [
        {
            "id": 7,
            "status": 400,
            "error": {"code": -2035, "msg": "User Data Stream subscription already active."},
        }
    ]


@pytest.mark.parametrize(
    ("params", "now_ms", "code"),
    [
        ({"apiKey": DOC_KEY, "timestamp": DOC_TS, "signature": "0" * 64}, DOC_TS, -1022),
        ({"apiKey": "unknown", "timestamp": DOC_TS, "signature": DOC_SIGNATURE}, DOC_TS, -2015),
        (
            {"apiKey": DOC_KEY, "timestamp": DOC_TS, "signature": DOC_SIGNATURE},
            DOC_TS + 6000,
            -1021,
        ),
        (
            {"apiKey": DOC_KEY, "timestamp": DOC_TS, "signature": DOC_SIGNATURE},
            DOC_TS - 1000,
            -1021,
        ),
        ({"apiKey": DOC_KEY, "timestamp": DOC_TS}, DOC_TS, -1102),
    ],
)
def test_subscription_refusals_carry_binance_codes(
    params: dict[str, object], now_ms: int, code: int
) -> None:
    session = WsApiSession()
    (frame,) = doc_api(now_ms).handle(
        session, request("userDataStream.subscribe.signature", params)
    )
    assert frame["id"] == "r1" and frame["status"] in (400, 401)
    assert frame["error"]["code"] == code  # type: ignore[index]
    assert session.subscriptions == {}


def test_recv_window_is_signed_as_written_and_widens_the_window() -> None:
    params = {"apiKey": DOC_KEY, "timestamp": DOC_TS, "recvWindow": 20000}
    payload = f"apiKey={DOC_KEY}&recvWindow=20000&timestamp={DOC_TS}"
    params["signature"] = hmac.new(DOC_SECRET.encode(), payload.encode(), "sha256").hexdigest()
    (frame,) = doc_api(DOC_TS + 15000).handle(
        WsApiSession(), request("userDataStream.subscribe.signature", params)
    )
    assert frame["status"] == 200


def test_unsubscribe_terminates_then_answers_and_unknown_ids_are_refused() -> None:
    api, session = doc_api(), WsApiSession()
    session.subscriptions = {0: "user1", 1: "user2"}
    frames = api.handle(session, request("userDataStream.unsubscribe", {"subscriptionId": 1}))
    assert [f.get("subscriptionId") for f in frames] == [1, None]
    assert frames[0]["event"] == {"e": "eventStreamTerminated", "E": DOC_TS + 10}
    assert frames[1] == {"id": "r1", "status": 200, "result": {}}
    (refused,) = api.handle(session, request("userDataStream.unsubscribe", {"subscriptionId": 1}))
    assert refused["error"] == {"code": -2036, "msg": "User Data Stream subscription not active."}
    listed = api.handle(session, request("session.subscriptions", {}))
    assert listed == [{"id": "r1", "status": 200, "result": [{"subscriptionId": 0}]}]
    *_, done = api.handle(session, request("userDataStream.unsubscribe"))
    assert done["status"] == 200 and session.subscriptions == {}


def test_ping_time_versioned_names_and_unknown_methods() -> None:
    api, session = doc_api(), WsApiSession()
    assert api.handle(session, request("ping", id_=None)) == [
        {"id": None, "status": 200, "result": {}}
    ]
    assert api.handle(session, request("v3/time")) == [
        {"id": "r1", "status": 200, "result": {"serverTime": DOC_TS + 10}}
    ]
    (unknown,) = api.handle(session, request("order.teleport"))
    assert unknown["status"] == 400 and unknown["error"]["code"] == -1020  # type: ignore[index]
    (garbled,) = api.handle(session, "{not json")
    assert garbled == {
        "id": None,
        "status": 400,
        "error": {"code": -1135, "msg": "Invalid JSON Request"},
    }


def test_wrap_event_nests_the_encoded_body() -> None:
    assert msgspec.json.decode(wrap_event(3, '{"e":"x","E":1}')) == {
        "subscriptionId": 3,
        "event": {"e": "x", "E": 1},
    }


# -- event bodies --------------------------------------------------------------------------
def order(**changes: object) -> EngineOrder:
    base = EngineOrder(
        order_id=42,
        client_order_id="cid-1",
        account_id="user1",
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        tif="GTC",
        price=D("60000.1"),
        qty=D("0.02"),
        filled_qty=D("0.01"),
        cum_quote=D("600.001"),
        status="PARTIALLY_FILLED",
        reduce_only=False,
        position_side="BOTH",
        created_ms=1000,
        updated_ms=2000,
    )
    return msgspec.structs.replace(base, **changes)


def fill(**changes: object) -> EngineFill:
    base = EngineFill(
        trade_id=7,
        order_id=42,
        client_order_id="cid-1",
        account_id="user1",
        symbol="BTCUSDT",
        side="BUY",
        price=D("60000.1"),
        qty=D("0.01"),
        quote_qty=D("600.001"),
        fee=D("0.00001"),
        fee_asset="BTC",
        is_maker=True,
        realized_pnl=D(0),
        position_side="BOTH",
        ts_ms=2000,
    )
    return msgspec.structs.replace(base, **changes)


def test_execution_report_of_a_fill_carries_last_and_cumulative_fields() -> None:
    report = execution_report(order(), fill(), event_ms=2001, execution_id=9)
    assert {k: report[k] for k in ("x", "X", "l", "z", "L", "Z", "Y", "n", "N", "t", "m")} == {
        "x": "TRADE",
        "X": "PARTIALLY_FILLED",
        "l": "0.01000000",
        "z": "0.01000000",
        "L": "60000.10000000",
        "Z": "600.00100000",
        "Y": "600.00100000",
        "n": "0.00001000",
        "N": "BTC",
        "t": 7,
        "m": True,
    }
    assert (report["E"], report["T"], report["O"], report["I"], report["w"]) == (
        2001,
        2000,
        1000,
        9,
        True,
    )


def test_execution_report_of_a_cancel_and_of_a_post_only_order() -> None:
    canceled = execution_report(order(status="CANCELED"), None, event_ms=5, execution_id=1)
    assert (canceled["x"], canceled["C"], canceled["t"], canceled["N"], canceled["w"]) == (
        "CANCELED",
        "cid-1",
        -1,
        None,
        False,
    )
    maker = execution_report(order(tif="GTX", status="NEW"), None, event_ms=5, execution_id=2)
    assert (maker["o"], maker["f"], maker["x"], maker["C"]) == ("LIMIT_MAKER", "GTC", "NEW", "")


def test_changed_balances_and_account_position() -> None:
    before = {"BTC": (D(1), D(0)), "USDT": (D(100), D(0)), "ETH": (D(2), D(0))}
    after = {"BTC": (D(1), D(0)), "USDT": (D(40), D(60))}
    changed = changed_balances(before, after)
    assert changed == {"ETH": (D(0), D(0)), "USDT": (D(40), D(60))}
    body = account_position(changed, event_ms=3, update_ms=2)
    assert body["B"] == [
        {"a": "ETH", "f": "0.00000000", "l": "0.00000000"},
        {"a": "USDT", "f": "40.00000000", "l": "60.00000000"},
    ]
    assert balance_update("BTC", D("0.5"), event_ms=3, clear_ms=2)["d"] == "0.50000000"


def test_order_trade_update_and_account_update_shapes() -> None:
    body = order_trade_update(
        order(), fill(fee_asset="USDT", realized_pnl=D("1.5")), event_ms=9, fee_asset="USDT"
    )
    o = body["o"]
    assert isinstance(o, dict)
    assert (body["e"], body["T"], o["x"], o["l"], o["z"], o["ap"], o["rp"], o["t"]) == (
        "ORDER_TRADE_UPDATE",
        2000,
        "TRADE",
        "0.01",
        "0.01",
        "60000.1",
        "1.5",
        7,
    )
    new = order_trade_update(
        order(filled_qty=D(0), status="NEW"), None, event_ms=9, fee_asset="USDT"
    )
    assert (new["o"]["x"], new["o"]["t"], new["o"]["ap"], new["o"]["N"]) == (  # type: ignore[index]
        "NEW",
        0,
        "0.00",
        "USDT",
    )
    update = account_update(
        [WalletRow("USDT", D("99.5"))],
        [PositionState("BTCUSDT", "SHORT", D("-0.01"), D("60000"), D("-2"), D("1.5"))],
        event_ms=9,
        tx_ms=8,
    )
    assert update["a"] == {
        "m": "ORDER",
        "B": [{"a": "USDT", "wb": "99.5", "cw": "99.5", "bc": "0"}],
        "P": [
            {
                "s": "BTCUSDT",
                "pa": "-0.01",
                "ep": "60000",
                "bep": "60000",
                "cr": "1.5",
                "up": "-2",
                "mt": "cross",
                "iw": "0",
                "ps": "SHORT",
            }
        ],
    }
    assert listen_key_expired("k" * 64, 123) == {
        "e": "listenKeyExpired",
        "E": "123",
        "listenKey": "k" * 64,
    }
