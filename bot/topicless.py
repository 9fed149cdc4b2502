"""Give a topic to each open ticket that has none in its agents' group.

A ticket opened while the bot could not make topics there (removed from the group, no longer
an admin with Manage topics, Topics turned off) is told to its customer as handed to an agent,
yet no agent sees it. Once the bot can make topics again, each gets its topic, its card and
what its customer sent meanwhile (bot.executor.Executor.open_late_topic). Telegram says when
the bot is an admin again (my_chat_member: bot.handlers.blocking wakes the watcher), not when
Topics are turned on again: hence also a look every minute, which costs one query while no
ticket waits. Run beside polling, in the instance that holds the polling lease only.

A ticket left open in a group that is no longer the desk's (AGENT_CHAT_ID pointed at a new
group between two runs) and that the bot is no longer in is moved to the agents' group at start
(take_in_stranded), and gets its topic there the same way: nobody answers in the old group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import Services
from bot.executor import Executor
from bot.membership import in_chat
from bot.migration import desk_chats
from bot.startup import StartupError, check_agent_chat
from storage.db import DATABASE_ERRORS
from storage.repositories import (
    add_ticket_event,
    list_topicless_tickets,
    open_tickets_elsewhere,
    take_in_tickets,
)

log = logging.getLogger(__name__)

LOOK_EVERY_SECONDS = 60.0
# Topics made at one look: each comes with its card and history, and the group's budget is
# about 20 messages a minute; the rest wait for the next look.
TOPICS_PER_LOOK = 5


async def _makes_topics(bot: Bot, chat_id: int) -> bool:
    """Whether the bot may make topics in the group now (a forum where it manages topics)."""
    try:
        await check_agent_chat(bot, chat_id)
    except StartupError as problem:
        log.debug("no topics made yet: %s", problem)
        return False
    except TelegramError as error:
        log.info("chat %s: could not be checked (%s)", chat_id, error.message)
        return False
    return True


async def give_topics(services: Services, executor: Executor) -> int:
    """Give their topics to the oldest tickets without one, in the desk groups the bot may
    make topics in now; return how many got one."""
    settings = services.settings
    async with services.sessions.begin() as session:
        chats = await desk_chats(session, settings.agent_chat_id, settings.l2_chat_id)
        waiting = await list_topicless_tickets(session, agent_chat_ids=chats, limit=TOPICS_PER_LOOK)
    usable: dict[int, bool] = {}
    given = 0
    for ticket in waiting:
        chat_id = ticket.agent_chat_id
        if chat_id not in usable:
            usable[chat_id] = await _makes_topics(executor.bot, chat_id)
        if not usable[chat_id]:
            continue
        if await executor.open_late_topic(ticket.id):
            given += 1
        else:
            usable[chat_id] = False  # refused after all: the others wait for the next look
    return given


async def watch_topicless(services: Services, executor: Executor) -> None:
    """Give topics to the tickets without one now, every LOOK_EVERY_SECONDS, and as soon as
    the bot is told it manages topics in a desk group again."""
    back = services.desk_back
    while True:
        back.clear()
        try:
            await give_topics(services, executor)
        except DATABASE_ERRORS as error:
            log.warning("looking for tickets without a topic failed: %s", type(error).__name__)
        except Exception:  # a bug must not end the looking for the rest of the run
            log.exception("looking for tickets without a topic failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(back.wait(), LOOK_EVERY_SECONDS)


async def take_in_stranded(services: Services, bot: Bot, chats: Sequence[int]) -> int:
    """Move the open tickets of groups that are no longer the desk's (`chats`: the agents'
    group, then the L2 group's, as bot.migration.desk_chats gives them) and that the bot is no
    longer in, to the agents' group, where each gets a topic with its conversation so far; say
    so in the log. Return how many. A group the bot is still in keeps its tickets (their
    topics work there; a setting left out for one run, or set back, must not move them)."""
    agents = chats[0]
    async with services.sessions.begin() as session:
        elsewhere = await open_tickets_elsewhere(session, desk_chat_ids=chats)
    gone = [chat for chat in elsewhere if await _bot_gone(bot, chat)]
    for chat in sorted(set(elsewhere) - set(gone)):
        log.warning(
            "%d open tickets are in chat %s, which no setting names (AGENT_CHAT_ID or "
            "L2_CHAT_ID changed while they were open): their topics there still work; they "
            "move to the agents' group once the bot is no longer in that chat",
            elsewhere[chat],
            chat,
        )
    if not gone:
        return 0
    async with services.sessions.begin() as session:
        came_from = await take_in_tickets(session, from_chat_ids=gone, to_chat_id=agents)
        for ticket_id, old in came_from.items():
            data = {"from_chat": old, "to_chat": agents}
            await add_ticket_event(session, ticket_id=ticket_id, kind="desk_moved", data=data)
    if came_from:
        log.error(
            "%d open tickets were in groups that are no longer the desk's and the bot is no "
            "longer in (%s): AGENT_CHAT_ID or L2_CHAT_ID changed while they were open, and "
            "nobody would answer them; moved to the agents' group %s, where each gets a new "
            "topic with its conversation so far",
            len(came_from),
            ", ".join(str(chat) for chat in sorted(set(came_from.values()))),
            agents,
        )
    return len(came_from)


async def _bot_gone(bot: Bot, chat_id: int) -> bool:
    """Whether Telegram says the bot is not in the chat (or the chat is gone); False when it
    cannot say now."""
    try:
        member = await bot.get_chat_member(chat_id, bot.id)
    except (BadRequest, Forbidden):
        return True  # chat not found; the bot kicked
    except TelegramError:
        return False
    return not in_chat(member)
