"""Carry out an update's effects in Telegram, with the retry rule each effect's delivery allows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InputFile, MessageEntity, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot import desk_texts, texts
from bot.desk_card import card_markup
from bot.effects import (
    INPUT_MEDIA,
    AnswerCallback,
    BestEffort,
    CloseTopic,
    CopyKept,
    Durable,
    EditCard,
    MirrorEdit,
    OpenTopic,
    PostCard,
    Relay,
    RemoveButtons,
    RenameTopic,
    ReopenTopic,
    SendText,
    SendTranscript,
    ToCustomer,
)
from bot.formatting import plain_text
from bot.history import Copy, Kept, Post, agent_names, timeline
from bot.migration import record_migration
from bot.pacing import Admission
from bot.queries import history_kept_key, history_label_key, topics_off_key
from bot.send_gate import SendGate
from bot.telegram_errors import (
    backoff,
    copy_source_deleted,
    failure_reason,
    retry_later_if_worth_it,
    retry_seconds,
    topics_off,
    worth_retrying,
)
from bot.ticket_locks import TicketLocks
from bot.transcript import transcript
from handoff import service as handoff_service
from handoff.card import CARD_LIMIT, AskedBefore, Escalation, render_card
from handoff.hours import SupportCalendar
from handoff.persian import utf16_len
from handoff.topics import ticket_link, topic_name
from storage.models import Customer, MessageLink, Ticket, TicketEvent
from storage.repositories import (
    add_ticket_event,
    customer_history,
    find_link_by_agent_message,
    get_customer,
    get_ticket,
    kv_add,
    kv_delete,
    kv_get,
    kv_set,
    link_messages,
    set_card_message,
    set_ticket_topic,
    ticket_events,
)
from storage.timestamps import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
S = TypeVar("S")

# Attempts at a reply (bot.pipeline) and at a durable call before giving up on it.
IMMEDIATE_ATTEMPTS = 4
# A best-effort call Telegram refuses with 429 is tried this many times in all; a button's
# answer only while the press is fresh (Telegram forgets a query after some seconds).
BEST_EFFORT_ATTEMPTS = 3
CALLBACK_ANSWER_WITHIN = 10.0
DURABLE_ATTEMPTS = 8
# Media a spoiler can cover and a caption can sit above.
_SHOWN_MEDIA = frozenset({"photo", "video", "animation"})
# Messages re-posted into a recreated topic.
HISTORY_ON_RECREATE = 20

Record = Callable[[AsyncSession], Awaitable[None]]


async def _ticket_and_customer(
    session: AsyncSession, ticket_id: int
) -> tuple[Ticket, Customer] | None:
    ticket = await get_ticket(session, ticket_id)
    customer = await get_customer(session, ticket.customer_id) if ticket else None
    return (ticket, customer) if ticket is not None and customer is not None else None


async def _escalation(session: AsyncSession, ticket: Ticket) -> Escalation | None:
    """Who sent the ticket to second line (its latest escalation), when, and why."""
    events = await ticket_events(session, ticket_id=ticket.id)
    escalated = [event for event in events if event.kind == "escalated"]
    if not escalated:
        return None
    last = escalated[-1]
    named = last.data.get("agent_name") or agent_names(events).get(last.actor_id) or ""
    return Escalation(str(named), last.created_at, str(last.data.get("note") or ""))


async def _made_again_since_escalated(session: AsyncSession, ticket_id: int) -> bool:
    """Whether the ticket's topic was made again since it was escalated (an agent deleted
    the new topic): that topic got the history up to then, with its end line, of its own."""
    latest = await session.scalar(
        select(TicketEvent.kind)
        .where(
            TicketEvent.ticket_id == ticket_id,
            TicketEvent.kind.in_(("escalated", "topic_recreated")),
        )
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    return latest == "topic_recreated"


def _marked_topic_name(ticket: Ticket, customer_name: str | None) -> str:
    """The name of a ticket's topic in the agents' group it was opened in: marked L2 once
    escalated there (the L2 group's own topics need no mark, see _open_topic)."""
    mark = desk_texts.L2_TOPIC_MARK if ticket.level >= 2 else ""
    return topic_name(ticket.id, customer_name, ticket.question, mark=mark)


def paired(sources: Sequence[S], copies: Sequence[int], ticket_id: int) -> list[tuple[S, int]]:
    """Each message of a group copied in one call with its copy. Telegram skips a message it
    cannot find (deleted since) and says not which: paired by position, an edit or a reply
    would then reach the wrong copy, so such a group is left unlinked."""
    if len(sources) != len(copies):
        log.warning(
            "ticket %s: %d of %d messages copied; their copies are not linked",
            ticket_id,
            len(copies),
            len(sources),
        )
        return []
    return list(zip(sources, copies, strict=True))


def _undelivered(effect: ToCustomer) -> handoff_service.Undelivered:
    """What the audit trail keeps of an agent's reply that never reached the customer."""
    return handoff_service.Undelivered(
        agent_id=effect.agent_id,
        chat_id=effect.from_chat_id,
        message_ids=(effect.message_id, *effect.album),
        text=effect.words,
        media=bool(effect.media),  # None in a plan stored before it
    )


AskedBeforeReader = Callable[[AsyncSession, Ticket], Awaitable[Sequence[AskedBefore]]]


class Executor:
    """Perform effects against the Bot API and record durable results."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        *,
        asked_before: AskedBeforeReader | None = None,
        calendar: SupportCalendar | None = None,
        supervisor_chat_id: int | None = None,
        l2_chat_id: int | None = None,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        # Who is told when a desk group turns its Topics off, and which setting names it.
        self.supervisor_chat_id = supervisor_chat_id
        self.l2_chat_id = l2_chat_id
        # Desk groups where Topics worked since they were last found off there (or since the
        # start): their "Topics are off" mark is cleared already (_topics_work).
        self._topics_seen_on: set[int] = set()
        # Desk groups whose Topics were found working again: told once the record commits.
        self._topics_back: set[int] = set()
        self.calendar = calendar  # the desk's open hours, for the time a card says is left
        self.gate = SendGate()
        self.tickets = TicketLocks()
        # What else a ticket's customer asked just before it, for its card (bot.tickets).
        self.asked_before = asked_before
        # Tickets whose card must be redrawn once a durable effect's record is committed.
        self._redraw_after_record: set[int] = set()
        # Notices to post (chat, topic, HTML) once a ticket's durable effect is recorded.
        self._post_after_record: dict[int, tuple[int, int, str]] = {}

    async def _gated(self, chat_id: int | None, call: Callable[[], Awaitable[T]]) -> T:
        """Make one call to `chat_id` once its pause is over; a 429 pauses it (and raises)."""
        await self.gate.wait(chat_id)
        try:
            return await call()
        except RetryAfter as error:
            self.gate.pause(retry_seconds(error), chat_id)
            raise

    async def _call(
        self, call: Callable[[], Awaitable[T]], *, attempts: int, chat_id: int | None
    ) -> T:
        """Call with retries for failures known to be transient (at-least-once effects)."""
        for attempt in range(attempts):
            try:
                return await self._gated(chat_id, call)
            except TelegramError as error:
                if attempt + 1 >= attempts or not worth_retrying(error):
                    raise
                delay = backoff(error, attempt)
                log.warning("%s; retrying in %.1fs", type(error).__name__, delay)
                if not isinstance(error, RetryAfter):  # a 429's wait is the gate's
                    await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    # -- best effort ---------------------------------------------------------------------------

    async def best_effort(self, effect: BestEffort) -> None:
        """Answer a button, remove buttons, edit a card or a copy; a failure only gets logged.
        A 429 (nothing done) is waited out and tried again: a card left saying «open» after
        a claim would mislead every agent who reads it."""
        for attempt in range(BEST_EFFORT_ATTEMPTS):
            try:
                await self._best_effort_once(effect)
                return
            except RetryAfter as error:  # its chat is paused already (_gated)
                wait = retry_seconds(error)
                late = isinstance(effect, AnswerCallback) and wait > CALLBACK_ANSWER_WITHIN
                if late or attempt + 1 == BEST_EFFORT_ATTEMPTS:
                    log.info("%s skipped: rate limited", type(effect).__name__)
                    return
            except TelegramError as error:
                log.info("%s failed: %s", type(effect).__name__, error.message)
                if isinstance(effect, MirrorEdit):
                    await self._edit_not_mirrored(effect, error)
                return

    async def _best_effort_once(self, effect: BestEffort) -> None:
        if isinstance(effect, AnswerCallback):
            await self._gated(
                None,  # the user's screen, in no chat of ours
                lambda: self.bot.answer_callback_query(
                    effect.query_id, text=effect.text, show_alert=effect.alert
                ),
            )
        elif isinstance(effect, RemoveButtons):
            await self._gated(
                effect.chat_id,
                lambda: self.bot.edit_message_reply_markup(
                    chat_id=effect.chat_id, message_id=effect.message_id, reply_markup=None
                ),
            )
        elif isinstance(effect, MirrorEdit):
            await self._gated(effect.chat_id, lambda: self._mirror_edit(effect))
        else:
            async with self.tickets.hold(effect.ticket_id):  # read, draw, edit: in turn
                await self._topic_change(effect)

    async def _mirror_edit(self, effect: MirrorEdit) -> None:
        # No parse mode: the edited words arrive as typed, never as markup; their bold, links
        # and the like come as entities, as in the message edited.
        entities = [MessageEntity.de_json(data, self.bot) for data in effect.entities]
        if effect.media_kind is not None and effect.file_id is not None:
            # The file may have been replaced: the copy gets the file the message has now.
            shown = (
                {"has_spoiler": effect.spoiler, "show_caption_above_media": effect.caption_above}
                if effect.media_kind in _SHOWN_MEDIA
                else {}
            )
            media = INPUT_MEDIA[effect.media_kind](
                media=effect.file_id,
                caption=effect.text or None,
                caption_entities=entities or None,
                **shown,
            )
            await self.bot.edit_message_media(
                chat_id=effect.chat_id, message_id=effect.message_id, media=media
            )
        elif effect.caption:
            await self.bot.edit_message_caption(
                chat_id=effect.chat_id,
                message_id=effect.message_id,
                caption=effect.text,
                caption_entities=entities or None,
            )
        else:
            await self.bot.edit_message_text(
                chat_id=effect.chat_id,
                message_id=effect.message_id,
                text=effect.text,
                entities=entities or None,
            )

    async def _edit_not_mirrored(self, effect: MirrorEdit, error: TelegramError) -> None:
        """Say, under the edited message, that its copy did not take the edit: the one who
        made it believed the other side read the new words, which went nowhere."""
        if effect.told_chat_id is None or "not modified" in error.message.lower():
            return
        html = effect.told_html or desk_texts.edit_not_delivered(failure_reason(error))
        await self.post(
            effect.told_chat_id, html, effect.told_thread_id, reply_to=effect.told_reply_to
        )

    async def _topic_change(
        self, effect: EditCard | CloseTopic | ReopenTopic | RenameTopic
    ) -> None:
        """Bring the card or the topic in line with the ticket as the database has it now."""
        if isinstance(effect, CloseTopic) and effect.chat_id and effect.thread_id:
            chat_id, thread_id = effect.chat_id, effect.thread_id
            await self._gated(
                chat_id,
                lambda: self.bot.close_forum_topic(chat_id=chat_id, message_thread_id=thread_id),
            )
            return
        if isinstance(effect, EditCard) and effect.chat_id and effect.message_id:
            await self._edit_left_card(effect.ticket_id, effect.chat_id, effect.message_id)
            return
        if isinstance(effect, EditCard):
            await self._edit_card(effect.ticket_id)
            return
        loaded = await self._load_with_customer(effect.ticket_id)
        if loaded is None:
            return
        ticket, customer = loaded
        if ticket.thread_id is None:
            return
        chat_id, thread_id = ticket.agent_chat_id, ticket.thread_id
        change: Callable[[], Awaitable[bool]]
        if isinstance(effect, CloseTopic):
            change = partial(self.bot.close_forum_topic, chat_id, thread_id)
        elif isinstance(effect, ReopenTopic):
            change = partial(self.bot.reopen_forum_topic, chat_id, thread_id)
        else:
            name = await self._topic_name(ticket, customer.full_name)
            change = partial(self.bot.edit_forum_topic, chat_id, thread_id, name=name)
        await self._gated(chat_id, change)

    async def _edit_card(self, ticket_id: int) -> None:
        loaded = await self._load_card(ticket_id)
        if loaded is None:
            return
        ticket, html = loaded
        if ticket.thread_id is None or ticket.card_message_id is None:
            return
        try:
            await self._gated(
                ticket.agent_chat_id,
                lambda: self.bot.edit_message_text(
                    chat_id=ticket.agent_chat_id,
                    message_id=ticket.card_message_id,
                    text=html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=card_markup(ticket),
                ),
            )
        except BadRequest as error:
            said = error.message.lower()
            if "message to edit not found" in said:
                await self._card_again(ticket, html)
                return
            if "not modified" not in said:
                raise

    async def _card_again(self, ticket: Ticket, html: str) -> None:
        """Post the card again where someone deleted it (a topic tidied by hand): its buttons
        and what it tells of the customer and the deadline went with it, and every later
        redraw would fail the same way, at the cost of the group's budget. The new card is
        the ticket's from now on."""
        chat_id, thread_id = ticket.agent_chat_id, ticket.thread_id
        log.info("ticket %s: its card was deleted; posting it again", ticket.id)
        card = await self._gated(
            chat_id,
            lambda: self.bot.send_message(
                chat_id=chat_id,
                message_thread_id=thread_id,
                text=html,
                parse_mode=ParseMode.HTML,
                reply_markup=card_markup(ticket),
            ),
        )
        async with self.sessions.begin() as session:
            await set_card_message(session, ticket.id, card_message_id=card.message_id)

    async def _edit_left_card(self, ticket_id: int, chat_id: int, message_id: int) -> None:
        """Draw the card a ticket left behind for the L2 group's once more, as the ticket is
        now (at L2), under a line linking its new topic and saying this card is no longer
        kept up to date, without buttons: its last reading (level 1, «در دست …») misled
        whoever opened the old topic. Run after the new topic and card: a ticket the L2
        group refused is back in this chat with a new card, and this one only loses its
        buttons."""
        loaded = await self._load_card(ticket_id)
        if loaded is None:
            return
        ticket, card = loaded
        if ticket.agent_chat_id == chat_id:
            await self._gated(
                chat_id,
                lambda: self.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=None
                ),
            )
            return
        where = ticket_link(ticket.id, ticket.agent_chat_id, ticket.thread_id)
        html = f"{desk_texts.left_card_moved(where)}\n\n{card}"
        if utf16_len(plain_text(html)) > CARD_LIMIT:  # a question as long as the card holds
            html = card  # its title and status still say L2
        await self._gated(
            chat_id,
            lambda: self.bot.edit_message_text(
                chat_id=chat_id,
                message_id=message_id,
                text=html,
                parse_mode=ParseMode.HTML,
                reply_markup=None,
            ),
        )

    async def notice(self, ticket: Ticket, html: str) -> None:
        """Post a notice into the ticket's topic (best effort: it reports, it must not fail)."""
        if ticket.thread_id is not None:
            await self._post_notice(ticket, html, ticket.thread_id)

    async def _post_notice(self, ticket: Ticket, html: str, thread_id: int | None) -> None:
        """Post into the agents' group: a topic, or (None) outside any, in its General."""
        if not await self.post(ticket.agent_chat_id, html, thread_id):
            log.warning("ticket %s: notice not posted", ticket.id)

    async def post(
        self, chat_id: int, html: str, thread_id: int | None = None, *, reply_to: int | None = None
    ) -> bool:
        """Post a notice or an alert, retrying what is transient (a 429 holds the chat,
        or every chat: SendGate); a failure is logged, never raised. Return whether it was sent.
        `reply_to`: the message it is about, if it is still there."""
        try:
            await self.post_or_raise(chat_id, html, thread_id, reply_to=reply_to)
        except TelegramError as error:
            log.warning("chat %s: not posted: %s", chat_id, error.message)
            return False
        return True

    async def post_or_raise(
        self, chat_id: int, html: str, thread_id: int | None = None, *, reply_to: int | None = None
    ) -> int:
        """Like `post`, but raise what still fails after the retries; return the message's id."""
        replying = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        sent = await self._call(
            lambda: self.bot.send_message(
                chat_id=chat_id,
                message_thread_id=thread_id,
                text=html,
                parse_mode=ParseMode.HTML,
                reply_parameters=replying,
            ),
            attempts=IMMEDIATE_ATTEMPTS,
            chat_id=chat_id,
        )
        return sent.message_id

    async def post_photo(self, chat_id: int, png: bytes, caption_html: str) -> int:
        """Send a picture with a caption (retried as `post_or_raise`); return its id."""
        sent = await self._call(
            lambda: self.bot.send_photo(
                chat_id=chat_id, photo=png, caption=caption_html, parse_mode=ParseMode.HTML
            ),
            attempts=IMMEDIATE_ATTEMPTS,
            chat_id=chat_id,
        )
        return sent.message_id

    # -- once ------------------------------------------------------------------------------------

    @property
    def paced(self) -> bool:
        """Whether calls may wait in a rate limiter (then `send_text` says when one leaves)."""
        return getattr(self.bot, "rate_limiter", None) is not None

    async def send_text(
        self,
        effect: SendText,
        admitted: Callable[[], Awaitable[None]] | None = None,
        undo: Callable[[], Awaitable[None]] | None = None,
    ) -> int:
        """Make one attempt at sending; fall back to plain text if Telegram rejects our HTML.
        `admitted` runs when the rate limiter lets the call go (only if `paced`); `undo` takes
        it back if Telegram refuses the call after a stop cancelled its caller.

        Return the sent message's id (0: none sent, a ticket's topic not there). RetryAfter
        and network errors propagate: the caller decides about retrying.
        """
        if effect.topic_of is not None:
            placed = await self._in_ticket_topic(effect)
            if placed is None:
                return 0
            effect = placed
        try:
            return await self._send_raw(effect, effect.html, ParseMode.HTML, admitted, undo)
        except BadRequest as error:
            if "parse" not in error.message.lower():
                raise
            # Our markup was rejected, so nothing was sent: send the words without it.
            log.error("Telegram rejected our HTML (%s); sending plain text", error.message)
            return await self._send_raw(effect, plain_text(effect.html), None, admitted, undo)

    async def _in_ticket_topic(self, effect: SendText) -> SendText | None:
        """The message placed in its ticket's topic in its chat, as the ticket has it now;
        None when it has none there (the L2 group refused the topic: the ticket stayed in
        the topic it came from, which has the notes and the messages already), or when it
        is history for a topic made again since, which has its own."""
        ticket_id = effect.topic_of
        assert ticket_id is not None
        async with self.sessions.begin() as session:
            ticket = await get_ticket(session, ticket_id)
            again = effect.history and await _made_again_since_escalated(session, ticket_id)
        if ticket is None or ticket.thread_id is None or ticket.agent_chat_id != effect.chat_id:
            log.info("ticket %s: no topic in %s for a message", ticket_id, effect.chat_id)
            return None
        if again:
            log.info("ticket %s: its topic was made again with the history; not posted", ticket_id)
            return None
        return replace(effect, thread_id=ticket.thread_id, topic_of=None)

    async def _send_raw(
        self,
        effect: SendText,
        text: str,
        parse_mode: str | None,
        admitted: Callable[[], Awaitable[None]] | None,
        undo: Callable[[], Awaitable[None]] | None = None,
    ) -> int:
        """Call sendMessage and read only the message id from the answer.

        `Bot.send_message` turns Telegram's answer (our whole 1-2 KB article back, with
        its entities and buttons) into a `Message`; nothing here uses it, and under load
        that parsing cost about a tenth of the bot's CPU. `_post` is the same call without
        it: same request, same errors raised (and the rate limiter of ExtBot still applies).
        """
        data: dict[str, Any] = {
            "chat_id": effect.chat_id,
            "text": text,
            "parse_mode": parse_mode,
            "reply_markup": effect.markup,
            "message_thread_id": effect.thread_id,
        }
        # As ExtBot's public rate_limit_args travel: it hands them to the limiter.
        limiter_args = (
            ExtBot._merge_api_rl_kwargs(None, Admission(admitted, undo))
            if admitted is not None and self.paced
            else None
        )
        result = await self.bot._post("sendMessage", data, api_kwargs=limiter_args)
        return int(result["message_id"]) if isinstance(result, dict) else 0

    # -- durable effects: at least once, results recorded ---------------------------------------

    async def durable(self, effect: Durable, *, check_done: bool) -> Record | None:
        """Perform one durable effect; return the database writes recording its result.

        `check_done` asks to look in the database first whether the effect already
        happened (a replay after a crash).
        """
        if isinstance(effect, OpenTopic):
            return await self._open_topic(effect.ticket_id)
        if isinstance(effect, PostCard):
            return await self._post_card(effect.ticket_id)
        if isinstance(effect, ToCustomer):
            return await self._to_customer(effect, check_done=check_done)
        if isinstance(effect, CopyKept):
            await self._copy_kept(effect)
            return None
        if isinstance(effect, SendTranscript):
            await self._send_transcript(effect)
            return None
        return await self._relay(effect, check_done=check_done)

    async def _load(self, ticket_id: int) -> Ticket | None:
        async with self.sessions.begin() as session:
            return await get_ticket(session, ticket_id)

    async def _load_with_customer(self, ticket_id: int) -> tuple[Ticket, Customer] | None:
        """Read a ticket and its customer in one short transaction (never across a call)."""
        async with self.sessions.begin() as session:
            return await _ticket_and_customer(session, ticket_id)

    async def _load_card(self, ticket_id: int) -> tuple[Ticket, str] | None:
        """Read a ticket, its customer and their earlier tickets in one short transaction, and
        render its card."""
        async with self.sessions.begin() as session:
            loaded = await _ticket_and_customer(session, ticket_id)
            if loaded is None:
                return None
            ticket, customer = loaded
            history = await customer_history(session, ticket)
            asked = await self.asked_before(session, ticket) if self.asked_before else ()
            escalation = await _escalation(session, ticket) if ticket.level >= 2 else None
            gone = await handoff_service.customer_deactivated(session, ticket)
        html = render_card(
            ticket,
            customer,
            now=utcnow(),
            history=history,
            asked_before=asked,
            escalation=escalation,
            deactivated=gone,
            calendar=self.calendar,
        )
        return ticket, html

    async def _open_topic(self, ticket_id: int) -> Record | None:
        loaded = await self._load_with_customer(ticket_id)
        if loaded is None or loaded[0].thread_id is not None:
            return None  # gone, or its topic exists already
        ticket, customer = loaded
        name = topic_name(ticket.id, customer.full_name, ticket.question)
        try:
            topic = await self._call(
                lambda: self.bot.create_forum_topic(chat_id=ticket.agent_chat_id, name=name),
                attempts=DURABLE_ATTEMPTS,
                chat_id=ticket.agent_chat_id,
            )
        except TelegramError as error:
            retry_later_if_worth_it(error, f"creating the topic of ticket {ticket.id}")
            if topics_off(error):
                await self._topics_off(ticket.agent_chat_id)
            left = await self._left_for_l2(ticket)
            if left is not None:  # the L2 group refuses it: it stays where it was, marked L2
                return await self._stay_in_place(ticket, customer, left, error)
            # Without a topic the agents would not see the ticket: say so where they look.
            html = desk_texts.topic_failed(ticket.id, failure_reason(error))
            await self._post_notice(ticket, html, None)
            return self._failure(ticket.id, "topic_failed", error)
        thread_id = topic.message_thread_id
        left = await self._left_for_l2(ticket) if ticket.level >= 2 else None
        if left is not None:  # the topic it left says where it went, once this is recorded
            where = ticket_link(ticket.id, ticket.agent_chat_id, thread_id)
            self._post_after_record[ticket.id] = (*left, desk_texts.l2_topic_made(where))

        async def record(session: AsyncSession) -> None:
            await set_ticket_topic(session, ticket.id, thread_id=thread_id)
            await self._topics_work(session, ticket.agent_chat_id)

        return record

    async def _topics_work(self, session: AsyncSession, chat_id: int) -> None:
        """A topic was made, or a copy reached one, in desk group `chat_id`: Topics work there
        (again), so a later switch-off is told again (the mark is cleared once a group per
        run, or after Topics were found off there: not a write a message or a hand-off)."""
        if chat_id not in self._topics_seen_on:
            if await kv_delete(session, topics_off_key(chat_id)):
                self._topics_back.add(chat_id)
            self._topics_seen_on.add(chat_id)

    async def _tell_topics_back(self) -> None:
        """Tell the log and the supervisors, who were told Topics were off in a desk group,
        that they work there again (the tickets left without a topic get one: bot.topicless)."""
        while self._topics_back:
            await self._tell_topics(self._topics_back.pop(), off=False)

    async def _topics_off(self, chat_id: int) -> None:
        """Say once, until Topics work there again, that a desk group has its Topics turned
        off: in the log (which setting, and the fix) and to the supervisors. Each ticket's
        own failure says it too, but agents can do nothing about it."""
        self._topics_seen_on.discard(chat_id)
        async with self.sessions.begin() as session:
            if not await kv_add(session, topics_off_key(chat_id), utcnow().isoformat()):
                return
        await self._tell_topics(chat_id, off=True)

    async def _tell_topics(self, chat_id: int, *, off: bool) -> None:
        l2 = chat_id == self.l2_chat_id
        setting = "L2_CHAT_ID" if l2 else "AGENT_CHAT_ID"
        if off:
            log.error(
                "%s=%s: Topics are turned off in the group, so tickets get no topic there and "
                "customers' messages reach no agent; an admin must turn Topics on in the "
                "group's settings",
                setting,
                chat_id,
            )
        else:
            log.info("%s=%s: Topics work in the group again", setting, chat_id)
        supervisors = self.supervisor_chat_id
        if supervisors is not None and supervisors != chat_id:
            said = desk_texts.topics_off(l2) if off else desk_texts.topics_back(l2)
            await self.post(supervisors, said)

    async def _topic_name(self, ticket: Ticket, customer_name: str | None) -> str:
        """The ticket's topic name where it is now: marked L2 in the agents' group it was
        escalated in, not in the L2 group it moved to (whose topics are all second line's)."""
        if ticket.level >= 2 and await self._left_for_l2(ticket) is not None:
            return topic_name(ticket.id, customer_name, ticket.question)
        return _marked_topic_name(ticket, customer_name)

    async def _left_for_l2(self, ticket: Ticket) -> tuple[int, int] | None:
        """The (chat, topic) the ticket left for the L2 group's, if it is being moved there."""
        async with self.sessions.begin() as session:
            events = await ticket_events(session, ticket_id=ticket.id, kind="escalated")
        for event in reversed(events):
            if "from_chat" in event.data and "from_thread" in event.data:
                left = int(event.data["from_chat"]), int(event.data["from_thread"])
                return left if left[0] != ticket.agent_chat_id else None
        return None

    async def _stay_in_place(
        self, ticket: Ticket, customer: Customer, left: tuple[int, int], error: TelegramError
    ) -> Record:
        """An escalation the L2 group cannot take (the bot may not make topics there): keep
        the ticket in the topic it left, reopened and marked L2, and say why. A move half
        made would leave a ticket no command reaches, its customer's messages going nowhere."""
        chat_id, thread_id = left
        reason = failure_reason(error)  # agents read it; the operator reads Telegram's words
        log.warning(
            "ticket %s: the L2 group (chat %s) refused its topic (%s); kept in its topic in "
            "chat %s",
            ticket.id,
            ticket.agent_chat_id,
            error.message,
            chat_id,
        )
        name = _marked_topic_name(ticket, customer.full_name)  # at level 2: marked L2
        for call in (
            lambda: self.bot.reopen_forum_topic(chat_id=chat_id, message_thread_id=thread_id),
            lambda: self.bot.edit_forum_topic(
                chat_id=chat_id, message_thread_id=thread_id, name=name
            ),
        ):
            try:
                await self._call(call, attempts=IMMEDIATE_ATTEMPTS, chat_id=chat_id)
            except TelegramError as failed:
                log.info("ticket %s: topic not restored: %s", ticket.id, failed.message)
        await self.post(chat_id, desk_texts.l2_refused(reason), thread_id)

        async def record(session: AsyncSession) -> None:
            # Its card there lost its buttons: the card posted next is drawn anew.
            await set_ticket_topic(session, ticket.id, thread_id=thread_id, agent_chat_id=chat_id)
            data = {"error": error.message, "kept_in": str(chat_id)}
            await add_ticket_event(session, ticket_id=ticket.id, kind="topic_failed", data=data)

        return record

    async def _post_card(self, ticket_id: int) -> Record | None:
        loaded = await self._load_card(ticket_id)
        if loaded is None or loaded[0].card_message_id is not None:
            return None
        ticket, html = loaded
        if ticket.thread_id is None:
            return None  # the topic could not be created; that failure is already recorded
        try:
            card = await self._call(
                lambda: self.bot.send_message(
                    chat_id=ticket.agent_chat_id,
                    message_thread_id=ticket.thread_id,
                    text=html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=card_markup(ticket),
                ),
                attempts=DURABLE_ATTEMPTS,
                chat_id=ticket.agent_chat_id,
            )
        except TelegramError as error:
            retry_later_if_worth_it(error, f"posting the card of ticket {ticket.id}")
            return self._failure(ticket.id, "card_failed", error)
        message_id = card.message_id

        async def record(session: AsyncSession) -> None:
            await set_card_message(session, ticket.id, card_message_id=message_id)

        return record

    async def _relay(self, effect: Relay, *, check_done: bool) -> Record | None:
        ticket = await self._load(effect.ticket_id)
        if ticket is None or (effect.history and await self._made_again(ticket.id)):
            return None  # gone; or history for a topic made again since, which has its own
        # Copied already, on a replay; or history for a topic that has it (an escalation the
        # L2 group refused keeps the ticket where its history is). A copy in another chat is
        # the one from before an escalation: the new topic still needs its own.
        if check_done or not effect.tell_customer:
            copied = await self._copy_in(
                effect.from_chat_id, effect.message_id, ticket.agent_chat_id
            )
            if copied is not None:
                return None
        if ticket.thread_id is None:  # the topic failed earlier: try to make it now, with
            # what the customer sent meanwhile (the watcher would do it, but not after this)
            if await self._recreate_topic(ticket, late=True) is not None:
                ticket = await self._load(effect.ticket_id)
            if ticket is None or ticket.thread_id is None:
                await self._tell_not_relayed(effect, None)
                return self._failure(effect.ticket_id, "relay_failed", None, effect.message_id)
        agent_chat_id, thread_id = ticket.agent_chat_id, ticket.thread_id

        sources = (effect.message_id, *effect.album)

        async def copy_once() -> list[int]:
            return await self._copy_into(
                effect.from_chat_id,
                sources,
                agent_chat_id,
                thread_id,
                forwarded=effect.forwarded,
                reply=await self._reply_in_topic(effect, agent_chat_id),
            )

        async def copy_into_topic() -> list[int]:
            return await self._call(copy_once, attempts=DURABLE_ATTEMPTS, chat_id=agent_chat_id)

        label_key = history_label_key(effect.ticket_id, agent_chat_id, effect.message_id)
        if effect.label is not None:  # whose messages begin here (history in a new topic)
            await self._label(effect.label, label_key, agent_chat_id, thread_id)
        try:
            try:
                try:
                    copy = await copy_into_topic()
                except ChatMigrated as moved:
                    # The group became a supergroup: follow it, then try there.
                    agent_chat_id = await self._follow_migration(agent_chat_id, moved.new_chat_id)
                    ticket = await self._load(ticket.id) or ticket
                    copy = await copy_into_topic()
            except BadRequest as error:
                # An agent deleted the topic: make a new one, with the card and the history.
                if "thread not found" not in error.message.lower():
                    raise
                healed = await self._recreate_topic(ticket)
                if healed is None:
                    raise
                if effect.history:  # the new topic got the history up to now, with its end
                    return self._forget_label(label_key)
                thread_id = healed
                copy = await copy_into_topic()
        except TelegramError as error:
            retry_later_if_worth_it(error, f"relaying message {effect.message_id}")
            if not effect.tell_customer and copy_source_deleted(error):
                # History copied again (to L2, a new topic): a message deleted since is no
                # failure to report, and «نرسید» in the middle of the history misled.
                await self.post(agent_chat_id, desk_texts.HISTORY_DELETED, thread_id)
                return None
            await self.notice(ticket, desk_texts.delivery_failed(failure_reason(error)))
            await self._tell_not_relayed(effect, error)
            return self._failure(effect.ticket_id, "relay_failed", error, effect.message_id)

        async def record(session: AsyncSession) -> None:
            for source, copied_id in paired(sources, copy, effect.ticket_id):
                await link_messages(
                    session,
                    ticket_id=effect.ticket_id,
                    customer_chat_id=effect.from_chat_id,
                    customer_message_id=source,
                    agent_chat_id=agent_chat_id,
                    agent_message_id=copied_id,
                    direction="to_agents",
                    media_group_id=effect.media_group_id,
                    forwarded=effect.forwarded,
                )
            if effect.label is not None:
                await kv_delete(session, label_key)
            await self._topics_work(session, agent_chat_id)

        return record

    async def _made_again(self, ticket_id: int) -> bool:
        """_made_again_since_escalated, in a short transaction of its own."""
        async with self.sessions.begin() as session:
            return await _made_again_since_escalated(session, ticket_id)

    @staticmethod
    def _forget_label(key: str) -> Record:
        """Forget where a history copy's label went (the copy will not be made)."""

        async def record(session: AsyncSession) -> None:
            await kv_delete(session, key)

        return record

    async def _label(self, label: str, key: str, chat_id: int, thread_id: int) -> None:
        """Post the label a history copy comes under, once in its topic: a copy tried again
        after a stop or a crash (its label posted, the copy not made) finds it posted (the
        topic it went to is kept under `key` until the copy is recorded)."""
        async with self.sessions.begin() as session:
            if await kv_get(session, key) == thread_id:
                return
        if await self.post(chat_id, label, thread_id):
            async with self.sessions.begin() as session:
                await kv_set(session, key, thread_id)

    async def _tell_not_relayed(self, effect: Relay, error: TelegramError | None) -> None:
        """Tell the customer, under their message, that it did not reach the agents (best
        effort): else they wait for an answer to something nobody saw."""
        if not effect.tell_customer:
            return
        uncopyable = error is not None and failure_reason(error) == desk_texts.REASON_UNCOPYABLE
        try:
            await self._call(
                lambda: self.bot.send_message(
                    chat_id=effect.from_chat_id,
                    text=texts.NOT_RELAYED_KIND if uncopyable else texts.NOT_RELAYED,
                    reply_parameters=ReplyParameters(
                        effect.message_id, allow_sending_without_reply=True
                    ),
                ),
                attempts=IMMEDIATE_ATTEMPTS,
                chat_id=effect.from_chat_id,
            )
        except TelegramError as failed:
            log.warning("ticket %s: customer not told: %s", effect.ticket_id, failed.message)

    async def _follow_migration(self, old_chat_id: int, new_chat_id: int) -> int:
        """Store the agents' group's new id (tickets and links move with it); return it."""
        log.warning("chat %s migrated to %s", old_chat_id, new_chat_id)
        async with self.sessions.begin() as session:
            await record_migration(session, old_chat_id=old_chat_id, new_chat_id=new_chat_id)
        return new_chat_id

    async def _reply_in_topic(self, effect: Relay, agent_chat_id: int) -> ReplyParameters | None:
        """What the customer's message replies to, as its copy in the ticket's topic now."""
        if effect.reply_to is None:
            return None
        copy = await self._copy_in(effect.from_chat_id, effect.reply_to, agent_chat_id)
        if copy is None:
            return None
        return ReplyParameters(copy, allow_sending_without_reply=True)

    async def _copy_in(self, chat_id: int, message_id: int, agent_chat_id: int) -> int | None:
        """The latest copy, in an agents' chat, of a message in the customer's chat (theirs,
        or the bot's copy of an agent's)."""
        async with self.sessions.begin() as session:
            copy: int | None = await session.scalar(
                select(MessageLink.agent_message_id)
                .where(
                    MessageLink.customer_chat_id == chat_id,
                    MessageLink.customer_message_id == message_id,
                    MessageLink.agent_chat_id == agent_chat_id,
                )
                .order_by(MessageLink.id.desc())
                .limit(1)
            )
        return copy

    async def open_late_topic(self, ticket_id: int) -> bool:
        """Give an open ticket that has no topic (the bot could not make topics in its agents'
        group when it was opened, or it was moved to this group) its topic now, with its card
        and the conversation so far, what its customer sent meanwhile included. Return whether
        it has one now; a refusal is only logged (tried again later, see bot.topicless)."""
        async with self.tickets.hold(ticket_id):
            ticket = await self._load(ticket_id)
            if ticket is None or ticket.status == "closed":
                return False
            if ticket.thread_id is not None:
                return True
            made = await self._recreate_topic(ticket, late=True)
        if made is not None:
            log.info("ticket %s: given its topic %s in %s", ticket_id, made, ticket.agent_chat_id)
        return made is not None

    async def _recreate_topic(self, ticket: Ticket, *, late: bool = False) -> int | None:
        """Open a new topic for a ticket whose topic is gone (`late`: that never had one
        where it is); re-post the card and recent history (`late`: with what never reached
        the agents).

        Returns the new thread id, or None when Telegram refuses a new topic too.
        """
        async with self.sessions.begin() as session:
            customer = await get_customer(session, ticket.customer_id)
        name = await self._topic_name(ticket, customer.full_name if customer else None)
        try:
            topic = await self._call(
                lambda: self.bot.create_forum_topic(chat_id=ticket.agent_chat_id, name=name),
                attempts=DURABLE_ATTEMPTS,
                chat_id=ticket.agent_chat_id,
            )
        except TelegramError as error:
            made = "opened" if late else "recreated"
            log.warning("ticket %s: topic not %s: %s", ticket.id, made, error.message)
            if topics_off(error):
                await self._topics_off(ticket.agent_chat_id)
            return None
        thread_id = topic.message_thread_id
        async with self.sessions.begin() as session:
            await handoff_service.attach_topic(
                session, ticket_id=ticket.id, thread_id=thread_id, recreated=not late
            )
            if late:
                await add_ticket_event(
                    session, ticket_id=ticket.id, kind="topic_opened", data={"late": True}
                )
            history = await timeline(
                session,
                ticket.id,
                HISTORY_ON_RECREATE,
                customer_chat_id=ticket.customer_id if late else None,
            )
            await self._topics_work(session, ticket.agent_chat_id)
        await self._tell_topics_back()
        card = await self._post_card(ticket.id)
        if card is not None:
            async with self.sessions.begin() as session:
                await card(session)
        fresh = await self._load(ticket.id) or ticket
        await self.notice(fresh, desk_texts.TOPIC_LATE if late else desk_texts.TOPIC_RECREATED)
        if history.left_out:  # the rest went with the deleted topic: the log has it all
            await self._post_transcript(fresh, thread_id, escalated=False)
        for step in history.steps:
            if isinstance(step, Post):  # a note kept, a guide sent: in its place
                await self.post(ticket.agent_chat_id, step.html, thread_id)
            elif isinstance(step, Kept):  # a note's screenshot, from the agents' chat
                await self._post_kept(ticket, thread_id, step)
            else:
                await self._copy_again(ticket, thread_id, step)
        if history.steps:
            await self.post(ticket.agent_chat_id, desk_texts.HISTORY_END, thread_id)
        return thread_id

    async def _copy_kept(self, effect: CopyKept) -> None:
        """Copy a kept message into the history of the ticket's topic in the effect's chat;
        none there (the L2 group refused the topic): the topic the ticket stayed in has it."""
        ticket = await self._load(effect.ticket_id)
        if ticket is None or ticket.thread_id is None or ticket.agent_chat_id != effect.chat_id:
            log.info(
                "ticket %s: no topic in %s for a note's file", effect.ticket_id, effect.chat_id
            )
            return
        if await self._made_again(ticket.id):  # that topic got the history, with its end line
            return
        kept = Kept(effect.from_chat_id, effect.message_ids, effect.heading, effect.fallback)
        await self._post_kept(ticket, ticket.thread_id, kept, durable=True)

    async def _send_transcript(self, effect: SendTranscript) -> None:
        """Send the ticket's conversation as a file into its topic in the effect's chat; none
        there (the L2 group refused it), or made again since (with its own): nothing."""
        ticket = await self._load(effect.ticket_id)
        if ticket is None or ticket.thread_id is None or ticket.agent_chat_id != effect.chat_id:
            return
        if not await self._made_again(ticket.id):
            await self._post_transcript(ticket, ticket.thread_id, escalated=True)

    async def _post_transcript(self, ticket: Ticket, thread_id: int, *, escalated: bool) -> None:
        """Post the ticket's whole conversation so far as an HTML file into a topic (an
        expert of another group cannot open the topic the rest of it is in). Refused, the
        topic is told why. For an escalation (a durable step; the topic it left has the older
        messages) a failure that may pass is tried later; a topic made again after one was
        deleted (whose older messages went with it) gets one round of tries."""
        async with self.sessions.begin() as session:
            made = await transcript(session, ticket.id)
        if made is None:
            return
        caption = desk_texts.transcript_caption(made.entries)
        try:
            await self._call(
                lambda: self.bot.send_document(
                    chat_id=ticket.agent_chat_id,
                    document=InputFile(made.content, filename=made.filename),
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                    message_thread_id=thread_id,
                ),
                attempts=IMMEDIATE_ATTEMPTS,
                chat_id=ticket.agent_chat_id,
            )
        except TelegramError as error:
            if escalated:
                retry_later_if_worth_it(error, f"the conversation file of ticket {ticket.id}")
            log.warning("ticket %s: conversation file not sent: %s", ticket.id, error.message)
            said = desk_texts.transcript_failed(failure_reason(error), old_topic=escalated)
            await self.post(ticket.agent_chat_id, said, thread_id)

    async def _post_kept(
        self, ticket: Ticket, thread_id: int, kept: Kept, *, durable: bool = False
    ) -> None:
        """Post a message kept in an agents' chat (a note's screenshot) into a topic's
        history: its heading, then its copy; when it can no longer be copied (deleted, or
        with the topic it was in), the heading becomes its words. Once a topic: the topic
        is kept on record, for a copy tried again or a history given again. A `durable`
        effect's copy failing for a while is tried later (under the heading posted)."""
        chat_id = ticket.agent_chat_id
        key = history_kept_key(ticket.id, kept.chat_id, kept.message_ids[0])
        async with self.sessions.begin() as session:
            if await kv_get(session, key) == thread_id:
                return
            posted = await kv_get(session, f"{key}:heading")
        if isinstance(posted, list) and posted[0] == thread_id:
            heading: int | None = int(posted[1])  # posted by a try that failed for a while
        else:
            heading = await self._posted(chat_id, kept.heading, thread_id, durable=durable)
            if heading is not None and durable:
                async with self.sessions.begin() as session:
                    await kv_set(session, f"{key}:heading", [thread_id, heading])
        copied = heading is not None and await self._copied_kept(
            ticket.id, kept, chat_id, thread_id, durable=durable
        )
        if not copied:
            told = heading is not None and await self._edited(chat_id, heading, kept.fallback)
            if not told and not await self.post(chat_id, kept.fallback, thread_id):
                return
        async with self.sessions.begin() as session:
            await kv_set(session, key, thread_id)

    async def _posted(
        self, chat_id: int, html: str, thread_id: int, *, durable: bool = False
    ) -> int | None:
        """Post into a topic; return the message's id (None: not posted, logged; for a
        `durable` effect failing for a while, DurableFailed: tried later)."""
        try:
            return await self.post_or_raise(chat_id, html, thread_id)
        except TelegramError as error:
            if durable:
                retry_later_if_worth_it(error, f"a post in chat {chat_id}")
            log.warning("chat %s: not posted: %s", chat_id, error.message)
            return None

    async def _copied_kept(
        self, ticket_id: int, kept: Kept, chat_id: int, thread_id: int, *, durable: bool
    ) -> bool:
        """Copy a kept message (an album whole) into a topic; say whether it was (a
        `durable` effect's copy failing for a while raises DurableFailed: tried later)."""
        try:
            await self._call(
                lambda: self._copy_into(
                    kept.chat_id, kept.message_ids, chat_id, thread_id, forwarded=False
                ),
                attempts=IMMEDIATE_ATTEMPTS,
                chat_id=chat_id,
            )
        except TelegramError as error:
            if durable:
                retry_later_if_worth_it(error, f"a kept message of ticket {ticket_id}")
            log.info("ticket %s: kept message not copied: %s", ticket_id, error.message)
            return False
        return True

    async def _edited(self, chat_id: int, message_id: int, html: str) -> bool:
        """Replace the words of a message the bot posted; say whether it was done."""
        try:
            await self._call(
                lambda: self.bot.edit_message_text(
                    chat_id=chat_id, message_id=message_id, text=html, parse_mode=ParseMode.HTML
                ),
                attempts=IMMEDIATE_ATTEMPTS,
                chat_id=chat_id,
            )
        except TelegramError as error:
            log.info("chat %s: message %s not edited: %s", chat_id, message_id, error.message)
            return False
        return True

    async def _copy_again(self, ticket: Ticket, thread_id: int, step: Copy) -> None:
        """Copy a message of the history into the ticket's recreated topic, under whose it
        is when a run of them begins there, and link the copy."""
        group = step.group.links
        if step.label is not None:
            await self.post(ticket.agent_chat_id, step.label, thread_id)
        # The customer's chat holds every message of the conversation, both directions.
        try:
            copies = await self._call(
                lambda: self._copy_into(
                    group[0].customer_chat_id,
                    [link.customer_message_id for link in group],
                    ticket.agent_chat_id,
                    thread_id,
                    forwarded=group[0].forwarded,
                ),
                attempts=IMMEDIATE_ATTEMPTS,
                chat_id=ticket.agent_chat_id,
            )
        except TelegramError as error:
            log.info("ticket %s: history message not re-posted: %s", ticket.id, error.message)
            return
        # Linked like any copy: edits of the original land here, replies to it reach back.
        async with self.sessions.begin() as session:
            for link, copy in paired(group, copies, ticket.id):
                await link_messages(
                    session,
                    ticket_id=ticket.id,
                    customer_chat_id=link.customer_chat_id,
                    customer_message_id=link.customer_message_id,
                    agent_chat_id=ticket.agent_chat_id,
                    agent_message_id=copy,
                    direction="to_agents",
                    media_group_id=link.media_group_id,
                    forwarded=link.forwarded,
                )

    async def _copy_into(
        self,
        from_chat_id: int,
        message_ids: Sequence[int],
        agent_chat_id: int,
        thread_id: int,
        *,
        forwarded: bool,
        reply: ReplyParameters | None = None,
    ) -> list[int]:
        """Copy (or forward) a message, or an album in one call so it stays one, from the
        customer's chat into a topic; return the copies' ids. Albums and forwards cannot be
        replies (Telegram's calls for them take none)."""
        if len(message_ids) > 1:
            many = self.bot.forward_messages if forwarded else self.bot.copy_messages
            ids = await many(
                chat_id=agent_chat_id,
                from_chat_id=from_chat_id,
                message_ids=message_ids,
                message_thread_id=thread_id,
            )
            return [m.message_id for m in ids]
        if forwarded:  # seen as whose words they are, not the customer's
            sent = await self.bot.forward_message(
                chat_id=agent_chat_id,
                from_chat_id=from_chat_id,
                message_id=message_ids[0],
                message_thread_id=thread_id,
            )
            return [sent.message_id]
        one = await self.bot.copy_message(
            chat_id=agent_chat_id,
            from_chat_id=from_chat_id,
            message_id=message_ids[0],
            message_thread_id=thread_id,
            reply_parameters=reply,
        )
        return [one.message_id]

    async def _to_customer(self, effect: ToCustomer, *, check_done: bool) -> Record | None:
        """Copy an agent's message to the customer (no agent identity) and link the two,
        naming the agent on the link."""
        if check_done:
            async with self.sessions.begin() as session:
                done = await find_link_by_agent_message(
                    session, agent_chat_id=effect.from_chat_id, agent_message_id=effect.message_id
                )
            if done is not None:
                return None
        ticket = await self._load(effect.ticket_id)
        if ticket is None:
            return None
        if ticket.customer_blocked:  # blocked since this reply was decided: never sent
            return await self._not_sent_blocked(ticket, effect)
        customer_id = ticket.customer_id
        reply = (
            ReplyParameters(effect.reply_to, allow_sending_without_reply=True)
            if effect.reply_to is not None
            else None
        )
        sources = (effect.message_id, *effect.album)

        async def copy() -> list[int]:
            if effect.album:  # one call keeps the album together on the customer's side
                ids = await self.bot.copy_messages(
                    chat_id=customer_id, from_chat_id=effect.from_chat_id, message_ids=sources
                )
                return [m.message_id for m in ids]
            one = await self.bot.copy_message(
                chat_id=customer_id,
                from_chat_id=effect.from_chat_id,
                message_id=effect.message_id,
                reply_parameters=reply,
            )
            return [one.message_id]

        try:
            copied = await self._call(copy, attempts=DURABLE_ATTEMPTS, chat_id=customer_id)
        except Forbidden as error:
            return await self._blocked(ticket, error, effect)
        except TelegramError as error:
            retry_later_if_worth_it(error, f"copying agent message {effect.message_id}")
            await self.notice(ticket, desk_texts.delivery_failed(failure_reason(error)))
            return self._to_customer_failed(ticket.id, error.message, effect)

        async def record(session: AsyncSession) -> None:
            for source, copied_id in paired(sources, copied, effect.ticket_id):
                await link_messages(
                    session,
                    ticket_id=effect.ticket_id,
                    customer_chat_id=customer_id,
                    customer_message_id=copied_id,
                    agent_chat_id=effect.from_chat_id,
                    agent_message_id=source,
                    direction="to_customer",
                    media_group_id=effect.media_group_id,
                    agent_id=effect.agent_id,
                    agent_name=effect.agent_name,
                )

        return record

    async def _blocked(self, ticket: Ticket, error: TelegramError, effect: ToCustomer) -> Record:
        """The customer blocked the bot, or deleted their account: say so in the topic, flag
        the ticket (agents are then refused up front) and redraw its card once recorded."""
        gone = failure_reason(error) == desk_texts.REASON_DEACTIVATED
        log.warning("ticket %s: %s", ticket.id, "account deleted" if gone else "bot blocked")
        await self.notice(
            ticket, desk_texts.CUSTOMER_DEACTIVATED if gone else desk_texts.CUSTOMER_BLOCKED
        )
        self._redraw_after_record.add(ticket.id)

        async def record(session: AsyncSession) -> None:
            await handoff_service.relay_failed(
                session,
                ticket_id=ticket.id,
                direction="to_customer",
                error=error.message,
                message_id=effect.message_id,
                reply=_undelivered(effect),
            )
            await handoff_service.customer_blocked(session, ticket_id=ticket.id, deactivated=gone)

        return record

    async def after_record(self, ticket_id: int) -> None:
        """Redraw the ticket's card if its durable effect's record (just committed) changed
        what the card shows, and post what waited for it (the link to a topic made in the
        L2 group): a durable effect cannot queue an effect of its own."""
        if ticket_id in self._redraw_after_record:
            self._redraw_after_record.discard(ticket_id)
            await self.best_effort(EditCard(ticket_id))
        waiting = self._post_after_record.pop(ticket_id, None)
        if waiting is not None:
            chat_id, thread_id, html = waiting
            await self.post(chat_id, html, thread_id)
        await self._tell_topics_back()

    async def _not_sent_blocked(self, ticket: Ticket, effect: ToCustomer) -> Record:
        """An agent's reply decided before the ticket was flagged blocked (the customer
        blocked the bot meanwhile, or a reply just before found it so): not sent, said so
        in the topic, and logged like any reply that never arrived (it is no first
        response; the L2 history shows it as such). It was dropped without a word."""
        async with self.sessions.begin() as session:
            gone = await handoff_service.customer_deactivated(session, ticket)
        reason = desk_texts.REASON_DEACTIVATED if gone else desk_texts.REASON_BLOCKED
        await self.notice(ticket, desk_texts.delivery_failed(reason))
        return self._to_customer_failed(ticket.id, reason, effect)

    def _to_customer_failed(self, ticket_id: int, error: str, effect: ToCustomer) -> Record:
        message_id = effect.message_id
        log.warning("ticket %s: message %s not delivered: %s", ticket_id, message_id, error)
        self._redraw_after_record.add(ticket_id)  # a first response withdrawn shows again

        async def record(session: AsyncSession) -> None:
            await handoff_service.relay_failed(
                session,
                ticket_id=ticket_id,
                direction="to_customer",
                error=error,
                message_id=message_id,
                reply=_undelivered(effect),
            )

        return record

    def _failure(
        self,
        ticket_id: int,
        kind: str,
        error: TelegramError | None,
        message_id: int | None = None,
    ) -> Record:
        """Record a permanent failure in the ticket's audit trail (issue 4 reports and heals it)."""
        reason = error.message if error is not None else "the ticket has no topic"
        log.warning("ticket %s: %s: %s", ticket_id, kind, reason)

        async def record(session: AsyncSession) -> None:
            data: dict[str, Any] = {"error": reason}
            if message_id is not None:
                data["message_id"] = message_id
            await add_ticket_event(session, ticket_id=ticket_id, kind=kind, data=data)

        return record
