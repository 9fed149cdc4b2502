"""Articles from the topic, /tickets, escalation, and edits mirrored both ways (the history
an escalation copies to L2: tests/bot/test_l2_history.py)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot import desk_texts, ticket_list
from bot.config import Settings
from bot.formatting import plain_text
from handoff.persian import fa_digits, jalali
from kb.gaps_cli import mine_kb, read_log
from kb.settings import KBSettings
from storage.models import InboxUpdate, Ticket, TicketEvent
from storage.repositories import ARTICLE_SENT
from storage.timestamps import utcnow
from tests.bot.desk_support import card_now, hand_off, settled, ticket, topic_texts
from tests.bot.support import AMBIGUOUS, UNKNOWN, make_settings, reloading, running_bot
from tests.fake_telegram import FakeTelegram

L2_CHAT = -1002000000002


@pytest.fixture
def l2_settings(fake_telegram: FakeTelegram, database_url: str, kb_dir: Path) -> Settings:
    """Settings with a forum group of its own for second-line support."""
    fake_telegram.add_group(L2_CHAT, "سطح ۲", forum=True)
    return make_settings(fake_telegram, database_url, kb_dir, l2_chat_id=L2_CHAT)


async def test_article_command_and_card_button_send_articles_to_the_customer(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, UNKNOWN)
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        (row,) = await bot.rows(Ticket)
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, card.thread_id, "/article password-reset")
        await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, card.thread_id, "/article no-such-article")
        await settled(bot, fake)
        first_tried = row.tried[0]
        press = fake.agent_presses(agent, card, f"t:art0:{row.id}")
        answer = await fake.wait_for_answer_async(press)
        await fake.wait_for_messages_async(user.id, 3)
        await settled(bot, fake)
        events = await bot.rows(TicketEvent)
    received = [m.text or "" for m in fake.sent_to(user.id)[1:]]
    assert "بازیابی رمز عبور" in received[0] and "پورتال کاربری" in received[0]
    assert first_tried["title"] in received[1]
    assert answer.get("text") == desk_texts.ARTICLE_SENT_TOAST
    assert card.thread_id is not None
    posted = topic_texts(fake, card.thread_id)
    assert any("no-such-article" in t and "پیدا نشد" in t for t in posted)
    assert sum("برای مشتری فرستاده شد" in t for t in posted) == 2
    # The audit trail keeps what answered the ticket (for the editors: python -m kb gaps).
    sent = [(e.ticket_id, e.actor_id, e.data) for e in events if e.kind == ARTICLE_SENT]
    assert sent == [
        (row.id, agent.id, {"article_id": "password-reset", "title": "بازیابی رمز عبور"}),
        (row.id, agent.id, {"article_id": first_tried["id"], "title": first_tried["title"]}),
    ]


async def test_an_article_sent_to_a_free_ticket_takes_it_and_is_its_first_response(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("نگار")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/article password-reset")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert (row.status, row.claimed_by) == ("claimed", agent.id)
    assert row.first_response_at is not None  # the deadline is met: no overdue alert follows
    card = card_now(fake, opened.card).text or ""
    assert "در دست نگار" in card and "✅ اولین پاسخ:" in card


async def test_an_article_not_named_exactly_is_looked_up_for_the_agent(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, opened.thread_id, "/article passwrd-reset")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/article رمز عبور")
        await settled(bot, fake)
    mistyped, in_words = [t for t in topic_texts(fake, opened.thread_id) if "پیدا نشد" in t]
    assert "/article password-reset · بازیابی رمز عبور" in mistyped
    assert "/article password-reset" in in_words
    assert len(fake.sent_to(opened.user.id)) == 1  # only the hand-off notice: nothing was sent


async def test_a_card_button_for_a_guide_split_since_says_why_in_the_topic(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # «Not found; maybe one of these» with three guides is longer than a pop-up may be:
    # Telegram refused it, and the agent's press spun with no word at all.
    fake = fake_telegram
    settings = reloading(fake, database_url, kb_dir, caplog)
    async with running_bot(settings, fake) as bot:
        fake.user_sends_text(fake.new_user(), UNKNOWN)
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        await settled(bot, fake)
        (row,) = await bot.rows(Ticket)
        index = [str(hit["id"]) for hit in row.tried].index("vpn-connect")
        vpn = kb_dir / "network" / "vpn.md"
        text = vpn.read_text(encoding="utf-8")
        vpn.unlink()
        for system in ("windows", "mac", "android"):
            (kb_dir / "network" / f"vpn-{system}.md").write_text(
                text.replace("id: vpn-connect", f"id: vpn-connect-{system}").replace(
                    "title: اتصال به وی‌پی‌ان شرکت", f"title: اتصال به وی‌پی‌ان شرکت ({system})"
                ),
                encoding="utf-8",
            )
        await fake.wait_for_async(
            lambda: "KB reloaded" in caplog.text, timeout=10, what="the KB reload"
        )
        press = fake.agent_presses(fake.new_agent(), card, f"t:art{index}:{row.id}")
        toast = await fake.wait_for_answer_async(press)
        await settled(bot, fake)
    assert toast.get("text") == desk_texts.ARTICLE_NOT_SENT_TOAST
    (said,) = [t for t in topic_texts(fake, row.thread_id or 0) if "پیدا نشد" in t]
    assert "/article vpn-connect-windows" in said


async def test_tickets_lists_open_tickets_oldest_unanswered_first_with_links(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        one = await hand_off(bot, fake, "اولی")
        two = await hand_off(bot, fake, "دومی")
        three = await hand_off(bot, fake, "سومی")
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, one.thread_id, "پاسخ دادم")  # answered: no longer waiting
        fake.agent_sends_in_topic(agent, three.thread_id, "/close")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, None, "/tickets")
        await settled(bot, fake)
    (listing,) = [m for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None]
    text = listing.text or ""
    assert "دومی" in text and "اولی" in text and "سومی" not in text
    assert text.index("دومی") < text.index("اولی")
    internal = str(fake.agent_chat_id).removeprefix("-100")
    links = [e["url"] for e in listing.entities if e["type"] == "text_link"]
    assert links == [
        f"https://t.me/c/{internal}/{two.thread_id}",
        f"https://t.me/c/{internal}/{one.thread_id}",
    ]


async def test_tickets_says_of_each_ticket_its_tier_holder_deadline_level_and_reach(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «• #۲ · بهرام · منتظر کمتر از یک دقیقه» was all a claimed, overdue VIP ticket said.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        await hand_off(bot, fake, "نرگس")
        vip = await hand_off(bot, fake, "بهرام")
        gone = await hand_off(bot, fake, "John")
        sara = fake.new_agent("سارا")
        fake.agent_sends_in_topic(sara, vip.thread_id, "/tier vip")
        fake.agent_sends_in_topic(sara, vip.thread_id, "/claim")
        fake.agent_sends_in_topic(sara, gone.thread_id, "/escalate")  # in place: no L2 group
        fake.user_blocks_bot(gone.user)
        await settled(bot, fake)
        past = utcnow() - timedelta(minutes=20)
        await bot.db(
            lambda s: s.execute(
                update(Ticket)
                .where(Ticket.id.in_((vip.ticket_id, gone.ticket_id)))
                .values(first_response_due=past)
            )
        )
        fake.agent_sends_in_topic(sara, None, "/tickets")
        await settled(bot, fake)
    (listing,) = [m.text or "" for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None]
    wait = "منتظر کمتر از یک دقیقه"
    assert listing.splitlines()[1:] == [
        f"• \u200f#۱ · نرگس\u200f · {wait}",
        f"• \u200f#۲ · بهرام\u200f · ⭐ VIP\u200f · در دست سارا\u200f · ⚠️ مهلت پاسخ گذشت · {wait}",
        "• \u200f#۳ · John\u200f · ⬆️ سطح ۲ · 🚫 پیام به مشتری نمی‌رسد",  # no wait, as on the card
    ]


async def test_tickets_lists_what_fits_in_one_message_and_counts_the_rest(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A line says more now: thirty of the longest would not fit in Telegram's 4096.
    fake = fake_telegram
    title = len(desk_texts.OPEN_TICKETS_TITLE) - len("<b></b>")
    monkeypatch.setattr(ticket_list, "TICKETS_LIST_MAX", title + 2 * 40)
    async with running_bot(settings, fake) as bot:
        for name in ("اولی", "دومی", "سومی"):
            await hand_off(bot, fake, name)
        fake.agent_sends_in_topic(fake.new_agent(), None, "/tickets")
        await settled(bot, fake)
    (listing,) = [m.text or "" for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None]
    assert [line.split(" · ")[1] for line in listing.splitlines()[1:-1]] == [
        "اولی\u200f",
        "دومی\u200f",
    ]
    assert listing.splitlines()[-1] == "… و ۱ تیکت باز دیگر"


async def test_tickets_in_the_agents_group_lists_the_open_ones_it_sent_to_the_l2_group(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «هیچ تیکت بازی نیست. 🎉» while a ticket sent to the L2 group was still open there: its
    # customer still waits, and the first line's agents still answer for it to them.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        sent_up = await hand_off(bot, fake, "بهرام")
        agent = fake.new_agent("سارا")
        fake.agent_sends_in_topic(agent, sent_up.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, None, "/tickets")
        await settled(bot, fake)
        await hand_off(bot, fake, "نرگس")
        fake.agent_sends_in_topic(agent, None, "/tickets")
        await settled(bot, fake)
    (l2_topic,) = fake.topics(L2_CHAT)
    alone, beside = [m for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None]
    left = "⬆️ رفته به گروه پشتیبانی سطح ۲ و هنوز باز (پیوندها به تاپیکشان در آن گروه):"

    def read(listing: str) -> list[str]:  # each line without how long its customer waits
        return [line.split(" · منتظر")[0] for line in listing.splitlines()]

    line = "• \u200f#۱ · بهرام\u200f · ⬆️ سطح ۲"
    assert read(alone.text or "") == [desk_texts.NO_OPEN_TICKETS_HERE, "", left, line]
    internal = str(L2_CHAT).removeprefix("-100")
    assert [e["url"] for e in alone.entities if e["type"] == "text_link"] == [
        f"https://t.me/c/{internal}/{l2_topic.thread_id}"
    ]
    assert read(beside.text or "")[1:] == ["• \u200f#۲ · نرگس\u200f", "", left, line]


async def test_names_that_would_turn_a_line_around_are_cleaned_in_tickets_and_notices(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # A right-to-left override in a Telegram name reversed the rest of its /tickets line; a
    # name of a blank letter («ㅤ») left nothing to read. The card cleans both; so do these.
    fake = fake_telegram
    overrides = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u3164")
    async with running_bot(settings, fake) as bot:
        turned = await hand_off(bot, fake, "\u202eعلی رضایی")
        await hand_off(bot, fake, "\u3164")
        agent = fake.new_agent("\u2067رضا")
        fake.agent_sends_in_topic(agent, None, "/tickets")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, turned.thread_id, "/claim")
        await settled(bot, fake)
    (listing,) = [m.text or "" for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None]
    assert "· علی رضایی\u200f ·" in listing and "· مشتری\u200f ·" in listing
    notices = [m.text or "" for m in fake.sent_to(fake.agent_chat_id, turned.thread_id)][1:]
    assert any("رضا" in notice for notice in notices)  # the claim, by name
    assert not overrides & set(listing + "".join(notices))


async def test_tickets_says_how_many_more_are_open_than_it_lists(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_telegram
    monkeypatch.setattr(ticket_list, "TICKETS_LISTED", 2)
    async with running_bot(settings, fake) as bot:
        for name in ("اولی", "دومی", "سومی", "چهارمی"):
            await hand_off(bot, fake, name)
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, None, "/tickets")
        await settled(bot, fake)
    (listing,) = [m for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None]
    text = listing.text or ""
    assert "اولی" in text and "دومی" in text and "سومی" not in text
    assert text.splitlines()[-1] == "… و ۲ تیکت باز دیگر"


async def test_a_customer_who_writes_again_after_an_answer_waits_again_in_the_list(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake, "اولی")
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, opened.thread_id, "پاسخ دادم")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, None, "/tickets")
        await settled(bot, fake)
        fake.user_sends_text(opened.user, "ولی هنوز درست نشده")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, None, "/tickets")
        await settled(bot, fake)
    answered, again = [
        m.text or "" for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None
    ]
    assert "اولی" in answered and "منتظر" not in answered
    assert "اولی" in again and "منتظر" in again  # the customer's new message waits for a reply


async def test_escalate_in_place_marks_the_topic_l2_and_tells_the_holder(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent, colleague = fake.new_agent("سارا"), fake.new_agent("نیما")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/claim")
        await settled(bot, fake)
        card = card_now(fake, opened.card)
        press = fake.agent_presses(colleague, card, f"t:esc:{opened.ticket_id}")
        answer = await fake.wait_for_answer_async(press)
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")  # already at L2
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert answer.get("text") == desk_texts.ESCALATED_TOAST
    assert topic_texts(fake, opened.thread_id)[-1] == desk_texts.ALREADY_L2
    escalations = [m for m in fake.sent_to(opened.user.id) if "کارشناسان فنی" in (m.text or "")]
    assert len(escalations) == 1  # the customer is told once, as by one organisation
    assert "سطح ۲" not in (escalations[0].text or "")
    assert (row.status, row.level, row.claimed_by) == ("escalated", 2, None)
    assert fake.topic(opened.thread_id).name.startswith(desk_texts.L2_TOPIC_MARK)
    card = card_now(fake, opened.card)
    assert "سطح ۲" in (card.text or "")
    assert f"t:esc:{opened.ticket_id}" not in card.callback_datas
    assert f"t:claim:{opened.ticket_id}" in card.callback_datas  # an expert can take it now
    posted = fake.sent_to(fake.agent_chat_id, opened.thread_id)
    notice = next(m for m in posted if "ارجاع داد" in (m.text or ""))
    assert (
        notice.text
        == "⬆️ تیکت را نیما به پشتیبانی سطح ۲ ارجاع داد.\nتوجه سارا: این تیکت دیگر دست شما نیست."
    )
    assert any(e["type"] == "text_mention" and e["user"]["id"] == agent.id for e in notice.entities)
    assert "کارشناسان فنی" in (fake.sent_to(opened.user.id)[-1].text or "")


async def test_the_holder_who_escalates_is_not_told_the_ticket_is_no_longer_theirs(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("Ali")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/claim")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await settled(bot, fake)
    notice = fake.sent_to(fake.agent_chat_id, opened.thread_id)[-1]
    assert notice.text == "⬆️ تیکت را Ali به پشتیبانی سطح ۲ ارجاع داد."
    assert not [e for e in notice.entities if e["type"] == "text_mention"]


async def test_escalate_to_a_separate_l2_group_moves_the_ticket_with_its_history(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake, settings, l2_id = fake_telegram, l2_settings, L2_CHAT
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        expert = fake.new_agent("متخصص", chat_id=l2_id)
        fake.user_sends_text(opened.user, "پیام اول مشتری")
        # In the topic before the agent answers (two chats' updates run side by side).
        await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=opened.thread_id)
        fake.agent_sends_in_topic(agent, opened.thread_id, "پاسخ کارشناس")
        await fake.wait_for_messages_async(opened.user.id, 2)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: len(fake.topics(l2_id)) == 1, timeout=10, what="L2 topic")
        await settled(bot, fake)
        (l2_topic,) = fake.topics(l2_id)
        moved = fake.sent_to(l2_id, l2_topic.thread_id)
        fake.agent_sends_in_topic(expert, l2_topic.thread_id, "سلام از سطح ۲", chat_id=l2_id)
        await fake.wait_for_messages_async(opened.user.id, 4)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert (row.agent_chat_id, row.thread_id, row.level) == (l2_id, l2_topic.thread_id, 2)
    assert fake.topic(opened.thread_id).closed
    # The old topic says where the ticket went, with a link once its L2 topic is made; the
    # agent who escalated it is not told it is no longer theirs.
    left = fake.sent_to(fake.agent_chat_id, opened.thread_id)
    moved_notice, link_notice = left[-2:]
    assert moved_notice.text == (
        "⬆️ تیکت را سارا به گروه پشتیبانی سطح ۲ فرستاد؛ این تاپیک بسته شد و پیوند تاپیک"
        " تازه‌اش در آن گروه همین‌جا می‌آید."
    )
    number = f"#{fa_digits(opened.ticket_id)}"
    assert (
        link_notice.text
        == f"🔗 تاپیک این تیکت در گروه پشتیبانی سطح ۲: {number}؛ از آن‌جا ادامه دهید."
    )
    internal = str(l2_id).removeprefix("-100")
    assert [e["url"] for e in link_notice.entities] == [
        f"https://t.me/c/{internal}/{l2_topic.thread_id}"
    ]
    # Its card, drawn one last time, says it went to L2 (it said «در دست سارا», level 1).
    old_card = card_now(fake, opened.card)
    lines = (old_card.text or "").splitlines()
    assert (
        lines[0] == f"⬆️ این تیکت به گروه پشتیبانی سطح ۲ رفت ({number})؛ این کارت دیگر به‌روز نمی‌شود."
    )
    assert old_card.entities[1]["url"] == link_notice.entities[0]["url"]  # bold, then the link
    assert lines[2].endswith("پشتیبانی سطح ۲") and lines[3].endswith(
        "ارجاع‌شده به سطح ۲ (کارشناس فنی)"
    )
    assert old_card.callback_datas == []  # the old card acts no more
    assert "سطح ۲" in (moved[0].text or "")  # the card comes first
    # Every copy is the bot's: each run of them says whose it is, and where the history ends.
    assert [m.content for m in moved[1:]] == [
        "👤 مشتری",
        "پیام اول مشتری",
        "🎧 کارشناس — سارا\u200f",
        "پاسخ کارشناس",
        plain_text(desk_texts.HISTORY_END),
    ]
    assert fake.sent_to(opened.user.id)[-1].text == "سلام از سطح ۲"
    assert row.claimed_by == expert.id


async def test_the_l2_card_says_who_escalated_when_and_why(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «/escalate <reason>» dropped the reason, and the L2 card said neither who sent the
    # ticket up nor when: the expert had to find the L1 agent and ask.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        reason = "مشتری دسترسی <b>ادمین</b> لازم دارد\nسرور: mail-02"
        fake.agent_sends_in_topic(agent, opened.thread_id, f"/escalate {reason}")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
        (event,) = await bot.rows(TicketEvent, TicketEvent.kind == "escalated")
    (l2_topic,) = fake.topics(L2_CHAT)
    card = fake.sent_to(L2_CHAT, l2_topic.thread_id)[0]
    lines = (card.text or "").splitlines()
    at = lines.index(f"⬆️ ارجاع از سطح ۱: سارا\u200f، {jalali(event.created_at)}")
    assert lines[at + 1 : at + 3] == ["مشتری دسترسی <b>ادمین</b> لازم دارد", "سرور: mail-02"]
    quoted = [e for e in card.entities if e["type"] == "blockquote"]
    assert len(quoted) == 2  # the reason, escaped, and the customer's question
    assert (event.data["note"], event.data["agent_name"]) == (reason, "سارا")


async def test_the_l2_card_of_a_ticket_escalated_by_its_button_names_who_and_when(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        press = fake.agent_presses(fake.new_agent("Ali"), opened.card, f"t:esc:{opened.ticket_id}")
        answer = await fake.wait_for_answer_async(press)
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
        (event,) = await bot.rows(TicketEvent, TicketEvent.kind == "escalated")
    (l2_topic,) = fake.topics(L2_CHAT)
    lines = (fake.sent_to(L2_CHAT, l2_topic.thread_id)[0].text or "").splitlines()
    at = lines.index(f"⬆️ ارجاع از سطح ۱: Ali\u200f، {jalali(event.created_at)}")
    assert lines[at + 1].startswith("🔁") or lines[at + 1] == ""  # no reason: nothing quoted
    assert answer.get("text") == desk_texts.ESCALATED_TOAST and "note" not in event.data


async def test_edits_are_mirrored_both_ways(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        said = fake.user_sends_text(opened.user, "رمزم کار نمیکند")
        photo = fake.user_sends_photo(opened.user, caption="عکس خطا")
        answer = fake.agent_sends_in_topic(agent, opened.thread_id, "ریست کنید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        note = fake.agent_sends_in_topic(agent, opened.thread_id, "!مشتری عجله دارد")
        await settled(bot, fake)
        fake.user_edits(said, "رمزم کار نمی‌کند <b>هنوز</b>")
        fake.user_edits(photo, "عکس خطای جدید")
        fake.agent_edits(answer, "لطفاً رمز را ریست کنید")
        fake.agent_edits(note, "!مشتری خیلی عجله دارد")  # an internal note: nothing to mirror
        await settled(bot, fake)
        failed = await bot.rows(InboxUpdate, InboxUpdate.status != "done")
    copies = fake.sent_to(fake.agent_chat_id, opened.thread_id)
    texts = [m.content for m in copies]
    assert "رمزم کار نمی‌کند <b>هنوز</b>" in texts and "عکس خطای جدید" in texts
    assert fake.sent_to(opened.user.id)[-1].text == "لطفاً رمز را ریست کنید"
    assert fake.sent_to(opened.user.id)[-1].edited
    assert not any("عجله" in (m.content or "") for m in fake.sent_to(opened.user.id))
    assert failed == []


async def test_a_reply_edited_into_a_note_after_it_was_sent_is_not_mirrored(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The edit was mirrored: the internal note reached the customer in place of the reply.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        answer = fake.agent_sends_in_topic(agent, opened.thread_id, "ریست کنید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        fake.agent_edits(answer, "!مشتری قبلاً هم ریست کرده، به فنی بدهیم")
        await settled(bot, fake)
    copy = fake.sent_to(opened.user.id)[-1]
    assert copy.text == "ریست کنید" and not copy.edited
    assert topic_texts(fake, opened.thread_id)[-1] == desk_texts.EDIT_INTO_NOTE_NOT_SENT


async def test_an_edit_of_a_note_or_a_command_into_a_reply_or_command_says_it_did_nothing(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # A note mended into a reply («!» taken off), or «/clsoe» mended into «/close», changed
    # nothing and said nothing: the topic showed a reply the customer never got, and a
    # ticket the agent believed closed stayed open.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        note = fake.agent_sends_in_topic(agent, opened.thread_id, "!مودم را ریست کنید")
        typo = fake.agent_sends_in_topic(agent, opened.thread_id, "/clsoe")
        other = fake.agent_sends_in_topic(agent, opened.thread_id, "/clsoe@another_bot")
        await settled(bot, fake)
        before = len(topic_texts(fake, opened.thread_id))
        fake.agent_edits(note, "مودم را ریست کنید")
        fake.agent_edits(typo, "/close")
        fake.agent_edits(note, "!مودم را خاموش و روشن کنید")  # a note still: nothing to say
        fake.agent_edits(other, "/close@another_bot")  # another bot's: not ours to answer
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert topic_texts(fake, opened.thread_id)[before:] == [
        plain_text(desk_texts.EDIT_OF_UNSENT_NOT_SENT),
        plain_text(desk_texts.EDITED_COMMAND_NOT_RUN),
    ]
    assert row.status == "open"
    assert len(fake.sent_to(opened.user.id)) == 1  # the customer got nothing


async def test_after_an_escalation_to_l2_edits_and_replies_follow_the_history_copies(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake, settings, l2_id = fake_telegram, l2_settings, L2_CHAT
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        expert = fake.new_agent("متخصص", chat_id=l2_id)
        said_text = "چاپگر طبقه سوم خراب است"
        said = fake.user_sends_text(opened.user, said_text)
        await fake.wait_for_messages_async(fake.agent_chat_id, 2, thread_id=opened.thread_id)
        # The agent reads the copy first: by then the bot has recorded which message it copies
        # (the copy shows a moment before that commit, and the history is read from it).
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: len(fake.topics(l2_id)) == 1, timeout=10, what="L2 topic")
        await settled(bot, fake)
        (l2_topic,) = fake.topics(l2_id)
        (history_copy,) = [
            m for m in fake.sent_to(l2_id, l2_topic.thread_id) if m.content == said_text
        ]
        fake.user_edits(said, "چاپگر طبقه چهارم خراب است")
        await settled(bot, fake)
        fake.agent_replies_to(
            expert, l2_topic.thread_id, history_copy.message_id, "مدل چاپگر؟", chat_id=l2_id
        )
        await fake.wait_for_async(
            lambda: fake.sent_to(opened.user.id)[-1].text == "مدل چاپگر؟", what="the reply"
        )
        await settled(bot, fake)
    edited = next(
        m
        for m in fake.sent_to(l2_id, l2_topic.thread_id)
        if m.message_id == history_copy.message_id
    )
    assert edited.content == "چاپگر طبقه چهارم خراب است"  # the expert sees the edit
    assert fake.sent_to(opened.user.id)[-1].reply_to_message_id == said.message_id


async def test_an_edit_in_the_topic_a_ticket_left_for_l2_is_not_mirrored(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # New messages in the old topic are refused, but an edit of a reply sent from it was
    # mirrored: the customer read the new words while the L2 topic kept the old ones.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا", admin=True)  # may still write in the closed topic
        answer = fake.agent_sends_in_topic(agent, opened.thread_id, "کابل را عوض کنید")
        await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
        fake.agent_edits(answer, "کابل را عوض نکنید")
        await settled(bot, fake)
    (l2_topic,) = fake.topics(L2_CHAT)
    copy = next(m for m in fake.sent_to(opened.user.id) if "کابل" in (m.text or ""))
    assert copy.text == "کابل را عوض کنید" and not copy.edited  # as the L2 topic has it
    told = fake.sent_to(fake.agent_chat_id, opened.thread_id)[-1]
    assert told.text == (
        f"⬆️ این تیکت به گروه پشتیبانی سطح ۲ رفته است (#{fa_digits(opened.ticket_id)})؛ این"
        " ویرایش به مشتری نرسید و نسخهٔ او همان است که بود. اگر اصلاحی لازم است، در تاپیکش در"
        " آن گروه بنویسید."
    )
    internal = str(L2_CHAT).removeprefix("-100")
    assert [e["url"] for e in told.entities] == [f"https://t.me/c/{internal}/{l2_topic.thread_id}"]


async def test_a_group_that_becomes_a_supergroup_is_told_its_own_setting_and_others_nothing(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Any group the bot was in was told «AGENT_CHAT_ID=…»: strangers saw the bot's settings,
    # and the L2 group's admins were told to make it the agents' group.
    fake, settings = fake_telegram, l2_settings
    stranger = fake.add_group(-1003000000003, "گروه دیگر", supergroup=False).id
    async with running_bot(settings, fake) as bot:
        for old_id, new_id in ((L2_CHAT, -1002000000099), (stranger, -1003000000099)):
            fake.migrate_group(old_id, new_id)
        await fake.wait_for_messages_async(-1002000000099, 1)
        await settled(bot, fake)
    (told,) = fake.sent_to(-1002000000099)
    assert "L2_CHAT_ID=-1002000000099" in (told.text or "")
    assert fake.sent_to(-1003000000099) == []


async def test_the_bots_log_tells_editors_what_to_write_and_what_to_add(
    settings: Settings, fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        asks, picks, greets = fake.new_user("الف"), fake.new_user("ب"), fake.new_user("پ")
        fake.user_sends_text(greets, "سلام")
        fake.user_sends_text(picks, AMBIGUOUS)
        choices = await fake.wait_for_messages_async(picks.id, 1)
        picked = choices[0].button_texts[0]
        fake.user_presses_button(picks, choices[0], picked)
        await fake.wait_for_messages_async(picks.id, 2)
        fake.user_sends_text(asks, UNKNOWN)
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1)
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, card.thread_id, "/article password-reset")
        await fake.wait_for_messages_async(asks.id, 2)
        await settled(bot, fake)
        fake.user_sends_text(fake.new_user("ت"), "ساعت کاری رستوران")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="a topic")
        await settled(bot, fake)

    asked, sent = await read_log(database_url, datetime.now(UTC) - timedelta(days=1))
    kb = KBSettings(kb_dir=kb_dir, kb_semantic=False).knowledge_base()
    gaps = mine_kb(kb, asked, sent)

    assert gaps.questions == 3  # the greeting is not one
    assert [g.question for g in gaps.unanswered] == ["ساعت کاری رستوران"]
    picked_id = next(a.id for a in kb.articles if picked.startswith(a.title))
    assert {(p.article_id, p.question, *p.via) for p in gaps.phrasings} == {
        (picked_id, AMBIGUOUS, "picked"),
        ("password-reset", UNKNOWN, "agent"),
    }


async def test_an_unknown_command_or_a_word_in_a_closed_topic_never_reaches_the_customer(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent(admin=True)  # may still write in a closed topic
        fake.agent_sends_in_topic(agent, opened.thread_id, "/help@another_bot")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/close")
        await fake.wait_for_messages_async(opened.user.id, 2)  # the rating request
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, opened.thread_id, "یک نکتهٔ دیگر هم بگویم")
        fake.agent_sends_in_topic(agent, None, "/tickets")
        await settled(bot, fake)
    customer_got = [m.content or "" for m in fake.sent_to(opened.user.id)]
    assert len(customer_got) == 2 and not any("help" in t or "نکته" in t for t in customer_got)
    assert topic_texts(fake, opened.thread_id)[-1] == desk_texts.TICKET_IS_CLOSED
    general = [m.text for m in fake.sent_to(fake.agent_chat_id) if m.thread_id is None]
    assert general == [desk_texts.NO_OPEN_TICKETS]


async def test_a_customer_writing_while_the_l2_topic_is_made_gets_one_topic_not_two(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The customer's message, handled in their chat's turn, found the moved ticket without a
    # topic yet and made one itself: two L2 topics, the message in the one the ticket lost.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.agent_sends_in_topic(agent, opened.thread_id, "سلام، بررسی می‌کنم")
        await settled(bot, fake)

        def customer_writes(method: str, params: dict[str, object]) -> None:
            fake.user_sends_text(opened.user, "هنوز کار نمی‌کند")
            time.sleep(1)  # Telegram slow to make the topic

        fake.during_next("createForumTopic", customer_writes, where={"chat_id": L2_CHAT})
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake, within=20)
        moved = await ticket(bot, opened.ticket_id)
    (topic,) = fake.topics(L2_CHAT)
    assert moved.thread_id == topic.thread_id
    assert "هنوز کار نمی‌کند" in [m.content for m in fake.sent_to(L2_CHAT, topic.thread_id)]
    links = [t for t in topic_texts(fake, opened.thread_id) if t.startswith("🔗")]
    assert len(links) == 1  # whichever made the L2 topic, the old one is told once


async def test_a_card_drawn_while_the_ticket_closes_ends_up_showing_it_closed(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The customer's message redrew the card from a reading taken just before /close; its
    # slow edit landed last, and the closed ticket's card said «در دست سارا», with buttons.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.agent_sends_in_topic(agent, opened.thread_id, "شماره سریال را بفرستید")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/wait")
        await settled(bot, fake)

        def close_meanwhile(method: str, params: dict[str, object]) -> None:
            fake.agent_sends_in_topic(agent, opened.thread_id, "/close")
            time.sleep(1)  # the edit is slow

        where = {"message_id": opened.card.message_id}
        fake.during_next("editMessageText", close_meanwhile, where=where)
        fake.user_sends_text(opened.user, "سریال: ABC123")  # resumes the ticket: a redraw
        await asyncio.sleep(2)
        await settled(bot, fake)
        closed = await ticket(bot, opened.ticket_id)
    card = card_now(fake, opened.card)
    assert closed.status == "closed"
    assert "بسته" in (card.text or "").split("\n")[1] and not card.callback_datas


async def test_what_is_written_in_the_topic_a_ticket_left_for_l2_is_answered_not_lost(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # An admin can still write in the closed L1 topic: their reply reached no one and /close
    # was told «این دستور فقط در تاپیک یک تیکت کار می‌کند».
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        admin = fake.new_agent("مدیر", admin=True)
        fake.agent_sends_in_topic(admin, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
        heard = len(fake.sent_to(opened.user.id))
        fake.agent_sends_in_topic(admin, opened.thread_id, "یک نکته برای مشتری")
        fake.agent_sends_in_topic(admin, opened.thread_id, "/close")
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    answers = topic_texts(fake, opened.thread_id)[-2:]
    assert all(a.startswith("⬆️ این تیکت به گروه پشتیبانی سطح ۲ رفته است") for a in answers)
    link = [e for e in fake.sent_to(fake.agent_chat_id, opened.thread_id)[-1].entities]
    assert link[0]["url"].endswith(f"/{row.thread_id}")  # to its topic in the L2 group
    assert len(fake.sent_to(opened.user.id)) == heard and row.status == "escalated"


async def test_an_escalation_the_l2_group_refuses_keeps_the_ticket_in_its_topic_marked_l2(
    l2_settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    # The bot may not make topics in the L2 group: the ticket was moved there all the same,
    # without a topic, its L1 topic closed, no command reaching it, the customer's messages
    # going nowhere, and a «topic not created» notice for every message of its history.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.user_sends_text(opened.user, "پیام اول مشتری")
        fake.agent_sends_in_topic(agent, opened.thread_id, "پاسخ کارشناس")
        await fake.wait_for_messages_async(opened.user.id, 2)
        fake.agent_sends_in_topic(agent, opened.thread_id, "!به فنی بدهیم")
        await settled(bot, fake)
        fake.set_bot_rights(L2_CHAT, status="member", can_manage_topics=False)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await settled(bot, fake, within=30)
        fake.user_sends_text(opened.user, "خبری شد؟")
        await settled(bot, fake)
        kept = await ticket(bot, opened.ticket_id)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/close")
        await settled(bot, fake)
        closed = await ticket(bot, opened.ticket_id)
    texts = topic_texts(fake, opened.thread_id)
    assert (kept.agent_chat_id, kept.thread_id, kept.level) == (
        fake.agent_chat_id,
        opened.thread_id,
        2,
    )
    assert any(t.startswith("⚠️ گروه سطح ۲ این تیکت را نپذیرفت") for t in texts)
    assert texts.count("پیام اول مشتری") == 1  # its history is here already, once
    assert not [t for t in texts if t.startswith(("👤", "🎧", "📝", "🔚"))]  # its notes too
    assert "خبری شد؟" in texts and closed.status == "closed"
    assert fake.topic(opened.thread_id).name.startswith(desk_texts.L2_TOPIC_MARK)
    assert fake.sent_to(L2_CHAT) == []
    old_card = card_now(fake, opened.card)  # a new card is below it: this one only stops
    assert old_card.callback_datas == [] and "رفت" not in (old_card.text or "").split("\n")[0]
    assert not [t for t in texts if t.startswith("🔗")]  # no L2 topic to link
    # The operator's log gives Telegram's words, in English, not the agents' Persian.
    (refused,) = [r.getMessage() for r in caplog.records if "refused its topic" in r.getMessage()]
    assert f"the L2 group (chat {L2_CHAT}) refused its topic (Not enough rights" in refused


async def test_a_press_on_the_card_a_ticket_had_before_l2_says_where_it_went(
    l2_settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # It was answered «this button is another ticket's», of the very ticket it was.
    fake = fake_telegram
    async with running_bot(l2_settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.agent_sends_in_topic(agent, opened.thread_id, "/escalate")
        await fake.wait_for_async(lambda: fake.topics(L2_CHAT), timeout=10, what="L2 topic")
        await settled(bot, fake)
        press = fake.agent_presses(agent, opened.card, f"t:claim:{opened.ticket_id}", check=False)
        answer = await fake.wait_for_answer_async(press)
    assert answer.get("text") == desk_texts.MOVED_TO_L2_TOAST
