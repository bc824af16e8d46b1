"""The lean HTTP/1.1 client against real loopback servers.

Round trips, pooling and TLS run against aiohttp servers; framing and failure cases run
against a raw asyncio server that writes exactly the bytes a test chose.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from tradeport import __version__
from tradeport.model.errors import BadParameter, Disconnected, RequestTimeout
from tradeport.transport.h1 import H1Client

# -- a raw server: each request answered by a coroutine the test supplies --------------


@dataclass
class Seen:
    conn: int  # which accepted connection, from 0
    index: int  # which request on that connection, from 0
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[[Seen, asyncio.StreamWriter], Awaitable[bool]]  # False: close after


@dataclass
class RawServer:
    answer: Answer
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0
    hold: asyncio.Event = field(default_factory=asyncio.Event)  # set at teardown
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = self.connections
        self.connections += 1
        self.writers.append(writer)
        try:
            for index in range(1_000_000):
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                line, *fields = head.decode("latin-1").split("\r\n")[:-2]
                method, target, _ = line.split(" ")
                headers = {k.lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                seen = Seen(conn, index, method, target, headers, body)
                self.seen.append(seen)
                if not await self.answer(seen, writer):
                    return
        finally:
            writer.close()


StartRaw = Callable[[Answer], Awaitable[RawServer]]


@pytest.fixture
async def raw() -> AsyncIterator[StartRaw]:
    servers: list[tuple[asyncio.Server, RawServer]] = []

    async def start(answer: Answer) -> RawServer:
        state = RawServer(answer)
        server = await asyncio.start_server(state.serve, "127.0.0.1", 0)
        state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        servers.append((server, state))
        return state

    yield start
    for server, state in servers:
        state.hold.set()
        for writer in state.writers:
            writer.close()
        server.close()
        await server.wait_closed()


def replying(*responses: bytes, close: bool = False) -> Answer:
    """Answer the n-th request (on any connection) with responses[n], the last one
    repeated; with `close`, close the connection after each answer."""

    count = 0

    async def answer(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        nonlocal count
        writer.write(responses[min(count, len(responses) - 1)])
        await writer.drain()
        count += 1
        return not close

    return answer


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
    b"5;name=value\r\nhello\r\n7 ; ext\r\n, world\r\n0\r\nX-Sum: abc\r\n\r\n"
)


@pytest.fixture
async def h1() -> AsyncIterator[H1Client]:
    client = H1Client()
    try:
        yield client
    finally:
        await client.close()


# -- round trips against aiohttp --------------------------------------------------------


@pytest.fixture
async def echo() -> AsyncIterator[tuple[str, list[tuple[int, str]]]]:
    """Echoes each request; records (client port, method) per request."""
    peers: list[tuple[int, str]] = []

    async def handle(request: web.Request) -> web.Response:
        peers.append((request.transport.get_extra_info("peername")[1], request.method))  # type: ignore[union-attr]
        return web.json_response(
            {
                "method": request.method,
                "target": request.raw_path,
                "form": dict(await request.post()),
                "headers": dict(request.headers),
            },
            headers={"X-MBX-USED-WEIGHT-1M": "7"},
        )

    app = web.Application()
    app.router.add_route("*", "/api/echo", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", peers
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
async def test_round_trip_carries_query_form_and_headers(
    h1: H1Client, echo: tuple[str, list[tuple[int, str]]], method: str
) -> None:
    url, _ = echo
    form = b"symbol=BTCUSDT&price=60000.5" if method == "POST" else None
    headers = {"X-MBX-APIKEY": "k1", "Content-Type": "application/x-www-form-urlencoded"}
    status, resp_headers, body = await h1.request(
        method, f"{url}/api/echo?a=1&b=x%20y", form, headers, 5.0
    )
    assert status == 200
    got = json.loads(body)
    assert got["method"] == method and got["target"] == "/api/echo?a=1&b=x%20y"
    assert got["form"] == ({"symbol": "BTCUSDT", "price": "60000.5"} if form else {})
    sent = {k.lower(): v for k, v in got["headers"].items()}
    assert sent["x-mbx-apikey"] == "k1" and sent["user-agent"] == f"tradeport/{__version__}"
    assert sent["accept-encoding"] == "identity" and sent["host"] == url.split("//")[1]
    assert sent.get("content-length") == (str(len(form)) if form else None)
    assert resp_headers["X-Mbx-Used-Weight-1m"] == "7"
    assert resp_headers.get("x-mbx-used-weight-1m") == resp_headers.get("X-MBX-USED-WEIGHT-1M")
    assert "CONTENT-TYPE" in resp_headers and resp_headers.get("no-such") is None


async def test_sequential_requests_reuse_one_connection(
    h1: H1Client, echo: tuple[str, list[tuple[int, str]]]
) -> None:
    url, peers = echo
    for method in ("GET", "POST", "DELETE", "GET", "HEAD", "GET"):
        status, _, _ = await h1.request(method, f"{url}/api/echo", None, None, 5.0)
        assert status == 200
    assert [m for _, m in peers] == ["GET", "POST", "DELETE", "GET", "HEAD", "GET"]
    assert len({port for port, _ in peers}) == 1
    pool = h1.pool(url)
    assert pool is not None and pool.open_connections == 1 and pool.idle_connections == 1


async def test_pool_never_opens_more_than_its_bound() -> None:
    in_flight, most, ports = 0, 0, set()
    full = asyncio.Event()  # requests wait until the bound is reached, then all pass

    async def handle(request: web.Request) -> web.Response:
        nonlocal in_flight, most
        ports.add(request.transport.get_extra_info("peername")[1])  # type: ignore[union-attr]
        in_flight += 1
        most = max(most, in_flight)
        if in_flight == 3:
            full.set()
        await full.wait()
        in_flight -= 1
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
    client = H1Client(limit_per_host=3)
    try:
        results = await asyncio.gather(
            *(client.request("GET", url, None, None, 5.0) for _ in range(25))
        )
        assert [r[2] for r in results] == [b"ok"] * 25
        assert most == 3 and len(ports) == 3
        pool = client.pool(url)
        assert pool is not None and pool.open_connections == 3 and pool.idle_connections == 3
    finally:
        await client.close()
        await runner.cleanup()


# -- framing, byte for byte -------------------------------------------------------------


async def test_chunked_body_with_extensions_and_trailers(h1: H1Client, raw: StartRaw) -> None:
    server = await raw(replying(CHUNKED))
    for _ in range(2):
        status, headers, body = await h1.request("GET", f"{server.url}/c", None, None, 5.0)
        assert (status, body) == (200, b"hello, world")
        assert "x-sum" not in headers  # trailers are not merged into the header section
    assert server.connections == 1


async def test_close_delimited_body_then_a_new_connection(h1: H1Client, raw: StartRaw) -> None:
    server = await raw(replying(b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nto the end", close=True))
    for _ in range(2):
        status, _, body = await h1.request("GET", f"{server.url}/x", None, None, 5.0)
        assert (status, body) == (200, b"to the end")
    assert server.connections == 2


@pytest.mark.parametrize(
    ("method", "response"),
    [
        ("GET", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        ("DELETE", b"HTTP/1.1 204 No Content\r\n\r\n"),
        ("GET", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"),
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
    ],
)
async def test_empty_bodies_leave_the_connection_reusable(
    h1: H1Client,
    raw: StartRaw,
    method: str,
    response: bytes,
) -> None:
    server = await raw(replying(response, OK))
    first = await h1.request(method, f"{server.url}/e", None, None, 5.0)
    assert first[2] == b""
    assert await h1.request("GET", f"{server.url}/e", None, None, 5.0) == (
        200,
        {"content-length": "2"},
        b"ok",
    )
    assert server.connections == 1


async def test_response_written_one_byte_at_a_time(h1: H1Client, raw: StartRaw) -> None:
    async def dribble(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        for i in range(len(CHUNKED)):
            writer.write(CHUNKED[i : i + 1])
            await writer.drain()
            await asyncio.sleep(0)
        return True

    server = await raw(dribble)
    for _ in range(2):
        assert (await h1.request("GET", f"{server.url}/d", None, None, 5.0))[2] == b"hello, world"
    assert server.connections == 1


# -- connections that end -------------------------------------------------------------


async def test_server_connection_close_means_a_new_connection(h1: H1Client, raw: StartRaw) -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    server = await raw(replying(closing, OK))
    for _ in range(3):
        assert (await h1.request("GET", f"{server.url}/", None, None, 5.0))[2] == b"ok"
    assert [s.conn for s in server.seen] == [0, 1, 1]


async def closes_on_reuse(seen: Seen, writer: asyncio.StreamWriter) -> bool:
    """Answers the first request, then closes the connection on reading the next one,
    as a server does when its idle timeout and the client's write cross."""
    if seen.conn == 0 and seen.index == 1:
        return False
    writer.write(OK)
    await writer.drain()
    return True


