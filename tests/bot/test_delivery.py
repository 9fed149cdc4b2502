"""Delivery: no update lost, no reply twice, a failure in one chat never stalls the others."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.asyncio.session import _AsyncSessionContextManager
from telegram import Bot, Update

import bot.main
import bot.pipeline
import triage
from bot import intake
from bot.app import build_application
from bot.config import Settings
from bot.context import Services
from bot.effects import OpenTopic, PostCard
from bot.executor import Executor
from bot.flood import FloodGuard
from bot.intake import Intake, KeyedDispatcher
from bot.leadership import Fence, LeaseLost, unfenced
from bot.main import pool_options, run_inline
from bot.pipeline import Pipeline, Plan
from bot.send_gate import SendGate
from kb.service import KnowledgeBase
from storage.db import create_engine_from_url, make_sessionmaker
from storage.models import InboxUpdate, Ticket
from tests.bot.desk_support import hand_off
from tests.bot.support import (
    ANSWERED,
    UNKNOWN,
    make_settings,
    out_of_reach_while_sending,
    running_bot,
    settled,
)
from tests.fake_telegram import FakeTelegram


@pytest.mark.parametrize("refusals", [1, 5], ids=["once", "more times than other failures"])
async def test_a_reply_refused_with_429_is_sent_once_after_the_wait(
    settings: Settings, fake_telegram: FakeTelegram, refusals: int
) -> None:
    # A 429 says nothing was sent: four of them in a row dropped the answer for good.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.fail_next_retry_after("sendMessage", retry_after=1, chat_id=user.id, times=refusals)
        fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1, timeout=5 + 2 * refusals)
        await settled(bot, fake)
    attempts = [c for c in fake.api_calls("sendMessage") if c.params["chat_id"] == user.id]
    assert [c.status for c in attempts] == [429] * refusals + [200]
    assert len(fake.sent_to(user.id)) == 1


async def test_a_reply_caught_by_telegram_out_of_reach_is_sent_once_it_is_back(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Telegram filtered, or the proxy to it down, while a customer's question was stored
    # already: the answer was tried four times in nine seconds, then given up, and the
    # customer waited for ever. A call that never reached Telegram is tried until it does.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        # out of reach for longer than the four tries took
        async with out_of_reach_while_sending(fake, user.id, seconds=12):
            fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1, timeout=40)
        await settled(bot, fake)
    assert len(fake.sent_to(user.id)) == 1


async def test_a_customer_who_blocked_the_bot_does_not_hold_up_others(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        gone, other = fake.new_user("رفته"), fake.new_user("مانده")
        fake.block_user(gone)
        fake.user_sends_text(gone, ANSWERED)
        fake.user_sends_text(other, ANSWERED)
        await fake.wait_for_messages_async(other.id, 1)
        await settled(bot, fake)
        stuck = await bot.rows(InboxUpdate, InboxUpdate.status != "done")
    assert stuck == []


async def test_a_handler_that_fails_once_is_retried_and_answers_once(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_telegram
    real_decide = triage.decide
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("a passing fault")
        return real_decide(*args, **kwargs)

    monkeypatch.setattr(triage, "decide", flaky)
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        (row,) = await bot.rows(InboxUpdate)
        from storage.models import KBDecision, Message

        decisions = await bot.rows(KBDecision)
        logged = await bot.rows(Message, Message.direction == "in")
    assert len(fake.sent_to(user.id)) == 1
    assert (row.status, row.attempts) == ("done", 1)
    assert len(decisions) == 1 and len(logged) == 1  # the failed attempt left nothing behind


async def test_a_handler_that_always_fails_is_marked_failed_and_the_chat_goes_on(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_telegram
    settings = make_settings(fake, database_url, kb_dir, max_update_attempts=2)
    real_decide = triage.decide
    tries = 0

    def broken_for_unknown(text, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal tries
        if text == UNKNOWN:
            tries += 1
            raise RuntimeError("bug")
        return real_decide(text, *args, **kwargs)

    monkeypatch.setattr(triage, "decide", broken_for_unknown)
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, UNKNOWN)
        fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        rows = await bot.rows(InboxUpdate)
    assert sorted(r.status for r in rows) == ["done", "failed"]
    assert tries == 2  # MAX_UPDATE_ATTEMPTS, no more and no fewer
    failed = next(r for r in rows if r.status == "failed")
    assert "RuntimeError" in (failed.error or "")
    assert len(fake.sent_to(user.id)) == 1  # the customer never sees an error


@asynccontextmanager
async def _pipeline(settings: Settings, fence: Fence = unfenced) -> AsyncIterator[Pipeline]:
    """A pipeline of the bot's own, on its database and the fake, driven by the test."""
    engine = create_engine_from_url(settings.database_url, **pool_options(settings.database_url))
    sessions = make_sessionmaker(engine)
    services = Services(
        settings=settings,
        kb=KnowledgeBase(settings.kb_dir),
        sessions=sessions,
        flood=FloodGuard(100, 10),
        run_cpu=run_inline,
    )
    app = build_application(settings, services)
    await app.initialize()
    try:
        yield Pipeline(app, services, Executor(app.bot, sessions), fence=fence)
    finally:
        await app.shutdown()
        await engine.dispose()


