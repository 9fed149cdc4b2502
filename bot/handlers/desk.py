"""The agents' group (the hand-off desk): claim, reply, note, article, escalate, close.

Everything here runs inside the update's unit of work like the customer side:
database changes through handoff.service, Telegram calls as effects; whether a
button's presser is an agent was asked before it opened (bot.membership). A message
in the agents' group belongs to a ticket through its forum topic
(ticket_by_thread); a message anywhere else in the group is ignored, except /tickets.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from html import escape

from telegram import Message, Update, User
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot import desk_texts, keyboards, membership
from bot.albums import album_caption, album_siblings
from bot.context import TOAST_MAX, BotContext, Services, Work
from bot.desk_commands import (
    GROUP_COMMANDS,
    HELP_COMMANDS,
    TICKET_COMMANDS,
    SlashCommand,
    read_slash,
)
from bot.effects import (
    CloseTopic,
    CopyKept,
    EditCard,
    Markup,
    OpenTopic,
    PostCard,
    Relay,
    RenameTopic,
    ReopenTopic,
    SendText,
    SendTranscript,
    ToCustomer,
    as_history,
    mirror_edit,
)
from bot.formatting import article_messages, bound, plain_text
from bot.history import Kept, Post, timeline
from bot.hotpath import log_message
from bot.message_kinds import message_kind
from bot.migration import current_agent_chat, desk_chats, record_migration
from bot.supervision import report_so_far
from bot.ticket_list import open_tickets
from bot.tickets import (
    expected_answer,
    log_told,
)
from handoff import lifecycle, service
from handoff.card import due_line
from handoff.persian import clean_inline, duration, shorten, utf16_len
from handoff.sla import current_deadline, read_tier
from handoff.texts import TIER
from handoff.topics import ticket_link, topic_link
from storage.models import Ticket, TicketEvent
from storage.repositories import (
    ARTICLE_SENT,
    add_ticket_event,
    find_link_by_agent_message,
    get_customer,
    get_ticket,
    set_follow_up,
    ticket_by_thread,
    ticket_events,
    ticket_moved_from,
)
from storage.timestamps import utcnow
from triage import priority

log = logging.getLogger(__name__)

NOTE_MAX = 4000
ESCALATION_NOTE_MAX = 1000  # why a ticket was escalated, as the agent wrote it
# A colleague's message kept from the customer of a ticket another agent holds.
NOT_RELAYED_EVENT = "not_relayed"
HISTORY_ON_ESCALATE = 50  # messages copied into the L2 group's new topic


def agent_name(user: User) -> str:
    """Return the name agents see for a colleague (bidi controls and blank letters in a
    Telegram name would turn the notices that carry it around)."""
    return shorten(clean_inline(user.full_name), 64) or user.username or str(user.id)


# -- effects shared by buttons and commands --------------------------------------------------------


def card_changed(work: Work, ticket_id: int) -> None:
    """Have the card re-rendered once after this update (it reads the latest state then).

    One edit per update however many changes: the agents' group shares a budget of
    about 20 messages a minute.
    """
    if EditCard(ticket_id) not in work.effects:
        work.effects.append(EditCard(ticket_id))


def notice(work: Work, ticket: Ticket, html: str) -> None:
    """Post a notice into the ticket's topic."""
    if ticket.thread_id is not None:
        work.effects.append(SendText(ticket.agent_chat_id, html, thread_id=ticket.thread_id))


async def tell_customer(
    work: Work, ticket: Ticket, html: str, markup: Markup | None = None, *, rates: bool = False
) -> None:
    """Send HTML to the ticket's customer and log it in the interaction log (`rates`: it
    asks for the ticket's rating, with the buttons a typed rating takes off)."""
    rated = ticket.id if rates else None
    work.effects.append(SendText(ticket.customer_id, html, markup, rates=rated))
    await log_told(work.session, ticket, html, update_id=work.update_id)


async def do_claim(work: Work, ticket: Ticket, agent: User) -> str:
    """Claim the ticket for `agent`; return what to tell them."""
    result = await service.claim(
        work.session, ticket_id=ticket.id, agent_id=agent.id, agent_name=agent_name(agent)
    )
    if result.won:
        card_changed(work, ticket.id)
        notice(work, ticket, desk_texts.claimed_notice(agent_name(agent)))
        return desk_texts.CLAIMED_TOAST
    if result.outcome == "already_yours":
        return desk_texts.ALREADY_YOURS
    if result.outcome == "held":
        return desk_texts.held_by(result.holder_name or desk_texts.ANOTHER_AGENT)
    if result.outcome == "closed":
        return desk_texts.TICKET_CLOSED
    return desk_texts.NOT_ALLOWED_NOW


def _held_by_another(ticket: Ticket, agent: User, not_done: str) -> str | None:
    """What to tell an agent acting on a ticket a colleague holds (None: theirs, or free).
    One agent speaks for a ticket: a colleague's close (which asks the customer for a
    rating) or wait (which starts its clock to close by itself) is refused like their
    message is, saying what was not done (`not_done`) and how to take it over."""
    if ticket.status == "closed" or ticket.claimed_by in (None, agent.id):
        return None
    holder = ticket.claimed_by_name or desk_texts.ANOTHER_AGENT
    return desk_texts.not_done_held_by(not_done, holder)


