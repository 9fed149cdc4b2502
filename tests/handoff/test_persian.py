"""Persian presentation: digits, Jalali dates in Tehran, durations, cleaned text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handoff.persian import (
    clean_block,
    clean_inline,
    duration,
    fa_digits,
    jalali,
    percent,
    shorten,
    utf16_len,
)


def test_digits_become_persian_whatever_script_they_came_in() -> None:
    assert fa_digits(1403) == "۱۴۰۳"
    assert fa_digits("تیکت 12 و ٣٤") == "تیکت ۱۲ و ۳۴"


def test_jalali_date_is_shown_in_tehran_time() -> None:
    # 2024-08-02 10:00 UTC is 13:30 on 12 Mordad 1403 in Tehran.
    assert jalali(datetime(2024, 8, 2, 10, 0, tzinfo=UTC)) == "۱۲ مرداد ۱۴۰۳، ساعت ۱۳:۳۰"


def test_jalali_date_rolls_over_at_tehran_midnight() -> None:
    # 20:45 UTC on Nowruz eve is already 00:15 on 1 Farvardin 1403 in Tehran.
    assert jalali(datetime(2024, 3, 19, 20, 45, tzinfo=UTC)) == "۱ فروردین ۱۴۰۳، ساعت ۰۰:۱۵"


@pytest.mark.parametrize(
    ("span", "said"),
    [
        (timedelta(seconds=59), "کمتر از یک دقیقه"),
        (timedelta(seconds=89), "۱ دقیقه"),
        (timedelta(minutes=5), "۵ دقیقه"),
        (timedelta(hours=2, minutes=5), "۲ ساعت و ۵ دقیقه"),
        (timedelta(days=3, hours=4, minutes=9), "۳ روز و ۴ ساعت"),
        (-timedelta(minutes=17), "۱۷ دقیقه"),
        # the smallest unit shown is rounded, not cut: these read an hour or a minute short
        (timedelta(hours=44, minutes=59, seconds=59), "۱ روز و ۲۱ ساعت"),
        (timedelta(days=2) - timedelta(seconds=61), "۲ روز"),
        (timedelta(hours=3, minutes=59, seconds=50), "۴ ساعت"),
        (timedelta(minutes=29, seconds=45), "۳۰ دقیقه"),
        (timedelta(hours=23, minutes=59, seconds=40), "۱ روز"),
    ],
)
def test_durations_read_naturally(span: timedelta, said: str) -> None:
    assert duration(span) == said


@pytest.mark.parametrize(
    ("span", "said"),
    [
        (timedelta(hours=36), "۳۶ ساعت"),
        (timedelta(hours=23, minutes=59, seconds=40), "۲۴ ساعت"),
        (timedelta(hours=50, minutes=5), "۵۰ ساعت و ۵ دقیقه"),
        (timedelta(hours=2, minutes=5), "۲ ساعت و ۵ دقیقه"),
    ],
)
def test_open_hours_are_said_in_hours_however_many(span: timedelta, said: str) -> None:
    # 36 of the desk's open hours are four working days: «۱ روز و ۱۲ ساعت» read as one and a half.
    assert duration(span, open_hours=True) == said


def test_scores_show_as_persian_percentages() -> None:
    assert (percent(0.834), percent(1.7), percent(-0.1)) == ("۸۳٪", "۱۰۰٪", "۰٪")


def test_percentages_round_halves_up() -> None:
    # 1 of 8, 29 of 200 (a float a hair under 14.5), 1 of 200: not to the even neighbour.
    assert (percent(1 / 8), percent(29 / 200), percent(1 / 200)) == ("۱۳٪", "۱۵٪", "۱٪")
    assert (percent(3 / 8), percent(0.124)) == ("۳۸٪", "۱۲٪")


def test_inline_text_loses_line_breaks_controls_and_bidi_overrides_but_keeps_zwnj() -> None:
    raw = "  می\u200cخواهم\n\r\t رمز\u202e را\x00 عوض\u2066 کنم  "

    assert clean_inline(raw) == "می\u200cخواهم رمز را عوض کنم"


def test_block_text_keeps_single_line_breaks() -> None:
    assert clean_block("سطر ۱\r\n\n\n\nسطر ۲\x07") == "سطر ۱\n\nسطر ۲"


def test_shortening_cuts_at_a_word_and_marks_it() -> None:
    assert shorten("رمزم را فراموش کرده‌ام", 16) == "رمزم را فراموش…"
    assert shorten("کوتاه", 16) == "کوتاه"
    assert shorten("کوتاه", 5) == "کوتاه"  # exactly at the limit: nothing cut
    assert shorten("کوتاه", 1) == "…"
    assert len(shorten("ب" * 50, 10)) == 10


FAMILY = "👨\u200d👩\u200d👧\u200d👦"


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        ("🇮🇷" * 32, 16, "🇮🇷" * 7 + "…"),  # a flag is two letters: never one left alone
        (FAMILY * 4, 13, FAMILY + "…"),  # a family is joined by ZWJ: whole or not at all
        ("👍🏽" * 5, 6, "👍🏽" * 2 + "…"),  # a skin tone stays with its hand
        ("1️⃣" * 5, 5, "1️⃣…"),  # a keycap: digit, variation selector, enclosing mark
        ("مُحَمَّد", 4, "مُ…"),  # a letter keeps its diacritics
    ],
)
def test_shortening_never_splits_what_a_reader_sees_as_one_character(
    text: str, limit: int, shown: str
) -> None:
    assert shorten(text, limit) == shown


def test_a_name_of_marks_with_nothing_to_sit_on_is_no_name() -> None:
    # U+034F (a combining mark): the card's link to the customer had nothing to tap.
    assert clean_inline("\u034f") == "" and clean_block("\u034f\u0650 \u200d") == ""
    assert clean_inline("\u034fعلی") == "\u034fعلی"


def test_length_is_counted_as_telegram_counts_it() -> None:
    # Telegram's limits are in UTF-16 code units: an emoji outside the BMP counts twice.
    assert utf16_len("رمز") == 3
    assert utf16_len("😀ب") == 3
    assert utf16_len("🇮🇷") == 4


def test_a_name_of_letters_that_draw_nothing_is_no_name() -> None:
    # «ㅤ» (Hangul filler) is the usual "blank" Telegram name: the card says «مشتری» instead.
    assert clean_inline("\u3164") == "" and clean_inline("\u115f\u1160 \uffa0") == ""
    assert clean_inline("علی\u3164رضا") == "علی رضا"
