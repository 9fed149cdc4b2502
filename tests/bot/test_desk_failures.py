"""When Telegram fails: a blocked customer, a deleted topic, a migrated group, 429s."""

from __future__ import annotations

import logging

import pytest
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot import desk_texts, executor, pipeline, telegram_errors
from bot.config import Settings
from bot.formatting import plain_text
from bot.telegram_errors import failure_reason
from handoff.texts import CARD_BLOCKED, CARD_DEACTIVATED
from storage.models import MessageLink, Ticket, TicketEvent
from tests.bot.desk_support import asked_in_topic, card_now, hand_off, settled, ticket, topic_texts
from tests.bot.support import running_bot
from tests.bot.test_supervision import report_not_due
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.api_messages import _delete as delete_message


def test_agents_read_why_telegram_refused_a_delivery_in_persian() -> None:
    assert failure_reason(Forbidden("Forbidden: bot was blocked by the user")) == (
        desk_texts.REASON_BLOCKED
    )
    assert failure_reason(BadRequest("Bad Request: message thread not found")) == (
        desk_texts.REASON_THREAD
    )
    assert failure_reason(RetryAfter(30)) == desk_texts.REASON_TOO_MANY
    # An L2 group that removed the bot was reported as "the customer blocked the bot".
    for group_said in (
        "Forbidden: bot was kicked from the supergroup chat",
        "Forbidden: bot is not a member of the supergroup chat",
    ):
        assert failure_reason(Forbidden(group_said)) == desk_texts.REASON_NOT_IN_GROUP
    assert failure_reason(Forbidden("Forbidden: user is deactivated")) == (
        desk_texts.REASON_DEACTIVATED
    )
    # A quiz an agent sent: Telegram's English, with no word of what to send instead.
    assert failure_reason(BadRequest("Bad Request: message can't be copied")) == (
        desk_texts.REASON_UNCOPYABLE
    )
    other = failure_reason(BadRequest("Bad Request: wrong file identifier" + "x" * 300))
    assert other.startswith(desk_texts.REASON_UNKNOWN)
    assert "wrong file identifier" in other.lower()
    assert len(other) < len(desk_texts.REASON_UNKNOWN) + 210  # Telegram's words cut at 200


def in_general(fake: FakeTelegram) -> list[str]:
    """What the bot posted in the agents' group outside any topic."""
    return [m.text or "" for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None]


async def test_topics_turned_off_are_said_in_persian_and_once_to_operator_and_supervisors(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    # Agents read «تلگرام پیام را نپذیرفت (The chat is not a forum)», with no fix; the log
    # had only per-ticket WARNINGs; supervisors heard nothing.
    fake = fake_telegram
    supervisors = -1005000000005
    fake.add_group(supervisors, "سرپرستان")
    caplog.set_level(logging.WARNING, logger="bot.executor")
    with_supervisors = settings.model_copy(
        update={"supervisor_chat_id": supervisors, "daily_report_at": report_not_due()}
    )
    async with running_bot(with_supervisors, fake) as bot:
        opened = await hand_off(bot, fake)
        fake.set_forum(False)
        fake.user_sends_text(opened.user, "هنوز درست نشده")  # its topic is gone meanwhile
        await fake.wait_for_messages_async(opened.user.id, 2, timeout=10)
        for name in ("سارا", "نیما"):  # new tickets get no topic
            fake.user_sends_text(fake.new_user(name), "/human")
        await fake.wait_for_async(lambda: len(in_general(fake)) >= 2, timeout=10, what="notices")
        await settled(bot, fake)
    general = in_general(fake)
    assert len(general) == 2
    assert all(desk_texts.REASON_NOT_FORUM in said and "forum" not in said for said in general)
    (told,) = [m.text or "" for m in fake.sent_to(supervisors)]
    assert "«تاپیک‌ها» در تنظیمات گروه کارشناسان خاموش شده است" in told
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].startswith(f"AGENT_CHAT_ID={fake.agent_chat_id}: Topics are turned off")
    assert "turn Topics on" in errors[0]


