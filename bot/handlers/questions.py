"""A customer's question: KB decision, triage, then an answer, suggestions or a ticket."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

import triage
from bot import hotpath, keyboards, texts
from bot.albums import album_caption, answered_with_album, relay, relay_asked
from bot.context import BotContext, Services, Work
from bot.formatting import bound
from bot.handlers.browse import send_article
from bot.handlers.person import hand_over_refused, on_unreadable
from bot.message_kinds import QUESTION_MAX
from bot.queries import choices_since, failed_attempts_in_row, latest_decision, latest_incoming
from bot.tickets import (
    Earlier,
    answer_disliked,
    copied_to_topic,
    hits_of,
    memory_start,
    open_ticket,
    question_context,
    stored_hits,
)
from kb.article import Article
from kb.decision import Decision, Hit
from storage.models import KBDecision
from storage.repositories import get_decision, record_decision, record_feedback
from storage.timestamps import utcnow
from triage.choice import typed_choice
from triage.smalltalk import SmallTalk, small_talk
from triage.yesno import YesNo, bare_no, yes_or_no

# How soon after guides were offered a message the KB cannot answer alone is read with the
# question they were for (a question split over messages).
FOLLOW_ON_WINDOW = timedelta(minutes=2)

_SMALL_TALK_REPLIES: dict[SmallTalk, str] = {
    "greeting": texts.SMALL_TALK_GREETING,
    "thanks": texts.SMALL_TALK_THANKS,
    "ok": texts.SMALL_TALK_OK,
    "solved": texts.SMALL_TALK_OK,  # with no answer waiting for feedback
    "bye": texts.SMALL_TALK_BYE,
    "wordless": texts.EMPTY_QUESTION,  # emoji or punctuation alone: ask for a few words
}


def _indexed(
    all_hits: list[Hit] | tuple[Hit, ...], chosen: tuple[Hit, ...]
) -> list[tuple[int, Hit]]:
    """Pair each chosen hit with its index in the decision's hits (what its button carries)."""
    wanted = {hit.article_id for hit in chosen}
    return [(i, hit) for i, hit in enumerate(all_hits) if hit.article_id in wanted]


async def _failures(work: Work, services: Services) -> int:
    return await failed_attempts_in_row(
        work.session, customer_id=work.customer_id, since=memory_start(services)
    )


async def on_question(update: Update, context: BotContext) -> None:
    """Answer a text question from the KB, suggest articles, or hand it to a person."""
    if update.message is not None and context.work.customer is not None:
        await take_question(update, context, update.message)


