"""Article Markdown becomes Telegram HTML that is always escaped, balanced and ≤ 4096 long."""

from html.parser import HTMLParser

import pytest

from bot.formatting import MESSAGE_LIMIT, article_messages, escape_html, markdown_to_html

TELEGRAM_TAGS = {"b", "i", "s", "u", "code", "pre", "a", "blockquote"}


class _Checker(HTMLParser):
    """Fail on unknown tags or unbalanced nesting, as Telegram would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in TELEGRAM_TAGS, f"Telegram does not know <{tag}>"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def telegram_length(text: str) -> int:
    """Count as Telegram does, in UTF-16 code units (here, not with the code under test)."""
    return len(text.encode("utf-16-le")) // 2


def visible(html: str) -> str:
    """Parse like Telegram: check the tags, return the text people see."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert not checker.stack, f"unclosed {checker.stack}"
    return "".join(checker.text)


def test_markup_is_rendered_and_everything_else_escaped() -> None:
    html = markdown_to_html("**مهم:** به `portal` بروید & <script>alert(1)</script>")
    assert html.startswith("<b>مهم:</b> به <code>portal</code>")
    assert "<script>" not in html
    assert visible(html) == "مهم: به portal بروید & <script>alert(1)</script>"


def test_headings_lists_quotes_and_code_blocks() -> None:
    html = markdown_to_html("# عنوان\n- یک\n- دو\n\n> نقل\n\n```\nx < y\n```")
    assert "<b>عنوان</b>" in html
    assert "• یک\n• دو" in html
    assert "<blockquote>نقل</blockquote>" in html
    assert "<pre>x &lt; y</pre>" in html
    visible(html)


def test_numbered_lists_are_numbered_in_persian_digits() -> None:
    html = markdown_to_html(
        "1. **اول** وارد شوید\n2) رمز را بنویسید\n   10. زیرمرحله\n2024 سال خوبی بود"
    )
    assert html.splitlines() == [
        "۱. <b>اول</b> وارد شوید",
        "۲) رمز را بنویسید",
        "  ۱۰. زیرمرحله",
        "2024 سال خوبی بود",  # a number in prose is the editor's to write
    ]


def test_only_safe_links_become_links() -> None:
    html = markdown_to_html("[پورتال](https://example.com/a?b=1&c=2) و [بد](javascript:alert)")
    assert '<a href="https://example.com/a?b=1&amp;c=2">پورتال</a>' in html
    assert "javascript" not in html
    visible(html)


def test_an_image_becomes_a_link_named_after_it_without_a_stray_mark() -> None:
    html = markdown_to_html("![نمودار](https://x.ir/a.png) و ![](https://x.ir/b.png)")
    assert html == (
        '<a href="https://x.ir/a.png">نمودار</a> و '
        '<a href="https://x.ir/b.png">https://x.ir/b.png</a>'
    )


def test_underscores_inside_words_stay_literal() -> None:
    assert markdown_to_html("snake_case_name") == "snake_case_name"


@pytest.mark.parametrize(
    "body",
    [
        "کلمه‌ای **پررنگ** " * 900,
        "\n\n".join(f"بند {i}: " + "متن " * 150 for i in range(12)),
        "```\n" + "print('سلام')\n" * 900 + "```",
        "x" * 10000,
        "&<>" * 3000,
        "😀 " * 3000,  # two UTF-16 units each: fewer characters fit in a message
    ],
)
def test_long_articles_split_into_valid_messages_within_the_limit(body: str) -> None:
    parts = article_messages("عنوان <مقاله>", body)
    assert len(parts) > 1
    assert parts[0].startswith("<b>عنوان &lt;مقاله&gt;</b>")
    for part in parts:  # Telegram's limit is on the text once the HTML is parsed
        assert telegram_length(visible(part)) <= MESSAGE_LIMIT


def test_links_long_addresses_take_no_room_in_the_message() -> None:
    # 30 links whose addresses make the HTML far longer than 4096; the text shown is short.
    body = "\n".join(
        f"- [راهنمای {i}](https://portal.example.ir/help/{'x' * 150}/{i})" for i in range(30)
    )
    (message,) = article_messages("پیوندها", body)
    assert telegram_length(message) > MESSAGE_LIMIT
    assert telegram_length(visible(message)) < 600


def test_short_article_is_one_message_with_its_title() -> None:
    parts = article_messages("بازیابی رمز", "به **پورتال** بروید.")
    assert parts == ["<b>بازیابی رمز</b>\n\nبه <b>پورتال</b> بروید."]


def test_escape_html_leaves_no_markup() -> None:
    assert escape_html("<b>&amp;</b>") == "&lt;b&gt;&amp;amp;&lt;/b&gt;"


def test_underscore_bold_and_strikethrough() -> None:
    assert markdown_to_html("__مهم__ و ~~قدیمی~~") == "<b>مهم</b> و <s>قدیمی</s>"


def test_a_paragraph_right_before_a_fence_stays_text_and_an_unclosed_fence_stays_code() -> None:
    html = markdown_to_html("**مرحله ۱:**\n```\nping portal\n```\n\n```\n**نه پررنگ**")

    assert html == "<b>مرحله ۱:</b>\n\n<pre>ping portal</pre>\n\n<pre>**نه پررنگ**</pre>"


def test_an_overlong_title_is_cut_to_200_characters_and_marked() -> None:
    (message,) = article_messages("ع" * 300, "متن")

    title = visible(message).split("\n")[0]
    assert title == "ع" * 199 + "…"