async def do_close(work: Work, ticket: Ticket, agent: User) -> str:
    """Close the ticket, close its topic, ask the customer for a rating."""
    held = _held_by_another(ticket, agent, desk_texts.NOT_CLOSED)
    if held is not None:
        return held
    result = await service.close(
        work.session, ticket_id=ticket.id, actor_id=agent.id, actor_name=agent_name(agent)
    )
    if not result.ok:
        return desk_texts.TICKET_CLOSED if ticket.status == "closed" else desk_texts.NOT_ALLOWED_NOW
    asked = not ticket.customer_blocked  # blocked, or their account deleted: nothing reaches them
    notice(work, ticket, desk_texts.closed_notice(agent_name(agent), asked_to_rate=asked))
    card_changed(work, ticket.id)
    work.effects.append(CloseTopic(ticket.id))
    if not ticket.customer_blocked:
        await tell_customer(
            work,
            ticket,
            desk_texts.ticket_closed_for_customer(
                ticket.id, answered=ticket.first_response_at is not None
            ),
            keyboards.rating(ticket.id),
            rates=True,
        )
    await set_follow_up(
        work.session, user_id=ticket.customer_id, ticket_id=ticket.id, closed_at=utcnow()
    )
    return desk_texts.CLOSED_TOAST


async def do_take(work: Work, ticket: Ticket, agent: User) -> str | None:
    """Take the ticket over from the agent who holds it (a free one is simply claimed)."""
    holder_id, holder_name = ticket.claimed_by, ticket.claimed_by_name
    if ticket.status == "closed":
        return desk_texts.TICKET_CLOSED
    if holder_id is None:
        claimed = await do_claim(work, ticket, agent)
        return None if claimed == desk_texts.CLAIMED_TOAST else claimed
    if holder_id == agent.id:
        return desk_texts.ALREADY_YOURS
    if not await service.take_over(
        work.session, ticket=ticket, agent_id=agent.id, agent_name=agent_name(agent)
    ):
        return desk_texts.NOT_ALLOWED_NOW
    notice(work, ticket, desk_texts.taken_over_notice(agent_name(agent), holder_id, holder_name))
    card_changed(work, ticket.id)
    return None


async def do_wait(work: Work, services: Services, ticket: Ticket, agent: User) -> str:
    """Mark the ticket as waiting for the customer (their next message resumes it); a free
    ticket is claimed on the way."""
    if ticket.status == "closed":
        return desk_texts.TICKET_CLOSED
    if ticket.status == "waiting":
        return desk_texts.ALREADY_WAITING
    held = _held_by_another(ticket, agent, desk_texts.NOT_PUT_ON_WAIT)
    if held is not None:
        return held
    if ticket.claimed_by is None:
        claimed = await do_claim(work, ticket, agent)  # as writing in a free ticket takes it
        if claimed != desk_texts.CLAIMED_TOAST:
            return claimed
    result = await service.set_waiting(work.session, ticket_id=ticket.id, actor_id=agent.id)
    if not result.ok:
        return desk_texts.NOT_ALLOWED_NOW
    hours = services.settings.waiting_close_hours
    closes = duration(timedelta(hours=hours)) if hours else None
    notice(work, ticket, desk_texts.waiting_notice(agent_name(agent), closes))
    card_changed(work, ticket.id)
    return desk_texts.WAITING_TOAST


async def do_escalate(
    work: Work, services: Services, ticket: Ticket, agent: User, reason: str = ""
) -> str:
    """Move the ticket to L2: the L2 group when configured, else marked L2 in place; who
    escalated it and `reason` (what they wrote after /escalate) go on its L2 card."""
    holder_id, holder_name = ticket.claimed_by, ticket.claimed_by_name
    l2_chat = services.settings.l2_chat_id
    moving = l2_chat is not None and l2_chat != ticket.agent_chat_id
    result = await service.escalate(
        work.session,
        ticket_id=ticket.id,
        actor_id=agent.id,
        actor_name=agent_name(agent),
        note=bound(reason.strip(), ESCALATION_NOTE_MAX) or None,
        moved_from=(ticket.agent_chat_id, ticket.thread_id)
        if moving and ticket.thread_id is not None
        else None,
    )
    if not result.ok or result.ticket is None:
        if ticket.status == "closed":
            return desk_texts.TICKET_CLOSED
        if ticket.level >= lifecycle.MAX_LEVEL:
            return desk_texts.ALREADY_L2
        return desk_texts.NOT_ALLOWED_NOW
    told = holder_id if holder_id != agent.id else None  # not the holder who escalates it
    notice(
        work,
        ticket,
        desk_texts.escalated_notice(agent_name(agent), told, holder_name, moved=moving),
    )
    if moving and l2_chat is not None:
        # The old topic is closed; a fresh topic and card in the L2 group follow (the old
        # topic gets the new one's link once it is recorded: bot.executor), then the old
        # card is drawn once more, saying where the ticket went, without buttons, and the
        # history so far is copied.
        old_chat, old_thread, old_card = (
            ticket.agent_chat_id,
            ticket.thread_id,
            ticket.card_message_id,
        )
        if old_thread is not None:
            work.effects.append(CloseTopic(ticket.id, old_chat, old_thread))
        moved = result.ticket  # the row changes with this unit of work; the topic comes after
        moved.agent_chat_id, moved.thread_id, moved.card_message_id = l2_chat, None, None
        work.then(OpenTopic(ticket.id))
        work.then(PostCard(ticket.id))
        if old_card is not None:
            work.effects.append(EditCard(ticket.id, old_chat, old_card))
        if old_thread is not None:
            left = topic_link(old_chat, old_thread)
            history = await history_effects(work, ticket.id, l2_chat, left)
            work.effects.extend(as_history(history))  # the ticket's relays wait for it all
    else:
        work.effects.append(RenameTopic(ticket.id))
        card_changed(work, ticket.id)
    # Second line's deadline runs from now, in open hours, and the customer is told of it.
    escalated = result.ticket
    await service.start_l2_clock(
        work.session, ticket=escalated, calendar=services.settings.calendar
    )
    if not ticket.customer_blocked:
        now = escalated.escalated_at or utcnow()
        expect = await expected_answer(work.session, services, escalated, now)
        await tell_customer(work, ticket, desk_texts.escalated_for_customer(ticket.id, expect))
    return desk_texts.ESCALATED_TOAST


