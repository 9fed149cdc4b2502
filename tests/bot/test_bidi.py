"""Persian lines stay right to left in Telegram, whatever Latin they hold.

A client sets each line's direction from its first strong letter, and a sign between a
Persian word and a Latin one («/help», «@ali») takes the line's direction: so a command
shows as «help/», and a line that starts with a Latin name is laid out left to right.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from bot import desk_texts, texts
from handoff import texts as card_texts

COMMAND = re.compile(r"/[a-z]+")


def _first_strong(line: str) -> str | None:
    for char in line:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return "rtl" if kind in ("R", "AL") else "ltr"
    return None


def _lines(html: str) -> list[str]:
    return [line for line in re.sub(r"<[^>]+>", "", html).split("\n") if line.strip()]


READ_BY_PEOPLE = {
    "greeting": texts.greeting("Sara"),
    "customer help": texts.HELP,
    "unknown command": texts.UNKNOWN_COMMAND,
    "desk help": desk_texts.DESK_HELP,
    "unknown desk command": desk_texts.unknown_desk_command("/clsoe", "close"),
    "note usage": desk_texts.NOTE_EMPTY,
    "article usage": desk_texts.ARTICLE_USAGE,
    "held by": desk_texts.held_by_take_hint("Sara K"),
    "not sent": desk_texts.not_sent_held_by("Sara K"),
    "not closed": desk_texts.not_done_held_by(desk_texts.NOT_CLOSED, "Sara K"),
    "articles meant": desk_texts.unknown_article("pasword", [("password-reset", "رمز")]),
    "claimed": desk_texts.claimed_notice("Sara K"),
    "waiting": desk_texts.waiting_notice("Sara K", "۳ روز"),
    "taken over": desk_texts.taken_over_notice("Sara K", 1, "Ali"),
    "escalated": desk_texts.escalated_notice("Sara K", 1, "Ali"),
    "escalated to the L2 group": desk_texts.escalated_notice("Sara K", None, None, moved=True),
    "L2 topic made": desk_texts.l2_topic_made('<a href="x">#۱</a>'),
    "card left for L2": desk_texts.left_card_moved('<a href="x">#۱</a>'),
    "edit in the topic left for L2": desk_texts.edit_moved_to_l2('<a href="x">#۱</a>'),
    "rated with a comment": desk_texts.rated_notice(2, "Outlook still broken"),
    "tier": desk_texts.tier_changed_notice("Sara K", "عادی", "VIP", "۱۲ مرداد"),
    "asked before": card_texts.ASKED_UNANSWERED.format(question="ramzam yadam rafte"),
    "agent line": card_texts.REPORT_AGENT.format(name="Sara K", closed="۲", rated=""),
    "open ticket": desk_texts.open_ticket_line('<a href="x">#۱</a>', "John Smith", "۲ ساعت"),
    "open ticket, all said": desk_texts.open_ticket_line(
        '<a href="x">#۱</a>',
        "John Smith",
        "۲ ساعت",
        tier="VIP",
        l2=True,
        holder="Sara K",
        unreachable=True,
        overdue=True,
    ),
    "tried article": card_texts.CARD_TRIED_ITEM.format(title="Outlook باز نمی‌شود", score="۴۱٪"),
    "topic closed by hand": desk_texts.topic_closed_by_hand("Sara K"),
    "tier usage": desk_texts.tier_usage("عادی", "gold"),
    "group migrated": desk_texts.group_migrated(-1001, -1002),
}


@pytest.mark.parametrize("name", READ_BY_PEOPLE)
def test_every_line_reads_right_to_left_and_commands_keep_their_slash_in_front(name: str) -> None:
    html = READ_BY_PEOPLE[name]
    for line in _lines(html):
        assert _first_strong(line) == "rtl", line
        for command in COMMAND.finditer(line):
            assert line[command.start() - 1] == "\u200e", line  # a left-to-right mark before it
