"""What a new topic's history is made of, read from the audit trail (bot.history)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import hotpath
from bot.history import Copy, Kept, timeline
from handoff import service
from storage.db import create_engine_from_url, make_sessionmaker
from storage.models import Ticket
from tests.storage.helpers import AGENT_CHAT, add_customer, add_ticket, sqlite_plans


@dataclass(frozen=True)
class Desk:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    ticket: Ticket


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[Desk]:
    """A database with customer 7 and an open ticket of theirs."""
    engine = create_engine_from_url(database_url)
    sessions = make_sessionmaker(engine)
    try:
        await add_customer(sessions, 7)
        yield Desk(engine, sessions, await add_ticket(sessions, 7))
    finally:
        await engine.dispose()


async def test_a_reply_whose_words_were_not_kept_is_copied_not_left_a_bare_line(
    desk: Desk,
) -> None:
    # An agent's reply on its way when an older release stopped: its stored plan kept no
    # words, so the failure the new release logged has none either. The history said «⚠️
    # پاسخ نرسیده به مشتری — کارشناس» and no more, though the reply is still where it was.
    async with desk.sessions.begin() as session:
        await service.relay_failed(
            session,
            ticket_id=desk.ticket.id,
            direction="to_customer",
            error="Forbidden: bot was blocked by the user",
            message_id=41,
            reply=service.Undelivered(
                agent_id=None, chat_id=AGENT_CHAT, message_ids=(41,), text=None, media=False
            ),
        )
    async with desk.sessions() as session:
        steps = (await timeline(session, desk.ticket.id, 50)).steps

    (step,) = steps
    assert isinstance(step, Kept) and (step.chat_id, step.message_ids) == (AGENT_CHAT, (41,))


async def test_messages_that_never_reached_the_agents_are_found_without_reading_the_whole_log(
    desk: Desk,
) -> None:
    # A ticket whose topic could not be made: the customer's album never reached the agents.
    # Its items were looked up in the log by chat and message id, which no index serves:
    # every message ever logged was read for each of them (a year's log: 0.1-0.4 s each,
    # with SQLite run in the event loop, every customer waiting meanwhile).
    async with desk.sessions.begin() as session:
        for message_id in (50, 51):
            await hotpath.log_message(
                session,
                customer_id=7,
                direction="in",
                kind="photo",
                chat_id=7,
                text=None,
                ticket_id=desk.ticket.id,
                telegram_message_id=message_id,
                update_id=None,
                media_group_id="album-1",
            )
        await service.relay_failed(
            session,
            ticket_id=desk.ticket.id,
            direction="to_agents",
            error="Bad Request: message thread not found",
            message_id=50,
        )
    found: list[object] = []

    async def read() -> None:
        async with desk.sessions() as session:
            found.extend((await timeline(session, desk.ticket.id, 50, customer_chat_id=7)).steps)

    plans = await sqlite_plans(desk.engine, read)

    (step,) = found
    assert isinstance(step, Copy)
    assert [link.customer_message_id for link in step.group.links] == [50, 51]
    assert not [plan for plan in plans if plan.startswith("SCAN messages")]
