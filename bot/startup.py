"""Start-up checks: the bot must be an admin of the agents' forum group, able to manage topics."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

import jdatetime
from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ChatMemberAdministrator,
    ChatMemberOwner,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot import desk_texts, texts
from bot.membership import in_chat
from handoff.hours import SupportCalendar, first_estimated, no_official_holiday, official_holidays
from handoff.persian import TEHRAN
from storage.timestamps import utcnow

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot work as configured; the message says what to fix."""


async def check_agent_chat(
    bot: Bot, chat_id: int, setting: str = "AGENT_CHAT_ID", group: str = "the agents' group"
) -> None:
    """Raise StartupError unless `chat_id` is a forum supergroup where the bot manages topics."""
    where = f"{setting}={chat_id}"
    try:
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot.id)
    except ChatMigrated as error:
        raise StartupError(
            f"{where}: the group became a supergroup; set {setting}={error.new_chat_id}"
        ) from None
    except (BadRequest, Forbidden) as error:
        raise StartupError(
            f"{where}: the bot cannot reach this chat ({error.message}); "
            f"add the bot to {group} and check the id"
        ) from None
    if chat.type != ChatType.SUPERGROUP or not chat.is_forum:
        raise StartupError(
            f"{where}: the chat is not a forum supergroup; turn on Topics in the group's settings"
        )
    if isinstance(member, ChatMemberOwner):
        return
    if not isinstance(member, ChatMemberAdministrator):
        raise StartupError(
            f"{where}: the bot is not an administrator there; "
            "make it an admin with the 'Manage topics' right"
        )
    if not member.can_manage_topics:
        raise StartupError(
            f"{where}: the bot may not manage topics; give it the 'Manage topics' admin right"
        )


async def warn_about_other_chats(bot: Bot, l2_chat_id: int | None, supervisors: int | None) -> None:
    """Log what would keep escalations or the supervisors' messages from arriving; the bot
    still serves customers and agents, so these do not stop it."""
    if l2_chat_id is not None:
        try:
            await check_agent_chat(bot, l2_chat_id, "L2_CHAT_ID", "the L2 group")
        except StartupError as problem:
            log.warning("%s; escalations will fail until it is fixed", problem)
        except TelegramError as error:  # Telegram failing for a moment: not worth stopping for
            log.warning("L2_CHAT_ID=%s: could not be checked (%s)", l2_chat_id, error.message)
    if supervisors is not None:
        try:
            member = await bot.get_chat_member(supervisors, bot.id)
        except TelegramError as error:
            log.warning(
                "SUPERVISOR_CHAT_ID=%s: the bot cannot reach this chat (%s); add the bot to the "
                "supervisors' group (or have the supervisor start it) and check the id",
                supervisors,
                error.message,
            )
            return
        if not in_chat(member):
            log.warning(
                "SUPERVISOR_CHAT_ID=%s: the bot is not a member there; add it to the group",
                supervisors,
            )


async def set_commands(
    bot: Bot, desk_chats: Sequence[int] = (), supervisors: int | None = None
) -> None:
    """Show /start, /help and /human in the customers' command menu, the desk's commands in
    the agents' groups (`desk_chats`: the agents' group, then the L2 group, whose tickets
    are at second line already: no /escalate there) and the supervisors' in theirs (best
    effort)."""
    agents = desk_chats[0] if desk_chats else None
    menus: list[tuple[Sequence[tuple[str, str]], BotCommandScope | None]] = [
        # Private chats only: in other groups the bot answers none of them.
        (texts.COMMANDS, BotCommandScopeAllPrivateChats()),
        *(
            (
                desk_texts.DESK_COMMANDS if chat == agents else desk_texts.L2_COMMANDS,
                BotCommandScopeChat(chat),
            )
            for chat in dict.fromkeys(desk_chats)
        ),
    ]
    if supervisors is not None and supervisors not in desk_chats:
        menus.append((desk_texts.SUPERVISOR_COMMANDS, BotCommandScopeChat(supervisors)))
    for commands, scope in menus:
        try:
            await bot.set_my_commands(
                [BotCommand(name, text) for name, text in commands], scope=scope
            )
        except TelegramError as error:
            log.warning("could not set the command menu: %s", error.message)


def _jalali(day: date) -> str:
    return str(jdatetime.date.fromgregorian(date=day).isoformat())


def idle_workdays(calendar: SupportCalendar | None) -> str | None:
    """A warning for the start-up log naming the SUPPORT_WORKDAYS that are no official holiday
    (opening them changes nothing); a warning, not a refusal to start: the holidays library
    may since have moved an estimated lunar holiday to its official day."""
    idle = no_official_holiday(calendar.workdays) if calendar is not None else []
    if not idle:
        return None
    days = ", ".join(_jalali(day) for day in idle)
    return f"SUPPORT_WORKDAYS {days}: no official holiday, so opening it changes nothing"


def describe_calendar(calendar: SupportCalendar | None) -> str:
    """Say, for the start-up log, which holidays deadlines skip and from when the built-in
    ones are only estimated (the official calendar fixes a lunar holiday by the moon)."""
    if calendar is None:
        return "first-response deadlines run around the clock (SUPPORT_HOURS=always)"
    today = utcnow().astimezone(TEHRAN).date()
    ahead = sorted(
        (day, name)
        for year in (today.year, today.year + 1)
        for day, name in official_holidays(year).items()
        if day >= today
    )
    said = "deadlines skip Fridays and Iran's official holidays"
    if ahead:
        day, name = ahead[0]
        said += f" (next: {name}, {_jalali(day)})"
    extra = len(calendar.holidays) + len(calendar.workdays)
    if extra:
        days = "a day" if extra == 1 else f"{extra} days"
        said += f", with {days} changed by SUPPORT_HOLIDAYS and SUPPORT_WORKDAYS"
    estimated = first_estimated(today)
    if estimated is not None:
        said += (
            f"; lunar holidays from {_jalali(estimated)} on are "
            "estimated: when the official calendar moves one, add its day to "
            "SUPPORT_HOLIDAYS and the estimated day to SUPPORT_WORKDAYS"
        )
    return said
