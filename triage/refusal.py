"""Recognise a customer refusing a person, so that no ticket is forced on them.

A refusal is a denial that governs the person word itself: right after it («کارشناس (رو)
نمیخوام», «کارشناس لازم نیست», «کارشناس نه»), before it with only «با»/«به» between
(«نمیخوام با کارشناس صحبت کنم», «نمیخواد به کارشناس وصلم کنی», «نیازی به کارشناس نیست»,
«لازم نیست با یه اپراتور صحبت کنم»), or connecting denied after it («به کارشناس وصل
نکنید», «کسی زنگ نزنه»); «با کارشناس کاری ندارم», «بدون کارشناس، خودم…», and the bot's
offer echoed and turned down («کارشناس؟ نه ممنون») too. A denial of something else near
one («نمیخوام منتظر بمونم با کارشناس وصلم کن»), another's unwillingness («کارشناستون
نمیخواد جواب بده») or a refused bot («ربات نمیخوام، کارشناس») refuses nobody.

>>> refused_person("کارشناس نمیخوام، رمزم یادم رفته")
'رمزم یادم رفته'
>>> refused_person("نمیخوام منتظر بمونم با کارشناس وصلم کن") is None
True
"""

from __future__ import annotations

import re
from functools import lru_cache

from triage.latin import readings
from triage.person import (
    _CLAUSE_END,
    _DOING,
    _NOT_BOT,
    _PERSON_PREFIXES,
    _PERSON_WORDS,
    READ_CACHE,
    _folded,
    _names_person,
    _talks,
    asks_for_person,
    fold,
)
from triage.smalltalk import small_talk

# «نمیخوام»: I do not want (folded: «می» joined to its verb).
_I_DO_NOT_WANT = frozenset(
    _folded(
        "نمیخوام", "نمیخواهم", "نمیخوایم", "نمیخواهیم", "نمیخام", "نمیخوم", "نمیخواستم",
        "nemikham", "nemikhaam",
    )
)  # fmt: skip
# «نمیخواد»: no need (before the person: «نمیخواد به کارشناس وصلم کنی»; after one, only
# ending the clause: «کارشناس نمیخواد»; «کارشناس نمیخواد جواب بده» is the person unwilling).
_NO_NEED_TO = frozenset(_folded("نمیخواد", "نمیخاد", "نمیخود", "nemikhad"))  # «نمیخود»: Finglish
_NEED = frozenset(
    _folded(
        "نیازی", "نیاز", "لازم", "احتیاجی", "احتیاج", "تمایلی", "تمایل", "مایل", "ضرورتی",
        "niazi", "niaz", "lazem", "لزم",  # «لزم»: «lazem» read from Finglish
    )
)  # fmt: skip
_NOT_NEEDED = frozenset(
    _folded("نیست", "نیس", "نیستم", "نیستیم", "ندارم", "نداریم", "nist", "nadaram")
)
_WITH = frozenset(_folded("با", "به", "ba", "be"))
# «با کارشناس کاری ندارم»: no business with one.
_BUSINESS = frozenset(_folded("کاری", "کار", "kari", "kar"))
_HAVE_NONE = frozenset(_folded("ندارم", "نداریم", "nadaram"))
# «بدون کارشناس»: without one.
_WITHOUT = frozenset(_folded("بدون", "بی", "bedoon", "bedune", "bedoone"))
_SELF = frozenset(_folded("خودم", "خودمون", "khodam"))
_ME = frozenset(_folded("من", "منو", "ما", "man"))
_A = frozenset(_folded("یه", "یک", "ye", "yek"))
_OBJECT = frozenset(_folded("رو", "را", "ro", "ra"))
_NO = frozenset(_folded("نه", "na"))
_ASKED = re.compile(r"[?؟]\s*$")
_CONNECT = frozenset(_folded("وصل", "وصلم", "منتقل", "ارجاع", "vasl", "vaslam"))
_DO_NOT = ("نکن", "nakon")  # «نکنید», «نکنین», «نکن»
# «وصلم کنی», «زنگ بزنه»: talking done by the bot or by someone, not by the customer.
_DONE_BY = frozenset(
    _folded(
        "کنی", "بکنی", "بدی", "بزنی", "کنه", "بکنه", "بزنه", "بده", "بگیره", "بیاد", "بیان",
        "بیاید", "koni",
    )
)  # fmt: skip
# Words a denial may follow and still deny the person, not something named before it
# («اینا رو نمیخوام با کارشناس وصلم کن» asks for one).
_BEFORE_A_DENIAL = frozenset(
    _folded(
        "من", "ما", "نه", "فعلا", "اصلا", "هنوز", "دیگه", "ولی", "اما", "و", "واقعا", "ممنون",
        "مرسی", "man", "ma", "na", "felan", "vali", "ama", "dige",
    )
)  # fmt: skip
# «پشتیبان» (not «پشتیبانی», the service) names a person refused after it as well.
_SUPPORTER = frozenset(_folded("پشتیبان", "poshtiban"))
# A bot said to suffice, not refused («همین ربات کافیه»), where a person is refused.
_BOT_SUFFICES = re.compile(r"(?:ربات|بات|bot)\s*کافیه")
# What a refusal may say besides and still ask nothing («نه، خودم حلش میکنم», «فقط جواب بده»).
_NOTHING_ASKED = frozenset(
    _folded(
        "نه", "فعلا", "اصلا", "خودم", "حل", "حلش", "درست", "درستش", "میکنم", "میکنیم", "لطفا",
        "لطفاً", "فقط", "ممنون", "مرسی", "باشه", "جواب", "بده", "بدید", "بدین", "خودت", "خودتون",
        "من", "مرا", "منو", "همین", "ربات", "بات", "کافیه", "کردم", "میخوام", "کنم", "بکنم",
        "با", "راحت", "راحتم", "ترم", "راحتترم", "na", "felan", "khodam",
        "lotfan", "merci",
        "mersi",
        "faghat", "bot",
    )
)  # fmt: skip
# Words that open what else a refusal says and are no part of its question («فقط بگید ...»).
_OPENING = frozenset(
    _folded("نه", "من", "فقط", "بگید", "بگین", "بگو", "لطفا", "سلام", "ممنون", "مرسی", "و")
)


