"""Mining the questions customers asked for what the KB could not answer (kb.gaps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kb.article import Article
from kb.gaps import Asked, Sent, mine
from tests.kb.encoders import WordsEncoder

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ARTICLES = [
    Article(
        id="password-reset",
        title="بازیابی رمز عبور",
        body="از صفحهٔ ورود روی «فراموشی رمز» بزنید.",
        questions=("رمزم را فراموش کرده‌ام",),
    ),
    Article(id="report-export", title="خروجی گرفتن از گزارش‌ها", body="روی «خروجی اکسل» بزنید."),
]


def handed_off(question: str, customer: int = 1, minutes: int = 0, **extra: object) -> Asked:
    return Asked(question, "handoff", customer, T0 + timedelta(minutes=minutes), **extra)  # type: ignore[arg-type]


def not_a_question(text: str) -> bool:
    return text in {"سلام", "با کارشناس صحبت کنم"}


def test_unanswered_questions_are_grouped_and_the_most_asked_come_first() -> None:
    asked = [
        handed_off("قیمت دلار امروز چنده", customer=1),
        handed_off("قیمت دلار امروز چنده؟", customer=2, minutes=5),
        handed_off("قیمت  دلار امروز چند است", customer=2, minutes=9),
        handed_off("اپلیکیشن موبایل دارید", customer=3, minutes=1),
        handed_off("سلام", customer=4),
        handed_off("با کارشناس صحبت کنم", customer=4),
    ]

    gaps = mine(asked, [], ARTICLES, ignore=not_a_question)

    assert gaps.questions == 4  # the greeting and the request for a person are not questions
    first, second = gaps.unanswered
    assert first.question == "قیمت دلار امروز چنده"
    assert (first.asked, first.customers, first.last) == (3, 2, T0 + timedelta(minutes=9))
    assert set(first.variants) == {"قیمت  دلار امروز چند است"}  # «چنده؟» is the same words
    assert (second.question, second.asked, second.variants) == ("اپلیکیشن موبایل دارید", 1, ())


def test_grouping_by_meaning_uses_the_sentence_vectors_when_given() -> None:
    asked = [
        handed_off("دلار امروز", customer=1),
        handed_off("امروز دلار", customer=2),  # same words, other order
        handed_off("طلا فردا", customer=3),
    ]

    gaps = mine(asked, [], ARTICLES, vectors=WordsEncoder().encode)

    assert [(g.question, g.asked) for g in gaps.unanswered] == [("امروز دلار", 2), ("طلا فردا", 1)]


def test_an_article_reached_by_a_pick_or_by_an_agent_offers_the_question_as_a_phrasing() -> None:
    asked = [
        Asked("پسوردمو یادم رفته", "suggest", 1, T0, shown="password-reset"),
        Asked("پسوردمو یادم رفته", "suggest", 2, T0 + timedelta(hours=1), shown="password-reset"),
        # Picked, then said it did not help: not a wording of that article.
        Asked("رمز ایمیل سازمانی", "suggest", 3, T0, shown="password-reset", helpful=False),
        # Offered choices and took none: unanswered.
        Asked("اکسل گزارش خالی است", "suggest", 4, T0, top="report-export", top_score=0.3),
        handed_off("خروجی پی دی اف", customer=5),
    ]
    sent = [Sent("خروجی پی دی اف", "report-export", 5, T0 + timedelta(hours=2))]

    gaps = mine(asked, sent, ARTICLES)

    phrasings = {(p.article_id, p.question): (p.asked, p.via) for p in gaps.phrasings}
    assert phrasings == {
        ("password-reset", "پسوردمو یادم رفته"): (2, frozenset({"picked"})),
        ("report-export", "خروجی پی دی اف"): (1, frozenset({"agent"})),
    }
    # The agent's article answered «خروجی پی دی اف»: a phrasing to add, not an article to write.
    assert [g.question for g in gaps.unanswered] == ["اکسل گزارش خالی است"]
    assert (gaps.unanswered[0].top, gaps.unanswered[0].top_score) == ("report-export", 0.3)


def test_an_article_picked_after_an_answer_did_not_help_offers_the_question_to_it() -> None:
    # Answered with report-export, 👎, then report-export's alternative password-reset picked
    # (the bot records the pick as another row of the same "answer" decision).
    asked = [
        Asked("ایمیلم باز نمیشه", "answer", 1, T0, top="report-export", shown="report-export",
              helpful=False),
        Asked("ایمیلم باز نمیشه", "answer", 1, T0, top="report-export", shown="password-reset",
              helpful=True),
        # Answered and left at that: nothing was picked.
        Asked("اکسل گزارش", "answer", 2, T0, top="report-export", shown="report-export"),
    ]  # fmt: skip

    phrasings = [(p.article_id, p.question, p.via) for p in mine(asked, [], ARTICLES).phrasings]

    assert phrasings == [("password-reset", "ایمیلم باز نمیشه", frozenset({"picked"}))]


def test_a_wording_an_article_already_has_is_not_offered_again() -> None:
    asked = [
        Asked("رمزم را فراموش كرده ام", "suggest", 1, T0, shown="password-reset"),
        # Another article's title: added here too, it would answer neither for certain.
        Asked("خروجی گرفتن از گزارش ها", "suggest", 2, T0, shown="password-reset"),
    ]

    assert mine(asked, [], ARTICLES).phrasings == ()  # Arabic kaf, no half-space: same words


def test_what_the_current_kb_answers_is_left_out_and_counted() -> None:
    asked = [
        handed_off("قیمت دلار امروز چنده"),
        handed_off("ساعت کاری پشتیبانی"),
        Asked("پسوردمو یادم رفته", "suggest", 1, T0, shown="password-reset"),
        Asked("گزارش اکسل", "suggest", 1, T0, shown="report-export"),
    ]
    answered_now = {("ساعت کاری پشتیبانی", None), ("پسوردمو یادم رفته", "password-reset")}

    gaps = mine(asked, [], ARTICLES, still_open=lambda q, a: (q, a) not in answered_now)

    assert [g.question for g in gaps.unanswered] == ["قیمت دلار امروز چنده"]
    assert gaps.now_answered == 1
    assert [p.question for p in gaps.phrasings] == ["گزارش اکسل"]


def test_answers_said_not_to_help_are_listed_by_article_with_the_questions() -> None:
    asked = [
        Asked("خروجی اکسل خالیه", "answer", 1, T0, shown="report-export", helpful=False),
        Asked(
            "اکسل گزارش باز نمیشه",
            "answer",
            2,
            T0 + timedelta(1),
            shown="report-export",
            helpful=False,
        ),
        Asked("گزارش اکسل", "answer", 3, T0, shown="report-export", helpful=True),
        Asked("رمزم یادم رفته", "answer", 4, T0, shown="password-reset", helpful=True),
        Asked("گزارش", "answer", 5, T0, shown="report-export"),  # no verdict
    ]

    (entry,) = mine(asked, [], ARTICLES).unhelpful

    assert (entry.article_id, entry.no, entry.verdicts) == ("report-export", 2, 3)
    assert entry.questions == ("اکسل گزارش باز نمیشه", "خروجی اکسل خالیه")  # latest first


def test_articles_no_longer_in_the_kb_are_named_not_offered() -> None:
    asked = [
        Asked("قبض برق", "suggest", 1, T0, shown="electricity-bill"),
        # Said not to help: one article since deleted, one still there.
        Asked("وام مسکن", "answer", 3, T0, shown="loan-old", helpful=False),
        Asked("خروجی اکسل خالیه", "answer", 4, T0, shown="report-export", helpful=False),
    ]
    sent = [Sent("قطعی برق", "outage-old", 2, T0)]

    gaps = mine(asked, sent, ARTICLES)

    assert gaps.phrasings == ()
    assert gaps.gone == {"electricity-bill", "outage-old", "loan-old"}


def test_long_messages_are_not_offered_as_phrasings_and_empty_ones_are_skipped() -> None:
    story = "سلام وقت بخیر " + "من دیروز گزارش گرفتم ولی " * 20
    asked = [
        Asked(story, "suggest", 1, T0, shown="report-export"),
        handed_off("   "),
        handed_off("😀"),
    ]

    gaps = mine(asked, [], ARTICLES)

    assert gaps.phrasings == () and gaps.unanswered == ()
    assert gaps.questions == 1


def test_a_tickets_question_in_the_bots_brackets_is_not_offered_as_a_wording() -> None:
    # Asked for a person under a browsed guide, the customer wrote nothing: the bot's note.
    note = "(پس از خواندن راهنمای «بازیابی رمز عبور» گفتگو با کارشناس را خواست؛ پرسشی ننوشت)"
    sent = [Sent(note, "report-export", 1, T0), Sent("خروجی پی دی اف", "report-export", 2, T0)]

    phrasings = [(p.article_id, p.question) for p in mine([], sent, ARTICLES).phrasings]

    assert phrasings == [("report-export", "خروجی پی دی اف")]
