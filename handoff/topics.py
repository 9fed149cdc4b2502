"""Forum topic names for tickets: "#۱۲ · علی · رمزم را فراموش…"."""

from __future__ import annotations

import html
import unicodedata
from typing import Final

from handoff import texts
from handoff.persian import clean_inline, fa_digits, shorten, utf16_len

TOPIC_NAME_MAX: Final = 128  # Telegram's limit, in UTF-16 code units
NAME_MAX: Final = 32
QUESTION_MAX: Final = 48
# A right-to-left mark after the customer's name, when the question follows: else a Latin
# name and a question that starts in Latin («علی Ahmadi · Outlook …») read as one
# left-to-right run, and a client shows them swapped (the card and /tickets do the same).
AFTER_NAME: Final = "\u200f"
# A right-to-left mark first, when a name's first letter is Latin: a client lays a topic's
# name out in the direction of its first letter, so «#۳ · Sara · VPN وصل نمی‌شود» read left
# to right, its number on the left, unlike every Persian-named topic in the list.
RTL_START: Final = "\u200f"


def ticket_number(ticket_id: int) -> str:
    """Return the ticket number as people see it: "#۱۲"."""
    return texts.TICKET_NUMBER.format(n=fa_digits(ticket_id))


def topic_name(
    ticket_id: int, customer_name: str | None, question: str | None, *, mark: str = ""
) -> str:
    """Build a 1..128-character topic name from the ticket number, customer and question,
    after `mark` (the second line's «⬆️ سطح ۲ · »)."""
    number = mark + ticket_number(ticket_id)
    name = shorten(clean_inline(customer_name), NAME_MAX) or texts.UNKNOWN_CUSTOMER
    asked = shorten(clean_inline(question), QUESTION_MAX)
    result = _joined(number, name, asked)
    # Emoji count twice in UTF-16: trim the free text until Telegram accepts the name.
    budget = QUESTION_MAX
    while utf16_len(result) > TOPIC_NAME_MAX and budget > 1:
        budget //= 2
        result = _joined(number, shorten(name, budget), shorten(asked, budget))
    if utf16_len(result) > TOPIC_NAME_MAX:
        result = number
    return result


def _joined(number: str, name: str, asked: str) -> str:
    """Join the parts of a topic name, the question only when there is one; right to left
    whatever letter comes first."""
    if not asked:
        joined = texts.TOPIC_SEPARATOR.join((number, name))
    else:
        joined = texts.TOPIC_SEPARATOR.join((number, name + AFTER_NAME, asked))
    return RTL_START + joined if _starts_left_to_right(joined) else joined


def _starts_left_to_right(text: str) -> bool:
    """Whether the first letter of `text` with a direction of its own reads left to right."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return False
        if direction == "L":
            return True
    return False


def topic_link(chat_id: int, thread_id: int) -> str:
    """Return the t.me/c link of a forum topic of a supergroup."""
    internal = str(chat_id).removeprefix("-100").removeprefix("-")
    return f"https://t.me/c/{internal}/{thread_id}"


def ticket_link(ticket_id: int, chat_id: int, thread_id: int | None) -> str:
    """Return the ticket's number linked to its topic (Telegram HTML); no topic: the number."""
    number = ticket_number(ticket_id)
    if thread_id is None:
        return number
    return f'<a href="{html.escape(topic_link(chat_id, thread_id))}">{number}</a>'
