"""The history an escalation copies into its new L2 topic, while it is being copied."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import bot.main
from bot import desk_texts, executor
from bot.config import Settings
from bot.executor import plain_text
from tests.bot.desk_support import OpenTicket, hand_off, settled
from tests.bot.support import RunningBot, make_settings, running_bot
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import User

L2_CHAT = -1002000000002
END = plain_text(desk_texts.HISTORY_END)


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
        "🎧 کارشناس",
        "کابل را عوض کنید",
        END,
        "عوض کردم، باز هم نشد",
    ]


async def test_a_message_waiting_for_the_history_when_the_bot_stops_still_comes_after_it(
    l2_settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, l2_id = fake_telegram, L2_CHAT
    monkeypatch.setattr(bot.main, "DRAIN_SECONDS", 0.5)  # stop while the copy is retried
    async with running_bot(l2_settings, fake) as running:
        opened = await hand_off(running, fake)
        agent = fake.new_agent("سارا")
        fake.user_sends_text(opened.user, "پرینتر چاپ نمی‌کند")
        await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=opened.thread_id)
        await settled(running, fake)
        fake.fail_next("copyMessage", status=500, chat_id=l2_id, times=-1)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(
            lambda: any(c["chat_id"] == l2_id for c in fake.calls("copyMessage")),
            timeout=10,
            what="the history's first copy into L2",
        )
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
        "🎧 کارشناس",
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
    assert [m.content for m in fake.sent_to(L2_CHAT, made_again.thread_id)[2:]] == [
        "🎧 کارشناس",
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
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.user_sends_text(opened.user, "پرینتر چاپ نمی‌کند")
        await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=opened.thread_id)
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
    posted = fake.sent_to(L2_CHAT, made_again.thread_id)[2:]  # the card, the notice
    assert [m.content for m in posted] == ["🎧 کارشناس", "کابل را عوض کنید", END]
