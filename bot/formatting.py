"""Article Markdown to Telegram HTML: everything escaped, tags always balanced, split ≤ 4096.

Telegram's HTML understands only a few tags (b, i, s, u, code, pre, a, blockquote),
so the Markdown an editor writes is mapped onto them: headings become bold
lines, list bullets become «•», fenced code becomes <pre>. Any character that is
not part of recognised markup is escaped, so an article (or a customer's text)
can never break the message or inject markup.

>>> markdown_to_html("**مهم:** به `portal` بروید & <کلیک> کنید")
'<b>مهم:</b> به <code>portal</code> بروید &amp; &lt;کلیک&gt; کنید'
>>> markdown_to_html("# عنوان\\n- یک\\n- دو")
'<b>عنوان</b>\\n• یک\\n• دو'
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape, unescape

from handoff.persian import utf16_len, whole_characters
from kb.markup import CODE_FENCE, INLINE, QUOTE, SAFE_URL, render_line

MESSAGE_LIMIT = 4096
_TAG = re.compile(r"<[^>]*>")
CAPTION_LIMIT = 1024


def escape_html(text: str) -> str:
    """Escape untrusted text for Telegram's HTML parse mode."""
    return escape(text, quote=False)


def bound(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, marking the cut with «…»."""
    return text if len(text) <= limit else text[: whole_characters(text, limit - 1)] + "…"


def render_inline(text: str) -> str:
    """Render one line's inline Markdown (code, links, bold, italic, strike) as HTML."""
    out: list[str] = []
    position = 0
    for match in INLINE.finditer(text):
        out.append(escape_html(text[position : match.start()]))
        position = match.end()
        groups = match.groupdict()
        if groups["code"] is not None:
            out.append(f"<code>{escape_html(groups['code'])}</code>")
        elif groups["escape"] is not None:  # «\*»: the character as typed, no emphasis
            out.append(escape_html(groups["label"] or ""))
        elif groups["label"] is not None:  # a link, or an image, which becomes a link
            url = groups["url"] or ""
            label = render_inline(groups["label"] or url)
            if SAFE_URL.match(url):
                out.append(f'<a href="{escape(url, quote=True)}">{label}</a>')
            else:
                out.append(label)
        elif groups["bold"] is not None or groups["bold2"] is not None:
            out.append(f"<b>{render_inline(groups['bold'] or groups['bold2'] or '')}</b>")
        elif groups["strike"] is not None:
            out.append(f"<s>{render_inline(groups['strike'])}</s>")
        else:
            out.append(f"<i>{render_inline(groups['italic'] or groups['italic2'] or '')}</i>")
    out.append(escape_html(text[position:]))
    return "".join(out)


def _render_line(line: str) -> str:
    return render_line(line, render_inline, heading=lambda html: f"<b>{html}</b>")


def _render_block(lines: list[str], code: bool) -> str:
    if code:
        return "<pre>" + escape_html("\n".join(lines)) + "</pre>"
    # Runs of «> » lines become one blockquote; other lines render one by one.
    out: list[str] = []
    quoted: list[str] = []
    for line in lines:
        if match := QUOTE.match(line):
            quoted.append(_render_line(match.group(1)))
            continue
        if quoted:
            out.append("<blockquote>" + "\n".join(quoted) + "</blockquote>")
            quoted = []
        out.append(_render_line(line))
    if quoted:
        out.append("<blockquote>" + "\n".join(quoted) + "</blockquote>")
    return "\n".join(out)


def _blocks(markdown: str) -> list[tuple[list[str], bool]]:
    """Split Markdown into paragraphs and fenced code blocks: (lines, is_code)."""
    blocks: list[tuple[list[str], bool]] = []
    current: list[str] = []
    code: list[str] | None = None
    for line in markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if code is not None:
            if CODE_FENCE.match(line):
                blocks.append((code, True))
                code = None
            else:
                code.append(line)
            continue
        if CODE_FENCE.match(line):
            if current:
                blocks.append((current, False))
                current = []
            code = []
        elif line.strip():
            current.append(line)
        elif current:
            blocks.append((current, False))
            current = []
    if code is not None:  # an unclosed fence: keep its content as code
        blocks.append((code, True))
    if current:
        blocks.append((current, False))
    return blocks


def markdown_to_html(markdown: str) -> str:
    """Render a whole Markdown text as one Telegram HTML string (may exceed the limit)."""
    return "\n\n".join(_render_block(lines, code) for lines, code in _blocks(markdown))


def plain_text(html: str) -> str:
    """Strip our HTML back to plain text (the fallback when Telegram rejects the markup)."""
    return unescape(_TAG.sub("", html))


def shown_length(html: str) -> int:
    """How long Telegram counts a message: its text once the HTML is parsed (tags take no
    room, «&lt;» is one character), in UTF-16 units."""
    return utf16_len(plain_text(html))


def _split_plain(text: str, limit: int, wrap: tuple[str, str] = ("", "")) -> list[str]:
    """Split plain text at whitespace into escaped pieces that fit `limit` with `wrap` (tags)
    around."""
    room = limit
    pieces: list[str] = []
    current = ""
    for word in re.split(r"(\s+)", text):
        candidate = current + word
        if utf16_len(candidate) <= room:
            current = candidate
            continue
        if current.strip():
            pieces.append(current)
        current = word.lstrip()
        while utf16_len(current) > room:  # one enormous word: cut it
            cut = room
            while utf16_len(current[:cut]) > room:
                cut -= max(1, cut // 10)
            cut = whole_characters(current, cut) or cut  # a flag is not cut in two
            pieces.append(current[:cut])
            current = current[cut:]
    if current.strip():
        pieces.append(current)
    return [wrap[0] + escape_html(piece) + wrap[1] for piece in pieces]


def _block_pieces(lines: list[str], code: bool, limit: int) -> list[str]:
    html = _render_block(lines, code)
    if shown_length(html) <= limit:
        return [html]
    if code:
        return _split_plain("\n".join(lines), limit, ("<pre>", "</pre>"))
    # Too long even alone: try line by line, and cut a huge line as plain text.
    pieces: list[str] = []
    for line in lines:
        rendered = _render_line(line)
        if shown_length(rendered) <= limit:
            pieces.append(rendered)
        else:
            pieces.extend(_split_plain(line, limit))
    return pieces


def split_html_blocks(
    pieces: list[str], limit: int = MESSAGE_LIMIT, sep: str = "\n\n"
) -> list[str]:
    """Pack self-contained HTML pieces into as few messages as fit within `limit`."""
    messages: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if shown_length(candidate) <= limit:
            current = candidate
        else:
            if current:
                messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages


def article_messages(title: str, body: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Render an article (bold title, then body) as HTML messages of at most `limit` each."""
    return list(_article_messages(title, body, limit))


@lru_cache(maxsize=512)
def _article_messages(title: str, body: str, limit: int) -> tuple[str, ...]:
    # Cached by content: the same article is rendered once, and an edit is a new key.
    pieces = [f"<b>{escape_html(bound(title, 200))}</b>"]
    for lines, code in _blocks(body):
        pieces.extend(_block_pieces(lines, code, limit))
    return tuple(split_html_blocks(pieces, limit))
