"""The conversation so far, as a new topic shows it (the L2 group's, or one made again after
an agent deleted the old): the messages copied again from the customer's chat, each run of
them under who wrote it, with the internal notes kept and the guides sent in their place (a
note's screenshot or file copied from the agents' chat it was written in).

Every copy comes from the customer's chat, sent there by the bot: without a word before
them, an expert could not tell the customer's messages from the first-line agent's replies,
nor one agent's from another's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import desk_texts
from bot.formatting import MESSAGE_LIMIT, shown_length
from handoff.persian import clean_block, clean_inline, shorten
from handoff.texts import UNKNOWN_AGENT
from storage.models import Message, MessageLink, TicketEvent
from storage.repositories import (
    ALBUM_MAX,
    ARTICLE_SENT,
    HistoryGroup,
    recent_history,
    ticket_events,
)

# The audit-trail entry of a message that did not reach the other side (handoff.service).
UNDELIVERED = "relay_failed"
# The most of a note the history shows (notes are kept up to 4000 characters); and of a name.
NOTE_SHOWN_MAX = 3000
NAME_SHOWN_MAX = 64
TITLE_SHOWN_MAX = 200


@dataclass(frozen=True, slots=True)
class Copy:
    """Copy a message (an album whole) again; `label`, posted just before it, says whose
    messages begin there (None: the same side as the copy before it)."""

    group: HistoryGroup
    label: str | None


@dataclass(frozen=True, slots=True)
class Post:
    """Post a note kept or a guide sent (HTML), where it came in the conversation."""

    html: str


@dataclass(frozen=True, slots=True)
class Kept:
    """Copy a message kept in an agents' chat (a note's screenshot or file; an album whole,
    `message_ids` in order) under `heading` (HTML); `fallback` (HTML) says it in words where
    it can no longer be copied (deleted, or with the topic it was in)."""

    chat_id: int
    message_ids: tuple[int, ...]
    heading: str
    fallback: str


Step = Copy | Post | Kept


@dataclass(frozen=True, slots=True)
class Timeline:
    """What a new topic is given, in order; how many earlier messages were left out, and how
    many notes and guides with them (both stay in the topic the ticket came from)."""

    steps: list[Step]
    left_out: int = 0
    notes_left_out: int = 0


@dataclass(frozen=True, slots=True)
class _Shown:
    """A ticket event as the history shows it, and when; `reply`: an agent's reply (that
    never reached the customer), counted with the messages when left out."""

    at: datetime
    step: Post | Kept
    reply: bool = False


async def timeline(
    session: AsyncSession, ticket_id: int, limit: int, *, customer_chat_id: int | None = None
) -> Timeline:
    """The ticket's last `limit` messages, labelled by side (an agent's by name), with the
    notes, guides and undelivered replies of the same stretch of the conversation in their
    place; with `customer_chat_id`, also (up to `limit`) the customer's messages that never
    reached the agents (sent while the ticket had no topic the bot could write in)."""
    history = await recent_history(session, ticket_id, limit)
    events = await ticket_events(session, ticket_id=ticket_id)
    if customer_chat_id is not None:
        unsent = await _never_relayed(session, events, customer_chat_id, limit)
        groups = sorted([*history.groups, *unsent], key=lambda group: group.at)
        history = replace(history, groups=groups)
    shown = _shown_events(events)
    start = history.groups[0].at if history.left_out and history.groups else None
    earlier = [item for item in shown if start is not None and item.at < start]
    pending = [item for item in shown if start is None or item.at >= start]
    steps: list[Step] = []
    # Who wrote the copy just before (None: no copy right before).
    side: tuple[bool, int | str | None] | None = None
    for group in history.groups:
        while pending and pending[0].at < group.at:
            _add_step(steps, pending.pop(0).step)
            side = None  # the next copy says again whose it is
        agent_id, name = group.agent
        # An agent is one by their id, whatever they renamed themselves to meanwhile.
        whose = (group.from_agents, agent_id if agent_id is not None else name)
        label = _label(group) if whose != side else None
        steps.append(Copy(group, label))
        side = whose
    for item in pending:
        _add_step(steps, item.step)
    replies = sum(item.reply for item in earlier)
    return Timeline(steps, history.left_out + replies, len(earlier) - replies)


async def _never_relayed(
    session: AsyncSession, events: list[TicketEvent], chat_id: int, limit: int
) -> list[HistoryGroup]:
    """The customer's last `limit` messages whose copy into the topic failed and was never
    made since (an album whole, from the log), as history to copy from their chat."""
    failed: dict[int, datetime] = {}
    for event in events:
        message_id = event.data.get("message_id")
        theirs = event.kind == UNDELIVERED and event.data.get("direction") != "to_customer"
        if theirs and isinstance(message_id, int):
            failed.setdefault(message_id, event.created_at)
    if not failed:
        return []
    linked = set(
        await session.scalars(
            select(MessageLink.customer_message_id).where(
                MessageLink.customer_chat_id == chat_id,
                MessageLink.customer_message_id.in_(failed),
            )
        )
    )
    wanted = sorted(i for i in failed if i not in linked)[-limit:]
    groups: list[HistoryGroup] = []
    for message_id in wanted:
        album = await _logged_album(session, chat_id, message_id)
        links = [
            MessageLink(
                customer_chat_id=chat_id,
                customer_message_id=item,
                media_group_id=media_group_id,
                forwarded=False,
                created_at=failed[message_id],
            )
            for item, media_group_id in album
        ]
        groups.append(HistoryGroup(links, from_agents=False))
    return groups


async def _logged_album(
    session: AsyncSession, chat_id: int, message_id: int
) -> list[tuple[int, str | None]]:
    """A message the customer sent and, if it began an album, the album's other items the
    bot took in (the log keeps each item): (message id, album id) each, in order."""
    # A private chat's id is its customer's: read through the log's index by customer (no
    # index has the chat), not the whole log.
    album = await session.scalar(
        select(Message.media_group_id)
        .where(
            Message.customer_id == chat_id,
            Message.chat_id == chat_id,
            Message.telegram_message_id == message_id,
        )
        .limit(1)
    )
    if album is None:
        return [(message_id, None)]
    rows = await session.scalars(
        select(Message.telegram_message_id).where(
            Message.customer_id == chat_id,
            Message.chat_id == chat_id,
            Message.media_group_id == album,
            Message.direction == "in",
            Message.telegram_message_id >= message_id,
        )
    )
    items = sorted({i for i in rows if i is not None} | {message_id})[:ALBUM_MAX]
    return [(item, album) for item in items]


def _label(group: HistoryGroup) -> str:
    """Whose messages begin at `group`: the customer's, or the agent's who wrote them (by
    name; «کارشناس» alone when linked before links kept whose they were)."""
    if not group.from_agents:
        return desk_texts.HISTORY_CUSTOMER
    name = shorten(clean_inline(group.agent[1]), NAME_SHOWN_MAX)
    return desk_texts.history_agent(name) if name else desk_texts.HISTORY_AGENT


def _shown_events(events: list[TicketEvent]) -> list[_Shown]:
    """The notes, the guides sent and the replies that never reached the customer, as the
    history shows them, oldest first."""
    names = agent_names(events)
    shown: list[_Shown] = []
    for event in events:
        if event.kind == "note":
            note = _note(event, names)
            if note is not None:
                shown.append(_Shown(event.created_at, note))
        elif event.kind == UNDELIVERED and event.data.get("direction") == "to_customer":
            shown.append(_Shown(event.created_at, _undelivered(event, names), reply=True))
        elif event.kind == ARTICLE_SENT:
            shown_title = shorten(clean_inline(guide_title(event)), TITLE_SHOWN_MAX)
            shown.append(_Shown(event.created_at, Post(desk_texts.history_article(shown_title))))
    return shown


def _note(event: TicketEvent, names: dict[int | None, str]) -> Post | Kept | None:
    """A note as the history shows it: its words; a screenshot or file it was written under,
    copied under its writer's name (its words alone once the file is gone)."""
    written = note_words(event)
    text = shorten(clean_block(written), NOTE_SHOWN_MAX)
    name = shorten(writer(event, names) or UNKNOWN_AGENT, NAME_SHOWN_MAX)
    kept = _kept_messages(event.data)
    if kept is None:  # typed, or kept before its file was (its words are all there is)
        return Post(desk_texts.history_note(name, text)) if text else None
    fallback = desk_texts.history_note(name, text or desk_texts.HISTORY_NOTE_FILE_GONE)
    return Kept(*kept, desk_texts.history_note_heading(name), fallback)


