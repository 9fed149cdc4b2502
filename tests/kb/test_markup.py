"""Links, escapes and the Markdown Telegram cannot show: as the customer gets an answer, and
what `kb check` says about the rest (with file and line)."""

from __future__ import annotations

from pathlib import Path

from bot.formatting import markdown_to_html
from kb.loader import load_articles
from kb.markup import plain_text
from tests.kb.conftest import WriteArticle

PORTAL = """\
---
id: portal-guide
title: راهنمای **ورود** به پورتال
---
۱. راهنما در [ویکی](https://fa.wikipedia.org/wiki/رمز_(رمزنگاری)) است.
۲. فرم در [پوشهٔ فرم‌ها](https://files.example.ir/فرم های اداری/درخواست.pdf) است.
۳. یا [همین فرم](<https://files.example.ir/my forms/a.pdf>) یا [آن](https://x.ir/a "عنوان").
۴. نام فایل را \\*بدون\\* پسوند و `[x](a b)` را همان‌طور بنویسید.
۵. جزئیات در [راهنمای پورتال][راهنما] آمده است.

[راهنما]: https://portal.example.ir/help
مراحل
=====
[پورتال](https://x.ir) یا [نسبی](پوشه با فاصله/راهنما)
"""


def test_link_addresses_with_parentheses_spaces_or_brackets_reach_customers_as_links(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    write_article("portal-guide", "", raw=PORTAL)
    (article,) = load_articles(tmp_path / "kb").articles
    html = markdown_to_html(article.body)
    for address in (
        "https://fa.wikipedia.org/wiki/رمز_(رمزنگاری)",
        "https://files.example.ir/فرم%20های%20اداری/درخواست.pdf",
        "https://files.example.ir/my%20forms/a.pdf",
        "https://x.ir/a",
    ):
        assert f'<a href="{address}">' in html
    assert '(رمزنگاری)">ویکی</a> است' in html  # not cut at the first «)»
    assert "<code>[x](a b)</code>" in html  # code is shown as typed
    lines = plain_text(article.body).splitlines()
    assert lines[0] == "۱. راهنما در ویکی (https://fa.wikipedia.org/wiki/رمز_(رمزنگاری)) است."


def test_a_backslash_shows_the_character_after_it_as_typed() -> None:
    assert markdown_to_html("نام را \\*بدون\\* پسوند و 1\\. و \\_x\\_ بنویسید") == (
        "نام را *بدون* پسوند و 1. و _x_ بنویسید"
    )
    assert plain_text("\\*مهم\\* و \\\\ و C:\\Users") == "*مهم* و \\ و C:\\Users"
    assert markdown_to_html("*نیم\\*ه*") == "<i>نیم*ه</i>"


def test_what_still_cannot_render_is_a_located_warning(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    path = write_article("portal-guide", "", raw=PORTAL)
    result = load_articles(tmp_path / "kb")
    assert [a.id for a in result.articles] == ["portal-guide"]  # served all the same
    found = sorted((w.line, w.message) for w in result.warnings)
    assert all(w.path == path and w.warning for w in result.warnings)
    assert [line for line, _ in found] == [3, 9, 11, 13, 14]
    title, reference, definition, underline, relative = (message for _, message in found)
    assert title.startswith("عنوان Markdown دارد («**ورود**»)")
    assert reference.startswith("«[راهنمای پورتال][راهنما]» پیوند Markdown")
    assert definition.startswith("تعریف پیوند ارجاعی «[راهنما]:»")
    assert underline.startswith("خط «=====» زیر یک سطر، عنوان نمی‌سازد")
    assert relative.startswith("«[نسبی](پوشه با فاصله/راهنما)» پیوند Markdown")


def test_a_rule_after_a_blank_line_or_a_list_is_no_heading_underline(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    write_article("x", "عنوان", "متن\n\n---\n- بند\n---\n***\n[پورتال](https://x.ir) و \\[نه]")
    assert load_articles(tmp_path / "kb").warnings == ()
