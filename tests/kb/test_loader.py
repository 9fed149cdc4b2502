"""The article loader: good files load, every broken file is reported with file and line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.loader import declared_id, load_articles
from tests.kb.conftest import WriteArticle


def test_articles_are_found_recursively_with_folder_as_default_category(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    write_article("a1", "عنوان یک", folder="حساب/زیرپوشه")
    write_article("a2", "عنوان دو", folder="گزارش", category="گزارش‌ها")
    result = load_articles(tmp_path / "kb")
    assert result.errors == ()
    by_id = {a.id: a for a in result.articles}
    assert by_id["a1"].category == "حساب"
    assert by_id["a2"].category == "گزارش‌ها"


def test_questions_tags_and_body_are_read(write_article: WriteArticle, tmp_path: Path) -> None:
    write_article(
        "pw",
        "بازیابی رمز",
        "مراحل:\n1. ورود\n2. فراموشی رمز",
        questions=["رمزم یادم رفته", "رمزم یادم رفته"],
    )
    (article,) = load_articles(tmp_path / "kb").articles
    assert article.questions == ("رمزم یادم رفته",)  # duplicates dropped
    assert article.body.startswith("مراحل:")
    assert article.phrasings == ("بازیابی رمز", "رمزم یادم رفته")


def _error_of(write_article: WriteArticle, tmp_path: Path, raw: str) -> tuple[int, str]:
    path = write_article("x", "", raw=raw)
    result = load_articles(tmp_path / "kb")
    assert result.articles == ()
    (error,) = result.errors
    assert error.path == path
    return error.line, error.message


def test_missing_id_is_reported_on_its_line(write_article: WriteArticle, tmp_path: Path) -> None:
    line, message = _error_of(write_article, tmp_path, "---\ntitle: بدون شناسه\n---\nمتن\n")
    assert "id" in message and line == 1


def test_missing_title_is_reported(write_article: WriteArticle, tmp_path: Path) -> None:
    _, message = _error_of(write_article, tmp_path, "---\nid: no-title\n---\nمتن\n")
    assert "title" in message


def test_empty_body_is_reported(write_article: WriteArticle, tmp_path: Path) -> None:
    line, message = _error_of(write_article, tmp_path, "---\nid: e\ntitle: خالی\n---\n\n  \n")
    assert "خالی است" in message and line == 4


def test_bad_yaml_points_at_the_broken_line(write_article: WriteArticle, tmp_path: Path) -> None:
    raw = "---\nid: bad\ntitle: عنوان\nquestions: [یک, دو\ntags: x\n---\nمتن\n"
    line, message = _error_of(write_article, tmp_path, raw)
    assert "YAML" in message
    assert line in (4, 5, 6)


def test_unknown_field_is_reported_with_its_line(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    raw = "---\nid: u\ntitle: عنوان\nauthor: someone\n---\nمتن\n"
    line, message = _error_of(write_article, tmp_path, raw)
    assert "author" in message and line == 4


def test_answer_too_long_for_telegram_is_reported(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    raw = "---\nid: long\ntitle: بلند\n---\n" + "ب" * 4100 + "\n"
    _, message = _error_of(write_article, tmp_path, raw)
    assert "تلگرام در یک پیام دست‌بالا ۴۰۹۶ نویسه" in message


def test_link_addresses_do_not_count_against_telegrams_limit(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    links = "\n".join(
        f"- [راهنمای {i}](https://portal.example.ir/help/{'x' * 150}/{i})" for i in range(30)
    )
    write_article("links", "پیوندها", links)
    result = load_articles(tmp_path / "kb")
    assert [a.id for a in result.articles] == ["links"] and result.errors == ()


def test_missing_front_matter_is_reported(write_article: WriteArticle, tmp_path: Path) -> None:
    line, message = _error_of(write_article, tmp_path, "فقط متن\n")
    assert line == 1 and "---" in message


def test_unclosed_front_matter_is_reported(write_article: WriteArticle, tmp_path: Path) -> None:
    line, message = _error_of(write_article, tmp_path, "---\nid: a\ntitle: ب\nمتن\n")
    assert "بسته نشده" in message and line == 1  # the fence that opens it


def test_an_empty_id_is_reported_as_required_on_its_line(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    line, message = _error_of(write_article, tmp_path, "---\nid:\ntitle: ب\n---\nمتن\n")
    assert (line, message) == (2, "«id» لازم است")


def test_a_title_that_is_not_text_is_reported(write_article: WriteArticle, tmp_path: Path) -> None:
    line, message = _error_of(write_article, tmp_path, "---\nid: b\ntitle: [الف, ب]\n---\nمتن\n")
    assert (line, message) == (3, "«title» باید متن باشد")


def test_empty_or_structured_questions_are_reported_on_the_questions_line(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    raw = "---\nid: c\ntitle: ج\nquestions:\n  - یک\n  - ''\n---\nمتن\n"
    line, message = _error_of(write_article, tmp_path, raw)
    assert (line, message) == (4, "هر بند «questions» باید متنی ناتهی باشد")
    raw = "---\nid: c\ntitle: ج\nquestions:\n  - {x: 1}\n---\nمتن\n"
    assert _error_of(write_article, tmp_path, raw)[0] == 4


def test_readmes_and_hidden_or_underscored_paths_are_not_articles(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    write_article("real", "عنوان")
    kb = tmp_path / "kb"
    for relative in ("README.md", "راهنما/README.md", "_drafts/x.md", ".trash/y.md", "_x.md"):
        (kb / relative).parent.mkdir(parents=True, exist_ok=True)
        (kb / relative).write_text("no front matter\n", encoding="utf-8")

    result = load_articles(kb)

    assert result.errors == ()
    assert [a.id for a in result.articles] == ["real"]


def test_invalid_id_is_reported(write_article: WriteArticle, tmp_path: Path) -> None:
    _, message = _error_of(write_article, tmp_path, "---\nid: رمز عبور\ntitle: ب\n---\nمتن\n")
    assert "شناسهٔ «رمز عبور» باید ۱ تا ۴۸ نویسه" in message


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "kb" / "bad.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"---\nid: a\ntitle: " + b"\xff\xfe\n---\nx\n")
    (error,) = load_articles(tmp_path / "kb").errors
    assert error.path == path and error.line == 3 and "UTF-8" in error.message


def _older(path: Path, seconds: int = 3600) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 1_000_000_000))


def test_a_duplicate_id_serves_the_older_file_and_reports_both(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    # An editor's draft copied beside the article (sorting before it) must not replace it.
    original = write_article("same", "اصلی", folder="b")
    _older(original)
    draft = write_article("same", "پیش‌نویس", folder="a")
    result = load_articles(tmp_path / "kb")
    assert [a.title for a in result.articles] == ["اصلی"]
    on_draft, on_original = result.errors
    assert (on_draft.path, on_draft.line) == (draft, 2)
    assert f"در {original} هم هست و آن فایل در سرویس است" in on_draft.message
    assert (on_original.path, on_original.line) == (original, 2)
    assert str(draft) in on_original.message


def test_a_duplicate_id_serves_the_file_in_service_whatever_its_age(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    in_service = write_article("same", "در حال سرویس", folder="b")
    _older(write_article("same", "کپی قدیمی", folder="a"))
    result = load_articles(tmp_path / "kb", serving={"same": in_service})
    assert [a.title for a in result.articles] == ["در حال سرویس"]


def test_articles_are_found_through_linked_folders_and_in_any_case(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    write_article("local", "محلی")
    shared = tmp_path / "shared-reports"
    shared.mkdir()
    (shared / "export.MD").write_text(
        "---\nid: export\ntitle: خروجی گزارش\n---\nمتن\n", encoding="utf-8"
    )
    (tmp_path / "kb" / "reports").symlink_to(shared, target_is_directory=True)
    (shared / "loop").symlink_to(tmp_path / "kb", target_is_directory=True)  # never walked twice
    result = load_articles(tmp_path / "kb")
    assert sorted(a.id for a in result.articles) == ["export", "local"]
    assert result.errors == ()


def test_error_text_names_file_and_line(write_article: WriteArticle, tmp_path: Path) -> None:
    path = write_article("x", "", raw="---\nid: u\ntitle: t\nextra: 1\n---\nمتن\n")
    (error,) = load_articles(tmp_path / "kb").errors
    assert str(error).startswith(f"{path}:4: ")


def test_missing_directory_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = load_articles(tmp_path / "nowhere")
    assert result.articles == ()
    assert "وجود ندارد" in result.errors[0].message


MARKUP_ARTICLE = """---
id: report-columns
title: ستون‌های گزارش
---
ستون‌های گزارش ماهانه:

