"""Order entry and queries: acknowledgements, per-order `sCode`s, contract sizing of
SWAP orders and positions, fills by the synthetic market, batches, cancel and amend."""

from __future__ import annotations

from decimal import Decimal

from tradeport.venues.okx.emulator import OkxEmulator

from .conftest import RawClient, touch

SWAP = "BTC-USDT-SWAP"


async def test_a_resting_swap_order_fills_into_a_position_in_contracts(
    emu: OkxEmulator, raw: RawClient
) -> None:
    bid, _ = touch(emu, SWAP)
    before = await raw.detail("USDT")
    ack = (await raw.order(SWAP, "buy", "2.5", str(bid - 50), clOrdId="pos1")).item
    assert (ack["sCode"], ack["clOrdId"]) == ("0", "pos1") and ack["ordId"].isdigit()
    live = await raw.order_state(SWAP, ack["ordId"])
    assert (live["state"], live["sz"], live["accFillSz"], live["posSide"]) == (
        "live",
        "2.5",
        "0",
        "net",
    )
    emu.move_to("swap", SWAP, bid - 200)
    filled = await raw.order_state(SWAP, ack["ordId"])
    assert (filled["state"], filled["accFillSz"]) == ("filled", "2.5")
    assert Decimal(filled["avgPx"]) == bid - 50
    (position,) = (await raw.get("/api/v5/account/positions", instId=SWAP)).data
    # 2.5 contracts of 0.01 BTC = 0.025 BTC on the engine
    assert (position["pos"], position["posSide"], position["mgnMode"]) == ("2.5", "net", "cross")
    assert Decimal(position["avgPx"]) == bid - 50
    (held,) = emu.swap.positions(emu.keys.refs[0].engine_id)
    assert held.qty == Decimal("0.025")
    # a maker fill pays 0.02 % of 0.025 × px, written negative
    fee = Decimal("0.025") * (bid - 50) * Decimal("0.0002")
    assert Decimal(filled["fee"]) == -fee and filled["feeCcy"] == "USDT"
    after = await raw.detail("USDT")
    assert Decimal(after["cashBal"]) == Decimal(before["cashBal"]) - fee
    assert Decimal(after["upl"]) == Decimal(position["upl"]) < 0
    (fill,) = (await raw.get("/api/v5/trade/fills", instId=SWAP)).data
    assert (fill["fillSz"], fill["execType"], fill["ordId"]) == ("2.5", "M", ack["ordId"])


async def test_a_short_net_position_reads_negative(emu: OkxEmulator, raw: RawClient) -> None:
    assert (await raw.order(SWAP, "sell", "1", None)).item["sCode"] == "0"
    (position,) = (await raw.get("/api/v5/account/positions")).data
    assert position["pos"] == "-1"


async def test_a_duplicate_live_client_id_is_51016(emu: OkxEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, SWAP)
    assert (await raw.order(SWAP, "buy", "1", str(bid - 100), clOrdId="dup1")).code == "0"
    reply = await raw.order("ETH-USDT-SWAP", "buy", "1", "100", clOrdId="dup1")
    assert (reply.status, reply.code, reply.body["msg"]) == (200, "1", "All operations failed")
    assert (reply.item["sCode"], reply.item["clOrdId"], reply.item["ordId"]) == (
        "51016",
        "dup1",
        "",
    )
    # once the first order is gone the id may be used again
    await raw.post("/api/v5/trade/cancel-order", {"instId": SWAP, "clOrdId": "dup1"})
    assert (await raw.order(SWAP, "buy", "1", str(bid - 100), clOrdId="dup1")).code == "0"


async def test_reduce_only_without_a_position_is_51169(raw: RawClient) -> None:
    reply = await raw.order(SWAP, "sell", "1", None, reduceOnly=True)
    assert (reply.code, reply.item["sCode"]) == ("1", "51169")


async def test_reduce_only_closes_at_most_the_position(emu: OkxEmulator, raw: RawClient) -> None:
    await raw.order(SWAP, "buy", "1", None)
    same_way = await raw.order(SWAP, "buy", "1", None, reduceOnly="true")
    assert same_way.item["sCode"] == "51170"
    close = (await raw.order(SWAP, "sell", "3", None, reduceOnly=True)).item
    assert close["sCode"] == "0"
    assert (await raw.get("/api/v5/account/positions")).data == []
    assert (await raw.order_state(SWAP, close["ordId"]))["accFillSz"] == "1"


