"""The Markdown of answers: the subset the bot renders, and what Telegram cannot show.

The patterns below are the Markdown the bot maps onto the few HTML tags Telegram understands
(bot.formatting, escaping everything else, so no article can break a message) and that
`plain_text` shows in a terminal (`python -m kb chat`, `ask`). But a table, an image, an HTML
tag or a link to a relative address reaches the customer as something other than what the
editor meant: pipes and dashes, a bare word, «<br>» as typed, a label that leads nowhere. Such a
line is reported as a warning (`python -m kb check`, the bot's log); the article stays in service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial

from kb import texts
from kb.texts import fa_number

# Addresses Telegram opens from a link (anything else is shown as the label alone).
SAFE_URL = re.compile(r"^(https?://|tg://|mailto:)[^\s\"<>]+$", re.IGNORECASE)

# A line that opens or closes fenced code (shown as typed, never as Markdown).
CODE_FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
# Markdown numbers a list in ASCII digits only; customers read «۱.», as in the rest of the text.
NUMBERED = re.compile(r"^(\s*)([0-9]{1,9})([.)])\s+(.*)$")
QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
# A link's address: no spaces (the loader has encoded them, see `editors_notes_removed`), and
# parentheses only in balanced pairs, as in «https://fa.wikipedia.org/wiki/رمز_(رمزنگاری)».
ADDRESS = r"(?:[^()\s]|\([^()\s]*\))+"
# ASCII punctuation, which a backslash shows as typed: «\*» is a star, not emphasis.
_ESCAPABLE = r"[!-/:-@\[-`{-~]"
# A backslash escape shares the link's `label` group (the character) and has an `escape` group
# of its own: a renderer shows the character alone, and it neither opens nor closes emphasis.
INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    rf"|(?:(?P<escape>\\)|!?\[)(?P<label>(?(escape){_ESCAPABLE}|[^\]\n]*))"
    rf"(?(escape)|\]\((?P<url>{ADDRESS})\))"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|__(?P<bold2>.+?)__"
    r"|~~(?P<strike>.+?)~~"
    r"|(?<![\w*])\*(?![\s*])(?P<italic>.+?)(?<![\s*\\])\*(?![\w*])"
    r"|(?<![\w_])_(?![\s_])(?P<italic2>.+?)(?<![\s_\\])_(?![\w_])"
)
RULE_SHOWN = "—————"
# A table's header rule: |---|:---:| or --- | ---; at least one pipe, so «---» stays a rule.
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$")
_IMAGE = re.compile(rf"!\[([^\]\n]*)\]\(((?:{ADDRESS})?)\)")
_LINK = re.compile(rf"(?<!!)\[([^\]\n]+)\]\(({ADDRESS})\)")
_ESCAPE = re.compile(rf"\\{_ESCAPABLE}")
# What a link's brackets leave when Markdown did not take them for a link: «[متن][نام]» (a
# reference), «[متن](نشانی با فاصله)» the loader could not mend.
_LEFTOVER_LINK = re.compile(r"\]\s?[(\[]")
# «[نام]: https://…»: the definition of a reference link.
_REFERENCE = re.compile(r"^\s{0,3}\[([^\]\n]+)\]:\s*\S")
# A line of = or - under a line of text: a heading in Markdown («setext»).
_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
# A link whose address has spaces («<…>» or not) or a title: «[متن](<https://x.ir/my page>)».
_LOOSE_LINK = re.compile(r"(!?\[[^\]\n]*\]\()([^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)")
_TITLED = re.compile(r"""^(\S+)\s+(?:"[^"\n]*"|'[^'\n]*')$""")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>\n]*)?/?>")


_COMMENT_OPEN = "<!--"
_COMMENT_CLOSE = "-->"
# «<https://portal.example.ir>»: Markdown's autolink. Telegram links a bare address itself.
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^\s<>]+)>", re.IGNORECASE)


def editors_notes_removed(lines: Sequence[str]) -> tuple[list[str], list[int]]:
    """The answer's lines without HTML comments (notes to other editors, never to customers)
    and with autolinks unwrapped, line for line (a comment leaves its lines blank, so warnings
    keep their line numbers); and the offsets of lines where a comment opens and never
    closes (left as typed). Fenced code is shown as typed, so it is left alone."""
    out: list[str] = []
    unclosed: list[int] = []
    in_code = False
    opened: int | None = None  # the offset of the line whose comment is still open
    for offset, line in enumerate(lines):
        if opened is None and CODE_FENCE.match(line):
            in_code = not in_code
        if in_code:
            out.append(line)
            continue
        kept, rest = "", line
        while rest:
            if opened is not None:
                end = rest.find(_COMMENT_CLOSE)
                if end < 0:
                    rest = ""
                    break
                rest, opened = rest[end + len(_COMMENT_CLOSE) :], None
                continue
            start = rest.find(_COMMENT_OPEN)
            if start < 0:
                kept, rest = kept + rest, ""
            else:
                kept, rest, opened = kept + rest[:start], rest[start + len(_COMMENT_OPEN) :], offset
        out.append(_links_mended(kept) if kept.strip() else "")
    if opened is not None:  # never closed: put its lines back as typed, and say so
        out[opened:] = [_links_mended(line) for line in lines[opened:]]
        unclosed.append(opened)
    return out, unclosed


def _links_mended(line: str) -> str:
    """`line` with autolinks unwrapped and, outside `code`, each link address Telegram would
    not take written so that it does: «<…>» taken off, a title dropped, spaces as %20 (a
    Persian address copied from a browser has them); an address that still would not open is
    left as typed (and `markup_warnings` names it)."""
    parts = _CODE_SPAN.split(line)
    parts[::2] = [_LOOSE_LINK.sub(_address_mended, part) for part in parts[::2]]
    return _AUTOLINK.sub(r"\1", "".join(parts))


