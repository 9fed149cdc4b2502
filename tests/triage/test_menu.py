"""The words customers type for the bot's menu or its help, read alike by the bot and `kb ask`."""

import pytest

from triage.menu import menu_word


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("منو", "menu"),
        ("📚 دسته‌ها", "menu"),  # the keyboard's button, typed
        ("دسته ها", "menu"),
        ("دسته‌بندی", "menu"),
        ("فهرست!", "menu"),
        ("Menu", "menu"),
        ("راهنما", "help"),
        ("راهنما؟", "help"),
        ("HELP", "help"),
        ("rahnama", "help"),
        ("منوی برنامه کجاست", None),  # a question about a menu
        ("راهنمای ورود به پورتال", None),
        ("۲", None),
        ("", None),
    ],
)
def test_menu_and_help_words(text: str, word: str | None) -> None:
    assert menu_word(text) == word


def test_the_bots_filters_are_built_from_the_same_words() -> None:
    from bot.handlers import browse
    from triage.person import fold

    assert {fold(word) for word in ("منو", "📚 دسته‌ها", "start")} <= browse.MENU_WORDS.words
    assert browse.HELP_WORDS.words == {fold("راهنما"), "help", "rahnama"}
