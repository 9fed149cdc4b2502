"""A ticket opened while the bot could make no topic in the agents' group gets one, with what
its customer sent meanwhile, as soon as the bot can again: nobody has to write first."""

from __future__ import annotations

import logging

import pytest

from bot import desk_texts, topicless
from bot.config import Settings
from bot.formatting import plain_text
from storage.models import Ticket, TicketEvent
from tests.bot.desk_support import OpenTicket, hand_off, settled, ticket, topic_texts
from tests.bot.support import RunningBot, running_bot
from tests.bot.test_supervision import report_not_due
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import User


async def _opened_without_topic(bot: RunningBot, fake: FakeTelegram) -> tuple[User, int]:
    """A customer asks for a person while the bot can make no topic, then writes again."""
    customer = fake.new_user("بهرام")
    fake.user_sends_text(customer, "/human پرینترم کار نمی‌کند")
    await settled(bot, fake)
    fake.user_sends_text(customer, "مدلش اچ‌پی ۱۰۲۰ است")
    await settled(bot, fake)
    (opened,) = await bot.rows(Ticket, Ticket.customer_id == customer.id)
    assert opened.thread_id is None
    return customer, opened.id


async def test_a_ticket_opened_while_the_bot_could_not_make_topics_gets_one_when_it_can(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The customer was told an agent had their ticket; once the owner gave the bot its
    # right back, the ticket still had no topic (nor card) until the customer wrote again,
    # and /tickets listed it like any other.
    fake = fake_telegram
    admin = fake.new_agent("مدیر", admin=True)
    agent = fake.new_agent("سارا")
    quiet = settings.model_copy(update={"daily_report_at": report_not_due()})
    async with running_bot(quiet, fake) as bot:
        fake.admin_changes_bot(admin, "administrator", {"can_manage_topics": False})
        await settled(bot, fake)
        customer, ticket_id = await _opened_without_topic(bot, fake)
        general = len(fake.sent_to(fake.agent_chat_id))
        fake.agent_sends_in_topic(agent, None, "/tickets")
        await fake.wait_for_messages_async(fake.agent_chat_id, general + 1, timeout=10)
        listed = fake.sent_to(fake.agent_chat_id)[-1].content or ""
        fake.admin_changes_bot(admin, "administrator", {"can_manage_topics": True})
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="the ticket's topic")
        await settled(bot, fake)
        given = await ticket(bot, ticket_id)
        events = await bot.rows(TicketEvent, TicketEvent.ticket_id == ticket_id)
        posted = topic_texts(fake, given.thread_id or 0)
        # The agent's answer in the new topic reaches the customer.
        fake.agent_sends_in_topic(agent, given.thread_id, "سلام، بررسی می‌کنم")
        await fake.wait_for_async(
            lambda: any(m.content == "سلام، بررسی می‌کنم" for m in fake.sent_to(customer.id)),
            timeout=10,
            what="the answer",
        )
        await settled(bot, fake)
    assert "#۱" in listed and "هنوز تاپیک ندارد" in listed
    (topic,) = fake.topics()
    assert given.thread_id == topic.thread_id and given.card_message_id is not None
    assert posted[0].startswith("🎫") and "پرینترم کار نمی‌کند" in posted[0]  # the card
    assert desk_texts.TOPIC_LATE in posted
    # What the customer sent meanwhile (and was told did not arrive) is in the topic now.
    assert "مدلش اچ‌پی ۱۰۲۰ است" in posted
    assert posted[-1] == plain_text(desk_texts.HISTORY_END)
    assert "topic_opened" in [event.kind for event in events]


async def test_topics_turned_on_again_give_the_waiting_ticket_its_topic(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Telegram sends no update when an admin turns Topics back on: only a customer's next
    # message used to make the topic.
    monkeypatch.setattr(topicless, "LOOK_EVERY_SECONDS", 0.3)
    fake = fake_telegram
    quiet = settings.model_copy(update={"daily_report_at": report_not_due()})
    async with running_bot(quiet, fake) as bot:
        fake.set_forum(False)
        _, ticket_id = await _opened_without_topic(bot, fake)
        notices = len(fake.sent_to(fake.agent_chat_id))
        await fake.wait_for_async(
            lambda: len(fake.calls("getChat")) >= 3, timeout=10, what="a few looks"
        )
        # Looking while Topics are off tries no topic and posts nothing.
        assert len(fake.sent_to(fake.agent_chat_id)) == notices
        fake.set_forum(True)
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="the ticket's topic")
        await settled(bot, fake)
        given = await ticket(bot, ticket_id)
    (topic,) = fake.topics()
    assert given.thread_id == topic.thread_id
    assert "مدلش اچ‌پی ۱۰۲۰ است" in topic_texts(fake, topic.thread_id)


