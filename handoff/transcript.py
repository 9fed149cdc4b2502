"""A ticket's whole conversation as one HTML file, for an expert who cannot open the topic it
came from: the L2 group's topic shows the last messages only, and links the agents' group
for the rest, where an expert of another group is no member. Read in a browser, right to
left, every word escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from handoff import texts
from handoff.persian import fa_digits, jalali

Side = Literal["customer", "to_customer", "note", "guide", "undelivered"]

# The most of one entry shown (a message is kept up to 4096 characters; a note 4000).
ENTRY_MAX = 4096


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the conversation: when, whose, what (`kind`: a message's kind, "text" for
    words; `by`: a note's writer, or who wrote a message to the customer: an agent or the
    bot, "" when not known)."""

    at: datetime
    side: Side
    text: str
    kind: str = "text"
    by: str = ""


_SIDES: dict[Side, str] = {
    "customer": texts.TRANSCRIPT_CUSTOMER,
    "to_customer": texts.TRANSCRIPT_TO_CUSTOMER,
    "note": texts.TRANSCRIPT_NOTE,
    "guide": texts.TRANSCRIPT_GUIDE,
    "undelivered": texts.TRANSCRIPT_UNDELIVERED,
}
# A side's label when the entry names its writer (a message to the customer: whose it was).
_NAMED: dict[Side, str] = {"to_customer": texts.TRANSCRIPT_TO_CUSTOMER_BY}

_PAGE = """<!DOCTYPE html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: Vazirmatn, Tahoma, sans-serif; max-width: 50em; margin: 1em auto;
  padding: 0 1em; line-height: 1.7; }}
.entry {{ border-inline-start: 4px solid #ccc; padding: .3em .8em; margin: .6em 0; }}
.customer {{ border-color: #2a7ae2; }} .to_customer {{ border-color: #2e9e5b; }}
.note {{ border-color: #d49a00; background: #fff8e1; }} .undelivered {{ border-color: #c0392b; }}
.head {{ color: #555; font-size: .9em; }}
.text {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{summary}</p>
{entries}
</body>
</html>
"""


def render_transcript(ticket_id: int, customer: str, entries: Sequence[Entry]) -> str:
    """The conversation as an HTML page (`customer`: their name, shown in the title)."""
    title = texts.TRANSCRIPT_TITLE.format(ticket=fa_digits(ticket_id), customer=customer)
    summary = texts.TRANSCRIPT_SUMMARY.format(count=fa_digits(len(entries)))
    shown = "\n".join(_entry(entry) for entry in entries)
    return _PAGE.format(title=html.escape(title), summary=html.escape(summary), entries=shown)


def _entry(entry: Entry) -> str:
    who = _SIDES[entry.side]
    if entry.by:
        who = f"{_NAMED.get(entry.side, who)} — {entry.by}\u200f"
    head = f"{jalali(entry.at)} · {who}"
    if entry.kind != "text":
        head += f" · {texts.TRANSCRIPT_KINDS.get(entry.kind, texts.TRANSCRIPT_KINDS['other'])}"
    words = entry.text[:ENTRY_MAX]
    return (
        f'<div class="entry {entry.side}"><div class="head">{html.escape(head)}</div>'
        f'<div class="text">{html.escape(words)}</div></div>'
    )
