"""A customer who refuses a person («کارشناس نمیخوام») stays with the bot: no ticket is forced."""

from __future__ import annotations

from bot import texts
from bot.config import Settings
from storage.models import KBDecision, Ticket
from tests.bot.support import ANSWER_TITLE, UNKNOWN, running_bot, settled
from tests.fake_telegram import FakeTelegram


async def test_a_person_refused_opens_no_ticket_and_says_how_to_ask_later(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «نمیخوام با کارشناس صحبت کنم» opened a ticket at once, read as a request for a person.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "نمیخوام با کارشناس صحبت کنم")
        (told,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        assert await bot.rows(Ticket) == [] and fake.topics() == []
    assert told.content == texts.NO_PERSON
    assert "/human" in told.content


async def test_a_question_beside_a_refused_person_is_answered_from_the_guides(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "کارشناس نمیخوام، رمزم یادم رفته")
        await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        assert await bot.rows(Ticket) == []
    assert ANSWER_TITLE in (fake.sent_to(user.id)[0].content or "")


async def test_no_guide_for_a_refused_person_offers_one_whose_ticket_keeps_the_question(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    asked = f"نیازی به کارشناس نیست، {UNKNOWN}"
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, asked)
        (told,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        assert await bot.rows(Ticket) == [] and fake.topics() == []
        assert told.content == texts.NO_GUIDE_NO_PERSON
        (decision,) = await bot.rows(KBDecision)
        assert (decision.query, decision.kind) == (asked, "handoff")
        fake.user_presses_button(user, told, texts.PERSON_BUTTON)  # changed their mind
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert (ticket.question, ticket.reason) == (asked, "no_answer")
