"""Second line's clock: an escalated ticket is due again from its escalation, on the card, in
/tickets, in the alerts, and in what the customer is told."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import jdatetime
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handoff.persian import TEHRAN, day_and_time, fa_digits, jalali
from storage.models import Ticket, TicketEvent
from storage.timestamps import utcnow
from tests.bot.desk_support import OpenTicket, card_now, hand_off, settled, ticket
from tests.bot.support import RunningBot, make_settings, running_bot
from tests.bot.test_supervision import report_not_due
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import SentMessage

L2_CHAT = -1002000000002
SUPERVISORS = -1005000000005


@pytest.fixture
def l2_settings(fake_telegram: FakeTelegram, database_url: str, kb_dir: Path) -> Settings:
    """An L2 forum group of its own, deadlines around the clock (the same at any hour the
    tests run), and deadlines looked at every 0.2 s."""
    fake_telegram.add_group(L2_CHAT, "سطح ۲", forum=True)
    fake_telegram.add_group(SUPERVISORS, "سرپرستان")
    return make_settings(
        fake_telegram,
        database_url,
        kb_dir,
        l2_chat_id=L2_CHAT,
        supervisor_chat_id=SUPERVISORS,
        support_hours="always",
        sla_check_seconds=0.2,
        daily_report_at=report_not_due(),
    )


async def _answered_and_escalated(
    bot: RunningBot, fake: FakeTelegram, name: str = "مریم"
) -> tuple[OpenTicket, SentMessage]:
    """A ticket first line answered, then escalated to the L2 group; return it and its L2
    card."""
    opened = await hand_off(bot, fake, name)
    agent = fake.new_agent("سارا")
    heard = len(fake.sent_to(opened.user.id))
    fake.agent_sends_in_topic(agent, opened.thread_id, "سلام، بررسی می‌کنم")
    await fake.wait_for_messages_async(opened.user.id, heard + 1)
    await settled(bot, fake)
    before = len(fake.topics(L2_CHAT))
    fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
    await fake.wait_for_async(
        lambda: len(fake.topics(L2_CHAT)) > before, timeout=10, what="the L2 topic"
    )
    await settled(bot, fake)
    l2_thread = fake.topics(L2_CHAT)[-1].thread_id
    return opened, fake.sent_to(L2_CHAT, l2_thread)[0]


def _moved(ticket_id: int, **values: Any) -> Callable[[AsyncSession], Any]:
    statement = update(Ticket).where(Ticket.id == ticket_id).values(**values)
    return lambda session: session.execute(statement)


def _general(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text or "" for m in fake.sent_to(chat_id) if m.thread_id is None]


async def test_second_lines_deadline_is_on_its_card_and_in_tickets(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The L2 card said «✅ اولین پاسخ … (در مهلت)» with no waiting line, and /tickets no wait
    # and no ⚠️, however long L2 left the ticket unanswered.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, card = await _answered_and_escalated(bot, fake)
        drawn = card.text or ""
        row = await ticket(bot, opened.ticket_id)
        expert = fake.new_agent("متخصص", chat_id=L2_CHAT)
        fake.agent_sends_in_topic(expert, None, "/tickets", chat_id=L2_CHAT)
        await settled(bot, fake)
        past = utcnow() - timedelta(minutes=20)
        await bot.db(_moved(opened.ticket_id, l2_response_due=past))
        fake.agent_sends_in_topic(expert, None, "/tickets", chat_id=L2_CHAT)
        await settled(bot, fake)
        fake.agent_sends_in_topic(expert, card.thread_id, "/claim", chat_id=L2_CHAT)
        await settled(bot, fake)
        heard = len(fake.sent_to(opened.user.id))
        fake.agent_sends_in_topic(expert, card.thread_id, "راه‌حل این است", chat_id=L2_CHAT)
        await fake.wait_for_messages_async(opened.user.id, heard + 1)
        await settled(bot, fake)
        answered = await ticket(bot, opened.ticket_id)
    assert row.escalated_at is not None and row.l2_response_due is not None
    assert row.l2_response_due == row.escalated_at + timedelta(hours=4)
    assert f"مهلت پاسخ سطح ۲: {jalali(row.l2_response_due)} (" in drawn
    assert "مشتری منتظر پاسخ است:" in drawn
    waiting, overdue = [t for t in _general(fake, L2_CHAT) if t.startswith("تیکت‌های باز")]
    assert "منتظر" in waiting and "⚠️" not in waiting
    assert "⚠️ مهلت پاسخ گذشت" in overdue
    assert answered.l2_response_at is not None
    assert f"پاسخ سطح ۲: {jalali(answered.l2_response_at)} (" in (card_now(fake, card).text or "")


async def test_the_customer_is_told_within_what_time_second_line_answers(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # They heard «به‌زودی پاسخ می‌گیرید» and nothing of when, while a hand-off says it.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, _card = await _answered_and_escalated(bot, fake)
    assert fake.sent_to(opened.user.id)[-1].text == (
        f"درخواست #{fa_digits(opened.ticket_id)} شما برای بررسی بیشتر به کارشناسان فنی ما سپرده شد."
        " معمولاً ظرف ۴ ساعت پاسخ می‌گیرید."
    )


async def test_the_customer_is_told_when_the_desk_opens_if_escalated_while_it_is_closed(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    fake.add_group(L2_CHAT, "سطح ۲", forum=True)
    today = utcnow().astimezone(TEHRAN).date()
    closed_today = str(jdatetime.date.fromgregorian(date=today))
    settings = make_settings(
        fake, database_url, kb_dir, l2_chat_id=L2_CHAT, support_holidays=closed_today
    )
    async with running_bot(settings, fake) as bot:
        opened, _card = await _answered_and_escalated(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert row.escalated_at is not None and row.l2_response_due is not None
    calendar = settings.calendar
    assert calendar is not None
    opens = calendar.next_open("standard", row.escalated_at)
    told = fake.sent_to(opened.user.id)[-1].text or ""
    assert told.startswith(
        f"درخواست #{fa_digits(opened.ticket_id)} شما برای بررسی بیشتر به کارشناسان فنی ما سپرده شد."
        " امروز"
    )
    assert (
        f"کارشناسان از {day_and_time(opens)} به وقت تهران پاسخ می‌دهند و پاسخ شما حداکثر تا"
        f" {day_and_time(row.l2_response_due)} می‌رسد."
    ) in told


async def test_a_customer_writing_long_after_the_escalation_hears_when_l2_answers(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, _card = await _answered_and_escalated(bot, fake)
        row = await ticket(bot, opened.ticket_id)
        assert row.escalated_at is not None and row.l2_response_due is not None
        assert row.first_response_at is not None
        earlier = timedelta(minutes=40)  # all of it happened that long ago
        await bot.db(
            _moved(
                opened.ticket_id,
                opened_at=row.opened_at - earlier,
                first_response_at=row.first_response_at - earlier,
                escalated_at=row.escalated_at - earlier,
                l2_response_due=row.l2_response_due - earlier,
            )
        )
        heard = len(fake.sent_to(opened.user.id))
        fake.user_sends_text(opened.user, "کسی نیست؟")
        await fake.wait_for_messages_async(opened.user.id, heard + 1)
        await settled(bot, fake)
    assert fake.sent_to(opened.user.id)[-1].text == (
        f"پیامتان به درخواست #{fa_digits(opened.ticket_id)} اضافه شد و کارشناس آن را می‌بیند. "
        f"پاسخ حداکثر تا {day_and_time(row.l2_response_due - earlier)} به وقت تهران می‌رسد."
    )


async def test_second_lines_missed_deadline_is_alerted_as_at_l2_to_its_group_and_supervisors(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        late, _ = await _answered_and_escalated(bot, fake, "مریم")
        gone, _ = await _answered_and_escalated(bot, fake, "نیما")
        fake.user_blocks_bot(gone.user)  # no reply can reach them: no alert either
        await settled(bot, fake)
        past = utcnow() - timedelta(minutes=7)
        for opened in (late, gone):
            await bot.db(_moved(opened.ticket_id, l2_response_due=past))
        await fake.wait_for_async(lambda: _general(fake, SUPERVISORS), timeout=10, what="alert")
        await asyncio.sleep(1)  # five more looks
        events = await bot.rows(
            TicketEvent, TicketEvent.kind.in_(("sla_breached", "l2_sla_breached"))
        )
    (alert,) = _general(fake, SUPERVISORS)
    assert alert.startswith(
        f"⚠️ مهلت پاسخ سطح ۲ گذشت: تیکت #{fa_digits(late.ticket_id)} · مریم\u200f"
    )
    assert "۷ دقیقه گذشته است؛ سطح ۲ هنوز پاسخ نداده. در دست: هیچ‌کس" in alert
    assert [t for t in _general(fake, L2_CHAT) if t.startswith("⚠️")] == [alert]  # where it is
    assert not [t for t in _general(fake, fake.agent_chat_id) if t.startswith("⚠️")]
    assert [(e.ticket_id, e.kind) for e in events] == [(late.ticket_id, "l2_sla_breached")]


async def test_second_lines_deadline_is_warned_in_the_l2_topic(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, card = await _answered_and_escalated(bot, fake)
        posted = len(fake.sent_to(L2_CHAT, card.thread_id))
        soon = utcnow() + timedelta(minutes=5, seconds=30)
        await bot.db(_moved(opened.ticket_id, l2_response_due=soon))
        await fake.wait_for_async(
            lambda: len(fake.sent_to(L2_CHAT, card.thread_id)) > posted,
            timeout=10,
            what="the warning",
        )
    warning = fake.sent_to(L2_CHAT, card.thread_id)[-1].text or ""
    assert warning.startswith("⏰ ۵ دقیقه تا پایان مهلت پاسخ سطح ۲")
    assert "از ارجاع تا کنون پاسخی به مشتری نرفته است" in warning


async def test_a_tier_changed_at_l2_names_second_lines_deadline(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «/tier vip» in the L2 topic said «مهلت اولین پاسخ: …»: the first response's, met long
    # before, not the deadline the ticket now answers to.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, card = await _answered_and_escalated(bot, fake)
        expert = fake.new_agent("متخصص", chat_id=L2_CHAT)
        fake.agent_sends_in_topic(expert, card.thread_id, "/tier vip", chat_id=L2_CHAT)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    notice = [m.text or "" for m in fake.sent_to(L2_CHAT, card.thread_id) if "⭐" in (m.text or "")]
    assert row.l2_response_due is not None
    assert notice and f"مهلت پاسخ سطح ۲: {jalali(row.l2_response_due)}" in notice[-1]
    assert "مهلت اولین پاسخ" not in notice[-1]
