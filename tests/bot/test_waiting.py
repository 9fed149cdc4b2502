"""A ticket waiting for a silent customer: a reminder once, then it closes by itself."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import desk_texts, telegram_errors, waiting, webhook
from bot.config import ConfigError, Settings, load_settings
from bot.formatting import plain_text
from storage.models import InboxUpdate, Message, Ticket, TicketEvent
from storage.repositories import WaitingTicket, list_waiting_tickets
from storage.timestamps import utcnow
from tests.bot.desk_support import OpenTicket, card_now, hand_off, settled, ticket, topic_texts
from tests.bot.support import (
    RunningBot,
    make_settings,
    out_of_reach_while_sending,
    running_bot,
)
from tests.bot.test_webhook import webhook_settings
from tests.fake_telegram import FakeTelegram

CHAT_GONE = "Bad Request: chat not found"


@pytest.fixture
def following(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """Settings with the defaults (a reminder after 24 h, closing after 72 h), looked at
    every 0.2 s."""
    monkeypatch.setattr(waiting, "CHECK_SECONDS", 0.2)
    return make_settings(fake_telegram, database_url, kb_dir)


async def left_waiting(bot: RunningBot, fake: FakeTelegram, name: str = "مریم") -> OpenTicket:
    """A ticket an agent answered and then left waiting for the customer."""
    opened = await hand_off(bot, fake, name)
    agent = fake.new_agent("علی")
    fake.agent_sends_in_topic(agent, opened.thread_id, "قرارداد شما را بفرستید")
    fake.agent_sends_in_topic(agent, opened.thread_id, "/wait")
    await settled(bot, fake)
    assert (await ticket(bot, opened.ticket_id)).status == "waiting"
    return opened


async def time_passes(bot: RunningBot, ticket_id: int, hours: float) -> None:
    """Move the ticket's whole trail back in time, as if `hours` had passed since."""

    async def move(session: AsyncSession) -> None:
        for event in await session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
        ):
            event.created_at -= timedelta(hours=hours)

    await bot.db(move)