async def take_question(
    update: Update,
    context: BotContext,
    message: Message,
    *,
    before: KBDecision | None = None,
    said_before: Sequence[str] = (),
) -> None:
    """Answer `message` (sent, or edited: `before` is then the latest decision on what it
    said before, one of `said_before`, and the same reply is not sent twice)."""
    work, services = context.work, context.services
    # A screenshot's caption («موقع آپلود این خطا میاد») is the question; if it goes to a
    # person, the screenshot goes with it.
    words = message.text if message.text is not None else message.caption
    if await answered_with_album(work, message):
        return
    if words is None and message.media_group_id is not None:
        words = await album_caption(work, message)
    if words is None:
        await on_unreadable(update, context)  # an album with no words under any item
        return
    question = bound(words.strip(), QUESTION_MAX)
    talk, typed = small_talk(question), yes_or_no(question)
    if message.text is None and (not question or talk or typed):
        await on_unreadable(update, context)  # «سلام» on a photo: still nothing to read
        return
    if not question:
        await work.reply(texts.EMPTY_QUESTION)
        return
    if typed is not None and await _answer_typed(work, services, typed):
        return
    if typed == "no" and bare_no(question) and await _invited_to_ask_more(work, services):
        # «نه» to «اگر پرسش دیگری دارید، بنویسید»: ticket «نه» for an agent, before.
        await work.reply(texts.SMALL_TALK_BYE)
        return
    if typed == "yes" and talk is None:
        # «عالی بود ممنون» with nothing the bot asked: no question for the KB, which handed
        # such words to a person (after a close: a second ticket for a thank-you). A «no»
        # («مشکلم حل نشد») goes on: it may be a problem to hand over.
        await work.reply(texts.SMALL_TALK_OK)
        return
    picked = typed_choice(question)
    if picked is not None:  # «۲», «دومی»: a pick, never a question (a ticket named «۲»)
        if not await _pick_typed(work, services, picked):
            await work.reply(texts.NOTHING_TO_PICK)
        return
    # «ممنون، مشکلم حل شد» under an answer says it helped, as «بله» would.
    if talk == "solved" and await _answer_typed(work, services, "yes", feedback_only=True):
        return
    decision = await services.ask(triage.question_for_kb(question))
    asked = question  # what the decision read: with the question before it, maybe
    # Only a fragment is read with the question before it (triage.read_together): no
    # lookup for the others.
    if decision.kind != "answer" and triage.is_fragment(question):
        if before is None:
            asked, decision = await _with_the_one_before(work, services, question, decision)
        elif (first := _read_with(before, said_before)) is not None:
            # The second half of a question, edited: read with the same first half again.
            asked, decision = await _together(services, first, question, decision)
    # Failed attempts matter only when the KB is unsure: skip the query otherwise.
    failures = await _failures(work, services) if decision.kind == "suggest" else 0
    outcome = triage.decide(question, decision, failed_attempts=failures)
    # A bare «اپراتور» is about the question asked before it: find that one first.
    earlier = (
        await question_context(work, services, question) if outcome.reason == "asked" else None
    )
    article = services.kb.get(outcome.article_id) if outcome.article_id else None
    if outcome.action == "answer" and article is None:  # removed by a reload meanwhile
        outcome = triage.handoff("no_answer", decision.hits)
    if before is not None and _said_already(before, outcome, article):
        return  # a typo mended: the answer on screen still stands
    if outcome.action == "small_talk":  # asked the KB nothing: not a decision to count
        if outcome.talk == "wordless" and await _choices_open(work, services):
            await work.reply(texts.PICK_OR_WRITE)  # «؟؟؟» under guides waiting for a pick
            return
        await work.reply(_SMALL_TALK_REPLIES[outcome.talk or "ok"])
        return
    if outcome.action == "no_person" and outcome.reason is None:
        await work.reply(texts.NO_PERSON)  # «کارشناس نمیخوام» and nothing asked: not counted
        return
    decision_id = await hotpath.record_decision(
        work.session,
        customer_id=work.customer_id,
        query=asked,
        kind=decision.kind,
        confidence=decision.confidence,
        hits=stored_hits(decision.hits, len(outcome.hits) if outcome.action == "suggest" else 0),
        article_id=article.id if article is not None else None,
        message_id=work.incoming_id,
    )
    if outcome.action == "answer" and article is not None:
        await send_article(
            work, article, last_markup=keyboards.helpful(decision_id), answers=decision_id
        )
    elif outcome.action == "suggest":
        choices = _indexed(decision.hits, outcome.hits)
        prompt = texts.suggest_prompt(len(choices))
        await work.reply(prompt, keyboards.suggestions(decision_id, choices))
    elif outcome.action == "no_person":  # no guide, and a person refused: offered, not forced
        await work.reply(texts.NO_GUIDE_NO_PERSON, keyboards.person_only(decision_id))
    else:
        if earlier is None:  # the agents read it whole; the KB read its first QUESTION_MAX
            earlier = Earlier(words.strip(), list(decision.hits), outcome.reason or "no_answer")
        ticket_id = await open_ticket(
            work,
            services,
            reason=earlier.reason,
            question=earlier.question,
            tried=earlier.tried,
            rejected=earlier.rejected,
        )
        if copied_to_topic(message, words):
            await relay(work, ticket_id, message)
        await relay_asked(work, ticket_id, earlier.logged_id, earlier.question)


