"""Effects survive being stored with an update's plan (what a restart resumes)."""

from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.context import TOAST_MAX, Work
from bot.effects import (
    AnswerCallback,
    CopyKept,
    EditCard,
    Effect,
    OpenTopic,
    PostCard,
    Relay,
    RemoveButtons,
    SendText,
    SendTranscript,
    ToCustomer,
    delivery,
    from_json,
    to_json,
)
from bot.pipeline import first_mark
from handoff.persian import utf16_len


def test_every_effect_round_trips_through_json() -> None:
    effects: list[Effect] = [
        SendText(
            7,
            "<b>سلام</b>",
            InlineKeyboardMarkup([[InlineKeyboardButton("بله", callback_data="f:1:1")]]),
            answers=12,
        ),
        SendText(7, "x", ReplyKeyboardMarkup([["👤 گفتگو با کارشناس"]], resize_keyboard=True)),
        SendText(-100, "card", None, thread_id=5),
        # into the topic the ticket has when it is sent, as part of its history there
        SendText(-100, "📝 note", topic_of=3, history=True),
        AnswerCallback("q1", "ممنون", alert=True),
        RemoveButtons(7, 9),
        OpenTopic(3),
        PostCard(3),
        Relay(3, 7, 11, "album-1"),
        Relay(3, 7, 12, tell_customer=True),
        Relay(3, 7, 13, label="👤 <b>مشتری</b>", history=True),  # history, under whose it is
        EditCard(3),
        EditCard(3, -100, 9),  # the card a ticket left for the L2 group's
        CopyKept(3, -200, -100, (21, 22), "📝 <b>یادداشت</b>", "📝 note"),  # a note's album
        SendTranscript(3, -200),  # a cut history's whole conversation, as a file
        # Who wrote it and what: said in the history should it never reach the customer.
        ToCustomer(3, -100, 9, album=(10,), agent_id=5, words="سلام", media=True),
    ]
    assert [from_json(to_json(e)) for e in effects] == effects


def test_a_card_edit_stored_before_left_cards_were_drawn_redraws_the_tickets_own() -> None:
    assert from_json({"op": "edit_card", "ticket_id": 3}) == EditCard(3)


def test_a_relay_stored_before_the_customer_was_told_of_failures_tells_no_one() -> None:
    stored = {"op": "relay", "ticket_id": 3, "from_chat_id": 7, "message_id": 11}
    assert from_json(stored) == Relay(3, 7, 11)  # history copies stay silent as they were


def test_a_history_stored_before_it_was_marked_is_still_a_history() -> None:
    # An upgrade resuming an escalation's copy read it as unmarked: the customer's new
    # message landed in the middle of it, and a topic made again got parts of it twice.
    copy = {"op": "relay", "ticket_id": 3, "from_chat_id": 7, "message_id": 11}
    post = {"op": "send", "chat_id": -200, "html": "🔚", "topic_of": 3}
    assert from_json({**copy, "tell_customer": False}) == Relay(3, 7, 11, history=True)
    assert from_json({**copy, "tell_customer": True}) == Relay(3, 7, 11, tell_customer=True)
    assert from_json(post) == SendText(-200, "🔚", topic_of=3, history=True)


def test_a_reply_stored_before_answers_was_kept_answers_no_decision() -> None:
    stored = {"op": "send", "chat_id": 7, "html": "x"}
    assert from_json(stored) == SendText(7, "x")


def test_delivery_rules() -> None:
    assert delivery(SendText(1, "x")) == "once"
    assert delivery(AnswerCallback("q")) == "best_effort"
    assert delivery(Relay(1, 2, 3)) == "durable"


def test_a_single_reply_is_marked_with_its_decision() -> None:
    assert first_mark([AnswerCallback("q"), SendText(1, "x")]) == 2
    assert first_mark([SendText(1, "a"), SendText(1, "b")]) == 1
    assert first_mark([Relay(1, 2, 3)]) == 0
    assert first_mark([]) == 0


def test_a_button_answer_longer_than_a_pop_up_holds_is_cut_not_refused() -> None:
    # Telegram refuses a longer pop-up whole, and the press spins with no word at all.
    work = Work(update_id=1, session=cast(AsyncSession, None))
    for text in ("مقاله پیدا نشد. " * 20, "📚 " * 150):
        work.answer_callback("q", text)
        (answer, *_) = work.effects
        assert isinstance(answer, AnswerCallback) and answer.text is not None
        assert utf16_len(answer.text) <= TOAST_MAX and answer.text.endswith("…")
    work.answer_callback("q", "ثبت شد.")
    assert cast(AnswerCallback, work.effects[0]).text == "ثبت شد."
