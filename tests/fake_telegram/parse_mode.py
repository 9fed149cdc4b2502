"""Turn text with a Bot API parse_mode into visible text plus entities, the way Telegram does.

The HTML parser follows tdlib's `parse_html` closely, because customer text relayed without
escaping (`1 < 2`, `<script>`) must fail here exactly as it fails in production. MarkdownV2 and
legacy Markdown are covered well enough to catch unescaped reserved characters and unclosed
entities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_HTML_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
}
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
# Telegram trims these from both ends of a message text or caption.
_TRIMMED = " \t\r\n\u00a0\u200b"


class EntityParseError(ValueError):
    """A text Telegram would refuse with "can't parse entities"."""


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Builder:
    """Visible text being assembled, with its UTF-16 length kept up to date."""

    parts: list[str] = field(default_factory=list)
    u16: int = 0

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.u16 += utf16_len(chunk)

    def text(self) -> str:
        return "".join(self.parts)


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the visible text
    byte_pos: int
    language: str | None = None


def _decode_html_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the HTML entity starting at text[i] == '&'; None when it is a literal ampersand."""
    n = len(text)
    j = i + 1
    if j < n and text[j] == "#":
        j += 1
        base = 10
        if j < n and text[j] in "xX":
            base = 16
            j += 1
        start = j
        digits = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
        while j < n and text[j] in digits:
            j += 1
        if j == start:
            return None
        code = int(text[start:j], base)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        start = j
        while j < n and text[j].isascii() and text[j].isalpha():
            j += 1
        decoded = _NAMED_HTML_ENTITIES.get(text[start:j])
        if decoded is None:
            return None
        char = decoded
    if j < n and text[j] == ";":
        j += 1
    return char, j