NEW_DESK = -1004000000004


async def _open_when_the_desk_moves(
    settings: Settings, fake: FakeTelegram, said: str | None = None
) -> tuple[OpenTicket, Settings]:
    """A ticket handed off (its customer then saying `said`), the bot stopped, a new forum
    group made: the ticket, and the settings of a run with AGENT_CHAT_ID pointed there."""
    quiet = settings.model_copy(update={"daily_report_at": report_not_due()})
    async with running_bot(quiet, fake) as bot:
        opened = await hand_off(bot, fake)
        if said is not None:
            fake.user_sends_text(opened.user, said)
            await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=opened.thread_id)
        await settled(bot, fake)
    fake.add_group(NEW_DESK, "میز تازه", forum=True)
    return opened, quiet.model_copy(update={"agent_chat_id": NEW_DESK})


async def test_open_tickets_of_the_old_agents_group_move_to_the_new_one(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    # With AGENT_CHAT_ID pointed at a new group between two runs, a ticket open in the old
    # one stayed there: the new group's /tickets did not list it, and once the old group
    # removed the bot its customer's messages went nowhere, for ever; the log said nothing.
    fake = fake_telegram
    old, new = fake.agent_chat_id, NEW_DESK
    opened, moved_desk = await _open_when_the_desk_moves(settings, fake, "پیامی در تاپیک قدیمی")
    fake.set_bot_rights(old, status="left")  # the old group removed the bot
    caplog.set_level(logging.ERROR, logger="bot.topicless")
    async with running_bot(moved_desk, fake) as bot:
        await fake.wait_for_async(lambda: fake.topics(new), timeout=10, what="a topic there")
        await settled(bot, fake)
        moved = await ticket(bot, opened.ticket_id)
        posted = [m.content or "" for m in fake.sent_to(new, moved.thread_id)]
        fake.user_sends_text(opened.user, "پیام تازه")
        await fake.wait_for_async(
            lambda: "پیام تازه" in [m.content for m in fake.sent_to(new, moved.thread_id)],
            timeout=10,
            what="the new message in the new topic",
        )
        await settled(bot, fake)
    assert moved.agent_chat_id == new and moved.thread_id == fake.topics(new)[0].thread_id
    assert posted[0].startswith("🎫")  # its card, then the conversation so far
    assert "پیامی در تاپیک قدیمی" in posted
    assert "1 open tickets were in groups that are no longer the desk's and the bot is no " in (
        caplog.text
    )
    assert f"longer in ({old})" in caplog.text


async def test_open_tickets_of_a_former_group_the_bot_is_still_in_stay_there(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    # A setting changed for one run (or set back later) moved them for good: each got a second
    # topic, and the agents' replies in the first went nowhere.
    fake = fake_telegram
    old = fake.agent_chat_id
    opened, moved_desk = await _open_when_the_desk_moves(settings, fake)
    caplog.set_level(logging.WARNING, logger="bot.topicless")
    async with running_bot(moved_desk, fake) as bot:
        fake.user_sends_text(opened.user, "هنوز منتظرم")
        await fake.wait_for_messages_async(old, 2, thread_id=opened.thread_id)
        await settled(bot, fake)
        kept = await ticket(bot, opened.ticket_id)
    assert (kept.agent_chat_id, kept.thread_id) == (old, opened.thread_id)
    assert fake.topics(NEW_DESK) == []
    assert f"1 open tickets are in chat {old}, which no setting names" in caplog.text


async def test_a_customer_writing_before_the_watcher_looks_gets_the_late_topic_whole(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Their next message made the topic first, without what they had sent meanwhile: lost for
    # good, since a ticket with a topic is no longer the watcher's.
    fake = fake_telegram
    quiet = settings.model_copy(update={"daily_report_at": report_not_due()})
    async with running_bot(quiet, fake) as bot:
        fake.set_forum(False)
        customer, ticket_id = await _opened_without_topic(bot, fake)
        fake.set_forum(True)
        fake.user_sends_text(customer, "پیام سوم")
        await fake.wait_for_async(lambda: fake.topics(), timeout=10, what="topic")
        await settled(bot, fake)
        given = await ticket(bot, ticket_id)
        posted = topic_texts(fake, given.thread_id or 0)
    earlier = posted.index("مدلش اچ‌پی ۱۰۲۰ است")
    assert earlier < posted.index("پیام سوم")
