"""The fake Bot API server, driven by real python-telegram-bot Applications and Bots."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MenuButtonCommands,
    Message,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.ptb import application_builder, make_bot

REPO_ROOT = Path(__file__).resolve().parents[2]
AnyApp = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(fake_telegram) as bot:
        yield bot


def make_app(fake: FakeTelegram) -> AnyApp:
    """Build a PTB Application pointed at the fake."""
    return application_builder(fake).build()


@contextlib.asynccontextmanager
async def polling(app: AnyApp) -> AsyncIterator[AnyApp]:
    """Run an Application with long polling (1 s polls) for the duration of the block."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def seconds(value: int | dtm.timedelta) -> float:
    """Return RetryAfter.retry_after in seconds whatever PTB's representation."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# --------------------------------------------------------------------------- polling


async def test_echo_application_receives_text_and_its_reply_is_recorded(
    fake_telegram: FakeTelegram,
) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"گفتی: {update.message.text}")

    app = make_app(fake_telegram)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    customer = fake_telegram.new_user("سارا")
    async with polling(app):
        sent = fake_telegram.user_sends_text(customer, "سلام")
        replies = await fake_telegram.wait_for_messages_async(customer.id)
        await fake_telegram.wait_for_confirmed_async(sent)
    assert replies[0].text == "گفتی: سلام"
    assert fake_telegram.pending_updates() == []


async def test_command_reaches_command_handler_with_bot_command_entity(
    fake_telegram: FakeTelegram,
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("خوش آمدید")

    app = make_app(fake_telegram)
    app.add_handler(CommandHandler("start", start))
    customer = fake_telegram.new_user()
    async with polling(app):
        injected = fake_telegram.user_sends_text(customer, "/start")
        replies = await fake_telegram.wait_for_messages_async(customer.id)
    assert injected.message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert replies[0].text == "خوش آمدید"


async def test_button_press_reaches_callback_handler_and_answer_and_edit_are_recorded(
    fake_telegram: FakeTelegram,
) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        keyboard = [[InlineKeyboardButton("بله", callback_data="helpful:yes")]]
        await update.message.reply_text("مفید بود؟", reply_markup=InlineKeyboardMarkup(keyboard))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("ممنون")
        await query.edit_message_text(f"پاسخ: {query.data}")

    app = make_app(fake_telegram)
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(pressed))
    customer = fake_telegram.new_user()
    async with polling(app):
        fake_telegram.user_sends_text(customer, "/menu")
        [question] = await fake_telegram.wait_for_messages_async(customer.id)
        press = fake_telegram.user_presses_button(customer, question, "بله")
        answer = await fake_telegram.wait_for_answer_async(press)
        await fake_telegram.wait_for_async(lambda: question.edited, what="the edit")
    assert answer["text"] == "ممنون"
    assert question.text == "پاسخ: helpful:yes"
    assert question.reply_markup is None  # editing text without reply_markup drops the keyboard
    assert question.history[0].text == "مفید بود؟"


async def test_pressing_a_button_that_is_not_there_fails_in_the_test(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    customer = fake_telegram.new_user()
    await bot.send_message(customer.id, "بدون دکمه")
    message = fake_telegram.last_sent_to(customer.id)
    with pytest.raises(AssertionError, match=r"(?i)no button"):
        fake_telegram.user_presses(customer, message, "anything")


async def test_confirmed_updates_are_not_delivered_again(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    customer = fake_telegram.new_user()
    first = fake_telegram.user_sends_text(customer, "یک")
    second = fake_telegram.user_sends_text(customer, "دو")
    assert [u.update_id for u in await bot.get_updates()] == [first.update_id, second.update_id]
    again = await bot.get_updates()  # no offset: nothing confirmed yet
    assert [u.update_id for u in again] == [first.update_id, second.update_id]
    after = await bot.get_updates(offset=second.update_id + 1)
    assert after == ()
    assert fake_telegram.confirmed_offset == second.update_id + 1
    assert fake_telegram.deliveries(first) == 2
    assert fake_telegram.pending_updates() == []


async def test_offset_in_the_middle_drops_only_the_earlier_updates(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    customer = fake_telegram.new_user()
    updates = [fake_telegram.user_sends_text(customer, str(n)) for n in range(3)]
    left = await bot.get_updates(offset=updates[1].update_id, limit=1)
    assert [u.update_id for u in left] == [updates[1].update_id]
    assert len(fake_telegram.pending_updates()) == 2


async def test_held_updates_come_in_a_later_answer(fake_telegram: FakeTelegram, bot: Bot) -> None:
    customer = fake_telegram.new_user()
    first = fake_telegram.user_sends_text(customer, "یک")
    fake_telegram.hold_updates()
    second = fake_telegram.user_sends_text(customer, "دو")
    assert [u.update_id for u in await bot.get_updates()] == [first.update_id]
    poll = asyncio.create_task(bot.get_updates(offset=first.update_id + 1, timeout=5))
    await fake_telegram.wait_for_calls_async("getUpdates", 2)  # the poll is now waiting
    fake_telegram.release_updates()
    assert [u.update_id for u in await poll] == [second.update_id]
    assert fake_telegram.deliveries(second) == 1


async def test_long_poll_wakes_when_an_update_is_injected(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    customer = fake_telegram.new_user()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await fake_telegram.wait_for_calls_async("getUpdates")  # the poll is now waiting
    injected = fake_telegram.user_sends_text(customer, "بیدار شو")
    updates = await poll
    assert [u.update_id for u in updates] == [injected.update_id]


async def test_allowed_updates_filters_other_update_types(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    customer = fake_telegram.new_user()
    await bot.send_message(
        customer.id,
        "؟",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x")]]),
    )
    fake_telegram.user_sends_text(customer, "متن")
    press = fake_telegram.user_presses(customer, fake_telegram.last_sent_to(customer.id), "x")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.update_id for u in updates] == [press.update_id]
    assert updates[0].callback_query is not None
    assert isinstance(updates[0].callback_query.message, Message)  # accessible, date is real


async def test_second_poller_ends_the_first_with_conflict(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await fake_telegram.wait_for_calls_async("getUpdates")
    async with make_bot(fake_telegram) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict):
        await first


# --------------------------------------------------------------------------- topics


async def test_forum_topic_is_created_and_message_lands_in_it(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    group = fake_telegram.agent_chat_id
    topic = await bot.create_forum_topic(group, "تیکت #۱")
    sent = await bot.send_message(group, "کارت تیکت", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id
    assert sent.is_topic_message
    assert fake_telegram.topic(topic.message_thread_id).name == "تیکت #۱"
    assert [m.text for m in fake_telegram.sent_to(group, topic.message_thread_id)] == ["کارت تیکت"]


async def test_topic_creation_needs_can_manage_topics(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.set_bot_rights(can_manage_topics=False)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights"):
        await bot.create_forum_topic(fake_telegram.agent_chat_id, "تیکت")


async def test_sending_into_a_deleted_topic_fails_with_thread_not_found(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    group = fake_telegram.agent_chat_id
    topic = await bot.create_forum_topic(group, "تیکت #۲")
    fake_telegram.agent_deletes_topic(topic.message_thread_id)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(group, "سلام", message_thread_id=topic.message_thread_id)


async def test_topics_turned_off_refuse_topics_until_turned_on_again(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    group = fake_telegram.agent_chat_id
    topic = await bot.create_forum_topic(group, "تیکت #۲")
    fake_telegram.set_forum(False)
    assert not (await bot.get_chat(group)).is_forum
    with pytest.raises(BadRequest, match=r"(?i)not a forum"):
        await bot.create_forum_topic(group, "تیکت #۳")
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(group, "سلام", message_thread_id=topic.message_thread_id)
    fake_telegram.set_forum(True)
    sent = await bot.send_message(group, "سلام", message_thread_id=topic.message_thread_id)
    assert sent.is_topic_message


async def test_a_removed_chat_is_not_found(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.remove_chat(fake_telegram.agent_chat_id)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(fake_telegram.agent_chat_id, "سلام")


async def test_topic_name_over_128_characters_is_rejected(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    with pytest.raises(BadRequest):
        await bot.create_forum_topic(fake_telegram.agent_chat_id, "ت" * 129)


async def test_closed_topic_is_recorded_and_bot_admin_still_posts(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    group = fake_telegram.agent_chat_id
    topic = await bot.create_forum_topic(group, "تیکت #۳")
    assert await bot.close_forum_topic(group, topic.message_thread_id)
    assert fake_telegram.topic(topic.message_thread_id).state == "closed"
    await bot.send_message(group, "بسته شد", message_thread_id=topic.message_thread_id)
    with pytest.raises(BadRequest, match=r"(?i)TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(group, topic.message_thread_id)


async def test_agent_topic_message_carries_thread_and_creation_reply(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    group = fake_telegram.agent_chat_id
    topic = await bot.create_forum_topic(group, "تیکت #۴")
    agent = fake_telegram.new_agent("علی")
    injected = fake_telegram.agent_sends_in_topic(agent, topic.message_thread_id, "/claim")
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None
    assert message.message_thread_id == topic.message_thread_id
    assert message.is_topic_message
    assert message.reply_to_message is not None
    assert message.reply_to_message.forum_topic_created is not None
    assert message.text == "/claim"
    assert injected.message["entities"][0]["type"] == "bot_command"


async def test_reply_text_to_a_topic_message_stays_in_the_topic(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    group = fake_telegram.agent_chat_id
    topic = await bot.create_forum_topic(group, "تیکت")
    fake_telegram.agent_sends_in_topic(fake_telegram.new_agent(), topic.message_thread_id, "سلام")
    [update] = await bot.get_updates()
    assert update.message is not None
    await update.message.reply_text("دریافت شد")
    assert fake_telegram.last_sent_to(group, topic.message_thread_id).text == "دریافت شد"


async def test_agent_reply_points_at_the_replied_message(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    group = fake_telegram.agent_chat_id
    topic = await bot.create_forum_topic(group, "تیکت #۵")
    card = await bot.send_message(group, "کارت", message_thread_id=topic.message_thread_id)
    agent = fake_telegram.new_agent()
    fake_telegram.agent_replies_to(agent, topic.message_thread_id, card.message_id, "پاسخ")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.reply_to_message is not None
    assert update.message.reply_to_message.message_id == card.message_id


async def test_copy_message_relays_a_customer_photo_into_a_topic(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    group = fake_telegram.agent_chat_id
    customer = fake_telegram.new_user()
    photo = fake_telegram.user_sends_photo(customer, caption="صفحه خطا")
    topic = await bot.create_forum_topic(group, "تیکت #۶")
    copied = await bot.copy_message(
        group, customer.id, photo.message_id, message_thread_id=topic.message_thread_id
    )
    relayed = fake_telegram.message(group, copied.message_id)
    assert relayed.kind == "photo"
    assert relayed.caption == "صفحه خطا"
    assert relayed.message_thread_id == topic.message_thread_id
    assert relayed.copied_from == (customer.id, photo.message_id)
    assert fake_telegram.calls("copyMessage")[0]["message_thread_id"] == topic.message_thread_id


async def test_copy_messages_keeps_an_album_grouped(fake_telegram: FakeTelegram, bot: Bot) -> None:
    customer = fake_telegram.new_user()
    album = fake_telegram.user_sends_album(customer, 3, caption="عکس‌ها")
    assert len({item.message["media_group_id"] for item in album}) == 1
    group = fake_telegram.agent_chat_id
    ids = await bot.copy_messages(group, customer.id, [item.message_id for item in album])
    copies = [fake_telegram.message(group, copy.message_id) for copy in ids]
    assert len({copy.media_group_id for copy in copies}) == 1
    assert copies[0].media_group_id is not None
    assert copies[0].caption == "عکس‌ها"


async def test_service_message_cannot_be_copied(fake_telegram: FakeTelegram, bot: Bot) -> None:
    group = fake_telegram.agent_chat_id
    topic = await bot.create_forum_topic(group, "تیکت")
    with pytest.raises(BadRequest, match=r"(?i)can't be copied"):
        await bot.copy_message(fake_telegram.new_user().id, group, topic.message_thread_id)


async def test_chat_and_settings_methods_answer_what_ptb_parses(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    group = fake_telegram.agent_chat_id
    chat = await bot.get_chat(group)
    assert chat.is_forum
    me = await bot.get_chat_member(group, bot.id)
    assert isinstance(me, ChatMemberAdministrator)
    assert me.can_manage_topics
    admins = await bot.get_chat_administrators(group)
    assert {admin.status for admin in admins} == {"creator", "administrator"}
    await bot.set_my_commands([BotCommand("human", "گفتگو با کارشناس")])
    assert [c.command for c in await bot.get_my_commands()] == ["human"]
    assert fake_telegram.commands() == [{"command": "human", "description": "گفتگو با کارشناس"}]
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert await bot.send_chat_action(group, ChatAction.TYPING)
    assert await bot.leave_chat(group)
    with pytest.raises(Forbidden, match=r"(?i)not a member"):
        await bot.send_message(group, "سلام")


async def test_relay_round_trip_through_a_topic(fake_telegram: FakeTelegram) -> None:
    """A miniature hand-off bot: customer <-> topic relay, a card button, mirrored edits."""
    group = fake_telegram.agent_chat_id
    links: dict[int, tuple[int, int]] = {}  # source message id -> (target chat, copy id)
    topics: dict[int, int] = {}  # customer id -> thread id

    async def from_customer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        if message.chat_id not in topics:
            topic = await context.bot.create_forum_topic(group, f"تیکت {message.chat_id}")
            topics[message.chat_id] = topic.message_thread_id
            claim = InlineKeyboardButton("برداشتن", callback_data=f"claim:{message.chat_id}")
            await context.bot.send_message(
                group,
                "کارت تیکت",
                message_thread_id=topic.message_thread_id,
                reply_markup=InlineKeyboardMarkup([[claim]]),
            )
        copy = await message.copy(group, message_thread_id=topics[message.chat_id])
        links[message.message_id] = (group, copy.message_id)

    async def from_agent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        customer = next(c for c, t in topics.items() if t == message.message_thread_id)
        copy = await message.copy(customer)
        links[message.message_id] = (customer, copy.message_id)

    async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.edited_message
        assert message is not None
        chat_id, copy_id = links[message.message_id]
        await context.bot.edit_message_text(message.text or "", chat_id, copy_id)

    async def claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("برداشتی")
        await query.edit_message_text(f"کارت تیکت — {query.from_user.first_name}")

    app = make_app(fake_telegram)
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, edited))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE, from_customer))
    app.add_handler(MessageHandler(filters.Chat(group) & filters.IS_TOPIC_MESSAGE, from_agent))
    app.add_handler(CallbackQueryHandler(claim))
    customer = fake_telegram.new_user("سارا")
    agent = fake_telegram.new_agent("علی")
    async with polling(app):
        question = fake_telegram.user_sends_text(customer, "اینترنت قطع است")
        [card, relayed] = await fake_telegram.wait_for_messages_async(group, 2)
        answer = await fake_telegram.wait_for_answer_async(
            fake_telegram.agent_presses_button(agent, card, "برداشتن")
        )
        fake_telegram.agent_sends_in_topic(
            agent, card.thread_id, media="photo", caption="این را ببین"
        )
        [to_customer] = await fake_telegram.wait_for_messages_async(customer.id)
        fake_telegram.user_edits(question, "اینترنت و تلفن قطع است")
        await fake_telegram.wait_for_async(lambda: relayed.edited, what="the mirrored edit")
    assert answer["text"] == "برداشتی"
    assert card.text == "کارت تیکت — علی"
    assert (to_customer.kind, to_customer.caption) == ("photo", "این را ببین")
    assert relayed.text == "اینترنت و تلفن قطع است"
    assert relayed.history[0].text == "اینترنت قطع است"


# --------------------------------------------------------------------------- failures


async def test_injected_403_surfaces_as_forbidden(fake_telegram: FakeTelegram, bot: Bot) -> None:
    customer = fake_telegram.new_user()
    fake_telegram.fail_next_blocked("sendMessage", chat_id=customer.id)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(customer.id, "سلام")
    await bot.send_message(customer.id, "دوباره")  # only the next call failed
    assert [m.text for m in fake_telegram.sent_to(customer.id)] == ["دوباره"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_429_surfaces_as_retry_after(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.fail_next_retry_after("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(fake_telegram.new_user().id, "سلام")
    assert seconds(caught.value.retry_after) == 3


async def test_injected_thread_not_found_surfaces_as_bad_request(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.fail_next_thread_not_found("copyMessage")
    customer = fake_telegram.new_user()
    text = fake_telegram.user_sends_text(customer, "سلام")
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.copy_message(fake_telegram.agent_chat_id, customer.id, text.message_id)


async def test_injected_migration_surfaces_as_chat_migrated(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.fail_next_migrated("sendMessage", -1009999)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(fake_telegram.agent_chat_id, "سلام")
    assert caught.value.new_chat_id == -1009999


async def test_migrated_group_answers_every_send_with_the_new_id(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.add_group(-4001, "گروه کارشناسان")
    old_notice, new_notice = fake_telegram.migrate_group(-4001, -1004001, forum=True)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-4001, "سلام")
    assert caught.value.new_chat_id == -1004001
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [old_notice.update_id, new_notice.update_id]
    assert updates[0].message is not None
    assert updates[0].message.migrate_to_chat_id == -1004001
    assert updates[1].message is not None
    assert updates[1].message.migrate_from_chat_id == -4001
    await bot.send_message(-1004001, "سلام")


async def test_blocked_user_fails_every_send_until_unblocked(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    customer = fake_telegram.new_user()
    fake_telegram.user_blocks_bot(customer)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(customer.id, "سلام")
    [update] = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    fake_telegram.unblock_user(customer)
    await bot.send_message(customer.id, "سلام")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_limits_answer_retry_after(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.enable_flood_limits(per_private_chat=2, private_window=60)
    customer = fake_telegram.new_user()
    await bot.send_message(customer.id, "۱")
    await bot.send_message(customer.id, "۲")
    with pytest.raises(RetryAfter):
        await bot.send_message(customer.id, "۳")


async def test_failure_for_one_chat_leaves_other_chats_alone(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    blocked, other = fake_telegram.new_user(), fake_telegram.new_user()
    fake_telegram.fail_next_blocked(["sendMessage", "copyMessage"], chat_id=blocked.id, times=-1)
    await bot.send_message(other.id, "سلام")
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(blocked.id, "سلام")
    fake_telegram.clear_failures()
    await bot.send_message(blocked.id, "سلام")


async def test_slow_telegram_surfaces_as_timed_out(fake_telegram: FakeTelegram) -> None:
    fake_telegram.delay_next("sendMessage", 0.5)
    customer = fake_telegram.new_user()
    async with make_bot(fake_telegram) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(customer.id, "سلام", read_timeout=0.05)
        await bot.send_message(customer.id, "دوباره")  # only the next call was slow


async def test_a_hook_runs_during_the_matching_call_before_its_answer(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake = fake_telegram
    agent, other = fake.new_agent(), fake.new_agent()
    seen: list[tuple[str, Any, bool]] = []

    def hook(method: str, params: dict[str, Any]) -> None:
        # The call is not answered yet (the bot still waits), and the fake can be used.
        answered = any(c.params.get("user_id") == agent.id for c in fake.api_calls(method))
        seen.append((method, params.get("user_id"), answered))

    fake.during_next("getChatMember", hook, where={"user_id": agent.id})
    await bot.get_chat_member(fake.agent_chat_id, other.id)  # not matched: hook waits
    await bot.get_chat_member(fake.agent_chat_id, agent.id)
    await bot.get_chat_member(fake.agent_chat_id, agent.id)  # times=1: used up
    assert seen == [("getChatMember", agent.id, False)]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("1 < 2", 'Unsupported start tag ""'),
        ("<b>bold", "Can't find end tag"),
        ("<script>x</script>", 'Unsupported start tag "script"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag"),
    ],
)
async def test_bad_html_is_rejected_like_telegram(
    fake_telegram: FakeTelegram, bot: Bot, html: str, reason: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)parse entities") as caught:
        await bot.send_message(fake_telegram.new_user().id, html, parse_mode="HTML")
    assert reason.lower() in caught.value.message.lower()


async def test_good_html_becomes_visible_text_and_entities(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    sent = await bot.send_message(
        fake_telegram.new_user().id,
        '<b>رمز</b> &lt;عبور&gt; <a href="https://example.com">لینک</a>',
        parse_mode="HTML",
    )
    assert sent.text == "رمز <عبور> لینک"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 3),
        ("text_link", 11, 4),
    ]


async def test_text_over_4096_characters_is_rejected(fake_telegram: FakeTelegram, bot: Bot) -> None:
    customer = fake_telegram.new_user()
    await bot.send_message(customer.id, "ا" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(customer.id, "ا" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(customer.id, "<b>" + "ا" * 4097 + "</b>", parse_mode="HTML")


async def test_caption_over_1024_characters_is_rejected(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(fake_telegram.new_user().id, b"png", caption="ا" * 1025)


async def test_callback_data_over_64_bytes_is_rejected(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("دکمه", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(fake_telegram.new_user().id, "؟", reply_markup=markup)


async def test_more_than_100_inline_buttons_are_rejected(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    rows = [
        [InlineKeyboardButton(str(n), callback_data=str(n)) for n in range(row, row + 8)]
        for row in range(0, 104, 8)
    ]
    with pytest.raises(BadRequest, match=r"(?i)reply markup is too long"):
        await bot.send_message(
            fake_telegram.new_user().id, "؟", reply_markup=InlineKeyboardMarkup(rows)
        )


async def test_editing_with_identical_content_is_not_modified(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    customer = fake_telegram.new_user()
    sent = await bot.send_message(customer.id, "همان")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("همان", customer.id, sent.message_id)


async def test_reply_to_a_missing_message_is_rejected(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(fake_telegram.new_user().id, "x", reply_to_message_id=999)


async def test_unknown_method_is_a_loud_bad_request(fake_telegram: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)does not implement"):
        await bot.do_api_request("sendDiceOfDoom", api_kwargs={"chat_id": 1})


async def test_wrong_token_is_invalid_token(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        await make_bot(fake_telegram, "42:WRONG").get_me()


# --------------------------------------------------------------------------- media


async def test_uploaded_document_is_stored_and_downloadable(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    customer = fake_telegram.new_user()
    sent = await bot.send_document(customer.id, b"log contents", filename="log.txt", caption="لاگ")
    assert sent.document is not None
    assert fake_telegram.file_bytes(sent.document.file_id) == b"log contents"
    stored = fake_telegram.last_sent_to(customer.id)
    assert (stored.kind, stored.caption) == ("document", "لاگ")
    telegram_file = await bot.get_file(sent.document.file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == b"log contents"


async def test_customer_voice_can_be_downloaded_by_the_bot(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    customer = fake_telegram.new_user()
    fake_telegram.user_sends_voice(customer, data=b"OggS voice")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.voice is not None
    voice_file = await update.message.voice.get_file()
    assert bytes(await voice_file.download_as_bytearray()) == b"OggS voice"


async def test_every_injected_kind_parses_as_its_ptb_attachment(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    customer = fake_telegram.new_user()
    for kind in ("photo", "voice", "document", "sticker", "video", "audio", "animation"):
        fake_telegram.user_sends_media(customer, kind, caption=None)
    fake_telegram.user_sends_location(customer)
    fake_telegram.user_sends_contact(customer)
    fake_telegram.user_forwards(customer, "پیام", hidden_name="ناشناس")
    messages = [u.message for u in await bot.get_updates()]
    assert all(m is not None for m in messages)
    kinds = [type(m.effective_attachment).__name__ for m in messages if m is not None]
    assert kinds[:9] == [
        "tuple", "Voice", "Document", "Sticker", "Video", "Audio", "Animation",
        "Location", "Contact",
    ]  # fmt: skip
    forwarded = messages[9]
    assert forwarded is not None
    assert forwarded.forward_origin is not None
    assert forwarded.forward_origin.type == "hidden_user"


async def test_media_group_is_sent_as_one_album(fake_telegram: FakeTelegram, bot: Bot) -> None:
    customer = fake_telegram.new_user()
    sent = await bot.send_media_group(
        customer.id, [InputMediaPhoto(b"one", caption="اول"), InputMediaPhoto(b"two")]
    )
    assert len(sent) == 2
    assert sent[0].media_group_id == sent[1].media_group_id is not None
    stored = fake_telegram.sent_to(customer.id)
    assert [m.kind for m in stored] == ["photo", "photo"]
    assert fake_telegram.file_bytes(stored[1].file.file_id if stored[1].file else "") == b"two"


async def test_user_edit_arrives_as_edited_message(fake_telegram: FakeTelegram, bot: Bot) -> None:
    customer = fake_telegram.new_user()
    original = fake_telegram.user_sends_text(customer, "سلم")
    fake_telegram.user_edits(original, "سلام")
    updates = await bot.get_updates()
    assert updates[1].edited_message is not None
    assert updates[1].edited_message.message_id == original.message_id
    assert updates[1].edited_message.text == "سلام"


# --------------------------------------------------------------------------- lifecycle


async def test_restart_keeps_state_and_port(fake_telegram: FakeTelegram, bot: Bot) -> None:
    customer = fake_telegram.new_user()
    await bot.send_message(customer.id, "قبل")
    port = fake_telegram.port
    fake_telegram.stop()
    fake_telegram.start()
    assert fake_telegram.port == port
    async with make_bot(fake_telegram) as again:
        await again.send_message(customer.id, "بعد")
    assert [m.text for m in fake_telegram.sent_to(customer.id)] == ["قبل", "بعد"]


class _Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint that fails its first request, then accepts."""

    server: _ReceiverServer

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.attempts += 1
        status = 500 if self.server.attempts == 1 else 200
        if status == 200:
            secret = self.headers.get("X-Telegram-Bot-Api-Secret-Token")
            self.server.received.append((secret, json.loads(body)))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _ReceiverServer(ThreadingHTTPServer):
    attempts = 0

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receiver)
        self.received: list[tuple[str | None, dict[str, Any]]] = []