@lru_cache(maxsize=READ_CACHE)
def refused_person(text: str) -> str | None:
    """What a message refusing a person says besides («نمیخوام با کارشناس صحبت کنم، شماره
    تماس پشتیبانی چنده» leaves «شماره تماس پشتیبانی چنده»; «کارشناس نمیخوام» leaves ""),
    for the KB; None when it refuses none, or asks for one (elsewhere in it, or by refusing
    the bot). Read as typed, or from Finglish or the wrong keyboard layout."""
    if not isinstance(text, str) or asks_for_person(text):
        return None
    for reading in readings(text):
        said, refused = _besides_refusals(reading)
        if refused:
            words = _CLAUSE_END.sub(" ", said).split()
            if set(words) <= _NOTHING_ASKED or small_talk(" ".join(words)) is not None:
                return ""  # «کارشناس نمیخوام، ممنون از راهنماییتون»
            while words and fold(words[0]) in _OPENING:
                words.pop(0)
            return " ".join(words)
    return None


def without_refusals(text: str) -> str:
    """`text` less the words that refuse a person, and less a bot said to suffice beside
    one («کارشناس نمیخوام، ربات کافیه»); a clause refusing the bot stays («ربات نمیخوام،
    کارشناس» asks for a person)."""
    said, refused = _besides_refusals(text)
    if not refused:
        return text
    return "".join(c for c in _clauses(said) if not _BOT_SUFFICES.search(fold(c)))


def _clauses(text: str) -> list[str]:
    """`text` cut into clauses, each with the mark that ends it."""
    cuts = [match.end() for match in _CLAUSE_END.finditer(text)]
    return [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)], strict=True) if text[i:j]]


