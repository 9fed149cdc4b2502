"""Migration 0012: second line's first reply, for tickets 0010 filled in, is the first one
that reached the customer."""

from __future__ import annotations

from tests.storage.migrating import add_customer_row, migrate, sql

_TICKET = (
    "INSERT INTO tickets (id, customer_id, status, level, priority, reason, question, tried,"
    " agent_chat_id, opened_at, customer_blocked, escalated_at, last_agent_at, l2_response_at,"
    " awaiting_reply_since) VALUES ({id}, {id}, 'escalated', 2, 'normal', 'asked', 'q', '[]',"
    " -100, '2026-11-01 00:00:00', false, '2026-11-01 01:00:00', '2026-11-01 03:00:00',"
    " {l2}, NULL)"
)
_LINK = (
    "INSERT INTO message_links (ticket_id, customer_chat_id, customer_message_id, agent_chat_id,"
    " agent_message_id, direction, forwarded, created_at) VALUES ({id}, {id}, {n}, -100, {n},"
    " 'to_customer', false, '{at}')"
)


async def test_second_lines_reply_is_the_first_that_reached_the_customer(
    empty_db_url: str,
) -> None:
    await migrate(empty_db_url, "0011")
    for ticket_id in (1, 2, 3):
        await add_customer_row(empty_db_url, ticket_id)
        await sql(empty_db_url, _TICKET.format(id=ticket_id, l2="'2026-11-01 03:00:00'"))
    # 1: two replies reached the customer after the escalation (0010 took the latest), one
    # before it; 2: its reply never did (relay_failed); 3: the bot recorded its own.
    for n, at in (
        (1, "2026-11-01 00:30:00"),
        (2, "2026-11-01 02:00:00"),
        (3, "2026-11-01 03:00:00"),
    ):
        await sql(empty_db_url, _LINK.format(id=1, n=n, at=at))
    await sql(
        empty_db_url,
        "INSERT INTO ticket_events (ticket_id, kind, data, created_at) VALUES"
        " (3, 'l2_response', '{}', '2026-11-01 03:00:00')",
    )

    await migrate(empty_db_url, "0012")
    rows = await sql(
        empty_db_url,
        "SELECT id, l2_response_at, awaiting_reply_since FROM tickets ORDER BY id",
    )

    answered, never, recorded = [(str(at)[:19], str(since)[:19]) for _, at, since in rows]
    assert answered == ("2026-11-01 02:00:00", "None")  # the first after the escalation
    assert never == ("None", "2026-11-01 01:00:00")  # waiting for second line since then
    assert recorded == ("2026-11-01 03:00:00", "None")  # the bot's own record stands
