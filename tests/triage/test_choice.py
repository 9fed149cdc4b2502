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
    ],
)
def test_a_typed_place_among_the_choices_is_a_pick(text: str, position: int) -> None:
    assert typed_choice(text) == position


@pytest.mark.parametrize(
    "text", ["۴", "۱۲", "دومین گزارش ماه", "اول صبح وصل نمیشه", "", "گزینه", "یکی"]
)
def test_anything_else_is_not_a_pick(text: str) -> None:
    assert typed_choice(text) is None
