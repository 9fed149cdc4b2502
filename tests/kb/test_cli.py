"""`python -m kb` as editors and other tools use it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kb import cli, texts
from kb.cli import main
from tests.kb.conftest import WriteArticle

ROOT = Path(__file__).resolve().parents[2]


def run_kb(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_check_passes_a_good_kb_with_a_summary(
    sample_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--kb-dir", str(sample_kb)]) == 0
    out = capsys.readouterr().out
    assert "۵ مقاله" in out and "۲ دسته" in out


def test_check_fails_with_located_errors(
    sample_kb: Path, write_article: WriteArticle, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_article("bad", "", raw="---\nid: bad\ntitle: عنوان\nfoo: 1\n---\nمتن\n")
    assert main(["check", "--kb-dir", str(sample_kb)]) == 1
    printed = capsys.readouterr()
    assert f"{bad}:4: فیلد ناشناختهٔ «foo» (فیلدهای مجاز: category، id، " in printed.out
    assert "۱ مشکل پیدا شد" in printed.err  # and the last good version stays in service


def test_check_names_a_link_to_nothing(
    sample_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It said "no problem" for a KB one article short: the link's target was never deployed.
    link = sample_kb / "docs" / "vpn.md"
    link.symlink_to(tmp_path / "release" / "vpn.md")
    assert main(["check", "--kb-dir", str(sample_kb)]) == 1
    printed = capsys.readouterr()
    assert f"{link}:0: فایل خوانده نشد: " in printed.out
    assert "۱ مشکل پیدا شد" in printed.err


def test_check_warns_about_markdown_telegram_cannot_show_and_still_passes(
    sample_kb: Path, write_article: WriteArticle, capsys: pytest.CaptureFixture[str]
) -> None:
    table = write_article("fees", "تعرفه‌ها", "| طرح | مبلغ |\n|---|---|\n| پایه | ۱۰ |")
    assert main(["check", "--kb-dir", str(sample_kb)]) == 0  # served: a warning, not an error
    out = capsys.readouterr().out
    assert f"{table}:5: هشدار: جدول Markdown: تلگرام جدول نشان نمی‌دهد" in out
    assert "۶ مقاله در ۳ دسته، با ۱۰ پرسش جایگزین، همه در سرویس؛ ⚠ ۱ هشدار" in out


def test_check_warns_about_a_question_two_articles_share(
    sample_kb: Path, write_article: WriteArticle, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = write_article("export-pdf", "راهنمای دانلود گزارش پی دی اف", questions=["دانلود گزارش"])
    assert main(["check", "--kb-dir", str(sample_kb)]) == 0  # both stay in service
    out = capsys.readouterr().out
    first = sample_kb / "docs" / "report-export.md"
    assert f"{copy}:5: هشدار: پرسش «دانلود گزارش» در «report-export» هم آمده است " \
           f"({first}:6)" in out  # fmt: skip
    assert "⚠ ۱ هشدار" in out


def test_check_lists_a_files_warnings_in_the_order_of_its_lines(
    sample_kb: Path, write_article: WriteArticle, capsys: pytest.CaptureFixture[str]
) -> None:
    # A question two articles share (line 5) was listed after the file's markup (line 7),
    # and in a long list an editor reading top-down passed it by.
    copy = write_article(
        "export-pdf", "راهنمای دانلود", "متن <br> پاسخ", questions=["دانلود گزارش"]
    )
    assert main(["check", "--kb-dir", str(sample_kb)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(str(copy))]
    assert [line.split(": ")[0] for line in lines] == [f"{copy}:5", f"{copy}:7"]


def test_check_says_each_problem_once(sample_kb: Path, write_article: WriteArticle) -> None:
    bad = write_article("bad", "", raw="---\nid: bad\ntitle: عنوان\nfoo: 1\n---\nمتن <br>\n")
    done = run_kb("check", "--kb-dir", str(sample_kb))
    said = (done.stdout + done.stderr).decode()
    assert done.returncode == 1
    assert said.count(f"{bad}:4: فیلد ناشناختهٔ «foo»") == 1
    assert said.count(f"{bad}:6: هشدار: برچسب HTML «<br>»") == 1


def test_ask_shows_the_decision_and_the_answer(
    sample_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--kb-dir", str(sample_kb), "حجم", "مجاز", "فایل", "چقدره"]) == 0
    out = capsys.readouterr().out
    assert "upload-limit" in out and "۲۰ مگابایت" in out
    assert texts.CHAT_HELPFUL in out  # as the bot would ask after an answer
    assert re.search(r"upload-limit +[۰۱]٫[۰-۹]{3}  حداکثر حجم", out)  # scores in Persian digits


def test_ask_says_when_the_bot_would_not_ask_the_kb_at_all(
    sample_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # «ask» is how the bot would answer: small talk gets a short word, a request for a person
    # a ticket at once, whatever the KB would have made of it.
    assert main(["ask", "--kb-dir", str(sample_kb), "سلام", "وقت", "بخیر"]) == 0
    assert capsys.readouterr().out.startswith(texts.ASK_NOT_A_QUESTION + "\n")
    assert main(["ask", "--kb-dir", str(sample_kb), "با", "کارشناس", "صحبت", "کنم"]) == 0
    assert capsys.readouterr().out.startswith(texts.ASK_PERSON + "\n")
    assert main(["ask", "--kb-dir", str(sample_kb), "رمزم", "یادم", "رفته"]) == 0
    out = capsys.readouterr().out
    assert texts.ASK_PERSON not in out and texts.ASK_NOT_A_QUESTION not in out


@pytest.mark.parametrize(
    ("words", "note"),
    [
        (["منو"], texts.ASK_MENU),
        (["📚", "دسته‌ها"], texts.ASK_MENU),
        (["راهنما"], texts.ASK_HELP),
        (["۲"], texts.ASK_PICK),
        (["دومی"], texts.ASK_PICK),
    ],
)
def test_ask_says_the_bot_shows_the_menu_the_help_or_no_list_to_pick_from(
    sample_kb: Path, capsys: pytest.CaptureFixture[str], words: list[str], note: str
) -> None:
    # Not «the question goes to a person»: the bot opens no ticket for these.
    assert main(["ask", "--kb-dir", str(sample_kb), *words]) == 0
    assert capsys.readouterr().out.startswith(note + "\n")


def test_chat_shows_the_categories_and_the_help_as_the_bot_does(sample_kb: Path) -> None:
    stdin = "حجم فایل و خروجی گزارش\nمنو\n۱\nراهنما\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert "یکی از این‌ها" in out  # guides offered, then the menu asked for
    assert texts.CHAT_MENU.format(categories="account، docs") in out
    assert texts.CHAT_HELP in out
    # The categories replace what was offered: «۱» then picks nothing.
    assert texts.CHAT_NOTHING_TO_PICK in out and texts.CHAT_HANDOFF not in out


def test_ask_shows_the_answer_as_customers_read_it_without_markdown_marks(
    write_article: WriteArticle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "برای **بازیابی**:\n\n1. به `پورتال` بروید.\n2. کد را بزنید."
    write_article("password-reset", "بازیابی رمز عبور", body, questions=["رمزم یادم رفته"])
    assert main(["ask", "--kb-dir", str(tmp_path / "kb"), "رمزم یادم رفته"]) == 0
    out = capsys.readouterr().out
    assert "برای بازیابی:\n\n۱. به پورتال بروید.\n۲. کد را بزنید." in out


def test_ask_says_why_nothing_was_offered(
    sample_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["ask", "--kb-dir", str(tmp_path / "empty"), "رمزم یادم رفته"]) == 0
    assert "پایگاه دانش هیچ مقاله‌ای ندارد" in capsys.readouterr().out
    assert main(["ask", "--kb-dir", str(sample_kb), "😀 !!"]) == 0
    out = capsys.readouterr().out
    assert "هیچ مقاله‌ای حتی اندکی" in out and "پایگاه دانش هیچ مقاله‌ای ندارد" not in out
    assert main(["ask", "--kb-dir", str(sample_kb), "فردا هوای تهران بارانی است؟"]) == 0
    out = capsys.readouterr().out
    assert "ارجاع به کارشناس" in out and "هیچ مقاله‌ای" not in out  # articles were ranked


def test_query_writes_one_json_line_per_input_line_even_for_garbage(sample_kb: Path) -> None:
    lines = ["رمزم یادم رفته", "", "   ", "😀", "\xff\xfe garbage", "a" * 12000, "a\u2028b\x85c",
             "حسابم قفل شده"]  # fmt: skip
    stdin = b"\n".join(line.encode("utf-8", errors="surrogateescape") for line in lines) + b"\n"
    stdin = stdin.replace("\xff\xfe".encode(), b"\xff\xfe")  # raw invalid UTF-8 bytes
    result = run_kb("query", "--kb-dir", str(sample_kb), stdin=stdin)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode().splitlines()  # as a reader splitting on any line break
    assert len(out) == len(lines)
    objects = [json.loads(line) for line in out]
    for obj in objects:
        assert set(obj) == {"query", "decision", "hits"}
        assert obj["decision"] in ("answer", "suggest", "handoff")
        assert len(obj["hits"]) <= 5
        scores = [h["score"] for h in obj["hits"]]
        assert scores == sorted(scores, reverse=True)
    assert objects[0]["query"] == "رمزم یادم رفته"
    assert objects[0]["hits"][0]["id"] == "password-reset"
    assert objects[1]["decision"] == "handoff"
    assert objects[-1]["hits"][0]["id"] == "account-locked"


def test_query_lists_the_five_best_articles_when_more_match(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    places = [
        "ایمیل",
        "پورتال",
        "وی پی ان",
        "سامانه مالی",
        "اتوماسیون اداری",
        "پایگاه داده",
        "وای فای",
    ]
    for n, place in enumerate(places):
        write_article(f"password-{n}", f"تغییر رمز عبور {place}")
    result = run_kb("query", "--kb-dir", str(tmp_path / "kb"), stdin="رمز عبور\n".encode())
    hits = json.loads(result.stdout)["hits"]
    assert len(hits) == 5
    assert {h["id"] for h in hits} < {f"password-{n}" for n in range(len(places))}
    assert all(0.0 < h["score"] < 1.0 for h in hits)  # scores to a few decimals, not 0 or 1


def question_file(folder: Path, *questions: dict[str, str | None]) -> Path:
    """A `kb eval` question file: one JSON object a line."""
    path = folder / "q.jsonl"
    lines = (json.dumps(q, ensure_ascii=False) + "\n" for q in questions)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_eval_prints_figures_and_fails_below_a_limit(
    sample_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = question_file(
        tmp_path,
        {"question": "رمز عبورم را فراموش کردم", "expected": "password-reset"},
        {"question": "قیمت سکه امروز چند است", "expected": None, "kind": "out_of_scope"},
    )
    assert main(["eval", "--kb-dir", str(sample_kb), str(questions), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["top1"] == 1.0 and figures["unanswerable_answered"] == 0.0
    missed = question_file(
        tmp_path,
        {"question": "رمز عبورم را فراموش کردم", "expected": "password-reset"},
        {"question": "گربه همسایه روی دیوار خوابیده", "expected": "password-reset"},
    )
    assert main(["eval", "--kb-dir", str(sample_kb), str(missed), "--min-top1", "0.9"]) == 1
    assert "✗ top1 = 0.500 (کمینهٔ خواسته‌شده 0.9)" in capsys.readouterr().err


def _one_found_one_handed_off(tmp_path: Path) -> Path:
    """Two answerable questions: one the KB finds, one it cannot place (a person gets it)."""
    return question_file(
        tmp_path,
        {"question": "رمز عبورم را فراموش کردم", "expected": "password-reset"},
        {"question": "گربه همسایه روی دیوار خوابیده", "expected": "password-reset"},
    )


def test_eval_counts_answerable_questions_handed_off(
    sample_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An answerable question the KB cannot place goes to a person: a figure KB editors watch.
    questions = _one_found_one_handed_off(tmp_path)
    assert main(["eval", "--kb-dir", str(sample_kb), str(questions), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["handed_off"] == 0.5
    limit = ["--max-handed-off", "0.4"]
    assert main(["eval", "--kb-dir", str(sample_kb), str(questions), *limit]) == 1
    assert "✗ handed_off = 0.500 (بیشینهٔ پذیرفتنی 0.4)" in capsys.readouterr().err
    assert main(["eval", "--kb-dir", str(sample_kb), str(questions), "--misses"]) == 0
    (missed,) = [line for line in capsys.readouterr().out.splitlines() if "expected=" in line]
    assert missed.startswith("[handoff ") and "expected=password-reset" in missed
    assert missed.endswith("گربه همسایه روی دیوار خوابیده")


def test_eval_json_with_misses_is_one_json_document_that_lists_them(
    sample_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CI keeps `eval --json --misses` as its report: the misses must not break the JSON.
    questions = _one_found_one_handed_off(tmp_path)
    args = ["eval", "--kb-dir", str(sample_kb), str(questions), "--json", "--misses"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["handed_off"] == 0.5
    (missed,) = report["misses"]
    assert missed["question"] == "گربه همسایه روی دیوار خوابیده"
    assert (missed["expected"], missed["decision"]) == ("password-reset", "handoff")
    assert set(missed) == {"question", "expected", "kind", "decision", "confidence", "top"}


def test_eval_without_a_file_scores_the_committed_questions(
    sample_kb: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.DEFAULT_QUESTIONS == ROOT / "kb" / "eval" / "questions.jsonl"
    assert cli.DEFAULT_QUESTIONS.is_file()
    stand_in = question_file(tmp_path, {"question": "حسابم قفل شده", "expected": "account-locked"})
    monkeypatch.setattr(cli, "DEFAULT_QUESTIONS", stand_in)
    assert main(["eval", "--kb-dir", str(sample_kb), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["answerable"] == 1


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "check" in capsys.readouterr().err  # the commands are listed


def test_eval_rejects_unknown_expected_ids(
    sample_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "x", "expected": "no-such-article"}\n', encoding="utf-8")
    assert main(["eval", "--kb-dir", str(sample_kb), str(questions)]) == 2
    assert "no-such-article" in capsys.readouterr().err


def test_chat_answers_until_exit(sample_kb: Path) -> None:
    stdin = "حسابم قفل شده\nخروج\n".encode()
    result = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin)
    assert result.returncode == 0
    assert "سی دقیقه" in result.stdout.decode()


def test_chat_takes_small_talk_as_the_bot_does_not_as_a_question(sample_kb: Path) -> None:
    stdin = "سلام\n👍\nنه\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert out.count(texts.CHAT_NOT_A_QUESTION) == 3
    assert texts.CHAT_HANDOFF not in out  # none of them goes to a person


def test_chat_says_a_request_for_a_person_goes_to_one(sample_kb: Path) -> None:
    # The bot hands the conversation over at once, whatever the KB would make of the words.
    stdin = "با یه آدم واقعی حرف بزنم\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert texts.CHAT_PERSON in out
    assert texts.CHAT_HELPFUL not in out and texts.CHAT_HANDOFF not in out


def test_chat_and_ask_keep_a_customer_who_refuses_a_person_with_the_guides(
    sample_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Both said a refusal of a person («نمیخوام با کارشناس صحبت کنم») opened a ticket.
    stdin = "نمیخوام با کارشناس صحبت کنم\nکارشناس نمیخوام، قیمت گوجه چنده\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert texts.CHAT_NO_PERSON in out and texts.CHAT_NO_GUIDE_NO_PERSON in out
    assert texts.CHAT_PERSON not in out and texts.CHAT_HANDOFF not in out
    assert main(["ask", "--kb-dir", str(sample_kb), "کارشناس نمیخوام، رمزم یادم رفته"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(texts.ASK_NO_PERSON_QUESTION.format(question="رمزم یادم رفته"))
    assert "password-reset" in out  # the KB asked about the password, not about support


def test_chat_reads_the_rest_of_a_question_with_the_line_whose_guides_wait(
    sample_kb: Path,
) -> None:
    # «بزرگه» alone went to a person; after «فایل» (its guide on screen), it is that guide.
    stdin = "فایل\nبزرگه\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert "۲۰ مگابایت" in out
    assert texts.CHAT_HANDOFF not in out


def test_chat_takes_a_typed_no_to_an_answer_as_the_bot_takes_thumbs_down(sample_kb: Path) -> None:
    stdin = "حسابم قفل شده\nکار نکرد\n۱\nبله\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert texts.CHAT_NOT_HELPFUL in out  # the other guides, as 👎 brings them
    others = out.split(texts.CHAT_NOT_HELPFUL)[1]
    first_other = others.split("۱. ")[1].splitlines()[0]
    assert "حساب کاربری قفل شده است" not in first_other  # not the one that did not help
    assert out.count(first_other) >= 2  # listed, then «۱» shows it
    assert out.count(texts.CHAT_HELPFUL) == 2  # asked of the answer and of the pick
    assert texts.CHAT_THANKS in out  # «بله» to the pick
    assert texts.CHAT_NOT_A_QUESTION not in out and texts.CHAT_HANDOFF not in out


def test_chat_goes_to_a_person_at_the_second_no_in_a_row_as_the_bot_does(
    sample_kb: Path,
) -> None:
    # Answered, «نه», a guide picked, «نه» again: the bot opens a ticket, it offers no more
    # guides (it used to list them again, the rejected answer first, for ever).
    stdin = "حسابم قفل شده\nکار نکرد\n۱\nنه\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert out.count(texts.CHAT_NOT_HELPFUL) == 1
    assert out.rstrip().endswith(texts.CHAT_NOT_HELPFUL_PERSON + "\n" + texts.CHAT_PROMPT.strip())


def test_chat_takes_a_typed_no_over_the_guides_offered_as_none_of_these(sample_kb: Path) -> None:
    stdin = "قفل\nنه\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert "منظورتان این است؟" in out
    assert texts.CHAT_HANDOFF_NONE in out and texts.CHAT_NOT_A_QUESTION not in out


def test_missing_kb_dir_is_a_clear_error(tmp_path: Path) -> None:
    result = run_kb("ask", "--kb-dir", str(tmp_path / "nope"), "سلام")
    assert result.returncode == 2
    assert "nope" in result.stderr.decode()


@pytest.mark.parametrize("pick", ["۱", "اولی"])
def test_chat_shows_the_suggestion_picked_by_number(sample_kb: Path, pick: str) -> None:
    # "گزارش" alone is unsure between articles: the bot offers choices, «۱» picks the first.
    stdin = f"حجم فایل و خروجی گزارش\n{pick}\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert "یکی از این‌ها" in out
    first_choice = out.split("۱. ")[1].splitlines()[0]
    assert out.count(first_choice) >= 2  # listed, then shown as the answer's title


@pytest.mark.parametrize("pick", ["۱", "بله"])
def test_chat_offers_a_single_suggestion_as_a_yes_or_no(sample_kb: Path, pick: str) -> None:
    stdin = f"قفل\n{pick}\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert "منظورتان این است؟" in out and "یکی از این‌ها" not in out
    assert "۱. حساب کاربری قفل شده است" in out
    assert "سی دقیقه" in out  # the pick shows it


def test_empty_threshold_setting_means_the_tuned_default(
    sample_kb: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KB_ANSWER_THRESHOLD", "")
    assert main(["ask", "--kb-dir", str(sample_kb), "حسابم قفل شده"]) == 0
    assert "account-locked" in capsys.readouterr().out


def test_check_on_a_folder_without_articles_warns_it_may_be_the_wrong_one(tmp_path: Path) -> None:
    result = run_kb("check", "--kb-dir", str(tmp_path))
    assert result.returncode == 0  # no article is no error: a new KB starts empty
    out = result.stdout.decode()
    assert "هیچ مقاله‌ای نیست" in out and "KB_DIR" in out and "مشکلی نیست" not in out


def test_eval_counts_answerable_questions_the_bot_reads_as_a_request_for_a_person(
    sample_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # In Telegram the first goes to a person before the KB is asked: no ranking answers it.
    questions = question_file(
        tmp_path,
        {
            "question": "میخوام با یه کارشناس درباره رمز عبورم صحبت کنم",
            "expected": "password-reset",
        },
        {"question": "رمز عبورم را فراموش کردم", "expected": "password-reset"},
        {"question": "با کارشناس صحبت کنم", "expected": None, "kind": "out_of_scope"},
    )
    assert main(["eval", "--kb-dir", str(sample_kb), str(questions), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["read_as_request"] == 0.5


def test_chat_takes_a_bare_digit_with_nothing_offered_as_the_bot_does(sample_kb: Path) -> None:
    stdin = "۲\nخروج\n".encode()
    out = run_kb("chat", "--kb-dir", str(sample_kb), stdin=stdin).stdout.decode()
    assert texts.CHAT_NOTHING_TO_PICK in out and texts.CHAT_HANDOFF not in out


def _first_line_then_close(args: list[str], stdin: Path | None, tmp_path: Path) -> tuple[int, str]:
    """Run `python -m kb` as `… | head -1` does: read one line, then close the pipe. The
    output must be larger than the pipe's buffer, so the writer is still writing then."""
    errors = tmp_path / "stderr.txt"
    environment = {**os.environ, "KB_SEMANTIC": "false"}
    with (
        errors.open("wb") as stderr,
        (stdin or Path(os.devnull)).open("rb") as given,
        subprocess.Popen(
            [sys.executable, "-m", "kb", *args],
            stdin=given,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=ROOT,
            env=environment,
        ) as process,
    ):
        assert process.stdout is not None
        assert process.stdout.readline()
        process.stdout.close()
        code = process.wait(timeout=120)
    return code, errors.read_text(encoding="utf-8")


