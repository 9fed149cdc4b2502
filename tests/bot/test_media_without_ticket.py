"""Photos and files sent with no ticket open: a caption is the customer's question, and an
album is answered once."""

from __future__ import annotations

from bot import texts
from bot.config import Settings
from storage.models import Message, MessageLink, Ticket
from tests.bot.support import ANSWERED, UNKNOWN, running_bot, settled
from tests.fake_telegram import FakeTelegram


async def test_an_album_without_words_gets_one_reply_not_one_per_photo(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        album = fake.user_sends_album(user, 3)
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_sends_text(user, "سلام")  # a later message is answered as ever
        await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        logged = await bot.rows(Message, Message.direction == "in")
    replies = fake.sent_to(user.id)
    assert [m.text for m in replies] == [texts.NON_TEXT_NO_TICKET, texts.SMALL_TALK_GREETING]
    group = album[0].message["media_group_id"]
    assert [m.media_group_id for m in logged] == [group, group, group, None]  # one album


async def test_a_screenshot_captioned_with_a_question_the_kb_answers_gets_the_answer(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_photo(user, caption=ANSWERED)
        answer = (await fake.wait_for_messages_async(user.id, 1))[0]
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert "فراموشی رمز" in (answer.text or "")
    assert answer.button_texts == ["👍 بله، کمک کرد", "👎 نه"]
    assert tickets == []


async def test_a_captioned_album_the_kb_cannot_answer_reaches_the_agents_with_its_photos(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        sent = fake.user_sends_album(user, 2, caption=UNKNOWN)
        (card, *copies) = await fake.wait_for_messages_async(fake.agent_chat_id, 3)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
        links = await bot.rows(MessageLink)
    assert ticket.question == UNKNOWN and UNKNOWN in (card.text or "")
    assert [m.kind for m in copies] == ["photo", "photo"]
    assert copies[0].caption == UNKNOWN and copies[0].media_group_id
    assert sorted(link.customer_message_id for link in links) == [s.message_id for s in sent]
    assert len(fake.sent_to(user.id)) == 1  # "ticket opened", once for the album
    assert len(fake.sent_to(fake.agent_chat_id)) == 3  # the card and the album, nothing twice


async def test_a_photo_captioned_only_with_a_greeting_is_still_something_to_describe(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_photo(user, caption="سلام")
        (reply,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert reply.text == texts.NON_TEXT_NO_TICKET
    assert tickets == []
