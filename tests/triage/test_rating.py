"""A rating typed as a digit after a close counts as the pressed button would."""

import pytest

from triage.rating import rating_and_comment, typed_rating


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("۵", 5),
        ("1", 1),
        (" ٣ ", 3),
        ("۴ از ۵", 4),
        ("5/5", 5),
        ("۲!", 2),
        ("پنج", 5),  # in words
        ("چهار از پنج", 4),
        ("۵ ستاره", 5),
        ("⭐⭐⭐⭐", 4),  # stars, as some rate anywhere
        ("⭐️⭐️⭐️", 3),
        ("🌟", 1),
        ("۵ ممنون", 5),  # with thanks, or a word on how it went
        ("۵، خیلی ممنون", 5),
        ("عالی بود ۵", 5),
        ("امتیاز ۵", 5),
        ("امتیازم ۴ از ۵ هست", 4),
        ("بد بود ۱", 1),
        ("مرسی مشکلم حل شد ۵", 5),
    ],
)
def test_a_digit_from_one_to_five_is_a_rating(text: str, rating: int) -> None:
    assert typed_rating(text) == rating


@pytest.mark.parametrize(
    "text",
    [
        "۰",
        "۶",
        "۱۲۳۴۵",
        "۵ تا فایل",
        "عالی",
        "",
        "10",
        "⭐⭐⭐⭐⭐⭐",
        "⭐ ممنون",
        "دو تا سوال دارم",
        "۵ تا فایل دارم، ممنون",
        "ممنون، ۲ تا سوال دیگه دارم",
        "سلام ۵",  # a greeting with a number is not a rating
        "۴ یا ۵",
        "پنجشنبه ممنون",
        # a digit that counts something, with or without thanks
        "۲ تا فایل آپلود نمیشه",
        "ممنون ۵ تا فایل",
        "۲ کاربر نمیتونن وارد بشن",
        "نسخه ۵ رو نصب کردم",
        "گزینه ۳",
        "هنوز ۲ تا مشکل دارم",
        "2 ta file",
    ],
)
def test_anything_else_is_not_a_rating(text: str) -> None:
    assert typed_rating(text) is None


@pytest.mark.parametrize(
    ("text", "rating", "comment"),
    [
        ("۳ ولی دیر جواب دادید", 3, "ولی دیر جواب دادید"),
        ("۵ مرسی از کارشناستون", 5, "مرسی از کارشناستون"),
        ("۵ ممنون از پیگیری", 5, "ممنون از پیگیری"),
        ("۲، کارشناس دیر جواب داد", 2, "کارشناس دیر جواب داد"),
        ("مرسی از کارشناستون، ۵", 5, "مرسی از کارشناستون"),
        ("۵ ستاره ممنون از پیگیری", 5, "ممنون از پیگیری"),
        ("۵ ممنون", 5, ""),  # thanks alone is no comment
    ],
)
def test_a_score_opening_or_closing_a_comment_is_a_rating(
    text: str, rating: int, comment: str
) -> None:
    assert rating_and_comment(text) == (rating, comment)
    assert typed_rating(text) == rating


@pytest.mark.parametrize(("text", "rating"), [("mk[", 5), ("5 setare", 5), ("panj", 5)])
def test_a_rating_in_finglish_or_on_an_english_layout_is_read(text: str, rating: int) -> None:
    assert typed_rating(text) == rating
