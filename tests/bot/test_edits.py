"""A customer mends a message by editing it: the bot reads the new words, or the agents see them."""

from __future__ import annotations

from bot import desk_texts
from bot.config import Settings
from bot.formatting import bound, plain_text
from bot.handlers.edits import EDIT_SHOWN_MAX
from handoff.persian import utf16_len
from storage.models import KBDecision, Ticket, TicketEvent
from tests.bot.desk_support import card_now, hand_off, settled, topic_texts
from tests.bot.support import ANSWER_TITLE, ANSWERED, UNKNOWN, running_bot
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.builders import incoming

LOCKED = "حسابم قفل شده"


async def test_an_edited_question_gets_the_answer_to_its_new_words(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        asked = fake.user_sends_text(user, LOCKED)
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_edits(asked, ANSWERED)
        replies = await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        decisions = await bot.rows(KBDecision)
    assert "۳۰ دقیقه" in (replies[0].text or "")  # the locked-account article
    assert "فراموشی رمز" in (replies[1].text or "")  # then the password one
    assert replies[1].button_texts == ["👍 بله، کمک کرد", "👎 نه"]
    assert [(d.query, d.article_id) for d in decisions] == [
        (LOCKED, "account-locked"),
        (ANSWERED, "password-reset"),
    ]


async def test_an_edit_the_answer_on_screen_still_fits_gets_no_second_copy(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        asked = fake.user_sends_text(user, "رمزم یادم رفتع")
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_edits(asked, ANSWERED)  # the typo mended: still the password article
        fake.user_edits(asked, ANSWERED + "!")  # punctuation only: nothing new to read
        await settled(bot, fake)
        assert len(fake.sent_to(user.id)) == 1
        fake.user_edits(asked, LOCKED)  # and then another question after all
        replies = await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
    assert "فراموشی رمز" in (replies[0].text or "")
    assert "۳۰ دقیقه" in (replies[1].text or "")  # the locked-account article


async def test_an_edit_of_an_older_message_is_not_answered_far_below_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        first = fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_sends_text(user, "ممنون")
        await fake.wait_for_messages_async(user.id, 2)
        fake.user_edits(first, LOCKED)
        await settled(bot, fake)
        decisions = await bot.rows(KBDecision)
    assert len(fake.sent_to(user.id)) == 2
    assert [d.query for d in decisions] == [ANSWERED]  # «ممنون» asked the KB nothing


async def test_an_edit_to_a_question_the_kb_cannot_answer_opens_a_ticket_for_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        asked = fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_edits(asked, UNKNOWN)
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert ticket.question == UNKNOWN and UNKNOWN in (card.text or "")
    assert "#۱" in (fake.sent_to(user.id)[-1].text or "")
    assert "پیش از این" not in (card.text or "")  # the words mended are not another question


async def test_a_screenshots_caption_mended_is_read_again_as_a_typed_question_is(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # A screenshot's caption is its question; mending it by an edit went unread (only a
    # typed question was read again), so the guides for the old words stayed the answer.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        shot = fake.user_sends_photo(user, caption=LOCKED)
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_edits(shot, ANSWERED)
        replies = await fake.wait_for_messages_async(user.id, 2)
        fake.user_edits(shot, ANSWERED + "!")  # punctuation only: nothing new to read
        await settled(bot, fake)
        decisions = await bot.rows(KBDecision)
    assert "۳۰ دقیقه" in (replies[0].text or "")  # the locked-account article
    assert "فراموشی رمز" in (replies[1].text or "")  # then the password one
    assert [(d.query, d.article_id) for d in decisions] == [
        (LOCKED, "account-locked"),
        (ANSWERED, "password-reset"),
    ]
    assert len(fake.sent_to(user.id)) == 2


async def test_a_caption_mended_into_a_question_the_kb_cannot_answer_takes_the_screenshot(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        shot = fake.user_sends_photo(user, caption=ANSWERED)
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_edits(shot, UNKNOWN)
        card, copy = await fake.wait_for_messages_async(fake.agent_chat_id, 2)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert ticket.question == UNKNOWN and UNKNOWN in (card.text or "")
    assert (copy.kind, copy.caption) == ("photo", UNKNOWN)  # the screenshot, as it reads now


async def test_a_question_mended_before_the_hand_off_is_listed_on_the_card_as_mended(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        asked = fake.user_sends_text(user, LOCKED)
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_edits(asked, ANSWERED)
        await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        fake.user_sends_text(user, UNKNOWN)
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
    listed = (card.text or "").split("پیش از این، مشتری از ربات پرسیده بود:\n")[1]
    assert listed.split("\n\n")[0] == f"• \u200f«{ANSWERED}» ← ربات «{ANSWER_TITLE}» را فرستاد"


async def test_the_agents_see_an_edit_of_the_question_on_the_card(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        asked = fake.user_sends_text(user, UNKNOWN)
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        fake.user_edits(asked, "قیمت <b>گوجه</b> امروز چنده؟")
        await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=card.thread_id)
        await settled(bot, fake)
        fake.user_edits(asked, "قیمت خیار امروز چنده؟")  # and again: the card follows
        await fake.wait_for_messages_async(fake.agent_chat_id, 3, thread_id=card.thread_id)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
        events = await bot.rows(TicketEvent, TicketEvent.kind == "question_edited")
        notices = topic_texts(fake, fake.topics()[0].thread_id)
    assert ticket.question == "قیمت خیار امروز چنده؟"
    assert "قیمت خیار امروز چنده؟" in (card_now(fake, card).text or "")
    assert "قیمت خیار" in fake.topics()[0].name  # the topic list shows it too
    assert UNKNOWN not in (card_now(fake, card).text or "")
    assert "✏️" in notices[1] and "قیمت <b>گوجه</b> امروز چنده؟" in notices[1]  # shown, not bold
    assert "قیمت خیار امروز چنده؟" in notices[2]
    assert [e.data["after"] for e in events] == ["قیمت <b>گوجه</b> امروز چنده؟", ticket.question]
    assert len(fake.sent_to(user.id)) == 1  # the customer was only told the ticket's number


async def test_an_edit_of_a_message_from_before_the_ticket_stays_with_the_customer(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        greeting = fake.user_sends_text(user, "سلام")
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_sends_text(user, UNKNOWN)
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        fake.user_edits(greeting, "سلام وقت بخیر")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert topic_texts(fake, fake.topics()[0].thread_id) == [card.text]
    assert ticket.question == UNKNOWN


async def test_an_edited_rating_comment_is_not_taken_for_a_question(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        fake.agent_sends_in_topic(fake.new_agent(), opened.thread_id, "/close")
        asked = (await fake.wait_for_messages_async(opened.user.id, 2))[-1]
        await settled(bot, fake)
        fake.user_presses(opened.user, asked, f"r:{opened.ticket_id}:4")
        await fake.wait_for_messages_async(opened.user.id, 3)
        comment = fake.user_sends_text(opened.user, "کارشناس خوب بود")
        await fake.wait_for_messages_async(opened.user.id, 4)
        await settled(bot, fake)
        fake.user_edits(comment, "کارشناس خوب بود ولی پرینتر طبقه دوم هنوز خراب است")
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert len(tickets) == 1  # no ticket, no answer for a comment mended
    assert len(fake.sent_to(opened.user.id)) == 4


async def test_a_screenshot_replaced_under_its_caption_is_replaced_on_the_other_side(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Only the (unchanged) caption was mirrored: agents went on reading the old screenshot,
    # and a customer the photo an agent had replaced.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        shot = fake.user_sends_photo(opened.user, caption="این خطا را می‌بینم")
        (_card, copy) = await fake.wait_for_messages_async(
            fake.agent_chat_id, 2, thread_id=opened.thread_id
        )
        answer = fake.agent_sends_in_topic(agent, opened.thread_id, media="photo")
        (_told, answer_copy) = await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        fake.sender_replaces_media(shot, "photo", data=b"the right screenshot")
        fake.sender_replaces_media(answer, "document", data=b"a guide")
        await settled(bot, fake)
    topic_copy = fake.message(fake.agent_chat_id, copy.message_id)
    customer_copy = fake.message(opened.user.id, answer_copy.message_id)
    assert topic_copy.file is not None and topic_copy.file.data == b"the right screenshot"
    assert topic_copy.caption == "این خطا را می‌بینم"
    assert customer_copy.kind == "document"
    assert customer_copy.file is not None and customer_copy.file.data == b"a guide"


async def test_a_caption_mended_under_a_spoilered_photo_keeps_the_copy_covered(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The edit goes as editMessageMedia (the file may have been replaced): without the
    # spoiler in it, an ID card photo sent covered was uncovered in the topic.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        with fake.state.lock:
            shown = {"has_media_spoiler": True, "show_caption_above_media": True}
            covered = incoming(
                fake.state,
                fake._private(opened.user),
                opened.user,
                "photo",
                caption="کارت ملی",
                payload=shown,
            )
            sent = fake._enqueue_message(covered)
        await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=opened.thread_id)
        await settled(bot, fake)
        fake.user_edits(sent, "کارت ملی من")
        await settled(bot, fake)
    (edit,) = fake.api_calls("editMessageMedia")
    media = edit.params["media"]
    assert (media["caption"], media["has_spoiler"], media["show_caption_above_media"]) == (
        "کارت ملی من",
        True,
        True,
    )


async def test_an_edit_a_copy_cannot_take_is_said_under_it_on_both_sides(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Telegram copies a Premium user's 1,500-character caption but lets no bot edit one past
    # 1,024: each side's edit was dropped with a line in the log, the agents reading the old
    # words and the agent believing the customer read the new ones.
    fake = fake_telegram
    long = ("این خطا را هنگام ورود می‌بینم؛ " * 50).strip()
    mended = "<b>اصلاح</b>: " + long
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        shot = fake.user_sends_photo(opened.user, caption=long)
        (_card, copy) = await fake.wait_for_messages_async(
            fake.agent_chat_id, 2, thread_id=opened.thread_id
        )
        answer = fake.agent_sends_in_topic(agent, opened.thread_id, media="photo", caption=long)
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        fake.user_edits(shot, mended)
        fake.agent_edits(answer, "راهنمای درست: " + long)
        await settled(bot, fake)
    # Two chats' edits, handled side by side: told in either order.
    below = {
        m.reply_to_message_id: m
        for m in fake.sent_to(fake.agent_chat_id)
        if m.thread_id == opened.thread_id and m.reply_to_message_id is not None
    }
    below_copy, below_answer = below[copy.message_id], below[answer.message_id]
    assert (below_copy.text or "").startswith("✏️ مشتری این پیام را ویرایش کرد")
    assert mended in (below_copy.text or "")  # as typed, not bold
    assert "این ویرایش به مشتری نرسید" in (below_answer.text or "")
    assert "۱۰۲۴" in (below_answer.text or "")
    assert fake.sent_to(opened.user.id)[-1].caption == long  # their copy as it was


def test_the_new_words_shown_under_a_copy_fit_one_message_even_in_emoji() -> None:
    # Telegram counts a message in UTF-16 units, two an emoji: 3,000 of them went past 4,096.
    said = desk_texts.customer_edit_not_shown(bound("😀" * 5000, EDIT_SHOWN_MAX))
    assert utf16_len(plain_text(said)) <= 4096
