"""Migration 0006: a ticket may be a follow-up of a closed one (reason "follow_up")."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from tests.storage.migrating import add_customer_row, migrate, sql

_TICKET = (
    "INSERT INTO tickets (customer_id, status, level, priority, reason, question, tried,"
    " agent_chat_id, opened_at, customer_blocked, previous_ticket_id) VALUES"
    " (7, '{status}', 1, 'normal', '{reason}', 'چاپگر کار نمی‌کند', '[]', -100, "
    " '2026-11-01 00:00:00', false, {previous})"
)


async def _seed_0005(url: str) -> None:
    """A closed ticket, and a message and an event that refer to it."""
    await add_customer_row(url)
    await sql(url, _TICKET.format(status="closed", reason="no_answer", previous="NULL"))
    await sql(
        url,
        "INSERT INTO messages (customer_id, ticket_id, direction, kind, text, chat_id,"
        " created_at) VALUES (7, 1, 'in', 'text', 'چاپگر کار نمی‌کند', 7, '2026-11-01 00:00:00')",
    )
    await sql(
        url,
        "INSERT INTO ticket_events (ticket_id, kind, data, created_at)"
        " VALUES (1, 'opened', '{}', '2026-11-01 00:00:00')",
    )


async def test_upgrade_keeps_the_tickets_and_what_refers_to_them(empty_db_url: str) -> None:
    await migrate(empty_db_url, "0005")
    await _seed_0005(empty_db_url)

    await migrate(empty_db_url, "head")

    await sql(empty_db_url, _TICKET.format(status="open", reason="follow_up", previous=1))
    tickets = await sql(empty_db_url, "SELECT id, reason, previous_ticket_id FROM tickets")
    assert tickets == [(1, "no_answer", None), (2, "follow_up", 1)]
    assert await sql(empty_db_url, "SELECT ticket_id FROM messages") == [(1,)]
    assert await sql(empty_db_url, "SELECT ticket_id FROM ticket_events") == [(1,)]


async def test_the_upgraded_table_keeps_its_rules(empty_db_url: str) -> None:
    await migrate(empty_db_url, "0005")
    await _seed_0005(empty_db_url)
    await migrate(empty_db_url, "head")

    # still one ticket that is not closed per customer, and still only known reasons
    await sql(empty_db_url, _TICKET.format(status="open", reason="asked", previous="NULL"))
    with pytest.raises(IntegrityError):
        await sql(empty_db_url, _TICKET.format(status="open", reason="asked", previous="NULL"))
    await sql(empty_db_url, "UPDATE tickets SET status = 'closed'")
    with pytest.raises(IntegrityError):
        await sql(empty_db_url, _TICKET.format(status="open", reason="whim", previous="NULL"))


async def test_downgrade_stores_follow_ups_as_before(empty_db_url: str) -> None:
    await migrate(empty_db_url, "0005")
    await _seed_0005(empty_db_url)
    await migrate(empty_db_url, "head")
    await sql(empty_db_url, _TICKET.format(status="open", reason="follow_up", previous=1))

    await migrate(empty_db_url, "0005", down=True)

    tickets = await sql(empty_db_url, "SELECT id, reason FROM tickets")
    assert tickets == [(1, "no_answer"), (2, "asked")]
    await sql(empty_db_url, "UPDATE tickets SET status = 'closed'")
    with pytest.raises(IntegrityError):
        await sql(empty_db_url, _TICKET.format(status="open", reason="follow_up", previous=1))
