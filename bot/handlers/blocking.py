"""A customer blocks the bot, or lets it write again: Telegram says so (my_chat_member).

With a ticket open, the topic learns at once, not at the agent's next reply, and the card
says so; once they let the bot write again, agents' messages reach them again.

The same update tells when an agents' group removes the bot or takes its right to manage
topics: no new ticket gets a topic there, so the operator (the log) and the supervisors
hear of it at once, not from customers whose messages go nowhere. And when the supervisors'
chat removes it: the operator hears that alerts and reports stop.
"""

from __future__ import annotations

import logging

from telegram import (
    Chat,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberUpdated,
    Update,
)
from telegram.ext import BaseHandler, ChatMemberHandler

from bot import desk_texts
from bot.context import BotContext
from bot.effects import SendText
from bot.handlers.desk import card_changed, in_desk_chat, notice
from bot.membership import in_chat
from handoff import service
from handoff.persian import clean_inline, shorten
from storage.repositories import get_ticket

log = logging.getLogger(__name__)


def _manages_topics(member: ChatMember) -> bool:
    if member.status == ChatMember.OWNER:
        return True
    return isinstance(member, ChatMemberAdministrator) and bool(member.can_manage_topics)


def _what_changed(member: ChatMember) -> str:
    """Say, for the operator, how the bot stopped managing topics in a group."""
    if not in_chat(member):
        return f"the bot was removed from the group ({member.status})"
    if member.status == ChatMember.ADMINISTRATOR:
        return "the bot, still an admin, lost the right to manage topics"
    return f"the bot is no longer an admin of the group ({member.status})"


async def _desk_changed(change: ChatMemberUpdated, context: BotContext) -> None:
    """Say when the bot can no longer (or again) open topics in an agents' group."""
    work, services = context.work, context.services
    if not await in_desk_chat(work, services, change.chat.id):
        return
    works = _manages_topics(change.new_chat_member)
    if works == _manages_topics(change.old_chat_member):
        return
    setting = "L2_CHAT_ID" if change.chat.id == services.settings.l2_chat_id else "AGENT_CHAT_ID"
    if works:
        log.warning(
            "%s=%s: the bot manages topics there again; open tickets without a topic get theirs",
            setting,
            change.chat.id,
        )
        services.desk_back.set()
    else:
        log.error(
            "%s=%s: %s; tickets get no topic there until it is an admin with Manage topics again",
            setting,
            change.chat.id,
            _what_changed(change.new_chat_member),
        )
    supervisors = services.settings.supervisor_chat_id
    if supervisors is not None and supervisors != change.chat.id:
        title = shorten(clean_inline(change.chat.title), 64) or str(change.chat.id)
        said = desk_texts.desk_back(title) if works else desk_texts.desk_lost(title)
        what = (
            f"the notice to SUPERVISOR_CHAT_ID={supervisors} that the bot "
            f"{'is back in' if works else 'lost'} {setting}={change.chat.id}"
        )
        work.effects.append(SendText(supervisors, said, what=what))


def _supervisors_changed(change: ChatMemberUpdated) -> None:
    """Say in the log when the supervisors' chat removes the bot (or the supervisor blocks
    it), or takes it back: alerts and reports sent there meanwhile go nowhere."""
    there = in_chat(change.new_chat_member)
    if there == in_chat(change.old_chat_member):
        return
    if there:
        log.warning(
            "SUPERVISOR_CHAT_ID=%s: the bot is back in the supervisors' chat; overdue alerts "
            "and the daily report go there again",
            change.chat.id,
        )
    else:
        log.error(
            "SUPERVISOR_CHAT_ID=%s: the bot was removed from the supervisors' chat (%s); "
            "overdue alerts and the daily report are dropped until it is added back (or "
            "SUPERVISOR_CHAT_ID names a chat it is in)",
            change.chat.id,
            change.new_chat_member.status,
        )


async def on_blocked_or_back(update: Update, context: BotContext) -> None:
    """Flag (or clear) the open ticket's "customer blocked the bot", tell its topic, redraw."""
    change = update.my_chat_member
    work = context.work
    if change is not None and change.chat.id == context.services.settings.supervisor_chat_id:
        _supervisors_changed(change)
    if change is not None and change.chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        await _desk_changed(change, context)
        return
    if change is None or change.chat.type != Chat.PRIVATE or work.ticket_id is None:
        return
    ticket = await get_ticket(work.session, work.ticket_id)
    if ticket is None or ticket.status == "closed":
        return
    status = change.new_chat_member.status
    if status == ChatMember.BANNED and not ticket.customer_blocked:
        await service.customer_blocked(work.session, ticket_id=ticket.id)
        said = desk_texts.CUSTOMER_BLOCKED
    elif status == ChatMember.MEMBER and ticket.customer_blocked:
        await service.customer_unblocked(work.session, ticket_id=ticket.id)
        said = desk_texts.CUSTOMER_UNBLOCKED
    else:
        return
    notice(work, ticket, said)
    card_changed(work, ticket.id)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the handler of the bot's own membership changes (private chats, desk groups)."""
    return [ChatMemberHandler(on_blocked_or_back, ChatMemberHandler.MY_CHAT_MEMBER)]
