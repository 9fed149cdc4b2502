"""What an answer's Markdown asks for that Telegram cannot show, found line by line for editors.

The bot maps Markdown onto the few HTML tags Telegram understands (bot.formatting) and escapes
everything else, so no article can break a message. But a table, an image, an HTML tag or a link
to a relative address reaches the customer as something other than what the editor meant: pipes
and dashes, a bare word, «<br>» as typed, a label that leads nowhere. Such a line is reported as
a warning (`python -m kb check`, the bot's log); the article stays in service.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Addresses Telegram opens from a link (anything else is shown as the label alone).
SAFE_URL = re.compile(r"^(https?://|tg://|mailto:)[^\s\"<>]+$", re.IGNORECASE)

# A line that opens or closes fenced code (shown as typed, never as Markdown).
CODE_FENCE = re.compile(r"^\s*(```|~~~)")
# A table's header rule: |---|:---:| or --- | ---; at least one pipe, so «---» stays a rule.
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$")
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\s]*)\)")
_LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\(([^)\s]+)\)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>\n]*)?/?>")

TABLE = (
    "a Markdown table: Telegram cannot show tables, customers see the | and - characters; "
    "write it as a list"
)
IMAGE = (
    "an image «{alt}»: Telegram shows no images inside a text message, customers get a link "
    "named «{alt}» at most"
)
HTML = "the HTML tag «{tag}» is shown to customers as typed; use Markdown (**bold**, lists)"
LINK = (
    "the link «{label}» goes to «{url}», which Telegram cannot open; customers see the label "
    "alone (write a full address: https://…)"
)


def markup_warnings(lines: Sequence[str], first_line: int) -> list[tuple[int, str]]:
    """(file line, message) for each line of an answer that Telegram would not show as written;
    `first_line` is the file line of `lines[0]`. Fenced code is shown as typed, so it is skipped."""
    found: list[tuple[int, str]] = []
    in_code = False
    for offset, line in enumerate(lines):
        number = first_line + offset
        if CODE_FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        if _TABLE_RULE.match(line) and offset > 0 and "|" in lines[offset - 1]:
            found.append((number - 1, TABLE))
        for image in _IMAGE.finditer(line):
            found.append((number, IMAGE.format(alt=image.group(1) or "…")))
        prose = _code_spans_removed(line)
        for link in _LINK.finditer(_IMAGE.sub("", prose)):
            if not SAFE_URL.match(link.group(2)):
                found.append((number, LINK.format(label=link.group(1), url=link.group(2))))
        for tag in _HTML_TAG.finditer(prose):
            found.append((number, HTML.format(tag=tag.group(0))))
    return found


def _code_spans_removed(line: str) -> str:
    """The line without `inline code`, which Telegram shows as typed anyway."""
    return re.sub(r"`[^`\n]+`", "", line)
