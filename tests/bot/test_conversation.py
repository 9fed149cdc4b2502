"""The customer's conversation, played against the fake Telegram server with the real wiring."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

import kb.service
import kb.settings
from bot import texts
from bot.config import Settings
from bot.formatting import plain_text
from kb.semantic import embedding_text
from kb.settings import KBSettings
from storage.models import Feedback, KBDecision, Message, Ticket
from tests.bot.support import (
    AMBIGUOUS,
    ANSWER_TITLE,
    ANSWERED,
    UNKNOWN,
    RunningBot,
    make_settings,
    reloading,
    running_bot,
    settled,
    texts_of,
)
from tests.fake_telegram import FakeTelegram, SentMessage, User
from tests.fake_telegram.parse_mode import parse_html
from tests.kb.encoders import WordsEncoder


async def reply(fake: FakeTelegram, user_id: int, count: int) -> SentMessage:
    """Wait for the bot's `count`-th message to a chat and return it."""
    return (await fake.wait_for_messages_async(user_id, count))[count - 1]


async def test_start_greets_with_keyboard_and_offers_categories(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake):
        user = fake.new_user("زهرا")
        fake.user_sends_text(user, "/start")
        greeting, menu = await fake.wait_for_messages_async(user.id, 2)
    assert "سلام زهرا" in (greeting.text or "")
    assert greeting.button_texts == ["📚 دسته‌ها", "👤 گفتگو با کارشناس"]
    assert sorted(menu.button_texts) == ["📂 ایمیل", "📂 حساب کاربری", "📂 شبکه"]


async def test_browsing_a_category_lists_its_articles_opens_one_and_goes_back(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake):
        user = fake.new_user()
        fake.user_sends_text(user, "/start")
        menu = await reply(fake, user.id, 2)
        press = fake.user_presses_button(user, menu, "حساب کاربری")
        listing = await reply(fake, user.id, 3)
        assert await fake.wait_for_answer_async(press) is not None
        assert "بازیابی رمز عبور" in listing.button_texts
        assert "قفل شدن حساب کاربری" in listing.button_texts
        opening = fake.user_presses_button(user, listing, "بازیابی رمز عبور")
        article = await reply(fake, user.id, 4)
        assert await fake.wait_for_answer_async(opening) is not None  # stops spinning
        assert article.button_texts == ["📚 دسته‌ها", "👤 گفتگو با کارشناس"]
        back = fake.user_presses_button(user, article, texts.CATEGORIES_BUTTON)
        after_article = await reply(fake, user.id, 5)
        assert await fake.wait_for_answer_async(back) is not None
        fake.user_sends_text(user, texts.CATEGORIES_BUTTON)  # the keyboard under the text box
        from_keyboard = await reply(fake, user.id, 6)
    assert (article.text or "").startswith("بازیابی رمز عبور")
    assert "\n۱. به پورتال کاربری بروید.\n۲. روی «فراموشی رمز» بزنید" in (article.text or "")
    assert {"type": "bold", "offset": 0, "length": len("بازیابی رمز عبور")} in article.entities
    for categories in (after_article, from_keyboard):  # both bring the categories back
        assert categories.text == menu.text
        assert sorted(categories.button_texts) == sorted(menu.button_texts)


def _add_guide(kb_dir: Path, article_id: str, title: str, category: str) -> None:
    """Write a one-line guide of `category` in a folder of its own."""
    folder = kb_dir / article_id
    folder.mkdir()
    (folder / "guide.md").write_text(
        f"---\nid: {article_id}\ntitle: {title}\ncategory: {category}\n---\nمتن راهنما\n",
        encoding="utf-8",
    )


def _more_network_guides(kb_dir: Path, count: int) -> list[str]:
    """Add `count` guides to the network category; return their titles."""
    titles = [f"راهنمای شبکه شمارهٔ {n}" for n in range(1, count + 1)]
    for n, title in enumerate(titles, start=1):
        _add_guide(kb_dir, f"network-guide-{n}", title, "شبکه")
    return titles


