"""The ticket's whole conversation so far, read from the interaction log, as the file an L2
topic gets when its history is cut (handoff.transcript renders it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from html import unescape

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.history import UNDELIVERED, agent_names, guide_title, note_words, writer
from handoff.persian import clean_inline, shorten
from handoff.service import MESSAGE_EDITED
from handoff.texts import TRANSCRIPT_BOT, UNKNOWN_AGENT, UNKNOWN_CUSTOMER
from handoff.transcript import Entry, Side, render_transcript
from storage.models import Message, TicketEvent
from storage.repositories import ARTICLE_SENT, get_customer, get_ticket, ticket_events

NAME_MAX = 64
# The tags the bot's own messages carry (Telegram's HTML); an agent's words are logged as
# typed, and «<نام چاپگر>» in them is words.
_BOT_TAGS = re.compile(
    r"</?(?:b|strong|i|em|u|ins|s|strike|del|a|code|pre|blockquote|tg-spoiler|tg-emoji|span)"
    r"(?:\s[^<>]*)?>"
)


@dataclass(frozen=True, slots=True)
class Transcript:
    """The file: its name, its bytes (UTF-8 HTML), and how many entries it holds."""

    filename: str
    content: bytes
    entries: int


async def transcript(session: AsyncSession, ticket_id: int) -> Transcript | None:
    """The ticket's conversation as a file: its messages both ways (what the customer was
    told under whose it was: the agent's name, or the bot; neither for what was logged
    before the log kept it), the notes kept, the guides sent and the replies that never
    arrived, oldest first. None for a ticket not found."""
    ticket = await get_ticket(session, ticket_id)
    if ticket is None:
        return None
    customer = await get_customer(session, ticket.customer_id)
    name = shorten(clean_inline(customer.full_name if customer else ""), NAME_MAX)
    messages = await session.scalars(
        select(Message)
        .where(Message.ticket_id == ticket_id)
        .order_by(Message.created_at, Message.id)
    )
    entries = [_said(message) for message in messages]
    for event in _events(await ticket_events(session, ticket_id=ticket_id)):
        if event.side != "undelivered" or not _mark_undelivered(entries, event):
            entries.append(event)
    entries.sort(key=lambda entry: entry.at)  # stable: a message before an event logged with it
    page = render_transcript(ticket_id, name or UNKNOWN_CUSTOMER, entries)
    return Transcript(f"ticket-{ticket_id}.html", page.encode("utf-8"), len(entries))


def _said(message: Message) -> Entry:
    if message.direction == "in":
        return Entry(message.created_at, "customer", message.text or "", message.kind)
    # What the bot says is logged as the HTML sent, an agent's words escaped alike (before
    # this release, as typed: their look-alike tags kept, so only the bot's own go).
    words = unescape(_BOT_TAGS.sub("", message.text or ""))
    return Entry(message.created_at, "to_customer", words, message.kind, by=_author(message))


def _author(message: Message) -> str:
    """Who wrote a message to the customer, as the file names them: the agent, or the bot;
    "" when the log does not say (logged before it kept whose it was)."""
    if message.author == "bot":
        return TRANSCRIPT_BOT
    if message.author == "agent":
        return shorten(clean_inline(message.agent_name), NAME_MAX) or UNKNOWN_AGENT
    return ""


def _mark_undelivered(entries: list[Entry], failed: Entry) -> bool:
    """Mark the reply that never arrived where it is listed (logged when it was written,
    before it failed), with whose it was; False when it is not listed."""
    for n in range(len(entries) - 1, -1, -1):
        entry = entries[n]
        if entry.side == "to_customer" and entry.at <= failed.at and entry.text == failed.text:
            entries[n] = replace(entry, side="undelivered", by=failed.by or entry.by)
            return True
    return False


def _events(events: list[TicketEvent]) -> list[Entry]:
    names = agent_names(events)
    entries: list[Entry] = []
    for event in events:
        name = writer(event, names)
        if event.kind == "note":
            by = name or UNKNOWN_AGENT
            entries.append(Entry(event.created_at, "note", note_words(event), by=by))
        elif event.kind == ARTICLE_SENT:
            # Its words are logged as the bot's message: this line says which agent sent it.
            entries.append(Entry(event.created_at, "guide", guide_title(event), by=name))
        elif event.kind == MESSAGE_EDITED:
            by_customer = event.data.get("direction") == "to_agents"
            side: Side = "customer" if by_customer else "to_customer"
            said = str(event.data.get("text") or "")
            # Only its writer edits a message: an agent's edit names them.
            by = "" if by_customer else name
            entries.append(Entry(event.created_at, side, said, kind="edit", by=by))
        elif event.kind == UNDELIVERED and event.data.get("direction") == "to_customer":
            said = str(event.data.get("text") or "")
            entries.append(Entry(event.created_at, "undelivered", said, by=name))
    return entries
