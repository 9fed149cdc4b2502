"""Recognise messages that are only small talk, so they never open a ticket.

«سلام» matches no article, and the KB rightly says "hand off"; but a customer
who says hello wants to be greeted, not to be handed to a person. Likewise the
«باشه», «👍» or «خداحافظ» that closes a conversation in Persian chat, and a
message of emoji or punctuation alone: there is no question to hand anyone.

>>> small_talk("سلام")
'greeting'
>>> small_talk("سلام، وقت بخیر!")
'greeting'
>>> small_talk("خیلی ممنون")
'thanks'
>>> small_talk("باشه ممنون")
'ok'
>>> small_talk("👍")
'thanks'
>>> small_talk("سلام رمزم یادم رفته") is None
True
"""

from __future__ import annotations

from typing import Literal

from triage.person import fold

# ok: an acknowledgement; wordless: emoji or punctuation alone (nothing to answer or hand off).
SmallTalk = Literal["greeting", "thanks", "ok", "bye", "wordless"]
MAX_WORDS = 5

_GREETING = frozenset(
    {"سلام", "درود", "علیکم", "سلامعلیکم", "صبح", "عصر", "شب", "روز", "وقت", "بخیر", "به",
     "خیر", "hi", "hello", "hey", "salam", "dorood"}
)  # fmt: skip
_THANKS = frozenset(
    {"ممنون", "ممنونم", "مرسی", "سپاس", "سپاسگزارم", "متشکرم", "متشکر", "تشکر", "دمت", "گرم",
     "thanks", "thank", "you", "thx", "merci", "mamnoon", "mersi"}
)  # fmt: skip
_OK = frozenset(
    {"باشه", "باشد", "اوکی", "حله", "عالی", "آهان", "اهان", "آها", "اها", "فهمیدم", "متوجه",
     "شدم", "درسته", "آره", "اره", "بله", "چشم", "خوبه", "ok", "okay", "okey", "bashe"}
)  # fmt: skip
_BYE = frozenset(
    {"خداحافظ", "خدافظ", "خدانگهدار", "بدرود", "بای", "فعلا", "bye", "khodafez", "khodahafez"}
)  # fmt: skip
# Words that add politeness but no request.
_FILLER = frozenset({"خیلی", "و", "هم", "آقا", "خانم", "جان", "عزیز", "لطفا", "خب", "دیگه"})
# Emoji that say thanks or all right on their own.
_THANKS_EMOJI = frozenset("👍🙏❤🌹🌷💐👌☺🙂😊✅💯🤝")


def small_talk(text: str) -> SmallTalk | None:
    """Return the kind of small talk the message is, or None when it may ask something."""
    folded = fold(text)
    if not folded:
        if not text.strip():
            return None  # nothing at all: not a message to answer here
        return "thanks" if any(c in _THANKS_EMOJI for c in text) else "wordless"
    words = [w for w in folded.split() if w not in _FILLER]
    if len(words) > MAX_WORDS:
        return None
    if not words:
        return "ok"  # «خب», «خیلی» and the like on their own
    if all(w in _THANKS for w in words):
        return "thanks"
    if any(w in _GREETING for w in words) and all(
        w in _GREETING or w in _THANKS or w in _OK for w in words
    ):
        return "greeting"
    if any(w in _BYE for w in words) and all(w in _BYE or w in _THANKS or w in _OK for w in words):
        return "bye"
    if all(w in _OK or w in _THANKS for w in words):
        return "ok"
    return None
