"""Buttons carry compact callback data (≤ 64 bytes) and forged data is refused."""

import pytest

from bot import keyboards, texts
from kb.article import Article
from kb.decision import Hit

LONGEST_ID = "a" * 48
LONG_NAME = "دسته‌ای با نامی بسیار بسیار طولانی برای آزمودن محدودیت شصت و چهار بایت"


def all_data(markup) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.callback_data for row in markup.inline_keyboard for b in row]


def test_every_callback_fits_telegram_limit() -> None:
    big = 10**18 - 1  # a 64-bit decision id
    biggest_ticket = 10**9 - 1  # ticket ids are 32-bit
    markups = [
        keyboards.categories([LONG_NAME, "شبکه"]),
        keyboards.categories([f"{LONG_NAME} {i}" for i in range(90)], page=1),  # both ways
        keyboards.articles(
            [Article(f"{i:0>48}", "عنوان " * 30, "متن") for i in range(50)],
            keyboards.category_key(LONG_NAME),
            page=1,  # buttons to the pages before and after
        ),
        keyboards.helpful(big),
        keyboards.suggestions(big, [(2, Hit(LONGEST_ID, "عنوان", 0.5))]),
        keyboards.person_only(big),
        keyboards.ticket_card(biggest_ticket),
        keyboards.rating(biggest_ticket),
    ]
    for markup in markups:
        for data in all_data(markup):
            assert len(data.encode("utf-8")) <= 64
            assert keyboards.parse(data) is not None, data


def test_category_button_finds_its_category_again() -> None:
    data = all_data(keyboards.categories([LONG_NAME]))[0]
    assert data == f"c:{keyboards.category_key(LONG_NAME)}"


@pytest.mark.parametrize(
    "data",
    [
        *("", "x", "f:1:2", "f:abc:1", "s:1", "a:../etc", "c:nothex!!!", "t:claim:", None),
        *("r:99999999999:5", "t:claim:12345678901"),  # past a 32-bit ticket id
    ],
)
def test_forged_or_malformed_data_is_refused(data: str | None) -> None:
    assert keyboards.parse(data) is None


def test_parsed_fields() -> None:
    pressed = keyboards.parse("s:12:2")
    assert pressed is not None
    assert (pressed.kind, pressed.int_field(0), pressed.int_field(1)) == ("s", 12, 2)


def test_the_rating_keyboard_offers_five_down_to_one_in_persian_digits() -> None:
    (row,) = keyboards.rating(12).inline_keyboard

    assert [(b.text, b.callback_data) for b in row] == [
        ("۵", "r:12:5"), ("۴", "r:12:4"), ("۳", "r:12:3"), ("۲", "r:12:2"), ("۱", "r:12:1"),
    ]  # fmt: skip


def test_the_card_buttons_say_in_persian_what_they_do() -> None:
    titles = [f"مقاله {n}" for n in range(7)]

    first, *tried = keyboards.ticket_card(7, articles=titles).inline_keyboard

    assert [(b.text, b.callback_data) for b in first] == [
        ("✋ برمی‌دارم", "t:claim:7"), ("⬆️ ارجاع به سطح ۲", "t:esc:7"), ("✅ بستن", "t:close:7"),
    ]  # fmt: skip
    # At most the five articles the bot ranked first, each a button that sends it.
    assert [row[0].text for row in tried] == [f"📚 ارسال مقاله: مقاله {n}" for n in range(5)]


def test_categories_come_two_to_a_row_read_right_to_left() -> None:
    rows = keyboards.categories(["حساب", "دسترسی", "گزارش", "اسناد", "قرارداد"]).inline_keyboard

    assert [[b.text for b in row] for row in rows] == [
        ["📂 دسترسی", "📂 حساب"],  # the first on the right, as a Persian reader starts
        ["📂 اسناد", "📂 گزارش"],
        ["📂 قرارداد"],
    ]


def test_a_long_title_is_cut_on_its_button_at_a_word() -> None:
    title = "راه‌اندازی ورود یکپارچه برای سازمان مشتری (SAML و OpenID Connect)"
    (button,) = keyboards.articles([Article("sso", title, "متن")], "k").inline_keyboard[0]
    assert button.text == "راه‌اندازی ورود یکپارچه برای سازمان مشتری (SAML و OpenID…"


def test_page_buttons_read_right_to_left_the_next_page_on_the_left() -> None:
    names = [f"دسته {i}" for i in range(3 * keyboards.CATEGORIES_PER_PAGE)]
    middle = keyboards.categories(names, page=1)
    turn = [button.text for button in middle.inline_keyboard[-1]]
    assert turn == [texts.NEXT_PAGE, texts.PREVIOUS_PAGE]  # ◀️ next, then previous ▶️


def test_one_suggestion_is_declined_with_not_this_one_and_several_with_none_of_these() -> None:
    one = keyboards.suggestions(7, [(0, Hit("vpn", "اتصال وی‌پی‌ان", 0.5))])
    two = keyboards.suggestions(7, [(0, Hit("vpn", "الف", 0.5)), (1, Hit("sso", "ب", 0.4))])
    assert one.inline_keyboard[-1][0].text == texts.NOT_THIS_ONE
    assert two.inline_keyboard[-1][0].text == texts.NONE_OF_THESE
