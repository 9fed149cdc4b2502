"""A small HTTP/1.1 keep-alive pool for the Bot API's JSON calls (h11 on asyncio streams).

Under load most of the bot's CPU went into httpx around each reply: building a
Request and a URL, cookies, auth and redirect handling, reading the response
through several stream wrappers, headers and body written in two syscalls, and
a connection pool that checks every connection it holds (a poll syscall each)
on every request. A JSON call to one origin needs none of that: this pool keeps
idle connections per origin (newest first), writes each request in one call and
parses the response with h11, the same parser httpx uses underneath.

An idle connection the server has closed is noticed without a syscall: the event
loop keeps reading idle sockets, so their reader is at EOF. Errors follow httpx's
split, which bot.pipeline relies on: a timeout (the call may have been delivered)
is `asyncio.TimeoutError`; anything else raises `ConnectionError`/`OSError` or
`h11.ProtocolError`, for the caller to map. A connection that could not be made at all
(refused, unreachable, timed out; not a TLS refusal) raises `NotConnected`, caused by one
of those: the request never left, so it was surely not delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import h11

# Idle connections older than this are closed rather than reused (httpx's default).
KEEPALIVE_EXPIRY = 5.0
READ_CHUNK = 65536


class NotConnected(ConnectionError):
    """No connection to the server could be made: the request was never sent."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL points: the origin a connection serves, and the request target."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


@lru_cache(maxsize=256)
def parse_target(url: str) -> Target:
    """Split an http(s) URL once (the bot calls a few dozen distinct URLs)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, parts.hostname, port, path)


class _Connection:
    __slots__ = ("idle_since", "parser", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.parser = h11.Connection(h11.CLIENT)
        self.idle_since = 0.0

    def usable(self, now: float) -> bool:
        return (
            not self.reader.at_eof()
            and not self.writer.is_closing()
            and now - self.idle_since < KEEPALIVE_EXPIRY
        )

    def close(self) -> None:
        self.writer.close()


class Http11Pool:
    """At most `size` requests at once; idle connections are kept and reused per origin."""

    def __init__(
        self, size: int, user_agent: str, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._slots = asyncio.Semaphore(size)
        self._idle: dict[tuple[str, str, int], deque[_Connection]] = {}
        self._user_agent = user_agent
        self._ssl = ssl_context  # None: certifi's CA bundle, loaded on the first https call
        self._closed = False

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            import certifi  # httpx's dependency: the same CA bundle as before

            self._ssl = ssl.create_default_context(cafile=certifi.where())
        return self._ssl

    async def post(
        self,
        url: str,
        body: bytes,
        content_type: str,
        *,
        connect_timeout: float | None,
        write_timeout: float | None,
        read_timeout: float | None,
        pool_timeout: float | None,
    ) -> tuple[int, bytes]:
        """POST `body`; return the status code and the response body."""
        if self._closed:
            raise ConnectionError("the HTTP pool is shut down")
        target = parse_target(url)
        async with asyncio.timeout(pool_timeout):
            await self._slots.acquire()
        try:
            connection = await self._connection(target, connect_timeout)
            try:
                result = await self._exchange(
                    connection, target, body, content_type, write_timeout, read_timeout
                )
            except BaseException:
                connection.close()
                raise
            self._release(target, connection)
            return result
        finally:
            self._slots.release()

    async def _connection(self, target: Target, connect_timeout: float | None) -> _Connection:
        idle = self._idle.get(target.origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()  # newest first: the likeliest to be still open
            if connection.usable(now):
                return connection
            connection.close()
        try:
            async with asyncio.timeout(connect_timeout):
                if target.scheme == "https":
                    reader, writer = await asyncio.open_connection(
                        target.host, target.port, ssl=self._ssl_context(), limit=READ_CHUNK
                    )
                else:
                    reader, writer = await asyncio.open_connection(
                        target.host, target.port, limit=READ_CHUNK
                    )
        except ssl.SSLError:
            raise  # a certificate refused: no outage to wait out
        except OSError as error:  # TimeoutError included
            raise NotConnected(f"{type(error).__name__}: {error}") from error
        return _Connection(reader, writer)

    async def _exchange(
        self,
        connection: _Connection,
        target: Target,
        body: bytes,
        content_type: str,
        write_timeout: float | None,
        read_timeout: float | None,
    ) -> tuple[int, bytes]:
        parser = connection.parser
        request = h11.Request(
            method="POST",
            target=target.path,
            headers=[
                ("Host", target.host_header),
                ("User-Agent", self._user_agent),
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
            ],
        )
        head = parser.send(request) or b""
        data = parser.send(h11.Data(data=body)) or b""
        end = parser.send(h11.EndOfMessage()) or b""
        writer = connection.writer
        writer.write(b"".join((head, data, end)))  # one syscall for the whole request
        if writer.transport.get_write_buffer_size():
            async with asyncio.timeout(write_timeout):
                await writer.drain()
        async with asyncio.timeout(read_timeout):
            return await self._read_response(connection)

    async def _read_response(self, connection: _Connection) -> tuple[int, bytes]:
        parser = connection.parser
        status = 0
        chunks: list[bytes] = []
        while True:
            event = parser.next_event()
            if event is h11.NEED_DATA:
                # b"" is EOF: h11 ends a read-until-close body or raises RemoteProtocolError.
                parser.receive_data(await connection.reader.read(READ_CHUNK))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return status, b"".join(chunks)
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("the server closed the connection mid-response")
            # h11.InformationalResponse (100 Continue): keep reading

    def _release(self, target: Target, connection: _Connection) -> None:
        parser = connection.parser
        if self._closed or parser.our_state is not h11.DONE or parser.their_state is not h11.DONE:
            connection.close()
            return
        parser.start_next_cycle()
        connection.idle_since = time.monotonic()
        self._idle.setdefault(target.origin, deque()).append(connection)

    async def aclose(self) -> None:
        """Close every idle connection; connections in use close when their call ends."""
        self._closed = True
        idle, self._idle = self._idle, {}
        writers = [c.writer for queue in idle.values() for c in queue]
        for writer in writers:
            writer.close()
        for writer in writers:
            with contextlib.suppress(OSError):  # already reset by the peer: nothing to clean up
                await writer.wait_closed()

    def reopen(self) -> None:
        """Accept calls again after `aclose` (PTB may initialize a request object twice)."""
        self._closed = False
