"""Migration 0010: tickets keep second line's deadline and first reply."""

from __future__ import annotations

from tests.storage.migrating import add_customer_row, migrate, sql

_COLUMNS = (
    "INSERT INTO tickets (customer_id, status, level, priority, reason, question, tried,"
    " agent_chat_id, opened_at, customer_blocked, escalated_at, last_agent_at) VALUES"
)
# Escalated and answered since; escalated, answered only before it; never escalated.
_TICKETS = (
    "(7, 'closed', 2, 'normal', 'asked', 'a', '[]', -100, '2026-11-01 00:00:00', false,"
    " '2026-11-01 01:00:00', '2026-11-01 03:00:00')",
    "(8, 'escalated', 2, 'normal', 'asked', 'b', '[]', -100, '2026-11-01 00:00:00', false,"
    " '2026-11-01 01:00:00', '2026-11-01 00:30:00')",
    "(9, 'claimed', 1, 'normal', 'asked', 'c', '[]', -100, '2026-11-01 00:00:00', false,"
    " NULL, '2026-11-01 00:30:00')",
)


async def test_upgrade_counts_a_reply_after_the_escalation_as_second_lines(
    empty_db_url: str,
) -> None:
    await migrate(empty_db_url, "0009")
    for customer_id in (7, 8, 9):
        await add_customer_row(empty_db_url, customer_id)
    for row in _TICKETS:
        await sql(empty_db_url, f"{_COLUMNS} {row}")

    await migrate(empty_db_url, "0010")
    upgraded = await sql(
        empty_db_url,
        "SELECT customer_id, l2_response_at IS NOT NULL, l2_response_due FROM tickets"
        " ORDER BY customer_id",
    )
    whole = await sql(empty_db_url, "SELECT * FROM tickets")
    await migrate(empty_db_url, "0009", down=True)
    downgraded = await sql(empty_db_url, "SELECT * FROM tickets")

    # The bot gives open escalated tickets their deadline at its start, on its calendar.
    assert [(c, bool(answered), due) for c, answered, due in upgraded] == [
        (7, True, None),
        (8, False, None),
        (9, False, None),
    ]
    assert len(downgraded) == 3 and len(downgraded[0]) == len(whole[0]) - 2
