"""Photos and files sent with no ticket open: a caption is the customer's question, and an
album is answered once."""

from __future__ import annotations

from bot import texts
from bot.config import Settings
from storage.models import Message, MessageLink, Ticket
from tests.bot.desk_support import card_now
from tests.bot.support import ANSWERED, UNKNOWN, running_bot, settled
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import User


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


def send_files_captioned_last(fake: FakeTelegram, user: User, caption: str) -> None:
    """Three documents in one album, the words under the last (a client's grouped files)."""
    with fake.state.lock:
        group = fake.state.new_media_group_id()
        for index in range(3):
            said = caption if index == 2 else None
            fake.user_sends_document(user, caption=said, media_group_id=group)


async def test_an_album_whose_words_are_under_its_last_item_is_answered_from_them(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The first file has no caption: the customer was told «I cannot read this kind of
    # message», and the question under the last file went unread.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        asker = fake.new_user()
        send_files_captioned_last(fake, asker, ANSWERED)
        (answer,) = await fake.wait_for_messages_async(asker.id, 1)
        stuck = fake.new_user()
        send_files_captioned_last(fake, stuck, UNKNOWN)
        (card, *copies) = await fake.wait_for_messages_async(fake.agent_chat_id, 1 + 3)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert "فراموشی رمز" in (answer.text or "") and len(fake.sent_to(asker.id)) == 1
    assert ticket.question == UNKNOWN and UNKNOWN in (card.text or "")
    assert [m.kind for m in copies] == ["document"] * 3 and copies[2].caption == UNKNOWN


async def test_editing_the_caption_that_is_the_question_updates_the_card_and_the_copy(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        photo = fake.user_sends_photo(user, caption=UNKNOWN)
        (card, copy) = await fake.wait_for_messages_async(fake.agent_chat_id, 2)
        await settled(bot, fake)
        mended = UNKNOWN + " در فروشگاه سازمان"
        fake.user_edits(photo, mended)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert ticket.question == mended
    assert mended in (card_now(fake, card).text or "")
    assert fake.message(fake.agent_chat_id, copy.message_id).caption == mended


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


async def test_a_voice_the_bot_cannot_read_reaches_a_person_with_one_press(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        voice = fake.user_sends_voice(user)
        (reply,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        fake.user_presses_button(user, reply, texts.SEND_TO_PERSON)
        (card, copy) = await fake.wait_for_messages_async(fake.agent_chat_id, 2)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
        (link,) = await bot.rows(MessageLink)
    assert (copy.kind, copy.method, copy.thread_id) == ("voice", "copyMessage", card.thread_id)
    assert link.customer_message_id == voice.message_id and link.ticket_id == ticket.id
    assert "#۱" in (fake.sent_to(user.id)[-1].text or "")  # told the ticket's number
    # not asked to write what the voice says: the agent hears it
    assert texts.DESCRIBE_IT not in (fake.sent_to(user.id)[-1].text or "")
    assert fake.message(user.id, reply.message_id).button_texts == []  # pressed once, gone


async def test_an_album_sent_to_a_person_reaches_the_topic_as_one_album(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        album = fake.user_sends_album(user, 3)
        (reply,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        fake.user_presses_button(user, reply, texts.SEND_TO_PERSON)
        (_card, *copies) = await fake.wait_for_messages_async(fake.agent_chat_id, 4)
        await settled(bot, fake)
        links = await bot.rows(MessageLink)
    assert [m.kind for m in copies] == ["photo"] * 3
    assert [m.method for m in copies] == ["copyMessages"] * 3
    assert sorted(link.customer_message_id for link in links) == [a.message_id for a in album]


async def test_a_forged_send_to_a_person_press_copies_nothing_the_customer_did_not_send(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_voice(user)
        (reply,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        # the bot's own message in their chat, not something they sent
        fake.user_presses(user, reply, f"h:m:{reply.message_id}", check=False)
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert ticket.customer_id == user.id  # a ticket, as the plain person button opens
    topic = fake.topics()[-1].thread_id
    assert [m.method for m in fake.sent_to(fake.agent_chat_id, topic)] == ["sendMessage"]