async def _decide_without_acting(settings: Settings, fake: FakeTelegram) -> int:
    """Store the pending updates and commit their decisions, then stop: a crash before acting."""
    async with _pipeline(settings) as pipeline:
        sessions, bot = pipeline.services.sessions, pipeline.app.bot
        intake = Intake(bot, sessions, KeyedDispatcher(pipeline_noop, 1), poll_timeout=0)
        updates: list[Update] = list(await bot.get_updates(timeout=0))
        items = await intake.store(updates)
        for item in items:
            await pipeline._decide(item.update_id, item.payload, replay=False, update=item.update)
        return len(items)


async def pipeline_noop(item: object) -> None:
    """Dispatch nothing (the test drives the pipeline itself)."""


async def test_a_restart_finishes_decided_work_without_a_second_reply_or_ticket(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    asker, lost = fake.new_user("پرسنده"), fake.new_user("بی‌پاسخ")
    fake.user_sends_text(asker, ANSWERED)
    fake.user_sends_text(lost, UNKNOWN)
    assert await _decide_without_acting(settings, fake) == 2
    assert fake.sent_to(asker.id) == [] and fake.topics() == []
    async with running_bot(settings, fake) as bot:
        await fake.wait_for_messages_async(fake.agent_chat_id, 1)  # the card, after the restart
        fake.user_sends_text(asker, "سلام")
        await fake.wait_for_messages_async(asker.id, 1)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    # The decided replies count as in flight at the crash: never sent twice (here: not resent).
    assert [m.text for m in fake.sent_to(asker.id)] == [
        "سلام! 🌷 پرسش یا مشکلتان را بنویسید تا کمک کنم."
    ]
    assert len(tickets) == 1 and len(fake.topics()) == 1
    assert tickets[0].card_message_id is not None


async def test_an_instance_another_took_over_from_resumes_no_decided_update(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Updates left pending by the last run were queued here when another instance took the
    # lease over (and replayed them too): each one's stored plan went on here at once, its
    # topic made beside the new holder's, the fenced commit coming only after the call.
    fake = fake_telegram
    user = fake.new_user("بی‌پاسخ")
    fake.user_sends_text(user, UNKNOWN)
    assert await _decide_without_acting(settings, fake) == 1  # a hand-off, nothing done yet

    async def taken_over(session: AsyncSession) -> None:
        raise LeaseLost

    async with _pipeline(settings, fence=taken_over) as pipeline:
        async with pipeline.services.sessions.begin() as session:
            (row,) = await session.scalars(select(InboxUpdate))
        await pipeline.handle(row.update_id, dict(row.payload), replay=True)
    assert fake.topics() == [] and fake.calls("createForumTopic") == []
    assert len(fake.sent_to(user.id)) == 0


async def test_a_decision_whose_commit_went_unanswered_is_left_to_the_instance_that_took_over(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database stopped answering at the hand-off's commit for long enough that another
    # instance took the lease over and replayed the update: once it answered again, this one
    # found the decision committed and carried it out too, a second topic beside the other's.
    fake = fake_telegram
    monkeypatch.setattr(bot.pipeline, "OUTAGE_RETRY_SECONDS", 0.01)
    real_exit = _AsyncSessionContextManager.__aexit__
    deciding: list[int] = []  # the decision's session (the first fenced), then 0 once lost

    async def held_once(session: AsyncSession) -> None:
        if deciding:
            raise LeaseLost
        deciding.append(id(session))

    async def commit_then_lose_the_answer(
        self: _AsyncSessionContextManager[AsyncSession], *exc: Any
    ) -> None:
        await real_exit(self, *exc)  # committed
        if exc[0] is None and deciding and deciding[-1] == id(self.async_session):
            deciding.append(0)
            raise ConnectionResetError("the connection broke as the commit was answered")

    monkeypatch.setattr(_AsyncSessionContextManager, "__aexit__", commit_then_lose_the_answer)
    user = fake.new_user("بی‌پاسخ")
    fake.user_sends_text(user, UNKNOWN)
    async with _pipeline(settings, fence=held_once) as pipeline:
        sessions, telegram = pipeline.services.sessions, pipeline.app.bot
        intake = Intake(telegram, sessions, KeyedDispatcher(pipeline_noop, 1), poll_timeout=0)
        (item,) = await intake.store(list(await telegram.get_updates(timeout=0)))
        await pipeline.handle(item.update_id, item.payload, update=item.update)
        async with sessions.begin() as session:
            tickets = list(await session.scalars(select(Ticket)))
    assert deciding[-1] == 0 and len(tickets) == 1  # committed, its answer lost
    assert fake.calls("createForumTopic") == [] and fake.sent_to(user.id) == []


async def test_the_inbox_keeps_updates_as_sent_and_stores_an_unreadable_one_as_failed(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    user = fake.new_user()
    # A chat that is not an object: PTB cannot build an Update from it.
    broken = fake.inject("message", {"message_id": 9, "date": 0, "chat": 5, "text": "?"})
    fake.user_sends_text(user, ANSWERED)
    async with running_bot(settings, fake) as bot:
        await fake.wait_for_messages_async(user.id, 1, timeout=10)
        await settled(bot, fake)
        rows = {row.update_id: row for row in await bot.rows(InboxUpdate)}
    assert rows[broken.update_id].status == "failed"
    assert "unparsable" in (rows[broken.update_id].error or "")
    for sent in fake.injected_updates():
        assert rows[sent["update_id"]].payload == sent  # exactly what Telegram sent
    assert len(fake.sent_to(user.id)) == 1


async def test_a_429_pause_holds_its_chat_and_a_shorter_one_does_not_cut_it() -> None:
    gate = SendGate()
    assert not gate.paused(1)
    gate.pause(0.3, 1)
    gate.pause(0.01, 1)  # a later 429 asking for less does not shorten the running pause
    await asyncio.sleep(0.05)
    assert gate.paused(1)
    assert not gate.paused(2) and not gate.paused(None)  # other chats go on
    await gate.wait(1)
    assert not gate.paused(1)


def test_a_second_chat_refused_while_one_waits_or_a_call_for_no_chat_holds_every_chat() -> None:
    # Telegram does not say which limit it hit: two people's chats refused at once is the
    # bot's own, for the shorter of the two pauses.
    gate = SendGate()
    gate.pause(30, 1)
    gate.pause(30, 1)
    assert not gate.paused(3)  # the same chat again: still that chat's limit
    gate.pause(5, 2)
    assert gate.paused(3) and gate.paused(None)
    assert gate.left(3) <= 5 < gate.left(1)  # for as long as the second chat was told
    answers = SendGate()
    answers.pause(5)  # answerCallbackQuery: aimed at no chat
    assert answers.paused(3)


@pytest.mark.parametrize("customer_first", [True, False], ids=["customer first", "group first"])
def test_a_groups_long_pause_never_holds_every_customer(customer_first: bool) -> None:
    # A customer's 1 s 429 just before the group's 30 s one held every chat for 30 s.
    gate = SendGate()
    refusals = [(1.0, 7), (30.0, -100)] if customer_first else [(30.0, -100), (1.0, 7)]
    for seconds, chat in refusals:
        gate.pause(seconds, chat)
    assert gate.left(8) <= 1.0 and gate.left(-100) > 20


async def test_the_agents_group_told_to_wait_does_not_hold_other_customers_answers(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A wave of hand-offs runs into the group's twenty messages a minute: a customer asking the
    # KB meanwhile waited the group's whole pause (14.5 s measured) for their answer.
    monkeypatch.setattr(bot.main, "DRAIN_SECONDS", 0.5)  # stop while the topic still waits
    fake = fake_telegram
    async with running_bot(settings, fake) as running:
        fake.fail_next_retry_after("createForumTopic", retry_after=20, chat_id=fake.agent_chat_id)
        fake.user_sends_text(fake.new_user("منتظر"), "/human")
        await fake.wait_for_async(
            lambda: fake.api_calls("createForumTopic"), timeout=10, what="the refused topic"
        )
        asking = fake.new_user("پرسنده")
        fake.user_sends_text(asking, ANSWERED)
        await fake.wait_for_messages_async(asking.id, 1, timeout=10)
        topics_meanwhile = len(fake.topics())
        assert await running.rows(Ticket)  # the hand-off is still on its way
    assert topics_meanwhile == 0


async def test_answers_waiting_in_the_rate_limiter_at_a_stop_are_sent_after_the_restart(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Marked as on their way while they waited for the limiter's turn: a stop (or a crash)
    # meanwhile lost them, their updates recorded as done (350 of 400 in a measured burst).
    monkeypatch.setattr(bot.main, "DRAIN_SECONDS", 0.3)
    fake = fake_telegram
    settings = make_settings(fake, database_url, kb_dir, telegram_overall_max_rate=10)
    customers = [fake.new_user(f"مشتری {i}") for i in range(40)]
    async with running_bot(settings, fake):
        for user in customers:
            fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_async(
            lambda: sum(bool(fake.sent_to(u.id)) for u in customers) >= 12,
            timeout=20,
            what="the first answers",
        )
    answered_before_the_stop = sum(bool(fake.sent_to(u.id)) for u in customers)
    async with running_bot(settings, fake) as running:
        await fake.wait_for_async(
            lambda: all(fake.sent_to(u.id) for u in customers), timeout=30, what="every answer"
        )
        await settled(running, fake)
    assert answered_before_the_stop < len(customers)  # the stop came in the middle
    assert [len(fake.sent_to(u.id)) for u in customers] == [1] * len(customers)


async def test_a_replayed_topic_or_card_effect_makes_no_second_topic_or_card(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)  # its topic and card are there
        engine = create_engine_from_url(settings.database_url)
        try:
            async with Bot(fake.token, base_url=fake.base_url) as telegram:
                executor = Executor(telegram, make_sessionmaker(engine))
                for effect in (OpenTopic(opened.ticket_id), PostCard(opened.ticket_id)):
                    assert await executor.durable(effect, check_done=True) is None
        finally:
            await engine.dispose()
    assert len(fake.topics()) == 1
    assert len(fake.sent_to(fake.agent_chat_id)) == 1  # the one card


async def test_polling_rides_out_telegram_failing_get_updates(
    settings: Settings,
    fake_telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    monkeypatch.setattr(intake, "POLL_ERROR_DELAY", 0.1)
    monkeypatch.setattr(intake, "CONFLICT_DELAY", 0.1)
    caplog.set_level(logging.WARNING, logger="bot.intake")
    async with running_bot(settings, fake) as bot:
        fake.fail_next("getUpdates", status=502)  # Telegram's front end down
        fake.fail_next_retry_after("getUpdates", retry_after=1)  # told to slow down
        fake.fail_next("getUpdates", status=409)  # another process polls with the token
        await fake.wait_for_async(
            lambda: [c.status for c in fake.api_calls("getUpdates")][-3:] == [502, 429, 409],
            timeout=15,
            what="the three failed polls",
        )
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1, timeout=10)
        await settled(bot, fake)
    assert "getUpdates failed (Error 502); retrying" in caplog.text
    assert "another process polls Telegram with this token and does not share" in caplog.text


async def test_telegram_failing_polls_for_a_while_is_logged_when_it_starts_and_ends(
    settings: Settings,
    fake_telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Telegram out of reach for minutes (filtered, the proxy dropped) wrote a warning at
    # every try, every few seconds, and nothing when it worked again: the operator could
    # not tell from the log whether it still failed.
    fake = fake_telegram
    monkeypatch.setattr(intake, "POLL_ERROR_DELAY", 0.1)
    caplog.set_level(logging.WARNING, logger="bot.intake")
    async with running_bot(settings, fake) as bot:
        fake.fail_next("getUpdates", status=502, times=8)
        await fake.wait_for_async(
            lambda: [c.status for c in fake.api_calls("getUpdates")][-8:] == [502] * 8,
            timeout=15,
            what="eight failed polls",
        )
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1, timeout=10)
        await settled(bot, fake)
    said = [r.getMessage() for r in caplog.records if r.name == "bot.intake"]
    assert [line for line in said if "getUpdates failed" in line] == [
        "getUpdates failed (Error 502); retrying every 0.1 s until it works"
    ]
    (back,) = [line for line in said if "works again" in line]
    assert back.startswith("getUpdates works again after ")
    assert back.endswith(" s and 8 failed tries")


async def test_a_webhook_left_set_is_removed_so_polling_goes_on(
    settings: Settings,
    fake_telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # WEBHOOK_URL emptied on a rolling restart: the webhook instance still running set its
    # webhook again, and the polling one met «can't use getUpdates method while webhook is
    # active» every 10 s for ever, logged as another poller; no customer was answered.
    fake = fake_telegram
    monkeypatch.setattr(intake, "POLL_ERROR_DELAY", 0.1)
    caplog.set_level(logging.WARNING, logger="bot.intake")
    async with running_bot(settings, fake) as bot:
        async with Bot(fake.token, base_url=fake.base_url) as other:
            await other.set_webhook("https://pasokh.example.ir/telegram")
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1, timeout=10)
        await settled(bot, fake)
    assert fake.webhook().url == ""
    assert "a webhook is set for this token; removing it to poll" in caplog.text
    assert "does not share" not in caplog.text


async def test_a_customer_the_kb_answers_is_not_held_up_by_hand_offs_waiting_on_the_group(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # A wave of hand-offs waits for the agents' group's budget (about 20 sends a minute): they
    # held every place among the updates handled at once, and a customer the KB could answer
    # waited minutes. One place and one group send a minute make the wave here.
    fake = fake_telegram
    slow_group = settings.model_copy(
        update={"telegram_group_max_rate": 3, "max_concurrent_updates": 1}
    )
    async with running_bot(slow_group, fake):
        handed = fake.new_user("مریم")
        fake.user_sends_text(handed, UNKNOWN)
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="the topic")
        asker = fake.new_user("سارا")
        fake.user_sends_text(asker, ANSWERED)
        (answer,) = await fake.wait_for_messages_async(asker.id, 1, timeout=10)
        (topic,) = fake.topics()
        card_posted = bool(fake.sent_to(fake.agent_chat_id, topic.thread_id))
    assert answer.text and not card_posted  # answered while the card still waits its turn


async def test_a_decision_committed_as_the_connection_broke_is_carried_out_not_made_again(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database committed the hand-off (the ticket, its plan) and the connection broke
    # before it said so: the update was tried again as new, its handlers found the ticket
    # "already open", told the customer so instead of its number and deadline, and the
    # committed plan (the reply, the topic, the card) was never carried out.
    fake = fake_telegram
    real_write, real_exit = Pipeline._write_progress, _AsyncSessionContextManager.__aexit__
    lost: list[int] = []  # the session whose commit goes unanswered, once

    async def write_progress(
        self: Pipeline, session: AsyncSession, update_id: int, plan: Plan, done: int
    ) -> None:
        await real_write(self, session, update_id, plan, done)
        if not lost and any(isinstance(effect, OpenTopic) for effect in plan.effects):
            lost.append(id(session))

    async def commit_then_lose_the_answer(
        self: _AsyncSessionContextManager[AsyncSession], *exc: Any
    ) -> None:
        await real_exit(self, *exc)  # committed
        if exc[0] is None and lost and lost[-1] == id(self.async_session):
            lost.append(0)
            raise ConnectionResetError("the connection broke as the commit was answered")

    monkeypatch.setattr(Pipeline, "_write_progress", write_progress)
    monkeypatch.setattr(_AsyncSessionContextManager, "__aexit__", commit_then_lose_the_answer)
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "/human")
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        await fake.wait_for_messages_async(fake.agent_chat_id, 1)  # the card
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert lost[-1] == 0  # the answer was lost
    (told,) = fake.sent_to(user.id)
    assert "ثبت شد" in (told.text or "")
    assert len(tickets) == 1 and tickets[0].card_message_id is not None
