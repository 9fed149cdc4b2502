"""The KB service: answers, live reload without restart, last good version kept, bad input."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import threading
from pathlib import Path

import pytest

import kb.loader as kb_loader
import kb.service as kb_service
from kb.service import KnowledgeBase
from tests.kb.conftest import WriteArticle, article_text, refuse_listing
from tests.kb.encoders import WordsEncoder


def _touch_later(path: Path) -> None:
    """Move mtime forward so a same-size rewrite within one clock tick is still seen."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_paraphrase_gets_the_right_article(sample_kb: Path) -> None:
    decision = KnowledgeBase(sample_kb).ask("رمز عبورم را فراموش کردم")
    assert decision.kind == "answer"
    assert decision.top is not None and decision.top.article_id == "password-reset"


def test_unrelated_question_is_handed_off(sample_kb: Path) -> None:
    decision = KnowledgeBase(sample_kb).ask("فردا هوای تهران بارانی است؟")
    assert decision.kind == "handoff"


def test_categories_and_browsing(sample_kb: Path) -> None:
    kb = KnowledgeBase(sample_kb)
    assert kb.categories() == ["account", "docs"]
    assert {a.id for a in kb.in_category("docs")} == {"upload-limit", "report-export"}
    article = kb.get("upload-limit")
    assert article is not None and "۲۰" in article.body


