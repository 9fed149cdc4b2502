"""Process one stored update: decide in one unit of work, commit, then carry out its effects.

    1. decide: run the PTB handlers inside `sessions.begin()`; they write the log,
       the decision, the ticket, and list the effects. A handler error rolls it
       all back and the update is tried again (up to max_update_attempts; a
       database that does not answer is waited for without counting). What
       they need to ask Telegram (is the presser an agent?) is asked just before,
       outside the transaction (bot.membership): no network waits inside it.
    2. commit: with the decisions, the plan (the effects) and its progress. An
       update without effects, or whose only lasting effect is one reply, is
       marked done by this very commit: the reply counts as attempted (at most once).
       Plans and progress live in key_values ("plan:<update_id>", "plan:<id>:next")
       until storage offers a column for them. A commit the database stopped answering
       (the connection broke) is looked up once it is back: gone through, its plan is
       carried out as decided; else the update is decided afresh.
    3. act: carry out the effects in order (see bot.effects for each delivery
       rule), committing progress where a rule needs it; the last commit drops
       the plan and marks the update done. A replay after a crash resumes the
       stored plan from its progress, so nothing a customer saw is sent twice.
       The history an escalation copies into the ticket's new topic goes in whole before
       the ticket's other relays (HistoryCopies): its end line comes before the new messages.

The update source (long polling now, a webhook later) only stores raw updates
and calls `Pipeline.handle`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.context import BotApp, Services, Work, reset_current_work, set_current_work
from bot.effects import (
    Durable,
    Effect,
    Relay,
    SendText,
    delivery,
    from_json,
    history_of,
    to_json,
)
from bot.executor import IMMEDIATE_ATTEMPTS, Executor, Record
from bot.hotpath import mark_inbox, remember_answer_messages
from bot.leadership import Fence, LeaseLost, unfenced
from bot.membership import ask_before_work
from bot.queries import remember_rating_message
from bot.slots import slot_lent
from bot.telegram_errors import (
    REFUSED_PATIENCE_SECONDS,
    DurableFailed,
    OutOfReach,
    never_sent,
    retry_seconds,
)
from storage.db import DATABASE_ERRORS, database_unreachable
from storage.repositories import inbox_get, kv_delete, kv_get, kv_set

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.2, 1.0, 3.0, 5.0)
# How often an update caught by a database outage tries again (for as long as it lasts).
OUTAGE_RETRY_SECONDS = 2.0
# The pause between rounds of retries (bot.executor, about a minute each) of a copy, topic or
# card Telegram keeps failing for a reason that may pass (a network error, a 5xx, a 429).
TELEGRAM_RETRY_SECONDS = 10.0


def plan_key(update_id: int) -> str:
    """Return the key-value key of an update's stored plan."""
    return f"plan:{update_id}"


def progress_key(update_id: int) -> str:
    """Return the key-value key of how far an update's plan got."""
    return f"plan:{update_id}:next"


class HandlerFailed(Exception):
    """A handler raised while deciding; the unit of work was rolled back."""


class CommitUnanswered(Exception):
    """The database stopped answering as the decision was committed: it may have gone
    through (then `plan` is what it stored) or not (then nothing of it did)."""

    def __init__(self, plan: Plan) -> None:
        super().__init__("the decision's commit went unanswered")
        self.plan = plan


class _Outage:
    """Waiting out what holds one update up for a while (the database not answering, or
    Telegram failing a lasting effect): said once, then quietly."""

    def __init__(self, update_id: int, *, telegram: bool = False) -> None:
        self.update_id = update_id
        self.telegram = telegram
        self.said = False

    async def wait(self, error: BaseException) -> None:
        if not self.said:
            name = type(error).__name__
            cause = str(error) if self.telegram else f"database unreachable ({name})"
            log.warning("update %s: %s; waiting for it", self.update_id, cause)
            self.said = True
        await asyncio.sleep(TELEGRAM_RETRY_SECONDS if self.telegram else OUTAGE_RETRY_SECONDS)


