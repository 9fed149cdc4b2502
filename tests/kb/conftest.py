"""Small KBs written inside the tests (the project's own data)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kb.confidence import ConfidenceModel
from kb.engine import Engine
from kb.index import KBIndex
from kb.loader import load_articles

WriteArticle = Callable[..., Path]


def refuse_listing(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make `folder` unlistable to this process, as `chmod 000` does (tests may run as root,
    whom permissions do not stop)."""
    scandir = os.scandir
    refused = folder.resolve()

    def refusing(path: Any = ".") -> Any:
        if Path(path).resolve() == refused:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)


def article_text(
    article_id: str,
    title: str,
    body: str,
    questions: list[str] | None = None,
    category: str | None = None,
) -> str:
    lines = ["---", f"id: {article_id}", f"title: {title}"]
    if questions:
        lines.append("questions:")
        lines.extend(f"  - {q}" for q in questions)
    if category:
        lines.append(f"category: {category}")
    lines += ["---", body, ""]
    return "\n".join(lines)


@pytest.fixture
def write_article(tmp_path: Path) -> WriteArticle:
    """Write an article file under tmp_path/kb/<folder>/<id>.md."""

    def write(
        article_id: str,
        title: str,
        body: str = "متن پاسخ.",
        *,
        folder: str = "general",
        questions: list[str] | None = None,
        category: str | None = None,
        raw: str | None = None,
    ) -> Path:
        path = tmp_path / "kb" / folder / f"{article_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (
            raw if raw is not None else article_text(article_id, title, body, questions, category)
        )
        path.write_text(text, encoding="utf-8")
        return path

    return write


SAMPLE = [
    (
        "password-reset",
        "بازیابی رمز عبور",
        ["رمزم را فراموش کرده‌ام", "رمز عبورم یادم رفته چه کنم"],
        "از صفحهٔ ورود روی «فراموشی رمز» بزنید و پیوند بازیابی را از ایمیل باز کنید.",
    ),
    (
        "account-locked",
        "حساب کاربری قفل شده است",
        ["حسابم قفل شده", "چند بار رمز اشتباه زدم و قفل شد"],
        "پس از پنج تلاش ناموفق، حساب سی دقیقه قفل می‌ماند.",
    ),
    (
        "upload-limit",
        "حداکثر حجم بارگذاری فایل",
        ["فایل بزرگ آپلود نمی‌شود", "حجم مجاز فایل چقدر است"],
        "حداکثر حجم هر فایل ۲۰ مگابایت است.",
    ),
    (
        "report-export",
        "خروجی گرفتن از گزارش‌ها",
        ["چطور گزارش را در اکسل بگیرم", "دانلود گزارش"],
        "در صفحهٔ گزارش روی «خروجی اکسل» بزنید.",
    ),
    (
        "sso-error",
        "خطای ورود یکپارچه",
        ["با حساب سازمانی وارد نمی‌شوم", "ورود یکپارچه خطا می‌دهد"],
        "اگر ورود یکپارچه خطا داد، یک بار از حساب سازمانی خارج و دوباره وارد شوید.",
    ),
]


@pytest.fixture
def sample_kb(write_article: WriteArticle, tmp_path: Path) -> Path:
    """A five-article KB in two folders."""
    for article_id, title, questions, body in SAMPLE:
        folder = (
            "account" if article_id in {"password-reset", "account-locked", "sso-error"} else "docs"
        )
        write_article(article_id, title, body, folder=folder, questions=questions)
    return tmp_path / "kb"


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The shipped sample KB with the shipped model, matching by words."""
    articles = load_articles(Path(__file__).resolve().parents[2] / "kb" / "articles").articles
    model = ConfidenceModel.load()
    return Engine(KBIndex(articles, model.weights), model)
