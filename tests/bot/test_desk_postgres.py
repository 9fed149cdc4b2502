"""The claim race between two bot processes sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot import desk_texts
from storage.models import Ticket, TicketEvent
from tests.bot.support import BotProcess, bot_env
from tests.bot.test_process import postgres_url, rows, settled
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import Topic

__all__ = ["postgres_url"]  # the fixture, shared with the process tests

TICKETS = 4

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def second_fake() -> Iterator[FakeTelegram]:
    """Another fake Telegram: one poller per token, so each process gets its own server."""
    fake = FakeTelegram()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
async def two_bots(
    fake_telegram: FakeTelegram,
    second_fake: FakeTelegram,
    tmp_path: Path,
    kb_dir: Path,
    postgres_url: str,
) -> AsyncIterator[str]:
    """Two `python -m bot` processes on one database; yields the database URL."""
    first = BotProcess(bot_env(fake_telegram, postgres_url, kb_dir), tmp_path).start(fake_telegram)
    second = BotProcess(bot_env(second_fake, postgres_url, kb_dir), tmp_path).start(second_fake)
    try:
        yield postgres_url
    finally:
        assert first.stop() == 0, first.log()
        assert second.stop() == 0, second.log()


async def test_two_processes_claiming_at_once_make_exactly_one_winner_per_ticket(
    fake_telegram: FakeTelegram, second_fake: FakeTelegram, two_bots: str
) -> None:
    fake_a, fake_b, url = fake_telegram, second_fake, two_bots
    for index in range(TICKETS):
        fake_a.user_sends_text(fake_a.new_user(f"مشتری {index}"), "/human")
    await fake_a.wait_for_async(
        lambda: len(fake_a.topics()) == TICKETS, timeout=20, what="the topics"
    )
    await settled(url, fake_a)
    threads = [t.thread_id for t in fake_a.topics()]
    # The same topics in the second process's group (same chat id), as both see one group.
    chat_b = fake_b.chat(fake_b.agent_chat_id)
    with fake_b.state.lock:
        for thread in threads:
            chat_b.topics[thread] = Topic(chat_b.id, thread, f"#{thread}", 7322096)
        chat_b.last_message_id = max(chat_b.last_message_id, max(threads))
    # One bot's update ids: the second server must not reuse the first one's.
    fake_b.skip_update_ids(10_000)
    agent_a, agent_b = fake_a.new_agent("الف"), fake_b.new_agent("ب")
    for thread in threads:  # both claim every ticket at the same moment
        fake_a.agent_sends_in_topic(agent_a, thread, "/claim")
        fake_b.agent_sends_in_topic(agent_b, thread, "/claim")
    await asyncio.gather(settled(url, fake_a), settled(url, fake_b))
    tickets = await rows(url, Ticket)
    claims = await rows(url, TicketEvent, TicketEvent.kind == "claimed")
    assert len(tickets) == TICKETS
    assert sorted(c.ticket_id for c in claims) == sorted(t.id for t in tickets)  # one each
    for ticket in tickets:
        assert ticket.claimed_by in (agent_a.id, agent_b.id)
        winner = fake_a if ticket.claimed_by == agent_a.id else fake_b
        loser = fake_b if winner is fake_a else fake_a
        thread = ticket.thread_id
        for fake in (winner, loser):
            await fake.wait_for_async(
                lambda fake=fake, thread=thread: bool(fake.sent_to(fake.agent_chat_id, thread)),
                timeout=10,
                what="the answer in the topic",
            )
        won = [m.text or "" for m in winner.sent_to(winner.agent_chat_id, ticket.thread_id)]
        lost = [m.text or "" for m in loser.sent_to(loser.agent_chat_id, ticket.thread_id)]
        assert any("برداشت" in t for t in won)
        assert lost[-1] == desk_texts.held_by(ticket.claimed_by_name or "")
