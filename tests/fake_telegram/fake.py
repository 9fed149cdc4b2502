"""FakeTelegram: a stateful Bot API server on loopback, and the test's side of it.

The test thread injects updates (`user_sends_text`, `agent_sends_in_topic`, ...), the bot under test
polls them over HTTP, and the test observes what the bot did (`sent_to`, `calls`, `wait_for_*`).
Everything is thread-safe: the HTTP server has its own threads, tests call in from theirs.
"""

from __future__ import annotations

from typing import Self

from tests.fake_telegram.failures import FailureControls
from tests.fake_telegram.injection import Injector
from tests.fake_telegram.observation import Observer
from tests.fake_telegram.server import HttpServer, route
from tests.fake_telegram.webhook import WebhookPusher


class FakeTelegram(Injector, FailureControls, Observer):
    """A fake Bot API server with one bot, its users and an agents' forum supergroup.

    Constructor keywords (see FakeWorld): token, bot_username, bot_name, agent_chat_id,
    agent_chat_title, bot_can_manage_topics, webhook_retry_delay, clock.
    """

    _http: HttpServer | None = None
    _pusher: WebhookPusher | None = None
    _running = False

    @property
    def token(self) -> str:
        """Return the bot token the fake accepts."""
        return self.state.token

    @property
    def base_url(self) -> str:
        """Return PTB's base_url: http://127.0.0.1:PORT/bot (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Return PTB's base_file_url: http://127.0.0.1:PORT/file/bot."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def crashes(self) -> list[str]:
        """Return tracebacks of bugs in the fake itself (answered with HTTP 500)."""
        return list(self.api.crashes)

    def env(self) -> dict[str, str]:
        """Return the environment a `python -m bot` subprocess needs to use this fake."""
        return {
            "TELEGRAM_BOT_TOKEN": self.token,
            "TELEGRAM_BASE_URL": self.base_url,
            "TELEGRAM_BASE_FILE_URL": self.base_file_url,
            "AGENT_CHAT_ID": str(self.agent_chat_id),
        }

    def start(self) -> str:
        """Serve on 127.0.0.1 (a free port; the same port again after a stop); return base_url."""
        if self._running:
            return self.base_url
        with self.state.lock:
            self.state.stopping = False
        if self._http is None:
            self._http = HttpServer(self._respond)
        self.port = self._http.start(self.port)
        self._pusher = WebhookPusher(self.state, self.webhook_retry_delay)
        self._pusher.start()
        self._running = True
        return self.base_url

    def stop(self) -> None:
        """Stop serving: pending long polls end, open connections are cut. State is kept."""
        if not self._running:
            return
        with self.state.lock:
            self.state.stopping = True
            self.state.updates_cv.notify_all()
            self.state.touch()
        if self._http is not None:
            self._http.stop()
        if self._pusher is not None:
            self._pusher.join(timeout=5)
            self._pusher = None
        self._running = False

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _respond(
        self, http_method: str, target: str, content_type: str, body: bytes
    ) -> tuple[int, str, bytes]:
        return route(self.api, self.token, target, content_type, body)
