"""Helpers of the desk tests: a customer with an open ticket, and the card in its topic."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from storage.models import Ticket
from tests.bot import support
from tests.bot.support import RunningBot
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import SentMessage, User

QUIET_SECONDS = 0.1


def _busy_marker(fake: FakeTelegram) -> tuple[int, int]:
    calls = fake.api_calls()
    return len(fake.pending_updates()), sum(c.method != "getUpdates" for c in calls)


async def settled(bot: RunningBot, fake: FakeTelegram, within: float = 15) -> None:
    """Wait until the bot is quiet, then until nothing is pending.

    The in-process bot runs SQLite inline in the test's event loop: a test query
    overlapping the bot's writes could stall both, so look only once it is idle.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    before = _busy_marker(fake)
    while loop.time() < deadline:
        await asyncio.sleep(QUIET_SECONDS)
        now = _busy_marker(fake)
        if now == before and now[0] == 0:
            break
        before = now
    await support.settled(bot, fake, within)


@dataclass
class OpenTicket:
    """A customer whose ticket is open, with its topic and card."""

    user: User
    card: SentMessage
    thread_id: int
    ticket_id: int


async def hand_off(bot: RunningBot, fake: FakeTelegram, name: str = "مریم") -> OpenTicket:
    """Have a new customer ask for a person; return once the card is in the topic."""
    user = fake.new_user(name)
    before = len(fake.topics())
    fake.user_sends_text(user, "/human")
    await fake.wait_for_async(lambda: len(fake.topics()) > before, timeout=10, what="a topic")
    thread_id = fake.topics()[-1].thread_id
    (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1, thread_id=thread_id)
    await settled(bot, fake)
    tickets = await bot.rows(Ticket, Ticket.thread_id == thread_id)
    return OpenTicket(user, card, thread_id, tickets[-1].id)


async def asked_in_topic(bot: RunningBot, fake: FakeTelegram, said: str) -> tuple[OpenTicket, User]:
    """A ticket whose customer wrote `said` in it (copied into the topic), and an agent of
    the agents' group, «سارا», not yet in it."""
    opened = await hand_off(bot, fake)
    agent = fake.new_agent("سارا")
    fake.user_sends_text(opened.user, said)
    await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=opened.thread_id)
    await settled(bot, fake)
    return opened, agent


async def ticket(bot: RunningBot, ticket_id: int) -> Ticket:
    """Return the ticket as the database has it now."""
    (row,) = await bot.rows(Ticket, Ticket.id == ticket_id)
    return row  # type: ignore[no-any-return]


def card_now(fake: FakeTelegram, card: SentMessage) -> SentMessage:
    """Return the card as it is now (after edits)."""
    return fake.message(card.chat_id, card.message_id)


def topic_texts(fake: FakeTelegram, thread_id: int) -> list[str]:
    """Return what the bot posted in a topic, oldest first."""
    return [m.content or "" for m in fake.sent_to(fake.agent_chat_id, thread_id)]
