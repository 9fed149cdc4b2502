"""Settings: a missing or malformed setting is named with a fix, and the token never shown."""

import os
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

import bot.startup
from bot.config import ConfigError, Settings, export_proxies, load_settings
from bot.startup import describe_calendar, idle_workdays
from handoff.hours import SupportCalendar, parse_holidays
from kb.settings import KBSettings
from tests.bot.support import REPO

TOKEN = "123456789:AAFakePasokhTestTokenXXXXXXXXXXXXXXX"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "AGENT_CHAT_ID",
        "L2_CHAT_ID",
        "BANNED_USER_IDS",
        "DATABASE_URL",
        "TELEGRAM_BASE_URL",
        "TELEGRAM_BASE_FILE_URL",
        "LOG_LEVEL",
        "SUPPORT_HOURS",
        "SUPPORT_HOLIDAYS",
        "SUPPORT_WORKDAYS",
        "SUPERVISOR_CHAT_ID",
        "DAILY_REPORT_AT",
        "SLA_CHECK_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)


def load(monkeypatch: pytest.MonkeyPatch, **env: str):  # type: ignore[no-untyped-def]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings(env_file=None)


def test_missing_token_names_the_setting_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as error:
        load(monkeypatch, AGENT_CHAT_ID="-1001")
    assert "TELEGRAM_BOT_TOKEN is not set" in str(error.value)
    assert "@BotFather" in str(error.value)


def test_malformed_token_is_refused_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as error:
        load(monkeypatch, TELEGRAM_BOT_TOKEN="secret-but-wrong", AGENT_CHAT_ID="-1001")
    assert "TELEGRAM_BOT_TOKEN is malformed" in str(error.value)
    assert "secret-but-wrong" not in str(error.value)


