"""Bot settings from the environment or `.env`, checked at start with one clear line per problem."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import os
import re
from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import jdatetime
from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from handoff.hours import SupportCalendar, parse_holidays, weekly_day_off
from kb.settings import FROM_ENVIRONMENT
from storage.db import DEFAULT_URL, DRIVERS

# «123456789:AA…»: the bot id, a colon, then the secret (letters, digits, - and _).
TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# Seconds a fresh album item waits (from its arrival) before it is handled, so the rest of
# its album, which long polling may hand out in the next getUpdates answer, is stored by then
# and goes along in one copy (bot.intake). The gap is one Bot API round trip plus storing the
# batch: tens to a few hundred milliseconds, more on a slow link. 1 s covers a slow round trip
# or two; an album shown a second later costs nobody anything in a support conversation.
ALBUM_GRACE_SECONDS = 1.0

# A proxy for the Bot API calls: httpx reads these from the process environment only.
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")

# Settings whose validation messages could quote a secret: only the setting is named.
_SECRET_FIELDS = frozenset({"telegram_bot_token", "webhook_secret"})

# How to fix each setting, shown when it is missing or malformed.
_FIX_HINTS = {
    "telegram_bot_token": "set it to the token @BotFather gave you, e.g. 123456789:AA…",
    "agent_chat_id": "set it to the agents' forum supergroup id, a negative number (-100…)",
    "l2_chat_id": "set it to the second-line group id (a negative number) or leave it empty",
    "database_url": "use sqlite+aiosqlite:///data/pasokh.sqlite3 or postgresql+asyncpg://user@host/db",
    "telegram_base_url": "use the form PTB's base_url takes, e.g. http://127.0.0.1:8081/bot",
    "telegram_base_file_url": "use the form PTB's base_file_url takes, e.g. http://127.0.0.1:8081/file/bot",
    "log_level": "use DEBUG, INFO, WARNING or ERROR",
    "support_hours": "use business (the contract's open hours) or always",
    "support_holidays": "list Jalali dates separated by commas, e.g. 1405-10-17,1405-11-04",
    "support_workdays": "list Jalali dates separated by commas, e.g. 1405-10-16",
    "supervisor_chat_id": "set it to the supervisors' group id (or a supervisor's user id)",
    "daily_report_at": "use a Tehran time of day as HH:MM, e.g. 08:00",
    "sla_check_seconds": "use a number of seconds, or 0 to send no overdue alerts",
    "waiting_remind_hours": "use a number of hours, or 0 to send no reminder",
    "waiting_close_hours": "use a number of hours, more than WAITING_REMIND_HOURS, or 0 to "
    "never close a waiting ticket by itself",
    "webhook_url": "use the public https:// address Telegram should send updates to, or leave "
    "it empty to poll",
    "webhook_listen": "use the address to listen on, e.g. 0.0.0.0 or 127.0.0.1",
    "webhook_port": "use a port number from 1 to 65535",
    "webhook_secret": "use 1 to 256 letters, digits, _ or -, or leave it empty",
    "webhook_max_connections": "use a number from 1 to 100",
}
HOST_NAME_PATTERN = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$")
# What a PostgreSQL URL's query may hold: what SQLAlchemy's asyncpg dialect passes on to
# asyncpg.connect() and asyncpg reads from text. Anything else (libpq's connect_timeout or
# application_name, asyncpg's statement_cache_size, which wants a number) stopped the start
# with asyncpg's traceback.
POSTGRES_URL_OPTIONS = (
    "ssl",
    "command_timeout",
    "prepared_statement_cache_size",
    "target_session_attrs",
    "direct_tls",
    "passfile",
    "krbsrvname",
    "gsslib",
    "host",
    "port",
    "user",
    "password",
    "database",
)
# Where PTB puts the token in TELEGRAM_BASE_URL ("{token}", in any of the spellings it takes);
# without one it appends the token to the URL.
TOKEN_MARK = re.compile(r"\{(token|TOKEN|bot_token|BOT_TOKEN|bot-token|BOT-TOKEN)\}")
# What Telegram accepts as a webhook's secret_token.
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says how to fix it."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(**FROM_ENVIRONMENT, hide_input_in_errors=True)

    telegram_bot_token: SecretStr
    agent_chat_id: int
    l2_chat_id: int | None = None
    database_url: str = DEFAULT_URL
    kb_dir: Path = Path("kb/articles")
    kb_reload_interval: float = Field(default=2.0, gt=0, le=3600)
    telegram_base_url: str | None = None
    telegram_base_file_url: str | None = None
    banned_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    # Long polling.
    poll_timeout: int = Field(default=30, ge=0, le=50)
    # Updates handled at once across chats (one chat's updates always go in order).
    max_concurrent_updates: int = Field(default=64, ge=1, le=1024)
    # Attempts at processing one update before it is marked failed.
    max_update_attempts: int = Field(default=3, ge=1, le=20)
    # Seconds an album item waits for the rest of its album (see ALBUM_GRACE_SECONDS); 0: no wait.
    album_grace_seconds: float = Field(default=ALBUM_GRACE_SECONDS, ge=0, le=10)

    # Outgoing rate limits (Telegram's: ~30 messages/s overall, 20/min per group); 0 disables.
    telegram_overall_max_rate: float = Field(default=30, ge=0)
    telegram_group_max_rate: float = Field(default=20, ge=0)

    # Per-customer flood control: more than FLOOD_MAX_MESSAGES in FLOOD_WINDOW_SECONDS is a flood.
    flood_max_messages: int = Field(default=10, ge=1)
    flood_window_seconds: float = Field(default=10, gt=0, le=3600)

    # The customer's past failed attempts count only if this recent.
    attempts_memory_minutes: float = Field(default=30, gt=0, le=7 * 24 * 60)

    # Processed updates are kept this long in the inbox (then purged).
    inbox_keep_days: float = Field(default=7, gt=0, le=3650)

    # Cards of tickets awaiting an agent are redrawn this often so their waiting time stays
    # current (0 turns it off); at most 10 cards a round, redrawn in turn (bot/card_refresh.py).
    card_refresh_minutes: float = Field(default=5, ge=0, le=24 * 60)

    # When the first-response clock runs: "business", the contract's open hours in Tehran time
    # (handoff/hours.py: Fridays and holidays closed, VIP around the clock), or "always".
    support_hours: Literal["business", "always"] = "business"
    # Iran's official holidays are built in (handoff/hours.py). Jalali dates the desk is
    # closed besides (1405-10-16,1405-11-04), and official holidays it works after all.
    support_holidays: Annotated[frozenset[date], NoDecode] = frozenset()
    support_workdays: Annotated[frozenset[date], NoDecode] = frozenset()

    # Supervisors: where overdue alerts and the daily report go (the report only with a chat
    # set), the Tehran time the report is sent for the day before, and how often overdue
    # first responses are looked for (0: no alerts).
    supervisor_chat_id: int | None = None
    daily_report_at: time = time(8, 0)
    sla_check_seconds: float = Field(default=60, ge=0, le=3600)

    # A ticket waiting for its customer (/wait): after WAITING_REMIND_HOURS of silence they are
    # reminded once, after WAITING_CLOSE_HOURS it is closed and they are asked for a rating
    # (a later message opens a follow-up ticket). 0 turns either off.
    waiting_remind_hours: float = Field(default=24, ge=0, le=90 * 24)
    waiting_close_hours: float = Field(default=72, ge=0, le=90 * 24)

    # Webhook mode: with WEBHOOK_URL set, Telegram pushes updates to that public https address
    # (a reverse proxy in front passes them on to WEBHOOK_LISTEN:WEBHOOK_PORT) instead of the
    # bot polling. Every instance listens; the one holding the lease handles (bot/webhook.py).
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Telegram sends it with every update; empty: one derived from the token (every instance
    # derives the same).
    webhook_secret: SecretStr | None = None
    webhook_max_connections: int = Field(default=40, ge=1, le=100)

    log_level: str = "INFO"

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("unknown log level")
        return value.upper()

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not TOKEN_PATTERN.match(value.get_secret_value().strip()):
            raise ValueError("malformed token")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("agent_chat_id", "l2_chat_id")
    @classmethod
    def _group_id(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError("a group id is negative")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(tuple(f"{driver}://" for driver in DRIVERS)):
            raise ValueError("unsupported database driver")
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError("not a database URL (a port that is not a number?)") from None
        if url.get_backend_name() == "sqlite":
            if url.database in (None, "", ":memory:"):
                raise ValueError("SQLite needs a file: nothing would be kept")
        elif not url.database:
            raise ValueError("no database name after the host")
        elif "sslmode" in url.query:
            raise ValueError("asyncpg takes ?ssl=require, not ?sslmode=")
        elif unknown := sorted(set(url.query) - set(POSTGRES_URL_OPTIONS)):
            raise ValueError(
                f"asyncpg takes no ?{unknown[0]}=; remove it: it takes "
                f"{', '.join(POSTGRES_URL_OPTIONS[:5])}, …"
            )
        return value

    @field_validator("telegram_base_url", "telegram_base_file_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        marked = TOKEN_MARK.search(value)
        parts = urlsplit(TOKEN_MARK.sub("TOKEN", value))
        try:
            parts.port  # noqa: B018 - reading it checks it
        except ValueError:
            raise ValueError("its port is not a number from 1 to 65535") from None
        if not parts.hostname:
            raise ValueError("no host")
        # PTB appends the token: ".../bot/" or ".../" asked for /<token>/getMe, which a Bot API
        # server answers 404, and the bot blamed the token.
        if not marked and not parts.path.endswith("bot"):
            raise ValueError("the token is appended to it, so it must end in /bot")
        return value

    @field_validator("waiting_close_hours")
    @classmethod
    def _close_after_reminder(cls, value: float, info: ValidationInfo) -> float:
        remind = info.data.get("waiting_remind_hours")
        if value and remind and remind >= value:
            raise ValueError("not later than the reminder")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL")
        return value.strip()

    @field_validator("webhook_listen")
    @classmethod
    def _listen_address(cls, value: str) -> str:
        value = value.strip()
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(value))
        if not HOST_NAME_PATTERN.match(value):
            raise ValueError("not a host name or address")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not WEBHOOK_SECRET_PATTERN.match(value.get_secret_value().strip()):
            raise ValueError("characters Telegram does not accept")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("banned_user_ids", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        # Accept "1,2 3" as well as the JSON list pydantic-settings expects.
        if isinstance(value, str) and not value.strip().startswith("["):
            return frozenset(int(part) for part in re.split(r"[,\s]+", value.strip()) if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("support_hours", mode="before")
    @classmethod
    def _hours_word(cls, value: object) -> object:
        # «Business», « always »: the word is what counts, as LOG_LEVEL's is.
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("daily_report_at", mode="before")
    @classmethod
    def _digits_of_a_time(cls, value: object) -> object:
        if isinstance(value, str):  # «۰۸:۰۰», as SUPPORT_HOLIDAYS takes Persian digits
            digits = value.strip().translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
            # «8:00», «8:30» as people write them: ISO wants the hour's two digits.
            return re.sub(r"^(\d):", r"0\1:", digits)
        return value

    @field_validator("daily_report_at")
    @classmethod
    def _tehran_time(cls, value: time) -> time:
        if value.tzinfo is not None:  # «08:00Z» was read as 08:00 Tehran, silently
            raise ValueError("a time of day in Tehran takes no time zone")
        return value

    @field_validator("support_holidays", "support_workdays", mode="before")
    @classmethod
    def _jalali_dates(cls, value: object) -> object:
        return parse_holidays(value) if isinstance(value, str) else value

    @field_validator("support_workdays")
    @classmethod
    def _not_also_a_holiday(cls, value: frozenset[date], info: ValidationInfo) -> frozenset[date]:
        both = value & info.data.get("support_holidays", frozenset())
        if both:
            day = min(both)
            raise ValueError(
                f"{jdatetime.date.fromgregorian(date=day).isoformat()} is in SUPPORT_HOLIDAYS "
                "too: a day is either closed or open"
            )
        for day in sorted(value):  # a mistyped Friday would open nothing, and say nothing
            if weekly_day_off(day):
                raise ValueError(
                    f"{jdatetime.date.fromgregorian(date=day).isoformat()} is a weekly day off, "
                    "when the desk has no hours; SUPPORT_WORKDAYS opens official holidays only"
                )
        return value

    @property
    def calendar(self) -> SupportCalendar | None:
        """The support calendar deadlines are counted on; None: around the clock."""
        if self.support_hours == "always":
            return None
        return SupportCalendar(self.support_holidays, self.support_workdays)

    @property
    def secret_token(self) -> str:
        """The secret Telegram sends with each webhook update: WEBHOOK_SECRET, or one derived
        from the bot token (never the token itself), the same on every instance."""
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        digest = hmac.new(self.token.encode(), b"pasokh webhook", hashlib.sha256)
        return digest.hexdigest()

    @property
    def token(self) -> str:
        """Return the bot token (never log it)."""
        return self.telegram_bot_token.get_secret_value()


def _describe(error: ValidationError) -> str:
    """Render the first problem as one line: the setting, what is wrong, how to fix it."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "?"
    name = field.upper()
    problem = "is not set" if first["type"] == "missing" else "is malformed"
    if first["type"] in ("less_than_equal", "greater_than", "greater_than_equal", "less_than"):
        problem += f" ({first['msg'].lower()})"
    elif first["type"] == "value_error" and field not in _SECRET_FIELDS:
        problem += f" ({first['msg'].removeprefix('Value error, ')})"
    hint = _FIX_HINTS.get(field, "check its value in the environment or .env")
    return f"configuration error: {name} {problem}: {hint}"


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read and check the settings; raise ConfigError with one line naming the bad setting."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"configuration error: cannot read {env_file} ({type(error).__name__}); "
            "it must be a readable UTF-8 file of NAME=value lines"
        ) from None


def export_proxies(env_file: str | Path | None = ".env") -> None:
    """Put the proxy variables `env_file` sets into the environment, where httpx reads them,
    so a proxy is set in `.env` like every other setting; one the environment already has
    wins, as for every setting."""
    if env_file is None or not Path(env_file).is_file():
        return
    present = {name.upper() for name in os.environ}
    for name, value in dotenv_values(env_file, encoding="utf-8").items():
        variable = name.upper()
        if variable in PROXY_VARIABLES and value and variable not in present:
            os.environ[variable] = value
