"""/tickets: an agents' group's open tickets, a line each, in one Telegram message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import desk_texts
from bot.formatting import plain_text
from handoff.persian import clean_inline, duration, shorten, utf16_len
from handoff.sla import is_overdue
from handoff.texts import TIER, UNKNOWN_CUSTOMER
from handoff.topics import ticket_link
from storage.models import Customer, Ticket
from storage.repositories import count_open_tickets, list_customers, list_open_tickets
from storage.timestamps import utcnow

TICKETS_LISTED = 30
# Tickets /tickets lists in an agents' group that left it for the L2 group's (after its own).
LEFT_LISTED = 10
# /tickets' whole message, in UTF-16 units as Telegram counts it (4096), less room for the
# line saying how many more are open; and the most of a holder's name a line shows.
TICKETS_LIST_MAX = 4096 - 64
HOLDER_LISTED = 24


async def open_tickets(session: AsyncSession, chat_id: int | None) -> str:
    """/tickets: the open tickets of agents' group `chat_id` (None: every group's), oldest
    unanswered first, linked to their topics; then those that left the group for the L2
    group's and are open there (its agents still answer for them to the customer)."""
    own = await list_open_tickets(session, agent_chat_id=chat_id, limit=TICKETS_LISTED)
    left = (
        []
        if chat_id is None
        else await list_open_tickets(session, left_chat_id=chat_id, limit=LEFT_LISTED)
    )
    if not own and not left:
        return desk_texts.NO_OPEN_TICKETS
    ids = {ticket.customer_id for ticket in (*own, *left)}
    customers = {c.id: c for c in await list_customers(session, ids=ids)}
    # Room kept for the second section's title and its «and so many more» line.
    keep = utf16_len(plain_text(desk_texts.LEFT_FOR_L2_TITLE)) + 66 if left else 0
    if own:
        lines = await _ticket_section(
            desk_texts.OPEN_TICKETS_TITLE,
            own,
            customers,
            TICKETS_LIST_MAX - keep,
            lambda: count_open_tickets(session, agent_chat_id=chat_id),
            TICKETS_LISTED,
        )
    else:
        lines = [desk_texts.NO_OPEN_TICKETS_HERE]
    if left:
        used = utf16_len(plain_text("\n".join(lines))) + 1
        lines += await _ticket_section(
            desk_texts.LEFT_FOR_L2_TITLE,
            left,
            customers,
            TICKETS_LIST_MAX - used,
            lambda: count_open_tickets(session, left_chat_id=chat_id),
            LEFT_LISTED,
        )
    return "\n".join(lines)


async def _ticket_section(
    title: str,
    tickets: list[Ticket],
    customers: dict[int, Customer],
    room: int,
    count: Callable[[], Awaitable[int]],
    limit: int,
) -> list[str]:
    """A titled part of /tickets: as many lines as `room` holds (in UTF-16 units, as Telegram
    counts: links by their words), then how many more are open (`count`, asked only when
    `limit` lines were read: there may be more)."""
    now = utcnow()
    lines = [title]
    room -= utf16_len(plain_text(title))
    for ticket in tickets:
        line = _open_ticket_line(ticket, customers.get(ticket.customer_id), now)
        room -= 1 + utf16_len(plain_text(line))
        if room < 0:
            break  # the rest are counted on the last line
        lines.append(line)
    listed = len(lines) - 1
    if listed < len(tickets) or len(tickets) == limit:
        total = await count() if len(tickets) == limit else len(tickets)
        if total > listed:
            lines.append(desk_texts.more_open_tickets(total - listed))
    return lines


def _open_ticket_line(ticket: Ticket, customer: Customer | None, now: datetime) -> str:
    """A ticket's line in /tickets, from the ticket and its customer alone (no query). A
    customer nothing reaches is said so instead of how long they wait, and no deadline is
    said passed for them: as on the card and in the overdue alerts, no answer can reach them."""
    # Cleaned as on the card: a name's bidi override would turn the rest of its line.
    name = shorten(clean_inline(customer.full_name if customer else None), 40)
    blocked = ticket.customer_blocked
    waiting = (
        duration(now - ticket.awaiting_reply_since)
        if ticket.awaiting_reply_since is not None and not blocked
        else None
    )
    tier = customer.tier if customer is not None else "standard"
    return desk_texts.open_ticket_line(
        ticket_link(ticket.id, ticket.agent_chat_id, ticket.thread_id),
        name or UNKNOWN_CUSTOMER,
        waiting,
        ticket.status == "waiting",
        tier=TIER.get(tier, tier) if tier != "standard" else None,
        l2=ticket.level >= 2,
        holder=shorten(clean_inline(ticket.claimed_by_name), HOLDER_LISTED) or None,
        unreachable=blocked,
        no_topic=ticket.thread_id is None,
        overdue=not blocked and is_overdue(ticket, now),  # the first response's, or L2's
    )