def _undelivered(event: TicketEvent, names: dict[int | None, str]) -> Post | Kept:
    """An agent's reply that never reached the customer: its writer and its words; more
    than words (a photo, a file), copied from the agents' chat under that line (its words
    alone once it can no longer be copied)."""
    name = shorten(names.get(event.actor_id) or UNKNOWN_AGENT, NAME_SHOWN_MAX)
    text = shorten(clean_block(str(event.data.get("text") or "")), NOTE_SHOWN_MAX)
    # Copied when more than words, or when its words were not kept (a reply on its way when
    # an older release stopped: its plan kept no words, the failure only where it is).
    copied = event.data.get("media") or not text
    kept = _kept_messages(event.data) if copied else None
    if kept is None:
        return Post(desk_texts.history_undelivered(name, text))
    fallback = desk_texts.history_undelivered(name, text or desk_texts.HISTORY_REPLY_FILE_GONE)
    return Kept(*kept, desk_texts.history_undelivered(name), fallback)


def _kept_messages(data: dict[str, Any]) -> tuple[int, tuple[int, ...]] | None:
    """The agents' chat and the message ids an event keeps (None: it keeps none)."""
    chat, ids = data.get("chat_id"), data.get("message_ids")
    if not isinstance(chat, int) or not isinstance(ids, list) or not ids:
        return None
    if not all(isinstance(i, int) for i in ids):
        return None
    return chat, tuple(sorted(set(ids)))  # one call copies them in increasing order


