"""JsonRequest over bot.http11: JSON bodies, kept-alive connections, and PTB's error types."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot import http11
from bot.http11 import Http11Pool, Target, parse_target
from bot.request import JsonRequest

Reply = Callable[[bytes], Awaitable[bytes | None]]


@dataclass
class Server:
    """A loopback HTTP/1.1 server that records requests and answers as `reply` says."""

    reply: Reply
    port: int = 0
    connections: int = 0
    bodies: list[bytes] = field(default_factory=list)
    heads: list[bytes] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                self.heads.append(head)
                self.bodies.append(body)
                answer = await self.reply(body)
                if answer is None:  # hang up without answering
                    break
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(result: object, *, chunked: bool = False, close: bool = False) -> bytes:
    body = json.dumps({"ok": True, "result": result}).encode()
    headers = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    if close:
        headers += b"Connection: close\r\n"
    if chunked:
        half = len(body) // 2
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:half], body[half:]))
        return headers + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    return headers + b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Reply], Awaitable[Server]]]:
    servers: list[asyncio.Server] = []

    async def start(reply: Reply) -> Server:
        state = Server(reply)
        server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
        state.port = server.sockets[0].getsockname()[1]
        servers.append(server)
        return state

    yield start
    for server in servers:
        server.close()


def data(**params: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


async def _request(server: Server, **kwargs: object) -> JsonRequest:
    request = JsonRequest(connection_pool_size=4, **kwargs)
    await request.initialize()
    return request


async def test_json_calls_reuse_one_connection(serve: Callable[[Reply], Awaitable[Server]]) -> None:
    async def reply(body: bytes) -> bytes:
        return ok({"echo": json.loads(body)["text"]})

    server = await serve(reply)
    request = await _request(server)
    url = f"http://127.0.0.1:{server.port}/botTOKEN/sendMessage"
    try:
        first = await request.post(url, data(chat_id=1, text="سلام"))
        second = await request.post(url, data(chat_id=1, text="دوباره"))
    finally:
        await request.shutdown()

    assert first == {"echo": "سلام"} and second == {"echo": "دوباره"}
    assert server.connections == 1
    assert json.loads(server.bodies[0]) == {"chat_id": 1, "text": "سلام"}
    assert "سلام".encode() in server.bodies[0]  # raw UTF-8, not escaped or form-encoded
    assert b"content-type: application/json" in server.heads[0].lower()
    assert server.heads[0].startswith(b"POST /botTOKEN/sendMessage HTTP/1.1\r\n")


async def test_chunked_answers_and_closed_connections_are_handled(
    serve: Callable[[Reply], Awaitable[Server]],
) -> None:
    answers = iter([ok(1, chunked=True), ok(2, close=True), ok(3)])

    async def reply(_body: bytes) -> bytes:
        return next(answers)

    server = await serve(reply)
    request = await _request(server)
    url = f"http://127.0.0.1:{server.port}/botTOKEN/getMe"
    try:
        results = [await request.post(url, data(n=i)) for i in range(3)]
    finally:
        await request.shutdown()

    assert results == [1, 2, 3]
    assert server.connections == 2  # "Connection: close" is honoured; the next call reconnects


async def test_an_idle_connection_the_server_closed_is_not_reused(
    serve: Callable[[Reply], Awaitable[Server]],
) -> None:
    async def reply(_body: bytes) -> bytes:
        return ok(True)

    server = await serve(reply)
    request = await _request(server)
    url = f"http://127.0.0.1:{server.port}/botTOKEN/getMe"
    try:
        await request.post(url, data(n=1))
        pool = request._pool
        assert pool is not None
        for queue in pool._idle.values():  # the server hangs up on the idle connection
            for connection in queue:
                connection.writer.transport.abort()
        await asyncio.sleep(0.05)
        assert await request.post(url, data(n=2)) is True
    finally:
        await request.shutdown()

    assert server.connections == 2


async def test_a_connection_idle_past_the_keepalive_expiry_is_not_reused(
    serve: Callable[[Reply], Awaitable[Server]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server drops idle connections after a while; one it may be dropping right now must
    not carry the next call."""

    async def reply(_body: bytes) -> bytes:
        return ok(True)

    monkeypatch.setattr(http11, "KEEPALIVE_EXPIRY", 0.2)
    server = await serve(reply)
    request = await _request(server)
    url = f"http://127.0.0.1:{server.port}/botTOKEN/getMe"
    try:
        await request.post(url, data(n=1))
        await request.post(url, data(n=2))  # within the expiry: the same connection
        await asyncio.sleep(0.3)
        await request.post(url, data(n=3))
    finally:
        await request.shutdown()

    assert server.connections == 2


