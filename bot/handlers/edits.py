"""A customer edits a message they sent: the agents see the edit, or the bot reads it again.

Telegram users mend typos by editing. A copy in a ticket's topic is edited to match; the
question on a ticket's card (which the agents saw only there) is replaced, with a notice in
the topic; and with no ticket open, an edit of the last thing the customer sent is read as
the question it now is.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import Message, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot import desk_texts
from bot.context import BotContext, Work
from bot.effects import RenameTopic, mirror_edit
from bot.formatting import bound
from bot.handlers.desk import card_changed, notice
from bot.handlers.gates import log_incoming
from bot.handlers.questions import take_question
from bot.queries import decision_on, incoming_copy, latest_incoming, wordings
from bot.tickets import TICKET_QUESTION_MAX, memory_start
from handoff import service
from kb.normalize import normalize
from storage.repositories import add_ticket_event, find_link_by_customer_message, get_ticket

# The most of a customer's edited words shown under a copy that could not take them: in
# characters, and Telegram counts UTF-16 units, two an emoji; 3,000 emoji passed its 4,096.
EDIT_SHOWN_MAX = 1900


async def on_customer_edit(update: Update, context: BotContext) -> None:
    """Mirror a customer's edit into the ticket's topic, or read an edited question again."""
    work = context.work
    message = update.edited_message
    if message is None or work.customer is None:
        return
    new_text = message.text if message.text is not None else message.caption
    link = await find_link_by_customer_message(
        work.session,
        customer_chat_id=message.chat_id,
        customer_message_id=message.message_id,
        direction="to_agents",
    )
    edit = mirror_edit(link.agent_chat_id, link.agent_message_id, message) if link else None
    if link is not None and edit is not None:  # the words, or the screenshot replaced under them
        ticket = await get_ticket(work.session, link.ticket_id)
        in_topic = ticket is not None and ticket.agent_chat_id == link.agent_chat_id
        # Should the copy not take it, the agents read the new words under it all the same.
        said = desk_texts.customer_edit_not_shown(bound((new_text or "").strip(), EDIT_SHOWN_MAX))
        edit = replace(
            edit,
            told_chat_id=link.agent_chat_id,
            told_thread_id=ticket.thread_id if ticket is not None and in_topic else None,
            told_reply_to=link.agent_message_id,
            told_html=said,
        )
        work.effects.append(edit)
    if new_text is None:
        return
    # The card's question may be this message's words too (the log has the new wording).
    asked = work.ticket_id is not None and await _card_question_edited(
        work, work.ticket_id, message, new_text
    )
    if link is not None and not asked:  # the log keeps each wording the agents saw
        await service.message_edited(
            work.session,
            ticket_id=link.ticket_id,
            direction="to_agents",
            message_id=message.message_id,
            text=new_text,
            actor_id=work.customer_id,
        )
    no_ticket = work.ticket_id is None and link is None
    if no_ticket and not (message.text or "").startswith("/"):
        await _ask_again(update, context, message, new_text)


async def _card_question_edited(
    work: Work, ticket_id: int, message: Message, new_text: str
) -> bool:
    """The card's question was edited: put the new wording on the card and in the topic's
    name, and say so in the topic (logged, with the new wording); say whether it was.
    Other messages the agents never saw (sent before the ticket) stay the customer's own."""
    said = await incoming_copy(
        work.session, customer_id=work.customer_id, telegram_message_id=message.message_id
    )
    ticket = await get_ticket(work.session, ticket_id)
    if said is None or said.text is None or ticket is None:
        return False
    if bound(said.text.strip(), TICKET_QUESTION_MAX) != ticket.question:
        return False
    question = bound(new_text.strip(), TICKET_QUESTION_MAX)
    if not question or question == ticket.question:
        return False
    await add_ticket_event(
        work.session,
        ticket_id=ticket.id,
        kind="question_edited",
        actor_id=work.customer_id,
        data={"before": ticket.question, "after": question},
    )
    ticket.question = question
    await log_incoming(work, message)
    notice(work, ticket, desk_texts.question_edited(question))
    card_changed(work, ticket.id)
    work.effects.append(RenameTopic(ticket.id))  # the topic is named after the question too
    return True


async def _ask_again(update: Update, context: BotContext, message: Message, new_text: str) -> None:
    """Read an edited question (typed, or a screenshot's caption) again, if it is the last
    thing the customer sent (recently) and was read as a question: a reply to an older
    message would land far from it and answer what is no longer asked."""
    work, services = context.work, context.services
    last = await latest_incoming(
        work.session, customer_id=work.customer_id, since=memory_start(services)
    )
    if last is None or last.telegram_message_id != message.message_id or last.kind == "callback":
        return
    if normalize(last.text or "") == normalize(new_text):
        return  # a comma or a half-space: nothing new to read
    before = await decision_on(
        work.session, customer_id=work.customer_id, telegram_message_id=message.message_id
    )
    if before is None:
        return  # not read as a question («بله», a rating's comment): its edit is not one either
    # Each wording so far: the decision `before` read one of them (an edit the answer on
    # screen still fit recorded none), maybe after the question before it.
    said = await wordings(
        work.session, customer_id=work.customer_id, telegram_message_id=message.message_id
    )
    work.incoming_id = await log_incoming(work, message)
    await take_question(update, context, message, before=before, said_before=said)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the handler of a customer's edits in their private chat."""
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE, on_customer_edit
        )
    ]