async def test_get_on_a_connection_the_server_closed_is_resent_once(
    h1: H1Client, raw: StartRaw
) -> None:
    server = await raw(closes_on_reuse)
    for _ in range(2):
        assert (await h1.request("GET", f"{server.url}/g", None, None, 5.0))[2] == b"ok"
    assert [(s.conn, s.index) for s in server.seen] == [(0, 0), (0, 1), (1, 0)]


async def test_post_on_a_connection_the_server_closed_is_not_resent(
    h1: H1Client, raw: StartRaw
) -> None:
    server = await raw(closes_on_reuse)
    await h1.request("GET", f"{server.url}/g", None, None, 5.0)
    with pytest.raises(Disconnected, match="before any response byte"):
        await h1.request("POST", f"{server.url}/order", b"a=1", None, 5.0)
    assert [(s.method, s.conn) for s in server.seen] == [("GET", 0), ("POST", 0)]


async def test_server_closing_an_idle_connection_is_transparent_to_a_get(
    h1: H1Client, raw: StartRaw
) -> None:
    server = await raw(replying(OK, close=True))  # keep-alive announced, then closed
    await h1.request("GET", f"{server.url}/g", None, None, 5.0)
    await server.writers[0].wait_closed()
    assert await h1.request("GET", f"{server.url}/g", None, None, 5.0) == (
        200,
        {"content-length": "2"},
        b"ok",
    )
    assert server.connections == 2


