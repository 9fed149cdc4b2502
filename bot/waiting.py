"""Tickets an agent left waiting for the customer (/wait) do not wait for ever.

After WAITING_REMIND_HOURS of the customer's silence they are reminded once; after
WAITING_CLOSE_HOURS the ticket closes by itself, as an agent's /close would (the topic is
closed, the customer is asked for a rating, their next message opens a follow-up ticket),
logged as closed by nobody with the reason "customer_silent". A customer who writes meanwhile
makes the ticket the agent's turn again, and their silence counts afresh from the next /wait.

This runs in the instance holding the lease, beside the SLA alerts. Like them, each step is
committed before its messages go out, so no restart sends a reminder twice; a stop lets
the messages of the steps decided finish (within FINISH_SAYING_SECONDS). The customer's
message is sent at most once: a refusal that surely delivered nothing (a 429, a network error
other than a timeout) is waited out and tried again; one that still fails is logged.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut

from bot import desk_texts, keyboards
from bot.context import Services
from bot.effects import CloseTopic, EditCard, SendText
from bot.executor import IMMEDIATE_ATTEMPTS, Executor
from bot.queries import chats_with_pending_updates, remember_rating_message
from bot.telegram_errors import OutOfReach, backoff, never_sent, retry_seconds
from bot.tickets import log_told
from handoff import service
from handoff.persian import duration
from storage.db import DATABASE_ERRORS
from storage.models import Ticket, TicketStatus
from storage.repositories import (
    add_ticket_event,
    list_waiting_tickets,
    set_follow_up,
    set_ticket_status,
)
from storage.timestamps import utcnow

log = logging.getLogger(__name__)

REMINDED_EVENT = "waiting_reminded"
CLOSED_SILENT = "customer_silent"
CHECK_SECONDS = 60.0
# How long a stop waits for the reminders and closes decided just before it to be said.
FINISH_SAYING_SECONDS = 10.0
# Reminded or closed only while still waiting: a customer who wrote a moment ago made it the
# agent's turn.
STILL_WAITING: tuple[TicketStatus, ...] = ("waiting",)


@dataclass(frozen=True, slots=True)
class _Step:
    """What was decided for one ticket, to be said once committed."""

    ticket: Ticket
    closed: bool
    customer_html: str | None
    notice_html: str


async def follow_up_waiting(
    services: Services, executor: Executor, now: datetime | None = None
) -> int:
    """Remind or close the tickets whose customer has been silent long enough; return how
    many were reminded or closed."""
    settings = services.settings
    remind_after = timedelta(hours=settings.waiting_remind_hours)
    close_after = timedelta(hours=settings.waiting_close_hours)
    now = now or utcnow()
    steps: list[_Step] = []
    async with services.sessions.begin() as session:
        unread = await chats_with_pending_updates(session)
        for waiting in await list_waiting_tickets(session, reminder_event=REMINDED_EVENT):
            ticket, silent = waiting.ticket, now - waiting.since
            if ticket.customer_id in unread:  # they wrote; it is being read
                continue
            closing = bool(close_after) and silent >= close_after
            if closing:
                closed = await service.close(
                    session,
                    ticket_id=ticket.id,
                    actor_id=None,
                    now=now,
                    reason=CLOSED_SILENT,
                    from_statuses=STILL_WAITING,
                )
                if not closed.ok:
                    continue
                customer_html = desk_texts.closed_silent_for_customer(ticket.id, duration(silent))
                notice_html = desk_texts.closed_silent_notice(duration(silent))
                await set_follow_up(
                    session, user_id=ticket.customer_id, ticket_id=ticket.id, closed_at=now
                )
            elif remind_after and silent >= remind_after and not waiting.reminded:
                # Conditional, like the close: the customer may have written since the list
                # was read (on PostgreSQL this also waits for their transaction to commit).
                still = await set_ticket_status(
                    session, ticket.id, from_statuses=STILL_WAITING, to_status="waiting"
                )
                if not still.ok:
                    continue
                await add_ticket_event(
                    session, ticket_id=ticket.id, kind=REMINDED_EVENT, actor_id=None, at=now
                )
                left = duration(close_after - silent) if close_after else None
                customer_html = (
                    desk_texts.waiting_reminder_for_customer(ticket.id, left)
                    if left
                    else desk_texts.waiting_reminder_without_close(ticket.id)
                )
                notice_html = desk_texts.reminded_notice(duration(silent), left)
            else:
                continue
            told = None if ticket.customer_blocked else customer_html
            if told is not None:
                await log_told(session, ticket, told)
            steps.append(_Step(ticket, closing, told, notice_html))
    if steps:
        # Committed: no later look (nor start, nor instance) decides these again, so a stop
        # or the lease lost meanwhile must not cancel what is left to say; it may finish.
        saying = asyncio.ensure_future(_say_all(executor, steps))
        try:
            await asyncio.shield(saying)
        except asyncio.CancelledError:
            await _finish_saying(saying, steps)
            raise
    return len(steps)


async def _say_all(executor: Executor, steps: list[_Step]) -> None:
    for step in steps:
        await _say(executor, step)


async def _finish_saying(saying: asyncio.Future[None], steps: list[_Step]) -> None:
    """At a stop: give the steps decided to be said FINISH_SAYING_SECONDS to go out."""
    done, _ = await asyncio.wait({saying}, timeout=FINISH_SAYING_SECONDS)
    if not done:
        saying.cancel()
        tickets = ", ".join(str(step.ticket.id) for step in steps)
        log.warning(
            "at the stop, tickets %s may not have been told of their reminder or close", tickets
        )
    elif not saying.cancelled() and (error := saying.exception()) is not None:
        log.warning("telling silent customers failed at the stop: %s", type(error).__name__)


async def _say(executor: Executor, step: _Step) -> None:
    ticket = step.ticket
    if step.customer_html is not None:
        markup = keyboards.rating(ticket.id) if step.closed else None
        try:
            asking = SendText(ticket.customer_id, step.customer_html, markup)
            sent = await _send_once(executor, asking)
        except TelegramError as error:
            log.warning("ticket %s: the customer was not told (%s)", ticket.id, error.message)
        else:
            if step.closed and sent:
                await remember_rating_message(executor.sessions, ticket.id, sent)
    await executor.notice(ticket, step.notice_html)
    if step.closed:
        await executor.best_effort(EditCard(ticket.id))
        await executor.best_effort(CloseTopic(ticket.id))


async def _send_once(executor: Executor, message: SendText) -> int:
    """Send the customer's message at most once, trying again after a refusal that surely
    delivered nothing: a 429 (its chat is held for the wait Telegram asks, as any send to
    it is), a network error short of a timeout (which may have been delivered), or Telegram
    out of reach (filtered, the proxy down: the call never left), the last for as long as
    a reply waits for it (OutOfReach). Its one attempt used to be all:
    «retry after 1» closed the ticket without a word to them."""
    chat_id = message.chat_id
    attempt = 0
    out_of_reach = OutOfReach()
    while True:
        await executor.gate.wait(chat_id)
        try:
            return await executor.send_text(message)
        except (RetryAfter, NetworkError) as error:
            if isinstance(error, NetworkError) and never_sent(error):
                if not await out_of_reach.wait(error):
                    raise
                continue
            if isinstance(error, TimedOut | BadRequest):
                raise  # may have gone; or refused for good (PTB's BadRequest is a NetworkError)
            attempt += 1
            if attempt >= IMMEDIATE_ATTEMPTS:
                raise
            if isinstance(error, RetryAfter):
                executor.gate.pause(retry_seconds(error), chat_id)
            else:
                await asyncio.sleep(backoff(error, attempt - 1))


async def watch_waiting(
    services: Services, executor: Executor, caught_up: asyncio.Event | None = None
) -> None:
    """Look for silent customers every CHECK_SECONDS (never when both hours are 0), the
    first time once `caught_up` is set: what customers sent while the bot was down must be
    read before anyone is called silent (their answer would close the ticket, not resume it)."""
    settings = services.settings
    if not settings.waiting_remind_hours and not settings.waiting_close_hours:
        return
    if caught_up is not None:
        await caught_up.wait()
    while True:
        try:
            await follow_up_waiting(services, executor)
        except DATABASE_ERRORS as error:
            log.warning("looking for silent customers failed: %s", type(error).__name__)
        except Exception:  # a bug must not end the follow-ups for the rest of the run
            log.exception("looking for silent customers failed")
        await asyncio.sleep(CHECK_SECONDS)