async def _with_the_one_before(
    work: Work, services: Services, question: str, alone: Decision
) -> tuple[str, Decision]:
    """The question and the KB's decision for a message it cannot answer alone: read with the
    question sent just before (within FOLLOW_ON_WINDOW), when that one's guides still wait for
    a pick and together they are answered (triage.read_together: a fragment). Customers split
    a question over messages; the second half alone went to a person."""
    since = max(await _offers_since(work, services), utcnow() - FOLLOW_ON_WINDOW)
    previous = await latest_decision(work.session, customer_id=work.customer_id, since=since)
    if previous is None or previous.kind != "suggest" or previous.article_id is not None:
        return question, alone
    return await _together(services, previous.query, question, alone)


async def _together(
    services: Services, first: str, question: str, alone: Decision
) -> tuple[str, Decision]:
    """`question` read after `first` when triage.read_together takes that reading, else
    alone; and what was read."""
    together = f"{first}\n{question}"
    read = await services.ask(triage.question_for_kb(together))
    taken = triage.read_together(question, alone, read)
    return (together, read) if taken else (question, alone)


def _read_with(before: KBDecision, said_before: Sequence[str]) -> str | None:
    """The question an edited message was read after, when it was read with one: the
    decision on what it said before read «<first>\n<one of its wordings>»."""
    query = before.query or ""
    for wording in said_before:
        said = bound(wording.strip(), QUESTION_MAX)
        if said and query.endswith(f"\n{said}"):
            return query[: -len(said) - 1] or None
    return None


def _said_already(before: KBDecision, outcome: triage.Outcome, article: Article | None) -> bool:
    """Whether `outcome` would show what the decision `before` showed: the same article, or
    the same guides to choose from."""
    if outcome.action == "answer":
        return article is not None and before.article_id == article.id
    if outcome.action == "suggest" and before.kind == "suggest":
        shown = [row.get("id") for row in before.hits or [] if row.get("offered")]
        return shown == [hit.article_id for hit in outcome.hits]
    return False


async def _invited_to_ask_more(work: Work, services: Services) -> bool:
    """Whether the bot's last word to the customer (recently) invited another question."""
    said = await latest_incoming(
        work.session, customer_id=work.customer_id, since=memory_start(services), direction="out"
    )
    return said is not None and said.text in texts.ASK_MORE


async def _answer_typed(
    work: Work, services: Services, typed: YesNo, *, feedback_only: bool = False
) -> bool:
    """Take a typed «بله» or «نه» as the answer to the bot's last yes-or-no question, if its
    last word was one: "was this helpful?" under an article, or (unless `feedback_only`) "did
    you mean this guide?" over a single guide («نه» also "none of these" over several). False
    when there is no such question to answer."""
    previous = await latest_decision(
        work.session, customer_id=work.customer_id, since=await _offers_since(work, services)
    )
    if previous is None:
        return False
    if previous.article_id is not None:  # an article was shown, asking whether it helped
        helpful = typed == "yes"
        recorded = await record_feedback(
            work.session, decision_id=previous.id, customer_id=work.customer_id, helpful=helpful
        )
        if recorded:
            shown = previous.answer_message_id or services.answer_messages.get(previous.id)
            if shown is not None:  # answered in words: the buttons go
                work.remove_buttons(work.customer_id, shown)
            if helpful:
                await work.reply(texts.FEEDBACK_THANKS)
            else:
                await _not_helpful(work, services, previous)
            return True
        # Answered already. After a 👎 the other guides were offered: «نه» is "none of these";
        # a «yes» after a 👍 says it again («خیلی مفید بود ممنون»): thanked, not asked of the
        # KB (which handed it to a person); otherwise these words are about something else.
        disliked = await answer_disliked(work, previous)
        if typed == "yes" and not disliked:
            await work.reply(texts.SMALL_TALK_OK)
            return True
        if feedback_only or not disliked:
            return False
    if feedback_only:
        return False
    offered = await _offered(work, services, previous, disliked=previous.article_id is not None)
    if not offered:
        return False
    if typed == "no":  # «نه», «هیچکدوم»: as "none of these: talk to a person"
        await hand_over_refused(work, services, previous)
        return True
    # «بله» picks the guide only when one was offered; over several it picks none.
    return len(offered) == 1 and await _show_offered(work, services, previous, offered, 1)


