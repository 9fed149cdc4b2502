"""Buttons, and the compact callback_data they carry (always ≤ 64 bytes).

callback_data grammar (one letter, then colon-separated fields):
    m                  the categories menu
    c:<hash>           a category (a short hash of its name: names can be long)
    a:<article id>     an article, browsed (ids are ≤ 48 ASCII characters)
    s:<decision>:<i>   the i-th hit of a KB decision, picked from a suggestion
    f:<decision>:<1|0> "was this helpful?" on a decision
    h / h:<decision>   talk to a person (after that decision failed)
    t:<action>:<n>     agent action on ticket n: claim, close, esc, art<i> (i-th tried article)
    r:<n>:<1..5>       the customer rating their closed ticket n
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot import desk_texts, texts
from handoff.persian import shorten
from kb.article import BUTTON_TITLE_MAX, Article
from kb.decision import Hit

CALLBACK_DATA_MAX = 64
BUTTON_TEXT_MAX = BUTTON_TITLE_MAX
# Articles listed on one page of a category (Telegram allows 100 buttons; a phone shows ~10).
ARTICLES_PER_PAGE = 20
# Categories on one page of the menu, two a row (Telegram also refuses a keyboard over ~10 kB).
CATEGORIES_PER_PAGE = 40

MENU = "m"
PERSON = "h"
PATTERN_MENU = r"^m(:\d{1,4})?$"  # the categories, and the page after the first
PATTERN_CATEGORY = r"^c:[0-9a-f]{10}(:\d{1,4})?$"  # a category, and the page after the first
PATTERN_ARTICLE = r"^a:[a-z0-9][a-z0-9._-]{0,47}$"
PATTERN_SUGGESTION = r"^s:\d{1,18}:\d{1,2}$"
PATTERN_FEEDBACK = r"^f:\d{1,18}:[01]$"
PATTERN_PERSON = r"^h(:\d{1,18}|:m:\d{1,18}|:a:[a-z0-9._-]{1,48})?$"
# Ticket ids are 32-bit in the database: a forged longer one must not reach a query.
PATTERN_TICKET = r"^t:[a-z0-9]{1,16}:\d{1,9}$"
PATTERN_RATING = r"^r:\d{1,9}:[1-5]$"


def category_key(category: str) -> str:
    """Return the short, stable key a category's button carries."""
    return hashlib.sha1(category.encode("utf-8")).hexdigest()[:10]


def _fits(data: str) -> str:
    if len(data.encode("utf-8")) > CALLBACK_DATA_MAX:
        raise ValueError(f"callback_data longer than {CALLBACK_DATA_MAX} bytes: {data!r}")
    return data


def _button(text: str, data: str) -> InlineKeyboardButton:
    # Cut at a word, marked «…», rather than mid-word (kb check warns of such titles).
    return InlineKeyboardButton(shorten(text, BUTTON_TEXT_MAX), callback_data=_fits(data))


@dataclass(frozen=True, slots=True)
class Pressed:
    """A parsed callback_data: the kind letter and its integer or text fields."""

    kind: str
    fields: tuple[str, ...]

    def int_field(self, index: int) -> int:
        return int(self.fields[index])


_ANY = re.compile(
    "|".join(
        (
            PATTERN_MENU,
            PATTERN_CATEGORY,
            PATTERN_ARTICLE,
            PATTERN_SUGGESTION,
            PATTERN_FEEDBACK,
            PATTERN_PERSON,
            PATTERN_TICKET,
            PATTERN_RATING,
        )
    )
)


def parse(data: str | None) -> Pressed | None:
    """Parse callback_data we issued; None for anything forged or malformed."""
    if not data or not _ANY.match(data):
        return None
    kind, *fields = data.split(":")
    return Pressed(kind, tuple(fields))


# -- the customer's keyboards ---------------------------------------------------------------------


