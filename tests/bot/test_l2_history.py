"""The history an escalation copies into its new L2 topic (and a topic made again gets):
whose each message is, the notes, guides and undelivered replies in their place, and what
comes while it is being copied."""

from __future__ import annotations

import dataclasses
import html
import time
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

import bot.main
from bot import desk_texts, executor, pipeline, telegram_errors
from bot.config import Settings
from bot.formatting import plain_text
from bot.handlers import desk
from bot.texts import NOT_RELAYED
from storage.models import Message, MessageLink, TicketEvent
from tests.bot.desk_support import OpenTicket, asked_in_topic, hand_off, settled
from tests.bot.support import RunningBot, make_settings, running_bot
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import User

L2_CHAT = -1002000000002
END = plain_text(desk_texts.HISTORY_END)
SARAS = "🎧 کارشناس — سارا\u200f"  # the label over a run of the agent's messages


@pytest.fixture
def l2_settings(fake_telegram: FakeTelegram, database_url: str, kb_dir: Path) -> Settings:
    """Settings with a forum group of its own for second-line support."""
    fake_telegram.add_group(L2_CHAT, "سطح ۲", forum=True)
    return make_settings(fake_telegram, database_url, kb_dir, l2_chat_id=L2_CHAT)


async def conversation(bot: RunningBot, fake: FakeTelegram) -> tuple[OpenTicket, User]:
    """A ticket with two messages of the customer's and an agent's answer in its topic."""
    opened = await hand_off(bot, fake)
    agent = fake.new_agent("سارا")
    for number, said in enumerate(("پرینتر چاپ نمی‌کند", "مدلش HP است"), start=2):
        fake.user_sends_text(opened.user, said)
        await fake.wait_for_messages_async(fake.agent_chat_id, number, thread_id=opened.thread_id)
        await settled(bot, fake)
    fake.agent_sends_in_topic(agent, opened.thread_id, "کابل را عوض کنید")
    await fake.wait_for_messages_async(opened.user.id, 2)
    await settled(bot, fake)
    return opened, agent


async def test_what_the_customer_writes_while_the_history_is_copied_comes_after_it(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # At the group's pace a history takes minutes to copy: a message the customer sent
    # meanwhile landed in the middle of it, under the label running, and «🔚 … new messages
    # come here from now on» came after it. The expert read it as old conversation.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await conversation(bot, fake)

        def customer_writes(method: str, params: dict[str, object]) -> None:
            fake.user_sends_text(opened.user, "عوض کردم، باز هم نشد")
            time.sleep(1)  # Telegram slow to take the history's first copy

        fake.during_next("copyMessage", customer_writes, where={"chat_id": L2_CHAT})
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake, within=20)
    (l2_topic,) = fake.topics(L2_CHAT)
    assert [m.content for m in fake.sent_to(L2_CHAT, l2_topic.thread_id)[1:]] == [
        "👤 مشتری",
        "پرینتر چاپ نمی‌کند",
        "مدلش HP است",
        SARAS,
        "کابل را عوض کنید",
        END,
        "عوض کردم، باز هم نشد",
    ]


async def escalated_while_l2_fails(bot: RunningBot, fake: FakeTelegram, said: str) -> OpenTicket:
    """A ticket with the customer's `said`, escalated while the L2 group fails every copy
    (500, until the failures are cleared): its history waits, the plan stored."""
    opened = await hand_off(bot, fake)
    fake.user_sends_text(opened.user, said)
    await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=opened.thread_id)
    await settled(bot, fake)
    fake.fail_next("copyMessage", status=500, chat_id=L2_CHAT, times=-1)
    fake.agent_sends_in_topic(fake.new_agent("سارا"), opened.thread_id, "/escalate")
    await fake.wait_for_async(
        lambda: any(c["chat_id"] == L2_CHAT for c in fake.calls("copyMessage")),
        timeout=10,
        what="the history's first copy into L2",
    )
    return opened


