"""A typed «بله» or «نه» is read as the answer to the bot's yes-or-no question."""

import pytest

from triage.yesno import yes_or_no


@pytest.mark.parametrize(
    "text",
    [
        "بله",
        "آره",
        "اره",
        "بله ممنون",
        "بله، همین",
        "yes",
        "دقیقا",
        "مفید بود",
        "بله خیلی ممنون مفید بود",
        "آره کمک کرد",
        "همینو می‌خواستم",
        "آرهههه",
        "کمکم کرد",  # «کمک کرد» with «م»
    ],
)
def test_yes(text: str) -> None:
    assert yes_or_no(text) == "yes"


@pytest.mark.parametrize(
    "text",
    [
        "نه",
        "نخیر",
        "نه، کمک نکرد",
        "نه اصلا",
        "no",
        "نه ممنون",
        "کمکی نکرد",
        "به دردم نخورد",
        "جواب نداد",
        "نه فایده نداشت",
        "نه، منظورم این نبود",
        "مشکلم حل نشد",
        "نه هنوز مشکل دارم",
        "نههههه",
        "هیچکدوم",
        "هیچ‌کدام",
        "کار نکرد",  # what customers write when the steps did not work
        "این کار نکرد",
        "نشد",
        "بازم نشد",
        "نه هنوز",
        "نه، این جواب سوال من نبود",
        # read as questions before: which one, a shrug, a «but», «مشکل» without «م»
        "نه اون نه",
        "این نبود",
        "نه بابا",
        "ممنون ولی کار نکرد",
        "مشکل حل نشد",
        "کمکم نکرد",
    ],
)
def test_no(text: str) -> None:
    assert yes_or_no(text) == "no"


@pytest.mark.parametrize(
    "text",
    [
        "نه رمزم هنوز کار نمیکنه",  # a «no» with a question: the KB reads it
        "بله ولی وصل نمیشه",
        "سلام",
        "باشه",
        "",
        "بله بله بله بله بله",  # too long to be only an answer
        "کمک کرد ولی وصل نمیشه",
        "جواب ندادید",  # a complaint about the agents, not an answer
        "پرداخت انجام شد ولی فاکتور نیومد",
        "پرداخت نشد",  # a problem of its own, for the KB
        "ورود انجام نشد",
        "چاپگر کار نکرد",
        "هنوز",
        "بله ولی",
    ],
)
def test_anything_more_is_not_a_bare_answer(text: str) -> None:
    assert yes_or_no(text) is None


@pytest.mark.parametrize("text", ["درسته؟", "بله؟", "نه؟", "کمک کرد?", "حل نشد؟"])
def test_a_yes_or_no_asked_is_not_an_answer(text: str) -> None:
    assert yes_or_no(text) is None


@pytest.mark.parametrize(
    ("text", "answer"),
    [("bale", "yes"), ("are komak kard", "yes"), ("na", "no"), ("na mersi", "no")],
)
def test_an_answer_typed_in_finglish_is_read(text: str, answer: str) -> None:
    assert yes_or_no(text) == answer