class HistoryCopies:
    """Tickets whose escalation is still copying their history into the new topic, each with
    the update doing it. At the group's pace (about twenty messages a minute) fifty take
    minutes, and a message the customer sent meanwhile was copied in the middle of them, read
    by the expert as old conversation: the ticket's other relays wait until it is all there.

    In memory, like the ticket locks (one process handles every update). Begun when the
    escalation is decided (before its commit: no relay decided after it goes first) or
    resumed, ended once its last history effect is done, or when its update ends however."""

    def __init__(self) -> None:
        self._copying: dict[int, tuple[int, asyncio.Event]] = {}

    def begin(self, ticket_id: int, update_id: int) -> None:
        self._copying.setdefault(ticket_id, (update_id, asyncio.Event()))

    def end(self, ticket_id: int, update_id: int) -> None:
        copying = self._copying.get(ticket_id)
        if copying is not None and copying[0] == update_id:
            del self._copying[ticket_id]
            copying[1].set()

    def end_all(self, update_id: int) -> None:
        for ticket_id, (owner, _) in list(self._copying.items()):
            if owner == update_id:
                self.end(ticket_id, update_id)

    async def finished(self, ticket_id: int, update_id: int) -> None:
        """Return once no update but `update_id` is copying the ticket's history."""
        while (copying := self._copying.get(ticket_id)) is not None and copying[0] != update_id:
            await copying[1].wait()


@dataclass(slots=True)
class Plan:
    """An update's effects; `committed` is the index of the first one not done or attempted.

    `committed == len(effects)` means finished: the update is marked done and the
    plan is no longer stored.
    """

    effects: list[Effect]
    committed: int = 0
    stored: bool = False
    resumed: bool = False

    @property
    def finished(self) -> bool:
        return self.committed >= len(self.effects)


def first_mark(effects: Sequence[Effect]) -> int:
    """Return the progress to commit with the decision.

    Effects up to the first send are only best effort, so that send can be
    marked attempted in the very commit that decided it; when it is the last
    effect, the update is finished by that commit (one commit per simple reply).
    """
    for index, effect in enumerate(effects):
        rule = delivery(effect)
        if rule == "once":
            return index + 1
        if rule == "durable":
            return index
    return len(effects)


