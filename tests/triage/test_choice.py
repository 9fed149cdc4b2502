"""A guide picked by typing its place among the choices, as a press on its button."""

import pytest

from triage.choice import typed_choice


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("اولی", 1),
        ("۱", 1),
        ("همون اولی", 1),
        ("دومی", 2),
        ("2", 2),
        ("گزینه‌ی دوم", 2),
        ("اولی رو می‌خوام", 1),
        ("سومی لطفا", 3),
        ("گزینه ۳", 3),
        # in Finglish, and on an English keyboard layout («اولی», «دومی»)
        ("dovomi", 2),
        ("avali", 1),
        ("h,gd", 1),
        ("n,ld", 2),
        # with a word of thanks or choosing
        ("دومی مرسی", 2),
        ("اولی بهتره", 1),
        ("اولی رو بزن", 1),
        ("منظورم دومی بود", 2),
        ("۲ ممنون", 2),
        # other forms, and a number word alone
        ("اولین", 1),
        ("دومین", 2),
        ("اولیو", 1),
        ("دومیشو", 2),
        ("یک", 1),
        ("دو", 2),
        ("سه", 3),
    ],
)
def test_a_typed_place_among_the_choices_is_a_pick(text: str, position: int) -> None:
    assert typed_choice(text) == position


@pytest.mark.parametrize(
    "text",
    [
        "۴",
        "۱۲",
        "دومین گزارش ماه",
        "اول صبح وصل نمیشه",
        "",
        "گزینه",
        "یکی",
        # a number inside a question is never a pick
        "۲ تا فایل دارم که آپلود نمیشه",
        "خطای ۴۰۳",
        "۲ تا فایل",
        "سه روزه وصل نمیشه",
        "دو تا",
        "اولین بار",
        "اولی یا دومی",
        "دومی چی بود",
        # Latin words that are no pick
        "do",
        "se",
        "ok",
        "hi",
    ],
)
def test_anything_else_is_not_a_pick(text: str) -> None:
    assert typed_choice(text) is None