| ستون | معنی |
|---|---|
| مبلغ | جمع فاکتورها |

![نمودار ستون‌ها](https://portal.example.ir/help/columns.png)
برای راهنمای بیشتر <br> [این صفحه](help/columns) را ببینید.

```
| این | جدول نیست، نمونهٔ خروجی است |
|---|---|
<b>
```
کد `<tag>` را در جست‌وجو بنویسید.
"""


def test_markdown_telegram_cannot_show_is_a_located_warning_and_the_article_is_served(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    path = write_article("report-columns", "", raw=MARKUP_ARTICLE)
    result = load_articles(tmp_path / "kb")
    assert result.errors == ()
    assert [a.id for a in result.articles] == ["report-columns"]
    found = [(w.line, w.message.split(":")[0].split(" «")[0]) for w in result.warnings]
    assert found == [
        (7, "جدول Markdown"),
        (11, "تصویر"),
        (12, "پیوند"),
        (12, "برچسب HTML"),
    ]  # nothing from the fenced code or the inline code
    assert all(w.path == path and w.warning for w in result.warnings)
    assert str(result.warnings[2]).startswith(f"{path}:12: هشدار: پیوند «این صفحه»")
    assert "«نمودار ستون‌ها»" in result.warnings[1].message  # the image named by its alt text


def test_a_broken_article_reports_its_warnings_beside_its_errors(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    write_article("x", "", raw="---\nid: x\n---\nمتن <br> دیگر\n")
    result = load_articles(tmp_path / "kb")
    assert result.articles == ()
    assert [e.message for e in result.errors] == ["«title» لازم است"]
    assert [(w.line, w.warning) for w in result.warnings] == [(4, True)]


def test_an_empty_questions_field_means_no_other_phrasings(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    write_article("q", "", raw="---\nid: q\ntitle: ب\nquestions:\ntags:\n---\nمتن\n")

    result = load_articles(tmp_path / "kb")

    assert result.errors == ()
    assert [(a.id, a.questions, a.tags) for a in result.articles] == [("q", (), ())]


def test_editors_comments_never_reach_customers_and_autolinks_become_links(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    body = (
        "برای ورود به پورتال بروید به <https://portal.example.ir>\n"
        "<!-- TODO: شماره تلفن را پیش از انتشار عوض کنید -->\n"
        "با پشتیبانی تماس بگیرید. <!-- داخلی: فقط برای VIP -->\n"
        "<!--\nیادداشت چندخطی\n-->\n"
        "```\n<!-- در کد همان‌طور که نوشته شده -->\n```"
    )
    write_article("portal", "ورود به پورتال", body)
    result = load_articles(tmp_path / "kb")
    (article,) = result.articles
    assert "TODO" not in article.body and "داخلی" not in article.body
    assert "یادداشت چندخطی" not in article.body
    assert "پورتال بروید به https://portal.example.ir" in article.body
    assert "<!-- در کد همان‌طور که نوشته شده -->" in article.body  # code is shown as typed
    assert result.errors == () and result.warnings == ()


def test_a_comment_never_closed_is_shown_as_typed_and_reported(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    path = write_article("x", "عنوان", "خط اول\n<!-- یادداشت بی‌پایان\nخط سوم")
    result = load_articles(tmp_path / "kb")
    (article,) = result.articles
    assert "<!-- یادداشت بی‌پایان" in article.body
    (warning,) = result.warnings
    assert (warning.path, warning.line) == (path, 6) and "بسته نشده" in warning.message


def test_number_like_ids_and_questions_stay_as_typed(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    for article_id, title in (("010", "ده"), ("1.50", "یک و نیم"), ("12-30", "ساعت")):
        write_article(article_id, title, questions=["1.10", "yes", "12:30"])
    result = load_articles(tmp_path / "kb")
    assert sorted(a.id for a in result.articles) == ["010", "1.50", "12-30"]
    assert {a.questions for a in result.articles} == {("1.10", "yes", "12:30")}
    assert result.errors == ()


def test_an_invisible_control_character_is_reported_on_its_line(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    # Pasted from a PDF: PostgreSQL refuses U+0000 in text, so the answer could not be sent.
    line, message = _error_of(write_article, tmp_path, "---\nid: a\ntitle: ب\n---\nمتن\x00 پاسخ\n")
    assert line == 5 and "U+0000" in message and "نویسهٔ کنترلی" in message
    write_article("x", "", raw="---\nid: b\ntitle: ب\n---\nستون\tدوم\r\n")  # mended
    assert load_articles(tmp_path / "kb").errors == ()  # a tab and a line end are no trouble


@pytest.mark.parametrize("mark", ["\u2028", "\u2029", "\x85"])
def test_an_invisible_line_break_in_the_front_matter_is_reported_on_its_line(
    mark: str, write_article: WriteArticle, tmp_path: Path
) -> None:
    # A title or question pasted from a web page or a PDF: YAML reads the mark as a line
    # break, editors show nothing, and the YAML error named another line.
    raw = f"---\nid: a\ntitle: بازیابی{mark}رمز\nquestions:\n  - رمزم یادم رفته\n---\nمتن\n"
    line, message = _error_of(write_article, tmp_path, raw)
    assert (line, message) == (
        3,
        f"نویسهٔ کنترلی نادیدنی U+{ord(mark):04X} در این سطر است (معمولاً از رونوشت PDF یا"
        " Word)؛ پاکش کنید",
    )
    raw = f"---\nid: a\ntitle: بازیابی\nquestions:\n  - رمزم{mark}یادم رفته\n  - رمز\n---\nمتن\n"
    assert _error_of(write_article, tmp_path, raw)[0] == 5
    write_article("x", "", raw=f"---\nid: a\ntitle: ب\n---\nسطر{mark}دوم\n")  # in the answer
    assert load_articles(tmp_path / "kb").errors == ()  # it is no trouble: served as before


def test_a_title_longer_than_a_button_shows_is_a_warning(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    title = "راه‌اندازی ورود یکپارچه برای سازمان مشتری (SAML و OpenID Connect)"  # 65
    path = write_article("sso", title)
    result = load_articles(tmp_path / "kb")
    (warning,) = result.warnings
    assert [a.id for a in result.articles] == ["sso"]  # served all the same
    assert (warning.path, warning.line) == (path, 3)
    assert warning.message.startswith("عنوان ۶۵ نویسه است و دکمهٔ فهرست‌ها و پیشنهادها ۶۰")


def test_yaml_problems_are_described_in_persian_on_their_line(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    # The README promises problems in Persian: PyYAML's English may follow, in parentheses.
    raw = "---\nid: bad\ntitle: عنوان\ntags: [یک, دو\n---\nمتن\n"
    line, message = _error_of(write_article, tmp_path, raw)
    assert line == 4
    assert message.startswith("سرآغاز مقاله YAML درستی نیست: فهرست «[» بسته نشده است؛")
    assert message.endswith("(expected ',' or ']', but got '<stream end>')")

    raw = "---\nid: bad\ntitle: خطا: ورود ناموفق\n---\nمتن\n"
    line, message = _error_of(write_article, tmp_path, raw)
    assert line == 3 and "«:» در این سطر جای درستی ندارد" in message
    assert "در گیومهٔ لاتین بگذارید" in message

    raw = '---\nid: bad\ntitle: "عنوان\ncategory: حساب\n---\nمتن\n'
    line, message = _error_of(write_article, tmp_path, raw)
    assert line == 3 and "گیومه‌ای که مقدار این سطر با آن آغاز شده بسته نشده است" in message

    raw = "---\nid: bad\ntitle: @عنوان\n---\nمتن\n"
    line, message = _error_of(write_article, tmp_path, raw)
    assert line == 3 and "مقدار با «@» آغاز شده" in message


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        ("---\nid: bad\ntitle: عنوان\ntags: [یک, دو\ncategory: حساب\n---\nمتن\n", 4),
        ("---\nid: bad\ntags: [یک,\n  دو\ntitle: عنوان\nquestions:\n  - پرسش\n---\nمتن\n", 3),
        ("---\nid: bad\ntitle: عنوان\ntags: {یک: دو\ncategory: حساب\n---\nمتن\n", 4),
    ],
)
def test_a_list_or_map_left_open_is_reported_on_the_line_of_its_bracket(
    write_article: WriteArticle, tmp_path: Path, raw: str, line: int
) -> None:
    found, message = _error_of(write_article, tmp_path, raw)
    assert found == line and "بسته نشده است" in message


def test_a_tag_in_a_value_is_described_in_persian_in_one_line(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    raw = "---\nid: !!python/object bad\ntitle: عنوان\n---\nمتن\n"
    line, message = _error_of(write_article, tmp_path, raw)
    assert line == 2 and "\n" not in message
    assert message.startswith("مقدار «id» YAML درستی نیست: «!!python/object» برچسب YAML است")


def test_a_front_matter_line_without_a_colon_gets_the_key_value_message(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    key_value = "سرآغاز مقاله باید سطرهایی به شکل «کلید: مقدار» باشد"
    for raw, expected_line in (
        ("---\nid: bad\ntitle عنوان\n---\nمتن\n", 3),  # the last line
        ("---\ntitle عنوان\nid: bad\n---\nمتن\n", 2),  # PyYAML notices it a line later
        ("---\nid: bad\nfoo\ntitle: عنوان\n---\nمتن\n", 3),
        ("---\nid: bad\ntitle: عنوان\nquestions:\n  - یک\nدو\n---\nمتن\n", 6),
        ("---\nid: bad\ntitle:عنوان\ncategory: حساب\n---\nمتن\n", 3),  # no space after «:»
    ):
        assert _error_of(write_article, tmp_path, raw) == (expected_line, key_value), raw


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("---\nid: upload-limit\ntitle: [حجم\n", "upload-limit"),  # never closed
        ("---\ntitle: «حجم\nid: 'upload-limit'   # stable\nquestions: [a\n---\n", "upload-limit"),
        ('---\nid: "pw.reset"\n---\nمتن\n', "pw.reset"),
        ("---\nid: رمز\n---\n", None),  # not an id the loader takes
        ("---\ntitle: x\n---\nid: later\n", None),  # in the answer, not the front matter
        ("id: bare\n", None),  # no front matter
        ("---\n  id: nested\n---\n", None),
    ],
)
def test_a_broken_file_still_says_which_id_it_declares(
    write_article: WriteArticle, tmp_path: Path, front: str, expected: str | None
) -> None:
    path = write_article("x", "", raw=front)
    assert declared_id(path) == expected
    assert load_articles(tmp_path / "kb").broken == ((path, expected),)
