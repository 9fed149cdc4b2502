"""What an update makes the bot do in Telegram: decided first, carried out after the commit.

Handlers never call Telegram to send. They append effects to the update's
`Work`; the pipeline commits the update's unit of work together with the list
of effects (the plan), then carries the effects out in order. Network calls
thus stay out of database transactions (SQLite has one writer), and a crash
leaves a plan that the next start resumes. Each effect has a delivery rule:

- once (SendText: what people read): at most once. Before the call, the plan's
  progress is committed past it, so a replay never sends it again; a 429 (known
  not delivered) moves the progress back before waiting.
- best effort (AnswerCallback, RemoveButtons, and the desk's EditCard, CloseTopic,
  RenameTopic, MirrorEdit): repeating is harmless, failing too; card and topic
  effects read the ticket from the database when they run, so they show its latest state.
- durable (OpenTopic, PostCard, Relay, ToCustomer, CopyKept, SendTranscript): at least
  once; each result is committed with the progress, and each is idempotent against the
  database (a topic is created only while the ticket has none, a message copied only while
  unlinked, a kept message only while no attempt at it is on record), but a conversation's
  file, which may come twice after a crash (harmless: the same file again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from telegram import (
    InlineKeyboardMarkup,
    InputMedia,
    InputMediaAnimation,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
Delivery = Literal["once", "best_effort", "durable"]


@dataclass(frozen=True, slots=True)
class SendText:
    """Send an HTML message (to a customer, or into a topic when `thread_id` is set).

    `answers`: the KB decision whose "was this helpful?" buttons the message carries; its id
    is kept on the decision once sent, so a typed answer can take the buttons off. `rates`:
    likewise, the ticket whose 1-5 rating buttons it carries (a typed «۵» takes them off).
    `topic_of`: a ticket whose topic in `chat_id` is made after the decision (an L2
    group's): posted there as the ticket has it when sent, and nowhere if it has none there.
    `history`: part of the history an escalation copies into that topic (see Relay).
    `what`: what it is, for the operator's log should it not be sent (None: a reply).
    """

    chat_id: int
    html: str
    markup: Markup | None = None
    thread_id: int | None = None
    answers: int | None = None
    rates: int | None = None
    topic_of: int | None = None
    history: bool = False
    what: str | None = None

    delivery = "once"


@dataclass(frozen=True, slots=True)
class AnswerCallback:
    """Stop a pressed button's spinner, optionally with a short pop-up text."""

    query_id: str
    text: str | None = None
    alert: bool = False

    delivery = "best_effort"


@dataclass(frozen=True, slots=True)
class RemoveButtons:
    """Take the inline buttons off a message (a question already answered)."""

    chat_id: int
    message_id: int

    delivery = "best_effort"


@dataclass(frozen=True, slots=True)
class OpenTopic:
    """Create the ticket's forum topic in the agents' group, unless it has one."""

    ticket_id: int

    delivery = "durable"


@dataclass(frozen=True, slots=True)
class PostCard:
    """Post the ticket's card with its buttons into its topic, unless it is there."""

    ticket_id: int

    delivery = "durable"


@dataclass(frozen=True, slots=True)
class Relay:
    """Copy a customer's message into the ticket's topic and link the two."""

    ticket_id: int
    from_chat_id: int
    message_id: int
    media_group_id: str | None = None
    # The rest of an album, copied in the same call so it stays one album.
    album: tuple[int, ...] = ()
    # The customer just sent it: if it cannot reach the agents, tell them (not for history
    # copied again on an escalation).
    tell_customer: bool = False
    # Forwarded by the customer from elsewhere (a channel, a bank's message): forwarded, not
    # copied, so agents see whose words they are, not the customer's.
    forwarded: bool = False
    # The message in the customer's chat it replies to: its copy in the topic is replied to.
    reply_to: int | None = None
    # Posted just before the copy (HTML), only when the copy is made (a replay posts it no
    # more): in history copied into a new topic, who wrote the run of messages it begins; for
    # a customer's reply to a message in another chat, what it replies to.
    label: str | None = None
    # Part of the history an escalation copies into the ticket's new topic: the ticket's
    # other relays wait until all of it is there (bot.pipeline), and none of it goes into a
    # topic made again meanwhile, which gets the history of its own (bot.executor).
    history: bool = False

    delivery = "durable"


@dataclass(frozen=True, slots=True)
class EditCard:
    """Re-render the ticket's card (state, holder, rating) from the database; or, with
    `chat_id` and `message_id`, the card it left behind for the L2 group's, once more,
    saying so, without buttons."""

    ticket_id: int
    chat_id: int | None = None
    message_id: int | None = None

    delivery = "best_effort"


@dataclass(frozen=True, slots=True)
class CloseTopic:
    """Close the ticket's forum topic (agents can still read it), or the given old one."""

    ticket_id: int
    chat_id: int | None = None  # set for a topic the ticket has left (moved to L2)
    thread_id: int | None = None

    delivery = "best_effort"


@dataclass(frozen=True, slots=True)
class ReopenTopic:
    """Reopen the ticket's forum topic (closed by hand while the ticket is open)."""

    ticket_id: int

    delivery = "best_effort"


@dataclass(frozen=True, slots=True)
class RenameTopic:
    """Rename the ticket's topic after its current level (L2 marker)."""

    ticket_id: int

    delivery = "best_effort"


@dataclass(frozen=True, slots=True)
class MirrorEdit:
    """Apply an edit to the copy of a message on the other side (plain text, never parsed,
    with the formatting and links the sender gave it, as Telegram's entities)."""

    chat_id: int
    message_id: int
    text: str
    caption: bool = False
    entities: tuple[dict[str, Any], ...] = ()
    # A photo, video, file, GIF or audio: its file (replaced, or not) goes with the caption,
    # and how it is shown (a spoiler; the caption above it), else an edit would undo them.
    media_kind: str | None = None
    file_id: str | None = None
    spoiler: bool = False
    caption_above: bool = False
    # Where to say so when the copy cannot take the edit (a caption over the 1,024 characters
    # Telegram lets a bot edit, a copy deleted): the edited message's chat, topic and id;
    # `told_html` is posted there (the customer's new words, for the agents), else the
    # agents' notice with Telegram's reason.
    told_chat_id: int | None = None
    told_thread_id: int | None = None
    told_reply_to: int | None = None
    told_html: str | None = None

    delivery = "best_effort"


# What an edit can replace under a caption, and the InputMedia that carries it; in the order
# a message is read (an animation carries a document too).
INPUT_MEDIA: dict[str, Callable[..., InputMedia]] = {
    "photo": InputMediaPhoto,
    "animation": InputMediaAnimation,
    "video": InputMediaVideo,
    "audio": InputMediaAudio,
    "document": InputMediaDocument,
}


def _media_of(message: Message) -> tuple[str, str] | None:
    """The kind and file id of a message's photo, video, file, GIF or audio (what an edit
    can replace), else None."""
    if message.photo:
        return "photo", message.photo[-1].file_id
    for kind in INPUT_MEDIA:
        attached = getattr(message, kind) if kind != "photo" else None  # photo: sizes, above
        if attached is not None:
            return kind, str(attached.file_id)
    return None


def mirror_edit(chat_id: int, message_id: int, edited: Message) -> MirrorEdit | None:
    """The edit of `edited` (a text, a caption, or the file under it: Telegram lets a photo
    or a file be replaced) for its copy `message_id` in `chat_id`; None when it has
    nothing to mirror."""
    media = _media_of(edited)
    if edited.text is not None:
        words, entities, caption = edited.text, edited.entities, False
    elif edited.caption is not None or media is not None:
        words, entities, caption = edited.caption or "", edited.caption_entities, True
    else:
        return None
    shapes = tuple(entity.to_dict() for entity in entities)
    kind, file_id = media if media is not None else (None, None)
    return MirrorEdit(
        chat_id,
        message_id,
        words,
        caption,
        shapes,
        kind,
        file_id,
        bool(edited.has_media_spoiler),
        bool(edited.show_caption_above_media),
    )


@dataclass(frozen=True, slots=True)
class ToCustomer:
    """Copy an agent's message from the topic to the customer and link the two."""

    ticket_id: int
    from_chat_id: int
    message_id: int
    reply_to: int | None = None  # the customer's message id to reply to, if any
    # The rest of an album, copied in the same call so it stays one album.
    album: tuple[int, ...] = ()
    # Kept with the copies, so an L2 or recreated topic gets the album as one again.
    media_group_id: str | None = None
    # Who wrote it, its words, and whether it is more than words (a photo, a file): should it
    # never reach the customer, the history a new topic gets says so (plans from before: None).
    agent_id: int | None = None
    words: str | None = None
    media: bool = False
    # The writer's name, kept with the copies: a history copied into a new topic names them.
    agent_name: str | None = None

    delivery = "durable"


@dataclass(frozen=True, slots=True)
class CopyKept:
    """Copy into the ticket's topic in `chat_id` (made after the decision: an L2 group's) a
    message kept in the agents' chat `from_chat_id` (a note's screenshot; an album whole),
    under `heading` (HTML); `fallback` (HTML) instead, once it can no longer be copied.
    Nowhere if the ticket has no topic there (bot.history.Kept)."""

    ticket_id: int
    chat_id: int
    from_chat_id: int
    message_ids: tuple[int, ...]
    heading: str
    fallback: str

    delivery = "durable"


@dataclass(frozen=True, slots=True)
class SendTranscript:
    """Send the ticket's whole conversation as a file (bot.transcript) into its topic in
    `chat_id` (made after the decision: an L2 group's), drawn when sent; nowhere if the
    ticket has no topic there. For a history cut short: an expert of another group cannot
    open the topic the rest is in."""

    ticket_id: int
    chat_id: int

    delivery = "durable"


Effect = (
    SendText
    | AnswerCallback
    | RemoveButtons
    | OpenTopic
    | PostCard
    | Relay
    | EditCard
    | CloseTopic
    | ReopenTopic
    | RenameTopic
    | MirrorEdit
    | ToCustomer
    | CopyKept
    | SendTranscript
)
Durable = OpenTopic | PostCard | Relay | ToCustomer | CopyKept | SendTranscript
BestEffort = (
    AnswerCallback | RemoveButtons | EditCard | CloseTopic | ReopenTopic | RenameTopic | MirrorEdit
)

# The desk's effects are stored field by field under these names.
_PLAIN: dict[str, type[Any]] = {
    "edit_card": EditCard,
    "close_topic": CloseTopic,
    "rename_topic": RenameTopic,
    "reopen_topic": ReopenTopic,
    "mirror_edit": MirrorEdit,
    "to_customer": ToCustomer,
    "copy_kept": CopyKept,
    "send_transcript": SendTranscript,
}

_MarkupType = type[InlineKeyboardMarkup] | type[ReplyKeyboardMarkup] | type[ReplyKeyboardRemove]
_MARKUPS: dict[str, _MarkupType] = {
    "inline": InlineKeyboardMarkup,
    "reply": ReplyKeyboardMarkup,
    "remove": ReplyKeyboardRemove,
}


def as_history(effects: Iterable[Effect]) -> list[Effect]:
    """Mark the copies and posts that give an escalated ticket's new topic its history."""
    return [replace(e, history=True) if isinstance(e, Relay | SendText) else e for e in effects]


def history_of(effect: Effect) -> int | None:
    """The ticket whose history the effect copies into its new topic, else None."""
    if isinstance(effect, Relay) and effect.history:
        return effect.ticket_id
    if isinstance(effect, SendText) and effect.history:
        return effect.topic_of
    if isinstance(effect, CopyKept | SendTranscript):  # made for a history only
        return effect.ticket_id
    return None


def delivery(effect: Effect) -> Delivery:
    """Return the effect's delivery rule."""
    rule: Delivery = type(effect).delivery  # type: ignore[assignment]
    return rule


def _markup_to_json(markup: Markup | None) -> dict[str, Any] | None:
    if markup is None:
        return None
    kind = next(name for name, cls in _MARKUPS.items() if isinstance(markup, cls))
    return {"kind": kind, "data": markup.to_dict()}


def _markup_from_json(data: dict[str, Any] | None) -> Markup | None:
    if data is None:
        return None
    fields = dict(data["data"])
    if data["kind"] == "reply":  # PTB leaves reply-keyboard buttons as dicts
        fields["keyboard"] = [
            [KeyboardButton.de_json(b, None) if isinstance(b, dict) else b for b in row]
            for row in fields["keyboard"]
        ]
    return _MARKUPS[str(data["kind"])].de_json(fields, None)


def to_json(effect: Effect) -> dict[str, Any]:
    """Serialise an effect for the update's stored plan."""
    if isinstance(effect, SendText):
        return {
            "op": "send",
            "chat_id": effect.chat_id,
            "html": effect.html,
            "markup": _markup_to_json(effect.markup),
            "thread_id": effect.thread_id,
            "answers": effect.answers,
            "rates": effect.rates,
            "topic_of": effect.topic_of,
            "history": effect.history,
            "what": effect.what,
        }
    if isinstance(effect, AnswerCallback):
        return {
            "op": "answer",
            "query_id": effect.query_id,
            "text": effect.text,
            "alert": effect.alert,
        }
    if isinstance(effect, RemoveButtons):
        return {"op": "unbutton", "chat_id": effect.chat_id, "message_id": effect.message_id}
    if isinstance(effect, OpenTopic):
        return {"op": "open_topic", "ticket_id": effect.ticket_id}
    if isinstance(effect, PostCard):
        return {"op": "post_card", "ticket_id": effect.ticket_id}
    for op, cls in _PLAIN.items():
        if isinstance(effect, cls):
            return {"op": op, **{name: getattr(effect, name) for name in cls.__slots__}}
    assert isinstance(effect, Relay)
    return {
        "op": "relay",
        "ticket_id": effect.ticket_id,
        "from_chat_id": effect.from_chat_id,
        "message_id": effect.message_id,
        "media_group_id": effect.media_group_id,
        "album": list(effect.album),
        "tell_customer": effect.tell_customer,
        "forwarded": effect.forwarded,
        "reply_to": effect.reply_to,
        "label": effect.label,
        "history": effect.history,
    }


def from_json(data: dict[str, Any]) -> Effect:
    """Rebuild an effect from its stored form."""
    op = data["op"]
    if op == "send":
        return SendText(
            int(data["chat_id"]),
            str(data["html"]),
            _markup_from_json(data.get("markup")),
            data.get("thread_id"),
            data.get("answers"),  # plans stored before it: None
            data.get("rates"),
            data.get("topic_of"),
            # Stored before the flag: then only a history's posts went to a topic made later.
            bool(data["history"]) if "history" in data else data.get("topic_of") is not None,
            data.get("what"),
        )
    if op == "answer":
        return AnswerCallback(str(data["query_id"]), data.get("text"), bool(data.get("alert")))
    if op == "unbutton":
        return RemoveButtons(int(data["chat_id"]), int(data["message_id"]))
    if op == "open_topic":
        return OpenTopic(int(data["ticket_id"]))
    if op == "post_card":
        return PostCard(int(data["ticket_id"]))
    if op == "relay":
        return Relay(
            int(data["ticket_id"]),
            int(data["from_chat_id"]),
            int(data["message_id"]),
            data.get("media_group_id"),
            tuple(int(i) for i in data.get("album") or ()),
            bool(data.get("tell_customer")),  # plans stored before it: False
            bool(data.get("forwarded")),
            data.get("reply_to"),
            data.get("label"),
            # Stored before the flag: then every relay but a history's told the customer of
            # a failure (an upgrade resuming an escalation's copy must still hold the rest).
            bool(data["history"]) if "history" in data else data.get("tell_customer") is False,
        )
    if op in _PLAIN:
        cls = _PLAIN[op]
        fields = {name: data.get(name) for name in cls.__slots__}
        # JSON gives a list back (or none, from before)
        for listed in ("album", "entities", "message_ids"):
            if listed in fields:
                fields[listed] = tuple(fields[listed] or ())
        effect: Effect = cls(**fields)
        return effect
    raise ValueError(f"unknown effect {op!r}")