async def test_a_silent_customer_is_reminded_once_and_the_topic_is_told(
    following: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(following, fake) as bot:
        opened = await left_waiting(bot, fake)
        told_before = len(fake.sent_to(opened.user.id))
        await time_passes(bot, opened.ticket_id, 25.25)
        await fake.wait_for_messages_async(opened.user.id, told_before + 1, timeout=10)
        await asyncio.sleep(1)  # five more looks
        await settled(bot, fake)
        after = await ticket(bot, opened.ticket_id)
        events = await bot.rows(TicketEvent, TicketEvent.kind == "waiting_reminded")
        logged = await bot.rows(Message, Message.direction == "out", Message.ticket_id == after.id)
    to_customer = fake.sent_to(opened.user.id)[told_before:]
    assert len(to_customer) == 1  # once
    reminder = to_customer[0].text or ""
    assert reminder.startswith("یادآوری درخواست #۱: کارشناس ما منتظر پاسخ شماست.")
    assert "تا ۱ روز و ۲۳ ساعت دیگر بسته می‌شود" in reminder  # 72 h - 25.25 h, to the hour
    notice = topic_texts(fake, opened.thread_id)[-1]
    assert notice == plain_text(desk_texts.reminded_notice("۱ روز و ۱ ساعت", "۱ روز و ۲۳ ساعت"))
    assert after.status == "waiting"
    assert len(events) == 1
    assert any("یادآوری درخواست" in (m.text or "") for m in logged)  # in the interaction log


async def test_a_customer_silent_past_the_limit_has_the_ticket_closed_and_is_asked_to_rate(
    following: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(following, fake) as bot:
        opened = await left_waiting(bot, fake)
        told_before = len(fake.sent_to(opened.user.id))
        await time_passes(bot, opened.ticket_id, 73)
        told = await fake.wait_for_messages_async(opened.user.id, told_before + 1, timeout=10)
        (closing,) = told[told_before:]
        await settled(bot, fake)
        closed = await ticket(bot, opened.ticket_id)
        card = card_now(fake, opened.card).text or ""
        (event,) = await bot.rows(TicketEvent, TicketEvent.kind == "closed")
        # The customer's next message opens a follow-up ticket.
        fake.user_sends_text(opened.user, "هنوز وصل نمی‌شوم")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="a topic")
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    text = closing.text or ""
    assert text.startswith("درخواست #۱ شما بسته شد، چون ۳ روز و ۱ ساعت پاسخی از شما نرسید.")
    assert closing.callback_datas == [f"r:{closed.id}:{n}" for n in range(5, 0, -1)]
    assert (closed.status, closed.closed_by) == ("closed", None)
    assert (event.actor_id, event.data) == (None, {"reason": "customer_silent"})
    assert topic_texts(fake, opened.thread_id)[-1] == plain_text(
        desk_texts.closed_silent_notice("۳ روز و ۱ ساعت")
    )
    assert fake.topics()[0].closed
    assert "وضعیت: بسته" in card
    follow_up = tickets[-1]
    assert (follow_up.reason, follow_up.previous_ticket_id) == ("follow_up", closed.id)


async def test_a_customer_who_writes_is_not_reminded_and_their_silence_counts_afresh(
    following: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(following, fake) as bot:
        opened = await left_waiting(bot, fake)
        await time_passes(bot, opened.ticket_id, 25)
        await fake.wait_for_async(
            lambda: "یادآوری" in (fake.sent_to(opened.user.id)[-1].text or ""),
            timeout=10,
            what="the first reminder",
        )
        fake.user_sends_text(opened.user, "این هم قرارداد: ۱۲۳۴")
        await settled(bot, fake)
        resumed = await ticket(bot, opened.ticket_id)
        # The agent asks again and waits again: a new wait, a new reminder when due.
        assert resumed.claimed_by is not None
        agent = fake.state.users[resumed.claimed_by]  # its holder: one agent speaks for it
        fake.agent_sends_in_topic(agent, opened.thread_id, "/wait")
        await settled(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        await asyncio.sleep(0.6)
        quiet = len(fake.sent_to(opened.user.id)) == told  # not due yet: no reminder
        await time_passes(bot, opened.ticket_id, 30)
        await fake.wait_for_messages_async(opened.user.id, told + 1, timeout=10)
        await settled(bot, fake)
        events = await bot.rows(TicketEvent, TicketEvent.kind == "waiting_reminded")
        still = await ticket(bot, opened.ticket_id)
    assert resumed.status == "claimed"
    assert quiet
    assert len(events) == 2 and still.status == "waiting"


@pytest.mark.parametrize("hours", [25.5, 73.0], ids=["reminder", "close"])
async def test_a_customer_who_writes_as_the_step_is_decided_gets_neither_reminder_nor_close(
    following: Settings,
    fake_telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    hours: float,
) -> None:
    """Their message is committed after the waiting tickets were read, before the step."""
    fake = fake_telegram
    read_waiting = list_waiting_tickets

    async def read_then_the_customer_writes(
        session: AsyncSession, **kwargs: str
    ) -> list[WaitingTicket]:
        found = await read_waiting(session, **kwargs)
        due = utcnow() - timedelta(hours=following.waiting_remind_hours)
        ids = [listed.ticket.id for listed in found if listed.since <= due]
        if ids:
            await session.execute(
                update(Ticket)
                .where(Ticket.id.in_(ids))
                .values(status="claimed")
                .execution_options(synchronize_session=False)
            )
        return found

    monkeypatch.setattr(waiting, "list_waiting_tickets", read_then_the_customer_writes)
    async with running_bot(following, fake) as bot:
        opened = await left_waiting(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        await time_passes(bot, opened.ticket_id, hours)
        await asyncio.sleep(1)  # five looks
        await settled(bot, fake)
        after = await ticket(bot, opened.ticket_id)
        events = await bot.rows(TicketEvent, TicketEvent.kind == "waiting_reminded")
    assert len(fake.sent_to(opened.user.id)) == told
    assert after.status == "claimed"
    assert events == []
    assert not fake.topics()[0].closed


async def test_with_both_limits_off_a_waiting_ticket_waits(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(waiting, "CHECK_SECONDS", 0.2)
    fake = fake_telegram
    settings = make_settings(
        fake, database_url, kb_dir, waiting_remind_hours=0, waiting_close_hours=0
    )
    async with running_bot(settings, fake) as bot:
        opened = await left_waiting(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        await time_passes(bot, opened.ticket_id, 24 * 30)
        await asyncio.sleep(1)
        await settled(bot, fake)
        after = await ticket(bot, opened.ticket_id)
    assert after.status == "waiting"
    assert len(fake.sent_to(opened.user.id)) == told


async def test_with_no_reminder_the_ticket_still_closes(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(waiting, "CHECK_SECONDS", 0.2)
    fake = fake_telegram
    settings = make_settings(fake, database_url, kb_dir, waiting_remind_hours=0)
    async with running_bot(settings, fake) as bot:
        opened = await left_waiting(bot, fake)
        await time_passes(bot, opened.ticket_id, 71)
        await asyncio.sleep(0.6)
        reminders = await bot.rows(TicketEvent, TicketEvent.kind == "waiting_reminded")
        await time_passes(bot, opened.ticket_id, 1.5)
        await fake.wait_for_async(lambda: fake.topics()[0].closed, timeout=10, what="closed")
        await settled(bot, fake)
        after = await ticket(bot, opened.ticket_id)
    assert reminders == []
    assert after.status == "closed"


@pytest.mark.parametrize(("remind", "close"), [("72", "72"), ("80", "72"), ("-1", "72")])
def test_a_close_not_after_the_reminder_is_a_configuration_error(
    remind: str, close: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:" + "A" * 35)
    monkeypatch.setenv("AGENT_CHAT_ID", "-1001234")
    monkeypatch.setenv("WAITING_REMIND_HOURS", remind)
    monkeypatch.setenv("WAITING_CLOSE_HOURS", close)
    with pytest.raises(ConfigError) as error:
        load_settings(env_file=None)
    assert "WAITING_" in str(error.value) and "is malformed" in str(error.value)


@pytest.mark.parametrize("hours", [25, 73])
async def test_a_customer_who_answered_while_the_bot_was_down_is_neither_reminded_nor_closed(
    following: Settings, fake_telegram: FakeTelegram, hours: float
) -> None:
    # The bot started and looked for silent customers before reading what came while it was
    # down: the answer waiting in Telegram's queue found its ticket closed («بسته شد، چون ۳
    # روز پاسخی از شما نرسید») and opened a follow-up, or came after a reminder to answer.
    fake = fake_telegram
    async with running_bot(following, fake) as bot:
        opened = await left_waiting(bot, fake)
        await time_passes(bot, opened.ticket_id, hours)
    heard = len(fake.sent_to(opened.user.id))
    fake.user_sends_text(opened.user, "شماره قرارداد ۴۵۶۷۸ است")  # while the bot is down
    async with running_bot(following, fake) as bot:
        await asyncio.sleep(1)  # five looks
        await settled(bot, fake)
        answered = await ticket(bot, opened.ticket_id)
        tickets = await bot.rows(Ticket)
    assert fake.sent_to(opened.user.id)[heard:] == []
    assert answered.status != "closed" and len(tickets) == 1
    assert "شماره قرارداد ۴۵۶۷۸ است" in topic_texts(fake, opened.thread_id)


async def test_in_webhook_mode_an_answer_telegram_still_holds_at_start_is_awaited(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every instance was down: Telegram keeps what customers sent meanwhile and pushes it once
    # the webhook answers again, after its own retry pause. The first look for silent customers
    # came before it: the ticket closed «for silence» and the answer opened a follow-up.
    monkeypatch.setattr(waiting, "CHECK_SECONDS", 0.2)
    monkeypatch.setattr(webhook, "CATCH_UP_CHECK_SECONDS", 0.2)
    fake = fake_telegram
    settings = webhook_settings(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        opened = await left_waiting(bot, fake)
        await time_passes(bot, opened.ticket_id, 73)
        heard = len(fake.sent_to(opened.user.id))
    fake.hold_updates()  # Telegram waits before trying the webhook again
    fake.user_sends_text(opened.user, "شماره قرارداد ۴۵۶۷۸ است")  # while the bot is down
    async with running_bot(settings, fake) as bot:
        await asyncio.sleep(1)  # five looks
        fake.release_updates()
        await settled(bot, fake)
        answered = await ticket(bot, opened.ticket_id)
        tickets = await bot.rows(Ticket)
    assert fake.sent_to(opened.user.id)[heard:] == []
    assert answered.status != "closed" and len(tickets) == 1
    assert "شماره قرارداد ۴۵۶۷۸ است" in topic_texts(fake, opened.thread_id)


async def test_a_customer_whose_message_is_stored_but_not_yet_read_is_not_called_silent(
    following: Settings, fake_telegram: FakeTelegram
) -> None:
    # In webhook mode, or while a backlog is handled, an answer can be stored and waiting its
    # turn when the silent customers are looked for.
    fake = fake_telegram
    async with running_bot(following, fake) as bot:
        opened = await left_waiting(bot, fake)
        unread = InboxUpdate(update_id=10**9, chat_id=opened.user.id, payload={}, status="pending")
        await bot.db(lambda session: _added(session, unread))
        await time_passes(bot, opened.ticket_id, 73)
        await asyncio.sleep(1)  # five looks
        kept = await ticket(bot, opened.ticket_id)
        await bot.db(lambda session: session.execute(delete(InboxUpdate)))
        for _ in range(50):  # read now: silent after all
            if (await ticket(bot, opened.ticket_id)).status == "closed":
                break
            await asyncio.sleep(0.1)
        closed = await ticket(bot, opened.ticket_id)
    assert kept.status == "waiting" and closed.status == "closed"


async def _added(session: AsyncSession, row: InboxUpdate) -> None:
    session.add(row)


async def test_a_rating_typed_after_a_close_for_silence_takes_the_buttons_off(
    following: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(following, fake) as bot:
        opened = await left_waiting(bot, fake)
        told_before = len(fake.sent_to(opened.user.id))
        await time_passes(bot, opened.ticket_id, 73)
        told = await fake.wait_for_messages_async(opened.user.id, told_before + 1, timeout=10)
        (closing,) = told[told_before:]
        await settled(bot, fake)
        fake.user_sends_text(opened.user, "۴")
        await fake.wait_for_messages_async(opened.user.id, told_before + 2)
        await settled(bot, fake)
        rated = await ticket(bot, opened.ticket_id)
    assert rated.rating == 4
    assert fake.message(opened.user.id, closing.message_id).callback_datas == []


@pytest.mark.parametrize("refusal", ["retry after", "chat not found"])
async def test_a_close_for_silence_refused_is_tried_again_only_if_it_may_still_go(
    refusal: str, following: Settings, fake_telegram: FakeTelegram
) -> None:
    # One attempt only: Telegram's «retry after 1» (many tickets closing at once after a
    # weekend) closed the ticket without a word to the customer, nor the rating buttons. And
    # a 400, a NetworkError to PTB, was then tried four times with back-offs, nothing to
    # gain, while every other customer's close in the round waited behind it.
    fake = fake_telegram
    async with running_bot(following, fake) as bot:
        opened = await left_waiting(bot, fake)
        told_before = len(fake.sent_to(opened.user.id))
        calls_before = len(fake.calls("sendMessage"))
        customer = opened.user.id
        if refusal == "retry after":
            fake.fail_next_retry_after("sendMessage", retry_after=1, chat_id=customer)
        else:
            fake.fail_next("sendMessage", chat_id=customer, description=CHAT_GONE, times=-1)
        await time_passes(bot, opened.ticket_id, 73)
        await fake.wait_for_async(lambda: fake.topics()[0].closed, timeout=10, what="closed")
        if refusal == "retry after":
            await fake.wait_for_messages_async(customer, told_before + 1, timeout=10)
        else:
            await asyncio.sleep(1)  # time for attempts that should not be made
        await settled(bot, fake)
    tried = [c for c in fake.calls("sendMessage")[calls_before:] if c.get("chat_id") == customer]
    if refusal == "chat not found":
        assert len(tried) == 1
        return
    assert len(tried) == 2
    (closing,) = fake.sent_to(customer)[told_before:]
    assert (closing.text or "").startswith("درخواست #۱ شما بسته شد")
    assert len(closing.callback_datas) == 5


async def test_a_close_for_silence_decided_just_before_a_stop_is_still_told(
    following: Settings, fake_telegram: FakeTelegram
) -> None:
    # The close is committed before its messages go; a stop (an upgrade) while they waited
    # on Telegram cancelled them, and no later start says them: the ticket was closed, its
    # customer never told nor asked to rate, its topic left open.
    fake = fake_telegram
    async with running_bot(following, fake) as bot:
        opened = await left_waiting(bot, fake)
        told_before = len(fake.sent_to(opened.user.id))
        fake.fail_next_retry_after("sendMessage", retry_after=2, chat_id=opened.user.id)
        await time_passes(bot, opened.ticket_id, 73)
        await fake.wait_for_async(
            lambda: any(c.status == 429 for c in fake.api_calls("sendMessage")),
            timeout=10,
            what="the close held up by Telegram",
        )
    async with running_bot(following, fake) as bot:  # the next start does not say it again
        await asyncio.sleep(0.6)
        await settled(bot, fake)
        closed = await ticket(bot, opened.ticket_id)
    assert closed.status == "closed"
    (closing,) = fake.sent_to(opened.user.id)[told_before:]
    assert (closing.text or "").startswith("درخواست #۱ شما بسته شد")
    assert fake.topics()[0].closed


async def test_a_close_for_silence_caught_by_telegram_out_of_reach_goes_once_it_is_back(
    following: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Telegram filtered, or the proxy down, as the close went: four tries in a few seconds,
    # then the ticket stayed closed without a word to the customer, nor the rating buttons.
    monkeypatch.setattr(telegram_errors, "BACKOFF_START", 0.05)
    fake = fake_telegram
    async with running_bot(following, fake) as bot:
        opened = await left_waiting(bot, fake)
        told_before = len(fake.sent_to(opened.user.id))
        # out of reach for longer than four tries take at these back-offs
        async with out_of_reach_while_sending(fake, opened.user.id, seconds=2):
            await time_passes(bot, opened.ticket_id, 73)
        await fake.wait_for_messages_async(opened.user.id, told_before + 1, timeout=20)
        await settled(bot, fake)
    (closing,) = fake.sent_to(opened.user.id)[told_before:]
    assert (closing.text or "").startswith("درخواست #۱ شما بسته شد")
    assert len(closing.callback_datas) == 5
