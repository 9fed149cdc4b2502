"""The fake's parse_mode handling matches what Telegram accepts and refuses."""

from __future__ import annotations

import pytest

from tests.fake_telegram.parse_mode import (
    EntityParseError,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    trim,
)


def test_html_nested_tags_give_nested_entities() -> None:
    text, entities = parse_html("<b>رمز <i>عبور</i></b>")
    assert text == "رمز عبور"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 8},
        {"type": "italic", "offset": 4, "length": 4},
    ]


def test_html_offsets_count_utf16_units_like_telegram() -> None:
    text, entities = parse_html("😀 <b>x</b>")
    assert text == "😀 x"
    assert entities == [{"type": "bold", "offset": 3, "length": 1}]


def test_html_entities_are_decoded_and_a_bare_ampersand_stays() -> None:
    text, _ = parse_html("&lt;a&gt; &amp; &quot; &#1587; & co")
    assert text == '<a> & " س & co'


def test_html_pre_with_language_is_one_entity() -> None:
    _, entities = parse_html('<pre><code class="language-python">print(1)</code></pre>')
    assert entities == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]


def test_html_user_link_becomes_text_mention() -> None:
    _, entities = parse_html('<a href="tg://user?id=42">علی</a>')
    assert entities[0]["type"] == "text_mention"
    assert entities[0]["user"]["id"] == 42


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("سلام <x>", 'Unsupported start tag "x" at byte offset 9'),
    ],
)
def test_html_errors_match_telegram_wording(html: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(html)
    assert error in str(caught.value)


def test_markdown_v2_entities_and_escapes() -> None:
    text, entities = parse_markdown_v2(r"*پررنگ* _کج_ [پیوند](https://example.com/a\)b) 1\.5")
    assert text == "پررنگ کج پیوند 1.5"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "italic", "offset": 6, "length": 2},
        {"type": "text_link", "offset": 9, "length": 5, "url": "https://example.com/a)b"},
    ]


@pytest.mark.parametrize(
    ("markdown", "error"),
    [
        ("نسخه 1.5", "Character '.' is reserved"),
        ("*unclosed", "Can't find end of Bold entity at byte offset 0"),
        ("a-b", "Character '-' is reserved"),
    ],
)
def test_markdown_v2_errors_match_telegram_wording(markdown: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_markdown_v2(markdown)
    assert error in str(caught.value)


def test_markdown_v2_code_keeps_reserved_characters() -> None:
    text, entities = parse_markdown_v2("`a.b-c`")
    assert text == "a.b-c"
    assert entities == [{"type": "code", "offset": 0, "length": 5}]


def test_legacy_markdown_parses_and_rejects_unclosed() -> None:
    assert parse_markdown("*a* _b_")[0] == "a b"
    with pytest.raises(EntityParseError):
        parse_markdown("*a")


def test_trim_strips_surrounding_whitespace_and_shifts_entities() -> None:
    text, entities = trim("  سلام  ", [{"type": "bold", "offset": 2, "length": 4}])
    assert text == "سلام"
    assert entities == [{"type": "bold", "offset": 0, "length": 4}]