def writer(event: TicketEvent, names: dict[int | None, str]) -> str:
    """Who wrote a note (the name kept with it) or did what an event logs (its agent's
    name, from agent_names); "" when none is known."""
    return clean_inline(event.data.get("agent_name")) or names.get(event.actor_id) or ""


def note_words(event: TicketEvent) -> str:
    """A note's words, less the «!» that made it one."""
    return str(event.data.get("text") or "").lstrip("!")


def guide_title(event: TicketEvent) -> str:
    """The title of a guide an agent sent (its id, logged before titles were)."""
    return str(event.data.get("title") or event.data.get("article_id") or "")


def agent_names(events: list[TicketEvent]) -> dict[int | None, str]:
    """Each agent's name as the ticket's events last give it (a note or an escalation logged
    before they kept their agent's name is named after what the same agent did: a claim)."""
    names: dict[int | None, str] = {}
    for event in events:
        name = clean_inline(event.data.get("agent_name"))
        if name and event.actor_id is not None:
            names[event.actor_id] = name
    return names


def _add_step(steps: list[Step], step: Post | Kept) -> None:
    """Add a post, in one message with the post before it while that holds both; or a copy
    of a kept message."""
    last = steps[-1] if steps else None
    if isinstance(step, Post) and isinstance(last, Post):
        joined = f"{last.html}\n\n{step.html}"
        # One message while it holds both: the group's budget is about twenty a minute.
        if shown_length(joined) <= MESSAGE_LIMIT:
            steps[-1] = Post(joined)
            return
    steps.append(step)
