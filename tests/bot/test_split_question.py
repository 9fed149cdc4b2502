"""A question split over messages: the second half is read with the first while its guides wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.config import Settings
from bot.handlers.questions import FOLLOW_ON_WINDOW
from storage.models import KBDecision, Ticket
from tests.bot.support import ANSWER_TITLE, RunningBot, running_bot, settled
from tests.fake_telegram import FakeTelegram, User


async def _offered_guides(bot: RunningBot, fake: FakeTelegram, user: User, text: str) -> None:
    fake.user_sends_text(user, text)
    (offer,) = await fake.wait_for_messages_async(user.id, 1)
    await settled(bot, fake)
    assert offer.inline_buttons, "guides to pick from"


async def test_the_rest_of_a_question_sent_after_guides_were_offered_is_answered(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «یادم نمیاد» alone got guides again; with «پسورد» before it, it is the password.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        await _offered_guides(bot, fake, user, "پسورد")
        fake.user_sends_text(user, "یادم نمیاد")
        await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        decisions = await bot.rows(KBDecision)
    assert ANSWER_TITLE in (fake.sent_to(user.id)[1].content or "")
    assert (decisions[-1].query, decisions[-1].article_id) == (
        "پسورد\nیادم نمیاد",
        "password-reset",
    )


async def test_a_second_half_that_alone_finds_nothing_is_no_ticket_while_guides_wait(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «روی گوشیم نمیاد» alone matched nothing and went to a person, though «ایمیل» came first.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        await _offered_guides(bot, fake, user, "ایمیل")
        fake.user_sends_text(user, "روی گوشیم نمیاد")
        await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        assert await bot.rows(Ticket) == [] and fake.topics() == []
    assert "راه‌اندازی ایمیل سازمانی در گوشی" in (fake.sent_to(user.id)[1].content or "")


async def test_a_message_long_after_the_guides_is_read_on_its_own(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        await _offered_guides(bot, fake, user, "ایمیل")
        earlier = datetime.now(UTC) - FOLLOW_ON_WINDOW - timedelta(seconds=5)
        await bot.db(lambda session: session.execute(update(KBDecision).values(created_at=earlier)))
        fake.user_sends_text(user, "روی گوشیم نمیاد")
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert ticket.question == "روی گوشیم نمیاد"


async def test_a_new_question_after_guides_is_not_offered_the_earlier_ones_again(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Read with «ایمیل» before it, the printer went unheard: the email guide came back.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        await _offered_guides(bot, fake, user, "ایمیل")
        fake.user_sends_text(user, "پرینتر طبقه دوم کاغذ گیر کرده")
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert ticket.question == "پرینتر طبقه دوم کاغذ گیر کرده"


async def test_the_second_half_edited_is_read_with_the_first_half_again(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «روی گوشیم نمیاد» after «ایمیل» got the email-on-the-phone guide; edited to «روی گوشیم
    # نیست», it was read alone, found nothing and went to a person (after an edit the guide
    # on screen still fit, too: a review found that one recorded nothing to read it with).
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        await _offered_guides(bot, fake, user, "ایمیل")
        second = fake.user_sends_text(user, "روی گوشیم نمیاد")
        await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        fake.user_edits(second, "روی گوشی نمیاد")  # the same guide fits: nothing new
        await settled(bot, fake)
        fake.user_edits(second, "روی گوشیم نیست")  # read with «ایمیل» still
        await settled(bot, fake)
        assert await bot.rows(Ticket) == [] and fake.topics() == []
        decisions = await bot.rows(KBDecision)
    assert len(fake.sent_to(user.id)) == 2  # the guide on screen still answers it
    assert "راه‌اندازی ایمیل سازمانی در گوشی" in (fake.sent_to(user.id)[1].content or "")
    assert decisions[-1].query == "ایمیل\nروی گوشیم نمیاد"