async def history_effects(
    work: Work, ticket_id: int, chat_id: int, left: str
) -> list[Relay | SendText | CopyKept | SendTranscript]:
    """Return the ticket's history so far for its new topic in `chat_id`: copies of its
    messages (both directions), each run under whose it is, and the notes (with the
    screenshots they were written under) and guides in their place; first, when earlier
    messages are left out, how many, the link of the topic it left (`left`), which has
    them, and the whole conversation as a file."""
    shown = await timeline(work.session, ticket_id, HISTORY_ON_ESCALATE)
    effects: list[Relay | SendText | CopyKept | SendTranscript] = []
    if shown.left_out:
        cut = desk_texts.history_left_out(shown.left_out, shown.notes_left_out, left)
        effects.append(SendText(chat_id, cut, topic_of=ticket_id))
        # The whole of it as a file: an expert of another group cannot open the old topic.
        effects.append(SendTranscript(ticket_id, chat_id))
    for step in shown.steps:
        if isinstance(step, Post):
            effects.append(SendText(chat_id, step.html, topic_of=ticket_id))
            continue
        if isinstance(step, Kept):
            kept = CopyKept(
                ticket_id, chat_id, step.chat_id, step.message_ids, step.heading, step.fallback
            )
            effects.append(kept)
            continue
        first, *rest = step.group.links
        relay = Relay(
            ticket_id,
            first.customer_chat_id,
            first.customer_message_id,
            media_group_id=first.media_group_id,
            album=tuple(link.customer_message_id for link in rest),
            forwarded=first.forwarded,  # a «bank's» message still reads as the bank's
            label=step.label,
        )
        effects.append(relay)
    if effects:  # what follows is the customer's, not the last run's writer
        effects.append(SendText(chat_id, desk_texts.HISTORY_END, topic_of=ticket_id))
    return effects


async def do_article(
    work: Work,
    services: Services,
    ticket: Ticket,
    article_id: str,
    *,
    agent: User,
    asked: str = "",
) -> str | None:
    """Send a KB article to the customer; return an error for the agent, or None. `asked` is
    what the agent wrote, when it may be words rather than an id (to say what they meant).

    The audit trail keeps which article answered the ticket's question: `python -m kb gaps`
    offers that question to the article's editors as another wording of it."""
    article = services.kb.get(article_id)
    if article is None:
        maybe = [(a.id, a.title) for a in services.kb.lookup(asked or article_id)]
        return desk_texts.unknown_article(article_id, maybe)
    if ticket.status == "closed":
        return desk_texts.TICKET_IS_CLOSED
    if ticket.customer_blocked:
        return await _unreachable(work, ticket)
    if ticket.claimed_by not in (None, agent.id):
        holder = ticket.claimed_by_name or desk_texts.ANOTHER_AGENT
        return desk_texts.not_sent_held_by(holder, article=True)
    if ticket.claimed_by is None and ticket.status in ("open", "escalated"):
        await do_claim(work, ticket, agent)  # sending a guide takes a free ticket, as writing does
    for html in article_messages(article.title, article.body):
        await tell_customer(work, ticket, html)
    if current_deadline(ticket).met_at is None:
        card_changed(work, ticket.id)  # the card shows the first response (or L2's)
    await service.agent_message(work.session, ticket_id=ticket.id, agent_id=agent.id)
    await add_ticket_event(
        work.session,
        ticket_id=ticket.id,
        kind=ARTICLE_SENT,
        actor_id=agent.id,
        data={"article_id": article.id, "title": article.title},  # for the L2 history
    )
    notice(work, ticket, desk_texts.article_sent(article.title))
    return None


# -- buttons ----------------------------------------------------------------------------------