async def _offers_since(work: Work, services: Services) -> datetime:
    """Since when what the bot offered can still be answered by a typed word: the memory's
    reach, or the customer's moving on (/start, the categories), if later."""
    return await choices_since(work.session, work.customer_id, memory_start(services))


async def _last_offer(work: Work, services: Services) -> tuple[KBDecision, list[int]] | None:
    """The customer's last decision that can still be answered in words, and where among its
    hits the guides it offered are (none: it offered none)."""
    previous = await latest_decision(
        work.session, customer_id=work.customer_id, since=await _offers_since(work, services)
    )
    if previous is None:
        return None
    return previous, await _offered(work, services, previous)


async def _choices_open(work: Work, services: Services) -> bool:
    """Whether guides the bot offered are still on screen to pick from."""
    offer = await _last_offer(work, services)
    return offer is not None and bool(offer[1])


async def _pick_typed(work: Work, services: Services, position: int) -> bool:
    """Take «دومی» or «۲» as a press on the guides the bot just offered (also after one of
    them was read); False when it offered none, or fewer, so the words are a question."""
    offer = await _last_offer(work, services)
    if offer is None:
        return False
    previous, offered = offer
    return await _show_offered(work, services, previous, offered, position)


async def _offered(
    work: Work, services: Services, decision: KBDecision, *, disliked: bool | None = None
) -> list[int]:
    """Where, among the decision's hits, the guides last shown as buttons are: the others a 👎
    on its answer brought, or a suggestion's choices; none otherwise. `disliked`: whether its
    answer got a 👎, when the caller knows already (else it is looked up)."""
    rows = decision.hits or []
    if decision.article_id is not None and (
        disliked if disliked is not None else await answer_disliked(work, decision)
    ):
        hits = _in_the_kb(hits_of(decision, services), services)
        others = triage.after_not_helpful(hits, decision.article_id, failed_attempts=0).hits
        wanted = {hit.article_id for hit in others}
        return [i for i, row in enumerate(rows) if row.get("id") in wanted]
    if decision.kind != "suggest":
        return []
    return [i for i, row in enumerate(rows) if row.get("offered")]


async def _show_offered(
    work: Work, services: Services, decision: KBDecision, offered: list[int], position: int
) -> bool:
    """Show the `position`-th (1-based) of the guides the decision `offered` (from _offered),
    as if its button was pressed; False when it offered fewer."""
    hits = hits_of(decision, services)
    if not 1 <= position <= len(offered) or offered[position - 1] >= len(hits):
        return False
    article = services.kb.get(hits[offered[position - 1]].article_id)
    if article is None:
        await work.reply(texts.ARTICLE_GONE)
        return True
    await _show_pick(work, decision, hits, article)
    return True


async def _own_decision(update: Update, context: BotContext, decision_id: int) -> KBDecision | None:
    """Return the decision a button refers to if it belongs to the presser; else say it is stale."""
    work = context.work
    query = update.callback_query
    assert query is not None
    decision = await get_decision(work.session, decision_id)
    if decision is None or decision.customer_id != work.customer_id:
        work.answer_callback(query.id, texts.STALE_BUTTON)
        return None
    return decision