def test_added_changed_and_deleted_files_are_picked_up(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    kb = KnowledgeBase(sample_kb)
    assert kb.get("vpn") is None
    write_article("vpn", "اتصال به وی پی ان سازمان", questions=["وی پی ان وصل نمی‌شود"])
    assert kb.reload() is True
    assert kb.ask("وی پی ان وصل نمیشه").top.article_id == "vpn"  # type: ignore[union-attr]

    path = write_article("vpn", "اتصال به شبکهٔ خصوصی", questions=["وی پی ان وصل نمی‌شود"])
    _touch_later(path)
    assert kb.reload() is True
    assert kb.get("vpn").title == "اتصال به شبکهٔ خصوصی"  # type: ignore[union-attr]

    path.unlink()  # held for one poll (a rename-style save looks the same), then gone
    kb.reload()
    assert kb.reload() is True
    assert kb.get("vpn") is None


def test_broken_edit_keeps_last_good_version_and_reports(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    kb = KnowledgeBase(sample_kb)
    path = sample_kb / "docs" / "upload-limit.md"
    path.write_text("---\nid: upload-limit\ntitle: [broken\n---\nمتن\n", encoding="utf-8")
    _touch_later(path)
    kb.reload()
    assert kb.get("upload-limit") is not None  # still served
    assert any(e.path == path for e in kb.errors)
    assert kb.ask("حجم مجاز فایل چقدر است").top.article_id == "upload-limit"  # type: ignore[union-attr]


def test_a_copy_with_the_same_id_never_replaces_the_article_in_service(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    kb = KnowledgeBase(sample_kb)
    copy = write_article("upload-limit", "پیش‌نویس نیمه‌کاره", "TODO", folder="a-drafts")
    stat = copy.stat()  # even one that looks older (copied with its date kept)
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**13))
    kb.reload()
    served = kb.get("upload-limit")
    assert served is not None and served.path == sample_kb / "docs" / "upload-limit.md"
    assert any(e.path == copy and "تکراری است" in e.message for e in kb.errors)


def test_a_copy_never_takes_over_while_the_original_is_saved_broken(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    kb = KnowledgeBase(sample_kb)
    copy = write_article("upload-limit", "پیش‌نویس نیمه‌کاره", "TODO", folder="a-drafts")
    _touch_later(copy)
    kb.reload()
    original = sample_kb / "docs" / "upload-limit.md"
    whole = original.read_text(encoding="utf-8")
    original.write_text("---\nid: upload-limit\ntitle: [حداکثر\n", encoding="utf-8")
    _touch_later(original)
    kb.reload()
    served = kb.get("upload-limit")
    assert served is not None and served.path == original and "۲۰" in served.body
    assert any(e.path == copy and "تکراری است" in e.message for e in kb.errors)

    original.write_text(whole.replace("۲۰", "۳۰"), encoding="utf-8")
    _touch_later(original)
    kb.reload()
    kb.reload()
    served = kb.get("upload-limit")
    assert served is not None and served.path == original and "۳۰" in served.body


def test_a_rename_style_save_keeps_the_article_through_the_gap(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    # vim renames x.md to x.md~ and writes x.md anew; a poll can fall in between.
    kb = KnowledgeBase(sample_kb)
    original = sample_kb / "docs" / "upload-limit.md"
    whole = original.read_text(encoding="utf-8")
    original.rename(original.with_name("upload-limit.md~"))
    assert kb.reload() is False
    assert kb.get("upload-limit") is not None
    original.write_text(
        "---\nid: upload-limit\ntitle: «حجم\nquestions: [a, b\n---\nمتن\n", encoding="utf-8"
    )
    kb.reload()  # ... and the new save is broken: the last good version stays
    assert kb.get("upload-limit") is not None
    assert kb.get("upload-limit").path == original  # type: ignore[union-attr]

    # A JetBrains safe-write (x.md to x.md___jb_old___) while a copy in drafts has its id.
    original.write_text(whole, encoding="utf-8")
    _touch_later(original)
    kb.reload()
    copy = write_article("upload-limit", "پیش‌نویس نیمه‌کاره", "TODO", folder="a-drafts")
    _touch_later(copy)
    kb.reload()
    original.rename(original.with_name("upload-limit.md___jb_old___"))
    kb.reload()
    assert kb.get("upload-limit").path == original  # type: ignore[union-attr]
    original.write_text(whole.replace("۲۰", "۳۰"), encoding="utf-8")
    kb.reload()
    served = kb.get("upload-limit")
    assert served is not None and served.path == original and "۳۰" in served.body

    # Deleted for real (still gone at the next poll), the copy takes over.
    original.unlink()
    kb.reload()
    kb.reload()
    assert kb.get("upload-limit").path == copy  # type: ignore[union-attr]


def test_a_broken_file_keeps_its_last_good_version_when_its_folder_is_renamed(
    sample_kb: Path,
) -> None:
    kb = KnowledgeBase(sample_kb)
    broken = sample_kb / "docs" / "upload-limit.md"
    broken.write_text("---\nid: upload-limit\ntitle: حجم\n  questions: x\n---\nمتن\n", "utf-8")
    _touch_later(broken)
    kb.reload()
    (sample_kb / "docs").rename(sample_kb / "اسناد")
    kb.reload()
    served = kb.get("upload-limit")
    assert served is not None and "۲۰" in served.body  # matched by the id its file declares
    assert served.path == sample_kb / "اسناد" / "upload-limit.md"
    assert kb.categories() == ["اسناد", "account"]  # no «docs» left for it alone

    # Renamed while broken, and saved whole at last.
    renamed = sample_kb / "اسناد" / "upload-size.md"
    served.path.rename(renamed)
    kb.reload()
    assert kb.get("upload-limit").path == renamed  # type: ignore[union-attr]
    fixed = article_text("upload-limit", "حداکثر حجم بارگذاری", "حداکثر حجم ۳۰ مگابایت است.")
    renamed.write_text(fixed, encoding="utf-8")
    _touch_later(renamed)
    kb.reload()
    served = kb.get("upload-limit")
    assert served is not None and "۳۰" in served.body and kb.errors == ()


def test_a_renamed_file_is_served_from_its_new_name_at_once(sample_kb: Path) -> None:
    kb = KnowledgeBase(sample_kb)
    original = sample_kb / "docs" / "upload-limit.md"
    moved = sample_kb / "account" / "upload-size.md"
    original.rename(moved)
    assert kb.reload() is True
    served = kb.get("upload-limit")
    assert served is not None and served.path == moved and served.category == "account"


def test_a_vanished_kb_folder_keeps_the_last_good_kb_in_service(
    sample_kb: Path, tmp_path: Path
) -> None:
    kb = KnowledgeBase(sample_kb)
    moved = tmp_path / "moved-away"
    sample_kb.rename(moved)
    kb.reload()
    assert len(kb) == 5
    assert kb.ask("حسابم قفل شده").top.article_id == "account-locked"  # type: ignore[union-attr]
    assert any("وجود ندارد" in e.message for e in kb.errors)  # and it is reported
    moved.rename(sample_kb)
    (sample_kb / "docs" / "upload-limit.md").unlink()
    kb.reload()
    assert kb.errors == () and kb.get("upload-limit") is None  # deleting a file still deletes


@pytest.mark.parametrize("folder", ["docs", "."])
def test_a_folder_that_cannot_be_listed_keeps_its_articles_in_service(
    sample_kb: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    # A deploy that leaves a folder unreadable for the bot's account (chmod, a new owner)
    # is not an editor deleting its articles: their customers would all go to a person.
    kb = KnowledgeBase(sample_kb)
    locked = (sample_kb / folder).resolve()
    refuse_listing(monkeypatch, locked)
    kb.reload(force=True)
    kb.reload(force=True)  # past the one look a vanished file is held for
    assert kb.get("upload-limit") is not None and kb.get("password-reset") is not None
    assert any(error.line == 0 and error.path.resolve() == locked for error in kb.errors)
    monkeypatch.undo()
    (sample_kb / "docs" / "upload-limit.md").unlink()
    kb.reload()
    kb.reload()
    assert kb.get("upload-limit") is None and kb.errors == ()


def test_a_link_whose_target_is_gone_keeps_its_article_and_is_reported(
    sample_kb: Path, tmp_path: Path
) -> None:
    # Articles deployed as links into a release folder: the target deleted (or not deployed
    # yet) left the article out of service without a word, and `kb check` saw no problem.
    release = tmp_path / "release"
    release.mkdir()
    served = sample_kb / "docs" / "upload-limit.md"
    target = release / "upload-limit.md"
    served.rename(target)
    served.symlink_to(target)
    kb = KnowledgeBase(sample_kb)
    assert kb.get("upload-limit") is not None
    target.unlink()
    kb.reload()
    kb.reload()  # past the one look a vanished file is held for
    assert kb.get("upload-limit") is not None
    (problem,) = kb.errors
    assert problem.path == served and "فایل خوانده نشد" in problem.message
    served.unlink()  # the link itself deleted: the article goes
    kb.reload()
    kb.reload()
    assert kb.get("upload-limit") is None and kb.errors == ()


def test_unchanged_directory_does_not_rebuild(sample_kb: Path) -> None:
    kb = KnowledgeBase(sample_kb)
    assert kb.reload() is False


def test_a_file_saved_without_a_change_does_not_rebuild(sample_kb: Path) -> None:
    # Editors and sync tools rewrite files as they are: the index (and the answers remembered
    # with it) stays, rather than being rebuilt on every save.
    kb = KnowledgeBase(sample_kb)
    served = kb.articles
    path = next(sample_kb.rglob("*.md"))
    path.write_bytes(path.read_bytes())
    _touch_later(path)
    assert kb.reload() is False
    assert kb.articles is served


def test_a_file_copied_in_with_its_old_time_and_size_is_served(
    sample_kb: Path, tmp_path: Path
) -> None:
    # rsync -t and cp -p keep a file's modification time; a same-size fix (a digit) put in
    # place that way is a new version all the same.
    kb = KnowledgeBase(sample_kb)
    path = sample_kb / "docs" / "upload-limit.md"
    text = path.read_text(encoding="utf-8")
    assert "۲۰ مگابایت" in text
    fixed = tmp_path / "upload-limit.md"
    fixed.write_text(text.replace("۲۰ مگابایت", "۳۰ مگابایت"), encoding="utf-8")
    was = path.stat()
    os.utime(fixed, ns=(was.st_atime_ns, was.st_mtime_ns))
    assert fixed.stat().st_size == was.st_size
    os.replace(fixed, path)
    assert kb.reload() is True
    article = kb.get("upload-limit")
    assert article is not None and "۳۰ مگابایت" in article.body


def test_a_reload_reads_only_the_files_saved_since(
    sample_kb: Path, write_article: WriteArticle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # YAML is most of a large KB's load: one saved file must not cost reading them all.
    kb = KnowledgeBase(sample_kb)
    read: list[Path] = []
    parse = kb_loader.parse_article_bytes

    def counting(raw: bytes, path: Path, kb_dir: Path) -> object:
        read.append(path)
        return parse(raw, path, kb_dir)

    monkeypatch.setattr(kb_loader, "parse_article_bytes", counting)
    saved = write_article("vpn", "اتصال به وی پی ان سازمان", questions=["وی پی ان وصل نمی‌شود"])
    assert kb.reload() is True
    assert read == [saved]
    assert kb.get("vpn") is not None and kb.get("password-reset") is not None

    saved.unlink()
    kb.reload()
    kb.reload()
    assert kb.get("vpn") is None
    assert read == [saved]


def test_a_file_that_could_not_be_read_once_is_read_again(
    sample_kb: Path, write_article: WriteArticle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Short of file descriptors, or a network mount's hiccup: the edit must not stay unread
    # (nor the error stay reported) until the editor happens to save the file again.
    kb = KnowledgeBase(sample_kb)
    path = sample_kb / "docs" / "upload-limit.md"
    path.write_text(path.read_text(encoding="utf-8").replace("۲۰", "۵۰"), encoding="utf-8")
    _touch_later(path)
    read_bytes = Path.read_bytes
    failed: list[Path] = []

    def once_too_many_files(self: Path) -> bytes:
        if self == path and len(failed) < 2:  # both reads of this reload
            failed.append(self)
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", once_too_many_files)
    kb.reload()
    assert failed and any(error.path == path for error in kb.errors)
    write_article("vpn", "اتصال به وی پی ان سازمان", questions=["وی پی ان وصل نمی‌شود"])
    kb.reload()
    article = kb.get("upload-limit")
    assert article is not None and "۵۰" in article.body
    assert not any(error.path == path for error in kb.errors)


def test_a_problem_is_logged_once_not_at_every_save(
    sample_kb: Path, write_article: WriteArticle, caplog: pytest.LogCaptureFixture
) -> None:
    broken = sample_kb / "docs" / "draft.md"
    broken.write_text("---\nid: draft\n---\nمتن\n", encoding="utf-8")  # no title
    caplog.set_level(logging.INFO, logger="kb.service")
    kb = KnowledgeBase(sample_kb)
    write_article("vpn", "اتصال به وی پی ان سازمان", questions=["وی پی ان وصل نمی‌شود"])
    assert kb.reload() is True
    said = [r.getMessage() for r in caplog.records if str(broken) in r.getMessage()]
    assert len(said) == 1
    assert "KB: 1 article problems as before" in caplog.text

    broken.write_text("---\nid: draft\ntitle: پیش‌نویس\n---\n\n", encoding="utf-8")
    _touch_later(broken)
    kb.reload()
    said = [r.getMessage() for r in caplog.records if str(broken) in r.getMessage()]
    assert len(said) == 2  # a new problem in the same file is told


def test_a_broken_file_is_logged_even_when_the_reload_fails(
    sample_kb: Path,
    write_article: WriteArticle,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kb = KnowledgeBase(sample_kb)
    write_article("vpn", "اتصال به وی پی ان سازمان", questions=["وی پی ان وصل نمی‌شود"])
    broken = sample_kb / "docs" / "draft.md"
    broken.write_text("---\nid: draft\n---\nمتن\n", encoding="utf-8")  # no title

    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(kb_service, "KBIndex", out_of_memory)
    caplog.set_level(logging.WARNING, logger="kb.service")
    with pytest.raises(MemoryError):
        kb.reload()
    assert str(broken) in caplog.text


def test_queries_during_reloads_always_see_a_whole_index(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    kb = KnowledgeBase(sample_kb)
    failures: list[str] = []
    stop = threading.Event()

    def ask_forever() -> None:
        while not stop.is_set():
            decision = kb.ask("حسابم قفل شده")
            if decision.top is None or decision.top.article_id != "account-locked":
                failures.append(repr(decision))

    worker = threading.Thread(target=ask_forever)
    worker.start()
    try:
        for n in range(15):
            path = write_article(f"extra-{n}", f"مقالهٔ اضافه شمارهٔ {n}")
            _touch_later(path)
            kb.reload()
    finally:
        stop.set()
        worker.join()
    assert failures == []
    assert kb.get("extra-14") is not None


async def test_watch_reloads_in_the_background(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    kb = KnowledgeBase(sample_kb)
    task = asyncio.create_task(kb.watch(interval=0.05))
    try:
        write_article("printer", "نصب چاپگر شبکه")
        for _ in range(100):
            if kb.get("printer") is not None:
                break
            await asyncio.sleep(0.05)
        assert kb.get("printer") is not None
    finally:
        task.cancel()


def test_lookup_finds_what_an_agent_meant_by_a_near_id_or_by_words(sample_kb: Path) -> None:
    kb = KnowledgeBase(sample_kb)
    assert [a.id for a in kb.lookup("pasword-reset")][:1] == ["password-reset"]
    assert [a.id for a in kb.lookup("خروجی اکسل گزارش")][:1] == ["report-export"]
    assert kb.lookup("قیمت طلا") == [] and kb.lookup("   ") == []
    assert len(kb.lookup("رمز", limit=2)) <= 2


@pytest.mark.parametrize("encoder", [None, WordsEncoder()], ids=["by-words", "by-meaning"])
def test_empty_kb_hands_everything_off(tmp_path: Path, encoder: WordsEncoder | None) -> None:
    (tmp_path / "empty").mkdir()
    kb = KnowledgeBase(tmp_path / "empty", encoder=encoder)
    assert kb.semantic is (encoder is not None)
    decision = kb.ask("رمزم را فراموش کرده‌ام")
    assert decision.kind == "handoff" and decision.hits == ()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀😀🙏",
        "رمز " * 2500,
        "\x00\x01\x02\ufffd\udcff"[:4] + "ÿþ",
        "password رمز reset ریست",
        "سلام؟!؟!",
        "x",
        "1234567890",
    ],
)
def test_any_input_gets_a_decision(sample_kb: Path, text: str) -> None:
    decision = KnowledgeBase(sample_kb).ask(text)
    assert decision.kind in ("answer", "suggest", "handoff")
    assert len(decision.hits) <= 5


def test_a_repeated_question_sees_the_reloaded_kb(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    kb = KnowledgeBase(sample_kb)
    question = "چاپگر طبقه سوم کار نمی‌کند"
    assert kb.ask(question).kind == "handoff"
    write_article("printer", "چاپگر کار نمی‌کند", questions=["چاپگر طبقه کار نمی‌کند"])
    kb.reload()
    decision = kb.ask(question)
    assert decision.top is not None and decision.top.article_id == "printer"


def test_a_question_two_articles_share_is_named_and_offers_both(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    # «حسابم قفل شده» is already a question of account-locked: the same words, spaced and asked.
    later = write_article(
        "vpn-locked", "قفل شدن حساب وی پی ان", questions=["وی پی ان وصل نمیشه", "حسابم  قفل شده؟"]
    )
    kb = KnowledgeBase(sample_kb)

    (warning,) = [w for w in kb.warnings if "هم آمده است" in w.message]
    first = sample_kb / "account" / "account-locked.md"
    assert (warning.path, warning.line) == (later, 6)
    assert f"در «account-locked» هم آمده است ({first}:5)" in warning.message
    # Asked word for word, it was answered for certain; now the two articles compete for it.
    decision = kb.ask("حسابم قفل شده")
    assert decision.kind == "suggest"
    assert {h.article_id for h in decision.hits[:2]} == {"account-locked", "vpn-locked"}

    # A broken edit elsewhere keeps the served articles as they were, and the warning with them.
    broken = sample_kb / "docs" / "upload-limit.md"
    broken.write_text("---\nid: upload-limit\ntitle: [broken\n---\nمتن\n", encoding="utf-8")
    _touch_later(broken)
    kb.reload()
    assert any("در «account-locked» هم آمده است" in w.message for w in kb.warnings)


def test_categories_and_their_articles_come_in_persian_alphabetical_order(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    # By code point پ, چ, ژ, ک and گ come after ی: «پیامک» was listed last.
    for article_id, title, folder in (
        ("sms", "پیامک کد تأیید نمی‌رسد", "اعلان‌ها"),
        ("mail", "ایمیل اعلان نمی‌آید", "اعلان‌ها"),
        ("push", "اعلان گوشی خاموش است", "اعلان‌ها"),
        ("app", "نصب برنامه", "اپلیکیشن موبایل"),
        ("report", "گزارش ماهانه", "گزارش‌ها"),
        ("user", "افزودن کاربر", "كاربران"),  # an Arabic kaf, typed on an Arabic keyboard
    ):
        write_article(article_id, title, folder=folder)
    kb = KnowledgeBase(tmp_path / "kb")

    assert kb.categories() == ["اپلیکیشن موبایل", "اعلان‌ها", "كاربران", "گزارش‌ها"]
    assert [a.title for a in kb.in_category("اعلان‌ها")] == [
        "اعلان گوشی خاموش است",
        "ایمیل اعلان نمی‌آید",
        "پیامک کد تأیید نمی‌رسد",
    ]