async def is_agent(context: BotContext, chat_id: int, user_id: int) -> membership.Membership:
    """Return whether the user belongs to the group, as asked before the unit of work
    (None: Telegram could not be asked)."""
    work, key = context.work, (chat_id, user_id)
    if key in work.members:
        return work.members[key]
    # Only an update that skipped Pipeline._decide's ask_before_work gets here (a new way
    # of feeding updates, or card_press and this handler disagreeing). Asking now is
    # correct, only slower, and waits on the network inside the transaction: say so.
    log.warning("update %s: membership not asked before its unit of work", work.update_id)
    return await membership.is_member(context.bot, context.services.members, key)


async def on_ticket_button(update: Update, context: BotContext) -> None:
    """Act on a card button; refuse strangers, other topics, and stale or forged data."""
    work, services = context.work, context.services
    query = update.callback_query
    pressed = keyboards.parse(query.data if query else None)
    if query is None or pressed is None:
        return
    message = query.message
    chat = message.chat if message is not None else None
    user = query.from_user
    if chat is None or chat.type not in (ChatType.SUPERGROUP, ChatType.GROUP):
        work.answer_callback(query.id, desk_texts.NOT_AN_AGENT, alert=True)
        return
    agent = await is_agent(context, chat.id, user.id)
    if not agent:
        log.info("card button %r in %s refused: %s is no agent there", query.data, chat.id, user.id)
        refusal = desk_texts.NOT_AN_AGENT if agent is False else desk_texts.MEMBERSHIP_UNCHECKED
        work.answer_callback(query.id, refusal, alert=True)
        return
    action, ticket_id = pressed.fields[0], pressed.int_field(1)
    ticket = await get_ticket(work.session, ticket_id)
    if ticket is None:
        work.answer_callback(query.id, desk_texts.UNKNOWN_TICKET, alert=True)
        return
    thread = getattr(message, "message_thread_id", None)
    if message is not None and not message.is_accessible:
        # A card older than about two days comes without its topic (Telegram sends only the
        # chat and the message id): it is this ticket's card if the id is the card's.
        same_card = chat.id == ticket.agent_chat_id and message.message_id == ticket.card_message_id
        thread = ticket.thread_id if same_card else None
    if ticket.agent_chat_id != chat.id or ticket.thread_id is None or thread != ticket.thread_id:
        log.info(
            "card button %r in %s/%s refused: not ticket %s's card",
            query.data,
            chat.id,
            thread,
            ticket.id,
        )
        moved = (
            await ticket_moved_from(work.session, agent_chat_id=chat.id, thread_id=thread)
            if thread is not None
            else None
        )
        if moved is not None and moved.id == ticket.id:  # its card from before an escalation
            work.answer_callback(query.id, desk_texts.MOVED_TO_L2_TOAST, alert=True)
            return
        work.answer_callback(query.id, desk_texts.WRONG_TOPIC, alert=True)
        return
    if ticket.status == "closed":
        work.answer_callback(query.id, desk_texts.TICKET_CLOSED, alert=True)
        card_changed(work, ticket.id)  # a stale card loses its buttons
        return
    answer: str | None
    if action == "claim":
        answer = await do_claim(work, ticket, user)
    elif action == "close":
        answer = plain_text(await do_close(work, ticket, user))  # a pop-up shows no HTML
    elif action == "esc":
        answer = await do_escalate(work, services, ticket, user)
    elif action == "wait":
        answer = plain_text(await do_wait(work, services, ticket, user))
    elif action.startswith("art") and action[3:].isdigit():
        index = int(action[3:])
        tried = ticket.tried or []
        if index >= len(tried):
            answer = desk_texts.UNKNOWN_TICKET
        else:
            tried_id = str(tried[index].get("id", ""))
            error = await do_article(work, services, ticket, tried_id, agent=user)
            answer = plain_text(error) if error else desk_texts.ARTICLE_SENT_TOAST
            if error and utf16_len(answer) > TOAST_MAX:
                # Telegram refuses a longer one, and the press then spins with no word
                # («not found; maybe one of these», once the article was split in three).
                notice(work, ticket, error)
                answer = desk_texts.ARTICLE_NOT_SENT_TOAST
    else:
        answer = desk_texts.UNKNOWN_TICKET
    work.answer_callback(query.id, answer)


# -- messages in the agents' group ---------------------------------------------------------------


async def _ticket_of(work: Work, message: Message) -> Ticket | None:
    if not message.is_topic_message or message.message_thread_id is None:
        return None
    return await ticket_by_thread(
        work.session, agent_chat_id=message.chat_id, thread_id=message.message_thread_id
    )


async def _moved_from_here(work: Work, message: Message) -> Ticket | None:
    """The ticket that left this topic for the L2 group, if any."""
    if not message.is_topic_message or message.message_thread_id is None:
        return None
    return await ticket_moved_from(
        work.session, agent_chat_id=message.chat_id, thread_id=message.message_thread_id
    )


def _reply(work: Work, message: Message, html: str) -> None:
    """Answer an agent in the topic (or chat) where they wrote."""
    thread = message.message_thread_id if message.is_topic_message else None
    work.effects.append(SendText(message.chat_id, html, thread_id=thread))