@pytest.fixture
def receiver() -> Iterator[_ReceiverServer]:
    server = _ReceiverServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


async def test_webhook_retries_until_the_endpoint_accepts(
    fake_telegram: FakeTelegram, bot: Bot, receiver: _ReceiverServer
) -> None:
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    assert await bot.set_webhook(url, secret_token="s3cret")
    with pytest.raises(Conflict):
        await bot.get_updates()
    injected = fake_telegram.user_sends_text(fake_telegram.new_user(), "سلام")
    await fake_telegram.wait_for_async(lambda: not fake_telegram.pending_updates())
    assert receiver.received == [("s3cret", injected.update)]
    info = await bot.get_webhook_info()
    assert info.last_error_message is not None
    assert "500" in info.last_error_message
    assert fake_telegram.deliveries(injected) == 2


def test_echo_bot_subprocess_answers_and_confirms_on_shutdown(
    fake_telegram: FakeTelegram,
) -> None:
    env = {**os.environ, **fake_telegram.env(), "POLL_TIMEOUT": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_telegram.echo_bot"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        customer = fake_telegram.new_user()
        injected = fake_telegram.user_sends_text(customer, "پژواک")
        [echoed] = fake_telegram.wait_for_messages(customer.id, timeout=30)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert echoed.text == "پژواک"
    assert process.returncode == 0, stderr.decode()
    assert fake_telegram.confirmed_offset > injected.update_id
