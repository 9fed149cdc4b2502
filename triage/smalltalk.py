"""Recognise messages that are only small talk, so they never open a ticket.

«سلام» matches no article, and the KB rightly says "hand off"; but a customer
who says hello wants to be greeted, not to be handed to a person. Likewise the
«باشه», «👍» or «خداحافظ» that closes a conversation in Persian chat, and a
message of emoji or punctuation alone: there is no question to hand anyone.

Persian courtesy is rich: «سلام وقتتون بخیر، خسته نباشید», «دستتون درد نکنه»,
«مشکلم حل شد ممنون», «موفق باشید». A message is small talk when it has a word
of its kind (an anchor: «سلام», «ممنون», «خداحافظ», «باشه») and every other word
may accompany one («وقتتون», «از راهنماییتون»); a word such as «کمک» alone is a
request, not thanks.

>>> small_talk("سلام")
'greeting'
>>> small_talk("سلام، وقتتون بخیر! خسته نباشید")
'greeting'
>>> small_talk("خیلی ممنون از راهنماییتون")
'thanks'
>>> small_talk("مرسی، مشکلم حل شد")
'solved'
>>> small_talk("👍")
'thanks'
>>> small_talk("سلام رمزم یادم رفته") is None
True
>>> small_talk("کمک") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Set
from typing import Literal

from triage.latin import readings
from triage.person import fold

# ok: an acknowledgement; solved: «مشکلم حل شد», the problem is gone (after an answer: it
# helped); wordless: emoji or punctuation alone (nothing to answer or hand off).
SmallTalk = Literal["greeting", "thanks", "ok", "solved", "bye", "wordless"]
MAX_WORDS = 6

# Set phrases of several words, each read as one anchor word of its kind (on folded text,
# where «می» is joined to its verb).
_YOUR = r"(?:تون|تان|ت)?"  # «وقتتون», «دستتان», «دمت»: the possessive suffixes
_BE = r"باشید|باشین|باشی"
# «نه ممنون» said to «اگر پرسش دیگری دارید، بنویسید» ends the talk, as a goodbye does (under
# "was this helpful?" the same words still say no: the bot reads a typed no first).
_NO_THANKS = r"(?:نه|نخیر|no)(?: خیلی| very)? (?:ممنون|ممنونم|مرسی|سپاس|متشکرم|thanks|thank)"
# «سوالی ندارم», «نه، سوال دیگه‌ای ندارم»: the same answer, in words.
_NO_MORE = r"(?:نه )?(?:سوال|سؤال|پرسش)(?:ی)?(?: دیگه ای| دیگری| دیگه)? ندارم"
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"(?<!\S)(?:{pattern})(?!\S)"), anchor)
    for pattern, anchor in (
        (r"خسته نباشید|خسته نباشین|خسته نباشی|خدا قوت|خداقوت", "سلام"),
        (r"عرض ادب|عرض سلام|سلام عرض (?:شد|میکنم|کردم)", "سلام"),
        (rf"دست{_YOUR}(?: شما)? درد نکنه|دست{_YOUR}(?: شما)? درد نکند", "ممنون"),
        (rf"دم{_YOUR}(?: شما)? گرم", "ممنون"),
        (r"لطف کردید|لطف کردین|لطف کردی|لطف دارید|لطف داری|زحمت کشیدید|زحمت کشیدین", "ممنون"),
        (rf"(?:سلامت|موفق|پیروز|شاد) (?:{_BE})", "خداحافظ"),
        (rf"(?:روز|شب|وقت){_YOUR} خوش", "خداحافظ"),
        (r"به امید دیدار|فعلا خدانگهدار", "خداحافظ"),
        (_NO_THANKS, "خداحافظ"),
        (_NO_MORE, "خداحافظ"),
    )
)
# «مشکلم حل شد» closes a conversation; «حل شد؟» asks about one, and «حل نشد» is a problem.
# Each is read as «حلشد», a word of its own (also as typed without the space).
_SOLVED_WORD = "حلشد"
_SOLVED = re.compile(
    r"(?<!\S)(?:(?:مشکل|مشکلم|مشکلمون|مسئله|مسیله|مساله) )?"
    r"(?:حل|برطرف|درست|رفع|اوکی) شد(?!\S)|(?<!\S)کار(?:م)? راه افتاد(?!\S)"
)

# Anchors: a message of small talk has at least one word of its kind.
# «الو»، «هستید؟» ask whether anyone is there; «تست» tries the bot: all want a hello back.
# «خوبید؟», «حالتون خوبه؟» ask how one is, as a hello does («چطوری؟» may ask "how?": not one).
_GREETING = frozenset(
    {"سلام", "درود", "علیکم", "سلامعلیکم", "بخیر", "الو", "هستید", "هستین", "تست", "خوبید",
     "خوبین", "خوبی", "چطورید", "چطورین", "حالتون", "حالتان", "hi", "hello", "hey", "salam",
     "dorood", "test"}
)  # fmt: skip
_THANKS = frozenset(
    {"ممنون", "ممنونم", "ممنونیم", "مرسی", "سپاس", "سپاسگزارم", "سپاسگزاریم", "متشکرم",
     "متشکریم", "متشکر", "مچکرم", "مچکر", "تشکر", "قربانت", "قربونت", "قربان", "قربون",
     "سپاسگذارم", "باتشکر", "thanks", "thank", "thx", "thnx", "thanx", "tnx", "ty", "tq", "merci",
     "mamnoon", "mersi", "mrc"}
)  # fmt: skip
_OK = frozenset(
    {"باشه", "باشد", "اوکی", "اوکیه", "اکی", "حله", "عالی", "عالیه", "آهان", "اهان", "آها",
     "اها", "فهمیدم", "متوجه", "شدم", "گرفتم", "درسته", "آره", "اره", "بله", "چشم", "خوبه",
     "حتما", "حتمن", "ok", "okay", "okey", "bashe"}
)  # fmt: skip
_BYE = frozenset(
    {"خداحافظ", "خداحافظتون", "خدافظ", "خدانگهدار", "خدانگهدارتون", "بدرود", "بای", "فعلا", "bye",
     "khodafez", "khodahafez"}
)  # fmt: skip
# Words that may accompany a greeting: «صبحتون بخیر», «با سلام و احترام», «خوبید؟».
_WITH_GREETING = frozenset(
    {"صبح", "ظهر", "عصر", "شب", "روز", "وقت", "صبحتون", "صبحتان", "ظهرتون", "عصرتون", "عصرتان",
     "شبتون", "شبتان", "روزتون", "روزتان", "وقتتون", "وقتتان", "وقتت", "به", "خیر", "با",
     "احترام", "ادب", "بر", "همگی", "همه", "دوستان", "دوست", "شما", "چطوری", "حالت", "حال",
     "چطوره", "خوب"}
)  # fmt: skip
# Words that may accompany thanks: «ممنون از راهنماییتون», «تشکر میکنم», «thank you».
_WITH_THANKS = frozenset(
    {"از", "شما", "بابت", "همه", "چیز", "کمک", "کمکتون", "کمکتان", "کمکت", "کمکاتون",
     "راهنمایی", "راهنماییتون", "راهنماییتان", "راهنماییت", "پاسخ", "پاسختون", "پاسخگویی",
     "پاسخگوییتون", "جواب", "جوابتون", "لطف", "لطفتون", "زحمت", "زحماتتون", "وقتی", "که",
     "گذاشتید", "میکنم", "میکنیم", "بسیار", "زیاد", "فراوان", "دنیا", "یک", "یه", "you", "so",
     "much", "very", "u", "a", "lot", "lots"}
)  # fmt: skip
# Words that add politeness to any kind but no request.
_FILLER = frozenset(
    {"خیلی", "و", "هم", "آقا", "خانم", "جان", "عزیز", "عزیزم", "لطفا", "خب", "دیگه"}
)  # fmt: skip
_ASKS = re.compile("[?؟]")
# Each kind, tried in turn: its anchors and the words that may go with them.
_KINDS: tuple[tuple[SmallTalk, Set[str], Set[str]], ...] = (
    ("solved", {_SOLVED_WORD}, _THANKS | _WITH_THANKS | _OK | _GREETING),  # «ممنون، حل شد»
    ("greeting", _GREETING, _WITH_GREETING | _THANKS | _OK),  # «سلام، ممنون»: hello first
    ("thanks", _THANKS, _WITH_THANKS | _GREETING | _WITH_GREETING),  # «سلام، ممنون از شما»
    ("bye", _BYE, _THANKS | _WITH_THANKS | _OK),
    ("ok", _OK, _THANKS | _WITH_THANKS),
)
# Emoji that say thanks or all right on their own.
_THANKS_EMOJI = frozenset("👍🙏❤🌹🌷💐👌☺🙂😊✅💯🤝")


def small_talk(text: str) -> SmallTalk | None:
    """Return the kind of small talk the message is, or None when it may ask something."""
    for reading in readings(text):  # «merci hal shod» reads «مرسی حل شد»
        kind = _kind(reading)
        if kind is not None:
            return kind
    return None


def _kind(text: str) -> SmallTalk | None:
    folded = fold(text)
    if not folded:
        if not text.strip():
            return None  # nothing at all: not a message to answer here
        return "thanks" if any(c in _THANKS_EMOJI for c in text) else "wordless"
    for pattern, anchor in _PHRASES:
        folded = pattern.sub(anchor, folded)
    if not _ASKS.search(text):
        folded = _SOLVED.sub(_SOLVED_WORD, folded)
    words = [w for w in folded.split() if w not in _FILLER]
    if len(words) > MAX_WORDS:
        return None
    if not words:
        return "ok"  # «خب», «خیلی» and the like on their own
    for kind, anchors, others in _KINDS:
        if _only(words, anchors, others):
            return kind
    return None


def _only(words: list[str], anchors: Set[str], others: Set[str]) -> bool:
    """At least one anchor, and every other word an anchor or one that may go with it."""
    return any(w in anchors for w in words) and all(w in anchors or w in others for w in words)