async def on_group_message(update: Update, context: BotContext) -> None:
    """Handle a message in the agents' group: a command, an internal note, or a reply to relay."""
    work, services = context.work, context.services
    message = update.message
    agent = message.from_user if message is not None else None
    if message is None or agent is None:
        return
    said = message.text if message.text is not None else message.caption
    if not said and message.media_group_id is not None:
        said = await album_caption(work, message)  # a client may caption an album's last item
    command = read_slash(said, context.bot.username)
    if command is not None and command.for_another_bot:
        return  # another bot's command: never ours, never for the customer
    if agent.is_bot:  # another bot, or an admin writing as the group or as a channel
        if message.sender_chat is not None and not message.is_automatic_forward:
            await _from_no_one(work, services, message, command)
        return
    if command is not None and command.name not in TICKET_COMMANDS:
        await _group_command(work, services, message, command)
        return
    ticket = await _ticket_of(work, message)
    if ticket is None:
        moved = await _moved_from_here(work, message)
        if moved is not None:  # an admin can still write in the closed topic it left
            where = ticket_link(moved.id, moved.agent_chat_id, moved.thread_id)
            _reply(work, message, desk_texts.moved_to_l2(where))
        elif command is not None and await in_desk_chat(work, services, message.chat_id):
            _reply(work, message, desk_texts.NOT_IN_TICKET_TOPIC)
        elif command is not None and message.chat_id == services.settings.supervisor_chat_id:
            _reply(work, message, desk_texts.TICKET_COMMAND_NOT_HERE)  # /help points there too
        return
    # An album is one message: an earlier item that was a note or a command kept it all here.
    if await _kept_with_note(work, ticket, message) or await _album_logged(
        work, ticket, message, NOT_RELAYED_EVENT
    ):
        return
    if command is not None:
        if message.text is None:  # a command under a file: the file is no message to send
            await _kept_in_topic(work, ticket, message, agent.id)
            if command.name != "note":
                _reply(work, message, desk_texts.FILE_KEPT_WITH_COMMAND)
        await run_command(work, services, ticket, message, agent, command.name, command.arg)
        return
    words = said or ""
    if words.startswith("!"):  # a note, typed or as a screenshot's caption
        await service.add_note(
            work.session,
            ticket_id=ticket.id,
            actor_id=agent.id,
            text=bound(words, NOTE_MAX),
            agent_name=agent_name(agent),
            media_group_id=message.media_group_id,
            kept_in=_file_of(message),
        )
        return
    await relay_to_customer(work, ticket, message, agent)


async def _from_no_one(
    work: Work, services: Services, message: Message, command: SlashCommand | None
) -> None:
    """An admin who writes anonymously (as the group) or as a channel: /tickets, /report and
    /help need no one; a ticket does (one agent speaks to its customer, and claims it), so in
    its topic they are told why nothing went, once a message or an album, and it is logged."""
    if command is not None and command.name not in TICKET_COMMANDS:
        await _group_command(work, services, message, command)
        return
    ticket = await _ticket_of(work, message)
    sender = message.sender_chat.id if message.sender_chat else None
    if ticket is not None and await _kept_in_topic(
        work, ticket, message, None, sender_chat_id=sender
    ):
        _reply(work, message, desk_texts.NOT_SENT_ANONYMOUS)


async def _album_logged(work: Work, ticket: Ticket, message: Message, kind: str) -> bool:
    """Whether this item's album already has a ticket event of `kind` (logged for an earlier
    item: the album is one message to the agents); False for a message not in an album."""
    return await _album_event(work, ticket, message, kind) is not None


async def _album_event(
    work: Work, ticket: Ticket, message: Message, kind: str
) -> TicketEvent | None:
    """The ticket event of `kind` logged for an earlier item of this item's album, if any."""
    album = message.media_group_id
    if album is None:
        return None
    events = await ticket_events(work.session, ticket_id=ticket.id, kind=kind)
    return next((event for event in events if event.data.get("media_group_id") == album), None)


async def _kept_with_note(work: Work, ticket: Ticket, message: Message) -> bool:
    """Whether this item's album is a note (logged for an earlier item); the item is kept
    with it then, so a new topic's history copies the album whole."""
    note = await _album_event(work, ticket, message, "note")
    if note is None:
        return False
    await service.add_note_item(work.session, note=note, message_id=message.message_id)
    return True


def _file_of(message: Message) -> tuple[int, int] | None:
    """Where a note's screenshot or file is (its chat and message), for the history a new
    topic gets; None for a note typed as words alone (its words are all of it)."""
    return None if message.text is not None else (message.chat_id, message.message_id)


async def _group_command(
    work: Work, services: Services, message: Message, command: SlashCommand
) -> None:
    """/tickets, /report, /help, or a command the desk does not know: answered in the agents'
    groups and the supervisors' chat only (the bot may be added to any group), and never sent
    to a customer. Supervisors' /tickets lists every group's tickets."""
    supervising = message.chat_id == services.settings.supervisor_chat_id
    if not supervising and not await in_desk_chat(work, services, message.chat_id):
        return
    if command.name == "tickets":
        chat_id = None if supervising else message.chat_id
        _reply(work, message, await open_tickets(work.session, chat_id))
    elif command.name == "report":
        report = await report_so_far(
            work.session,
            utcnow(),
            team_only=not supervising,
            calendar=services.settings.calendar,
        )
        _reply(work, message, report)
    elif command.name in HELP_COMMANDS:
        _reply(work, message, await _help(work, services, message.chat_id))
    else:
        _reply(work, message, desk_texts.unknown_desk_command(command.typed, command.meant()))