def _besides_refusals(text: str) -> tuple[str, bool]:
    """`text` with the words of each refusal of a person taken out (clause by clause, each
    with the mark that ends it), and whether there were any. A clause refusing the bot
    refuses no person («ربات نه، کارشناس»)."""
    kept, refused = [], False
    clauses = _clauses(text)
    for n, clause in enumerate(clauses):
        tokens = fold(clause).split()
        if n + 1 < len(clauses) and _asked_back(clause, tokens, clauses[n + 1]):
            refused = True  # «کارشناس؟ نه ممنون»: the «نه» goes with the next clause
            clauses[n + 1] = re.sub(r"^\W*\w+", "", clauses[n + 1])
            continue
        asked = _ASKED.search(clause) is not None
        span = None if _NOT_BOT.search(" ".join(tokens)) else _refusal(tokens, asked=asked)
        if span is None:
            kept.append(clause)
            continue
        refused = True
        mark = re.search(rf"(?:{_CLAUSE_END.pattern})\s*$", clause)
        rest = " ".join(t for n, t in enumerate(tokens) if n not in span)
        kept.append(rest + (mark.group() if mark else " "))
    return "".join(kept), refused


def _asked_back(clause: str, tokens: list[str], following: str) -> bool:
    """Whether a clause is a person asked about and the next one begins by saying no: the
    bot's offer echoed and turned down («کارشناس؟ نه ممنون», «اپراتور؟ نه»)."""
    asked = _ASKED.search(clause) is not None and 1 <= len(tokens) <= 2
    person = [q for q, token in enumerate(tokens) if token.startswith(_PERSON_PREFIXES)]
    named = bool(person) and (len(tokens) == 1 or tokens[0] in _WITH)
    no, *rest = fold(following).split() or [""]
    # «کارشناس؟ نه کارشناس قبلی رو میخوام» turns down one person for another; «کارشناس؟ نه
    # کارشناس نمیخوام» the same one again
    named_again = any(_names_person(rest, n, sometimes=True) for n in range(len(rest)))
    other = named_again and _refusal(rest) is None
    return asked and named and no in _NO and not other


def _refusal(tokens: list[str], *, asked: bool = False) -> range | None:
    """Where in a clause (folded words; `asked`: ending with a question mark) a person is
    refused, or None."""
    for q, token in enumerate(tokens):
        always = token.startswith(_PERSON_PREFIXES) or token in _PERSON_WORDS
        if (always or token in _SUPPORTER) and _names_person(tokens, q, sometimes=True):
            span = _denied_after(tokens, q) or _denied_before(tokens, q)
            if span is None and not asked:  # «بدون کارشناس؟» asks whether one can do without
                span = _without(tokens, q)
        elif _names_person(tokens, q, sometimes=True):
            # «پشتیبانی نمیخوام» may be of the service: either way it asks for no person, so
            # it opens no ticket (said alone: «ما دیگه پشتیبانی نمیخوایم» is a cancellation)
            span = _denied_before(tokens, q) or _denied_after(tokens, q, sometimes=True)
        else:
            continue
        if span is not None:
            return span
    return None


def _denied_after(tokens: list[str], q: int, *, sometimes: bool = False) -> range | None:
    """«کارشناس (رو) نمیخوام», «کارشناس لازم نیست», «کارشناس نه», «کارشناس نمیخواد», «به
    کارشناس وصل نکنید» (the last three ending the clause, or «نه…نه…» is a complaint), «با
    کارشناس کاری ندارم» (asking nothing after it). With `sometimes` (a word that names a
    person only sometimes: «پشتیبانی», «کسی»), only «نمیخوام», opening the message and
    asking nothing after it («(نه) پشتیبانی نمیخوام ممنون»)."""
    start = q - 1 if q > 0 and tokens[q - 1] in _WITH else q
    i = q + 1 + (q + 1 < len(tokens) and tokens[q + 1] in _OBJECT)
    first, second = [*tokens, "", ""][i : i + 2]
    ends = i == len(tokens) - 1
    if sometimes:  # not «پشتیبانی نمیخوام تمدید کنم», «ما دیگه پشتیبانی نمیخوایم»
        opens = set(tokens[:start]) <= _NOTHING_ASKED | _OPENING  # «سلام»، «ممنون»، «نه»
        rest = set(tokens[i + 1 :])
        alone = opens and rest <= _NOTHING_ASKED
        return range(start, i + 1) if first in _I_DO_NOT_WANT and alone else None
    if first in _I_DO_NOT_WANT:
        return range(start, i + 1)
    if ends and i == q + 1 and first in _NO | _NO_NEED_TO:
        return range(start, i + 1)
    if (
        (first in _NEED and second in _NOT_NEEDED)
        or (first in _CONNECT and second.startswith(_DO_NOT))
        or (
            first in _BUSINESS
            and second in _HAVE_NONE
            and tokens[start] in _WITH
            and set(tokens[i + 2 :]) <= _NOTHING_ASKED  # not «… با مدیر کار دارم»
        )
    ):
        return range(start, i + 2)
    return None


