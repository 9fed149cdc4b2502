"""Agents' replies reach the customer as anonymous copies; notes stay in the topic."""

from __future__ import annotations

import pytest

from bot import desk_texts, intake
from bot.config import Settings
from storage.models import MessageLink, Ticket, TicketEvent
from tests.bot.desk_support import hand_off, settled, ticket
from tests.bot.support import running_bot
from tests.fake_telegram import FakeTelegram

TRICKY = "<b>bold?</b> & *star* _under_ [link](http://x) `code` <i>"


async def test_every_kind_of_agent_message_reaches_the_customer_without_the_agent(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا", username="sara_agent")
        thread = opened.thread_id
        sent = [
            fake.agent_sends_in_topic(agent, thread, TRICKY),
            fake.agent_sends_in_topic(agent, thread, media="photo", caption="این صفحه را ببینید"),
            fake.agent_sends_in_topic(agent, thread, media="document"),
            fake.agent_sends_in_topic(agent, thread, media="voice"),
            fake.agent_sends_in_topic(agent, thread, media="video"),
            fake.agent_sends_in_topic(agent, thread, media="sticker"),
            fake.agent_sends_in_topic(agent, thread, media="location"),
        ]
        copies = await fake.wait_for_messages_async(opened.user.id, 1 + len(sent))
        await settled(bot, fake)
        links = await bot.rows(MessageLink, MessageLink.direction == "to_customer")
        row = await ticket(bot, opened.ticket_id)
        firsts = await bot.rows(TicketEvent, TicketEvent.kind == "first_response")
    received = copies[1:]
    assert [m.kind for m in received] == [
        "text", "photo", "document", "voice", "video", "sticker", "location"
    ]  # fmt: skip
    assert all(m.method == "copyMessage" and m.forward_origin is None for m in received)
    assert received[0].text == TRICKY  # arrives exactly as typed, harmless
    assert received[1].caption == "این صفحه را ببینید"
    assert [link.agent_message_id for link in links] == [s.message_id for s in sent]
    assert [link.customer_message_id for link in links] == [m.message_id for m in received]
    assert row.first_response_at is not None and len(firsts) == 1


async def test_an_agent_album_reaches_the_customer_as_one_album(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        with fake.state.lock:  # the three items arrive together, as Telegram sends an album
            group = fake.state.new_media_group_id()
            items = [
                fake._group_message(
                    agent, None, opened.thread_id, "photo", media_group_id=group, caption=None
                )
                for _ in range(3)
            ]
        copies = await fake.wait_for_messages_async(opened.user.id, 4)
        await settled(bot, fake)
        links = await bot.rows(MessageLink, MessageLink.direction == "to_customer")
    album = copies[1:]
    assert [m.kind for m in album] == ["photo"] * 3
    assert all(m.method == "copyMessages" for m in album)
    assert len({m.media_group_id for m in album}) == 1 and album[0].media_group_id
    assert sorted(link.agent_message_id for link in links) == [i.message_id for i in items]


async def test_notes_stay_in_the_topic(settings: Settings, fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, opened.thread_id, "!مشتری قبلاً هم این مشکل را داشت")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/note رمزش را ریست کردم")
        fake.agent_sends_in_topic(agent, opened.thread_id, "بفرمایید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        notes = await bot.rows(TicketEvent, TicketEvent.kind == "note")
    assert [m.content for m in fake.sent_to(opened.user.id)[1:]] == ["بفرمایید"]
    assert [n.data["text"] for n in notes] == [
        "!مشتری قبلاً هم این مشکل را داشت",
        "رمزش را ریست کردم",
    ]
    posted = [m.text for m in fake.sent_to(fake.agent_chat_id, opened.thread_id)]
    assert posted.count(desk_texts.NOTE_SAVED) == 1  # /note is acknowledged, «!» stays quiet


async def test_a_screenshot_captioned_as_a_note_stays_in_the_topic_with_its_album(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        thread = opened.thread_id
        fake.agent_sends_in_topic(agent, thread, media="photo", caption="!لاگ سرور، برای مشتری نه")
        group = fake.new_media_group_id()
        fake.agent_sends_in_topic(
            agent, thread, media="photo", caption="!این دو هم داخلی", media_group_id=group
        )
        fake.agent_sends_in_topic(agent, thread, media="photo", media_group_id=group)
        fake.agent_sends_in_topic(agent, thread, "بفرمایید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        notes = await bot.rows(TicketEvent, TicketEvent.kind == "note")
    assert [m.content for m in fake.sent_to(opened.user.id)[1:]] == ["بفرمایید"]
    assert [n.data["text"] for n in notes] == ["!لاگ سرور، برای مشتری نه", "!این دو هم داخلی"]


async def test_a_command_or_note_under_a_file_is_that_command_and_the_file_stays_here(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Read from the text only: a screenshot captioned «/note …» or «/close» went to the
    # customer (the note with it) and closed nothing; so did an album whose «!» caption a
    # client put on its last item.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        thread = opened.thread_id
        fake.agent_sends_in_topic(agent, thread, media="photo", caption="/note لاگ سرور داخلی")
        with fake.state.lock:  # the two items arrive together, as Telegram sends an album
            group = fake.state.new_media_group_id()
            for caption in (None, "!این دو هم داخلی"):
                fake._group_message(
                    agent, None, thread, "photo", media_group_id=group, caption=caption
                )
        fake.agent_sends_in_topic(agent, thread, "بفرمایید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        fake.agent_sends_in_topic(agent, thread, media="photo", caption="/close")
        await fake.wait_for_async(
            lambda: fake.topics()[-1].closed, timeout=10, what="the topic closed"
        )
        await settled(bot, fake)
        notes = await bot.rows(TicketEvent, TicketEvent.kind == "note")
        row = await ticket(bot, opened.ticket_id)
    to_customer = fake.sent_to(opened.user.id)[1:]
    assert to_customer[0].content == "بفرمایید"
    assert all(m.kind == "text" for m in to_customer)  # no photo, no note
    assert [n.data["text"] for n in notes] == ["لاگ سرور داخلی", "!این دو هم داخلی"]
    assert row.status == "closed"
    posted = [m.text for m in fake.sent_to(fake.agent_chat_id, thread)]
    assert posted.count(desk_texts.FILE_KEPT_WITH_COMMAND) == 1  # for /close, not /note


async def test_replies_to_a_relayed_message_are_replies_on_the_other_side(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        question = fake.user_sends_text(opened.user, "پرینتر کار نمی‌کند")
        (_, copy) = await fake.wait_for_messages_async(
            fake.agent_chat_id, 2, thread_id=opened.thread_id
        )
        # An agent reads the copy before replying: by then the bot has recorded which message
        # it copies (the copy shows up a moment before that commit).
        await settled(bot, fake)
        fake.agent_replies_to(agent, opened.thread_id, copy.message_id, "کدام پرینتر؟")
        (_, answer) = await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
    assert answer.text == "کدام پرینتر؟"
    assert answer.reply_to_message_id == question.message_id


async def test_a_customer_replying_to_one_of_two_questions_is_a_reply_in_the_topic(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The README promised both directions; only the agents' replies stayed replies, so
    # agents could not tell which of their questions «اچ‌پی ۱۰۲۰» answered.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        which = fake.agent_sends_in_topic(agent, opened.thread_id, "کدام پرینتر؟")
        fake.agent_sends_in_topic(agent, opened.thread_id, "از کی خراب است؟")
        first, _ = (await fake.wait_for_messages_async(opened.user.id, 3))[1:]
        await settled(bot, fake)
        fake.user_sends_text(opened.user, "اچ‌پی ۱۰۲۰", reply_to=first.message_id)
        await settled(bot, fake)
    (copy,) = [
        m for m in fake.sent_to(fake.agent_chat_id, opened.thread_id) if m.text == "اچ‌پی ۱۰۲۰"
    ]
    assert copy.reply_to_message_id == which.message_id


async def test_customer_text_full_of_markup_arrives_intact_both_ways(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake, name="<b>علی</b> & _co_")
        fake.user_sends_text(opened.user, TRICKY)
        (_, copy) = await fake.wait_for_messages_async(
            fake.agent_chat_id, 2, thread_id=opened.thread_id
        )
        await settled(bot, fake)
    assert copy.text == TRICKY
    assert "<b>علی</b> & _co_" in (opened.card.text or "")  # shown as typed, not as markup


async def test_an_admin_writing_anonymously_is_told_nothing_went_and_lists_still_work(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # With «Remain anonymous» on, an admin writes as the group: no agent to speak for the
    # ticket or claim it. Their reply, /close and an album used to vanish without a word.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        heard = len(fake.sent_to(opened.user.id))
        fake.anonymous_admin_sends_in_topic(opened.thread_id, "سلام، رمزتان را عوض کنید")
        await settled(bot, fake)
        fake.anonymous_admin_sends_in_topic(opened.thread_id, "/close")
        await settled(bot, fake)
        album = fake.new_media_group_id()
        for caption in ("این تصویر را ببینید", None):
            fake.anonymous_admin_sends_in_topic(
                opened.thread_id, caption, media="photo", media_group_id=album
            )
        await settled(bot, fake)
        fake.anonymous_admin_sends_in_topic(None, "/tickets")
        await settled(bot, fake)
        (held,) = await bot.rows(Ticket, Ticket.id == opened.ticket_id)
        events = await bot.rows(TicketEvent, TicketEvent.kind == "not_relayed")
    notices = [m.text or "" for m in fake.sent_to(fake.agent_chat_id, opened.thread_id)][1:]
    assert notices == [desk_texts.NOT_SENT_ANONYMOUS] * 3  # one a message, one the album
    assert len(fake.sent_to(opened.user.id)) == heard  # the customer got none of it
    assert held.status == "open" and held.claimed_by is None
    assert len(events) == 3
    (listing,) = [m.text or "" for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None]
    assert listing.startswith("تیکت‌های باز")


async def test_an_edit_keeps_the_links_and_bold_of_the_message_edited_on_both_sides(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # An agent added a full stop to «راهنما را اینجا ببینید» with its link to the guide: the
    # customer's copy lost the link and the bold, as did agents' copies of customers' edits.
    fake = fake_telegram
    guide = [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "text_link", "offset": 14, "length": 6, "url": "https://help.example.ir/vpn"},
    ]
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        said = fake.agent_sends_in_topic(
            agent, opened.thread_id, "راهنما را اینجا ببینید", entities=guide
        )
        asked = fake.user_sends_text(opened.user, "کدام صفحه؟")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        fake.agent_edits(said, "راهنما را اینجا ببینید.", entities=guide)
        fake.user_edits(
            asked, "کدام صفحه؟ vpn", entities=[{"type": "code", "offset": 11, "length": 3}]
        )
        await settled(bot, fake)
    copy = fake.sent_to(opened.user.id)[-1]
    assert (copy.text, copy.entities) == ("راهنما را اینجا ببینید.", guide)
    (theirs,) = [
        m for m in fake.sent_to(fake.agent_chat_id, opened.thread_id) if "vpn" in (m.text or "")
    ]
    assert theirs.entities == [{"type": "code", "offset": 11, "length": 3}]


async def test_a_flood_into_a_ticket_read_back_from_the_inbox_reaches_the_topic_in_order(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Beyond HELD_PER_CHAT a chat's updates wait as ids and are read back in their turn.
    monkeypatch.setattr(intake, "HELD_PER_CHAT", 2)
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        with fake.state.lock:  # one getUpdates answer
            for n in range(1, 9):
                fake.user_sends_text(opened.user, f"پیام {n}")
        await fake.wait_for_messages_async(fake.agent_chat_id, 1 + 8, thread_id=opened.thread_id)
        await settled(bot, fake)
    copies = [m.text for m in fake.sent_to(fake.agent_chat_id, opened.thread_id)[1:]]
    assert copies == [f"پیام {n}" for n in range(1, 9)]


async def test_a_boost_shown_in_a_topic_is_no_agents_reply(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # PTB's StatusUpdate.ALL leaves out boost_added: the booster took the ticket, a first
    # response was counted, and Telegram's English refusal to copy it was posted.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        booster = fake.new_agent("بوستر")
        with fake.state.lock:
            fake._group_message(
                booster,
                None,
                opened.thread_id,
                "boost",
                payload={"boost_added": {"boost_count": 1}},
            )
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert (row.claimed_by, row.first_response_at) == (None, None)
    assert len(fake.sent_to(opened.user.id)) == 1  # only «your ticket is open»
    assert len(fake.sent_to(fake.agent_chat_id, opened.thread_id)) == 1  # only the card
