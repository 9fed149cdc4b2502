"""A proxy named in the environment (ALL_PROXY, HTTPS_PROXY, …) carries the bot's Bot API calls.

Where Telegram is filtered, that is how a bot reaches it; PTB documents these variables, and
the bot's own JSON path must not quietly go around them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.config import Settings
from bot.request import JsonRequest
from tests.bot.support import running_bot
from tests.fake_telegram import FakeTelegram

USER, PASSWORD = "pasokh", "proxy-secret-4711"


@dataclass
class Socks5Proxy:
    """A loopback SOCKS5 proxy (RFC 1928, user and password as RFC 1929) that relays to where
    it is asked and records each CONNECT target."""

    port: int = 0
    targets: list[tuple[str, int]] = field(default_factory=list)
    refused_logins: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            _version, count = await reader.readexactly(2)
            methods = await reader.readexactly(count)
            if 2 not in methods:  # no user and password offered
                writer.write(b"\x05\xff")
                return
            writer.write(b"\x05\x02")
            _auth_version, length = await reader.readexactly(2)
            user = (await reader.readexactly(length)).decode()
            (length,) = await reader.readexactly(1)
            password = (await reader.readexactly(length)).decode()
            if (user, password) != (USER, PASSWORD):
                self.refused_logins += 1
                writer.write(b"\x01\x01")
                return
            writer.write(b"\x01\x00")
            _version, _command, _reserved, kind = await reader.readexactly(4)
            if kind == 3:  # a host name
                (length,) = await reader.readexactly(1)
                host = (await reader.readexactly(length)).decode()
            else:  # IPv4
                host = socket.inet_ntoa(await reader.readexactly(4))
            port = int.from_bytes(await reader.readexactly(2), "big")
            self.targets.append((host, port))
            upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
            writer.write(b"\x05\x00\x00\x01" + bytes(6))
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        with contextlib.suppress(ConnectionError):
            writer.close()


@pytest.fixture
async def socks5_proxy() -> AsyncIterator[Socks5Proxy]:
    proxy = Socks5Proxy()
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    proxy.port = server.sockets[0].getsockname()[1]
    async with server:
        yield proxy
        server.close()


async def test_the_bot_answers_customers_through_a_socks5_proxy_and_logs_it_without_password(
    settings: Settings,
    fake_telegram: FakeTelegram,
    socks5_proxy: Socks5Proxy,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    caplog.set_level(logging.INFO, logger="bot")
    monkeypatch.setenv("ALL_PROXY", f"socks5://{USER}:{PASSWORD}@127.0.0.1:{socks5_proxy.port}")
    async with running_bot(settings, fake):
        user = fake.new_user("زهرا")
        fake.user_sends_text(user, "/start")
        greeting, _menu = await fake.wait_for_messages_async(user.id, 2)
    assert "سلام زهرا" in (greeting.text or "")
    assert socks5_proxy.targets and set(socks5_proxy.targets) == {("127.0.0.1", fake.port)}
    assert socks5_proxy.refused_logins == 0
    assert f"all: socks5://127.0.0.1:{socks5_proxy.port}" in caplog.text
    assert PASSWORD not in caplog.text


async def test_a_json_call_goes_through_an_http_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head.split(b"\r\n", 1)[0])
        body = b'{"ok":true,"result":true}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    request = JsonRequest(connection_pool_size=2)
    await request.initialize()
    try:
        # A name only the proxy knows how to reach: nothing goes around it.
        url = "http://api.telegram.invalid/bot123:AAx/getMe"
        call = RequestData([RequestParameter.from_input("chat_id", 42)])
        assert await request.post(url, call) is True
    finally:
        await request.shutdown()
        server.close()
    assert seen == [b"POST http://api.telegram.invalid/bot123:AAx/getMe HTTP/1.1"]