async def on_suggestion(update: Update, context: BotContext) -> None:
    """Show the article the customer picked from a suggestion."""
    work, services = context.work, context.services
    query = update.callback_query
    pressed = keyboards.parse(query.data if query else None)
    if query is None or pressed is None or work.customer is None:
        return
    if work.ticket_id is not None:
        work.answer_callback(query.id, texts.ticket_open_toast(work.ticket_id))
        return
    decision = await _own_decision(update, context, pressed.int_field(0))
    if decision is None:
        return
    hits = hits_of(decision, services)
    index = pressed.int_field(1)
    article = services.kb.get(hits[index].article_id) if index < len(hits) else None
    if article is None:
        work.answer_callback(query.id, texts.ARTICLE_GONE)
        return
    work.answer_callback(query.id)
    await _show_pick(work, decision, hits, article)


async def _show_pick(work: Work, decision: KBDecision, hits: list[Hit], article: Article) -> None:
    """Send the article picked from the decision's choices, with "was this helpful?"."""
    target = decision
    if decision.article_id is None:
        decision.article_id = article.id
    else:  # a second pick from the same list gets its own row, so feedback stays one per answer
        target = await record_decision(
            work.session,
            customer_id=work.customer_id,
            query=decision.query,
            kind=decision.kind,
            confidence=decision.confidence,
            hits=hits,
            article_id=article.id,
            message_id=decision.message_id,
        )
    await send_article(work, article, last_markup=keyboards.helpful(target.id), answers=target.id)


async def on_feedback(update: Update, context: BotContext) -> None:
    """Record "was this helpful?"; a "no" offers alternatives and a person, or a person outright."""
    work, services = context.work, context.services
    query = update.callback_query
    pressed = keyboards.parse(query.data if query else None)
    if query is None or pressed is None or work.customer is None:
        return
    decision = await _own_decision(update, context, pressed.int_field(0))
    if decision is None:
        return
    helpful = pressed.fields[1] == "1"
    recorded = await record_feedback(
        work.session, decision_id=decision.id, customer_id=work.customer_id, helpful=helpful
    )
    if query.message is not None:
        work.remove_buttons(query.message.chat.id, query.message.message_id)
    if not recorded:
        work.answer_callback(query.id, texts.FEEDBACK_ALREADY)
        return
    if helpful or work.ticket_id is not None:
        work.answer_callback(query.id, texts.FEEDBACK_THANKS)
        return
    work.answer_callback(query.id)
    await _not_helpful(work, services, decision)


def _in_the_kb(hits: list[Hit], services: Services) -> tuple[Hit, ...]:
    """The hits whose article is still in the KB: a guide removed since is no alternative (it
    was offered by its bare id), and a typed «دومی» counts among those shown."""
    return tuple(hit for hit in hits if services.kb.get(hit.article_id) is not None)


async def _not_helpful(work: Work, services: Services, decision: KBDecision) -> None:
    """After a "no" (stored already): other guides and a person, or a person outright."""
    hits = hits_of(decision, services)
    before = max(0, await _failures(work, services) - 1)  # this "no" is already stored
    outcome = triage.after_not_helpful(
        _in_the_kb(hits, services), decision.article_id, failed_attempts=before
    )
    if outcome.is_handoff:
        await hand_over_refused(work, services, decision)
    elif outcome.hits:
        choices = _indexed(hits, outcome.hits)
        prompt = texts.not_helpful_alternatives(len(choices))
        await work.reply(prompt, keyboards.suggestions(decision.id, choices))
    else:
        await work.reply(texts.NOT_HELPFUL_NOTHING_ELSE, keyboards.person_only(decision.id))


class _AlbumItem(filters.MessageFilter):
    """An album's item: its caption may be under another item (read in take_question)."""

    def filter(self, message: Message) -> bool:
        return message.media_group_id is not None


_ALBUM_ITEM = _AlbumItem()


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the question and feedback handlers."""
    return [
        CallbackQueryHandler(on_suggestion, pattern=keyboards.PATTERN_SUGGESTION),
        CallbackQueryHandler(on_feedback, pattern=keyboards.PATTERN_FEEDBACK),
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & ((filters.TEXT & ~filters.COMMAND) | filters.CAPTION | _ALBUM_ITEM),
            on_question,
        ),
    ]
