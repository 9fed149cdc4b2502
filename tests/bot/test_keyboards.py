"""Buttons carry compact callback data (≤ 64 bytes) and forged data is refused."""

import pytest

from bot import keyboards
from kb.article import Article
from kb.decision import Hit

LONGEST_ID = "a" * 48
LONG_NAME = "دسته‌ای با نامی بسیار بسیار طولانی برای آزمودن محدودیت شصت و چهار بایت"


def all_data(markup) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.callback_data for row in markup.inline_keyboard for b in row]


def test_every_callback_fits_telegram_limit() -> None:
    big = 10**18 - 1
    markups = [
        keyboards.categories([LONG_NAME, "شبکه"]),
        keyboards.articles([Article(LONGEST_ID, "عنوان " * 30, "متن")]),
        keyboards.helpful(big),
        keyboards.suggestions(big, [(2, Hit(LONGEST_ID, "عنوان", 0.5))]),
        keyboards.person_only(big),
        keyboards.ticket_card(big),
    ]
    for markup in markups:
        for data in all_data(markup):
            assert len(data.encode("utf-8")) <= 64
            assert keyboards.parse(data) is not None, data


def test_category_button_finds_its_category_again() -> None:
    data = all_data(keyboards.categories([LONG_NAME]))[0]
    assert data == f"c:{keyboards.category_key(LONG_NAME)}"


@pytest.mark.parametrize(
    "data", ["", "x", "f:1:2", "f:abc:1", "s:1", "a:../etc", "c:nothex!!!", "t:claim:", None]
)
def test_forged_or_malformed_data_is_refused(data: str | None) -> None:
    assert keyboards.parse(data) is None


def test_parsed_fields() -> None:
    pressed = keyboards.parse("s:12:2")
    assert pressed is not None
    assert (pressed.kind, pressed.int_field(0), pressed.int_field(1)) == ("s", 12, 2)