async def test_a_hang_up_without_answer_is_a_network_error(
    serve: Callable[[Reply], Awaitable[Server]],
) -> None:
    async def reply(_body: bytes) -> None:
        return None

    server = await serve(reply)
    request = await _request(server)
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{server.port}/botTOKEN/x", data(n=1))
    finally:
        await request.shutdown()
    assert not isinstance(raised.value, TimedOut)


async def test_a_slow_answer_is_timed_out(serve: Callable[[Reply], Awaitable[Server]]) -> None:
    async def reply(_body: bytes) -> bytes:
        await asyncio.sleep(1)
        return ok(True)

    server = await serve(reply)
    request = await _request(server)
    try:
        with pytest.raises(TimedOut):
            await request.post(
                f"http://127.0.0.1:{server.port}/botTOKEN/x", data(n=1), read_timeout=0.1
            )
    finally:
        await request.shutdown()


async def test_a_refused_connection_is_a_network_error() -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    request = JsonRequest(connection_pool_size=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/botTOKEN/x", data(n=1))
    finally:
        await request.shutdown()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_https_calls_verify_the_server_and_keep_the_connection(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)

    async def reply(body: bytes) -> bytes:
        return ok(json.loads(body))

    state = Server(reply)
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    trusting = ssl.create_default_context(cafile=str(cert))
    pool = Http11Pool(2, "test", ssl_context=trusting)
    url = f"https://localhost:{port}/botTOKEN/sendMessage"
    timeouts: dict[str, float | None] = {
        "connect_timeout": 5,
        "write_timeout": 5,
        "read_timeout": 5,
        "pool_timeout": 5,
    }
    try:
        answers = [
            await pool.post(url, b'{"n":%d}' % n, "application/json", **timeouts) for n in (1, 2)
        ]
        # The pool's own trust (certifi's CA bundle, as httpx): a certificate nobody vouches for.
        with pytest.raises(ssl.SSLCertVerificationError):
            await Http11Pool(1, "test").post(url, b"{}", "application/json", **timeouts)
    finally:
        await pool.aclose()
        server.close()

    assert [json.loads(body)["result"] for _, body in answers] == [{"n": 1}, {"n": 2}]
    assert [status for status, _ in answers] == [200, 200]
    assert state.connections == 1  # kept alive for both calls


@pytest.mark.parametrize(
    ("url", "target", "host_header"),
    [
        # Telegram's own server: no port in the URL (the tests' servers always give one).
        (
            "https://api.telegram.org/bot123:AAx/getUpdates",
            Target("https", "api.telegram.org", 443, "/bot123:AAx/getUpdates"),
            "api.telegram.org",
        ),
        (
            "http://bot-api.internal/bot123:AAx/getMe?x=1",
            Target("http", "bot-api.internal", 80, "/bot123:AAx/getMe?x=1"),
            "bot-api.internal",
        ),
        (
            "http://127.0.0.1:8081/bot123:AAx/getMe",
            Target("http", "127.0.0.1", 8081, "/bot123:AAx/getMe"),
            "127.0.0.1:8081",
        ),
    ],
)
def test_a_url_without_a_port_goes_to_its_schemes_port(
    url: str, target: Target, host_header: str
) -> None:
    assert parse_target(url) == target
    assert target.host_header == host_header


@pytest.mark.parametrize("url", ["ftp://api.telegram.org/bot1/getMe", "http:///bot1/getMe"])
def test_a_url_the_pool_cannot_call_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        parse_target(url)