def _decode_attr_value(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&" and (decoded := _decode_html_entity(value, i)) is not None:
            out.append(decoded[0])
            i = decoded[1]
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _html_entity_for(tag: _OpenTag, offset: int, length: int) -> JSONDict | None:
    if tag.name == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return None
        if href.startswith("tg://user?id="):
            user_id = href.removeprefix("tg://user?id=")
            if not user_id.isdigit():
                return None
            return {
                "type": "text_mention",
                "offset": offset,
                "length": length,
                "user": {"id": int(user_id), "is_bot": False, "first_name": ""},
            }
        return {"type": "text_link", "offset": offset, "length": length, "url": href}
    if tag.name == "tg-emoji":
        emoji_id = tag.attrs.get("emoji-id", "")
        if not emoji_id:
            return None
        return {
            "type": "custom_emoji",
            "offset": offset,
            "length": length,
            "custom_emoji_id": emoji_id,
        }
    if tag.name == "blockquote":
        kind = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
        return {"type": kind, "offset": offset, "length": length}
    entity: JSONDict = {"type": _HTML_TAG_ENTITY[tag.name], "offset": offset, "length": length}
    if tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    return entity


def _parse_start_tag(text: str, begin: int) -> tuple[_OpenTag, int]:
    """Parse `<name attr="v" ...>` at text[begin]; return the tag and the index after '>'."""
    n = len(text)
    byte_pos = _byte_offset(text, begin)
    i = begin + 1
    j = i
    while j < n and not text[j].isspace() and text[j] != ">":
        j += 1
    if j >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {byte_pos}")
    name = text[i:j].lower()
    if name not in HTML_TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {byte_pos}')
    attrs: dict[str, str] = {}
    while True:
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_pos}")
        if text[j] == ">":
            break
        k = j
        while k < n and not text[k].isspace() and text[k] not in "=>":
            k += 1
        attr = text[j:k].lower()
        if not attr:
            raise EntityParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {byte_pos}'
            )
        j = k
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_pos}")
        if text[j] != "=":
            if name == "blockquote" and attr == "expandable":
                attrs[attr] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                f"at byte offset {byte_pos}"
            )
        j += 1
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_pos}")
        if text[j] in "\"'":
            quote = text[j]
            end = text.find(quote, j + 1)
            if end < 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {byte_pos}")
            value = text[j + 1 : end]
            j = end + 1
        else:
            k = j
            while k < n and not text[k].isspace() and text[k] != ">":
                k += 1
            value = text[j:k]
            j = k
        attrs[attr] = _decode_attr_value(value)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_pos}')
    return _OpenTag(name, attrs, 0, byte_pos), j + 1


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram HTML into visible text and entities; raise EntityParseError like Telegram."""
    out = _Builder()
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "&" and (decoded := _decode_html_entity(text, i)) is not None:
            out.add(decoded[0])
            i = decoded[1]
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        if i + 1 < n and text[i + 1] == "/":
            i = _close_html_tag(text, i, stack, entities, out.u16)
            continue
        tag, i = _parse_start_tag(text, i)
        tag.start = out.u16
        stack.append(tag)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.text(), entities


def _close_html_tag(
    text: str, begin: int, stack: list[_OpenTag], entities: list[JSONDict], position: int
) -> int:
    n = len(text)
    byte_pos = _byte_offset(text, begin)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {byte_pos}")
    j = begin + 2
    while j < n and not text[j].isspace() and text[j] != ">":
        j += 1
    end_name = text[begin + 2 : j].lower()
    while j < n and text[j].isspace():
        j += 1
    if j >= n or text[j] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {byte_pos}")
    tag = stack.pop()
    if end_name and end_name != tag.name:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {byte_pos}, expected "</{tag.name}>", '
            f'found "</{end_name}>"'
        )
    language = tag.attrs.get("class", "")
    if (
        tag.name == "code"
        and stack
        and stack[-1].name == "pre"
        and language.startswith("language-")
    ):
        # <pre><code class="language-x"> is one pre entity with a language.
        stack[-1].language = language.removeprefix("language-")
        return j + 1
    length = position - tag.start
    if length > 0 and (entity := _html_entity_for(tag, tag.start, length)) is not None:
        entities.append(entity)
    return j + 1


_MDV2_SIMPLE = {"*": "bold", "~": "strikethrough"}


@dataclass
class _OpenMd:
    kind: str
    start: int
    byte_pos: int
    language: str | None = None


def _mdv2_closes(kind: str, text: str, i: int) -> bool:
    char = text[i]
    following = text[i + 1] if i + 1 < len(text) else ""
    if kind == "italic":
        return char == "_" and following != "_"
    if kind == "underline":
        return char == "_" and following == "_"
    if kind == "spoiler":
        return char == "|" and following == "|"
    if kind == "pre":
        return text.startswith("```", i)
    if kind == "code":
        return char == "`"
    if kind in ("text_link", "custom_emoji"):
        return char == "]"
    return _MDV2_SIMPLE.get(char) == kind


_MD_TITLES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    """Parse MarkdownV2; unescaped reserved characters and unclosed entities raise."""
    out = _Builder()
    stack: list[_OpenMd] = []
    entities: list[JSONDict] = []
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        top = stack[-1] if stack else None
        if top is not None and top.kind in ("code", "pre") and not _mdv2_closes(top.kind, text, i):
            out.add(char)
            i += 1
            continue
        if top is not None and char in MARKDOWN_V2_RESERVED and _mdv2_closes(top.kind, text, i):
            stack.pop()
            i = _close_mdv2(text, i, top, entities, out.u16)
            continue
        if char not in MARKDOWN_V2_RESERVED:
            out.add(char)
            i += 1
            continue
        i = _open_mdv2(text, i, stack, out)
    if stack:
        top = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MD_TITLES[top.kind]} entity at byte offset {top.byte_pos}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.text(), entities


def _open_mdv2(text: str, i: int, stack: list[_OpenMd], out: _Builder) -> int:
    char = text[i]
    following = text[i + 1] if i + 1 < len(text) else ""
    byte_pos = _byte_offset(text, i)
    if char == "_":
        kind, width = ("underline", 2) if following == "_" else ("italic", 1)
    elif char == "|" and following == "|":
        kind, width = "spoiler", 2
    elif char in _MDV2_SIMPLE:
        kind, width = _MDV2_SIMPLE[char], 1
    elif char == "[":
        kind, width = "text_link", 1
    elif char == "!" and following == "[":
        kind, width = "custom_emoji", 2
    elif char == "`" and text.startswith("```", i):
        end_of_line = text.find("\n", i + 3)
        language = text[i + 3 : end_of_line] if end_of_line >= 0 else ""
        width = 3 + len(language) + 1 if end_of_line >= 0 and language.strip() else 3
        stack.append(_OpenMd("pre", out.u16, byte_pos, language.strip() or None))
        return i + width
    elif char == "`":
        kind, width = "code", 1
    elif char == ">" and (i == 0 or text[i - 1] == "\n"):
        # A block quote line: the marker is dropped; the entity itself is not tracked.
        return i + 1
    else:
        raise EntityParseError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )
    if any(open_.kind == kind for open_ in stack):
        raise EntityParseError(
            f"Can't find end of {_MD_TITLES[kind]} entity at byte offset {byte_pos}"
        )
    stack.append(_OpenMd(kind, out.u16, byte_pos))
    return i + width


def _close_mdv2(text: str, i: int, top: _OpenMd, entities: list[JSONDict], position: int) -> int:
    width = {"underline": 2, "spoiler": 2, "pre": 3}.get(top.kind, 1)
    i += width
    length = position - top.start
    entity: JSONDict = {"type": top.kind, "offset": top.start, "length": length}
    if top.kind == "pre" and top.language:
        entity["language"] = top.language
    if top.kind in ("text_link", "custom_emoji"):
        if i >= len(text) or text[i] != "(":
            return i  # "[text]" without a URL is plain text
        url_chars: list[str] = []
        j = i + 1
        while j < len(text) and text[j] != ")":
            if text[j] == "\\" and j + 1 < len(text):
                j += 1
            url_chars.append(text[j])
            j += 1
        if j >= len(text):
            raise EntityParseError(
                f"Can't find end of a url at byte offset {_byte_offset(text, i)}"
            )
        url = "".join(url_chars)
        if top.kind == "custom_emoji":
            entity["custom_emoji_id"] = url.removeprefix("tg://emoji?id=")
        else:
            entity["url"] = url
        i = j + 1
    if length > 0:
        entities.append(entity)
    return i


def parse_markdown(text: str) -> tuple[str, list[JSONDict]]:
    """Parse legacy Markdown (*bold*, _italic_, `code`, ```pre```, [text](url))."""
    out = _Builder()
    entities: list[JSONDict] = []
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        byte_pos = _byte_offset(text, i)
        start = out.u16
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {byte_pos}"
                )
            out.add(text[i + 3 : end])
            entities.append({"type": "pre", "offset": start, "length": out.u16 - start})
            i = end + 3
            continue
        closer = "]" if char == "[" else char
        end = text.find(closer, i + 1)
        if end < 0:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {byte_pos}"
            )
        out.add(text[i + 1 : end])
        kind = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}[char]
        entity: JSONDict = {"type": kind, "offset": start, "length": out.u16 - start}
        i = end + 1
        if char == "[":
            if i < n and text[i] == "(" and (url_end := text.find(")", i)) >= 0:
                entity["url"] = text[i + 1 : url_end]
                i = url_end + 1
            else:
                continue
        if entity["length"] > 0:
            entities.append(entity)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.text(), entities


def parse(text: str, parse_mode: str | None) -> tuple[str, list[JSONDict]]:
    """Parse text for a parse_mode name as the Bot API accepts it (case-insensitive)."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ValueError(f"Unsupported parse mode {parse_mode!r}")


def trim(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Strip surrounding whitespace as Telegram does, keeping entities aligned."""
    stripped_left = text.lstrip(_TRIMMED)
    result = stripped_left.rstrip(_TRIMMED)
    shift = utf16_len(text) - utf16_len(stripped_left)
    total = utf16_len(result)
    kept: list[JSONDict] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept
