"""The BingX emulator on the wire (PROTOCOLS.md §5.2, §5.3, §5.6): the signature is
checked over the query string received minus `signature`, in whatever key order it
came; answers are `{code, msg, data}` with the rate-limit headers; client ids are kept
lower-cased and a reused one answers the original order."""

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues.bingx.emulator import BingxEmulator

ORDER = "/openApi/swap/v2/trade/order"


@pytest.fixture
async def emu() -> AsyncIterator[BingxEmulator]:
    emu = BingxEmulator(step_interval=None, seed=11)
    await emu.start()
    try:
        yield emu
    finally:
        host = emu.base_url.split("://", 1)[1]
        await emu.stop()
        RateLimiter.forget_host(host)


async def send(
    emu: BingxEmulator,
    method: str,
    path: str,
    pairs: list[tuple[str, object]],
    *,
    secret: str | None = None,
    key: str | None = None,
    tamper: str = "",
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """A signed request with the pairs in the given order (timestamp among them)."""
    api_key, own_secret = emu.credentials()
    text = "&".join(f"{k}={v}" for k, v in pairs)
    sig = hmac.new((secret or own_secret).encode(), text.encode(), hashlib.sha256).hexdigest()
    query = "&".join(f"{k}={quote(str(v), safe='-_')}" for k, v in pairs) + tamper
    url = f"{emu.base_url}{path}?{query}&signature={sig}"
    headers = {"X-BX-APIKEY": api_key if key is None else key}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=headers) as resp,
    ):
        return resp.status, await resp.json(), dict(resp.headers)


async def test_signature_over_the_keys_in_any_order(emu: BingxEmulator) -> None:
    now = emu.now_ms()
    sorted_pairs: list[tuple[str, object]] = [("symbol", "BTC-USDT"), ("timestamp", now)]
    status, body, headers = await send(emu, "GET", "/openApi/swap/v2/trade/leverage", sorted_pairs)
    assert status == 200 and body["code"] == 0 and set(body) >= {"code", "msg", "data"}
    assert int(headers["X-RateLimit-Requests-Remain"]) >= 0
    assert "X-RateLimit-Requests-Expire" in headers
    # timestamp first, as another client might send it: still what was signed
    status, body, _ = await send(emu, "GET", "/openApi/swap/v2/trade/leverage", sorted_pairs[::-1])
    assert body["code"] == 0


async def test_bad_signature_key_and_timestamp_codes(emu: BingxEmulator) -> None:
    pairs: list[tuple[str, object]] = [("symbol", "BTC-USDT"), ("timestamp", emu.now_ms())]
    path = "/openApi/swap/v2/trade/leverage"
    _, body, _ = await send(emu, "GET", path, pairs, tamper="&extra=1")
    assert body["code"] == 100001
    _, body, _ = await send(emu, "GET", path, pairs, secret="wrong")
    assert body["code"] == 100001
    _, body, _ = await send(emu, "GET", path, pairs, key="nobody")
    assert body["code"] == 100413
    stale: list[tuple[str, object]] = [("symbol", "BTC-USDT"), ("timestamp", emu.now_ms() - 60_000)]
    _, body, _ = await send(emu, "GET", path, stale)
    assert body["code"] == 109400 and "timestamp" in body["msg"]


async def test_client_ids_are_lower_cased_and_a_reuse_answers_the_original(
    emu: BingxEmulator,
) -> None:
    def order(cid: str, qty: str) -> list[tuple[str, object]]:
        return [
            ("symbol", "BTC-USDT"), ("side", "BUY"), ("positionSide", "BOTH"), ("type", "LIMIT"),
            ("price", "30000"), ("quantity", qty), ("clientOrderId", cid),
            ("timestamp", emu.now_ms()),
        ]  # fmt: skip

    _, first, _ = await send(emu, "POST", ORDER, order("Ab-9", "0.01"))
    assert first["code"] == 0 and first["data"]["order"]["clientOrderId"] == "ab-9"
    _, again, _ = await send(emu, "POST", ORDER, order("AB-9", "0.05"))
    assert again["data"]["order"]["orderId"] == first["data"]["order"]["orderId"]
    _, listed, _ = await send(
        emu, "GET", "/openApi/swap/v2/trade/openOrders", [("timestamp", emu.now_ms())]
    )
    assert [o["origQty"] for o in listed["data"]["orders"]] == ["0.01"]
    _, letters, _ = await send(emu, "POST", ORDER, order("lettersonly", "0.01"))
    assert letters["code"] == 109400 and "clientOrderId" in letters["msg"]