async def test_topics_back_on_and_off_again_are_each_told(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    # Only a topic made cleared the mark: Topics back on, the ticket's own topic working again,
    # then off once more: the supervisors heard nothing the second time. Nor were they told
    # that Topics worked again: the last they heard was that customers reach no agent.
    fake = fake_telegram
    caplog.set_level(logging.INFO, logger="bot.executor")
    supervisors = -1005000000005
    fake.add_group(supervisors, "سرپرستان")
    with_supervisors = settings.model_copy(
        update={"supervisor_chat_id": supervisors, "daily_report_at": report_not_due()}
    )
    async with running_bot(with_supervisors, fake) as bot:
        opened = await hand_off(bot, fake)
        fake.set_forum(False)
        fake.user_sends_text(opened.user, "اول")
        await fake.wait_for_async(lambda: fake.sent_to(supervisors), timeout=10, what="told")
        await settled(bot, fake)
        fake.set_forum(True)
        fake.user_sends_text(opened.user, "دوم")
        await fake.wait_for_messages_async(fake.agent_chat_id, 1, thread_id=opened.thread_id)
        await settled(bot, fake)
        fake.set_forum(False)
        fake.user_sends_text(opened.user, "سوم")
        await fake.wait_for_async(
            lambda: len(fake.sent_to(supervisors)) >= 3, timeout=10, what="told again"
        )
        await settled(bot, fake)
    off, back, off_again = [m.text or "" for m in fake.sent_to(supervisors)]
    assert "خاموش شده است" in off and "خاموش شده است" in off_again
    assert "«تاپیک‌ها» در گروه کارشناسان دوباره کار می‌کند" in back
    said = [r.getMessage() for r in caplog.records]
    assert f"AGENT_CHAT_ID={fake.agent_chat_id}: Topics work in the group again" in said


def test_a_topic_lost_to_topics_turned_off_is_not_blamed_on_an_agent_alone() -> None:
    reason = failure_reason(BadRequest("Bad Request: message thread not found"))
    assert "«تاپیک‌ها» در تنظیمات گروه خاموش" in reason


async def test_a_customer_who_blocked_the_bot_is_reported_once_and_not_retried(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.block_user(opened.user)
        fake.agent_sends_in_topic(agent, opened.thread_id, "سلام")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "هستید؟")
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
        blocked = await bot.rows(TicketEvent, TicketEvent.kind == "customer_blocked")
        failed = await bot.rows(TicketEvent, TicketEvent.kind == "relay_failed")
    assert row.customer_blocked and len(blocked) == 1
    # The audit trail keeps the undelivered message and Telegram's reason.
    assert [(e.data["direction"], "blocked" in e.data["error"]) for e in failed] == [
        ("to_customer", True)
    ]
    posted = topic_texts(fake, opened.thread_id)
    assert posted.count(desk_texts.CUSTOMER_BLOCKED) == 2  # reported, then refused up front
    copies = [c for c in fake.api_calls("copyMessage") if c.params.get("chat_id") == opened.user.id]
    assert len(copies) == 1  # no retrying a 403


async def test_an_agent_message_that_cannot_reach_the_customer_is_no_first_response(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # A quiz Telegram refused to copy counted as the first response: the deadline met, the
    # customer still waiting, and no overdue alert would come.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.fail_next(
            "copyMessage",
            description="Bad Request: message can't be copied",
            chat_id=opened.user.id,
        )
        fake.agent_sends_in_topic(agent, opened.thread_id, "کدام‌یک درست است؟")
        await settled(bot, fake)
        refused = await ticket(bot, opened.ticket_id)
        fake.agent_sends_in_topic(agent, opened.thread_id, "رمز را ریست کنید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        answered = await ticket(bot, opened.ticket_id)
        events = [e.kind for e in await bot.rows(TicketEvent)]
    assert refused.first_response_at is None and refused.awaiting_reply_since is not None
    assert answered.first_response_at is not None and answered.awaiting_reply_since is None
    assert events.count("first_response") == 2 and "first_response_withdrawn" in events


async def test_the_topic_hears_at_once_when_a_customer_blocks_the_bot_and_comes_back(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.user_blocks_bot(opened.user)
        await fake.wait_for_async(
            lambda: desk_texts.CUSTOMER_BLOCKED in topic_texts(fake, opened.thread_id),
            timeout=10,
            what="the topic told",
        )
        await settled(bot, fake)
        blocked_card = card_now(fake, opened.card).text or ""
        fake.agent_sends_in_topic(agent, opened.thread_id, "سلام")  # refused up front
        await settled(bot, fake)
        fake.user_unblocks_bot(opened.user)
        await fake.wait_for_async(
            lambda: desk_texts.CUSTOMER_UNBLOCKED in topic_texts(fake, opened.thread_id),
            timeout=10,
            what="the topic told again",
        )
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "خوش برگشتید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
        kinds = [e.kind for e in await bot.rows(TicketEvent)]
    assert [m.content for m in fake.sent_to(opened.user.id)[1:]] == ["خوش برگشتید"]
    assert "مسدود" in blocked_card and "مسدود" not in (card_now(fake, opened.card).text or "")
    assert [k for k in kinds if k.startswith("customer_")] == [
        "customer_blocked",
        "customer_unblocked",
    ]
    assert not row.customer_blocked
    assert topic_texts(fake, opened.thread_id).count(desk_texts.CUSTOMER_BLOCKED) == 2


async def test_an_edit_of_a_reply_to_a_customer_who_blocked_the_bot_is_said_not_to_reach_them(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The edit was mirrored into a 403 and dropped without a word, while the log (and the
    # conversation's file an escalation sends) kept the new wording as the customer's copy.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        reply = fake.agent_sends_in_topic(agent, opened.thread_id, "رمز را ریست کنید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        fake.user_blocks_bot(opened.user)
        await fake.wait_for_async(
            lambda: desk_texts.CUSTOMER_BLOCKED in topic_texts(fake, opened.thread_id),
            timeout=10,
            what="the topic told",
        )
        await settled(bot, fake)
        fake.agent_edits(reply, "رمز را از پورتال ریست کنید")
        await settled(bot, fake)
        edited = await bot.rows(TicketEvent, TicketEvent.kind == "message_edited")
    said = topic_texts(fake, opened.thread_id)
    assert said[-1] == desk_texts.CUSTOMER_BLOCKED
    assert said.count(desk_texts.CUSTOMER_BLOCKED) == 2  # at the block, then for the edit
    copy = fake.sent_to(opened.user.id)[-1]
    assert copy.text == "رمز را ریست کنید" and not copy.edited
    assert edited == []


async def test_a_card_deleted_in_its_topic_is_posted_again_and_kept_up_to_date(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Deleted by hand, a card was never drawn again: its buttons and the customer's details
    # were gone for the ticket's life, and every redraw failed on the missing message.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "اینترنت قطع است")
        with fake.state.lock:
            delete_message(fake.state, opened.card.chat_id, opened.card.message_id)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/claim")
        await settled(bot, fake)
        claimed = await ticket(bot, opened.ticket_id)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/close")
        await settled(bot, fake)
        closed = await ticket(bot, opened.ticket_id)
    assert claimed.card_message_id not in (None, opened.card.message_id)
    assert closed.card_message_id == claimed.card_message_id
    card = fake.message(fake.agent_chat_id, claimed.card_message_id)
    assert card.thread_id == opened.thread_id
    drawn = card.history[0]  # as posted again: claimed, with its buttons
    assert "سارا" in (drawn.text or "") and drawn.reply_markup
    assert "وضعیت: بسته" in (card.text or "")
    assert len([m for m in topic_texts(fake, opened.thread_id) if m.startswith("🎫")]) == 1


async def test_a_deleted_topic_is_recreated_with_the_card_and_history(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.user_sends_text(opened.user, "پیام پیش از پاک شدن")
        fake.agent_sends_in_topic(agent, opened.thread_id, "پاسخ پیش از پاک شدن")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        fake.agent_deletes_topic(opened.thread_id)
        fake.user_sends_text(opened.user, "پیام بعد از پاک شدن")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
        events = await bot.rows(TicketEvent, TicketEvent.kind == "topic_recreated")
    new_thread = fake.topics()[-1].thread_id
    assert row.thread_id == new_thread and len(events) == 1
    posted = [m.content or "" for m in fake.sent_to(fake.agent_chat_id, new_thread)]
    assert "تیکت" in posted[0] and row.card_message_id is not None  # the card again
    assert posted[1] == desk_texts.TOPIC_RECREATED
    assert posted[2:] == [  # each run under whose it is: both sides are the bot's copies
        "👤 مشتری",
        "پیام پیش از پاک شدن",
        "🎧 کارشناس — سارا\u200f",
        "پاسخ پیش از پاک شدن",
        plain_text(desk_texts.HISTORY_END),
        "پیام بعد از پاک شدن",
    ]


async def test_after_a_topic_is_recreated_edits_and_replies_follow_the_reposted_history(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        said = fake.user_sends_text(opened.user, "پیام پیش از پاک شدن")
        await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=opened.thread_id)
        await settled(bot, fake)
        fake.agent_deletes_topic(opened.thread_id)
        fake.user_sends_text(opened.user, "پیام بعد از پاک شدن")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        new_thread = fake.topics()[-1].thread_id
        (reposted,) = [
            m
            for m in fake.sent_to(fake.agent_chat_id, new_thread)
            if m.content == "پیام پیش از پاک شدن"
        ]
        fake.user_edits(said, "پیام ویرایش‌شده")
        await settled(bot, fake)
        fake.agent_replies_to(agent, new_thread, reposted.message_id, "کدام صفحه؟")
        await fake.wait_for_async(
            lambda: fake.sent_to(opened.user.id)[-1].text == "کدام صفحه؟", what="the reply"
        )
        await settled(bot, fake)
    (edited,) = [
        m
        for m in fake.sent_to(fake.agent_chat_id, new_thread)
        if m.message_id == reposted.message_id
    ]
    assert edited.content == "پیام ویرایش‌شده"  # the agents see the edit in the new topic
    assert fake.sent_to(opened.user.id)[-1].reply_to_message_id == said.message_id


async def test_a_migrated_agents_group_is_followed(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    old_id, new_id = fake.agent_chat_id, -1009000000009
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        fake.migrate_group(old_id, new_id, forum=True)
        await settled(bot, fake)
        fake.user_sends_text(opened.user, "هنوز منتظرم")
        await fake.wait_for_async(lambda: len(fake.topics(new_id)) == 1, timeout=10, what="topic")
        await settled(bot, fake)
        other = fake.new_user("تازه")
        fake.user_sends_text(other, "/human")
        await fake.wait_for_async(lambda: len(fake.topics(new_id)) == 2, timeout=10, what="topic")
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert [t.agent_chat_id for t in tickets] == [new_id, new_id]
    told = fake.sent_to(new_id)
    assert any(f"AGENT_CHAT_ID={new_id}" in (m.text or "") for m in told)  # admins are told
    relayed = [m.content for m in fake.sent_to(new_id, tickets[0].thread_id)]
    assert relayed[-1] == "هنوز منتظرم"


async def test_after_a_restart_with_the_old_group_id_the_bot_works_in_the_new_group(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_telegram
    old_id, new_id = fake.agent_chat_id, -1009000000009
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        fake.migrate_group(old_id, new_id, forum=True)
        await settled(bot, fake)
    caplog.set_level(logging.WARNING, logger="bot")
    async with running_bot(settings, fake) as bot:  # AGENT_CHAT_ID still names the old group
        fake.user_sends_text(fake.new_user("تازه"), "/human")
        await fake.wait_for_async(lambda: len(fake.topics(new_id)) == 1, timeout=10, what="topic")
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert [t.agent_chat_id for t in tickets] == [new_id, new_id]
    assert tickets[0].id == opened.ticket_id
    assert f"the agents' group moved from {old_id} to {new_id}; set AGENT_CHAT_ID={new_id}" in (
        caplog.text
    )


async def test_rate_limits_are_waited_out_and_replies_arrive_in_order(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.fail_next_retry_after("copyMessage", 1)
        for text in ("یک", "دو", "سه"):
            fake.agent_sends_in_topic(agent, opened.thread_id, text)
        await fake.wait_for_messages_async(opened.user.id, 4, timeout=10)
        await settled(bot, fake)
    assert [m.text for m in fake.sent_to(opened.user.id)[1:]] == ["یک", "دو", "سه"]


async def test_a_send_refused_as_migrated_moves_the_desk_to_the_new_group(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    new_id = -1009000000010
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        fake.add_group(new_id, "پشتیبانی پاسخ", forum=True)
        fake.fail_next_migrated("copyMessage", new_id)
        fake.user_sends_text(opened.user, "پیام پس از ارتقای گروه")
        await fake.wait_for_async(lambda: len(fake.topics(new_id)) == 1, timeout=10, what="topic")
        await settled(bot, fake)
        fake.user_sends_text(fake.new_user("بعدی"), "/human")
        await fake.wait_for_async(lambda: len(fake.topics(new_id)) == 2, timeout=10, what="topic")
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert [t.agent_chat_id for t in tickets] == [new_id, new_id]
    (first_topic, _) = fake.topics(new_id)
    relayed = [m.content for m in fake.sent_to(new_id, first_topic.thread_id)]
    assert relayed[-1] == "پیام پس از ارتقای گروه"


async def test_a_restart_after_the_group_migrated_uses_the_new_group(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    old_id, new_id = fake.agent_chat_id, -1009000000010
    async with running_bot(settings, fake) as bot:
        await hand_off(bot, fake)
        fake.migrate_group(old_id, new_id, forum=True)
        await settled(bot, fake)
    # AGENT_CHAT_ID still names the old group: the start-up check must follow the move.
    async with running_bot(settings, fake) as bot:
        other = fake.new_user("پس از جابه‌جایی")
        fake.user_sends_text(other, "/human")
        await fake.wait_for_async(lambda: len(fake.topics(new_id)) == 1, timeout=10, what="topic")
        await settled(bot, fake)
    assert "پس از جابه‌جایی" in fake.topics(new_id)[0].name


async def test_a_recreated_topic_of_a_ticket_marked_l2_in_place_keeps_its_mark(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")  # no L2 group: in place
        await settled(bot, fake)
        fake.agent_deletes_topic(opened.thread_id)
        fake.user_sends_text(opened.user, "هنوز منتظرم")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
    assert fake.topics()[-1].name.startswith(desk_texts.L2_TOPIC_MARK)


async def test_an_album_in_the_history_of_a_recreated_topic_stays_an_album(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        fake.user_sends_album(opened.user, 3, caption="خطاها")
        await fake.wait_for_messages_async(fake.agent_chat_id, 1 + 3, thread_id=opened.thread_id)
        await settled(bot, fake)
        fake.agent_deletes_topic(opened.thread_id)
        fake.user_sends_text(opened.user, "پیام بعد از پاک شدن")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
    new_thread = fake.topics()[-1].thread_id
    posted = fake.sent_to(fake.agent_chat_id, new_thread)[3:]  # the card, notice and label
    assert [m.kind for m in posted] == ["photo", "photo", "photo", "text", "text"]
    assert posted[0].caption == "خطاها"
    assert posted[0].media_group_id and len({m.media_group_id for m in posted[:3]}) == 1


@pytest.mark.parametrize(
    ("refusal", "notice", "card_line"),
    [
        ("Forbidden: user is deactivated", desk_texts.CUSTOMER_DEACTIVATED, CARD_DEACTIVATED),
        ("Forbidden: bot was blocked by the user", desk_texts.CUSTOMER_BLOCKED, CARD_BLOCKED),
    ],
    ids=["deleted account", "blocked"],
)
async def test_a_customer_found_unreachable_on_a_reply_is_named_so_on_the_card_and_after(
    settings: Settings, fake_telegram: FakeTelegram, refusal: str, notice: str, card_line: str
) -> None:
    # A deleted account was reported as a block (agents waited for an unblock that never
    # comes), and a block learnt from a refused reply left the card as it was.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        sends = ["copyMessage", "copyMessages", "sendMessage"]
        fake.fail_next(sends, status=403, description=refusal, chat_id=opened.user.id, times=-1)
        fake.agent_sends_in_topic(agent, opened.thread_id, "سلام")
        await settled(bot, fake)
        card = card_now(fake, opened.card).text or ""
        fake.agent_sends_in_topic(agent, opened.thread_id, "هستید؟")  # refused up front
        fake.agent_sends_in_topic(agent, opened.thread_id, "/article password-reset")
        await settled(bot, fake)
        sent = await bot.rows(TicketEvent, TicketEvent.kind == "article_sent")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/close")
        await settled(bot, fake)
    assert card_line in card
    said = topic_texts(fake, opened.thread_id)
    assert said[-4:-1] == [notice, notice, notice]
    assert sent == []  # the guide did not reach them: not logged as sent
    # Closed, it no longer says the customer was asked for a rating: nothing reaches them.
    assert said[-1] == desk_texts.closed_notice(agent.first_name, asked_to_rate=False)


async def test_an_album_an_agent_sends_to_a_closed_ticket_is_refused_once(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent(admin=True)  # may still write in the closed topic
        fake.agent_sends_in_topic(agent, opened.thread_id, "/close")
        await settled(bot, fake)
        with fake.state.lock:  # the four items arrive together, as Telegram sends an album
            group = fake.state.new_media_group_id()
            for _ in range(4):
                fake.agent_sends_in_topic(
                    agent, opened.thread_id, media="photo", media_group_id=group
                )
        await settled(bot, fake)
    assert topic_texts(fake, opened.thread_id).count(desk_texts.TICKET_IS_CLOSED) == 1


async def test_an_album_copied_again_without_a_deleted_item_links_no_copy_to_another(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Telegram skips a deleted item and says not which: paired by position, the customer's
    # edit of one photo landed on the copy of the next.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        album = fake.user_sends_album(opened.user, 3, caption="خطاها")
        await fake.wait_for_messages_async(fake.agent_chat_id, 1 + 3, thread_id=opened.thread_id)
        await settled(bot, fake)
        first = album[0].stored
        assert first is not None
        with fake.state.lock:  # the customer deletes the first photo (for both sides)
            delete_message(fake.state, first.chat_id, first.message_id)
        fake.agent_deletes_topic(opened.thread_id)
        fake.user_sends_text(opened.user, "پیام بعد از پاک شدن")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        new_thread = fake.topics()[-1].thread_id
        links = await bot.rows(MessageLink)
    copies = {m.message_id: m for m in fake.sent_to(fake.agent_chat_id, new_thread)}
    for link in links:
        copy = copies.get(link.agent_message_id)
        if copy is not None:
            assert copy.copied_from == (link.customer_chat_id, link.customer_message_id)


async def test_a_recreated_topic_says_which_replies_never_reached_the_customer(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Copied from the customer's chat, the history of a topic made again had no trace of the
    # replies Telegram refused: whoever read it took the customer for answered. Their copies
    # went with the deleted topic: their words are kept.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened, agent = await asked_in_topic(bot, fake, "اینترنت قطع است")
        refusal = "Bad Request: message is too long"
        fake.fail_next("copyMessage", chat_id=opened.user.id, description=refusal, times=2)
        fake.agent_sends_in_topic(agent, opened.thread_id, "مودم را ریست کنید")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, media="photo", caption="این دکمه")
        await settled(bot, fake)
        fake.agent_deletes_topic(opened.thread_id)
        fake.user_sends_text(opened.user, "هنوز قطع است")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
    undelivered = "⚠️ پاسخ نرسیده به مشتری — سارا\u200f"
    assert topic_texts(fake, fake.topics()[-1].thread_id)[2:] == [  # the card, the notice
        "👤 مشتری",
        "اینترنت قطع است",
        f"{undelivered}\nمودم را ریست کنید",
        f"{undelivered}\nاین دکمه",
        plain_text(desk_texts.HISTORY_END),
        "هنوز قطع است",
    ]


async def test_a_reply_held_up_while_the_customer_blocked_the_bot_is_reported_not_dropped(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Telegram failing, an agent's reply waited to be sent; meanwhile the customer blocked
    # the bot. Once Telegram was back the reply was dropped without a word: still counted
    # as the first response (no deadline alert would come), and no line in the L2 history.
    monkeypatch.setattr(telegram_errors, "BACKOFF_START", 0.001)
    monkeypatch.setattr(telegram_errors, "BACKOFF_MAX", 0.005)
    monkeypatch.setattr(pipeline, "TELEGRAM_RETRY_SECONDS", 1.0)
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.fail_next("copyMessage", status=502, chat_id=opened.user.id, times=-1)
        fake.agent_sends_in_topic(agent, opened.thread_id, "رمز را ریست کنید")
        await fake.wait_for_async(  # a round of tries given up: the next in a second
            lambda: len(fake.calls("copyMessage")) >= executor.DURABLE_ATTEMPTS,
            timeout=10,
            what="a round of tries at the reply",
        )
        fake.user_blocks_bot(opened.user)
        blocked = plain_text(desk_texts.CUSTOMER_BLOCKED)
        await fake.wait_for_async(
            lambda: blocked in topic_texts(fake, opened.thread_id), timeout=10, what="told"
        )
        fake.clear_failures()
        said = plain_text(desk_texts.delivery_failed(desk_texts.REASON_BLOCKED))
        await fake.wait_for_async(
            lambda: said in topic_texts(fake, opened.thread_id), timeout=10, what="reported"
        )
        await settled(bot, fake)
        answered = await ticket(bot, opened.ticket_id)
        failed = await bot.rows(TicketEvent, TicketEvent.kind == "relay_failed")
    assert answered.first_response_at is None  # the customer still waits for one
    assert [e.data["direction"] for e in failed] == ["to_customer"]
    assert fake.sent_to(opened.user.id)[1:] == []  # nothing after the ticket's number
