"""What a new topic's history is made of, read from the audit trail (bot.history)."""

from __future__ import annotations

from bot.history import Kept, timeline
from handoff import service
from storage.db import create_engine_from_url, make_sessionmaker
from tests.storage.helpers import AGENT_CHAT, add_customer, add_ticket


async def test_a_reply_whose_words_were_not_kept_is_copied_not_left_a_bare_line(
    database_url: str,
) -> None:
    # An agent's reply on its way when an older release stopped: its stored plan kept no
    # words, so the failure the new release logged has none either. The history said «⚠️
    # پاسخ نرسیده به مشتری — کارشناس» and no more, though the reply is still where it was.
    engine = create_engine_from_url(database_url)
    sessions = make_sessionmaker(engine)
    try:
        await add_customer(sessions, 7)
        ticket = await add_ticket(sessions, 7)
        async with sessions.begin() as session:
            await service.relay_failed(
                session,
                ticket_id=ticket.id,
                direction="to_customer",
                error="Forbidden: bot was blocked by the user",
                message_id=41,
                reply=service.Undelivered(
                    agent_id=None, chat_id=AGENT_CHAT, message_ids=(41,), text=None, media=False
                ),
            )
        async with sessions() as session:
            steps = (await timeline(session, ticket.id, 50)).steps
    finally:
        await engine.dispose()

    (step,) = steps
    assert isinstance(step, Kept) and (step.chat_id, step.message_ids) == (AGENT_CHAT, (41,))