async def test_a_message_waiting_for_the_history_when_the_bot_stops_still_comes_after_it(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, l2_id = fake_telegram, L2_CHAT
    monkeypatch.setattr(bot.main, "DRAIN_SECONDS", 0.5)  # stop while the copy is retried
    async with running_bot(l2_settings, fake) as running:
        opened = await escalated_while_l2_fails(running, fake, "پرینتر چاپ نمی‌کند")
        waiting = fake.user_sends_text(opened.user, "هنوز منتظرم")
        await fake.wait_for_confirmed_async(waiting)  # stored: it waits for the history
    fake.clear_failures()
    async with running_bot(l2_settings, fake) as running:  # the next start resumes both
        (l2_topic,) = fake.topics(l2_id)
        await fake.wait_for_messages_async(l2_id, 5, thread_id=l2_topic.thread_id, timeout=10)
        await settled(running, fake)
    assert [m.content for m in fake.sent_to(l2_id, l2_topic.thread_id)[1:]] == [
        "👤 مشتری",
        "پرینتر چاپ نمی‌کند",
        END,
        "هنوز منتظرم",
    ]


def delete_at_copy(fake: FakeTelegram, nth: int) -> None:
    """Have an expert delete the L2 topic while the history's `nth` copy is being made."""
    seen: list[dict[str, object]] = []

    def expert_deletes_the_topic(method: str, params: dict[str, object]) -> None:
        seen.append(params)
        if len(seen) == nth:
            fake.agent_deletes_topic(int(str(params["message_thread_id"])), chat_id=L2_CHAT)

    fake.during_next("copyMessage", expert_deletes_the_topic, where={"chat_id": L2_CHAT}, times=nth)


async def test_a_topic_deleted_while_the_history_is_copied_gets_the_history_once(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The topic made again (with its own copy of the history) then got the rest of the
    # escalation's history too: part of it twice, the notes twice, and two «🔚».
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await conversation(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "!کابل نو هم امتحان شد")
        await settled(bot, fake)
        delete_at_copy(fake, 2)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: len(fake.topics(L2_CHAT)) == 2, what="a new topic")
        await settled(bot, fake, within=20)
    deleted, made_again = fake.topics(L2_CHAT)
    assert deleted.deleted and not made_again.deleted
    posted = [m.content or "" for m in fake.sent_to(L2_CHAT, made_again.thread_id)]
    assert posted[1] == desk_texts.TOPIC_RECREATED
    assert [text for text in posted[2:] if "کابل نو" not in text] == [
        "👤 مشتری",
        "پرینتر چاپ نمی‌کند",
        "مدلش HP است",
        SARAS,
        "کابل را عوض کنید",
        END,
    ]
    assert sum("کابل نو هم امتحان شد" in text for text in posted) == 1  # the note, once


async def test_history_older_than_a_topic_made_again_gets_is_not_copied_after_its_end(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A topic made again gets the last HISTORY_ON_RECREATE messages: the escalation's copies
    # of older ones came after its «🔚», out of order.
    monkeypatch.setattr(executor, "HISTORY_ON_RECREATE", 1)
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await conversation(bot, fake)
        delete_at_copy(fake, 1)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: len(fake.topics(L2_CHAT)) == 2, what="a new topic")
        await settled(bot, fake, within=20)
    made_again = fake.topics(L2_CHAT)[-1]
    # the card, the notice, the whole conversation as a file (the deleted topic had the rest)
    whole, *posted = fake.sent_to(L2_CHAT, made_again.thread_id)[2:]
    assert whole.kind == "document"
    assert [m.content for m in posted] == [
        SARAS,
        "کابل را عوض کنید",
        END,
    ]


async def test_a_notes_screenshot_older_than_a_topic_made_again_gets_is_not_copied_after_its_end(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A note's screenshot is copied from the agents' chat by an effect of its own: after the
    # topic was made again (with the last message only), the escalation still copied it,
    # after the new topic's «🔚».
    monkeypatch.setattr(executor, "HISTORY_ON_RECREATE", 1)
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "پرینتر چاپ نمی‌کند")
        fake.agent_sends_in_topic(agent, opened.thread_id, media="photo", caption="!صفحهٔ خطا")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "کابل را عوض کنید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        delete_at_copy(fake, 1)  # while the customer's message is copied, before the note
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: len(fake.topics(L2_CHAT)) == 2, what="a new topic")
        await settled(bot, fake, within=20)
    made_again = fake.topics(L2_CHAT)[-1]
    # the card, the notice, the whole conversation as a file
    whole, *posted = fake.sent_to(L2_CHAT, made_again.thread_id)[2:]
    assert whole.kind == "document"
    assert [m.content for m in posted] == [SARAS, "کابل را عوض کنید", END]


