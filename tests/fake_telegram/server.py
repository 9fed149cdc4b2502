"""The loopback HTTP transport: a threaded HTTP/1.1 server routing /bot<token>/<method>.

Each connection gets a thread, so a long-polling getUpdates never blocks other calls, and in-process
Applications and subprocess bots are served alike.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fake_telegram.api import BotApi
from tests.fake_telegram.state import JSONDict

Responder = Callable[[str, str, str, bytes], tuple[int, str, bytes]]


def _json(status: int, data: JSONDict) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(data, ensure_ascii=False).encode("utf-8")


def _error(status: int, description: str) -> tuple[int, str, bytes]:
    return _json(status, {"ok": False, "error_code": status, "description": description})


def route(
    api: BotApi, token: str, target: str, content_type: str, body: bytes
) -> tuple[int, str, bytes]:
    """Answer one HTTP request: a Bot API call or a file download."""
    path, _, query = target.partition("?")
    path = urllib.parse.unquote(path)  # PTB quotes file URLs (":" in the token)
    if path.startswith("/file/bot"):
        given, _, file_path = path.removeprefix("/file/bot").partition("/")
        if given != token:
            return _error(401, "Unauthorized")
        data = api.download(file_path)
        if data is None:
            return _error(404, "Not Found")
        return 200, "application/octet-stream", data
    if not path.startswith("/bot"):
        return _error(404, "Not Found")
    given, _, name = path.removeprefix("/bot").partition("/")
    if given != token:
        return _error(401, "Unauthorized")
    if not name:
        return _error(400, "Bad Request: fake Telegram got a request without a method name")
    return _json(*api.call(name, content_type, body, query))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: request paths carry the token."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        if self.server.closing:
            self.close_connection = True
            return
        body = self._read_body()
        status, content_type, payload = self.server.responder(
            self.command, self.path, self.headers.get("Content-Type", ""), body
        )
        if self.server.closing:
            self.close_connection = True
            return
        reason = self.responses.get(status, ("Error",))[0]
        head = (
            f"HTTP/1.1 {status} {reason}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {len(payload)}\r\n"
            f"{'Connection: close' + chr(13) + chr(10) if self.close_connection else ''}\r\n"
        )
        # One write: headers and body in separate segments would meet delayed ACKs.
        self.wfile.write(head.encode("latin-1") + payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], responder: Responder) -> None:
        self.responder = responder
        self.closing = False
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.connections_lock:
            open_sockets = list(self.connections)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class HttpServer:
    """Serve a responder on 127.0.0.1 from a background thread."""

    def __init__(self, responder: Responder) -> None:
        self._responder = responder
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, port: int = 0) -> int:
        """Bind 127.0.0.1:port (0: a free port), serve in the background, return the port."""
        server = _Server(("127.0.0.1", port), self._responder)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="fake-telegram-http",
            daemon=True,
        )
        self._thread.start()
        return server.server_port

    def stop(self) -> None:
        """Stop accepting, cut open connections, free the port."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.closing = True
        server.shutdown()
        server.server_close()
        server.drop_connections()
        thread.join(timeout=5)
        self._server = self._thread = None