async def test_depth_lists_asks_best_last_and_unknown_paths_are_404(emu: BingxEmulator) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{emu.base_url}/openApi/swap/v2/quote/depth?symbol=BTC-USDT&limit=5"
        async with session.get(url) as resp:
            data = (await resp.json())["data"]
        asks = [float(p) for p, _ in data["asks"]]
        assert asks == sorted(asks, reverse=True) and len(asks) == 5
        async with session.get(f"{emu.base_url}/openApi/swap/v9/nothing") as resp:
            assert resp.status == 404
        url = f"{emu.base_url}/openApi/swap/v2/quote/depth?symbol=BTC-USDT&limit=7"
        async with session.get(url) as resp:
            assert (await resp.json())["code"] == 109400


async def test_batch_orders_answer_a_row_per_order_refusals_on_their_own_row(
    emu: BingxEmulator,
) -> None:
    def order(cid: str, **extra: object) -> dict[str, object]:
        return {
            "symbol": "BTC-USDT", "side": "BUY", "positionSide": "BOTH", "type": "LIMIT",
            "price": 30000, "quantity": 0.01, "clientOrderId": cid, **extra,
        }  # fmt: skip

    batch = [
        order("Bt-1"),
        order("bt-2", side="SELL", reduceOnly="true"),  # nothing to reduce
        order("BT-1"),  # the first's client id again (the venue lower-cases it)
        order("bt-3", price="30000.5"),
    ]
    path = "/openApi/swap/v2/trade/batchOrders"
    pairs: list[tuple[str, object]] = [
        ("batchOrders", json.dumps(batch, separators=(",", ":"))),
        ("timestamp", emu.now_ms()),
    ]
    status, body, _ = await send(emu, "POST", path, pairs)
    assert status == 200 and body["code"] == 0
    placed, reduce, duplicate, last = body["data"]["orders"]
    assert placed["clientOrderId"] == "bt-1" and placed["orderId"]
    assert (reduce["code"], reduce["clientOrderId"]) == (101205, "bt-2")
    assert (duplicate["code"], duplicate["clientOrderId"]) == (101481, "bt-1")
    assert last["clientOrderId"] == "bt-3" and last["orderId"]
    _, listed, _ = await send(
        emu, "GET", "/openApi/swap/v2/trade/openOrders", [("timestamp", emu.now_ms())]
    )
    assert sorted(o["clientOrderId"] for o in listed["data"]["orders"]) == ["bt-1", "bt-3"]
    for bad in ("[", "{}", json.dumps([order(f"m-{n}") for n in range(6)])):
        _, refused, _ = await send(
            emu, "POST", path, [("batchOrders", bad), ("timestamp", emu.now_ms())]
        )
        assert refused["code"] == 109400 and "batchOrders" in refused["msg"]