async def test_a_history_cut_for_l2_says_first_how_much_is_left_out_and_where_it_is(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the last HISTORY_ON_ESCALATE messages were copied, with no word of the rest: the
    # expert took the first one shown for the start of the conversation.
    monkeypatch.setattr(desk, "HISTORY_ON_ESCALATE", 2)
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.agent_sends_in_topic(agent, opened.thread_id, "!از قبل خراب بوده")
        await settled(bot, fake)
        for number, said in enumerate(("اول <b>", "دوم", "سوم", "چهارم"), start=2):
            fake.user_sends_text(opened.user, said)
            await fake.wait_for_messages_async(
                fake.agent_chat_id, number, thread_id=opened.thread_id
            )
            await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
    (l2_topic,) = fake.topics(L2_CHAT)
    _, cut, whole, *history = fake.sent_to(L2_CHAT, l2_topic.thread_id)
    assert cut.text == (
        "✂️ ۲ پیام قدیمی‌تر این گفتگو و ۱ یادداشت داخلی یا مقالهٔ فرستاده‌شده این‌جا نیامده"
        " است؛ همهٔ گفتگو در پروندهٔ زیر و در تاپیک پیشین این تیکت هست."
    )
    internal = str(fake.agent_chat_id).removeprefix("-100")
    assert [e["url"] for e in cut.entities] == [f"https://t.me/c/{internal}/{opened.thread_id}"]
    # An expert of the L2 group is no member of the agents' group: the link alone showed
    # them nothing. The file has it all, in order, the customer's words escaped.
    assert whole.kind == "document" and whole.file is not None
    assert whole.file.file_name == f"ticket-{opened.ticket_id}.html"
    assert whole.caption == "🗂 همهٔ گفتگوی این تیکت تا این‌جا (۸ مورد)؛ در مرورگر باز کنید."
    page = whole.file.data.decode("utf-8")
    assert '<html lang="fa" dir="rtl">' in page and "<b>" not in page.split("<body>")[1]
    places = [page.index(w) for w in ("از قبل خراب بوده", "اول &lt;b&gt;", "دوم", "چهارم")]
    assert places == sorted(places)
    assert page.count("👤 مشتری") == 5  # «/human» and the four
    assert page.count("📝 یادداشت داخلی — سارا") == 1
    assert page.count("📤 به مشتری") == 2  # the ticket's number, then the escalation
    assert [m.content for m in history] == [
        "👤 مشتری",
        "سوم",
        "چهارم",
        plain_text(desk_texts.HISTORY_END),
    ]


async def test_history_that_cannot_be_copied_to_l2_is_reported_there_not_to_the_customer(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake, settings, l2_id = fake_telegram, l2_settings, L2_CHAT
    async with running_bot(settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "پیام اول مشتری")
        customer_saw = len(fake.sent_to(opened.user.id))
        # (not «message to copy not found»: a message deleted since reads so, see below)
        fake.fail_next("copyMessage", chat_id=l2_id, description="Bad Request: MESSAGE_TOO_LONG")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: len(fake.topics(l2_id)) == 1, timeout=10, what="L2 topic")
        await settled(bot, fake)
        (l2_topic,) = fake.topics(l2_id)
    in_l2 = [m.text or "" for m in fake.sent_to(l2_id, l2_topic.thread_id)]
    assert any("پیام به مقصد نرسید" in text for text in in_l2)  # the experts are told
    after = [m.text for m in fake.sent_to(opened.user.id)[customer_saw:]]
    assert NOT_RELAYED not in after  # an old message: nothing for the customer to resend


async def test_an_escalation_cut_short_by_a_stop_still_copies_the_history_to_l2(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, settings, l2_id = fake_telegram, l2_settings, L2_CHAT
    monkeypatch.setattr(bot.main, "DRAIN_SECONDS", 0.5)  # stop while the copy is retried
    async with running_bot(settings, fake) as running:
        await escalated_while_l2_fails(running, fake, "چاپگر طبقه سوم خراب است")
    fake.clear_failures()
    async with running_bot(settings, fake) as running:  # the next start resumes the plan
        (l2_topic,) = fake.topics(l2_id)
        await fake.wait_for_messages_async(l2_id, 2, thread_id=l2_topic.thread_id, timeout=10)
        await settled(running, fake)
    moved = fake.sent_to(l2_id, l2_topic.thread_id)
    assert [m.content for m in moved[1:]] == [  # its label posted once, before the stop
        "👤 مشتری",
        "چاپگر طبقه سوم خراب است",
        plain_text(desk_texts.HISTORY_END),
    ]


async def test_a_message_the_customer_deleted_reads_so_in_the_l2_history(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Copied again for L2, a message the customer had deleted came out as «⚠️ پیام به مقصد
    # نرسید … (Message to copy not found)» in the middle of the history, and was logged as a
    # failed relay.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        gone = fake.user_sends_text(opened.user, "این را بعداً پاک می‌کنم")
        fake.user_sends_text(opened.user, "این می‌ماند")
        await fake.wait_for_messages_async(fake.agent_chat_id, 3, thread_id=opened.thread_id)
        await settled(bot, fake)
        fake.user_deletes(gone)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
        failed = await bot.rows(TicketEvent, TicketEvent.kind == "relay_failed")
    (l2_topic,) = fake.topics(L2_CHAT)
    history = [m.content or "" for m in fake.sent_to(L2_CHAT, l2_topic.thread_id)][1:]
    deleted = plain_text(desk_texts.HISTORY_DELETED)
    assert history == ["👤 مشتری", deleted, "این می‌ماند", plain_text(desk_texts.HISTORY_END)]
    assert not [t for t in history if "نرسید" in t]
    assert failed == []


async def test_the_l2_history_shows_the_guides_sent_and_the_notes_kept_in_their_place(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The customer writes «I read the guide, it did not work»: the history copied to L2 had no
    # article (articles are sent, not copied) and no note, so the expert could not tell which;
    # the card listed them apart from the conversation, without who kept a note or when.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "ایمیل بازیابی نمی‌آید")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/article password-reset")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "!مشتری می‌گوید ایمیل بازیابی نمی‌رسد")
        await settled(bot, fake)
        fake.user_sends_text(opened.user, "باز هم نیامد")
        await fake.wait_for_messages_async(fake.agent_chat_id, 5, thread_id=opened.thread_id)
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/note سرور ایمیل را چک کنید")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
    (l2_topic,) = fake.topics(L2_CHAT)
    card, *history = [m.content or "" for m in fake.sent_to(L2_CHAT, l2_topic.thread_id)]
    assert history == [
        "👤 مشتری",
        "ایمیل بازیابی نمی‌آید",
        # One message while it holds both (the group's budget is twenty messages a minute).
        "📄 مقالهٔ فرستاده‌شده: «بازیابی رمز عبور»\n\n"
        "📝 یادداشت داخلی — سارا\u200f\nمشتری می‌گوید ایمیل بازیابی نمی‌رسد",
        "👤 مشتری",
        "باز هم نیامد",
        "📝 یادداشت داخلی — سارا\u200f\nسرور ایمیل را چک کنید",
        plain_text(desk_texts.HISTORY_END),
    ]
    assert "یادداشت داخلی" not in card  # not twice: the card no longer lists them


async def test_a_deleted_l2_topic_is_made_again_with_each_message_once_under_whose_it_is(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The L1 agent's reply, linked again when copied into the L2 topic, was re-posted twice
    # in the topic made after an expert deleted it: in its place, and again at the end.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "چاپگر خراب است")
        fake.agent_sends_in_topic(agent, opened.thread_id, "کابل را عوض کنید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
        fake.agent_deletes_topic(fake.topics(L2_CHAT)[0].thread_id, chat_id=L2_CHAT)
        fake.user_sends_text(opened.user, "هنوز خراب است")
        await fake.wait_for_async(lambda: len(fake.topics(L2_CHAT)) == 2, what="a new topic")
        await settled(bot, fake)
    first, again = fake.topics(L2_CHAT)
    posted = [m.content or "" for m in fake.sent_to(L2_CHAT, again.thread_id)][2:]  # card, notice
    assert posted == [
        "👤 مشتری",
        "چاپگر خراب است",
        SARAS,
        "کابل را عوض کنید",
        plain_text(desk_texts.HISTORY_END),
        "هنوز خراب است",
    ]
    # Named as the first was: the L2 group's topics carry no mark (it read «⬆️ سطح ۲ · #۱»).
    assert again.name == first.name and not again.name.startswith(desk_texts.L2_TOPIC_MARK)


async def test_a_forward_in_the_history_copied_to_l2_is_still_a_forward(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Copied into the L2 topic, a «bank's» message read as the customer's own words again.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        fake.user_forwards(opened.user, "رمز یکبار مصرف را بفرستید", hidden_name="بانک ملی")
        await settled(bot, fake)
        fake.agent_sends_in_topic(fake.new_agent("سارا"), opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
    (l2_topic,) = fake.topics(L2_CHAT)
    (copy,) = [
        m
        for m in fake.sent_to(L2_CHAT, l2_topic.thread_id)
        if m.text == "رمز یکبار مصرف را بفرستید"
    ]
    assert copy.forward_origin is not None
    assert copy.forward_origin["sender_user_name"] == "بانک ملی"


async def test_albums_in_the_history_copied_to_l2_stay_albums(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Copied item by item, a customer's three screenshots and the agent's two photos reached
    # the expert as five loose messages.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.user_sends_album(opened.user, 3, caption="خطاها")
        await fake.wait_for_messages_async(fake.agent_chat_id, 1 + 3, thread_id=opened.thread_id)
        before = len(fake.sent_to(opened.user.id))
        with fake.state.lock:  # the two items arrive together, as Telegram sends an album
            group = fake.state.new_media_group_id()
            for _ in range(2):
                fake.agent_sends_in_topic(
                    agent, opened.thread_id, media="photo", media_group_id=group
                )
        await fake.wait_for_messages_async(opened.user.id, before + 2)
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
    (l2_topic,) = fake.topics(L2_CHAT)
    history = [m for m in fake.sent_to(L2_CHAT, l2_topic.thread_id) if m.kind == "photo"]
    assert len(history) == 5
    assert history[0].caption == "خطاها"
    groups = [m.media_group_id for m in history]
    assert groups[0] and len(set(groups[:3])) == 1  # the customer's album, one album
    assert groups[3] and groups[3] == groups[4] != groups[0]  # and the agent's


async def test_a_note_kept_with_a_screenshot_or_file_reaches_the_l2_history_with_it(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # A note written as a screenshot's caption («!…»), as an album's, or as /note under a
    # file reached the L2 history as its words alone: the screenshot the first-line agent
    # kept, often the whole point of the note, was missing. One deleted since reads as before.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "سایت باز نمی‌شود")
        customer_saw = len(fake.sent_to(opened.user.id))
        caption = "!خطای ۵۰۳ روی <سرور>"
        fake.agent_sends_in_topic(agent, opened.thread_id, media="photo", caption=caption)
        await settled(bot, fake)
        with fake.state.lock:  # the items arrive together, as Telegram sends an album
            group = fake.state.new_media_group_id()
            for words in ("!لاگ‌های دیروز", None):
                fake.agent_sends_in_topic(
                    agent, opened.thread_id, media="photo", caption=words, media_group_id=group
                )
        await settled(bot, fake)
        firewall = "/note تنظیمات فایروال"
        fake.agent_sends_in_topic(agent, opened.thread_id, media="document", caption=firewall)
        await settled(bot, fake)
        gone = fake.agent_sends_in_topic(
            agent, opened.thread_id, media="photo", caption="!این یکی پاک می‌شود"
        )
        await settled(bot, fake)
        fake.user_deletes(gone)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
    (l2_topic,) = fake.topics(L2_CHAT)
    _, *history = fake.sent_to(L2_CHAT, l2_topic.thread_id)
    heading = "📝 یادداشت داخلی — سارا\u200f"
    assert [(m.kind, m.content) for m in history] == [
        ("text", "👤 مشتری"),
        ("text", "سایت باز نمی‌شود"),
        ("text", heading),
        ("photo", caption),
        ("text", heading),
        ("photo", "!لاگ‌های دیروز"),
        ("photo", None),
        ("text", heading),
        ("document", firewall),
        ("text", f"{heading}\nاین یکی پاک می‌شود"),  # its words, as before
        ("text", plain_text(desk_texts.HISTORY_END)),
    ]
    album = [m.media_group_id for m in history[5:7]]
    assert album[0] is not None and album[0] == album[1]  # still one album
    assert len(fake.sent_to(opened.user.id)) == customer_saw + 1  # only «sent to L2»


async def test_a_recreated_l2_topic_shows_a_first_line_note_with_its_screenshot(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Made again after an expert deleted the L2 topic, its history had a first-line note's
    # screenshot as words alone. A note whose screenshot went with the deleted topic still
    # reads as its words, and nothing else is lost.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        expert = fake.new_agent("نیما", chat_id=L2_CHAT)
        fake.agent_sends_in_topic(agent, opened.thread_id, media="photo", caption="!صفحهٔ خطا")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
        l2_thread = fake.topics(L2_CHAT)[0].thread_id
        fake.agent_sends_in_topic(
            expert, l2_thread, media="photo", caption="!لاگ سرور", chat_id=L2_CHAT
        )
        await settled(bot, fake)
        fake.agent_deletes_topic(l2_thread, chat_id=L2_CHAT)
        fake.user_sends_text(opened.user, "هنوز خراب است")
        await fake.wait_for_async(lambda: len(fake.topics(L2_CHAT)) == 2, what="a new topic")
        await settled(bot, fake)
    made_again = fake.topics(L2_CHAT)[-1].thread_id
    posted = fake.sent_to(L2_CHAT, made_again)[2:]  # the card, the notice
    assert [(m.kind, m.content) for m in posted] == [
        ("text", "📝 یادداشت داخلی — سارا\u200f"),
        ("photo", "!صفحهٔ خطا"),
        ("text", "📝 یادداشت داخلی — نیما\u200f\nلاگ سرور"),  # its screenshot went with it
        ("text", plain_text(desk_texts.HISTORY_END)),
        ("text", "هنوز خراب است"),
    ]


async def test_a_reply_that_never_reached_the_customer_is_in_the_l2_history_as_such(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The history is copied from the customer's chat, where a reply Telegram refused does
    # not exist: the expert could not tell the customer was sent something that never
    # arrived, nor what.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "چاپگر خراب است")
        refusal = "Bad Request: message is too long"
        fake.fail_next("copyMessage", chat_id=opened.user.id, description=refusal)
        fake.agent_sends_in_topic(agent, opened.thread_id, "درایور را <نصب> کنید")
        await settled(bot, fake)
        fake.fail_next_blocked("copyMessage", chat_id=opened.user.id)
        fake.agent_sends_in_topic(agent, opened.thread_id, media="photo", caption="این‌جا")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
        failed = await bot.rows(TicketEvent, TicketEvent.kind == "relay_failed")
    assert len(failed) == 2
    (l2_topic,) = fake.topics(L2_CHAT)
    _, *history = fake.sent_to(L2_CHAT, l2_topic.thread_id)
    undelivered = "⚠️ پاسخ نرسیده به مشتری — سارا\u200f"
    assert [(m.kind, m.content) for m in history] == [
        ("text", "👤 مشتری"),
        ("text", "چاپگر خراب است"),
        ("text", f"{undelivered}\nدرایور را <نصب> کنید"),
        ("text", undelivered),
        ("photo", "این‌جا"),
        ("text", plain_text(desk_texts.HISTORY_END)),
    ]


async def test_a_reply_that_never_arrived_left_out_of_the_l2_history_is_counted_as_a_message(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desk, "HISTORY_ON_ESCALATE", 1)
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "اول")
        refusal = "Bad Request: message is too long"
        fake.fail_next("copyMessage", chat_id=opened.user.id, description=refusal)
        fake.agent_sends_in_topic(agent, opened.thread_id, "پاسخی که نرسید")
        await settled(bot, fake)
        fake.user_sends_text(opened.user, "دوم")
        await fake.wait_for_messages_async(fake.agent_chat_id, 4, thread_id=opened.thread_id)
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
    (l2_topic,) = fake.topics(L2_CHAT)
    _, cut, _, *history = [m.content for m in fake.sent_to(L2_CHAT, l2_topic.thread_id)]
    assert cut == (  # not «one note or guide»: it is a message of the old topic's
        "✂️ ۲ پیام قدیمی‌تر این گفتگو این‌جا نیامده است؛ همهٔ گفتگو در پروندهٔ زیر و در تاپیک"
        " پیشین این تیکت هست."
    )
    assert history == ["👤 مشتری", "دوم", plain_text(desk_texts.HISTORY_END)]


def _brief_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rounds of retries a few milliseconds long, and apart (about a minute, and ten
    seconds, live)."""
    monkeypatch.setattr(telegram_errors, "BACKOFF_START", 0.001)
    monkeypatch.setattr(telegram_errors, "BACKOFF_MAX", 0.005)
    monkeypatch.setattr(pipeline, "TELEGRAM_RETRY_SECONDS", 0.05)


async def test_a_notes_screenshot_outlasts_a_brief_telegram_failure(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A few 502s in a row on its copy and the screenshot was given up for the note's words,
    # while the history's other copies are tried until they go.
    _brief_retries(monkeypatch)
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.agent_sends_in_topic(agent, opened.thread_id, media="photo", caption="!صفحهٔ خطا")
        await settled(bot, fake)
        times = executor.IMMEDIATE_ATTEMPTS
        fake.fail_next("copyMessage", status=502, chat_id=L2_CHAT, times=times)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake, within=20)
    (l2_topic,) = fake.topics(L2_CHAT)
    posted = [(m.kind, m.content) for m in fake.sent_to(L2_CHAT, l2_topic.thread_id)][1:]
    assert posted == [
        ("text", "📝 یادداشت داخلی — سارا\u200f"),  # once: the heading waits for its copy
        ("photo", "!صفحهٔ خطا"),
        ("text", END),
    ]


async def _cut_history_escalated(
    bot: RunningBot, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> int:
    """Escalate a ticket whose history is cut (one message copied); return its L2 topic."""
    monkeypatch.setattr(desk, "HISTORY_ON_ESCALATE", 1)
    opened, agent = await conversation(bot, fake)
    fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
    await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
    await settled(bot, fake, within=20)
    return fake.topics(L2_CHAT)[0].thread_id


async def test_the_conversation_file_outlasts_a_brief_telegram_failure(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Four 502s and «همهٔ گفتگو در پروندهٔ زیر» stood over no file, said nowhere.
    _brief_retries(monkeypatch)
    fake = fake_telegram
    fake.fail_next("sendDocument", status=502, chat_id=L2_CHAT, times=executor.IMMEDIATE_ATTEMPTS)
    async with running_bot(l2_settings, fake) as bot:
        thread_id = await _cut_history_escalated(bot, fake, monkeypatch)
    kinds = [m.kind for m in fake.sent_to(L2_CHAT, thread_id)]
    assert kinds[:3] == ["text", "text", "document"]  # the card, «✂️ …», the file


async def test_a_conversation_file_telegram_refuses_is_said_so_in_the_topic(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_telegram
    fake.fail_next("sendDocument", description="Bad Request: file is too big", chat_id=L2_CHAT)
    async with running_bot(l2_settings, fake) as bot:
        thread_id = await _cut_history_escalated(bot, fake, monkeypatch)
    said = [m.content or "" for m in fake.sent_to(L2_CHAT, thread_id)][2]
    assert said.startswith("⚠️ پروندهٔ همهٔ گفتگوی این تیکت فرستاده نشد. دلیل:")
    assert said.endswith("پیام‌های قدیمی‌تر در تاپیک پیشین آن هست.")


LINK = "https://portal.example.com/report?id=5&section=2&region=fa"


async def test_the_conversation_file_keeps_an_agents_words_and_marks_a_reply_that_never_came(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # «فایل <نام چاپگر>.ini» read «فایل .ini» (tags stripped as if the bot's HTML), a reply
    # Telegram refused was listed twice (as sent to the customer, then as not), and edits,
    # mirrored across, were nowhere.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await conversation(bot, fake)
        words = "فایل <نام چاپگر>.ini را باز کنید"
        reply = fake.agent_sends_in_topic(agent, opened.thread_id, words)
        await fake.wait_for_messages_async(opened.user.id, 3)
        await settled(bot, fake)
        asked = fake.user_sends_text(opened.user, "طبقه دوم")
        await fake.wait_for_messages_async(fake.agent_chat_id, 4, thread_id=opened.thread_id)
        await settled(bot, fake)
        fake.user_edits(asked, "طبقه سوم")
        fake.agent_edits(reply, "فایل printer.ini را باز کنید")
        await settled(bot, fake)
        refusal = "Bad Request: message is too long"
        fake.fail_next("copyMessage", chat_id=opened.user.id, description=refusal)
        fake.agent_sends_in_topic(agent, opened.thread_id, f"این پاسخ نرسید: {LINK}")
        await settled(bot, fake)
        monkeypatch.setattr(desk, "HISTORY_ON_ESCALATE", 1)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake, within=20)
    (whole,) = [m for m in fake.sent_to(L2_CHAT) if m.kind == "document"]
    assert whole.file is not None
    page = whole.file.data.decode("utf-8")
    assert "فایل &lt;نام چاپگر&gt;.ini را باز کنید" in page
    assert page.count("این پاسخ نرسید") == 1
    refused = f"این پاسخ نرسید: {html.escape(LINK)}"  # «&section» read «§ion» once
    assert f'⚠️ پاسخی که به مشتری نرسید — سارا\u200f</div><div class="text">{refused}' in page
    edited = 'ویرایش پیامی پیشین</div><div class="text">'
    assert f"👤 مشتری · {edited}طبقه سوم" in page
    assert f"📤 به مشتری — سارا\u200f · {edited}فایل printer.ini را باز کنید" in page


def _head(who: str, words: str) -> str:
    """An entry of the conversation's file: its head ending with whose it is, then its words."""
    return f'{who}</div><div class="text">{words}'


async def _escalated_file(bot: RunningBot, fake: FakeTelegram, agent: User, thread: int) -> str:
    """Escalate (`agent` writes /escalate in the topic); return the conversation's file."""
    fake.agent_sends_in_topic(agent, thread, "/escalate")
    await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
    await settled(bot, fake, within=20)
    (whole,) = [m for m in fake.sent_to(L2_CHAT) if m.kind == "document"]
    assert whole.file is not None
    return whole.file.data.decode("utf-8")


def _l2_history(fake: FakeTelegram) -> list[str]:
    """What the L2 topic shows after its card, the «✂️ …» line and the file."""
    (l2_topic,) = fake.topics(L2_CHAT)
    return [m.content or "" for m in fake.sent_to(L2_CHAT, l2_topic.thread_id)][3:]


async def _said_in_topic(
    bot: RunningBot, fake: FakeTelegram, agent: User, thread: int, *said: str
) -> None:
    """`agent` writes each of `said` in the topic, one handled before the next."""
    for words in said:
        fake.agent_sends_in_topic(agent, thread, words)
        await settled(bot, fake)


async def test_the_file_and_the_l2_history_name_the_agent_or_the_bot_for_each_message_sent(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file labelled every message to the customer «📤 به مشتری (کارشناس یا ربات)»: the
    # agent's reply, the guide and the bot's notices alike; and the history copied into the
    # L2 topic put the agent's reply under «🎧 کارشناس», whoever of the desk wrote it.
    monkeypatch.setattr(desk, "HISTORY_ON_ESCALATE", 2)
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "رمزم را فراموش کرده‌ام")
        guide, reply = "/article password-reset", "کد را از <پیامک> بردارید"
        await _said_in_topic(bot, fake, agent, opened.thread_id, guide, reply)
        fake.user_sends_text(opened.user, "کد نیامد")
        await fake.wait_for_messages_async(fake.agent_chat_id, 3, thread_id=opened.thread_id)
        await settled(bot, fake)
        page = await _escalated_file(bot, fake, agent, opened.thread_id)
    assert _head("📤 به مشتری — سارا\u200f", "کد را از &lt;پیامک&gt; بردارید") in page
    assert _head("📚 مقالهٔ فرستاده‌شده — سارا\u200f", "بازیابی رمز عبور") in page  # sent by
    assert _head("📤 به مشتری — ربات\u200f", "بازیابی رمز عبور") in page  # the guide
    assert _head("📤 به مشتری — ربات\u200f", "درخواست شما با شمارهٔ") in page  # the ticket's number
    assert "کارشناس یا ربات" not in page  # every message to the customer says whose it is
    assert _l2_history(fake) == [SARAS, "کد را از <پیامک> بردارید", "👤 مشتری", "کد نیامد", END]


async def test_an_agent_who_renamed_themselves_mid_ticket_is_one_run_in_the_l2_history(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Told apart by name, one agent's two replies read as two agents' («سارا», then «سارا احمدی»).
    monkeypatch.setattr(desk, "HISTORY_ON_ESCALATE", 2)
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "رمزم را فراموش کرده‌ام")
        await _said_in_topic(bot, fake, agent, opened.thread_id, "پیام یک")
        renamed = dataclasses.replace(agent, first_name="سارا", last_name="احمدی")
        await _said_in_topic(bot, fake, renamed, opened.thread_id, "پیام دو")
        await _escalated_file(bot, fake, renamed, opened.thread_id)
    assert _l2_history(fake) == [SARAS, "پیام یک", "پیام دو", END]


async def test_a_message_logged_before_its_writer_was_kept_keeps_the_neutral_label(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing tells now whose the older messages to the customer were: they are not guessed
    # (the agent's reply as the agent's, the notices as the bot's), while newer ones are named.
    monkeypatch.setattr(desk, "HISTORY_ON_ESCALATE", 2)
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, agent = await conversation(bot, fake)

        async def as_logged_before(session: AsyncSession) -> None:
            none = {"agent_id": None, "agent_name": None}
            await session.execute(update(Message).values(author=None, **none))
            await session.execute(update(MessageLink).values(**none))

        await bot.db(as_logged_before)
        fake.agent_sends_in_topic(agent, opened.thread_id, "پرینتر را خاموش و روشن کنید")
        await fake.wait_for_messages_async(opened.user.id, 3)
        await settled(bot, fake)
        page = await _escalated_file(bot, fake, agent, opened.thread_id)
    before = "📤 به مشتری (کارشناس یا ربات)"
    assert _head(before, "کابل را عوض کنید") in page
    assert _head(before, "درخواست شما با شمارهٔ") in page
    assert _head("📤 به مشتری — سارا\u200f", "پرینتر را خاموش و روشن کنید") in page
    agent_before = plain_text(desk_texts.HISTORY_AGENT)
    assert _l2_history(fake) == [
        agent_before,
        "کابل را عوض کنید",
        SARAS,
        "پرینتر را خاموش و روشن کنید",
        END,
    ]


async def test_a_topic_made_again_that_gets_no_file_points_to_no_deleted_topic(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # «… older messages are in the topic before» pointed at the very topic that was deleted.
    monkeypatch.setattr(executor, "HISTORY_ON_RECREATE", 1)
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened, _ = await conversation(bot, fake)
        fake.agent_deletes_topic(opened.thread_id)
        fake.fail_next("sendDocument", description="Bad Request: file is too big")
        fake.user_sends_text(opened.user, "هنوز خراب است")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, what="a new topic")
        await settled(bot, fake, within=20)
    made_again = fake.topics()[-1]
    said = [m.content or "" for m in fake.sent_to(fake.agent_chat_id, made_again.thread_id)]
    (failed,) = [line for line in said if line.startswith("⚠️ پروندهٔ همهٔ گفتگوی")]
    assert "تاپیک پیشین" not in failed and failed.endswith("(File is too big).")
