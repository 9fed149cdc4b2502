"""Closing: the topic closes, the customer rates it, a new message opens a new ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot import desk_texts, texts
from bot.config import Settings
from bot.formatting import plain_text
from bot.texts import NOT_RELAYED_KIND
from handoff.persian import jalali
from handoff.topics import topic_link
from storage.models import Customer, KBDecision, Message, Ticket, TicketEvent
from tests.bot.desk_support import (
    OpenTicket,
    card_now,
    hand_off,
    settled,
    ticket,
    topic_texts,
)
from tests.bot.support import RunningBot, running_bot
from tests.fake_telegram import FakeTelegram


async def test_close_rate_comment_then_a_new_ticket_linked_to_the_old_one(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent("سارا")
        fake.agent_sends_in_topic(agent, opened.thread_id, "درست شد؟")
        await fake.wait_for_messages_async(opened.user.id, 2)
        press = fake.agent_presses_button(agent, opened.card, "بستن")
        assert (await fake.wait_for_answer_async(press)).get("text") == desk_texts.CLOSED_TOAST
        (*_, asked) = await fake.wait_for_messages_async(opened.user.id, 3)
        await settled(bot, fake)
        assert fake.topic(opened.thread_id).closed
        assert asked.callback_datas == [f"r:{opened.ticket_id}:{n}" for n in (5, 4, 3, 2, 1)]
        assert desk_texts.closed_notice("سارا") in topic_texts(fake, opened.thread_id)
        assert card_now(fake, opened.card).callback_datas == []  # closed: no buttons at once
        rate = fake.user_presses(opened.user, asked, f"r:{opened.ticket_id}:4")
        await fake.wait_for_answer_async(rate)
        await settled(bot, fake)
        assert fake.last_sent_to(opened.user.id).text == desk_texts.RATING_THANKS
        assert fake.message(opened.user.id, asked.message_id).button_texts == []  # rated
        assert desk_texts.rated_notice(4) in topic_texts(fake, opened.thread_id)
        assert "۴ از ۵" in (card_now(fake, opened.card).text or "")  # before any comment
        again = fake.user_presses(opened.user, asked, f"r:{opened.ticket_id}:1", check=False)
        assert (await fake.wait_for_answer_async(again)).get("text") == desk_texts.RATING_ALREADY
        fake.user_sends_text(opened.user, "خیلی سریع بود، ممنون")
        await settled(bot, fake)
        rated = await ticket(bot, opened.ticket_id)
        card = card_now(fake, opened.card)
        assert (rated.status, rated.rating) == ("closed", 4)
        assert rated.rating_comment == "خیلی سریع بود، ممنون"
        assert "۴ از ۵" in (card.text or "") and "خیلی سریع بود" in (card.text or "")
        assert card.callback_datas == []  # a closed ticket's card has no buttons
        # The comment reaches the topic, under the rating, once (it only edited the card).
        in_topic = topic_texts(fake, opened.thread_id)
        assert in_topic[-2:] == [
            "🌟 مشتری به این تیکت ۴ از ۵ امتیاز داد.",
            "💬 نظر مشتری: \u200f«خیلی سریع بود، ممنون»",
        ]
        fake.user_sends_text(opened.user, "یک مشکل دیگر: ایمیلم باز نمی‌شود")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        told = fake.last_sent_to(opened.user.id).text or ""
        tickets = await bot.rows(Ticket)
        logged = await bot.rows(Message, Message.ticket_id == opened.ticket_id)
    assert len(tickets) == 2
    # The interaction log holds the conversation as the customer saw it, close notice included.
    said = [(m.direction, m.text) for m in logged]
    assert ("out", "درست شد؟") in said
    assert ("out", desk_texts.ticket_closed_for_customer(opened.ticket_id)) in said
    new = tickets[1]
    assert new.previous_ticket_id == opened.ticket_id
    assert new.question == "یک مشکل دیگر: ایمیلم باز نمی‌شود"
    assert new.status == "open"
    # Another problem, as the rating's thanks asked («پرسش تازه را پس از آن بفرستید»), was
    # told «این پیام پیگیری درخواست #۱ است»: it is not; the agent sees #۱ all the same.
    assert "#۲" in told and "پیگیری" not in told
    assert told.startswith("کارشناس سابقهٔ درخواست قبلی شما (#۱) را هم می‌بیند.")


async def test_close_command_and_a_customer_cannot_rate_someone_elses_ticket(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        other = fake.new_user("دیگری")
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, opened.thread_id, "/close")
        (*_, asked) = await fake.wait_for_messages_async(opened.user.id, 2)
        await settled(bot, fake)
        fake.user_sends_text(other, "/start")
        await fake.wait_for_messages_async(other.id, 1)
        (told, *_) = fake.sent_to(other.id)
        forged = fake.user_presses(other, told, f"r:{opened.ticket_id}:1", check=False)
        answer = await fake.wait_for_answer_async(forged)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert "بسته شد" in (asked.text or "")
    assert answer.get("text") == desk_texts.RATING_STALE
    assert (row.status, row.rating) == ("closed", None)


async def test_buttons_of_a_closed_ticket_change_nothing(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        agent = fake.new_agent()
        fake.agent_sends_in_topic(agent, opened.thread_id, "/close")
        await settled(bot, fake)
        stale = fake.agent_presses(agent, opened.card, f"t:claim:{opened.ticket_id}", check=False)
        answer = await fake.wait_for_answer_async(stale)
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    assert answer.get("text") == desk_texts.TICKET_CLOSED
    assert (row.status, row.claimed_by) == ("closed", None)


async def _opened_and_closed(bot: RunningBot, fake: FakeTelegram) -> OpenTicket:
    """Open a ticket and have an agent close it; return once the customer was asked to rate."""
    opened = await hand_off(bot, fake)
    fake.agent_sends_in_topic(fake.new_agent(), opened.thread_id, "/close")
    await fake.wait_for_messages_async(opened.user.id, 2)
    await settled(bot, fake)
    return opened


async def _close_then_ask(
    settings: Settings, fake: FakeTelegram, *, days_later: int
) -> tuple[list[Ticket], list[str], list[KBDecision]]:
    """Close a ticket, let `days_later` days pass, then have its customer ask something the KB
    answers; return the tickets and what the customer was sent after the close."""
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        if days_later:
            await bot.db(
                lambda session: session.execute(
                    update(Customer)
                    .where(Customer.id == opened.user.id)
                    .values(follow_up_at=datetime.now(UTC) - timedelta(days=days_later))
                )
            )
        told = len(fake.sent_to(opened.user.id))
        fake.user_sends_text(opened.user, "رمزم را فراموش کرده‌ام")
        await fake.wait_for_messages_async(opened.user.id, told + 1)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
        decisions = await bot.rows(KBDecision)
    return tickets, [m.content or "" for m in fake.sent_to(opened.user.id)[told:]], decisions


async def test_a_ticket_closed_before_any_answer_says_how_to_go_on_and_rates_the_service(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # It asked to rate «the answer you got» when none had come.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)  # closed with no reply
    asked = fake.sent_to(opened.user.id)[-1]
    assert asked.text == plain_text(
        desk_texts.ticket_closed_for_customer(opened.ticket_id, answered=False)
    )
    assert "پاسخی که گرفتید" not in (asked.text or "") and "همین‌جا بنویسید" in (asked.text or "")
    assert asked.callback_datas == [f"r:{opened.ticket_id}:{n}" for n in (5, 4, 3, 2, 1)]


async def test_a_photo_after_a_close_is_a_follow_up_told_so_not_asked_to_describe_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        fake.user_sends_photo(opened.user)  # a screenshot, no words
        (said,) = (await fake.wait_for_messages_async(opened.user.id, told + 1))[told:]
        await settled(bot, fake)
    assert (said.text or "").startswith("کارشناس سابقهٔ درخواست قبلی شما (#۱) را هم می‌بیند.")
    assert texts.DESCRIBE_IT not in (said.text or "")


@pytest.mark.parametrize("later", ["«not good» now", "months later"])
async def test_a_problem_still_there_or_words_long_after_are_no_judgement_of_the_ticket(
    settings: Settings, fake_telegram: FakeTelegram, later: str
) -> None:
    # «خوب نیست» after a close is the problem still there: it went unheard, thanked as a
    # verdict; and «خیلی بد» months later was asked to rate the old ticket.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        if later == "months later":
            await bot.db(
                lambda session: session.execute(
                    update(Customer)
                    .where(Customer.id == opened.user.id)
                    .values(follow_up_at=datetime.now(UTC) - timedelta(days=90))
                )
            )
        told = len(fake.sent_to(opened.user.id))
        fake.user_sends_text(opened.user, "خوب نیست" if later != "months later" else "خیلی بد")
        (said,) = (await fake.wait_for_messages_async(opened.user.id, told + 1))[told:]
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert said.text != desk_texts.RATE_WITH_BUTTONS
    if later != "months later":
        assert len(tickets) == 2 and tickets[1].reason == "follow_up"  # an agent hears it


async def test_words_judging_the_closed_ticket_open_no_new_one(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «خوب بود» under the rating request opened ticket #2, the closed one left unrated.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        user, told = opened.user, len(fake.sent_to(opened.user.id))
        buttons = []
        for words in ("خوب بود", "۴", "دیر جواب دادید", "بد نبود"):
            fake.user_sends_text(user, words)
            await fake.wait_for_messages_async(user.id, told + 1)
            await settled(bot, fake)
            told = len(fake.sent_to(user.id))
            buttons.append([m.callback_datas for m in fake.sent_to(user.id)[1:3]])
        tickets = await bot.rows(Ticket)
    # Asked again with the buttons under it (not «the message above»), taken off the first.
    assert buttons[0] == [[], [f"r:{opened.ticket_id}:{n}" for n in (5, 4, 3, 2, 1)]]
    assert buttons[1] == [[], []]  # the typed «۴» took them off
    replies = [m.text for m in fake.sent_to(user.id)[2:]]
    assert replies == [
        desk_texts.RATE_WITH_BUTTONS,  # asked for the score, not a ticket
        plain_text(desk_texts.RATING_THANKS),
        plain_text(desk_texts.COMMENT_THANKS),
        desk_texts.JUDGEMENT_THANKS,  # rated already: thanked
    ]
    assert len(tickets) == 1 and tickets[0].rating == 4
    assert tickets[0].rating_comment == "دیر جواب دادید"


async def test_a_returning_customers_card_tells_how_their_last_ticket_went_and_links_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        rating_request = fake.last_sent_to(opened.user.id)
        rate = fake.user_presses(opened.user, rating_request, f"r:{opened.ticket_id}:2")
        await fake.wait_for_answer_async(rate)
        # Weeks later (no follow-up any more), the customer asks for a person again.
        await bot.db(
            lambda session: session.execute(
                update(Customer)
                .where(Customer.id == opened.user.id)
                .values(follow_up_at=datetime.now(UTC) - timedelta(days=20))
            )
        )
        fake.user_sends_text(opened.user, "/human")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        thread_id = fake.topics()[-1].thread_id
        (card,) = await fake.wait_for_messages_async(fake.agent_chat_id, 1, thread_id=thread_id)
        await settled(bot, fake)
        first, second = await bot.rows(Ticket)
    lines = (card.text or "").splitlines()
    previous = [line for line in lines if "تیکت قبلی این مشتری" in line]
    assert (second.reason, second.previous_ticket_id) == ("asked", first.id)
    assert previous == [
        f"🔁 تیکت قبلی این مشتری: #۱ · {jalali(first.opened_at)} · بسته · امتیاز ۲ از ۵"
    ]
    # «#۱» opens the first ticket's topic.
    links = [e["url"] for e in card.entities if e["type"] == "text_link"]
    assert topic_link(fake.agent_chat_id, opened.thread_id) in links
    assert "تیکت قبلی" not in (opened.card.text or "")  # a first ticket has no such line


async def test_a_message_soon_after_a_close_opens_a_new_ticket_even_if_the_kb_knows_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    tickets, later, decisions = await _close_then_ask(settings, fake_telegram, days_later=0)
    assert len(tickets) == 2
    assert tickets[1].previous_ticket_id == tickets[0].id
    assert tickets[1].question == "رمزم را فراموش کرده‌ام"
    assert not any("فراموشی رمز" in text for text in later)  # not the article
    # told it follows the closed one up, not only a new number (read as starting over)
    assert any(text.startswith("کارشناس سابقهٔ درخواست قبلی شما (#۱)") for text in later)
    # The card says why it came (not "asked for a person") and which article fits, with its
    # button, so the agent can answer a new question in one press.
    card = fake_telegram.sent_to(fake_telegram.agent_chat_id, fake_telegram.topics()[-1].thread_id)[
        0
    ]
    assert tickets[1].reason == "follow_up"
    assert "پس از بسته شدن تیکت قبلی" in (card.text or "")
    assert tickets[1].tried[0]["id"] == "password-reset"
    assert "📚 ارسال مقاله: بازیابی رمز عبور" in card.button_texts
    # and the log has the KB's verdict, as for any question (what `kb gaps` reads)
    (decision,) = decisions
    assert (decision.query, decision.article_id) == ("رمزم را فراموش کرده‌ام", None)
    assert decision.hits[0]["id"] == "password-reset"


async def test_a_message_a_week_after_a_close_is_answered_from_the_kb(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    tickets, later, _ = await _close_then_ask(settings, fake_telegram, days_later=8)
    assert len(tickets) == 1
    assert any("فراموشی رمز" in text for text in later)


@pytest.mark.parametrize("rated", [False, True], ids=["not-rated", "rated"])
async def test_a_photo_soon_after_a_close_opens_a_new_ticket_and_reaches_its_topic(
    settings: Settings, fake_telegram: FakeTelegram, rated: bool
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        if rated:  # then a text would be taken as the rating's comment; a photo is not one
            asked = fake.last_sent_to(opened.user.id)
            rate = fake.user_presses(opened.user, asked, f"r:{opened.ticket_id}:3")
            await fake.wait_for_answer_async(rate)
            await settled(bot, fake)
        fake.user_sends_photo(opened.user, caption="این خطا دوباره آمد")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        new_topic = fake.topics()[-1].thread_id
        copies = [
            m for m in fake.sent_to(fake.agent_chat_id, new_topic) if m.method == "copyMessage"
        ]
        tickets = await bot.rows(Ticket)
    assert tickets[1].question == "این خطا دوباره آمد"
    assert [m.content for m in copies] == ["این خطا دوباره آمد"]  # the photo itself, for agents


async def test_an_album_soon_after_a_close_reaches_the_new_topic_as_one_album(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        fake.user_sends_album(opened.user, 3, caption="این خطاها دوباره آمد")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        new_topic = fake.topics()[-1].thread_id
        copies = [m for m in fake.sent_to(fake.agent_chat_id, new_topic) if m.kind == "photo"]
    assert [m.method for m in copies] == ["copyMessages"] * 3  # one call: one album for agents
    assert len({m.media_group_id for m in copies}) == 1 and copies[0].media_group_id


async def test_a_follow_up_file_telegram_cannot_copy_is_refused_to_the_customer(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        fake.fail_next("copyMessage", description="Bad Request: message can't be copied")
        sent = fake.user_sends_document(opened.user)
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
    told = fake.last_sent_to(opened.user.id)
    assert (told.text, told.reply_to_message_id) == (NOT_RELAYED_KIND, sent.message_id)


async def test_thanks_after_a_close_is_answered_and_opens_no_ticket(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        fake.user_sends_text(opened.user, "خیلی ممنون 🙏")
        fake.user_sends_sticker(opened.user)  # 👍
        fake.user_sends_dice(opened.user)  # 🎲 sent alone: no new problem either
        fake.user_sends_text(opened.user, "خدانگهدار")
        replies = await fake.wait_for_messages_async(opened.user.id, told + 4)
        await settled(bot, fake)
        assert len(await bot.rows(Ticket)) == 1 and len(fake.topics()) == 1
        # A real problem afterwards is still a follow-up of the closed ticket.
        fake.user_sends_text(opened.user, "هنوز همان مشکل را دارم")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert [m.text for m in replies[told:]] == [
        texts.SMALL_TALK_THANKS,
        texts.SMALL_TALK_THANKS,
        texts.EMPTY_QUESTION,
        texts.SMALL_TALK_BYE,
    ]
    assert tickets[1].previous_ticket_id == tickets[0].id


@pytest.mark.parametrize("typed", ["۵", "⭐⭐⭐⭐⭐", "۵، خیلی ممنون"])
async def test_a_rating_typed_as_a_digit_after_a_close_is_recorded(
    settings: Settings, fake_telegram: FakeTelegram, typed: str
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        asking = fake.sent_to(opened.user.id)[-1]  # the close, with the 1-5 buttons
        fake.user_sends_text(opened.user, typed)
        await fake.wait_for_messages_async(opened.user.id, told + 1)
        await settled(bot, fake)
        # Rated by typing: the buttons go, as after a press (they used to stay).
        assert fake.message(opened.user.id, asking.message_id).callback_datas == []
        fake.user_sends_text(opened.user, "سریع و دقیق بود")
        await fake.wait_for_messages_async(opened.user.id, told + 2)
        await settled(bot, fake)
        fake.user_sends_text(opened.user, "۴")  # rated already: a follow-up, not a new rating
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        rated = await ticket(bot, opened.ticket_id)
        notes = topic_texts(fake, opened.thread_id)
    assert fake.sent_to(opened.user.id)[told].text == desk_texts.RATING_THANKS
    assert (rated.rating, rated.rating_comment) == (5, "سریع و دقیق بود")
    assert desk_texts.rated_notice(5) in notes


async def test_a_command_after_a_close_opens_nothing_and_a_text_follow_up_is_not_copied_twice(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        fake.user_sends_text(opened.user, "/start")
        await fake.wait_for_messages_async(opened.user.id, told + 2)  # greeting, categories
        await settled(bot, fake)
        assert len(await bot.rows(Ticket)) == 1
        fake.user_sends_text(opened.user, "هنوز همان مشکل را دارم")
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        new_topic = fake.topics()[-1].thread_id
        tickets = await bot.rows(Ticket)
    assert tickets[1].question == "هنوز همان مشکل را دارم"
    (card,) = fake.sent_to(fake.agent_chat_id, new_topic)  # the question is on the card, once
    assert "هنوز همان مشکل را دارم" in (card.text or "")


@pytest.mark.parametrize(
    ("later", "text"),
    [(timedelta(hours=1), "ایمیلم باز نمی‌شود"), (timedelta(0), "با یک کارشناس صحبت کنم")],
)
async def test_a_text_long_after_a_rating_or_asking_for_a_person_is_not_its_comment(
    settings: Settings, fake_telegram: FakeTelegram, later: timedelta, text: str
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        fake.user_sends_text(opened.user, "۴")
        await fake.wait_for_messages_async(opened.user.id, told + 1)
        await settled(bot, fake)
        rated = update(TicketEvent).where(TicketEvent.kind == "rated")
        moved = rated.values(created_at=datetime.now(UTC) - later)
        await bot.db(lambda session: session.execute(moved))
        fake.user_sends_text(opened.user, text)
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert (tickets[0].rating, tickets[0].rating_comment) == (4, None)
    assert len(tickets) == 2 and tickets[1].status == "open"


async def test_the_keyboard_buttons_after_a_close_do_what_they_always_do(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        fake.user_sends_text(opened.user, texts.CATEGORIES_BUTTON)
        (*_, shown) = await fake.wait_for_messages_async(opened.user.id, told + 1)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert shown.text == texts.categories_prompt() and shown.callback_datas
    assert len(tickets) == 1  # no ticket about «📚 دسته‌ها»


async def test_rating_an_old_ticket_while_a_new_one_is_open_leaves_the_next_rating_alone(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        first = await _opened_and_closed(bot, fake)
        (*_, ask_first) = fake.sent_to(first.user.id)
        fake.user_sends_text(first.user, "هنوز همان مشکل را دارم")  # a follow-up ticket
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
        press = fake.user_presses(first.user, ask_first, f"r:{first.ticket_id}:4")
        await fake.wait_for_answer_async(press)
        await settled(bot, fake)
        second = fake.topics()[-1].thread_id
        fake.agent_sends_in_topic(fake.new_agent(), second, "/close")
        told = len(fake.sent_to(first.user.id))
        await fake.wait_for_messages_async(first.user.id, told + 1)
        await settled(bot, fake)
        fake.user_sends_text(first.user, "۵")  # rates the second
        await fake.wait_for_messages_async(first.user.id, told + 2)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert [(t.rating, t.rating_comment) for t in tickets] == [(4, None), (5, None)]


async def test_a_long_follow_up_reaches_its_topic_whole(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    saga = "هنوز همان مشکل را دارم و این بار پیغام خطای تازه‌ای هم می‌بینم. " * 40
    assert len(saga.strip()) > 2000  # longer than the card holds
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        fake.user_sends_text(opened.user, saga)
        await fake.wait_for_async(lambda: len(fake.topics()) == 2, timeout=10, what="new topic")
        await settled(bot, fake)
    _card, copy = fake.sent_to(fake.agent_chat_id, fake.topics()[-1].thread_id)
    assert copy.text == saga


async def test_a_topic_closed_by_hand_while_its_ticket_is_open_is_reopened_with_a_word(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Closed from Telegram's menu, the ticket stayed open: its holder (no admin) could not
    # write there or /close it, and the customer was never asked for a rating.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await hand_off(bot, fake)
        holder = fake.new_agent("سارا")
        fake.agent_sends_in_topic(holder, opened.thread_id, "/claim")
        await settled(bot, fake)
        fake.agent_closes_topic(fake.new_agent("مدیر", admin=True), opened.thread_id)
        await settled(bot, fake)
        fake.agent_sends_in_topic(holder, opened.thread_id, "/close")  # possible again
        await settled(bot, fake)
        row = await ticket(bot, opened.ticket_id)
    notices = topic_texts(fake, opened.thread_id)
    reopened = "🔓 \u200fمدیر این تاپیک را بست، ولی تیکت هنوز باز است"
    assert any(n.startswith(reopened) for n in notices)
    assert row.status == "closed"
    assert fake.topic(opened.thread_id).closed  # by /close, this time


@pytest.mark.parametrize("praise", ["عالی بود ممنون", "مفید بود، مرسی"])
async def test_praise_after_a_close_opens_no_new_ticket(
    settings: Settings, fake_telegram: FakeTelegram, praise: str
) -> None:
    # Words about the closed ticket («great, thanks») opened follow-up ticket #2.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        fake.user_sends_text(opened.user, praise)
        replies = await fake.wait_for_messages_async(opened.user.id, told + 1)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert len(tickets) == 1 and len(fake.topics()) == 1
    # thanked; and, the ticket not rated yet, asked for the score (praise is no score)
    assert replies[told].text in (
        texts.SMALL_TALK_THANKS,
        texts.SMALL_TALK_OK,
        desk_texts.RATE_WITH_BUTTONS,
    )


async def test_a_rating_typed_with_a_comment_keeps_both(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «۳ ولی دیر جواب دادید» opened a follow-up ticket and recorded no rating.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        told = len(fake.sent_to(opened.user.id))
        fake.user_sends_text(opened.user, "۳ ولی دیر جواب دادید")
        replies = await fake.wait_for_messages_async(opened.user.id, told + 1)
        await settled(bot, fake)
        (row,) = await bot.rows(Ticket)
    assert (row.rating, row.rating_comment) == (3, "ولی دیر جواب دادید")
    assert replies[told].text == desk_texts.COMMENT_THANKS
    # The agents read the comment with the rating, not only on the closed topic's card.
    assert topic_texts(fake, opened.thread_id)[-1] == (
        "🌟 مشتری به این تیکت ۳ از ۵ امتیاز داد.\n💬 نظر مشتری: \u200f«ولی دیر جواب دادید»"
    )


async def test_a_rating_comment_reaches_the_topic_escaped_on_one_line_and_bounded(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        opened = await _opened_and_closed(bot, fake)
        (asked,) = [m for m in fake.sent_to(opened.user.id) if m.callback_datas]
        rate = fake.user_presses(opened.user, asked, f"r:{opened.ticket_id}:2")
        await fake.wait_for_answer_async(rate)
        await settled(bot, fake)
        fake.user_sends_text(opened.user, "\u202e<b>خیلی</b> طول کشید\n" + "و " * 900)
        await settled(bot, fake)
    said = topic_texts(fake, opened.thread_id)[-1]
    assert said.startswith("💬 نظر مشتری: \u200f«<b>خیلی</b> طول کشید و و ")
    assert said.endswith("…»") and "\n" not in said and "\u202e" not in said
    assert len(said) < 1100
