"""What the bot did, and waiting for it without sleeps."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import TypeVar

from tests.fake_telegram.state import (
    ApiCall,
    CallbackQuery,
    Injected,
    JSONDict,
    SentMessage,
    Webhook,
)
from tests.fake_telegram.world import FakeWorld

T = TypeVar("T")


class Observer(FakeWorld):
    """Read the recorded messages, calls, answers and updates; wait for them."""

    def sent_to(
        self, chat_id: int, thread_id: int | None = None, *, include_deleted: bool = False
    ) -> list[SentMessage]:
        """Return the bot's messages in a chat (in one topic if thread_id), oldest first."""
        return [
            m
            for m in self.messages_in(chat_id, thread_id, include_deleted=include_deleted)
            if m.from_bot and m.kind != "service"
        ]

    def last_sent_to(self, chat_id: int, thread_id: int | None = None) -> SentMessage:
        """Return the bot's latest message in a chat (or topic); fail when there is none."""
        sent = self.sent_to(chat_id, thread_id)
        if not sent:
            raise AssertionError(f"the bot sent nothing to chat {chat_id} thread {thread_id}")
        return sent[-1]

    def messages_in(
        self, chat_id: int, thread_id: int | None = None, *, include_deleted: bool = False
    ) -> list[SentMessage]:
        """Return every message in a chat (bot's, injected, service), oldest first."""
        with self.state.lock:
            found = [
                message
                for (in_chat, _), message in self.state.messages.items()
                if in_chat == chat_id
                and (thread_id is None or message.message_thread_id == thread_id)
                and (include_deleted or not message.deleted)
            ]
        return sorted(found, key=lambda message: message.message_id)

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """Return a stored message (deleted ones too)."""
        with self.state.lock:
            return self.state.messages[(chat_id, message_id)]

    def message_json(self, message: SentMessage) -> JSONDict:
        """Render a stored message as the Bot API would."""
        with self.state.lock:
            return self.state.render(message)

    def file_bytes(self, file_id: str) -> bytes:
        """Return the bytes of a stored or uploaded file."""
        with self.state.lock:
            return self.state.files[file_id].data

    def api_calls(self, method: str | None = None) -> list[ApiCall]:
        """Return recorded calls (all, or of one method), oldest first."""
        with self.state.lock:
            return [
                c for c in self.state.calls if method is None or c.method.lower() == method.lower()
            ]

    def calls(self, method: str | None = None) -> list[JSONDict]:
        """Return the decoded parameters of recorded calls (failed ones included)."""
        return [call.params for call in self.api_calls(method)]

    def clear_calls(self) -> None:
        """Forget recorded calls."""
        with self.state.lock:
            self.state.calls.clear()

    def callback_query(self, query_id: str | Injected) -> CallbackQuery:
        """Return an injected press and the bot's answer to it (answer is None until answered)."""
        key = query_id.callback_query_id if isinstance(query_id, Injected) else query_id
        with self.state.lock:
            return self.state.callbacks[key]

    def callback_answers(self) -> list[CallbackQuery]:
        """Return the presses the bot has answered."""
        with self.state.lock:
            return [query for query in self.state.callbacks.values() if query.answered]

    def pending_updates(self) -> list[JSONDict]:
        """Return updates not yet confirmed (delivered or not)."""
        with self.state.lock:
            return list(self.state.queue)

    def injected_updates(self) -> list[JSONDict]:
        """Return every update ever injected."""
        with self.state.lock:
            return list(self.state.injected)

    @property
    def confirmed_offset(self) -> int:
        """Return the highest offset getUpdates was called with (0 before any)."""
        with self.state.lock:
            return self.state.confirmed_offset

    def deliveries(self, update: Injected | int) -> int:
        """Return how many times an update was handed out (getUpdates or webhook)."""
        update_id = update.update_id if isinstance(update, Injected) else update
        with self.state.lock:
            return self.state.deliveries.get(update_id, 0)

    def webhook(self) -> Webhook:
        """Return the webhook configuration and delivery counters."""
        with self.state.lock:
            return self.state.webhook

    def commands(self, scope_type: str = "default", language_code: str = "") -> list[JSONDict]:
        """Return the commands set with setMyCommands for a scope type and language."""
        with self.state.lock:
            return list(self.state.commands.get((scope_type, language_code), []))

    def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, what: str | None = None
    ) -> T:
        """Block until predicate() is truthy (re-checked on every change); return its value."""
        deadline = time.monotonic() + timeout
        with self.state.changed_cv:
            while True:
                if self.api.crashes:
                    raise AssertionError(f"fake Telegram crashed:\n{self.api.crashes[0]}")
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    name = what or getattr(predicate, "__name__", "condition")
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {name}\n{self._recent_calls()}"
                    )
                self.state.changed_cv.wait(remaining)

    async def wait_for_async(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109 - the worker thread enforces it
        what: str | None = None,
    ) -> T:
        """wait_for from a coroutine without blocking the event loop (the bot may run on it)."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout, what)

    def wait_for_messages(
        self, chat_id: int, count: int = 1, *, thread_id: int | None = None, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least count messages to a chat/topic; return them all."""

        def enough() -> list[SentMessage]:
            sent = self.sent_to(chat_id, thread_id)
            return sent if len(sent) >= count else []

        return self.wait_for(enough, timeout, f"{count} message(s) to {chat_id}/{thread_id}")

    async def wait_for_messages_async(
        self,
        chat_id: int,
        count: int = 1,
        *,
        thread_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the worker thread enforces it
    ) -> list[SentMessage]:
        """Async twin of wait_for_messages."""
        return await asyncio.to_thread(
            lambda: self.wait_for_messages(chat_id, count, thread_id=thread_id, timeout=timeout)
        )

    def wait_for_calls(
        self, method: str, count: int = 1, *, timeout: float = 5.0
    ) -> list[JSONDict]:
        """Wait until method was called at least count times; return all their parameters."""

        def enough() -> list[JSONDict]:
            found = self.calls(method)
            return found if len(found) >= count else []

        return self.wait_for(enough, timeout, f"{count} call(s) of {method}")

    async def wait_for_calls_async(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the worker thread enforces it
    ) -> list[JSONDict]:
        """Async twin of wait_for_calls."""
        return await asyncio.to_thread(lambda: self.wait_for_calls(method, count, timeout=timeout))

    def wait_for_confirmed(self, update: Injected | int, *, timeout: float = 5.0) -> int:
        """Wait until getUpdates confirmed the update (offset beyond it); return the offset."""
        update_id = update.update_id if isinstance(update, Injected) else update
        return self.wait_for(
            lambda: self.confirmed_offset if self.confirmed_offset > update_id else 0,
            timeout,
            f"confirmation of update {update_id}",
        )

    async def wait_for_confirmed_async(
        self,
        update: Injected | int,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the worker thread enforces it
    ) -> int:
        """Async twin of wait_for_confirmed."""
        return await asyncio.to_thread(lambda: self.wait_for_confirmed(update, timeout=timeout))

    def wait_for_answer(self, press: Injected, *, timeout: float = 5.0) -> JSONDict:
        """Wait until the bot answered a press; return the answer's parameters."""
        query = self.callback_query(press)
        self.wait_for(lambda: query.answered, timeout, f"answer to callback {query.id}")
        return dict(query.answer or {})

    async def wait_for_answer_async(
        self,
        press: Injected,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the worker thread enforces it
    ) -> JSONDict:
        """Async twin of wait_for_answer."""
        return await asyncio.to_thread(lambda: self.wait_for_answer(press, timeout=timeout))

    def _recent_calls(self, count: int = 12) -> str:
        lines = []
        for call in self.api_calls()[-count:]:
            params = json.dumps(call.params, ensure_ascii=False, default=str)[:200]
            outcome = "ok" if call.ok else f"{call.status} {call.response.get('description')}"
            lines.append(f"  {call.method} {params} -> {outcome}")
        return "last calls:\n" + ("\n".join(lines) or "  (none)")