async def _help(work: Work, services: Services, chat_id: int) -> str:
    """/help as it fits the chat: the agents' group's, the L2 group's (where every ticket is
    at second line already) or the supervisors' (which has no ticket topics)."""
    settings = services.settings
    chats = await desk_chats(work.session, settings.agent_chat_id, settings.l2_chat_id)
    if chat_id == chats[0] or chat_id == settings.agent_chat_id:
        return desk_texts.DESK_HELP
    if chat_id in (*chats[1:], settings.l2_chat_id):
        return desk_texts.L2_HELP
    return desk_texts.SUPERVISOR_HELP


async def in_desk_chat(work: Work, services: Services, chat_id: int) -> bool:
    """Tell whether `chat_id` is the agents' group or the L2 group (or where either moved)."""
    configured = (services.settings.agent_chat_id, services.settings.l2_chat_id)
    return chat_id in configured or chat_id in await desk_chats(work.session, *configured)


async def run_command(
    work: Work,
    services: Services,
    ticket: Ticket,
    message: Message,
    agent: User,
    name: str,
    arg: str,
) -> None:
    """Run a ticket command (/claim, /take, /wait, /close, /escalate, /note, /article, /tier)."""
    answer: str | None = None
    if name == "claim":
        answer = await do_claim(work, ticket, agent)
        if answer == desk_texts.CLAIMED_TOAST:
            answer = None  # the topic already gets the "claimed" notice
        elif ticket.status != "closed" and ticket.claimed_by not in (None, agent.id):
            holder = ticket.claimed_by_name or desk_texts.ANOTHER_AGENT
            answer = desk_texts.held_by_take_hint(holder)  # the row as the claim left it
    elif name == "take":
        answer = await do_take(work, ticket, agent)
    elif name == "close":
        answer = await do_close(work, ticket, agent)
        answer = None if answer == desk_texts.CLOSED_TOAST else answer
    elif name == "wait":
        answer = await do_wait(work, services, ticket, agent)
        answer = None if answer == desk_texts.WAITING_TOAST else answer
    elif name == "escalate":
        answer = await do_escalate(work, services, ticket, agent, arg)
        answer = None if answer == desk_texts.ESCALATED_TOAST else answer
    elif name == "note":
        if not arg:
            answer = desk_texts.NOTE_EMPTY
        else:
            kept = _file_of(message)  # /note under a file: the file is the note's
            await service.add_note(
                work.session,
                ticket_id=ticket.id,
                actor_id=agent.id,
                text=bound(arg, NOTE_MAX),
                agent_name=agent_name(agent),
                media_group_id=message.media_group_id if kept else None,
                kept_in=kept,
            )
            answer = desk_texts.NOTE_SAVED
    elif name == "article":
        answer = (
            desk_texts.ARTICLE_USAGE
            if not arg
            else await do_article(work, services, ticket, arg.split()[0], agent=agent, asked=arg)
        )
    elif name == "tier":
        answer = await do_tier(work, services, ticket, agent, arg)
    if answer is not None:
        _reply(work, message, answer)


async def do_tier(
    work: Work, services: Services, ticket: Ticket, agent: User, arg: str
) -> str | None:
    """Show or change the customer's contract tier; a change moves this ticket's deadline."""
    typed = arg.split()[0] if arg else ""
    tier = read_tier(arg) or read_tier(typed)  # «وی آی پی» is one word, «vip لطفاً» one too
    if tier is None:
        customer = await get_customer(work.session, ticket.customer_id)
        current = customer.tier if customer is not None else "standard"
        return desk_texts.tier_usage(TIER.get(current, current), typed)
    if ticket.status == "closed":
        return desk_texts.TICKET_CLOSED
    before = await service.change_tier(
        work.session,
        ticket=ticket,
        tier=tier,
        priority=priority(tier, ticket.question),
        actor_id=agent.id,
        calendar=services.settings.calendar,
    )
    if before is None:
        return desk_texts.tier_unchanged(TIER[tier])
    # As the card says it: at L2 second line's deadline; a response made, when (not a
    # deadline read as still running).
    deadline = due_line(ticket, utcnow(), tier, services.settings.calendar)
    notice(
        work,
        ticket,
        desk_texts.tier_changed_notice(agent_name(agent), TIER[before], TIER[tier], deadline),
    )
    card_changed(work, ticket.id)
    return None


