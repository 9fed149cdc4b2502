"""Migration 0009: message links say whether the customer's message was a forward."""

from __future__ import annotations

from tests.storage.migrating import add_customer_row, migrate, sql

_TICKET = (
    "INSERT INTO tickets (customer_id, status, level, priority, reason, question, tried,"
    " agent_chat_id, opened_at, customer_blocked) VALUES"
    " (7, 'open', 1, 'normal', 'asked', 'پیامک بانک', '[]', -100, '2026-11-01 00:00:00', false)"
)
_LINK = (
    "INSERT INTO message_links (ticket_id, customer_chat_id, customer_message_id,"
    " agent_chat_id, agent_message_id, direction, created_at) VALUES"
    " (1, 7, 41, -100, 9, 'to_agents', '2026-11-01 00:00:00')"
)


async def test_upgrade_keeps_the_links_as_copies_and_downgrade_drops_the_flag(
    empty_db_url: str,
) -> None:
    await migrate(empty_db_url, "0008")
    await add_customer_row(empty_db_url)
    await sql(empty_db_url, _TICKET)
    await sql(empty_db_url, _LINK)

    await migrate(empty_db_url, "head")
    upgraded = await sql(empty_db_url, "SELECT customer_message_id, forwarded FROM message_links")
    await migrate(empty_db_url, "0008", down=True)
    downgraded = await sql(empty_db_url, "SELECT * FROM message_links")

    assert [(m, bool(f)) for m, f in upgraded] == [(41, False)]  # copied as before
    assert len(downgraded) == 1 and len(downgraded[0]) == 9  # the columns before 0009