async def test_a_category_longer_than_a_page_is_browsed_page_by_page(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    added = _more_network_guides(kb_dir, 22)  # and the two network guides: 24 in all
    async with running_bot(make_settings(fake, database_url, kb_dir), fake):
        user = fake.new_user()
        fake.user_sends_text(user, "/start")
        menu = await reply(fake, user.id, 2)
        fake.user_presses_button(user, menu, "شبکه")
        first = await reply(fake, user.id, 3)
        fake.user_presses_button(user, first, texts.NEXT_PAGE)
        second = await reply(fake, user.id, 4)
        late = second.button_texts[0]  # a guide only the second page lists
        fake.user_presses_button(user, second, late)
        guide = await reply(fake, user.id, 5)
        fake.user_presses_button(user, second, texts.PREVIOUS_PAGE)
        again = await reply(fake, user.id, 6)
        # a page the category no longer has (guides removed since): its last page
        beyond = second.callback_data(texts.PREVIOUS_PAGE).rsplit(":", 1)[0] + ":7"
        fake.user_presses(user, second, beyond, check=False)
        last = await reply(fake, user.id, 7)
    assert first.text == "📂 راهنماهای «شبکه» (صفحهٔ ۱ از ۲):"
    assert first.button_texts[-2:] == [texts.NEXT_PAGE, texts.CATEGORIES_BUTTON]
    assert second.text == "📂 راهنماهای «شبکه» (صفحهٔ ۲ از ۲):"
    assert second.button_texts[-2:] == [texts.PREVIOUS_PAGE, texts.CATEGORIES_BUTTON]
    listed = first.button_texts[:-2] + second.button_texts[:-2]
    assert len(listed) == 24 and len(first.button_texts[:-2]) == 20
    assert set(added) < set(listed) and len(set(listed)) == 24  # every guide, once
    assert late not in first.button_texts and (guide.text or "").startswith(late)
    assert again.button_texts == first.button_texts
    assert last.text == second.text and last.button_texts == second.button_texts


def _more_categories(kb_dir: Path, count: int) -> list[str]:
    """Add `count` categories of one guide each; return their names."""
    names = [f"دستهٔ {n:02d}" for n in range(1, count + 1)]
    for n, name in enumerate(names, start=1):
        _add_guide(kb_dir, f"extra-{n}", f"راهنمای {name}", name)
    return names


async def test_very_many_categories_are_offered_page_by_page(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    added = _more_categories(kb_dir, 45)
    async with running_bot(make_settings(fake, database_url, kb_dir), fake):
        user = fake.new_user()
        fake.user_sends_text(user, "/start")
        first = await reply(fake, user.id, 2)
        fake.user_presses_button(user, first, texts.NEXT_PAGE)
        second = await reply(fake, user.id, 3)
        fake.user_presses_button(user, second, added[-1])
        listing = await reply(fake, user.id, 4)
    assert first.text == "📚 دسته‌های راهنما را انتخاب کنید (صفحهٔ ۱ از ۲):"
    assert second.text == "📚 دسته‌های راهنما را انتخاب کنید (صفحهٔ ۲ از ۲):"
    assert first.button_texts[-1] == texts.NEXT_PAGE
    assert second.button_texts[-1] == texts.PREVIOUS_PAGE
    offered = [b.removeprefix("📂 ") for b in first.button_texts[:-1] + second.button_texts[:-1]]
    assert len(first.button_texts[:-1]) == 40
    assert set(added) < set(offered) and len(offered) == len(set(offered))  # each once
    assert listing.text == f"📂 راهنماهای «{added[-1]}»:"


async def _browse_to_accounts(fake: FakeTelegram, user: User) -> tuple[SentMessage, SentMessage]:
    """/start, then the account category: return the categories and that category's guides."""
    fake.user_sends_text(user, "/start")
    menu = await reply(fake, user.id, 2)
    fake.user_presses_button(user, menu, "حساب کاربری")
    return menu, await reply(fake, user.id, 3)


async def test_browsing_while_a_ticket_is_open_reminds_of_the_ticket(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        menu, listing = await _browse_to_accounts(fake, user)
        fake.user_sends_text(user, "/human")
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        await settled(bot, fake)
        told = len(fake.sent_to(user.id))
        presses = [
            fake.user_presses_button(user, menu, "حساب کاربری"),
            fake.user_presses_button(user, listing, "بازیابی رمز عبور"),
        ]
        answers = [await fake.wait_for_answer_async(press) for press in presses]
        await settled(bot, fake)
        assert len(fake.sent_to(user.id)) == told  # no list, no article: the ticket is the way
        fake.user_sends_text(user, texts.CATEGORIES_BUTTON)  # the keyboard under the text box
        reminder = await reply(fake, user.id, told + 1)
        fake.user_sends_text(user, "/help")
        help_text, help_reminder = (await fake.wait_for_messages_async(user.id, told + 3))[-2:]
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert [a.get("text") for a in answers] == [texts.ticket_open_toast(ticket.id)] * 2
    shown, _entities = parse_html(texts.ticket_already_open(ticket.id))
    assert reminder.text == help_reminder.text == shown
    assert (help_text.text or "").startswith("راهنمای «پاسخ»")
    assert len(fake.sent_to(user.id)) == told + 3
    assert len(fake.sent_to(fake.agent_chat_id, ticket.thread_id)) == 1  # only the card


async def test_a_guide_or_category_removed_from_the_kb_is_said_gone_when_pressed(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    settings = reloading(fake, database_url, kb_dir, caplog)
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        menu, listing = await _browse_to_accounts(fake, user)
        fake.user_sends_text(user, AMBIGUOUS)
        choices = await reply(fake, user.id, 4)
        assert "اتصال به وای‌فای دفتر" in choices.button_texts
        (kb_dir / "account" / "password-reset.md").unlink()
        for guide in (kb_dir / "network").iterdir():
            guide.unlink()
        await fake.wait_for_async(
            lambda: "KB reloaded: 2 articles" in caplog.text, timeout=10, what="the KB reload"
        )
        presses = [
            fake.user_presses_button(user, listing, "بازیابی رمز عبور"),
            fake.user_presses_button(user, menu, "شبکه"),
            fake.user_presses_button(user, choices, "اتصال به وای‌فای دفتر"),
        ]
        answers = [await fake.wait_for_answer_async(press) for press in presses]
        await settled(bot, fake)
    gone = [texts.ARTICLE_GONE, texts.CATEGORY_GONE, texts.ARTICLE_GONE]
    assert [a.get("text") for a in answers] == gone
    assert len(fake.sent_to(user.id)) == 4  # a toast each, nothing else


def remove_articles(kb_dir: Path, ids: Sequence[str]) -> None:
    """Delete the article files of `ids`, as an editor would."""
    for path in kb_dir.rglob("*.md"):
        if any(f"id: {found}\n" in path.read_text(encoding="utf-8") for found in ids):
            path.unlink()


async def no_after_guides_removed(
    bot: RunningBot,
    fake: FakeTelegram,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
    alternatives: slice,
) -> tuple[User, SentMessage, list[str]]:
    """A customer gets an answer; an editor removes some of its decision's other guides (by
    their place among them); the customer says «نه». Return the customer, the reply to the
    «نه» and the ids removed. The bot must reload the KB (`kb_reload_interval`)."""
    user = fake.new_user()
    fake.user_sends_text(user, ANSWERED)
    (answer,) = await fake.wait_for_messages_async(user.id, 1)
    await settled(bot, fake)
    (decision,) = await bot.rows(KBDecision)
    removed = [str(row["id"]) for row in decision.hits[1:][alternatives]]
    remove_articles(kb_dir, removed)
    await fake.wait_for_async(lambda: "KB reloaded" in caplog.text, timeout=10, what="the reload")
    fake.user_presses_button(user, answer, "نه")
    return user, await reply(fake, user.id, 2), removed


async def test_a_no_offers_no_guide_removed_from_the_kb_since_the_answer(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The other guides of the answer's decision were offered as they were: a removed one as a
    # button named by its id («account-locked»), which then said it was gone.
    fake = fake_telegram
    settings = reloading(fake, database_url, kb_dir, caplog)
    async with running_bot(settings, fake) as bot:
        _, offer, others = await no_after_guides_removed(bot, fake, kb_dir, caplog, slice(None))
        await settled(bot, fake)
    assert others  # the answer had alternatives, all gone now
    assert offer.text == texts.NOT_HELPFUL_NOTHING_ELSE
    assert not set(offer.button_texts) & set(others)


async def test_a_pick_typed_after_a_no_counts_among_the_guides_shown(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A guide removed from the KB is not shown after a «no»; «اولی» must be the first shown,
    # not the removed one the stored decision still lists first.
    fake = fake_telegram
    settings = reloading(fake, database_url, kb_dir, caplog)
    async with running_bot(settings, fake) as bot:
        user, offer, _ = await no_after_guides_removed(bot, fake, kb_dir, caplog, slice(0, 1))
        fake.user_sends_text(user, "اولی")
        picked = await reply(fake, user.id, 3)
        await settled(bot, fake)
    first_shown = offer.button_texts[0]
    assert (picked.text or "").startswith(first_shown)


async def test_a_desk_with_no_guides_yet_says_so_and_hands_questions_to_a_person(
    fake_telegram: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    fake = fake_telegram
    empty = tmp_path / "no-articles-yet"
    empty.mkdir()
    async with running_bot(make_settings(fake, database_url, empty), fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "/start")
        _greeting, no_categories = await fake.wait_for_messages_async(user.id, 2)
        fake.user_sends_text(user, ANSWERED)  # what the test KB would answer
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert no_categories.text == texts.NO_CATEGORIES
    assert no_categories.button_texts == [texts.PERSON_BUTTON]
    assert ticket.question == ANSWERED


async def test_question_gets_the_article_with_helpful_buttons_and_is_logged(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        answer = await reply(fake, user.id, 1)
        await settled(bot, fake)
        messages = await bot.rows(Message)
        decisions = await bot.rows(KBDecision)
    assert (answer.text or "").startswith(ANSWER_TITLE)
    assert answer.button_texts == ["👍 بله، کمک کرد", "👎 نه"]
    assert [(m.direction, m.kind) for m in messages] == [("in", "text"), ("out", "text")]
    assert messages[0].text == ANSWERED
    (decision,) = decisions
    assert (decision.kind, decision.article_id, decision.query) == (
        "answer",
        "password-reset",
        ANSWERED,
    )
    assert decision.hits[0]["id"] == "password-reset"
    assert 0 < decision.hits[0]["score"] <= 1
    assert decision.message_id == messages[0].id


async def test_yes_is_recorded_and_the_buttons_go_away(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        answer = await reply(fake, user.id, 1)
        yes = answer.callback_data("بله")
        press = fake.user_presses_button(user, answer, "بله")
        answered = await fake.wait_for_answer_async(press)
        again = fake.user_presses(user, answer, yes, check=False)  # a double press
        answered_again = await fake.wait_for_answer_async(again)
        await settled(bot, fake)
        feedback = await bot.rows(Feedback)
    assert "ممنون" in str(answered.get("text"))
    assert answered_again.get("text") == texts.FEEDBACK_ALREADY
    assert fake.message(user.id, answer.message_id).button_texts == []
    assert [f.helpful for f in feedback] == [True]
    assert len(fake.sent_to(user.id)) == 1  # no extra message for a "yes"


async def test_no_offers_other_articles_and_a_person(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        answer = await reply(fake, user.id, 1)
        no = fake.user_presses_button(user, answer, "نه")
        offer = await reply(fake, user.id, 2)
        await fake.wait_for_answer_async(no)  # the button stops spinning
        await settled(bot, fake)
        feedback = await bot.rows(Feedback)
        tickets = await bot.rows(Ticket)
    assert "متأسفم" in (offer.text or "")
    assert offer.button_texts[-1] == "هیچ‌کدام؛ با کارشناس صحبت می‌کنم"
    assert ANSWER_TITLE not in offer.button_texts  # the article that failed is not offered again
    assert len(offer.button_texts) >= 2
    assert [f.helpful for f in feedback] == [False]
    assert tickets == []


async def test_no_when_no_other_guide_comes_close_offers_a_person(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    one_guide = _keep_only(kb_dir, "password-reset.md")  # nothing else to offer
    async with running_bot(make_settings(fake, database_url, one_guide), fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        answer = await reply(fake, user.id, 1)
        fake.user_presses_button(user, answer, "نه")
        offer = await reply(fake, user.id, 2)
        assert offer.text == texts.NOT_HELPFUL_NOTHING_ELSE
        assert offer.button_texts == [texts.PERSON_BUTTON]
        person = offer.callback_data(texts.PERSON_BUTTON)
        fake.user_presses(user, offer, person)
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        await settled(bot, fake)
        # A second tap that beat the buttons' removal: a reminder, not a second ticket.
        again = fake.user_presses(user, offer, person, check=False)
        reminder = await reply(fake, user.id, 4)
        assert await fake.wait_for_answer_async(again) is not None
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert (answer.text or "").startswith(ANSWER_TITLE)
    assert ticket.question == ANSWERED
    shown, _entities = parse_html(texts.ticket_already_open(ticket.id))
    assert reminder.text == shown
    assert len(fake.topics()) == 1


def _keep_only(kb_dir: Path, *file_names: str) -> Path:
    """Delete every article of the KB but these."""
    for guide in kb_dir.rglob("*.md"):
        if guide.name not in file_names:
            guide.unlink()
    return kb_dir


async def test_second_no_in_a_row_hands_off_to_a_person(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        answer = await reply(fake, user.id, 1)
        fake.user_presses_button(user, answer, "نه")
        offer = await reply(fake, user.id, 2)
        fake.user_presses(user, offer, offer.callback_datas[0])  # try the first alternative
        second = await reply(fake, user.id, 3)
        fake.user_presses_button(user, second, "نه")
        told = await reply(fake, user.id, 4)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert "#۱" in (told.text or "")
    assert (ticket.reason, ticket.question) == ("not_helpful", ANSWERED)


async def test_ambiguous_question_offers_choices_and_a_pick_shows_the_article(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, AMBIGUOUS)
        choices = await reply(fake, user.id, 1)
        assert 2 <= len(choices.button_texts) <= 4
        assert choices.button_texts[-1] == "هیچ‌کدام؛ با کارشناس صحبت می‌کنم"
        picked = choices.button_texts[0]
        press = fake.user_presses_button(user, choices, picked)
        article = await reply(fake, user.id, 2)
        await fake.wait_for_answer_async(press)  # the button stops spinning
        await settled(bot, fake)
        (decision,) = await bot.rows(KBDecision)
    assert (article.text or "").startswith(picked)
    assert article.button_texts == ["👍 بله، کمک کرد", "👎 نه"]
    assert decision.kind == "suggest"
    assert decision.article_id is not None  # the article shown is recorded


async def test_a_single_guide_near_the_question_is_offered_as_a_yes_or_no(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake):
        user = fake.new_user()
        fake.user_sends_text(user, "وی پی ان")
        offer = await reply(fake, user.id, 1)
    assert offer.text == texts.SUGGEST_ONE_PROMPT
    assert offer.button_texts == ["اتصال به وی‌پی‌ان شرکت", texts.NOT_THIS_ONE]


async def test_a_no_with_one_other_guide_left_offers_that_one(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    kb_dir = _keep_only(kb_dir, "password-reset.md", "account-locked.md")
    async with running_bot(make_settings(fake, database_url, kb_dir), fake):
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        answer = await reply(fake, user.id, 1)
        fake.user_presses_button(user, answer, "نه")
        offer = await reply(fake, user.id, 2)
    assert offer.text == texts.NOT_HELPFUL_ONE_ALTERNATIVE
    assert offer.button_texts == ["قفل شدن حساب کاربری", texts.NOT_THIS_ONE]


async def test_a_typed_yes_or_no_answers_was_this_helpful(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        glad, unhappy = fake.new_user("خرسند"), fake.new_user("ناراضی")
        answers, buttons = [], []
        for user, typed in ((glad, "بله ممنون، مفید بود"), (unhappy, "به دردم نخورد")):
            fake.user_sends_text(user, ANSWERED)
            answer = await reply(fake, user.id, 1)
            answers.append(answer)
            buttons.append(dict(zip(answer.button_texts, answer.callback_datas, strict=True)))
            fake.user_sends_text(user, typed)
            await reply(fake, user.id, 2)
        # The 👎 pressed as the word arrived, before its buttons were taken off:
        press = fake.user_presses(glad, answers[0], buttons[0]["👎 نه"], check=False)
        toast = await fake.wait_for_answer_async(press)
        fake.user_sends_text(glad, "بله")  # answered already: now only an «ok»
        again = await reply(fake, glad.id, 3)
        # Said again in more words, it opened a ticket (the KB could not answer «useful»).
        fake.user_sends_text(glad, "خیلی مفید بود ممنون")
        once_more = await reply(fake, glad.id, 4)
        await settled(bot, fake)
        feedback = await bot.rows(Feedback)
        tickets = await bot.rows(Ticket)
    assert fake.sent_to(glad.id)[1].text == texts.FEEDBACK_THANKS
    for user, answer in zip((glad, unhappy), answers, strict=True):  # answered in words
        assert fake.message(user.id, answer.message_id).button_texts == []
    assert again.text == once_more.text == texts.SMALL_TALK_OK
    assert toast is not None and toast.get("text") == texts.FEEDBACK_ALREADY
    offer = fake.sent_to(unhappy.id)[-1]  # as the 👎 button: other guides and a person
    assert offer.text == texts.NOT_HELPFUL_ALTERNATIVES
    assert offer.button_texts[-1] == texts.NONE_OF_THESE
    assert sorted(f.helpful for f in feedback) == [False, True]
    assert tickets == []


async def test_saying_the_problem_is_solved_under_an_answer_is_helpful_feedback(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        answer = await reply(fake, user.id, 1)
        fake.user_sends_text(user, "ممنون، مشکلم حل شد")
        thanked = await reply(fake, user.id, 2)
        fake.user_sends_text(user, "حل شد")  # recorded already: now only an «ok»
        again = await reply(fake, user.id, 3)
        await settled(bot, fake)
        feedback = await bot.rows(Feedback)
        tickets = await bot.rows(Ticket)
    assert thanked.text == texts.FEEDBACK_THANKS
    assert fake.message(user.id, answer.message_id).button_texts == []
    assert again.text == texts.SMALL_TALK_OK
    assert [f.helpful for f in feedback] == [True]
    assert tickets == []


async def test_after_a_restart_a_typed_yes_still_takes_the_answers_buttons_off(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    user, other = fake.new_user(), fake.new_user("دیگری")
    async with running_bot(settings, fake) as bot:
        fake.user_sends_text(user, ANSWERED)
        answer = await reply(fake, user.id, 1)
        fake.user_sends_text(other, "سلام")  # any later commit keeps the answer's message id
        await reply(fake, other.id, 1)
        await settled(bot, fake)
        (decision,) = await bot.rows(KBDecision, KBDecision.customer_id == user.id)
    assert decision.answer_message_id == answer.message_id
    async with running_bot(settings, fake) as bot:  # a new process: nothing in memory
        fake.user_sends_text(user, "بله")
        assert (await reply(fake, user.id, 2)).text == texts.FEEDBACK_THANKS
        await settled(bot, fake)
    assert fake.message(user.id, answer.message_id).button_texts == []


async def test_a_typed_yes_or_no_answers_did_you_mean_this_guide(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        agreeing, refusing, unsure = (fake.new_user(n) for n in ("موافق", "مخالف", "مردد"))
        for user, typed in ((agreeing, "آره"), (refusing, "نه")):
            fake.user_sends_text(user, "وی پی ان")
            assert (await reply(fake, user.id, 1)).text == texts.SUGGEST_ONE_PROMPT
            fake.user_sends_text(user, typed)
        guide = await reply(fake, agreeing.id, 2)
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        # with several guides offered, «بله» picks none of them
        fake.user_sends_text(unsure, AMBIGUOUS)
        await reply(fake, unsure.id, 1)
        fake.user_sends_text(unsure, "بله")
        not_a_pick = await reply(fake, unsure.id, 2)
        await settled(bot, fake)
        decisions = await bot.rows(KBDecision, KBDecision.customer_id == agreeing.id)
        (ticket,) = await bot.rows(Ticket)
    assert (guide.text or "").startswith("اتصال به وی‌پی‌ان شرکت")
    assert guide.button_texts == ["👍 بله، کمک کرد", "👎 نه"]
    assert [d.article_id for d in decisions] == ["vpn-connect"]  # the guide shown is recorded
    assert (ticket.customer_id, ticket.question, ticket.reason) == (
        refusing.id, "وی پی ان", "not_helpful"
    )  # fmt: skip
    assert not_a_pick.text == texts.SMALL_TALK_OK


@pytest.mark.parametrize("typed", ["هیچکدوم", "نه"])
async def test_none_of_these_typed_over_several_guides_hands_the_question_over(
    settings: Settings, fake_telegram: FakeTelegram, typed: str
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, AMBIGUOUS)
        choices = await reply(fake, user.id, 1)
        fake.user_sends_text(user, typed)
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert len(choices.button_texts) >= 3  # two guides or more, and «none of these»
    # The agents get what the customer asked and the guides tried, not «هیچکدوم».
    assert (ticket.question, ticket.reason) == (AMBIGUOUS, "not_helpful")
    assert len(ticket.tried or []) >= 2


async def test_after_a_no_the_other_guides_can_be_picked_or_refused_in_words(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        picker, refuser = fake.new_user("انتخاب"), fake.new_user("رد")
        offers = []
        for user in (picker, refuser):
            fake.user_sends_text(user, ANSWERED)
            answer = await reply(fake, user.id, 1)
            fake.user_presses_button(user, answer, "نه")  # 👎: other guides and a person
            offers.append(await reply(fake, user.id, 2))
        fake.user_sends_text(picker, "اولی")
        picked = await reply(fake, picker.id, 3)
        fake.user_sends_text(refuser, "هیچکدوم")
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert offers[0].text == texts.NOT_HELPFUL_ALTERNATIVES
    assert (picked.text or "").startswith(offers[0].button_texts[0])  # the first other guide
    assert (ticket.customer_id, ticket.question, ticket.reason) == (
        refuser.id, ANSWERED, "not_helpful"
    )  # fmt: skip


async def test_a_guide_picked_by_typing_its_place_is_shown_as_if_pressed(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, AMBIGUOUS)
        choices = await reply(fake, user.id, 1)
        fake.user_sends_text(user, "دومی")
        second = await reply(fake, user.id, 2)
        fake.user_sends_text(user, "همون اولی")  # after reading one, another of the same list
        first = await reply(fake, user.id, 3)
        await settled(bot, fake)
        decisions = await bot.rows(KBDecision, KBDecision.customer_id == user.id)
        tickets = await bot.rows(Ticket)
    titles = choices.button_texts[:-1]  # the last button is «none of these»
    assert len(titles) >= 2
    assert (second.text or "").startswith(titles[1]) and (first.text or "").startswith(titles[0])
    assert second.button_texts == first.button_texts == ["👍 بله، کمک کرد", "👎 نه"]
    assert [d.article_id is not None for d in decisions] == [True, True]  # each read is recorded
    assert tickets == []


async def _choices_and_a_stranger(fake: FakeTelegram) -> tuple[SentMessage, User, SentMessage]:
    """One customer gets choices for an unsure question; another, who never saw them, is
    greeted: return the choices, the other customer and a message of theirs to press on."""
    owner, other = fake.new_user("صاحب"), fake.new_user("دیگری")
    fake.user_sends_text(owner, AMBIGUOUS)
    choices = await reply(fake, owner.id, 1)
    fake.user_sends_text(other, "/start")
    (greeting, *_) = await fake.wait_for_messages_async(other.id, 1)
    return choices, other, greeting


async def test_a_pick_forged_from_another_customers_choices_shows_nothing(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        choices, other, greeting = await _choices_and_a_stranger(fake)
        forged = fake.user_presses(other, greeting, choices.callback_datas[0], check=False)
        answered = await fake.wait_for_answer_async(forged)
        await settled(bot, fake)
        (decision,) = await bot.rows(KBDecision)
    assert answered.get("text") == texts.STALE_BUTTON
    assert not any(
        (m.text or "").startswith(choices.button_texts[0]) for m in fake.sent_to(other.id)
    )
    assert decision.article_id is None  # nothing was shown from it


async def test_none_of_these_opens_a_ticket_about_that_question(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, AMBIGUOUS)
        choices = await reply(fake, user.id, 1)
        press = fake.user_presses_button(user, choices, "هیچ‌کدام")
        told = await reply(fake, user.id, 2)
        await fake.wait_for_answer_async(press)  # the button stops spinning
        fake.user_sends_text(user, "/human")  # asking again while the ticket is open
        reminded = await reply(fake, user.id, 3)
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert "#۱" in (told.text or "")
    assert (ticket.reason, ticket.question) == ("not_helpful", AMBIGUOUS)
    assert len(ticket.tried) >= 2
    assert fake.message(user.id, choices.message_id).button_texts == []
    assert "#۱" in (reminded.text or "") and "باز است" in (reminded.text or "")


async def test_a_person_button_forged_from_another_customers_question_does_not_carry_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        choices, other, greeting = await _choices_and_a_stranger(fake)
        fake.user_presses(other, greeting, choices.callback_data("هیچ‌کدام"), check=False)
        await fake.wait_for_async(lambda: len(fake.topics()) == 1, timeout=10, what="a topic")
        await settled(bot, fake)
        (ticket,) = await bot.rows(Ticket)
    assert ticket.customer_id == other.id
    assert ticket.question != AMBIGUOUS and ticket.reason == "asked"  # nothing of the owner's


async def test_greeting_and_thanks_are_answered_without_a_ticket(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "سلام")
        fake.user_sends_text(user, "خیلی ممنون")
        hello, thanks = await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert "سلام" in (hello.text or "")
    assert "خواهش" in (thanks.text or "")
    assert tickets == []


async def test_a_closing_word_or_an_emoji_alone_gets_a_word_back_not_a_ticket(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    said = {
        "👍": texts.SMALL_TALK_THANKS,
        "باشه ممنون": texts.SMALL_TALK_OK,
        "متوجه شدم": texts.SMALL_TALK_OK,
        "خداحافظ": texts.SMALL_TALK_BYE,
        # Everyday Persian courtesy, each of which used to open a ticket.
        "سلام وقتتون بخیر، خسته نباشید": texts.SMALL_TALK_GREETING,
        "دستتون درد نکنه": texts.SMALL_TALK_THANKS,
        "مشکلم حل شد": texts.SMALL_TALK_OK,  # no answer asked whether it helped
        "موفق باشید": texts.SMALL_TALK_BYE,
        "مرسی عزیزم": texts.SMALL_TALK_THANKS,
        "سوالی ندارم": texts.SMALL_TALK_BYE,
        "😐": texts.EMPTY_QUESTION,
        "؟؟": texts.EMPTY_QUESTION,
        "\u3164": texts.EMPTY_QUESTION,  # the Hangul filler: a "blank" message
    }
    unhurried = settings.model_copy(update={"flood_max_messages": 50})  # thirteen in a row
    async with running_bot(unhurried, fake) as bot:
        user = fake.new_user()
        for text in said:
            fake.user_sends_text(user, text)
            await fake.wait_for_messages_async(user.id, list(said).index(text) + 1)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
        decisions = await bot.rows(KBDecision)
    assert [m.text for m in fake.sent_to(user.id)] == list(said.values())
    assert tickets == [] and fake.topics() == []
    # None of it asked the KB anything: the report counts no questions, none handed off.
    assert decisions == []


async def test_a_bare_no_to_anything_else_is_a_goodbye_not_a_ticket(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «اگر پرسش دیگری دارید، بنویسید», then «نه»: ticket «نه», «no guide for this question»,
    # and an agent asked to answer a no.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        for n, said in enumerate(("ممنون", "نه", "باشه", "نه."), start=1):
            fake.user_sends_text(user, said)
            await reply(fake, user.id, n)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert [m.text for m in fake.sent_to(user.id)] == [
        texts.SMALL_TALK_THANKS,
        texts.SMALL_TALK_BYE,
        texts.SMALL_TALK_OK,
        texts.SMALL_TALK_BYE,
    ]
    assert tickets == [] and fake.topics() == []


async def test_no_thanks_to_anything_else_is_a_goodbye_and_under_an_answer_a_no(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «اگر پرسش دیگری دارید، بنویسید», then «نه ممنون»: ticket #1, «no guide for this question».
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "ممنون")
        invited = await reply(fake, user.id, 1)
        fake.user_sends_text(user, "نه ممنون")
        declined = await reply(fake, user.id, 2)
        assert (invited.text, declined.text) == (texts.SMALL_TALK_THANKS, texts.SMALL_TALK_BYE)
        fake.user_sends_text(user, ANSWERED)
        await reply(fake, user.id, 3)
        fake.user_sends_text(user, "نه ممنون")  # under "was this helpful?": it did not
        alternatives = await reply(fake, user.id, 4)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
        feedback = await bot.rows(Feedback)
    assert alternatives.text in (texts.NOT_HELPFUL_ALTERNATIVES, texts.NOT_HELPFUL_ONE_ALTERNATIVE)
    assert [f.helpful for f in feedback] == [False]
    assert tickets == [] and fake.topics() == []


async def test_punctuation_alone_under_guides_waiting_for_a_pick_points_at_them(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # «؟؟؟» right under two lists of guides was asked for the question just given.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, AMBIGUOUS)
        await fake.wait_for_messages_async(user.id, 1)
        fake.user_sends_text(user, "؟؟؟")
        (_, said) = await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
    assert said.text == texts.PICK_OR_WRITE


async def test_messages_the_kb_cannot_read_get_a_helpful_reply(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_photo(user)
        fake.user_sends_voice(user)
        fake.user_sends_sticker(user)  # 👍: thanks, not something to read
        fake.user_sends_document(user)
        fake.user_sends_location(user)
        fake.user_sends_contact(user)
        replies = await fake.wait_for_messages_async(user.id, 6)
        await settled(bot, fake)
        kinds = [m.kind for m in await bot.rows(Message, Message.direction == "in")]
    thumbs_up = replies.pop(2)
    assert (thumbs_up.text, thumbs_up.button_texts) == (texts.SMALL_TALK_THANKS, [])
    assert all("نمی‌توانم بخوانم" in text for text in texts_of(replies))
    assert all(r.button_texts == [texts.SEND_TO_PERSON] for r in replies)
    assert kinds == ["photo", "voice", "sticker", "document", "location", "contact"]
    assert len(fake.sent_to(user.id)) == 6


async def test_help_and_unknown_commands(settings: Settings, fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake):
        user = fake.new_user()
        fake.user_sends_text(user, "/help")
        fake.user_sends_text(user, "/whatever")
        help_text, unknown = await fake.wait_for_messages_async(user.id, 2)
    assert "/human" in (help_text.text or "")
    assert "/help" in (unknown.text or "")


async def test_a_flood_gets_one_notice_then_silence(
    hurried: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(hurried, fake) as bot:
        user = fake.new_user()
        for _ in range(9):
            fake.user_sends_text(user, ANSWERED)
        await settled(bot, fake)
        logged = await bot.rows(Message, Message.direction == "in")
    sent = texts_of(fake.sent_to(user.id))
    assert len(sent) == 4
    assert sum("صبر کنید" in text for text in sent) == 1
    assert len(logged) == 9  # every message is still in the log


async def test_banned_users_get_nothing(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    listed = fake.new_user("ممنوع")
    flagged = fake.new_user("مسدود")
    settings = make_settings(fake, database_url, kb_dir, banned_user_ids=frozenset({listed.id}))
    async with running_bot(settings, fake) as bot:
        fake.user_sends_text(flagged, "/start")
        await fake.wait_for_messages_async(flagged.id, 2)

        async def ban(session):  # type: ignore[no-untyped-def]
            from storage.repositories import set_customer_banned

            await set_customer_banned(session, user_id=flagged.id, banned=True)

        await bot.db(ban)
        fake.user_sends_text(listed, UNKNOWN)
        fake.user_sends_text(flagged, UNKNOWN)
        fake.user_sends_photo(flagged)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
        listed_log = await bot.rows(Message, Message.customer_id == listed.id)
    assert fake.sent_to(listed.id) == []
    assert len(fake.sent_to(flagged.id)) == 2  # only the greeting from before the ban
    assert tickets == []
    assert listed_log == []


async def test_updates_without_a_customer_message_are_survived(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_blocks_bot(user)  # my_chat_member
        fake.user_unblocks_bot(user)
        fake.inject(
            "channel_post",
            {"message_id": 1, "date": 1, "chat": {"id": -1009, "type": "channel"}, "text": "x"},
        )
        fake.inject(
            "message",
            {
                "message_id": 77,
                "date": 1,
                "chat": {"id": user.id, "type": "private", "first_name": "x"},
                "from": {"id": user.id, "is_bot": False, "first_name": "x"},
                "pinned_message": {
                    "message_id": 5,
                    "date": 0,
                    "chat": {"id": user.id, "type": "private"},
                },
            },
        )
        fake.user_sends_text(user, ANSWERED)
        await reply(fake, user.id, 1)
        await settled(bot, fake)

        async def failed(session):  # type: ignore[no-untyped-def]
            from storage.models import InboxUpdate

            return await session.scalar(
                select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status != "done")
            )

        assert await bot.db(failed) == 0
    assert len(fake.sent_to(user.id)) == 1


async def test_kb_edits_are_picked_up_while_running(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    settings = make_settings(
        fake, database_url, kb_dir, kb_reload_interval=0.1, flood_max_messages=1000
    )
    article = kb_dir / "account" / "password-reset.md"
    async with running_bot(settings, fake):
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        assert (await reply(fake, user.id, 1)).text.startswith(ANSWER_TITLE)  # type: ignore[union-attr]
        article.write_text(
            article.read_text(encoding="utf-8").replace(
                "title: بازیابی رمز عبور", "title: بازیابی گذرواژه"
            ),
            encoding="utf-8",
        )
        for count in range(2, 60):  # the watcher looks every 0.1 s, then rebuilds the index
            fake.user_sends_text(user, ANSWERED)
            answer = await reply(fake, user.id, count)
            if (answer.text or "").startswith("بازیابی گذرواژه"):
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError("the edited article was never served")


SAMPLE_KB = Path(__file__).resolve().parents[2] / "kb" / "articles"


async def test_a_question_in_other_words_gets_its_article_not_a_wait(
    fake_telegram: FakeTelegram, database_url: str
) -> None:
    fake = fake_telegram
    settings = make_settings(fake, database_url, SAMPLE_KB)
    # The bot answers by words until the sample KB's ~400 texts are encoded (24 s cold on this
    # 2-core machine); with the vectors stored, as after any earlier start, by meaning at once.
    await asyncio.to_thread(KBSettings().knowledge_base, SAMPLE_KB)
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        # None of the words of the session-timeout article: only its meaning matches.
        question = "یه فرم طولانی نوشتم رفتم ناهار برگشتم دیدم سیستم منو بیرون انداخته"
        fake.user_sends_text(user, question)
        choices = await reply(fake, user.id, 1)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert choices.button_texts[0] == "خروج خودکار از پرتال پس از مدتی بی‌کاری"
    assert tickets == []


class GatedEncoder(WordsEncoder):
    """Holds every encoding until `gate` is set."""

    name = "test-gated"

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.on_the_event_loop = False  # the bot's event loop runs in the main thread here

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if threading.current_thread() is threading.main_thread():
            self.on_the_event_loop = True
        if not self.gate.wait(timeout=60):
            raise TimeoutError("the test never opened the gate")
        return super().encode(texts)


async def test_customers_are_answered_while_the_kb_is_still_being_encoded(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    encoder = GatedEncoder()
    monkeypatch.setattr(kb.settings, "load_encoder", lambda: encoder)
    monkeypatch.setattr(kb.service, "ENCODE_BEFORE_SERVING", 0)  # the small KB plays a large one
    monkeypatch.setenv("KB_EMBEDDING_CACHE", str(tmp_path / "vectors.sqlite3"))
    settings = make_settings(fake, database_url, kb_dir)
    caplog.set_level(logging.INFO, logger="kb.service")
    async with running_bot(settings, fake):
        user = fake.new_user()
        fake.user_sends_text(user, ANSWERED)
        answer = await reply(fake, user.id, 1)
        assert (answer.text or "").startswith(ANSWER_TITLE)
        assert encoder.encoded == []  # answered before a single article was encoded

        encoder.gate.set()
        for count in range(2, 40):  # once the vectors are in, questions are encoded too
            fake.user_sends_text(user, ANSWERED)
            await reply(fake, user.id, count)
            if embedding_text(ANSWERED) in encoder.encoded:
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError("the KB never started matching by meaning")
    assert ANSWER_TITLE in encoder.encoded
    assert "matching by meaning is ready" in caplog.text
    assert not encoder.on_the_event_loop  # no customer waits while another's question encodes


async def test_a_typed_yes_after_a_restart_still_takes_the_buttons_off_the_answer(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # The id of the message under an answer waits for the next commit; a clean stop had
    # none, so after the restart «بله» left 👍/👎 under the answer.
    fake = fake_telegram
    user = fake.new_user("مریم")
    async with running_bot(settings, fake) as bot:
        fake.user_sends_text(user, ANSWERED)
        (answer,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
    async with running_bot(settings, fake) as bot:
        fake.user_sends_text(user, "بله")
        await fake.wait_for_messages_async(user.id, 2)
        await settled(bot, fake)
    assert fake.message(user.id, answer.message_id).callback_datas == []


MENU = texts.categories_prompt(0, 1)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("دسته‌ها", MENU), ("دسته ها", MENU), ("منو", MENU), ("شروع", MENU), ("start", MENU),
     ("Menu", MENU), ("راهنما", plain_text(texts.HELP))],
)  # fmt: skip
async def test_the_menu_or_help_typed_by_hand_shows_it_not_a_ticket(
    settings: Settings, fake_telegram: FakeTelegram, typed: str, shown: str
) -> None:
    # The KB finds nothing in «منو»: typed rather than pressed, it opened a ticket at once.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, typed)
        (reply,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert reply.text == shown
    assert bool(reply.callback_datas) == (shown == MENU)  # the categories, as buttons
    assert tickets == []


async def test_a_digit_typed_after_moving_on_to_the_menu_picks_no_old_guide(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    # Guides offered, then /start and a category opened: «۲» sent the second of the guides
    # offered before, not what was on screen; and a «۲» with nothing to pick opened a ticket.
    fake = fake_telegram
    async with running_bot(settings, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, AMBIGUOUS)
        (offer,) = await fake.wait_for_messages_async(user.id, 1)
        await settled(bot, fake)
        assert offer.callback_datas  # the guides, as buttons
        fake.user_sends_text(user, "/start")
        await fake.wait_for_messages_async(user.id, 3)  # the greeting and the categories
        await settled(bot, fake)
        fake.user_sends_text(user, "۲")
        await fake.wait_for_messages_async(user.id, 4)
        await settled(bot, fake)
        tickets = await bot.rows(Ticket)
    assert fake.sent_to(user.id)[-1].text == texts.NOTHING_TO_PICK
    assert tickets == [] and fake.topics() == []


async def test_a_flood_of_button_presses_gets_one_notice_then_silence(
    hurried: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(hurried, fake) as bot:
        user = fake.new_user()
        fake.user_sends_text(user, "/start")
        _, menu = await fake.wait_for_messages_async(user.id, 2)
        for _ in range(9):  # each press of a category sends its list anew
            fake.user_presses_button(user, menu, "حساب کاربری")
        await settled(bot, fake)
    lists = fake.sent_to(user.id)[2:]
    toasts = [(query.answer or {}).get("text") or "" for query in fake.callback_answers()]
    assert len(lists) == 3  # then the presses are answered, but send nothing
    assert sum("صبر کنید" in toast for toast in toasts) == 1
    assert all(query.answered for query in fake.callback_answers())


async def test_a_flood_of_edits_gets_one_notice_then_silence(
    hurried: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(hurried, fake) as bot:
        user = fake.new_user()
        asked = fake.user_sends_text(user, ANSWERED)
        await fake.wait_for_messages_async(user.id, 1)
        for turn in range(9):  # each edit makes it another question, answered anew
            fake.user_edits(asked, "حسابم قفل شده" if turn % 2 == 0 else ANSWERED)
        await settled(bot, fake)
    sent = texts_of(fake.sent_to(user.id))[1:]
    assert sum("صبر کنید" in text for text in sent) == 1
    assert len(sent) <= 4