def main_keyboard() -> ReplyKeyboardMarkup:
    """The persistent keyboard under the text box: categories and a person."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(texts.CATEGORIES_BUTTON), KeyboardButton(texts.PERSON_BUTTON)]],
        resize_keyboard=True,
        is_persistent=True,
    )


def pages(count: int, per_page: int) -> int:
    """How many pages `count` buttons take (at least one)."""
    return max(1, -(-count // per_page))


def _turn_pages(page: int, more: bool, data: str) -> list[list[InlineKeyboardButton]]:
    """The row that leads to the page before and the page after (`data` + ":" + page)."""
    # Read right to left: the page after on the left («◀️»), the page before on the right.
    turn = []
    if more:
        turn.append(_button(texts.NEXT_PAGE, f"{data}:{page + 1}"))
    if page > 0:
        turn.append(_button(texts.PREVIOUS_PAGE, f"{data}:{page - 1}"))
    return [turn] if turn else []


def categories(names: Sequence[str], page: int = 0) -> InlineKeyboardMarkup:
    """One button per category of a page of the menu, two per row, then the other pages."""
    start = page * CATEGORIES_PER_PAGE
    shown = names[start : start + CATEGORIES_PER_PAGE]
    buttons = [_button(f"📂 {name}", f"c:{category_key(name)}") for name in shown]
    # Read right to left, as the rating and page-turning rows are: the first on the right.
    rows = [buttons[i : i + 2][::-1] for i in range(0, len(buttons), 2)]
    rows += _turn_pages(page, start + CATEGORIES_PER_PAGE < len(names), MENU)
    return InlineKeyboardMarkup(rows)


def articles(items: Sequence[Article], key: str, page: int = 0) -> InlineKeyboardMarkup:
    """One button per article of a page of category `key`, the other pages, the categories."""
    start = page * ARTICLES_PER_PAGE
    rows = [[_button(a.title, f"a:{a.id}")] for a in items[start : start + ARTICLES_PER_PAGE]]
    rows += _turn_pages(page, start + ARTICLES_PER_PAGE < len(items), f"c:{key}")
    rows.append([_button(texts.CATEGORIES_BUTTON, MENU)])
    return InlineKeyboardMarkup(rows)


def after_article(article_id: str | None = None) -> InlineKeyboardMarkup:
    """Under a browsed article: back to the categories, or a person (about that article)."""
    person = PERSON if article_id is None else f"{PERSON}:a:{article_id}"
    return InlineKeyboardMarkup(
        [[_button(texts.CATEGORIES_BUTTON, MENU), _button(texts.PERSON_BUTTON, person)]]
    )


def helpful(decision_id: int) -> InlineKeyboardMarkup:
    """The "was this helpful?" buttons of an answer."""
    return InlineKeyboardMarkup(
        [
            [
                _button(texts.HELPFUL_YES, f"f:{decision_id}:1"),
                _button(texts.HELPFUL_NO, f"f:{decision_id}:0"),
            ]
        ]
    )


def suggestions(decision_id: int, hits: Sequence[tuple[int, Hit]]) -> InlineKeyboardMarkup:
    """Suggested articles (each with its index in the decision's hits), then "none of these"."""
    rows = [[_button(hit.title, f"s:{decision_id}:{index}")] for index, hit in hits]
    none = texts.NONE_OF_THESE if len(hits) > 1 else texts.NOT_THIS_ONE  # «none» of one is odd
    rows.append([_button(none, f"{PERSON}:{decision_id}")])
    return InlineKeyboardMarkup(rows)


def person_only(decision_id: int | None = None) -> InlineKeyboardMarkup:
    """A single "talk to a person" button."""
    data = PERSON if decision_id is None else f"{PERSON}:{decision_id}"
    return InlineKeyboardMarkup([[_button(texts.PERSON_BUTTON, data)]])


def send_to_person(message_id: int) -> InlineKeyboardMarkup:
    """A single button that takes the customer's message (a voice, a photo…) to a person."""
    return InlineKeyboardMarkup([[_button(texts.SEND_TO_PERSON, f"{PERSON}:m:{message_id}")]])


# -- the agents' card ------------------------------------------------------------------------


def ticket_card(
    ticket_id: int,
    actions: Sequence[str] = ("claim", "escalate", "close"),
    articles: Sequence[str | None] = (),
) -> InlineKeyboardMarkup:
    """The buttons under a ticket's card: what agents may do now, then the tried articles."""
    labels = {
        "claim": (desk_texts.CLAIM_BUTTON, "claim"),
        "wait": (desk_texts.WAIT_BUTTON, "wait"),
        "escalate": (desk_texts.ESCALATE_BUTTON, "esc"),
        "close": (desk_texts.CLOSE_BUTTON, "close"),
    }
    row = [_button(labels[a][0], f"t:{labels[a][1]}:{ticket_id}") for a in actions if a in labels]
    rows = [row] if row else []
    for index, title in enumerate(articles[:5]):
        if title is None:  # no button, and the others keep their index in the ticket's list
            continue
        rows.append(
            [_button(f"{desk_texts.ARTICLES_BUTTON}: {title}", f"t:art{index}:{ticket_id}")]
        )
    return InlineKeyboardMarkup(rows)


def rating(ticket_id: int) -> InlineKeyboardMarkup:
    """The customer's 1..5 rating buttons of a closed ticket (5 first: right-to-left readers)."""
    return InlineKeyboardMarkup(
        [[_button(texts.fa(n), f"r:{ticket_id}:{n}") for n in range(5, 0, -1)]]
    )
