"""What agents get for /help, for a mistyped command, and for commands meant for other bots."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot import desk_texts
from bot.config import Settings
from bot.desk_commands import read_slash
from bot.formatting import plain_text
from handoff.persian import jalali
from storage.models import Customer, Ticket, TicketEvent
from tests.bot.desk_support import card_now, hand_off, settled, ticket, topic_texts
from tests.bot.support import make_settings, running_bot
from tests.fake_telegram import FakeTelegram

STRANGER_GROUP = -1009000000009
L2_CHAT = -1002000000002


def general_texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text or "" for m in fake.sent_to(chat_id) if m.thread_id is None]


async def test_the_agents_group_menu_and_help_list_the_desk_commands(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, None, "/help")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/help")
        await settled(bot, fake)
    desk_menu = [c["command"] for c in fake.commands(f"chat:{fake.agent_chat_id}")]
    assert desk_menu == [
        "claim", "take", "wait", "close", "escalate", "note", "article", "tier", "tickets",
        "report", "help",
    ]  # fmt: skip
    # The customers' menu is for private chats: in other groups the bot answers none of them.
    assert [c["command"] for c in fake.commands("all_private_chats")] == ["start", "help", "human"]
    assert fake.commands() == []
    assert general_texts(fake, fake.agent_chat_id) == [plain_text(desk_texts.DESK_HELP)]
    help_text = topic_texts(fake, opened.thread_id)[-1]
    assert help_text == plain_text(desk_texts.DESK_HELP)
    for command in desk_menu:
        assert f"/{command}" in help_text
    assert len(fake.sent_to(opened.user.id)) == 1  # the customer got nothing


async def test_the_l2_groups_menu_and_help_leave_out_escalate(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # Every ticket in the L2 group is at second line already: /escalate there only ever
    # answered «این تیکت از قبل در پشتیبانی سطح ۲ است», yet its menu and /help offered it.
    fake = fake_telegram
    fake.add_group(L2_CHAT, "سطح ۲", forum=True)
    settings = make_settings(fake, database_url, kb_dir, l2_chat_id=L2_CHAT)
    expert = fake.new_agent("رضا", chat_id=L2_CHAT)
    async with running_bot(settings, fake) as bot:
        fake.agent_sends_in_topic(expert, None, "/help", chat_id=L2_CHAT)
        await settled(bot, fake)
    l2_menu = [c["command"] for c in fake.commands(f"chat:{L2_CHAT}")]
    desk_menu = [c["command"] for c in fake.commands(f"chat:{fake.agent_chat_id}")]
    assert l2_menu == [command for command in desk_menu if command != "escalate"]
    (help_text,) = general_texts(fake, L2_CHAT)
    assert "/escalate" not in help_text
    for command in l2_menu:
        assert f"/{command}" in help_text


async def test_a_mistyped_command_says_what_was_meant_and_reaches_no_one(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        for typed in ("/clsoe", "/زمخسث", "/etc/hosts را باز کنید"):
            fake.agent_sends_in_topic(agent, opened.thread_id, typed)
            await settled(bot, fake)
        fake.agent_sends_in_topic(agent, None, "/tikets")
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    replies = topic_texts(fake, opened.thread_id)[-3:]
    assert replies == [
        plain_text(desk_texts.unknown_desk_command("/clsoe", "close")),
        plain_text(desk_texts.unknown_desk_command("/زمخسث", "close")),
        plain_text(desk_texts.unknown_desk_command("/etc/hosts", None)),
    ]
    assert "فرستاده نشد" in replies[-1] and "/help" in replies[-1]
    assert general_texts(fake, fake.agent_chat_id) == [
        plain_text(desk_texts.unknown_desk_command("/tikets", "tickets"))
    ]
    assert row.status == "open"  # a guess is only offered, never run
    assert len(fake.sent_to(opened.user.id)) == 1


async def test_a_note_written_on_the_line_after_the_command_is_kept(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        note = "/note\nمشتری قرارداد VIP دارد\nپیگیری شود"
        fake.agent_sends_in_topic(agent, opened.thread_id, note)
        await settled(bot, fake)
        notes = await bot.rows(TicketEvent, TicketEvent.kind == "note")
    assert [n.data["text"] for n in notes] == ["مشتری قرارداد VIP دارد\nپیگیری شود"]
    assert topic_texts(fake, opened.thread_id)[-1] == desk_texts.NOTE_SAVED
    assert len(fake.sent_to(opened.user.id)) == 1


async def test_commands_for_another_bot_change_nothing_and_get_no_answer(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        posted_before = len(topic_texts(fake, opened.thread_id))
        for typed in ("/close@another_bot", "/claim@another_bot", "/typo@another_bot"):
            fake.agent_sends_in_topic(agent, opened.thread_id, typed)
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, f"/claim@{fake.bot_user.username}")
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert (row.status, row.claimed_by) == ("claimed", agent.id)  # only its own /claim counted
    new = topic_texts(fake, opened.thread_id)[posted_before:]
    assert new == [plain_text(desk_texts.claimed_notice(agent.first_name))]
    assert len(fake.sent_to(opened.user.id)) == 1


async def test_a_group_that_is_not_the_desk_gets_no_desk_answers(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    fake.add_group(STRANGER_GROUP, "گروه دیگر", forum=True)
    async with running_bot(settings, fake) as bot:
        await hand_off(bot, fake)
        member = fake.new_agent(chat_id=STRANGER_GROUP)
        for typed in ("/help", "/tickets", "/clsoe", "/claim"):
            fake.agent_sends_in_topic(member, None, typed, chat_id=STRANGER_GROUP)
        await settled(bot, fake)
    assert fake.sent_to(STRANGER_GROUP) == []


async def test_escalating_a_ticket_already_at_l2_says_so(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/claim")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert topic_texts(fake, opened.thread_id)[-1] == desk_texts.ALREADY_L2
    assert (row.status, row.level) == ("claimed", 2)


async def test_tier_puts_the_customer_on_a_contract_and_moves_the_deadline(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("علی")
        for typed in ("/tier", "/tier gold", "/tier VIP"):
            fake.agent_sends_in_topic(agent, opened.thread_id, typed)
            await settled(bot, fake)
        vip_card = card_now(fake, opened.card).text or ""
        row = await ticket(bot, opened.ticket_id)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/tier وی آی پی")  # VIP, in Persian
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/close")
        await settled(bot, fake)
        fake.user_sends_text(opened.user, "/human")  # a follow-up ticket
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="a topic")
        await settled(bot, fake)
        (customer,) = await bot.rows(Customer, Customer.id == opened.user.id)
        newest = (await bot.rows(Ticket))[-1]
        events = await bot.rows(TicketEvent, TicketEvent.kind == "tier_changed")
    posted = topic_texts(fake, opened.thread_id)
    assert posted[1] == plain_text(desk_texts.tier_usage("عادی"))
    assert posted[2] == plain_text(desk_texts.tier_usage("عادی", "gold"))
    assert posted[3].startswith("⭐ نوع قرارداد مشتری را علی از «عادی» به «VIP»")
    assert posted[4] == plain_text(desk_texts.tier_unchanged("VIP"))
    assert "نوع قرارداد: VIP · اولویت: بالا" in vip_card
    assert row.first_response_due == row.opened_at + timedelta(minutes=30)  # VIP: 24/7
    assert customer.tier == "vip"
    assert newest.id != opened.ticket_id
    assert newest.first_response_due == newest.opened_at + timedelta(minutes=30)
    changes = [(e.actor_id, e.data["from"], e.data["to"]) for e in events]
    assert changes == [(agent.id, "standard", "vip")]
    assert len(fake.sent_to(opened.user.id)) == 2 + 1  # opened, rating request, the new ticket


async def test_a_tier_changed_after_the_first_response_says_it_was_made(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «/tier vip» after the customer was answered said «مهلت اولین پاسخ: …» under it, a
    # deadline read as still running, while the card said the response was made in time.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("علی")
        fake.agent_sends_in_topic(agent, opened.thread_id, "سلام، بررسی می‌کنم")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/tier vip")
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert row.first_response_at is not None
    (notice,) = [text for text in topic_texts(fake, opened.thread_id) if text.startswith("⭐")]
    assert notice.splitlines()[1] == f"✅ اولین پاسخ: {jalali(row.first_response_at)} (در مهلت)"
    assert notice.splitlines()[1] in (card_now(fake, opened.card).text or "")


async def test_take_moves_a_held_ticket_to_the_agent_who_asks_and_says_from_whom(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        ali, reza = fake.new_agent("علی"), fake.new_agent("رضا")
        fake.agent_sends_in_topic(ali, opened.thread_id, "/claim")
        await settled(bot, fake)
        fake.agent_sends_in_topic(reza, opened.thread_id, "/claim")  # told how to take it
        await settled(bot, fake)
        fake.agent_sends_in_topic(reza, opened.thread_id, "/take")
        await settled(bot, fake)
        fake.agent_sends_in_topic(reza, opened.thread_id, "/take")  # already his
        await settled(bot, fake)
        card = card_now(fake, opened.card).text or ""
        row = await ticket(bot, opened.ticket_id)
        events = await bot.rows(TicketEvent, TicketEvent.kind == "taken_over")
    posted = topic_texts(fake, opened.thread_id)
    assert posted[2] == plain_text(desk_texts.held_by_take_hint("علی"))
    assert posted[3] == plain_text(desk_texts.taken_over_notice("رضا", ali.id, "علی"))
    assert posted[4] == desk_texts.ALREADY_YOURS
    notice = fake.sent_to(fake.agent_chat_id, opened.thread_id)[3]
    assert any(e["type"] == "text_mention" and e["user"]["id"] == ali.id for e in notice.entities)
    assert (row.status, row.claimed_by, row.claimed_by_name) == ("claimed", reza.id, "رضا")
    assert "وضعیت: در دست رضا" in card
    assert [(e.actor_id, e.data["from_id"]) for e in events] == [(reza.id, ali.id)]
    assert len(fake.sent_to(opened.user.id)) == 1  # the customer is not told


async def test_wait_marks_the_ticket_waiting_until_the_customer_writes(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("علی")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/wait")  # a free ticket: taken too
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/wait")
        await settled(bot, fake)
        waiting = card_now(fake, opened.card)
        waiting_text, waiting_buttons = waiting.text or "", list(waiting.callback_datas)
        waited = await ticket(bot, opened.ticket_id)
        fake.user_sends_text(opened.user, "این هم شمارهٔ قرارداد: ۱۲۳۴")
        await settled(bot, fake)
        resumed = card_now(fake, opened.card)
        resumed_text = resumed.text or ""
        back = await ticket(bot, opened.ticket_id)
        press = fake.agent_presses(agent, resumed, f"t:wait:{opened.ticket_id}")
        toast = await fake.wait_for_answer_async(press)
        await settled(bot, fake)
        again = await ticket(bot, opened.ticket_id)
        events = [e.kind for e in await bot.rows(TicketEvent)]
        fake.agent_sends_in_topic(agent, None, "/tickets")
        await settled(bot, fake)
    assert (waited.status, waited.claimed_by) == ("waiting", agent.id)
    assert "وضعیت: در انتظار پاسخ مشتری (در دست علی)" in waiting_text
    assert f"t:wait:{opened.ticket_id}" not in waiting_buttons
    posted = topic_texts(fake, opened.thread_id)
    assert posted[1:4] == [
        plain_text(desk_texts.claimed_notice("علی")),
        plain_text(desk_texts.waiting_notice("علی", "۳ روز")),
        desk_texts.ALREADY_WAITING,
    ]
    assert back.status == "claimed"  # the customer wrote: the agent's turn again
    assert "وضعیت: در دست علی" in resumed_text and "منتظر پاسخ است" in resumed_text
    assert toast.get("text") == desk_texts.WAITING_TOAST and again.status == "waiting"
    assert events == ["opened", "claimed", "waiting", "resumed", "waiting"]
    (listed,) = general_texts(fake, fake.agent_chat_id)
    assert "#۱ · مریم\u200f · در دست علی\u200f · ⏸ در انتظار پاسخ مشتری" in listed


@pytest.mark.parametrize(
    ("text", "name", "arg", "for_another_bot"),
    [
        ("/note  سلام دنیا ", "note", "سلام دنیا", False),
        ("/note\nخط دوم", "note", "خط دوم", False),
        ("/Article@PasokhBot password-reset", "article", "password-reset", False),
        ("/close@other_bot", "close", "", True),
        ("/", "", "", False),
    ],
)
def test_slash_commands_are_read_with_their_argument_and_addressee(
    text: str, name: str, arg: str, for_another_bot: bool
) -> None:
    command = read_slash(text, "pasokhbot")
    assert command is not None
    assert (command.name, command.arg, command.for_another_bot) == (name, arg, for_another_bot)


@pytest.mark.parametrize(
    ("text", "meant"),
    [("/clsoe", "close"), ("/clam", "claim"), ("/فهزنثفس", "tickets"), ("/hello", "help")],
)
def test_an_unknown_command_is_matched_to_the_one_meant(text: str, meant: str) -> None:
    command = read_slash(text, None)
    assert command is not None and not command.known
    assert command.meant() == meant


def test_unrelated_words_are_not_taken_for_commands() -> None:
    assert read_slash("سلام /close", None) is None
    command = read_slash("/etc/hosts", None)
    assert command is not None and command.meant() is None


def test_agents_read_one_word_for_a_command() -> None:
    # The help, the menu and «… را نمی‌شناسم» say «دستور»; the menu's /escalate and the
    # notices on edited commands and on files under one said «فرمان» for the same thing.
    said = [value for value in vars(desk_texts).values() if isinstance(value, str)]
    said += [
        words
        for menu in (desk_texts.DESK_COMMANDS, desk_texts.SUPERVISOR_COMMANDS)
        for _, words in menu
    ]
    assert [text for text in said if "فرمان" in text] == []