async def test_reset_mid_response_is_disconnected(h1: H1Client, raw: StartRaw) -> None:
    server = await raw(replying(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", close=True))
    with pytest.raises(Disconnected, match="mid-response"):
        await h1.request("GET", f"{server.url}/r", None, None, 5.0)
    assert len(server.seen) == 1  # mid-response: never resent, whatever the method


async def test_timeout_raises_and_the_slow_connection_is_not_reused(
    h1: H1Client, raw: StartRaw
) -> None:
    async def slow_first(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        if seen.target == "/slow":
            await server.hold.wait()
            return False
        writer.write(OK)
        await writer.drain()
        return True

    server = await raw(slow_first)
    with pytest.raises(RequestTimeout):
        await h1.request("GET", f"{server.url}/slow", None, None, 0.2)
    assert (await h1.request("GET", f"{server.url}/fast", None, None, 5.0))[2] == b"ok"
    assert [(s.target, s.conn) for s in server.seen] == [("/slow", 0), ("/fast", 1)]
    pool = h1.pool(server.url)
    assert pool is not None and pool.open_connections == 1


async def test_refused_port_is_disconnected(h1: H1Client) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once it is closed
    with pytest.raises(Disconnected, match="cannot connect"):
        await h1.request("GET", f"http://127.0.0.1:{port}/", None, None, 5.0)
    pool = h1.pool(f"http://127.0.0.1:{port}/")
    assert pool is not None and pool.open_connections == 0


async def test_malformed_status_line_is_disconnected(h1: H1Client, raw: StartRaw) -> None:
    server = await raw(replying(b"HTTX/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    with pytest.raises(Disconnected, match="malformed response: bad status line"):
        await h1.request("GET", f"{server.url}/", None, None, 5.0)


@pytest.mark.parametrize(
    "headers",
    [{"X-Evil": "a\r\nX-Injected: 1"}, {"Content-Length": "5"}, {"X-Name": "snowman ☃"}],
)
async def test_unsafe_request_headers_are_refused_before_sending(
    h1: H1Client, raw: StartRaw, headers: dict[str, str]
) -> None:
    server = await raw(replying(OK))
    with pytest.raises(BadParameter):
        await h1.request("GET", f"{server.url}/", None, headers, 5.0)
    assert server.connections == 0


# -- TLS ------------------------------------------------------------------------------


def self_signed(tmp: str) -> tuple[str, str]:
    """A certificate for localhost and 127.0.0.1 and its key, as PEM files."""
    cert_path, key_path = f"{tmp}/cert.pem", f"{tmp}/key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("neither the cryptography package nor openssl to make a certificate")
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-days",
                "2",
                "-keyout",
                key_path,
                "-out",
                cert_path,
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[str, str, list[str | None]]]:
    """(https URL by host name, the certificate file, server names the server was sent)."""
    cert_path, key_path = self_signed(str(tmp_path))
    server_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)

    def record_sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        server_names.append(name)

    context.sni_callback = record_sni

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="secure")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    try:
        yield f"https://localhost:{runner.addresses[0][1]}/", cert_path, server_names
    finally:
        await runner.cleanup()


async def test_tls_with_a_trusted_certificate_works_and_sends_sni(
    tls_server: tuple[str, str, list[str | None]],
) -> None:
    url, cert_path, server_names = tls_server
    client = H1Client(ssl_context=ssl.create_default_context(cafile=cert_path))
    try:
        for _ in range(2):
            status, _, body = await client.request("GET", url, None, None, 5.0)
            assert (status, body) == (200, b"secure")
        assert server_names == ["localhost"]  # one handshake, SNI = host
    finally:
        await client.close()


async def test_tls_with_an_untrusted_certificate_is_refused(
    h1: H1Client, tls_server: tuple[str, str, list[str | None]]
) -> None:
    url, _, _ = tls_server
    with pytest.raises(Disconnected, match="certificate verification failed"):
        await h1.request("GET", url, None, None, 5.0)