def _address_mended(link: re.Match[str]) -> str:
    opening, typed = link.group(1), link.group(2)
    address = typed.strip()
    if address.startswith("<") and address.endswith(">"):
        address = address[1:-1].strip()
    elif titled := _TITLED.match(address):
        address = titled.group(1)
    address = address.replace(" ", "%20")
    if address == typed or not SAFE_URL.match(address):
        return link.group(0)
    return f"{opening}{address})"


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
            found.append((number - 1, texts.MARKUP_TABLE))
        elif _UNDERLINE.match(line) and offset > 0 and _is_text(lines[offset - 1]):
            found.append((number, texts.MARKUP_HEADING_UNDERLINE.format(line=line.strip())))
        if reference := _REFERENCE.match(line):
            found.append((number, texts.MARKUP_REFERENCE.format(name=reference.group(1))))
            continue
        for image in _IMAGE.finditer(line):
            found.append((number, texts.MARKUP_IMAGE.format(alt=image.group(1) or "…")))
        prose = _ESCAPE.sub("", _code_spans_removed(line))
        for link in _LINK.finditer(_IMAGE.sub("", prose)):
            if not SAFE_URL.match(link.group(2)):
                found.append(
                    (number, texts.MARKUP_LINK.format(label=link.group(1), url=link.group(2)))
                )
        rest = _LINK.sub("", _IMAGE.sub("", prose))
        if leftover := _LEFTOVER_LINK.search(rest):
            found.append((number, texts.MARKUP_LINK_NOT_READ.format(text=_around(rest, leftover))))
        for tag in _HTML_TAG.finditer(prose):
            found.append((number, texts.MARKUP_HTML.format(tag=tag.group(0))))
    return found


def title_warning(title: str) -> str | None:
    """What a title shows as typed: it is plain text on buttons and above the answer, so its
    Markdown (**, _, `, a link) reaches customers as marks."""
    if found := INLINE.search(title):
        return texts.MARKUP_IN_TITLE.format(found=found.group(0))
    return None


def _is_text(line: str) -> bool:
    """Whether `line` is a paragraph's text (what a «===» or «---» under it makes a heading)."""
    return bool(line.strip()) and not (
        HEADING.match(line)
        or BULLET.match(line)
        or NUMBERED.match(line)
        or QUOTE.match(line)
        or RULE.match(line)
        or _UNDERLINE.match(line)
        or CODE_FENCE.match(line)
    )


def _around(line: str, leftover: re.Match[str], limit: int = 40) -> str:
    """The brackets Markdown did not read as a link, from their «[» to their «)» or «]»."""
    start = max(0, line.rfind("[", 0, leftover.start()))
    ends = [at for at in (line.find(mark, leftover.end()) for mark in ")]") if at >= 0]
    shown = line[start : min(ends) + 1 if ends else len(line)].strip()
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _code_spans_removed(line: str) -> str:
    """The line without `inline code`, which Telegram shows as typed anyway."""
    return re.sub(r"`[^`\n]+`", "", line)


def list_indent(spaces: str) -> str:
    """A nested list item's indent as it is shown: two spaces a level."""
    return "  " * (len(spaces.expandtabs(4)) // 2)


def plain_text(markdown: str, *, addresses: bool = True) -> str:
    """An answer as a terminal shows it: the marks of emphasis, code and links taken out, lists
    and quotes kept, list numbers in Persian digits (as customers read them in Telegram).
    Without `addresses`, a link is its label alone, as Telegram shows it (for its length)."""
    lines: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if CODE_FENCE.match(line):
            in_code = not in_code
        elif in_code:
            lines.append(line)
        else:
            lines.append(_plain_line(line, addresses))
    return "\n".join(lines)


def render_line(
    line: str, inline: Callable[[str], str], heading: Callable[[str], str] = str
) -> str:
    """One line of an answer (not code, not a quote): a heading, a rule, a list item or text,
    its words rendered by `inline`; list bullets «•» and list numbers in Persian digits."""
    if found := HEADING.match(line):
        return heading(inline(found.group(1)))
    if RULE.match(line):
        return RULE_SHOWN
    if bullet := BULLET.match(line):
        return f"{list_indent(bullet.group(1))}• {inline(bullet.group(2))}"
    if numbered := NUMBERED.match(line):
        number = fa_number(int(numbered.group(2))) + numbered.group(3)
        return f"{list_indent(numbered.group(1))}{number} {inline(numbered.group(4))}"
    return inline(line.rstrip())


def _plain_line(line: str, addresses: bool = True) -> str:
    inline = partial(_plain_inline, addresses=addresses)
    if quote := QUOTE.match(line):
        return f"│ {inline(quote.group(1))}"
    return render_line(line, inline)


def _plain_inline(text: str, addresses: bool = True) -> str:
    def shown(match: re.Match[str]) -> str:
        found = match.groupdict()
        if found["code"] is not None:
            return found["code"]
        if found["label"] is not None:  # a link (or an image): its label, and where it goes
            url = found["url"] or ""
            label = _plain_inline(found["label"] or url, addresses)
            if addresses and SAFE_URL.match(url) and label != url:
                return f"{label} ({url})"
            return label
        emphasis = (
            found["bold"] or found["bold2"] or found["strike"] or found["italic"]
            or found["italic2"] or ""
        )  # fmt: skip
        return _plain_inline(emphasis, addresses)

    return INLINE.sub(shown, text)