async def test_cancel_replace_cancels_then_places_and_stops_on_a_failed_cancel(
    emu: BingxEmulator,
) -> None:
    def order(price: str, **extra: object) -> list[tuple[str, object]]:
        return [
            ("symbol", "BTC-USDT"), ("side", "BUY"), ("positionSide", "BOTH"), ("type", "LIMIT"),
            ("price", price), ("quantity", "0.01"), *extra.items(), ("timestamp", emu.now_ms()),
        ]  # fmt: skip

    path = "/openApi/swap/v1/trade/cancelReplace"
    _, placed, _ = await send(emu, "POST", ORDER, order("30000"))
    old_id = placed["data"]["order"]["orderId"]
    _, replaced, _ = await send(
        emu,
        "POST",
        path,
        order("29000", cancelOrderId=old_id, cancelReplaceMode="STOP_ON_FAILURE"),
    )
    data = replaced["data"]
    assert (data["cancelResult"], data["replaceResult"]) == ("true", "true")
    assert data["cancelResponse"]["orderId"] == old_id
    assert data["cancelResponse"]["status"] == "CANCELED"
    new_id = data["newOrderResponse"]["orderId"]
    _, listed, _ = await send(
        emu, "GET", "/openApi/swap/v2/trade/openOrders", [("timestamp", emu.now_ms())]
    )
    assert [(o["orderId"], o["price"]) for o in listed["data"]["orders"]] == [(new_id, "29000")]
    # the old order is gone: STOP_ON_FAILURE answers the cancel's error, places nothing
    _, stopped, _ = await send(
        emu, "POST", path, order("28000", cancelOrderId=old_id, cancelReplaceMode="STOP_ON_FAILURE")
    )
    assert stopped["code"] == 109421
    _, allowed, _ = await send(
        emu, "POST", path, order("28000", cancelOrderId=old_id, cancelReplaceMode="ALLOW_FAILURE")
    )
    data = allowed["data"]
    assert (data["cancelResult"], data["replaceResult"]) == ("false", "true")
    _, listed, _ = await send(
        emu, "GET", "/openApi/swap/v2/trade/openOrders", [("timestamp", emu.now_ms())]
    )
    assert sorted(o["price"] for o in listed["data"]["orders"]) == ["28000", "29000"]


async def test_fees_income_funding_and_open_interest_read_the_engine(emu: BingxEmulator) -> None:
    _, rates, _ = await send(
        emu, "GET", "/openApi/swap/v2/user/commissionRate", [("timestamp", emu.now_ms())]
    )
    maker, taker = emu.swap.fees
    commission = rates["data"]["commission"]
    assert (commission["makerCommissionRate"], commission["takerCommissionRate"]) == (
        float(maker),
        float(taker),
    )
    market: list[tuple[str, object]] = [
        ("symbol", "BTC-USDT"), ("side", "BUY"), ("positionSide", "BOTH"), ("type", "MARKET"),
        ("quantity", "0.01"), ("timestamp", emu.now_ms()),
    ]  # fmt: skip
    _, bought, _ = await send(emu, "POST", ORDER, market)
    assert bought["code"] == 0
    account = emu.keys.refs[0].engine_id
    fills = emu.swap.fills(account, "BTC-USDT")
    assert fills
    _, income, _ = await send(
        emu,
        "GET",
        "/openApi/swap/v2/user/income",
        [("incomeType", "TRADING_FEE"), ("symbol", "BTC-USDT"), ("timestamp", emu.now_ms())],
    )
    paid = sorted(Decimal(row["income"]) for row in income["data"])
    assert paid == sorted(-f.fee for f in fills)
    async with aiohttp.ClientSession() as session:
        url = f"{emu.base_url}/openApi/swap/v2/quote/fundingRate?symbol=BTC-USDT&limit=3"
        async with session.get(url) as resp:
            rows = (await resp.json())["data"]
        assert [r["fundingRate"] for r in rows] == ["0.0001"] * 3
        times = [r["fundingTime"] for r in rows]
        assert all(t % (8 * 3_600_000) == 0 for t in times) and len(set(times)) == 3
        url = f"{emu.base_url}/openApi/swap/v2/quote/openInterest?symbol=BTC-USDT"
        async with session.get(url) as resp:
            interest = (await resp.json())["data"]
        value = emu.swap.open_interest("BTC-USDT") * emu.swap.mark_price("BTC-USDT")
        assert value > 0 and Decimal(interest["openInterest"]) == value.quantize(Decimal("0.01"))