async def test_size_and_price_filters_name_their_codes(emu: OkxEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, SWAP)
    cases = {
        ("0.15", str(bid - 100)): "51121",  # not a multiple of lotSz 0.1
        ("0.05", str(bid - 100)): "51121",
        ("1", str(bid - Decimal("100.05"))): "51000",  # not a multiple of tickSz 0.1
        ("1", "5000000"): "51006",  # above the highest buy price
    }
    for (sz, px), code in cases.items():
        item = (await raw.order(SWAP, "buy", sz, px)).item
        assert item["sCode"] == code, (sz, px, item)
    spot = (await raw.order("BTC-USDT", "buy", "0.000001", "100")).item
    assert spot["sCode"] == "51121"
    _, spot_ask = touch(emu, "BTC-USDT")
    broke = (await raw.order("BTC-USDT", "sell", "5", str(spot_ask))).item  # 2 BTC held
    assert (broke["sCode"], broke["sMsg"]) == (
        "51008",
        "Order failed. Insufficient BTC balance in account.",
    )
    assert (await raw.order("BTC-USDT", "buy", "1", "100", tdMode="cross")).item["sCode"] == "51000"
    assert (await raw.order("NOPE-USDT", "buy", "1", "100")).item["sCode"] == "51001"


async def test_spot_market_buy_is_sized_in_quote_by_default(
    emu: OkxEmulator, raw: RawClient
) -> None:
    ack = (await raw.order("ETH-USDT", "buy", "100", None)).item
    row = await raw.order_state("ETH-USDT", ack["ordId"])
    assert (row["sz"], row["tgtCcy"], row["state"], row["ordType"]) == (
        "100",
        "quote_ccy",
        "filled",
        "market",
    )
    assert Decimal(row["accFillSz"]) * Decimal(row["avgPx"]) <= 100
    base = (await raw.order("ETH-USDT", "buy", "0.01", None, tgtCcy="base_ccy")).item
    based = await raw.order_state("ETH-USDT", base["ordId"])
    assert (based["accFillSz"], based["feeCcy"]) == ("0.01", "ETH")


async def test_post_only_that_would_take_is_accepted_then_canceled(
    emu: OkxEmulator, raw: RawClient
) -> None:
    _, ask = touch(emu, SWAP)
    ack = (await raw.order(SWAP, "buy", "1", str(ask), ordType="post_only")).item
    assert ack["sCode"] == "0"
    row = await raw.order_state(SWAP, ack["ordId"])
    assert (row["state"], row["cancelSource"], row["accFillSz"]) == ("canceled", "31", "0")


async def test_batch_orders_report_each_outcome(emu: OkxEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, SWAP)
    good = {
        "instId": SWAP,
        "tdMode": "cross",
        "side": "buy",
        "ordType": "limit",
        "sz": "1",
        "px": str(bid - 100),
    }
    bad = {**good, "sz": "0.05"}
    reply = await raw.post("/api/v5/trade/batch-orders", [good, bad])
    assert (reply.code, reply.body["msg"]) == ("2", "Bulk operation partially succeeded")
    assert [i["sCode"] for i in reply.body["data"]] == ["0", "51121"]
    assert "inTime" in reply.body and "outTime" in reply.body
    failed = await raw.post("/api/v5/trade/batch-orders", [bad, bad])
    assert failed.code == "1"
    too_many = await raw.post("/api/v5/trade/batch-orders", [good] * 21)
    assert too_many.code == "50025"
    pending = (await raw.get("/api/v5/trade/orders-pending", instType="SWAP")).data
    assert len(pending) == 1