@pytest.mark.parametrize("value", ["", "abc", "12345"])
def test_agent_chat_must_be_a_negative_group_id(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load(monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID=value)
    assert "AGENT_CHAT_ID" in str(error.value)
    assert "negative" in str(error.value)


def test_good_settings_load_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-1001000000001")
    assert settings.token == TOKEN
    assert settings.agent_chat_id == -1001000000001
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.kb_dir == Path("kb/articles")
    assert TOKEN not in repr(settings)


def test_ban_list_accepts_commas_and_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(
        monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", BANNED_USER_IDS="11, 12 13"
    )
    assert settings.banned_user_ids == frozenset({11, 12, 13})


def test_unknown_database_driver_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL is malformed"):
        load(monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", DATABASE_URL="mysql://x")


@pytest.mark.parametrize(
    "option", ["connect_timeout=10", "application_name=pasokh", "statement_cache_size=0"]
)
def test_a_database_option_asyncpg_does_not_take_is_named(
    monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    name = option.partition("=")[0]
    with pytest.raises(ConfigError) as error:
        load(
            monkeypatch,
            TELEGRAM_BOT_TOKEN=TOKEN,
            AGENT_CHAT_ID="-100",
            DATABASE_URL=f"postgresql+asyncpg://pasokh:pw@db.internal/pasokh?ssl=require&{option}",
        )
    assert f"DATABASE_URL is malformed (asyncpg takes no ?{name}=; remove it" in str(error.value)
    assert "prepared_statement_cache_size" in str(error.value)  # PgBouncer's, as asyncpg takes it


def test_the_database_options_asyncpg_takes_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    url = (
        "postgresql+asyncpg://pasokh@/pasokh?host=/var/run/postgresql&ssl=disable"
        "&command_timeout=30&prepared_statement_cache_size=0&target_session_attrs=primary"
    )
    settings = load(monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", DATABASE_URL=url)
    assert settings.database_url == url


def test_the_other_settings_a_deployment_sets_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(
        monkeypatch,
        TELEGRAM_BOT_TOKEN=TOKEN,
        AGENT_CHAT_ID="-100",
        L2_CHAT_ID="-200",
        DATABASE_URL="postgresql+asyncpg://pasokh@db.internal/pasokh",
        TELEGRAM_BASE_URL="http://127.0.0.1:8081/bot",
        TELEGRAM_BASE_FILE_URL="",  # left empty in .env: Telegram's own
        LOG_LEVEL="debug",
    )
    assert settings.l2_chat_id == -200
    assert settings.database_url == "postgresql+asyncpg://pasokh@db.internal/pasokh"
    assert settings.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert settings.telegram_base_file_url is None
    assert settings.log_level == "DEBUG"
    placed = load(
        monkeypatch,
        TELEGRAM_BASE_URL="https://tg.example/bot{token}/test",  # PTB puts the token there
        TELEGRAM_BASE_FILE_URL=" https://tg.example/file/bot ",
    )
    assert placed.telegram_base_url == "https://tg.example/bot{token}/test"
    assert placed.telegram_base_file_url == "https://tg.example/file/bot"


def test_supervisors_settings_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(
        monkeypatch,
        TELEGRAM_BOT_TOKEN=TOKEN,
        AGENT_CHAT_ID="-100",
        SUPERVISOR_CHAT_ID="-300",
        DAILY_REPORT_AT="21:30",
        SLA_CHECK_SECONDS="0",
    )
    assert (settings.supervisor_chat_id, settings.sla_check_seconds) == (-300, 0)
    assert settings.daily_report_at.isoformat() == "21:30:00"


def test_support_hours_default_to_the_contracts_and_take_movable_holidays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = load(monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100")
    assert default.calendar is not None and default.calendar.holidays == frozenset()
    given = load(
        monkeypatch,
        TELEGRAM_BOT_TOKEN=TOKEN,
        AGENT_CHAT_ID="-100",
        SUPPORT_HOLIDAYS="۱۴۰۵/۰۵/۰۵، 1405-05-06",
    )
    assert given.calendar is not None
    assert given.calendar.holidays == {date(2026, 7, 27), date(2026, 7, 28)}
    always = load(
        monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", SUPPORT_HOURS="always"
    )
    assert always.calendar is None


@pytest.mark.parametrize(
    ("name", "value", "fix"),
    [
        ("LOG_LEVEL", "verbose", "use DEBUG, INFO, WARNING or ERROR"),
        ("TELEGRAM_BASE_URL", "127.0.0.1:8081/bot", "e.g. http://127.0.0.1:8081/bot"),
        ("TELEGRAM_BASE_URL", "http://", "(no host)"),
        ("TELEGRAM_BASE_URL", "http://127.0.0.1:80810/bot", "port is not a number from 1 to"),
        ("TELEGRAM_BASE_URL", "http://127.0.0.1:8081", "must end in /bot"),
        ("TELEGRAM_BASE_FILE_URL", "ftp://files", "e.g. http://127.0.0.1:8081/file/bot"),
        ("L2_CHAT_ID", "200", "a negative number"),
        ("SUPPORT_HOURS", "9-17", "use business (the contract's open hours) or always"),
        ("SUPPORT_HOLIDAYS", "1405-01-13,1405-13-01", "e.g. 1405-10-17,1405-11-04"),
        # A Gregorian date read as a Jalali one was a holiday in the year 2648: no error.
        ("SUPPORT_HOLIDAYS", "2027-01-06", "e.g. 1405-10-17,1405-11-04"),
        ("SUPPORT_WORKDAYS", "05-10-16", "e.g. 1405-10-16"),
        ("SUPERVISOR_CHAT_ID", "supervisors", "the supervisors' group id"),
        ("DAILY_REPORT_AT", "8 am", "as HH:MM, e.g. 08:00"),
        ("SLA_CHECK_SECONDS", "-5", "or 0 to send no overdue alerts"),
    ],
)
def test_a_malformed_optional_setting_is_named_with_its_fix(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, fix: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load(monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", **{name: value})
    assert f"{name} is malformed" in str(error.value)
    assert fix in str(error.value)


def test_settings_come_from_a_dotenv_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nAGENT_CHAT_ID=-1002\n", encoding="utf-8")
    settings = load_settings(env_file=env_file)
    assert settings.agent_chat_id == -1002


def test_a_proxy_set_in_dotenv_reaches_the_environment_unless_it_has_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper()}
    environment["HTTPS_PROXY"] = "http://from-the-service-file:3128"
    monkeypatch.setattr(os, "environ", environment)
    env_file = tmp_path / ".env"
    env_file.write_text(
        "all_proxy=socks5://pasokh:secret@127.0.0.1:1080\n"
        "HTTPS_PROXY=http://from-dotenv:3128\n"
        "NO_PROXY=127.0.0.1,localhost\n"
        "HTTP_PROXY=\n"  # left empty, as in .env.example: no proxy
        "DATABASE_URL=sqlite+aiosqlite:///elsewhere.sqlite3\n",
        encoding="utf-8",
    )

    export_proxies(env_file)

    assert environment["ALL_PROXY"] == "socks5://pasokh:secret@127.0.0.1:1080"
    assert environment["NO_PROXY"] == "127.0.0.1,localhost"
    assert environment["HTTPS_PROXY"] == "http://from-the-service-file:3128"
    assert "HTTP_PROXY" not in environment
    assert "DATABASE_URL" not in environment  # only proxies: the rest is read by the settings


def test_the_example_env_file_names_every_setting_and_starts_a_polling_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A newcomer copies .env.example to .env and fills in the first two lines.
    for name in list(os.environ):
        if name.upper() in {f.upper() for f in Settings.model_fields}:
            monkeypatch.delenv(name)
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    missing = [f.upper() for f in Settings.model_fields if f"\n{f.upper()}=" not in example]
    missing += [f.upper() for f in KBSettings.model_fields if f.upper() not in example]
    assert missing == []
    filled = example.replace("TELEGRAM_BOT_TOKEN=\n", f"TELEGRAM_BOT_TOKEN={TOKEN}\n").replace(
        "AGENT_CHAT_ID=\n", "AGENT_CHAT_ID=-1002\n"
    )
    env_file = tmp_path / ".env"
    env_file.write_text(filled, encoding="utf-8")
    settings = load_settings(env_file=env_file)
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.webhook_port == 8443 and settings.webhook_listen == "0.0.0.0"


def test_the_start_log_says_which_holidays_count_and_from_when_they_are_estimated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bot.startup, "utcnow", lambda: datetime(2026, 12, 7, 6, 0, tzinfo=UTC))
    said = describe_calendar(SupportCalendar(parse_holidays("1405-10-17")))
    assert "next: Birthday of Imam Ali, 1405-10-02" in said
    assert "a day changed by SUPPORT_HOLIDAYS" in said
    assert "lunar holidays from 1405-10-16 on are estimated" in said  # Mab'ath
    assert "around the clock" in describe_calendar(None)


def test_a_day_both_closed_and_open_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Listed in both, the day counted as open, silently.
    with pytest.raises(ConfigError, match=r"SUPPORT_WORKDAYS.*1405-10-16 is in SUPPORT_HOLIDAYS"):
        load(
            monkeypatch,
            TELEGRAM_BOT_TOKEN=TOKEN,
            AGENT_CHAT_ID="-100",
            SUPPORT_HOLIDAYS="1405-10-16,1405-11-04",
            SUPPORT_WORKDAYS="1405-10-16",
        )


def test_a_friday_to_open_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Accepted, it changed nothing, while the start log said a day had been changed.
    with pytest.raises(ConfigError, match=r"SUPPORT_WORKDAYS.*1405-09-20 is a weekly day off"):
        load(
            monkeypatch,
            TELEGRAM_BOT_TOKEN=TOKEN,
            AGENT_CHAT_ID="-100",
            SUPPORT_WORKDAYS="1405-09-20",
        )


def test_a_workday_that_is_no_official_holiday_is_warned_of_not_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An ordinary Thursday opens nothing: said at start. Not refused: the holidays library may
    # since have moved an estimated lunar holiday that was listed here to its official day.
    settings = load(
        monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", SUPPORT_WORKDAYS="1405-09-19"
    )
    warning = idle_workdays(settings.calendar)
    assert warning is not None and "1405-09-19" in warning and "changes nothing" in warning
    assert idle_workdays(SupportCalendar(workdays=parse_holidays("1405-01-12"))) is None


def test_an_official_holiday_can_be_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(
        monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", SUPPORT_WORKDAYS="1405-01-12"
    )
    calendar = settings.calendar
    assert calendar is not None and not calendar.is_holiday(date(2026, 4, 1))


def test_a_report_time_with_a_time_zone_is_refused_and_persian_digits_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # «08:00Z» was taken as 08:00 in Tehran (11:30 UTC was meant); «۰۸:۰۰» was refused.
    with pytest.raises(ConfigError, match=r"DAILY_REPORT_AT.*takes no time zone"):
        load(monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", DAILY_REPORT_AT="08:00Z")
    settings = load(
        monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", DAILY_REPORT_AT="۰۸:۳۰"
    )
    assert settings.daily_report_at == time(8, 30)
    # «8:00» as people write it was refused: "use a Tehran time of day as HH:MM".
    settings = load(
        monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", DAILY_REPORT_AT="8:05"
    )
    assert settings.daily_report_at == time(8, 5)


def test_support_hours_are_read_whatever_their_case(monkeypatch: pytest.MonkeyPatch) -> None:
    # «Business» was refused while «info» was a LOG_LEVEL.
    settings = load(
        monkeypatch, TELEGRAM_BOT_TOKEN=TOKEN, AGENT_CHAT_ID="-100", SUPPORT_HOURS="Always "
    )
    assert settings.support_hours == "always" and settings.calendar is None