async def relay_to_customer(work: Work, ticket: Ticket, message: Message, agent: User) -> None:
    """Copy an agent's message to the customer (claiming an unclaimed ticket on the way)."""
    if ticket.status == "closed" or ticket.customer_blocked:
        # Said once an album, not once a photo.
        if await _kept_in_topic(work, ticket, message, agent.id):
            closed = ticket.status == "closed"
            _reply(
                work,
                message,
                desk_texts.TICKET_IS_CLOSED if closed else await _unreachable(work, ticket),
            )
        return
    done = await find_link_by_agent_message(
        work.session, agent_chat_id=message.chat_id, agent_message_id=message.message_id
    )
    if done is not None:
        return  # copied along with the first item of its album
    if ticket.claimed_by not in (None, agent.id):
        await _not_relayed(work, ticket, message, agent)
        return
    changed_card = False
    if ticket.claimed_by is None and ticket.status in ("open", "escalated"):
        await do_claim(work, ticket, agent)  # writing in a free ticket takes it
        changed_card = True
    first = current_deadline(ticket).met_at is None  # the first response, or L2's first reply
    await service.agent_message(
        work.session, ticket_id=ticket.id, agent_id=agent.id, message_id=message.message_id
    )
    reply_to: int | None = None
    target = message.reply_to_message
    # Every topic message "replies" to the topic's creation message: that is no real reply.
    if target is not None and target.message_id != message.message_thread_id:
        link = await find_link_by_agent_message(
            work.session, agent_chat_id=message.chat_id, agent_message_id=target.message_id
        )
        if link is not None:
            reply_to = link.customer_message_id
    album = await album_siblings(work, message)
    words = bound(message.text or message.caption or "", 4096) or None
    name = agent_name(agent)
    work.then(
        ToCustomer(
            ticket.id,
            message.chat_id,
            message.message_id,
            reply_to,
            album,
            message.media_group_id,
            agent_id=agent.id,  # should it never arrive, the history says whose and what
            words=words,
            media=message.text is None,
            agent_name=name,
        )
    )
    await log_message(
        work.session,
        customer_id=ticket.customer_id,
        direction="out",
        kind=message_kind(message),
        chat_id=ticket.customer_id,
        # As the bot's own replies are logged: HTML («&section=» in a link stays itself).
        text=escape(words) if words is not None else None,
        ticket_id=ticket.id,
        telegram_message_id=None,
        update_id=work.update_id,
        author="agent",
        agent_id=agent.id,
        agent_name=name,
    )
    if first and not changed_card:
        card_changed(work, ticket.id)  # the card shows the first response (or L2's)


async def on_topic_closed(update: Update, context: BotContext) -> None:
    """Someone closed an open ticket's topic by hand (Telegram's menu): the ticket stays
    open, and its holder, unless an admin, could no longer write there, nor /close it, while
    the customer's messages went on arriving. Reopen it and say how a ticket is closed."""
    work = context.work
    message = update.message
    closer = message.from_user if message is not None else None
    if message is None or closer is None or closer.id == context.bot.id:
        return
    ticket = await _ticket_of(work, message)
    if ticket is None or ticket.status == "closed":
        return
    work.effects.append(ReopenTopic(ticket.id))
    notice(work, ticket, desk_texts.topic_closed_by_hand(agent_name(closer)))


async def on_migrated(update: Update, context: BotContext) -> None:
    """Follow the agents' (or the L2) group to its new id when it becomes a supergroup, and
    tell its admins which setting to change; any other group the bot is in is none of ours."""
    work, services = context.work, context.services
    message = update.message
    if message is None or message.migrate_to_chat_id is None:
        return
    old_id, new_id = message.chat_id, message.migrate_to_chat_id
    settings = services.settings
    l2 = settings.l2_chat_id
    is_l2 = l2 is not None and old_id in (l2, await current_agent_chat(work.session, l2))
    if not is_l2 and not await in_desk_chat(work, services, old_id):
        return  # a stranger's group: its id, and our settings' names, are not ours to tell
    await record_migration(work.session, old_chat_id=old_id, new_chat_id=new_id)
    setting = "L2_CHAT_ID" if is_l2 else "AGENT_CHAT_ID"
    work.effects.append(SendText(new_id, desk_texts.group_migrated(old_id, new_id, setting)))


# -- edits, both ways ---------------------------------------------------------------------------


async def on_group_edit(update: Update, context: BotContext) -> None:
    """Mirror an agent's edit onto the customer's copy."""
    work = context.work
    message = update.edited_message
    if message is None:
        return
    link = await find_link_by_agent_message(
        work.session, agent_chat_id=message.chat_id, agent_message_id=message.message_id
    )
    if link is None or link.direction != "to_customer":
        await _edit_reaches_no_one(work, message, context.bot.username)
        return
    if await _ticket_of(work, message) is None:
        moved = await _moved_from_here(work, message)
        if moved is not None:
            # The L2 topic has the message as it was: mirrored, the customer would read
            # another version than the experts, as new messages here are refused too.
            where = ticket_link(moved.id, moved.agent_chat_id, moved.thread_id)
            _reply(work, message, desk_texts.edit_moved_to_l2(where))
            return
    words = message.text if message.text is not None else message.caption or ""
    if words.startswith(("!", "/")):
        # Made a note (or a command) after it reached the customer: mirrored, the note would
        # reach them too. Their copy stays as it was, and the agent is told.
        _reply(work, message, desk_texts.EDIT_INTO_NOTE_NOT_SENT)
        return
    ticket = await get_ticket(work.session, link.ticket_id)
    if ticket is not None and ticket.customer_blocked:
        # Nothing reaches them, as new messages are refused up front: mirrored, the edit was
        # lost without a word, and the log kept as theirs a wording they never saw.
        _reply(work, message, await _unreachable(work, ticket))
        return
    edit = mirror_edit(link.customer_chat_id, link.customer_message_id, message)
    if edit is not None:  # said under the agent's message if the customer's copy cannot take it
        told = replace(
            edit,
            told_chat_id=message.chat_id,
            told_thread_id=message.message_thread_id,
            told_reply_to=message.message_id,
        )
        work.effects.append(told)
    if words:
        await service.message_edited(
            work.session,
            ticket_id=link.ticket_id,
            direction="to_customer",
            message_id=message.message_id,
            text=words,
            actor_id=message.from_user.id if message.from_user else None,
            agent_name=agent_name(message.from_user) if message.from_user else None,
        )