async def test_cancel_and_cancel_batch(emu: OkxEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, SWAP)
    ids = [(await raw.order(SWAP, "buy", "1", str(bid - 100 - n))).item["ordId"] for n in range(3)]
    one = await raw.post("/api/v5/trade/cancel-order", {"instId": SWAP, "ordId": ids[0]})
    assert (one.item["sCode"], one.item["ordId"]) == ("0", ids[0])
    again = await raw.post("/api/v5/trade/cancel-order", {"instId": SWAP, "ordId": ids[0]})
    assert (again.code, again.item["sCode"]) == ("1", "51400")
    batch = await raw.post(
        "/api/v5/trade/cancel-batch-orders",
        [{"instId": SWAP, "ordId": i} for i in ids[1:]],
    )
    assert batch.code == "0" and [i["ordId"] for i in batch.body["data"]] == ids[1:]
    canceled = await raw.order_state(SWAP, ids[2])
    assert (canceled["state"], canceled["cancelSource"]) == ("canceled", "1")
    history = (
        await raw.get("/api/v5/trade/orders-history", instType="SWAP", state="canceled")
    ).data
    assert [r["ordId"] for r in history] == list(reversed(ids))


async def test_amend_changes_size_and_price(emu: OkxEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, SWAP)
    ack = (await raw.order(SWAP, "buy", "1", str(bid - 100), clOrdId="am1")).item
    amend = {
        "instId": SWAP,
        "clOrdId": "am1",
        "newSz": "2.5",
        "newPx": str(bid - 90),
        "reqId": "r1",
    }
    reply = await raw.post("/api/v5/trade/amend-order", amend)
    assert (reply.item["sCode"], reply.item["reqId"], reply.item["ordId"]) == (
        "0",
        "r1",
        ack["ordId"],
    )
    row = await raw.order_state(SWAP, ack["ordId"])
    assert (row["sz"], Decimal(row["px"])) == ("2.5", bid - 90)
    gone = await raw.post("/api/v5/trade/amend-order", {"instId": SWAP, "ordId": "7", "newSz": "2"})
    assert gone.item["sCode"] == "51503"


async def test_an_unknown_order_is_51603(raw: RawClient) -> None:
    reply = await raw.get("/api/v5/trade/order", instId=SWAP, ordId="700000000000999999")
    assert reply.code == "51603"


async def test_pending_orders_page_by_ord_id(emu: OkxEmulator, raw: RawClient) -> None:
    bid, _ = touch(emu, SWAP)
    ids = [(await raw.order(SWAP, "buy", "1", str(bid - 100 - n))).item["ordId"] for n in range(4)]
    first = (await raw.get("/api/v5/trade/orders-pending", instId=SWAP, limit=2)).data
    assert [r["ordId"] for r in first] == ids[:1:-1]
    rest = (
        await raw.get("/api/v5/trade/orders-pending", instId=SWAP, after=first[-1]["ordId"])
    ).data
    assert [r["ordId"] for r in rest] == ids[1::-1]


async def test_hedge_mode_takes_long_and_short(emu: OkxEmulator, raw: RawClient) -> None:
    reply = await raw.post("/api/v5/account/set-position-mode", {"posMode": "long_short_mode"})
    assert reply.data == [{"posMode": "long_short_mode"}]
    assert (await raw.get("/api/v5/account/config")).data[0]["posMode"] == "long_short_mode"
    assert (await raw.order(SWAP, "buy", "1", None)).item["sCode"] == "51000"
    assert (await raw.order(SWAP, "buy", "1", None, posSide="long")).item["sCode"] == "0"
    assert (await raw.order(SWAP, "sell", "2", None, posSide="short")).item["sCode"] == "0"
    rows = (await raw.get("/api/v5/account/positions", instType="SWAP")).data
    assert sorted((r["posSide"], r["pos"]) for r in rows) == [("long", "1"), ("short", "2")]
    locked = await raw.post("/api/v5/account/set-position-mode", {"posMode": "net_mode"})
    assert locked.code == "59000"


async def test_leverage_is_set_and_read(emu: OkxEmulator, raw: RawClient) -> None:
    body = {"instId": SWAP, "lever": "7", "mgnMode": "cross"}
    reply = await raw.post("/api/v5/account/set-leverage", body)
    assert reply.data == [{"lever": "7", "mgnMode": "cross", "instId": SWAP, "posSide": ""}]
    (info,) = (await raw.get("/api/v5/account/leverage-info", instId=SWAP, mgnMode="cross")).data
    assert info["lever"] == "7"
    too_high = await raw.post("/api/v5/account/set-leverage", {**body, "lever": "126"})
    assert too_high.code == "59102"