def test_query_piped_into_a_reader_that_stops_early_ends_quietly(
    sample_kb: Path, tmp_path: Path
) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text("رمزم یادم رفته\n" * 3000, encoding="utf-8")  # far more than a pipe holds
    code, said = _first_line_then_close(["query", "--kb-dir", str(sample_kb)], questions, tmp_path)
    assert "Traceback" not in said and "BrokenPipeError" not in said
    assert said == ""
    assert code == 1  # as Python's documentation advises for a closed pipe


def test_check_with_many_warnings_piped_into_head_ends_quietly(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    for number in range(300):  # three HTML warnings each: some 300 kB of problems
        write_article(f"a{number}", f"عنوان {number}", "متن <br>\n<b>x</b> <i>y</i>")
    code, said = _first_line_then_close(["check", "--kb-dir", str(tmp_path / "kb")], None, tmp_path)
    assert "Traceback" not in said and "BrokenPipeError" not in said
    assert said == ""
    assert code == 1


@pytest.mark.parametrize("limit", ["80", "nan", "-1", "inf", "1.5", "abc"])
@pytest.mark.parametrize("option", ["--min-top1", "--max-unanswerable-answered"])
def test_eval_refuses_a_limit_that_is_not_a_share(
    option: str, limit: str, sample_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 80 (a percentage) would always fail, nan and -1 always pass: refused before any work.
    with pytest.raises(SystemExit) as exit_info:
        main(["eval", "--kb-dir", str(sample_kb), option, limit])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"«{limit}» پذیرفته نیست: عددی از ۰ تا ۱ بدهید" in err
    assert "invalid" not in err


@pytest.mark.parametrize("limit", ["0", "0.75", "1"])
def test_eval_takes_a_limit_from_0_to_1(limit: str) -> None:
    args = cli._parser().parse_args(["eval", "--min-top1", limit, "--max-handed-off", limit])
    assert args.min_top1 == args.max_handed_off == float(limit)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("KB_SEMANTIC", "maybe", "«maybe» نه true است نه false؛ true (تطبیق با معنا هم) یا false"),
        ("KB_ANSWER_THRESHOLD", "2", "«2» بیرون از بازهٔ پذیرفتنی است؛ عددی از ۰ تا ۱ بدهید"),
        ("KB_SUGGEST_GAP", "abc", "«abc» عدد نیست؛ عددی از ۰ تا ۱ بدهید"),
        ("KB_RELOAD_INTERVAL", "-1", "«-1» بیرون از بازهٔ پذیرفتنی است؛ عددی بزرگ‌تر از صفر"),
    ],
)
@pytest.mark.parametrize("command", ["check", "eval", "gaps"])
def test_a_malformed_setting_is_named_in_one_line_without_a_traceback(
    command: str,
    name: str,
    value: str,
    said: str,
    sample_kb: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(name, value)
    assert main([command, "--kb-dir", str(sample_kb)]) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.startswith(f"تنظیم {name} پذیرفته نیست: ")
    assert said in printed.err and printed.err.count("\n") == 1


def test_a_dot_env_not_saved_as_utf8_is_named_without_a_traceback(
    sample_kb: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_bytes("KB_DIR=مقاله‌ها\n".encode("cp1256"))  # Windows' Arabic
    assert main(["check", "--kb-dir", str(sample_kb)]) == 2
    assert capsys.readouterr().err == (
        "فایل .env با کدگذاری UTF-8 ذخیره نشده است؛ آن را در ویرایشگر با UTF-8 ذخیره کنید"
        " (سطرهایی به شکل NAME=value)\n"
    )


def test_a_malformed_setting_stops_python_m_kb_with_exit_2_and_no_traceback(
    sample_kb: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kb", "check", "--kb-dir", str(sample_kb)],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "KB_SEMANTIC": "maybe"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.decode().startswith("تنظیم KB_SEMANTIC پذیرفته نیست: «maybe»")
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("command", [["check"], ["ask", "رمز"], ["eval"], ["gaps"]])
def test_a_kb_dir_that_is_a_file_is_called_a_file_not_a_missing_folder(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    readme = ROOT / "README.md"
    assert main([*command, "--kb-dir", str(readme)]) == 2
    printed = capsys.readouterr()
    assert printed.err == (
        f"{readme} یک فایل است، نه پوشه: با --kb-dir یا KB_DIR پوشهٔ مقاله‌ها را بدهید"
        " (مثلاً kb/articles)\n"
    )
    assert "نسخهٔ قبلی" not in printed.out + printed.err  # no previous version to speak of
    assert "وجود ندارد" not in printed.out


def run_kb_unprivileged(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """`python -m kb` as an editor's or the bot's account runs it: a folder's permissions bind
    (root reads any folder, so as root the command runs without that power, as `setpriv` can)."""
    command = [sys.executable, "-m", "kb", *args]
    if os.geteuid() == 0:
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--", *command]
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "KB_SEMANTIC": "false"},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(("mode", "listed"), [(0o111, False), (0o444, True), (0o000, False)])
def test_check_names_a_folder_it_cannot_read_instead_of_passing_without_its_articles(
    mode: int, listed: bool, sample_kb: Path
) -> None:
    docs = sample_kb / "docs"
    docs.chmod(mode)
    try:
        done = run_kb_unprivileged("check", "--kb-dir", str(sample_kb))
    finally:
        docs.chmod(0o755)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert "Traceback" not in err
    assert done.returncode == 1
    assert "مشکلی نیست" not in out
    if listed:  # its files' names can be read, not the files: each is named
        for name in ("report-export.md", "upload-limit.md"):
            assert f"{docs / name}:0: فایل خوانده نشد: Permission denied" in out
    else:
        assert f"{docs}:0: پوشه خوانده نشد (Permission denied)؛ مقاله‌های درون آن" in out
    assert "پیدا شد" in err


@pytest.mark.parametrize("command", [["ask", "رمزم یادم رفته"], ["query"], ["eval"], ["chat"]])
def test_a_kb_dir_it_cannot_read_is_a_clear_error_not_an_empty_kb(
    command: list[str], sample_kb: Path
) -> None:
    sample_kb.chmod(0o311)  # its names cannot be listed
    try:
        done = run_kb_unprivileged(
            *command, "--kb-dir", str(sample_kb), stdin="رمزم یادم رفته\n".encode()
        )
    finally:
        sample_kb.chmod(0o755)
    assert done.returncode == 2
    assert done.stdout == b""  # no answer from an empty KB: every question would go to a person
    assert done.stderr.decode() == (
        f"پوشهٔ مقاله‌ها خوانده نشد: {sample_kb} (Permission denied)؛ دسترسی خواندن آن را"
        " بررسی کنید، یا با --kb-dir یا KB_DIR پوشهٔ دیگری بدهید\n"
    )


def test_chat_reads_on_past_a_line_that_is_not_utf8(sample_kb: Path) -> None:
    # A terminal set to Windows' Arabic code page (PuTTY's, say) sends such bytes; Python reads
    # standard input strictly in a UTF-8 locale such as en_US.UTF-8 (PYTHONIOENCODING here).
    stdin = "رمز".encode("cp1256") + "\nحسابم قفل شده\nخروج\n".encode()
    result = subprocess.run(
        [sys.executable, "-m", "kb", "chat", "--kb-dir", str(sample_kb)],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "KB_SEMANTIC": "false", "PYTHONIOENCODING": "utf-8:strict"},
        timeout=120,
        check=False,
    )
    assert b"Traceback" not in result.stderr
    assert result.returncode == 0
    out = result.stdout.decode()
    assert out.count(texts.CHAT_PROMPT) == 3  # each line read, the last to leave
    assert "سی دقیقه" in out  # the line after it


@pytest.mark.parametrize(
    "command", [[], ["check"], ["ask"], ["chat"], ["query"], ["eval"], ["gaps"]]
)
def test_every_help_says_what_the_exit_codes_mean(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Scripts and CI tell "the articles have errors" (1) from "wrong folder or setting" (2).
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    helped = " ".join(capsys.readouterr().out.split())
    assert "Exit codes: 0 done; 1 check found errors" in helped
    assert "2 a usage or configuration problem" in helped


def test_query_help_states_the_json_lines_contract(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["query", "--help"])
    helped = " ".join(capsys.readouterr().out.split())
    assert '{"query": the line, "decision": "answer"|"suggest"|"handoff", "hits":' in helped
    assert "(best first, at most 5)" in helped


@pytest.mark.parametrize("closed", [0, 1], ids=["stdin", "stdout"])
def test_query_started_with_a_stream_closed_ends_without_a_traceback(
    sample_kb: Path, closed: int
) -> None:
    # A service manager or a script may start it with `<&-` or `>&-`: an AttributeError on
    # sys.stdin (None) was printed, or a RuntimeError.
    done = subprocess.run(
        [sys.executable, "-m", "kb", "query", "--kb-dir", str(sample_kb)],
        stdout=None if closed else subprocess.PIPE,
        stderr=subprocess.PIPE,
        input="رمزم یادم رفته\n".encode() if closed else None,
        cwd=ROOT,
        env={**os.environ, "KB_SEMANTIC": "false"},
        preexec_fn=lambda: os.close(closed),
        timeout=120,
    )
    assert done.stderr.decode() == ""
    assert done.returncode == closed  # nothing asked: done; nowhere to answer: a reader gone
    if not closed:
        assert done.stdout == b""


def test_ctrl_c_stops_a_command_without_a_traceback_as_an_interrupt(sample_kb: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "kb", "query", "--kb-dir", str(sample_kb)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "KB_SEMANTIC": "false"},
        # As a terminal starts it: a pytest-xdist worker ignores SIGINT, and a child inherits it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("رمزم یادم رفته\n".encode())
        process.stdin.flush()
        assert process.stdout.readline()  # loaded, answering: now waiting for the next line
        process.send_signal(signal.SIGINT)  # what Ctrl+C sends
        _, said = process.communicate(timeout=120)
    assert said.decode() == ""
    assert process.returncode == -signal.SIGINT  # ended by it, so a calling script stops too
