"""Fixtures of the bot's tests: the fake Telegram server, a test KB, a migrated database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import Settings
from tests.bot.support import fresh_database, make_settings, template_database, write_kb
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.fixtures import fake_telegram

__all__ = ["fake_telegram"]

# As `python -m bot` does: PTB 22 then gives RetryAfter.retry_after as a timedelta, silently.
os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest.fixture(autouse=True)
def no_proxy_from_the_developers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake Telegram server is on loopback: a proxy in the environment would carry (and
    fail) every call. Tests of proxies name their own."""
    for scheme in ("http", "https", "all"):
        for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per test session."""
    return template_database(tmp_path_factory.mktemp("template"))


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A small Persian KB: 5 articles in 3 categories."""
    return write_kb(tmp_path / "kb")


@pytest.fixture
def database_url(migrated_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database for one test."""
    return fresh_database(migrated_template, tmp_path)


@pytest.fixture
def settings(fake_telegram: FakeTelegram, database_url: str, kb_dir: Path) -> Settings:
    """Settings for an in-process bot on the fake server."""
    return make_settings(fake_telegram, database_url, kb_dir)


@pytest.fixture
def hurried(fake_telegram: FakeTelegram, database_url: str, kb_dir: Path) -> Settings:
    """`settings` whose flood control holds back a customer's fourth message in its window."""
    return make_settings(fake_telegram, database_url, kb_dir, flood_max_messages=3)
