"""What handlers get: the wired services, and the unit of work of the update being handled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ExtBot

from bot.answer_messages import AnswerMessages
from bot.config import Settings
from bot.effects import AnswerCallback, Durable, Effect, Markup, RemoveButtons, SendText
from bot.flood import FloodGuard
from bot.formatting import bound
from bot.hotpath import CustomerRef, log_message
from bot.membership import MemberCache, MemberKey, Membership
from handoff.persian import utf16_len
from kb.decision import Decision
from kb.service import KnowledgeBase

# Longest outgoing text kept in the interaction log.
LOGGED_TEXT_MAX = 4096
# The most a button's pop-up (answerCallbackQuery) may say, in UTF-16 units.
TOAST_MAX = 200


@dataclass(frozen=True, slots=True)
class Services:
    """Everything handlers depend on, wired once at start."""

    settings: Settings
    kb: KnowledgeBase
    sessions: async_sessionmaker[AsyncSession]
    flood: FloodGuard
    # Runs a short CPU-bound KB query (~1 ms): inline by default (bot.main.run_inline);
    # swap in asyncio.to_thread if queries ever get slow.
    run_cpu: Callable[[Callable[[], Any]], Awaitable[Any]]
    # Recent getChatMember answers (bot.membership), shared by every update.
    members: MemberCache = field(default_factory=MemberCache)
    # The messages under recent answers, until written to their decisions (bot.answer_messages).
    answer_messages: AnswerMessages = field(default_factory=AnswerMessages)
    # Set when the bot may make topics in a desk group again: tickets waiting for one get it
    # now, not at the next look (bot.topicless).
    desk_back: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def agent_chat_id(self) -> int:
        return self.settings.agent_chat_id

    async def ask(self, question: str) -> Decision:
        """The KB's decision: at once when no encoding is needed (a repeat, an exact phrasing),
        else with the sentence encoder off the event loop (milliseconds)."""
        decision = self.kb.ask_now(question)
        if decision is None:
            decision = await self.run_cpu(lambda: self.kb.ask(question))
        return decision


class BotData:
    """The application's bot_data: the services, and background tasks to stop at shutdown."""

    __slots__ = ("services_", "tasks_")

    def __init__(self) -> None:
        self.services_: Services | None = None
        self.tasks_: list[asyncio.Task[None]] = []


@dataclass(eq=False)
class Work:
    """One update's unit of work: its database session and the effects it decided."""

    update_id: int
    session: AsyncSession
    effects: list[Effect] = field(default_factory=list)
    # Filled by the gates for a customer's private chat (None elsewhere).
    customer: CustomerRef | None = None
    ticket_id: int | None = None  # the customer's ticket that is not closed
    incoming_id: int | None = None  # the logged incoming message
    # Asked of Telegram before this unit of work opened: (chat id, user id) -> a member?
    members: dict[MemberKey, Membership] = field(default_factory=dict)
    error: BaseException | None = None

    @property
    def customer_id(self) -> int:
        if self.customer is None:
            raise RuntimeError("this update has no customer")
        return self.customer.id

    async def reply(
        self, html: str, markup: Markup | None = None, *, answers: int | None = None
    ) -> None:
        """Send HTML to the customer's private chat and log it as the bot's (`answers`: see
        SendText)."""
        chat_id = self.customer_id  # a private chat's id is the user's id
        self.effects.append(SendText(chat_id, html, markup, answers=answers))
        await log_message(
            self.session,
            customer_id=chat_id,
            direction="out",
            kind="text",
            chat_id=chat_id,
            text=bound(html, LOGGED_TEXT_MAX),
            ticket_id=self.ticket_id,
            telegram_message_id=None,
            update_id=self.update_id,
            author="bot",
        )

    def answer_callback(self, query_id: str, text: str | None = None, alert: bool = False) -> None:
        """Answer a pressed button (stops its spinner), before anything else the press does:
        a card edit or a notice may wait for the group's send budget (about 20 a minute),
        and Telegram forgets a press in seconds."""
        if text is not None and utf16_len(text) > TOAST_MAX:  # refused whole: no word at all
            text = bound(text, TOAST_MAX - (utf16_len(text) - len(text)))
        self.effects.insert(0, AnswerCallback(query_id, text, alert))

    def remove_buttons(self, chat_id: int, message_id: int) -> None:
        """Take the inline buttons off a message."""
        self.effects.append(RemoveButtons(chat_id, message_id))

    def then(self, effect: Durable) -> None:
        """Schedule a durable effect (done at least once, after what comes before it)."""
        self.effects.append(effect)


_current_work: ContextVar[Work | None] = ContextVar("pasokh_work", default=None)


def current_work() -> Work | None:
    """Return the unit of work of the update being handled in this task, if any."""
    return _current_work.get()


def set_current_work(work: Work | None) -> Any:
    """Make `work` current for this task; returns the token for `reset_current_work`."""
    return _current_work.set(work)


def reset_current_work(token: Any) -> None:
    """Undo `set_current_work`."""
    _current_work.reset(token)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The callback context with typed access to the services and the update's work."""

    @property
    def services(self) -> Services:
        services = self.bot_data.services_
        if services is None:
            raise RuntimeError("services are not wired into the application")
        return services

    @property
    def work(self) -> Work:
        work = current_work()
        if work is None:
            raise RuntimeError("no unit of work: updates must go through bot.pipeline")
        return work


BotApp: TypeAlias = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, None
]
