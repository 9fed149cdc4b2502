"""Words customers type for the bot's menu or its help instead of pressing a button or sending
/start or /help: not questions for the KB, which finds nothing in them (a ticket would open).

The bot's filters (bot.handlers.browse) and `python -m kb ask` / `chat` read them alike.

>>> menu_word("منو")
'menu'
>>> menu_word("📚 دسته‌ها")
'menu'
>>> menu_word("راهنما!")
'help'
>>> menu_word("منوی برنامه کجاست") is None
True
"""

from __future__ import annotations

from typing import Literal

from triage.person import fold

# The main keyboard's «📚 دسته‌ها» folds to «دسته ها» (the bot adds its button's own text too).
MENU_WORDS: tuple[str, ...] = (
    "دسته ها", "دسته بندی", "دسته بندی ها", "منو", "فهرست", "شروع",
    "start", "menu", "categories", "manu", "daste ha",
)  # fmt: skip
HELP_WORDS: tuple[str, ...] = ("راهنما", "help", "rahnama")

_MENU = frozenset(fold(word) for word in MENU_WORDS)
_HELP = frozenset(fold(word) for word in HELP_WORDS)


def menu_word(text: str) -> Literal["menu", "help"] | None:
    """«menu» for a text that is one of MENU_WORDS once folded (emoji, punctuation and
    half-spaces aside), «help» for one of HELP_WORDS; None for anything else."""
    folded = fold(text)
    if folded in _MENU:
        return "menu"
    if folded in _HELP:
        return "help"
    return None
