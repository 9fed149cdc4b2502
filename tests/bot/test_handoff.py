"""Hand-off: a ticket, its forum topic and card, and everything the customer sends copied there."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot import desk_texts, executor, keyboards, pipeline, telegram_errors, texts
from bot.config import Settings
from bot.formatting import plain_text
from handoff.hours import SupportCalendar
from handoff.persian import day_and_time
from handoff.sla import first_response_due
from storage.models import Message, MessageLink, Ticket, TicketEvent
from tests.bot.desk_support import hand_off
from tests.bot.support import (
    AMBIGUOUS,
    ANSWER_TITLE,
    ANSWERED,
    UNKNOWN,
    RunningBot,
    running_bot,
    settled,
)
from tests.fake_telegram import FakeTelegram, User
from tests.fake_telegram.builders import incoming
from tests.fake_telegram.state import Injected


async def test_unknown_question_opens_a_ticket_with_topic_and_card(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user("مریم", username="maryam_fa", last_name="احمدی")
        fake.user_sends_text(user, UNKNOWN)
        (told,) = await fake.wait_for_messages_async(user.id, 1)
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
        events = await bot.rows(TicketEvent)
        (incoming,) = await bot.rows(Message, Message.direction == "in")
    assert "#۱" in (told.text or "")
    # when to expect an answer (standard tier): on the contract's open hours, whichever
    # side of them this test runs on (tests/bot/test_ticket_texts.py has both, at fixed times)
    calendar = SupportCalendar()
    assert ticket.first_response_due == first_response_due("standard", ticket.opened_at, calendar)
    opens = calendar.next_open("standard", ticket.opened_at)
    if opens <= ticket.opened_at:
        assert "۴ ساعت کاری" in (told.text or "")
    else:
        assert "خارج از ساعت کاری" in (told.text or "")
        assert day_and_time(opens) in (told.text or "")
    assert day_and_time(ticket.first_response_due) in (told.text or "")
    (topic,) = fake.topics()
    assert topic.name.startswith("#۱ · مریم احمدی\u200f · ")
    assert UNKNOWN in topic.name
    assert card.thread_id == topic.thread_id
    text = card.text or ""
    assert "مریم احمدی" in text and "@maryam_fa" in text
    assert UNKNOWN in text
    assert "بازیابی رمز عبور" in text or "اتصال" in text  # the articles the bot tried
    actions = [f"t:claim:{ticket.id}", f"t:esc:{ticket.id}", f"t:close:{ticket.id}"]
    assert card.callback_datas[:3] == actions
    # then one button per article the bot tried (sends it to the customer)
    assert card.callback_datas[3:] == [f"t:art{i}:{ticket.id}" for i in range(len(ticket.tried))]
    assert (ticket.status, ticket.reason, ticket.question) == ("open", "no_answer", UNKNOWN)
    assert ticket.thread_id == topic.thread_id
    assert ticket.card_message_id == card.message_id
    assert ticket.opening_update_id is not None
    assert ticket.first_response_due is not None
    assert [e.kind for e in events] == ["opened"]
    assert incoming.ticket_id == ticket.id


async def _new_topic(bot: RunningBot, fake: FakeTelegram, user: User, text: str) -> int:
    """The customer sends `text`, which opens a ticket; return its topic once settled."""
    before = len(fake.topics())
    fake.user_sends_text(user, text)
    await fake.wait_for_async(lambda: len(fake.topics()) > before, timeout=10, what="a topic")
    await settled(bot, fake)
    return fake.topics()[-1].thread_id


def _card_text(fake: FakeTelegram, thread_id: int) -> str:
    return fake.sent_to(fake.agent_chat_id, thread_id)[0].text or ""


async def test_the_card_lists_what_else_the_customer_asked_just_before(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user("مریم")
        fake.user_sends_text(user, "سلام وقتتون بخیر")  # small talk: not a question to list
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_sends_text(user, ANSWERED)
        (_, answer) = await fake.wait_for_messages_async(user.id, 2)
        (helpful,) = [data for data in answer.callback_datas if data.endswith(":1")]
        await fake.wait_for_answer_async(fake.user_presses(user, answer, helpful))
        fake.user_sends_text(user, AMBIGUOUS)
        # A bare request for a person: not a question to list.
        handed_off = await _new_topic(bot, fake, user, "/human")
        alone = await _new_topic(bot, fake, fake.new_user("سارا"), UNKNOWN)
        first, second = await bot.rows(Ticket)
    card = _card_text(fake, handed_off)
    # The ticket is about the last question; the one before it, answered and liked, is listed.
    assert first.question == AMBIGUOUS
    listed = card.split("پیش از این، مشتری از ربات پرسیده بود:\n")[1].split("\n\n")[0]
    assert listed == f"• \u200f«{ANSWERED}» ← ربات «{ANSWER_TITLE}» را فرستاد؛ مشتری: مفید بود 👍"
    assert second.question == UNKNOWN
    assert "پیش از این" not in _card_text(fake, alone)  # a customer who asked nothing else


async def test_a_follow_up_card_does_not_list_what_the_closed_ticket_was_about(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user("مریم")
        fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1)
        closed = await _new_topic(bot, fake, user, "/human")
        fake.agent_sends_in_topic(fake.new_agent(), closed, "/close")
        await settled(bot, fake)
        # minutes later
        follow_up = await _new_topic(bot, fake, user, "یک مشکل دیگر: ایمیلم باز نمی‌شود")
        first, second = await bot.rows(Ticket)
    card = _card_text(fake, follow_up)
    assert (first.question, second.previous_ticket_id) == (ANSWERED, first.id)
    assert "پیش از این" not in card  # the question before is the closed ticket's, shown above it


async def test_plain_words_for_a_person_open_a_ticket_about_the_last_question(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_sends_text(user, "میخوام با یه آدم حرف بزنم")
        await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert (ticket.reason, ticket.question) == ("asked", ANSWERED)
    assert ticket.tried[0]["id"] == "password-reset"
    assert ticket.tried[0]["title"] == "بازیابی رمز عبور"


async def test_a_short_problem_with_a_request_for_a_person_keeps_its_words(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        topic = await _new_topic(bot, fake, user, "پرینتر خرابه، اپراتور")
        (ticket,) = await bot.rows(Ticket)
    assert ticket.question == "پرینتر خرابه، اپراتور"
    assert "پرینتر خرابه" in _card_text(fake, topic)


async def test_agents_read_a_long_question_whole(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    # Longer than the KB reads (1000 characters), and longer than the card holds (2000).
    story = "سلام. " + "دیروز از صبح سامانهٔ حضور و غیاب پیغام خطای ناشناخته می‌دهد و " * 20
    saga = story * 2
    assert 1000 < len(story.strip()) <= 2000 < len(saga.strip())
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        sent = fake.user_sends_text(user, story)
        await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        fake.user_edits(sent, story + "لطفا بررسی کنید")
        await settled(bot, fake)
        other = fake.new_user()
        topic = await _new_topic(bot, fake, other, saga)
        first, second = await bot.rows(Ticket)
    assert first.question == (story + "لطفا بررسی کنید").strip()  # whole, and the edit taken
    assert len(second.question) == 2000 and second.question.endswith("…")
    _card, copy = fake.sent_to(fake.agent_chat_id, topic)
    assert copy.text == saga  # the rest is not lost: the message itself is in the topic


async def test_a_question_the_card_cuts_is_copied_into_the_topic_too(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Stored whole (up to 2000 characters) but cut on the card at 1500: «کد ۴۷۱۱» at the end
    # of an 1,800-character question reached no agent.
    fake = fake_telegram
    question = "سامانهٔ حضور و غیاب از صبح پیغام خطای ناشناخته می‌دهد و " * 32 + "کد ۴۷۱۱"
    assert 1500 < len(question) <= 2000
    async with running_bot(settings, fake) as bot:
        topic = await _new_topic(bot, fake, fake.new_user(), question)
    card, copy = fake.sent_to(fake.agent_chat_id, topic)
    assert "کد ۴۷۱۱" not in (card.text or "")
    assert copy.text == question


async def test_a_bare_request_is_about_no_greeting_and_no_closed_tickets_question(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        greeter = fake.new_user("مریم")
        fake.user_sends_text(greeter, "سلام وقت بخیر")
        await fake.wait_for_messages_async(greeter.id, 1)
        await _new_topic(bot, fake, greeter, "اپراتور")
        back = fake.new_user("سارا")
        fake.user_sends_text(back, ANSWERED)
        await fake.wait_for_messages_async(back.id, 1)
        closed = await _new_topic(bot, fake, back, "/human")
        fake.agent_sends_in_topic(fake.new_agent(), closed, "/close")
        await settled(bot, fake)
        await _new_topic(bot, fake, back, "/human")  # minutes later: about nothing said yet
        greeted, first, second = await bot.rows(Ticket)
    assert (greeted.question, greeted.tried) == ("", [])
    assert first.question == ANSWERED
    assert (second.question, second.tried) == ("", [])


@pytest.mark.parametrize("request_words", ["/human", "اپراتور"])
async def test_a_request_for_a_person_after_a_thumbs_down_says_the_answer_did_not_help(
    settings: Settings, fake_telegram: FakeTelegram, request_words: str
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        (answer,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        fake.user_presses_button(user, answer, "👎 نه")
        await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        fake.user_sends_text(user, request_words)  # typed, not the offered person button
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert (ticket.reason, ticket.question) == ("not_helpful", ANSWERED)
    assert "پاسخ ربات به کار مشتری نیامد" in (card.text or "")
    assert ticket.tried[0]["id"] == "password-reset"
    # The guide sent and refused is said so, and has no button to send it again (one press did).
    assert f"{ANSWER_TITLE} (" in (card.text or "")
    assert "👎 فرستاده شد و به کار مشتری نیامد" in (card.text or "")
    assert not any(ANSWER_TITLE in label for label in card.button_texts)
    assert "t:art0:" not in " ".join(card.callback_datas)
    assert f"t:art1:{ticket.id}" in card.callback_datas  # the others keep their place


async def test_every_guide_refused_for_the_question_is_marked_not_only_the_last(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # A guide picked from the others after a 👎 and refused too: only it was marked, and the
    # first one refused kept its «send» button.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        (answer,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        fake.user_presses_button(user, answer, "👎 نه")
        (_, others) = await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        picked = others.button_texts[0]
        fake.user_presses_button(user, others, picked)
        await fake.wait_for_messages_async(user.id, 3)
        await settled(bot, fake)
        fake.user_presses_button(user, fake.sent_to(user.id)[-1], "👎 نه")
        await settled(bot, fake)
        if not await bot.rows(Ticket):  # offered something else still: ask for a person
            fake.user_sends_text(user, "اپراتور")
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    refused = {str(item["title"]) for item in ticket.tried if item.get("rejected")}
    assert refused == {ANSWER_TITLE, picked}
    assert not any(ANSWER_TITLE in label or picked in label for label in card.button_texts)


async def test_double_presses_and_fast_requests_open_only_one_ticket(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "/start")
        await fake.wait_for_messages_async(user.id, 2)
        fake.user_sends_text(user, "/human")
        fake.user_sends_text(user, "/human")
        fake.user_sends_text(user, "👤 گفتگو با کارشناس")
        fake.user_sends_text(user, "اپراتور")
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert len(tickets) == 1
    assert len(fake.topics()) == 1
    replies = [m.text or "" for m in fake.sent_to(user.id)[2:]]
    assert "ثبت شد" in replies[0]
    assert all("باز است" in text for text in replies[1:3])
    # «اپراتور» typed while the ticket is open goes to the agents, not back to the bot
    copies = fake.sent_to(fake.agent_chat_id, tickets[0].thread_id)
    assert [m.content for m in copies[1:]] == ["اپراتور"]


# A phone keyboard capitalises the first letter: «/Start» was copied to the agents, unanswered.
@pytest.mark.parametrize("typed", ["/start", "/Start"])
async def test_start_while_a_ticket_is_open_says_a_person_has_it_not_the_guides(
    settings: Settings, fake_telegram: FakeTelegram, typed: str
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake, name="سارا")
        told = len(fake.sent_to(opened.user.id))
        fake.user_sends_text(opened.user, typed)
        (reply,) = (await fake.wait_for_messages_async(opened.user.id, told + 1))[told:]
        await settled(bot, fake)
    assert len(fake.sent_to(opened.user.id)) == told + 1  # one reply, no categories to browse
    assert (reply.text or "").startswith("سلام سارا!")
    assert "#۱" in (reply.text or "") and "باز است" in (reply.text or "")
    assert "از راهنماها پاسخ بدهم" not in (reply.text or "")
    assert reply.button_texts == ["📚 دسته‌ها", "👤 گفتگو با کارشناس"]  # the keyboard stays


async def test_everything_the_customer_sends_while_open_is_copied_into_the_topic(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "/human")
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        sent = [
            fake.user_sends_text(user, ANSWERED),  # no KB answer while a ticket is open
            fake.user_sends_text(user, "<b>نه</b> & <i>تگ</i>"),
            fake.user_sends_photo(user, caption="اسکرین‌شات خطا"),
            fake.user_sends_voice(user),
            fake.user_sends_document(user),
            fake.user_sends_sticker(user),
            fake.user_sends_location(user),
            fake.user_sends_contact(user),
            *fake.user_sends_album(user, 3),
        ]
        copies = await fake.wait_for_messages_async(
            fake.agent_chat_id, 1 + len(sent), thread_id=card.thread_id
        )
        await settled(bot, fake)
        links = await bot.rows(MessageLink)
        (ticket,) = await bot.rows(Ticket)
    relayed = copies[1:]
    assert [m.kind for m in relayed] == [
        "text", "text", "photo", "voice", "document", "sticker", "location", "contact",
        "photo", "photo", "photo",
    ]  # fmt: skip
    assert all(m.method == "copyMessage" for m in relayed[:-3])
    # the album arrives as one album, copied in one call
    assert all(m.method == "copyMessages" for m in relayed[-3:])
    assert len({m.media_group_id for m in relayed[-3:]}) == 1 and relayed[-1].media_group_id
    assert relayed[1].text == "<b>نه</b> & <i>تگ</i>"  # arrives as typed, not as markup
    assert relayed[2].caption == "اسکرین‌شات خطا"
    assert len(fake.sent_to(user.id)) == 1  # only "ticket opened": nothing answered from the KB
    assert sorted(link.customer_message_id for link in links) == sorted(s.message_id for s in sent)
    assert {link.direction for link in links} == {"to_agents"}
    album = sent[-1].message["media_group_id"]
    assert sum(link.media_group_id == album for link in links) == 3
    assert ticket.last_customer_at is not None


async def test_a_burst_while_a_ticket_is_open_reaches_the_agents_whole(
    hurried: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(hurried, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "/human")
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        sent = [fake.user_sends_photo(user, caption=f"تصویر {n}") for n in range(8)]
        copies = await fake.wait_for_messages_async(
            fake.agent_chat_id, 1 + len(sent), thread_id=card.thread_id
        )
        await settled(bot, fake)
        links = await bot.rows(MessageLink)
    assert [m.caption for m in copies[1:]] == [f"تصویر {n}" for n in range(8)]
    assert len(links) == len(sent)
    assert not any(texts.FLOOD_NOTICE in (m.text or "") for m in fake.sent_to(user.id))


async def test_commands_answered_while_a_ticket_is_open_are_held_back_by_flood_control(
    hurried: Settings, fake_telegram: FakeTelegram
) -> None:
    # /help, /start and the keyboard's buttons keep their meaning while a ticket is open:
    # each is answered by the bot, not copied to the agents, and a flood of them was
    # answered in full (two messages each for /help).
    fake = fake_telegram
    async with running_bot(hurried, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "/human")
        await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        before = len(fake.sent_to(user.id))
        for _ in range(9):
            fake.user_sends_text(user, "/help")
        fake.user_sends_photo(user)  # still reaches the agents
        await settled(bot, fake)
    replies = [m.text or "" for m in fake.sent_to(user.id)[before:]]
    assert sum(texts.FLOOD_NOTICE in reply for reply in replies) == 1
    assert len(replies) == 2 * 2 + 1  # /human was the first of three: two answered, the notice
    assert fake.sent_to(fake.agent_chat_id)[-1].kind == "photo"


async def test_edits_never_open_a_second_ticket(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        question = fake.user_sends_text(user, UNKNOWN)
        await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        fake.user_edits(question, "قیمت گوجه امروز چنده؟")
        fake.user_edits(question, "اپراتور")
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert len(tickets) == 1
    assert len(fake.sent_to(user.id)) == 1


async def test_a_copy_that_fails_is_recorded_on_the_ticket(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "/human")
        await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        fake.fail_next("copyMessage", description="Bad Request: message to copy not found")
        first = fake.user_sends_text(user, "پیام اول")
        fake.user_sends_text(user, "پیام دوم")
        await fake.wait_for_messages_async(fake.agent_chat_id, 3)
        await settled(bot, fake)
        events = await bot.rows(TicketEvent)
    failed = [e for e in events if e.kind == "relay_failed"]
    assert len(failed) == 1
    assert "message to copy not found" in failed[0].data["error"].lower()
    copies = [m for m in fake.sent_to(fake.agent_chat_id) if m.method == "copyMessage"]
    assert [m.content for m in copies] == ["پیام دوم"]
    # the agents are told, in Persian, that a message did not arrive
    assert any("پیام به مقصد نرسید" in (m.text or "") for m in fake.sent_to(fake.agent_chat_id))
    # and so is the customer, under that message, so they do not wait for an answer to it
    told = fake.sent_to(user.id)[-1]
    assert (told.text, told.reply_to_message_id) == (texts.NOT_RELAYED, first.message_id)


async def test_a_message_telegram_cannot_copy_is_refused_to_the_customer_with_what_to_send(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        fake.fail_next("copyMessage", description="Bad Request: message can't be copied")
        sent = fake.user_sends_document(opened.user)  # say, a forwarded giveaway or paid media
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
    told = fake.sent_to(opened.user.id)[-1]
    assert (told.text, told.reply_to_message_id) == (texts.NOT_RELAYED_KIND, sent.message_id)
    assert len(fake.sent_to(opened.user.id)) == 2  # the ticket's number, then this; once


async def test_a_slow_telegram_creating_the_topic_still_gets_one_topic(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    # Telegram takes 8 s to make the topic (an incident): waiting for it beats asking again,
    # which made a second, empty topic with the same name once the first call came through.
    fake.delay_next("createForumTopic", 8)
    async with running_bot(settings, fake) as bot:
        user = fake.new_user("مریم")
        asked = time.monotonic()
        fake.user_sends_text(user, UNKNOWN)
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1, timeout=30)
        await asyncio.sleep(max(0.0, asked + 9 - time.monotonic()))  # the slow call is over
        await settled(bot, fake)
    assert [t.thread_id for t in fake.topics()] == [card.thread_id]


async def test_a_copy_caught_by_a_long_telegram_outage_reaches_the_agents_once_it_ends(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Shortened waits: one round of retries is a few milliseconds here, about a minute live.
    monkeypatch.setattr(telegram_errors, "BACKOFF_START", 0.001)
    monkeypatch.setattr(telegram_errors, "BACKOFF_MAX", 0.005)
    monkeypatch.setattr(pipeline, "TELEGRAM_RETRY_SECONDS", 0.05)
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        # Telegram answers 502 for longer than one round of retries, then recovers.
        rounds = 3 * executor.DURABLE_ATTEMPTS
        fake.fail_next("copyMessage", status=502, description="Bad Gateway", times=rounds)
        fake.user_sends_text(opened.user, "هنوز وصل نمی‌شود")
        fake.user_sends_text(opened.user, "و این هم پیام بعدی")
        await fake.wait_for_messages_async(fake.agent_chat_id, 3, thread_id=opened.thread_id)
        await settled(bot, fake)
    copies = [m for m in fake.sent_to(fake.agent_chat_id) if m.method == "copyMessage"]
    assert [m.content for m in copies] == ["هنوز وصل نمی‌شود", "و این هم پیام بعدی"]


async def test_a_topic_telegram_refused_at_hand_off_is_made_with_the_customers_next_message(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user("مریم")
        # An admin took the bot's right to manage topics, then gave it back.
        fake.fail_next(
            "createForumTopic", description="Bad Request: not enough rights to create a topic"
        )
        fake.user_sends_text(user, UNKNOWN)
        await fake.wait_for_messages_async(user.id, 1)  # the customer has a ticket number
        (warning,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        assert fake.topics() == []
        fake.user_sends_text(user, "شمارهٔ قراردادم ۷۷۱ است")
        _, card, late, copy = await fake.wait_for_messages_async(fake.agent_chat_id, 4, timeout=10)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
        events = await bot.rows(TicketEvent)
    # The agents are told where they look, outside any topic, why the ticket has none.
    assert warning.thread_id is None
    assert "برای تیکت #۱ تاپیک ساخته نشد" in (warning.text or "")
    assert "اجازهٔ «مدیریت تاپیک‌ها» را ندارد" in (warning.text or "")
    (topic,) = fake.topics()
    assert ticket.thread_id == topic.thread_id == card.thread_id == copy.thread_id
    assert UNKNOWN in (card.text or "")
    assert late.text == plain_text(desk_texts.TOPIC_LATE)  # why the topic comes late
    assert copy.content == "شمارهٔ قراردادم ۷۷۱ است"
    assert [e.kind for e in events] == ["opened", "topic_failed", "topic_opened"]


async def test_tickets_lists_a_ticket_with_no_topic_yet_without_a_dead_link(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user("مریم")
        fake.fail_next(
            "createForumTopic", description="Bad Request: not enough rights to create a topic"
        )
        fake.user_sends_text(user, UNKNOWN)
        await fake.wait_for_messages_async(fake.agent_chat_id, 1)  # the warning
        await settled(bot, fake)
        fake.agent_sends_in_topic(fake.new_agent(), None, "/tickets")
        _, listed = await fake.wait_for_messages_async(fake.agent_chat_id, 2)
    assert (listed.text or "").endswith(
        "• \u200f#۱ · مریم\u200f · 📭 هنوز تاپیک ندارد · منتظر کمتر از یک دقیقه"
    )
    assert not [e for e in listed.entities if e["type"] == "text_link"]


async def test_while_telegram_still_refuses_the_topic_the_customer_hears_their_message_waits(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user("مریم")
        fake.fail_next(
            "createForumTopic",
            description="Bad Request: not enough rights to create a topic",
            times=2,
        )
        fake.user_sends_text(user, UNKNOWN)
        await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        said = fake.user_sends_text(user, "شمارهٔ قراردادم ۷۷۱ است")
        await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        events = await bot.rows(TicketEvent)
    assert fake.topics() == []
    told = fake.sent_to(user.id)[-1]
    assert (told.text, told.reply_to_message_id) == (texts.NOT_RELAYED, said.message_id)
    assert [e.kind for e in events][-1] == "relay_failed"


async def test_forwarded_words_reach_the_agents_as_forwards_naming_whose_they_are(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # A customer forwards a «bank's» message to ask about it: copied, it read in the topic as
    # the customer's own words; forwarded, agents see who wrote it.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user("مریم")
        fake.user_forwards(user, UNKNOWN, hidden_name="بانک ملی")  # opens a ticket
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        await settled(bot, fake)
        fake.user_forwards(user, "رمز یکبار مصرف را اینجا بفرستید", origin=fake.new_user("ناشناس"))
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    card, first, second = fake.sent_to(fake.agent_chat_id, fake.topics()[0].thread_id)
    assert ticket.question == UNKNOWN and UNKNOWN in (card.text or "")
    assert first.forward_origin is not None and second.forward_origin is not None
    assert (first.text, first.forward_origin["sender_user_name"]) == (UNKNOWN, "بانک ملی")
    assert second.forward_origin["sender_user"]["first_name"] == "ناشناس"


CHANNEL = {
    "id": -1001234567,
    "type": "channel",
    "title": "اخبار <شرکت> & فناوری",
    "username": "it_news",
}


def replies_to_channel_post(fake: FakeTelegram, user: User, text: str, quote: str) -> Injected:
    """The customer writes `text` in the bot's chat as a reply to post 42 of a channel,
    quoting `quote` of it (Telegram's «reply in another chat»)."""
    elsewhere = {
        "origin": {"type": "channel", "chat": CHANNEL, "message_id": 42, "date": 1},
        "chat": CHANNEL,
        "message_id": 42,
    }
    with fake.state.lock:
        message = incoming(
            fake.state,
            fake.state.chats[user.id],
            user,
            "text",
            text=text,
            payload={"external_reply": elsewhere, "quote": {"text": quote, "position": 0}},
        )
        return fake._enqueue_message(message)


async def test_a_reply_to_a_post_elsewhere_reaches_the_agents_with_what_it_answers(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «Reply in another chat»: the customer's bubble shows the channel's post and the words
    # quoted of it; the copy in the topic showed «همین کار نمی‌کند» alone.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        sent = replies_to_channel_post(
            fake, opened.user, "همین کار نمی‌کند", "نشانی تازهٔ <VPN>: vpn2 & vpn3"
        )
        await settled(bot, fake)
    *_, said, copy = fake.sent_to(fake.agent_chat_id, opened.thread_id)
    assert copy.text == "همین کار نمی‌کند" and copy.copied_from == (opened.user.id, sent.message_id)
    assert said.text is not None and said.method == "sendMessage"
    assert "اخبار <شرکت> & فناوری" in said.text  # as typed, not as markup
    assert "نشانی تازهٔ <VPN>: vpn2 & vpn3" in said.text
    assert "https://t.me/it_news/42" in str(said.entities)


async def test_a_question_replying_to_a_post_elsewhere_takes_the_post_to_the_agents(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        replies_to_channel_post(fake, user, UNKNOWN, "قطعی برنامه‌ریزی‌شده")
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        await settled(bot, fake)
    card, said, copy = fake.sent_to(fake.agent_chat_id, fake.topics()[0].thread_id)
    assert UNKNOWN in (card.text or "") and copy.text == UNKNOWN
    assert "قطعی برنامه‌ریزی‌شده" in (said.text or "")


async def answered_and_liked(bot: RunningBot, fake: FakeTelegram) -> User:
    """A customer whose question was answered and who said it helped (👍)."""
    user = fake.new_user()
    fake.user_sends_text(user, ANSWERED)
    (answer,) = await fake.wait_for_messages_async(user.id, 1)
    await settled(bot, fake)
    fake.user_presses(user, answer, answer.callback_datas[0])  # 👍
    await settled(bot, fake)
    return user


async def test_a_person_asked_for_under_a_browsed_guide_is_about_that_guide(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The ticket was about the question asked before (answered, and said to help), or about
    # nothing: «❓ پرسش مشتری: (بدون متن)», and no word of the guide just read.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = await answered_and_liked(bot, fake)
        fake.user_sends_text(user, "/start")
        await settled(bot, fake)
        menu = fake.sent_to(user.id)[-1]
        fake.user_presses(user, menu, f"c:{keyboards.category_key('شبکه')}")
        await settled(bot, fake)
        fake.user_presses(user, fake.sent_to(user.id)[-1], "a:vpn-connect")
        await settled(bot, fake)
        read = fake.sent_to(user.id)[-1]
        fake.user_presses(user, read, "h:a:vpn-connect")
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert ticket.question == texts.after_reading("اتصال به وی‌پی‌ان شرکت")
    assert ticket.tried == []
    # They wrote nothing: asked to, as after a bare /human (the agent's first reply asked it).
    assert (fake.sent_to(user.id)[-1].text or "").endswith(texts.DESCRIBE_IT)


async def test_a_request_for_a_person_after_saying_an_answer_helped_is_not_about_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = await answered_and_liked(bot, fake)
        fake.user_sends_text(user, "/human")
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert ticket.question != ANSWERED and ticket.tried == []


async def test_words_written_after_human_are_the_tickets_question(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # They were dropped: the card said «(بدون متن)» (or showed an older question) and the
    # agent had to ask again.
    fake = fake_telegram
    long = "جزئیات: " + "پیغام خطای چاپگر " * 150
    async with running_bot(settings, fake) as bot:
        user, other = fake.new_user(), fake.new_user("دیگری")
        fake.user_sends_text(user, AMBIGUOUS)  # an earlier question: not what this is about
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_sends_text(user, f"/human {ANSWERED}\nبا ایمیل هم نشد")
        fake.user_sends_text(other, f"/human {long}")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="topics")
        await settled(bot, fake)
        tickets = {t.customer_id: t for t in await bot.rows(Ticket)}
    asked = tickets[user.id]
    assert asked.question == f"{ANSWERED}\nبا ایمیل هم نشد"
    assert asked.tried and asked.tried[0]["id"] == "password-reset"  # the card's guides fit it
    (topic,) = [t for t in fake.topics() if t.thread_id == asked.thread_id]
    assert ANSWERED in topic.name
    # Longer than the card holds: copied into the topic whole, as a typed question is.
    copied = fake.sent_to(fake.agent_chat_id, tickets[other.id].thread_id)
    assert any(long.strip() in (m.content or "") for m in copied)


async def test_a_question_with_a_link_behind_its_words_reaches_the_topic_itself(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The card shows the words, not where they point: the address never reached the agents.
    fake = fake_telegram
    text = "سامانه حقوق این خطا را می‌دهد، قیمت گوجه چنده"
    link = "https://intra.example.com/err/5012"
    start = text.index("این خطا")
    entities = [{"type": "text_link", "offset": start, "length": len("این خطا"), "url": link}]
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, text, entities=entities)
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    copied = fake.sent_to(fake.agent_chat_id, ticket.thread_id)[1:]  # after the card
    assert [m.content for m in copied] == [text]
    assert copied[0].entities[0]["url"] == link


async def test_a_screenshot_album_or_forward_asked_before_a_request_reaches_the_topic(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The card showed the caption's words and the screenshot never reached the agents (nor a
    # forward's sender), though the customer was told all they send reaches a person.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        shot, album, forward = (
            fake.new_user("شات"),
            fake.new_user("آلبوم"),
            fake.new_user("فوروارد"),
        )
        fake.user_sends_photo(shot, caption=AMBIGUOUS)
        fake.user_sends_album(album, 2, caption=AMBIGUOUS)
        fake.user_forwards(forward, AMBIGUOUS, origin=User(6_999_998, "واحد IT"))
        offers = {
            user.id: (await fake.wait_for_messages_async(user.id, 1))[0]
            for user in (shot, album, forward)
        }
        await settled(bot, fake)
        fake.user_sends_text(shot, "/human")  # a bare request: about the question before
        fake.user_sends_text(album, "اپراتور")
        fake.user_presses_button(forward, offers[forward.id], texts.NONE_OF_THESE)
        await fake.wait_for_async(lambda: len(fake.topics()) == 3, timeout=10, what="topics")
        await settled(bot, fake)
        tickets = {t.customer_id: t for t in await bot.rows(Ticket)}

    def topic(user: User) -> list[str]:
        return [m.kind for m in fake.sent_to(fake.agent_chat_id, tickets[user.id].thread_id)]

    assert topic(shot) == ["text", "photo"]  # the card, then the screenshot
    assert topic(album) == ["text", "photo", "photo"]  # the album whole
    (_card, copied) = fake.sent_to(fake.agent_chat_id, tickets[forward.id].thread_id)
    assert copied.forward_origin is not None  # whose words they are
    assert all(t.question == AMBIGUOUS for t in tickets.values())


async def test_the_customer_hears_why_a_person_answers_or_is_asked_to_say_what_is_wrong(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Handed over without having asked for a person, customers were not told why; with nothing
    # asked (/human first), the agent had to ask what it was about: a round trip.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        unknown, bare = fake.new_user("ناشناخته"), fake.new_user("بی‌پرسش")
        fake.user_sends_text(unknown, UNKNOWN)
        fake.user_sends_text(bare, "/human")
        (told_unknown,) = await fake.wait_for_messages_async(unknown.id, 1)
        (told_bare,) = await fake.wait_for_messages_async(bare.id, 1)
        await settled(bot, fake)
    assert (told_unknown.text or "").startswith(texts.NO_GUIDE_FOUND)
    assert (told_bare.text or "").endswith(texts.DESCRIBE_IT)
    assert texts.NO_GUIDE_FOUND not in (told_bare.text or "")


async def test_a_customer_writing_before_any_answer_hears_it_was_added_now_and_then(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «کسی نیست؟», «؟؟؟» at night got no reply at all: was the bot working, did it arrive?
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        user = opened.user
        fake.user_sends_text(user, "این هم جزئیات بیشتر")  # just after the ticket's text
        await settled(bot, fake)
        quiet = len(fake.sent_to(user.id))
        half_hour_ago = datetime.now(UTC) - timedelta(minutes=31)
        await bot.db(
            lambda session: session.execute(
                update(Ticket).where(Ticket.id == opened.ticket_id).values(opened_at=half_hour_ago)
            )
        )
        for nudge in ("کسی نیست؟", "؟؟؟"):
            fake.user_sends_text(user, nudge)
            await settled(bot, fake)
        told = fake.sent_to(user.id)[quiet:]
        fake.agent_sends_in_topic(fake.new_agent(), opened.thread_id, "سلام، در خدمتم")
        await settled(bot, fake)
        fake.user_sends_text(user, "ممنون")
        await settled(bot, fake)
        after_answer = fake.sent_to(user.id)[quiet + len(told) :]
    assert quiet == 1  # only the ticket's text: nothing said twice within the half hour
    (said,) = told  # once for the two nudges
    assert (said.text or "").startswith("پیامتان به درخواست #۱ اضافه شد")
    assert "حداکثر تا" in (said.text or "")  # when the answer is due
    assert [m.text for m in after_answer] == ["سلام، در خدمتم"]  # a person answers now


async def test_a_polite_request_with_thanks_is_about_the_question_before(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Seven words, one more than a bare request could have: the ticket was about the request.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, AMBIGUOUS)
        await fake.wait_for_messages_async(user.id, 1)
        await _new_topic(bot, fake, user, "مرسی ولی با یه آدم صحبت کنم")
        (row,) = await bot.rows(Ticket)
    assert row.question == AMBIGUOUS


async def test_still_unsolved_with_nothing_asked_reaches_a_person(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Read as a typed «no» with nothing the bot asked, «مشکلم حل نشد» was told to write its
    # question in a few words: a problem report goes on to the KB and a person.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "مشکلم حل نشد")
        (reply,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
    assert reply.text != texts.EMPTY_QUESTION
