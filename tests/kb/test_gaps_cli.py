"""`python -m kb gaps`: an editor reads, from the bot's own log, what the KB could not answer."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from kb.cli import main
from kb.gaps import Asked, Gaps, Group
from kb.gaps_cli import mine_kb, render
from kb.service import KnowledgeBase
from kb.settings import KBSettings
from storage import repositories as repo
from storage.db import create_engine_from_url, make_sessionmaker, migrate
from storage.models import DecisionKind
from tests.kb.encoders import WordsEncoder

NOW = datetime.now(UTC)
AGENT_CHAT = -1001234567890


async def _decide(
    session: AsyncSession,
    customer: int,
    query: str,
    kind: DecisionKind,
    *,
    days_ago: float = 1,
    top: str | None = None,
    shown: str | None = None,
    helpful: bool | None = None,
) -> None:
    await repo.upsert_customer(session, user_id=customer, first_name="مشتری")
    hits = [] if top is None else [_Hit(top, 0.31)]
    decision = await repo.record_decision(
        session,
        customer_id=customer,
        query=query,
        kind=kind,
        confidence=0.3,
        hits=hits,
        article_id=shown,
        at=NOW - timedelta(days=days_ago),
    )
    if helpful is not None:
        await repo.record_feedback(
            session, decision_id=decision.id, customer_id=customer, helpful=helpful
        )


class _Hit:
    def __init__(self, article_id: str, score: float) -> None:
        self.article_id, self.title, self.score = article_id, "", score


async def _seed(url: str) -> None:
    await migrate(url)
    engine = create_engine_from_url(url)
    try:
        async with make_sessionmaker(engine).begin() as session:
            await _decide(session, 1, "قیمت دلار امروز چنده", "handoff", top="upload-limit")
            await _decide(session, 2, "قیمت دلار امروز چنده", "handoff", days_ago=2)
            await _decide(session, 3, "سلام", "handoff")  # a greeting, not a question
            await _decide(session, 3, "نه", "handoff")  # a typed «no», not a question
            await _decide(session, 4, "پرسش کهنهٔ ماه پیش", "handoff", days_ago=40)
            await _decide(session, 5, "حسابم قفل شده", "handoff")  # the KB answers it now
            await _decide(session, 6, "ورودم گیر کرده", "suggest", shown="password-reset")
            await _decide(session, 6, "خطای ورود: کد ۴۰۳ #2", "suggest", shown="sso-error")
            await _decide(
                session, 7, "خروجی اکسل خالیه", "answer", shown="report-export", helpful=False
            )
            await _agent_sent(session, 8, "فایل پی دی اف گزارش میخوام", "report-export")
            # The KB now answers this with the article the agent sent: nothing to add.
            await _agent_sent(session, 9, "حداکثر حجم بارگذاری فایل چیست", "upload-limit")
            # It answers this with another article than the agent's: the editor should see it.
            await _agent_sent(session, 10, "خروجی گرفتن از گزارش", "upload-limit")
    finally:
        await engine.dispose()


async def _agent_sent(session: AsyncSession, customer: int, question: str, article: str) -> None:
    """A ticket on `question` in which an agent sent the customer `article`."""
    await repo.upsert_customer(session, user_id=customer, first_name="مشتری")
    ticket, _ = await repo.create_ticket(
        session,
        customer_id=customer,
        question=question,
        reason="no_answer",
        tried=[],
        agent_chat_id=AGENT_CHAT,
    )
    await repo.add_ticket_event(
        session,
        ticket_id=ticket.id,
        kind=repo.ARTICLE_SENT,
        actor_id=500,
        data={"article_id": article},
    )


@pytest.fixture
def log_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The bot's log with a month of questions; answers only when nearly certain (0.9)."""
    monkeypatch.setenv("KB_ANSWER_THRESHOLD", "0.9")
    url = f"sqlite+aiosqlite:///{tmp_path / 'pasokh.sqlite3'}"
    asyncio.run(_seed(url))
    return url


