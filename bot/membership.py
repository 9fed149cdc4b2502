"""Who may press a ticket card's buttons: members of the group the card is in.

Telegram answers that (getChatMember), and a network round-trip must never run
inside an update's unit of work: on SQLite the transaction holds the write lock
(BEGIN IMMEDIATE), so one slow answer would stall every other update. So the
pipeline asks before `sessions.begin()` (`ask_before_work`) and the card handler
reads the answer from its Work.

Answers are cached briefly (MEMBER_TTL_SECONDS), so an agent pressing several
buttons costs one call. Both answers are cached: a new agent may wait up to the
TTL before the buttons work, a removed one keeps them as long. A failed call
is "unknown" (None): the press is refused with a try-again text, and nothing is
cached, so the next press asks again.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable

from telegram import Bot, ChatMember, ChatMemberRestricted, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot import keyboards

log = logging.getLogger(__name__)

MEMBER_STATUSES = (ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER)


def in_chat(member: ChatMember) -> bool:
    """Whether a chat member (the bot, say) is in the chat: not left, not banned; restricted
    but still a member counts."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status not in (ChatMember.LEFT, ChatMember.BANNED)


MEMBER_TTL_SECONDS = 60.0
# Far more agents than any desk has; the oldest answers go first beyond it.
MEMBER_CACHE_MAX = 1024

MemberKey = tuple[int, int]  # (chat id, user id)
# True: a member; False: not one; None: Telegram could not be asked.
Membership = bool | None


class MemberCache:
    """Recent membership answers per (chat id, user id), each kept `ttl` seconds.

    >>> now = [0.0]
    >>> cache = MemberCache(ttl=60, clock=lambda: now[0])
    >>> cache.put((-100, 7), True)
    >>> cache.get((-100, 7))
    True
    >>> now[0] = 61
    >>> cache.get((-100, 7)) is None
    True
    """

    def __init__(
        self,
        ttl: float = MEMBER_TTL_SECONDS,
        max_entries: int = MEMBER_CACHE_MAX,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._answers: OrderedDict[MemberKey, tuple[float, bool]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: MemberKey) -> bool | None:
        """Return the cached answer, or None when there is none (or it expired)."""
        found = self._answers.get(key)
        if found is None:
            return None
        expires_at, member = found
        if self.clock() >= expires_at:
            del self._answers[key]
            return None
        return member

    def put(self, key: MemberKey, member: bool) -> None:
        """Remember an answer for `ttl` seconds; drop the oldest beyond `max_entries`."""
        self._answers[key] = (self.clock() + self.ttl, member)
        self._answers.move_to_end(key)
        while len(self._answers) > self.max_entries:
            self._answers.popitem(last=False)


def card_press(update: Update) -> MemberKey | None:
    """Return (chat id, user id) when the update is a ticket card button pressed in a group."""
    query = update.callback_query
    if query is None or query.message is None:
        return None
    # The very pattern the card handler is registered with: the two cannot disagree.
    if not re.match(keyboards.PATTERN_TICKET, query.data or ""):
        return None
    chat = query.message.chat
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return None
    return chat.id, query.from_user.id


async def is_member(bot: Bot, cache: MemberCache, key: MemberKey) -> Membership:
    """Return whether the user belongs to the chat: from the cache, else from Telegram;
    None when Telegram could not be asked."""
    cached = cache.get(key)
    if cached is not None:
        return cached
    chat_id, user_id = key
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError as error:
        # Unknown, and not remembered: once Telegram answers again, so do the buttons.
        log.warning(
            "getChatMember(%s, %s) failed (%s): the press is refused for now",
            chat_id,
            user_id,
            type(error).__name__,
        )
        return None
    # A restricted member is an agent while they may still write: muted, they could claim a
    # ticket and then not answer it, held from colleagues until one took it over.
    answer = member.status in MEMBER_STATUSES or (
        member.status == ChatMember.RESTRICTED
        and bool(getattr(member, "is_member", False))
        and bool(getattr(member, "can_send_messages", False))
    )
    cache.put(key, answer)
    return answer


async def ask_before_work(
    bot: Bot, cache: MemberCache, update: Update
) -> dict[MemberKey, Membership]:
    """Ask Telegram what the update's handlers will need to know, before the unit of work."""
    key = card_press(update)
    if key is None:
        return {}
    return {key: await is_member(bot, cache, key)}
