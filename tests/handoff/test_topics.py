"""Topic names: readable, never empty, always within Telegram's 128 characters."""

from __future__ import annotations

import unicodedata

import pytest

from handoff.topics import TOPIC_NAME_MAX, topic_name


def test_topic_name_has_number_customer_and_start_of_question() -> None:
    name = topic_name(12, "علی", "رمزم را فراموش کرده‌ام و نمی‌توانم وارد حساب کاربری خودم شوم")

    assert name.startswith("#۱۲ · علی\u200f · رمزم را فراموش")
    assert name.endswith("…")


def test_short_question_is_kept_whole() -> None:
    assert topic_name(3, "مریم", "VPN وصل نمی‌شود") == "#۳ · مریم\u200f · VPN وصل نمی‌شود"


@pytest.mark.parametrize(
    ("customer", "question"), [("Sara", "VPN وصل نمی‌شود"), ("John Smith", ""), ("😀 Sara", "سلام")]
)
def test_a_latin_name_leaves_the_topic_name_right_to_left(customer: str, question: str) -> None:
    # «#۳ · Sara · VPN وصل نمی‌شود» began with a Latin letter, so the topic list laid it out
    # left to right, its number on the left, unlike every Persian-named topic around it.
    name = topic_name(3, customer, question)

    assert name.startswith("\u200f#۳ · ")
    assert _first_strong_direction(name) == "R"


def test_a_persian_name_needs_no_mark_first() -> None:
    assert topic_name(3, "مریم", "VPN").startswith("#۳ · مریم")
    assert topic_name(3, "Sara", "", mark="⬆️ سطح ۲ · ").startswith("⬆️ سطح ۲ · #۳ · Sara")


def _first_strong_direction(text: str) -> str | None:
    for char in text:
        if (direction := unicodedata.bidirectional(char)) in ("L", "R", "AL"):
            return direction
    return None


def test_a_latin_name_and_a_latin_start_of_the_question_stay_in_their_places() -> None:
    # «#۹ · علی Ahmadi · Outlook باز نمیشه…» showed «Outlook · Ahmadi» in the topic list: the
    # name's end and the question's start were one left-to-right run. A right-to-left mark
    # after the name splits them, as on the card and in /tickets.
    name = topic_name(9, "علی Ahmadi", "Outlook باز نمیشه error 0x800CCC0E")

    assert name == "#۹ · علی Ahmadi\u200f · Outlook باز نمیشه error 0x800CCC0E"


def test_customer_text_cannot_break_the_name_onto_lines_or_reorder_it() -> None:
    name = topic_name(4, "علی\n\u202eرضا", "سلام\n\nکمک\x00 لازم دارم")

    assert name == "#۴ · علی رضا\u200f · سلام کمک لازم دارم"


@pytest.mark.parametrize(
    ("customer", "question", "expected"),
    [
        ("", "", "#۷ · مشتری"),
        (None, None, "#۷ · مشتری"),
        ("\u200f\n ", "  ", "#۷ · مشتری"),
        ("علی", "\n", "#۷ · علی"),
    ],
)
def test_topic_name_is_never_empty(
    customer: str | None, question: str | None, expected: str
) -> None:
    assert topic_name(7, customer, question) == expected


@pytest.mark.parametrize(
    ("customer", "question"),
    [
        ("ب" * 500, "پ" * 500),
        ("😀" * 200, "👍" * 200),
        ("👨‍👩‍👧‍👦" * 40, "🇮🇷" * 100),
    ],
)
def test_topic_name_fits_telegrams_limit_even_with_emoji(customer: str, question: str) -> None:
    name = topic_name(2**31 - 1, customer, question)

    # Counted here, not with handoff's own utf16_len: the limit is Telegram's.
    assert 1 <= len(name.encode("utf-16-le")) // 2 <= TOPIC_NAME_MAX
    assert name.startswith("#۲۱۴۷۴۸۳۶۴۷ · ")


@pytest.mark.parametrize(
    ("customer", "question"), [("ب" * 500, "پ" * 500), ("😀" * 200, "👍" * 200)]
)
def test_a_second_line_topic_keeps_its_mark_within_the_limit(customer: str, question: str) -> None:
    name = topic_name(2**31 - 1, customer, question, mark="⬆️ سطح ۲ · ")
    assert 1 <= len(name.encode("utf-16-le")) // 2 <= TOPIC_NAME_MAX
    assert name.startswith("⬆️ سطح ۲ · #۲۱۴۷۴۸۳۶۴۷ · ")