def test_gaps_lists_what_to_write_what_to_add_and_what_did_not_help(
    sample_kb: Path, log_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gaps", "--kb-dir", str(sample_kb), "--database-url", log_url]) == 0
    out = capsys.readouterr().out

    assert "در ۳۰ روز گذشته، از ۶ پرسش مشتریان" in out  # not the greeting, not last month's
    assert "پرسش کهنه" not in out and "«سلام»" not in out and "«نه»:" not in out
    assert "۱. «قیمت دلار امروز چنده»: ۲ بار از ۲ مشتری؛ آخرین بار" in out
    assert "نزدیک‌ترین مقاله: upload-limit (حداکثر حجم بارگذاری فایل)، امتیاز ۰٫۳۱" in out
    assert "(۱ پرسش دیگر را پایگاه دانش کنونی پاسخ می‌دهد" in out  # «حسابم قفل شده»
    # Under each article, lines to paste into its questions: (YAML; the note is a comment).
    assert _pasted(out, "password-reset (بازیابی رمز عبور)") == ["ورودم گیر کرده"]
    assert _pasted(out, "sso-error (خطای ورود یکپارچه)") == ["خطای ورود: کد ۴۰۳ #2"]
    assert _pasted(out, "report-export (خروجی گرفتن از گزارش‌ها)") == ["فایل پی دی اف گزارش میخوام"]
    assert _pasted(out, "upload-limit (حداکثر حجم بارگذاری فایل)") == ["خروجی گرفتن از گزارش"]
    assert "# ۱ بار؛ کارشناس همین مقاله را فرستاد" in out
    assert "report-export (خروجی گرفتن از گزارش‌ها): ۱ «نه» از ۱ نظر" in out
    assert "پرسیده بودند: «خروجی اکسل خالیه»" in out


def _pasted(out: str, article: str) -> object:
    """The YAML lines printed under an article's heading, as YAML reads them."""
    lines = out.split(f"\n{article}\n", 1)[1].splitlines()
    return yaml.safe_load("\n".join(itertools.takewhile(lambda x: x.startswith("  - "), lines)))


def test_gaps_as_json_for_tools(
    sample_kb: Path, log_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["gaps", "--kb-dir", str(sample_kb), "--database-url", log_url, "--json", "--limit", "1"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)

    assert report["questions"] == 6 and report["now_answered"] == 1
    assert [(g["question"], g["asked"], g["customers"]) for g in report["unanswered"]] == [
        ("قیمت دلار امروز چنده", 2, 2)
    ]
    assert len(report["phrasings"]) == 1  # --limit 1 per list
    assert report["unhelpful"][0]["article"] == "report-export"


def test_gaps_without_the_bots_database_says_so_and_creates_nothing(
    sample_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "data" / "pasokh.sqlite3"
    url = f"sqlite+aiosqlite:///{missing}"

    assert main(["gaps", "--kb-dir", str(sample_kb), "--database-url", url]) == 2

    assert "پایگاه دادهٔ گفت‌وگوهای ربات پیدا نشد" in capsys.readouterr().err
    assert not missing.exists() and not missing.parent.exists()


def test_gaps_on_a_database_that_is_not_the_bots_says_so(
    sample_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.sqlite3"
    other.write_bytes(b"")  # an empty SQLite file: no tables

    url = f"sqlite+aiosqlite:///{other}"
    assert main(["gaps", "--kb-dir", str(sample_kb), "--database-url", url]) == 2

    assert "گفت‌وگوهای ربات از sqlite+aiosqlite:///" in capsys.readouterr().err


def test_gaps_over_all_of_the_log_with_a_huge_period(
    sample_kb: Path, log_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["gaps", "--kb-dir", str(sample_kb), "--database-url", log_url, "--days", "999999"]
    assert main(args) == 0
    assert "قیمت دلار امروز چنده" in capsys.readouterr().out


def test_gaps_refuses_a_period_of_no_days(sample_kb: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["gaps", "--kb-dir", str(sample_kb), "--days", "0"])
    assert exit_info.value.code == 2


@pytest.mark.postgres
def test_gaps_names_a_postgresql_database_it_cannot_open_without_a_traceback(
    sample_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+asyncpg://postgres:secret@127.0.0.1:5432/pasokh_no_such_database"

    assert main(["gaps", "--kb-dir", str(sample_kb), "--database-url", url]) == 2

    err = capsys.readouterr().err
    assert "postgres:***@127.0.0.1:5432/pasokh_no_such_database" in err  # no password shown
    assert "InvalidCatalogNameError" in err or "InvalidPasswordError" in err


def test_gaps_refuses_a_database_url_the_bot_cannot_use(
    sample_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gaps", "--kb-dir", str(sample_kb), "--database-url", "mysql://x@y/z"]) == 2
    assert "نشانی پایگاه داده درست نیست" in capsys.readouterr().err


def test_gaps_on_a_quiet_month_says_there_is_nothing_in_each_list(
    sample_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pasokh.sqlite3'}"
    asyncio.run(migrate(url))

    assert main(["gaps", "--kb-dir", str(sample_kb), "--database-url", url]) == 0

    out = capsys.readouterr().out
    assert "از ۰ پرسش مشتریان" in out
    assert out.count("چیزی در این بازه نیست.") == 3


def test_a_question_typed_in_latin_letters_joins_its_persian_wording(sample_kb: Path) -> None:
    # In Finglish and on an English keyboard layout it is one question to the KB: one
    # group, shown as the editor reads it, not three with one of them gibberish.
    when = NOW - timedelta(hours=1)
    asked = [
        Asked("پرینتر کار نمیکنه", "handoff", 1, when),
        Asked("printer kar nemikone", "handoff", 2, when),
        Asked("mvdkjv ;hv kld;ki", "handoff", 3, when),
    ]

    gaps = mine_kb(KnowledgeBase(sample_kb), asked, [])

    assert [(g.question, g.asked, g.customers) for g in gaps.unanswered] == [
        ("پرینتر کار نمیکنه", 3, 3)
    ]


def test_each_unanswered_wording_is_encoded_once_and_greetings_group_nothing(
    sample_kb: Path,
) -> None:
    # A month of a year's desk took 4.5 minutes: each wording was encoded to ask the KB about
    # it, then again to group it; and with «سلام وقت بخیر،» in front, unrelated questions
    # («یه بیت از حافظ بخون», «اسمت چیه») were one group.
    encoder = WordsEncoder()
    kb = KnowledgeBase(sample_kb, KBSettings().confidence_model(), encoder=encoder)
    when = NOW - timedelta(hours=1)
    typed = ["سلام وقت بخیر، قیمت گوجه چنده", "سلام وقت بخیر، یه بیت حافظ بخون", "پرینتر خرابه"]
    asked = [Asked(question, "handoff", n, when) for n, question in enumerate(typed)]
    encoder.encoded.clear()

    gaps = mine_kb(kb, asked, [])

    assert sorted(g.question for g in gaps.unanswered) == sorted(typed)
    assert sorted(encoder.encoded) == sorted(["قیمت گوجه چنده", "یه بیت حافظ بخون", "پرینتر خرابه"])


def test_questions_are_grouped_by_words_when_meaning_went_off_during_mining(
    sample_kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reload that put matching by meaning off while the daily report mined the day failed
    # an assertion: the report went without its unanswered questions.
    kb = KnowledgeBase(sample_kb, KBSettings().confidence_model(), encoder=WordsEncoder())
    monkeypatch.setattr(kb, "question_vectors", lambda _wordings: None)
    when = NOW - timedelta(hours=1)
    typed = ["قیمت دلار امروز چنده", "قیمت  دلار امروز چند است", "طلا فردا"]
    asked = [Asked(question, "handoff", n, when) for n, question in enumerate(typed)]

    gaps = mine_kb(kb, asked, [])

    assert sorted(g.asked for g in gaps.unanswered) == [1, 2]


def test_english_stays_as_typed_not_read_as_persian_nonsense(sample_kb: Path) -> None:
    # «Teams» typed on an English layout «is» «فثشپس»: a reading made of no known words.
    when = NOW - timedelta(hours=1)
    typed = ["zoom", "Teams", "I need help", "OTP"]
    asked = [Asked(question, "handoff", n, when) for n, question in enumerate(typed)]

    gaps = mine_kb(KnowledgeBase(sample_kb), asked, [])

    assert sorted(g.question for g in gaps.unanswered) == sorted(typed)


def test_a_group_with_more_wordings_than_shown_says_how_many_more(sample_kb: Path) -> None:
    # Grouped by meaning, «مانیتور کار نمیکنه» was a fifth wording and shown nowhere.
    when = NOW - timedelta(hours=1)
    group = Group(
        question="پرینتر کار نمیکنه",
        variants=("اسکنر کار نمیکنه", "موس کار نمیکنه", "کیبورد کار نمیکنه", "مانیتور کار نمیکنه"),
        asked=5,
        customers=5,
        last=when,
        top=None,
        top_score=0.0,
    )
    gaps = Gaps(questions=5, unanswered=(group,))

    out = render(gaps, KnowledgeBase(sample_kb), days=30, limit=20)

    assert "«کیبورد کار نمیکنه» · و ۱ عبارت دیگر (همه در --json)" in out


@pytest.mark.parametrize("value", ["abc", "1.5", ""])
@pytest.mark.parametrize("option", ["--days", "--limit"])
def test_gaps_refuses_a_period_that_is_not_a_number_in_persian(
    option: str, value: str, sample_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["gaps", "--kb-dir", str(sample_kb), option, value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"«{value}» عدد صحیح نیست: عددی صحیح بزرگ‌تر از صفر بدهید" in err
    assert "invalid" not in err and "_positive_int" not in err
