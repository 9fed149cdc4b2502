"""Push pending updates to the webhook URL one at a time, retrying on failure like Telegram."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

from tests.fake_telegram.state import JSONDict, TelegramState

# Never route loopback deliveries through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class WebhookPusher(threading.Thread):
    """Deliver the oldest pending update; drop it on 2xx, retry after retry_delay otherwise."""

    def __init__(self, state: TelegramState, retry_delay: float) -> None:
        super().__init__(name="fake-telegram-webhook", daemon=True)
        self.state = state
        self.retry_delay = retry_delay

    def run(self) -> None:
        """Loop until the state is stopping."""
        state = self.state
        while True:
            with state.lock:
                while not state.stopping and not self._ready():
                    state.updates_cv.wait()
                if state.stopping:
                    return
                update = state.take_deliverable(1)[0]
                url, secret = state.webhook.url, state.webhook.secret_token
            error = self._post(url, secret, update)
            with state.lock:
                if state.webhook.url != url:
                    continue
                if error is None:
                    state.queue = [u for u in state.queue if u["update_id"] != update["update_id"]]
                    state.webhook.deliveries += 1
                    state.touch()
                    continue
                state.webhook.failures += 1
                state.webhook.last_error_date = state.now()
                state.webhook.last_error_message = error
                state.touch()
                state.updates_cv.wait(self.retry_delay)

    def _ready(self) -> bool:
        state = self.state
        if not state.webhook.url:
            return False
        state.take_deliverable(0)  # drops queued updates of types not allowed
        held = state.held_from
        return any(held is None or u["update_id"] < held for u in state.queue)

    def _post(self, url: str, secret: str | None, update: JSONDict) -> str | None:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(
            url, data=json.dumps(update).encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with _OPENER.open(request, timeout=10) as response:
                response.read()
        except urllib.error.HTTPError as failure:
            return f"Wrong response from the webhook: {failure.code} {failure.reason}"
        except (urllib.error.URLError, OSError) as failure:
            return f"Connection failed: {failure}"
        return None