def _without(tokens: list[str], q: int) -> range | None:
    """«بدون کارشناس» opening a clause (after «نه», thanks at most) that ends there or goes
    on with «خودم» («بدون کارشناس، خودم درستش میکنم»); not a question about doing without
    one («میشه بدون ادمین رمز رو عوض کرد», «نصب رو خودم انجام بدم بدون تکنسین؟»)."""
    if q == 0 or tokens[q - 1] not in _WITHOUT:
        return None
    if not set(tokens[: q - 1]) <= _NOTHING_ASKED | _OPENING:  # «نه بدون کارشناس»
        return None
    return range(q - 1, q + 1) if q + 1 == len(tokens) or tokens[q + 1] in _SELF else None


def _denied_before(tokens: list[str], q: int) -> range | None:
    """«نمیخوام با (یه) کارشناس صحبت کنم», «نمیخوام کارشناس زنگ بزنه», «نمیخواد به کارشناس
    وصلم کنی», «نمیخوام وصلم کنی به کارشناس», «نیازی به (صحبت با) کارشناس نیست», «لازم نیست
    (با) کسی زنگ بزنه»; the talking that follows is part of it."""
    j = q - 1
    while j >= 0 and tokens[j] in _A:
        j -= 1
    with_ = j >= 0 and tokens[j] in _WITH
    j -= with_  # j: the word before «با»/«به» (or before the person, without one)
    talked = j >= 1 and _talks(tokens[j]) and tokens[j - 1] in _WITH  # «به صحبت با کارشناس»
    if talked:
        j -= 2
    if j >= 0 and (_talks(tokens[j]) or tokens[j] in _DOING | _DONE_BY) and with_:
        # «نمیخوام وصلم کنی به کارشناس»: the connecting before «به», the denial before it
        while j >= 0 and (_talks(tokens[j]) or tokens[j] in _DOING | _DONE_BY | _CONNECT):
            j -= 1
    if j < 0:
        return None
    end = _talk_after(tokens, q)
    span = None
    if tokens[j] in _NEED | _BUSINESS and (with_ or talked):  # «کاری با کارشناس ندارم»
        if end < len(tokens) and tokens[end] in _NOT_NEEDED:
            span = range(j, end + 1)  # «نیازی به (صحبت با) کارشناس نیست»
    elif tokens[j] in _I_DO_NOT_WANT | _NO_NEED_TO:
        if with_ or end > q + 1 or end == len(tokens):
            span = range(j, end)  # «نمیخوام کارشناس» ending the clause, or with its talking
    elif j >= 1 and tokens[j] in _NOT_NEEDED and tokens[j - 1] in _NEED:
        span = range(j - 1, end)  # «لازم نیست (با) کسی زنگ بزنه»
    # Only a denial of the person: not of something named before it («مقاله نمیخوام، ...»).
    if span is None or (span.start > 0 and tokens[span.start - 1] not in _BEFORE_A_DENIAL):
        return None
    return span


def _talk_after(tokens: list[str], q: int) -> int:
    """Where the talking after the person word at `q` ends («زنگ بزنه», «صحبت کنم»)."""
    end = q + 1
    if end + 1 < len(tokens) and tokens[end] in _WITH and tokens[end + 1] in _ME:
        end += 2  # «لازم نیست کسی با من تماس بگیره»
    if end < len(tokens) and tokens[end] in _DONE_BY:  # «لازم نیست کارشناس بیاد»
        return end + 1
    if end < len(tokens) and (_talks(tokens[end]) or tokens[end] in _CONNECT):
        end += 1
        if end < len(tokens) and tokens[end] in _DOING | _DONE_BY:
            end += 1
    return end
