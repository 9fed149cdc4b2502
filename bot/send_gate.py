"""Holding sends after Telegram answers 429 (Too Many Requests)."""

from __future__ import annotations

import asyncio
import time


class SendGate:
    """Pauses after Telegram answers 429. Telegram does not say which limit it hit: a chat's
    (about one message a second in a private chat, twenty a minute in a group) or the bot's
    (about thirty a second). So a 429 holds the chat it came from, and only that chat: a
    group's fifteen seconds must not hold every customer's answer. A 429 for a second private
    chat while another is held, or for a call aimed at no chat, holds every chat, for the
    shorter of the two pauses."""

    def __init__(self) -> None:
        self._all = 0.0
        self._chats: dict[int, float] = {}

    def left(self, chat_id: int | None = None) -> float:
        """Seconds a send to `chat_id` (None: a call aimed at no chat) must still wait."""
        until = self._all
        if chat_id is not None:
            until = max(until, self._chats.get(chat_id, 0.0))
        return until - time.monotonic()

    def paused(self, chat_id: int | None = None) -> bool:
        return self.left(chat_id) > 0

    def pause(self, seconds_: float, chat_id: int | None = None) -> None:
        """Hold sends to `chat_id` (or every send) for `seconds_`, extending, never
        shortening, a running pause."""
        now = time.monotonic()
        until = now + seconds_
        self._chats = {chat: end for chat, end in self._chats.items() if end > now}
        if chat_id is None:
            self._all = max(self._all, until)
        elif chat_id > 0:  # a group's limit (twenty a minute) is its own, never the bot's
            others = [end for chat, end in self._chats.items() if chat > 0 and chat != chat_id]
            if others:  # two people's chats refused at once: the bot's own limit, it seems,
                # for as long as both say (a group's long pause never spreads to everyone)
                self._all = max(self._all, min(until, max(others)))
        if chat_id is not None:
            self._chats[chat_id] = max(self._chats.get(chat_id, 0.0), until)

    async def wait(self, chat_id: int | None = None) -> None:
        """Return once no pause holds sends to `chat_id`."""
        # A loop, not an Event: another 429 may extend the pause while we sleep.
        while (left := self.left(chat_id)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)