class Pipeline:
    """Turn stored updates into handled updates; what a customer sees happens at most once."""

    def __init__(
        self, app: BotApp, services: Services, executor: Executor, fence: Fence = unfenced
    ) -> None:
        self.app = app
        self.services = services
        self.executor = executor
        # Several processes (bot.leadership): a decision or progress commits only while this
        # one holds the polling lease, so an update taken over is not also carried on here.
        self.fence = fence
        self.histories = HistoryCopies()

    async def handle(
        self,
        update_id: int,
        payload: dict[str, Any],
        *,
        replay: bool = False,
        update: Update | None = None,
    ) -> None:
        """Process a stored update to the end (or mark it failed); never raises for its content."""
        try:
            await self._handle(update_id, payload, replay=replay, update=update)
        except LeaseLost:
            log.warning(
                "update %s: another instance polls now and takes it over from here", update_id
            )
        finally:  # failed, stopped, taken over: the ticket's relays wait for it no more
            self.histories.end_all(update_id)

    async def _handle(
        self, update_id: int, payload: dict[str, Any], *, replay: bool, update: Update | None
    ) -> None:
        attempts = self.services.settings.max_update_attempts
        plan: Plan | None = None
        failures = 0
        outage = _Outage(update_id)
        unanswered: Plan | None = None  # decided; whether its commit went through is unknown
        while True:
            try:
                if unanswered is not None:
                    if await self._was_committed(update_id):
                        plan = unanswered  # none of it carried out yet: all of it is to do
                        break
                    unanswered = None  # rolled back: decided afresh, nothing twice
                plan = await self._decide(update_id, payload, replay=replay, update=update)
                break
            except CommitUnanswered as lost:
                # Deciding again would find its own ticket «already open» and tell the
                # customer so, the committed plan (the reply, the topic) left undone.
                unanswered = lost.plan
                await outage.wait(lost.__cause__ or lost)
                continue
            except HandlerFailed as error:
                cause = error.__cause__ or error
                if database_unreachable(cause):
                    await outage.wait(cause)  # not the update's fault: not an attempt
                    continue
                failures += 1
                if failures >= attempts:
                    await self._fail(update_id, f"{type(cause).__name__}: {cause}")
                    log.error("update %s failed for good after %d attempts", update_id, attempts)
                    return
            except DATABASE_ERRORS as error:  # the database itself (locked, gone): try again
                if database_unreachable(error):
                    await outage.wait(error)
                    continue
                failures += 1
                if failures >= attempts:
                    log.error(
                        "update %s: database unavailable (%s); it stays pending for the next start",
                        update_id,
                        type(error).__name__,
                    )
                    return
            await asyncio.sleep(RETRY_DELAYS[min(failures - 1, len(RETRY_DELAYS) - 1)])
        if plan is not None and plan.effects:
            await self._act_through_outages(update_id, plan)

    async def _act_through_outages(self, update_id: int, plan: Plan) -> None:
        """Carry out the plan; if the database stops answering midway (an effect reads or
        writes it), or Telegram keeps failing a lasting effect for a reason that may pass,
        wait and resume from the stored progress, as a restart would.

        The chat's later updates wait meanwhile (bot.intake keeps each chat in order); a
        stop leaves the update pending for the next start.
        """
        outage = _Outage(update_id)
        telegram_outage = _Outage(update_id, telegram=True)
        current: Plan | None = plan
        while True:
            try:
                if current is None:
                    current = await self._stored_plan(update_id)
                    if current is None:
                        return  # not stored: nothing is left to carry out
                await self._act(update_id, current)
                return
            except DATABASE_ERRORS as error:
                if not database_unreachable(error):
                    raise
                await outage.wait(error)
                current = None
            except DurableFailed as error:
                await telegram_outage.wait(error)
                current = None

    # -- 1 and 2: decide and commit ----------------------------------------------------------------

    async def _decide(
        self, update_id: int, payload: dict[str, Any], *, replay: bool, update: Update | None
    ) -> Plan:
        if replay:
            resumed = await self._stored_plan(update_id)
            if resumed is not None:
                return resumed  # decided before the crash: the handlers do not run again
        try:
            parsed = update or Update.de_json(payload, self.app.bot)
        except Exception as error:  # a payload PTB cannot read will never work
            log.error("update %s cannot be parsed: %s", update_id, error)
            async with self.services.sessions.begin() as session:
                await mark_inbox(session, update_id, "failed", f"unparsable: {error}")
            return Plan([])
        # Telegram round-trips go here, never inside the unit of work: on SQLite its
        # transaction holds the write lock, and a slow answer would stall every update.
        members = await ask_before_work(self.app.bot, self.services.members, parsed)
        decided: Plan | None = None
        try:
            async with self.services.sessions.begin() as session:
                work = Work(update_id=update_id, session=session, members=members)
                token = set_current_work(work)
                try:
                    await self.app.process_update(parsed)
                finally:
                    reset_current_work(token)
                if work.error is not None:
                    raise HandlerFailed from work.error
                plan = Plan(work.effects)
                self._histories_begin(update_id, plan, 0)
                mark = self._first_mark(work.effects)
                await self._write_progress(session, update_id, plan, mark)
                decided = plan
        except DATABASE_ERRORS as error:
            if decided is not None and database_unreachable(error):
                raise CommitUnanswered(decided) from error  # at the commit itself
            raise
        return plan

    async def _was_committed(self, update_id: int) -> bool:
        """Whether a decision whose commit went unanswered was committed all the same: it
        stored its plan, or (a plan of one reply, or none) marked the update done. Only asked
        by the lease holder: the outage may have let another instance take the update over."""
        async with self.services.sessions.begin() as session:
            await self.fence(session)
            if await kv_get(session, plan_key(update_id)) is not None:
                return True
            row = await inbox_get(session, update_id)
            return row is not None and row.status != "pending"

    def _first_mark(self, effects: Sequence[Effect]) -> int:
        """first_mark, unless the first send may wait (a rate limiter's queue, or Telegram's
        429 for its chat): then it is not marked as on its way yet (a stop or a crash during
        the wait must not lose it); _send_once marks it when it goes."""
        mark = first_mark(effects)
        first = effects[mark - 1] if mark > 0 else None
        if not isinstance(first, SendText):
            return mark
        if self.executor.paced or self.executor.gate.paused(first.chat_id):
            return mark - 1
        return mark

    async def _stored_plan(self, update_id: int) -> Plan | None:
        """Return the plan a replayed update was given before the crash, if it got that far.

        Its own short transaction: only this update's own processing stores its plan,
        and a replayed update is processed once, so nothing can store one in between.
        Fenced: only the lease holder resumes a plan (its next effect may be a call to
        Telegram, made before any commit); after a takeover the update is the other's.
        """
        async with self.services.sessions.begin() as session:
            await self.fence(session)
            stored = await kv_get(session, plan_key(update_id))
            if stored is None:
                return None
            done = await kv_get(session, progress_key(update_id), 0)
        effects = [from_json(item) for item in stored]
        return Plan(effects, committed=int(done), stored=True, resumed=True)

    # -- 3: act ------------------------------------------------------------------------------

    def _histories_begin(self, update_id: int, plan: Plan, start: int) -> dict[int, int]:
        """Begin the history copies the plan has left from `start`; return the index of each
        one's last effect, by ticket."""
        last: dict[int, int] = {}
        for index in range(start, len(plan.effects)):
            ticket_id = history_of(plan.effects[index])
            if ticket_id is not None:
                self.histories.begin(ticket_id, update_id)
                last[ticket_id] = index
        return last

    async def _act(self, update_id: int, plan: Plan) -> None:
        effects = plan.effects
        # A fresh plan runs from the start (its first send may be marked already);
        # a resumed one from the first effect neither done nor attempted.
        start = plan.committed if plan.resumed else 0
        histories = self._histories_begin(update_id, plan, start)
        if plan.resumed and start > 0 and delivery(effects[start - 1]) == "once":
            log.info(
                "update %s: a reply was attempted before the interruption (a crash, a database "
                "outage); not sending it again",
                update_id,
            )
        for index in range(start, len(effects)):
            effect = effects[index]
            rule = delivery(effect)
            if rule == "best_effort":
                async with slot_lent():  # waiting on Telegram: another chat may go on
                    await self.executor.best_effort(effect)  # type: ignore[arg-type]
            elif rule == "durable":
                # DurableFailed (Telegram failing for a while) goes up to _act_through_outages.
                await self._durable(
                    update_id, plan, index, check_done=plan.resumed and index == start
                )
            else:
                assert isinstance(effect, SendText)
                await self._send_once(update_id, plan, index, effect)
            ticket_id = history_of(effect)
            if ticket_id is not None and histories.get(ticket_id) == index:
                self.histories.end(ticket_id, update_id)  # the ticket's relays go on
        if not plan.finished:
            await self._progress(update_id, plan, len(effects), None)

    async def _durable(self, update_id: int, plan: Plan, index: int, *, check_done: bool) -> None:
        """Carry out a durable effect and commit its record with the progress past it."""
        effect = plan.effects[index]
        assert isinstance(effect, Durable)
        # The ticket's lock spans the call and its record: another chat's effect on it
        # (a relay making the topic an escalation is making) finds it recorded.
        # The place is lent around the whole lock (never waited for while holding it:
        # the updates waiting for the lock would hold every place), its record too.
        async with slot_lent():
            if isinstance(effect, Relay) and not effect.history:  # after the history, if copied
                await self.histories.finished(effect.ticket_id, update_id)
            async with self.executor.tickets.hold(effect.ticket_id):
                record = await self.executor.durable(effect, check_done=check_done)
                await self._progress(update_id, plan, index + 1, record)
        async with slot_lent():
            await self.executor.after_record(effect.ticket_id)

    async def _send_once(self, update_id: int, plan: Plan, index: int, effect: SendText) -> None:
        """Send at most once: commit progress past it first; step back only when surely unsent."""
        gate, chat_id = self.executor.gate, effect.chat_id
        attempt = 0  # failures that may have been delivered; a 429 surely was not
        refused_for = 0.0
        out_of_reach = OutOfReach()  # calls that found Telegram out of reach (never sent)
        what = effect.what or "reply"
        paced = self.executor.paced

        async def on_its_way() -> None:  # committed before the request goes, never after
            if plan.committed <= index:
                await self._progress(update_id, plan, index + 1, None)

        async def not_sent() -> None:  # refused after a stop: the next start sends it
            if plan.committed > index:
                await self._progress(update_id, plan, index, None)

        while attempt < IMMEDIATE_ATTEMPTS:
            if gate.paused(chat_id) and plan.committed > index:
                await self._progress(update_id, plan, index, None)  # crash while paused: resend
            await gate.wait(chat_id)
            if not paced:  # nothing can hold the call up: mark it now
                await on_its_way()
            try:
                async with slot_lent():
                    sent = await self.executor.send_text(
                        effect,
                        admitted=on_its_way if paced else None,
                        undo=not_sent if paced else None,
                    )
            except RetryAfter as error:
                # Refused, so not delivered: hold the chat's sends (first, so no other reply
                # to it gets marked meanwhile), un-mark this one, then wait as told, and try
                # again for as long as an answer is still worth having.
                gate.pause(retry_seconds(error), chat_id)
                await self._progress(update_id, plan, index, None)
                refused_for += retry_seconds(error)
                if refused_for > REFUSED_PATIENCE_SECONDS:
                    log.error("update %s: reply refused (429) for too long; given up", update_id)
                    return
            except (BadRequest, NetworkError) as error:
                if isinstance(error, NetworkError) and never_sent(error):
                    # Telegram out of reach (filtered, the proxy down): the call never left,
                    # so nothing was delivered. Un-mark it and try again, more and more
                    # slowly, for as long as an answer is still worth having.
                    await self._progress(update_id, plan, index, None)
                    if out_of_reach.since is None:
                        log.warning(
                            "update %s: Telegram out of reach (%s); the %s waits for it",
                            update_id,
                            error.message,
                            what,
                        )
                    if not await out_of_reach.wait(error):
                        log.error("update %s: Telegram out of reach too long; given up", update_id)
                        return
                    continue
                if isinstance(error, BadRequest | TimedOut):
                    log.warning("update %s: %s not sent (%s)", update_id, what, error.message)
                    return  # a bad request won't improve; a timeout may have been delivered
                log.warning("update %s: reply failed (%s), retrying", update_id, error.message)
                await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
                attempt += 1
            except TelegramError as error:
                log.info("update %s: %s not delivered (%s)", update_id, what, error.message)
                return
            else:
                if out_of_reach.since is not None:
                    log.info("update %s: Telegram is back; the %s went", update_id, what)
                if effect.answers is not None and sent:
                    self.services.answer_messages.sent(effect.answers, sent)
                if effect.rates is not None and sent:  # rare (a close): a commit of its own
                    await remember_rating_message(self.services.sessions, effect.rates, sent)
                return
        log.error("update %s: reply given up after %d attempts", update_id, IMMEDIATE_ATTEMPTS)

    async def _progress(self, update_id: int, plan: Plan, done: int, record: Record | None) -> None:
        """Commit a durable result (if any) with how far the plan got. While the database is
        not answering, wait for it: nothing further may be sent before this is recorded."""
        outage = _Outage(update_id)
        while True:
            stored, committed = plan.stored, plan.committed
            try:
                async with self.services.sessions.begin() as session:
                    if record is not None:
                        await record(session)
                    await self._write_progress(session, update_id, plan, done)
                return
            except DATABASE_ERRORS as error:
                plan.stored, plan.committed = stored, committed  # that commit did not happen
                if not database_unreachable(error):
                    raise
                await outage.wait(error)

    async def _write_progress(
        self, session: AsyncSession, update_id: int, plan: Plan, done: int
    ) -> None:
        """Store the plan's progress; at the end, drop the plan and mark the update done.

        Every commit of a decision or of progress comes through here: the fence's place.
        """
        await self.fence(session)
        unsaved = self.services.answer_messages.take_unsaved()
        if unsaved:  # ids of messages sent since the last commit (bot.answer_messages)
            await remember_answer_messages(session, unsaved)
        was_finished = plan.finished and plan.committed > 0
        if done >= len(plan.effects):
            if plan.stored:
                await kv_delete(session, plan_key(update_id))
                await kv_delete(session, progress_key(update_id))
            await mark_inbox(session, update_id, "done")
        else:
            if not plan.stored:
                await kv_set(session, plan_key(update_id), [to_json(e) for e in plan.effects])
            if was_finished:  # stepping back from done (a 429): the update is pending again
                await mark_inbox(session, update_id, "pending")
            if done > 0 or plan.stored:
                await kv_set(session, progress_key(update_id), done)
        plan.stored = done < len(plan.effects)
        plan.committed = done

    async def _fail(self, update_id: int, error: str) -> None:
        async with self.services.sessions.begin() as session:
            await mark_inbox(session, update_id, "failed", error)
