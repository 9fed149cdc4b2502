"""Migration 0013: the log keeps who wrote each message the customer was sent (an agent, by
id and name, or the bot), and the link of an agent's message to its copy names the agent."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from tests.storage.migrating import add_customer_row, migrate, sql

_TICKET = (
    "INSERT INTO tickets (customer_id, status, level, priority, reason, question, tried,"
    " agent_chat_id, opened_at, customer_blocked) VALUES"
    " (7, 'open', 1, 'normal', 'asked', 'چاپگر کار نمی‌کند', '[]', -100, '2026-11-01 00:00:00',"
    " false)"
)
_MESSAGE = (
    "INSERT INTO messages (customer_id, ticket_id, direction, kind, text, chat_id, created_at"
    "{columns}) VALUES (7, 1, '{direction}', 'text', '{text}', 7, '2026-11-01 00:00:00'{values})"
)
_LINK = (
    "INSERT INTO message_links (ticket_id, customer_chat_id, customer_message_id,"
    " agent_chat_id, agent_message_id, direction, forwarded, created_at) VALUES"
    " (1, 7, 42, -100, 9, 'to_customer', false, '2026-11-01 00:00:00')"
)


async def _seed_0012(url: str) -> None:
    """A ticket whose customer asked and was answered (by an agent or the bot: not kept)."""
    await add_customer_row(url)
    await sql(url, _TICKET)
    for direction, text in (("in", "چاپگر کار نمی‌کند"), ("out", "کابل را عوض کنید")):
        await sql(url, _MESSAGE.format(direction=direction, text=text, columns="", values=""))
    await sql(url, _LINK)


def _authored(author: str, agent_id: str = "NULL", agent_name: str = "NULL") -> str:
    return _MESSAGE.format(
        direction="out",
        text="پاسخ",
        columns=", author, agent_id, agent_name",
        values=f", {author}, {agent_id}, {agent_name}",
    )


async def test_upgrade_keeps_the_log_whose_writers_it_never_knew_without_one(
    empty_db_url: str,
) -> None:
    await migrate(empty_db_url, "0012")
    await _seed_0012(empty_db_url)

    await migrate(empty_db_url, "head")

    logged = await sql(
        empty_db_url, "SELECT direction, text, author, agent_id, agent_name FROM messages"
    )
    assert logged == [
        ("in", "چاپگر کار نمی‌کند", None, None, None),
        ("out", "کابل را عوض کنید", None, None, None),  # not guessed: the agent's or the bot's
    ]
    links = await sql(empty_db_url, "SELECT customer_message_id, agent_id FROM message_links")
    assert links == [(42, None)]
    await sql(empty_db_url, _authored("'agent'", "5", "'سارا'"))
    await sql(empty_db_url, _authored("'bot'"))
    authors = await sql(empty_db_url, "SELECT author, agent_id, agent_name FROM messages")
    assert authors[2:] == [("agent", 5, "سارا"), ("bot", None, None)]
    with pytest.raises(IntegrityError):  # an author is one of the two
        await sql(empty_db_url, _authored("'someone'"))


async def test_downgrade_drops_the_writers_and_keeps_the_log(empty_db_url: str) -> None:
    await migrate(empty_db_url, "0012")
    await _seed_0012(empty_db_url)
    await migrate(empty_db_url, "head")
    await sql(empty_db_url, _authored("'agent'", "5", "'سارا'"))

    await migrate(empty_db_url, "0012", down=True)

    logged = await sql(empty_db_url, "SELECT * FROM messages")
    assert [row[5] for row in logged] == ["چاپگر کار نمی‌کند", "کابل را عوض کنید", "پاسخ"]
    assert len(logged[0]) == 11  # the columns before 0013
    links = await sql(empty_db_url, "SELECT * FROM message_links")
    assert len(links) == 1 and len(links[0]) == 10
