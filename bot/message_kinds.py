"""Name what kind of message a customer sent and what of it to keep in the log."""

from __future__ import annotations

from telegram import Message

from bot.formatting import bound
from storage.models import MessageKind

# Longest customer text kept in the log and handed to the KB.
LOG_TEXT_MAX = 4096
QUESTION_MAX = 1000

# Order matters: an animation also carries a `document`.
_MEDIA: tuple[tuple[str, MessageKind], ...] = (
    ("animation", "animation"),
    ("photo", "photo"),
    ("voice", "voice"),
    ("video_note", "video_note"),
    ("video", "video"),
    ("audio", "audio"),
    ("sticker", "sticker"),
    ("document", "document"),
    ("location", "location"),
    ("contact", "contact"),
)


def message_kind(message: Message) -> MessageKind:
    """Return the log's kind for a message."""
    if message.text is not None:
        return "text"
    for attribute, kind in _MEDIA:
        if getattr(message, attribute, None):
            return kind
    return "other"


def loggable_text(message: Message) -> str | None:
    """Return what to store as the message's text: its text, caption, or a short description."""
    if message.text is not None:
        return bound(message.text, LOG_TEXT_MAX)
    if message.caption is not None:
        return bound(message.caption, LOG_TEXT_MAX)
    if message.venue is not None:  # a place: its name and address, not only where it is
        venue = message.venue
        where = f"{venue.location.latitude},{venue.location.longitude}"
        return bound(f"{venue.title} · {venue.address} ({where})", LOG_TEXT_MAX)
    if message.location is not None:
        return f"{message.location.latitude},{message.location.longitude}"
    if message.contact is not None:
        contact = message.contact
        name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        return bound(f"{name} {contact.phone_number}".strip(), LOG_TEXT_MAX)
    if message.sticker is not None:
        return message.sticker.emoji
    if message.dice is not None:
        return f"{message.dice.emoji} {message.dice.value}"
    if message.poll is not None:  # the question and the options, as the audit trail keeps words
        options = " / ".join(option.text for option in message.poll.options)
        return bound(f"{message.poll.question} ({options})", LOG_TEXT_MAX)
    return None
