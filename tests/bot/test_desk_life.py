"""A whole ticket's life, from hand-off to the customer's next ticket, without leaving Telegram."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot import card_refresh
from bot.config import Settings
from handoff.persian import fa_digits
from storage.models import MessageLink, Ticket, TicketEvent
from tests.bot.desk_support import card_now, hand_off, settled, ticket
from tests.bot.support import running_bot
from tests.fake_telegram import FakeTelegram


async def test_a_full_ticket_life(settings: Settings, fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake, "نرگس")
        user, thread = opened.user, opened.thread_id
        agent = fake.new_agent("سارا")
        fake.agent_presses_button(agent, opened.card, "برمی‌دارم")
        # the customer writes: text, photo, document, voice and an album
        said = fake.user_sends_text(user, "ایمیلم <باز> نمی‌شود & خطا می‌دهد")
        fake.user_sends_photo(user, caption="خطا")
        fake.user_sends_document(user)
        fake.user_sends_voice(user)
        fake.user_sends_album(user, 2)
        await fake.wait_for_messages_async(fake.agent_chat_id, 7, thread_id=thread)
        await settled(bot, fake)
        # the agent answers with text, photo, document and voice, and keeps a note
        answer = fake.agent_sends_in_topic(agent, thread, "لطفاً برنامه را ببندید")
        fake.agent_sends_in_topic(agent, thread, media="photo", caption="این‌جا")
        fake.agent_sends_in_topic(agent, thread, media="document")
        fake.agent_sends_in_topic(agent, thread, media="voice")
        fake.agent_sends_in_topic(agent, thread, "!شاید مشکل از سرور باشد")
        await fake.wait_for_messages_async(user.id, 5)
        await settled(bot, fake)
        # an edit on each side
        fake.user_edits(said, "ایمیلم باز نمی‌شود")
        fake.agent_edits(answer, "لطفاً برنامه را کامل ببندید")
        await settled(bot, fake)
        # escalate, an expert takes it, closes it; the customer rates
        fake.agent_sends_in_topic(agent, thread, "/escalate")
        await settled(bot, fake)
        expert = fake.new_agent("متخصص")
        fake.agent_sends_in_topic(expert, thread, "مشکل حل شد")
        await settled(bot, fake)
        fake.agent_presses(expert, card_now(fake, opened.card), f"t:close:{opened.ticket_id}")
        await fake.wait_for_async(lambda: fake.topic(thread).closed, timeout=10, what="closed")
        await settled(bot, fake)
        asked = fake.sent_to(user.id)[-1]
        fake.user_presses(user, asked, f"r:{opened.ticket_id}:5")
        await settled(bot, fake)
        fake.user_sends_text(user, "عالی بود")
        await settled(bot, fake)
        fake.user_sends_text(user, "حالا پرینترم کار نمی‌کند")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        first = await ticket(bot, opened.ticket_id)
        tickets = await bot.rows(Ticket)
        links = await bot.rows(MessageLink, MessageLink.ticket_id == opened.ticket_id)
        kinds = [e.kind for e in await bot.rows(TicketEvent)]
    customer_saw = fake.sent_to(user.id)
    agent_copies = fake.sent_to(fake.agent_chat_id, thread)
    assert [m.kind for m in customer_saw if m.method == "copyMessage"] == [
        "text",
        "photo",
        "document",
        "voice",
        "text",
    ]  # fmt: skip  (the note never left the topic)
    assert "!شاید" not in " ".join(m.content or "" for m in customer_saw)
    assert any(m.content == "ایمیلم باز نمی‌شود" for m in agent_copies)  # customer's edit
    assert any(m.text == "لطفاً برنامه را کامل ببندید" for m in customer_saw)  # agent's edit
    assert any(
        m.history and m.history[0].text == "ایمیلم <باز> نمی‌شود & خطا می‌دهد" for m in agent_copies
    )
    assert len([link for link in links if link.direction == "to_agents"]) == 6
    assert (first.status, first.level, first.claimed_by, first.rating) == (
        "closed", 2, expert.id, 5
    )  # fmt: skip
    assert first.rating_comment == "عالی بود"
    assert "★★★★★" in (card_now(fake, opened.card).text or "")
    assert kinds.count("claimed") == 2 and "escalated" in kinds and "note" in kinds
    assert kinds.count("first_response") == 1
    assert tickets[1].previous_ticket_id == first.id
    assert tickets[1].question == "حالا پرینترم کار نمی‌کند"


async def test_a_waiting_ticket_card_shows_the_time_since_the_customer_wrote(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    settings = settings.model_copy(update={"card_refresh_minutes": 0.005})  # every 0.3 s
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        # The waiting line itself: the deadline's countdown may say "۱۲ دقیقه" too.
        waited_twelve = "منتظر پاسخ است: ۱۲ دقیقه"
        assert waited_twelve not in (card_now(fake, opened.card).text or "")

        async def wrote_twelve_minutes_ago(session: AsyncSession) -> None:
            row = await session.get(Ticket, opened.ticket_id)
            assert row is not None and row.awaiting_reply_since is not None
            row.awaiting_reply_since -= timedelta(minutes=12)

        await bot.db(wrote_twelve_minutes_ago)
        await fake.wait_for_async(
            lambda: waited_twelve in (card_now(fake, opened.card).text or ""),
            timeout=10,
            what="the card to show the waiting time",
        )


async def test_with_more_waiting_tickets_than_a_round_redraws_every_card_in_turn(
    settings: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_telegram
    monkeypatch.setattr(card_refresh, "CARDS_PER_REFRESH", 2)
    settings = settings.model_copy(update={"card_refresh_minutes": 0.005})  # every 0.3 s
    async with running_bot(settings, fake) as bot:
        opened = [await hand_off(bot, fake, name) for name in ("نرگس", "مریم", "سارا")]
        waits = {o.ticket_id: minutes for o, minutes in zip(opened, (40, 30, 12), strict=True)}

        async def customers_wrote_a_while_ago(session: AsyncSession) -> None:
            for ticket_id, minutes in waits.items():
                row = await session.get(Ticket, ticket_id)
                assert row is not None and row.awaiting_reply_since is not None
                row.awaiting_reply_since -= timedelta(minutes=minutes)

        await bot.db(customers_wrote_a_while_ago)
        shown = [f"{fa_digits(waits[o.ticket_id])} دقیقه" for o in opened]
        # two cards a round: the third, waiting least, is redrawn in a later round
        await fake.wait_for_async(
            lambda: all(
                wait in (card_now(fake, o.card).text or "")
                for o, wait in zip(opened, shown, strict=True)
            ),
            timeout=10,
            what="every card to show its waiting time",
        )