async def _edit_reaches_no_one(work: Work, message: Message, bot_username: str | None) -> None:
    """An agent edited a message in a ticket's topic that never reached the customer (a note
    made a reply, a mistyped command mended, one kept from them): neither does the edit, nor
    is an edited command run. Say so, rather than leave them thinking it went (a note edited
    as a note, and another bot's command, need no word)."""
    writer = message.from_user
    if writer is None or writer.is_bot or await _ticket_of(work, message) is None:
        return
    words = message.text if message.text is not None else message.caption or ""
    if words.startswith("!"):
        return
    command = read_slash(words, bot_username)
    if command is not None and command.for_another_bot:
        return
    notice = desk_texts.EDITED_COMMAND_NOT_RUN if command else desk_texts.EDIT_OF_UNSENT_NOT_SENT
    _reply(work, message, notice)


async def _not_relayed(work: Work, ticket: Ticket, message: Message, agent: User) -> None:
    """A colleague wrote in a ticket another agent holds: one agent speaks to the customer, so
    it stays in the topic. Logged, and they are told once (once an album) how to take it over."""
    if await _kept_in_topic(work, ticket, message, agent.id):
        holder = ticket.claimed_by_name or desk_texts.ANOTHER_AGENT
        _reply(work, message, desk_texts.not_sent_held_by(holder))


async def _unreachable(work: Work, ticket: Ticket) -> str:
    """Why nothing reaches a blocked ticket's customer: a block, or a deleted account."""
    if await service.customer_deactivated(work.session, ticket):
        return desk_texts.CUSTOMER_DEACTIVATED
    return desk_texts.CUSTOMER_BLOCKED


async def _kept_in_topic(
    work: Work, ticket: Ticket, message: Message, actor_id: int | None, **more: int | None
) -> bool:
    """Log that a message in the ticket's topic was not relayed to the customer; False for an
    album item whose album is logged already (its writer is told once, not once a photo)."""
    if await _album_logged(work, ticket, message, NOT_RELAYED_EVENT):
        return False
    data = {"message_id": message.message_id, "media_group_id": message.media_group_id, **more}
    await add_ticket_event(
        work.session, ticket_id=ticket.id, kind=NOT_RELAYED_EVENT, actor_id=actor_id, data=data
    )
    return True


async def on_supervisor_command(update: Update, context: BotContext) -> None:
    """/report, /tickets and /help in a supervisor's own chat (SUPERVISOR_CHAT_ID may name a
    person): the supervisors' answers, as in their group, not a customer's; a ticket command
    their /help lists says where it works. Anything else they write there is theirs to ask
    the bot like anyone."""
    message = update.message
    services = context.services
    if message is None or message.chat_id != services.settings.supervisor_chat_id:
        return
    command = read_slash(message.text, context.bot.username)
    if command is None or command.for_another_bot:
        return
    if command.name in TICKET_COMMANDS:  # listed by their /help, for the agents' topics
        _reply(context.work, message, desk_texts.TICKET_COMMAND_NOT_HERE)
        raise ApplicationHandlerStop
    if command.name not in (*GROUP_COMMANDS, "help"):
        return
    await _group_command(context.work, services, message, command)
    raise ApplicationHandlerStop


def supervisor_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the handler that answers a supervisor's commands in their own chat."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.COMMAND
    return [MessageHandler(private, on_supervisor_command)]


class _BoostAdded(filters.MessageFilter):
    """A member boosted the group: Telegram's service message, which PTB's StatusUpdate.ALL
    does not cover; in a ticket's topic it was taken for the booster's reply."""

    def filter(self, message: Message) -> bool:
        return message.boost_added is not None


_BOOST_ADDED = _BoostAdded()


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the agents' group handlers."""
    groups = filters.ChatType.GROUPS
    return [
        CallbackQueryHandler(on_ticket_button, pattern=keyboards.PATTERN_TICKET),
        MessageHandler(
            groups & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL & ~_BOOST_ADDED,
            on_group_message,
        ),
        MessageHandler(groups & filters.StatusUpdate.MIGRATE, on_migrated),
        MessageHandler(groups & filters.StatusUpdate.FORUM_TOPIC_CLOSED, on_topic_closed),
        MessageHandler(groups & filters.UpdateType.EDITED_MESSAGE, on_group_edit),
    ]
