"""Recognise a customer refusing a person, so that no ticket is forced on them.

A refusal is a denial that governs the person word itself: right after it («کارشناس (رو)
نمیخوام», «کارشناس لازم نیست», «کارشناس نه»), before it with only «با»/«به» between
(«نمیخوام با کارشناس صحبت کنم», «نمیخواد به کارشناس وصلم کنی», «نیازی به کارشناس نیست»,
«لازم نیست با یه اپراتور صحبت کنم»), or connecting denied after it («به کارشناس وصل
نکنید»). A denial of something else near one («نمیخوام منتظر بمونم با کارشناس وصلم کن»),
another's unwillingness («کارشناستون نمیخواد جواب بده») or a refused bot («ربات نمیخوام،
کارشناس») refuses nobody.

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

# «نمیخوام»: I do not want (folded: «می» joined to its verb).
_I_DO_NOT_WANT = frozenset(
    _folded("نمیخوام", "نمیخواهم", "نمیخوایم", "نمیخواهیم", "نمیخام", "nemikham", "nemikhaam")
)
# «نمیخواد به کارشناس وصلم کنی»: no need to (only before the person: after one, it is the
# person who does not want to, «کارشناس نمیخواد جواب بده»).
_NO_NEED_TO = frozenset(_folded("نمیخواد", "نمیخاد", "nemikhad"))
_NEED = frozenset(_folded("نیازی", "نیاز", "لازم", "احتیاجی", "احتیاج", "niazi", "niaz", "lazem"))
_NOT_NEEDED = frozenset(_folded("نیست", "نیس", "ندارم", "نداریم", "nist", "nadaram"))
_WITH = frozenset(_folded("با", "به", "ba", "be"))
_A = frozenset(_folded("یه", "یک", "ye", "yek"))
_OBJECT = frozenset(_folded("رو", "را", "ro", "ra"))
_NO = frozenset(_folded("نه", "na"))
_CONNECT = frozenset(_folded("وصل", "وصلم", "vasl", "vaslam"))
_DO_NOT = ("نکن", "nakon")  # «نکنید», «نکنین», «نکن»
# What a refusal may say besides and still ask nothing («نه، خودم حلش میکنم», «فقط جواب بده»).
_NOTHING_ASKED = frozenset(
    _folded(
        "نه", "فعلا", "اصلا", "خودم", "حل", "حلش", "درست", "درستش", "میکنم", "میکنیم", "لطفا",
        "لطفاً", "فقط",
        "ممنون", "مرسی", "باشه", "جواب", "بده", "بدید", "بدین", "خودت", "خودتون", "na", "felan",
        "khodam", "lotfan", "merci", "mersi", "faghat",
    )
)  # fmt: skip


@lru_cache(maxsize=READ_CACHE)
def refused_person(text: str) -> str | None:
    """What a message refusing a person says besides («نمیخوام با کارشناس صحبت کنم، شماره
    تماس پشتیبانی چنده» leaves «شماره تماس پشتیبانی چنده»; «کارشناس نمیخوام» leaves ""),
    for the KB; None when it refuses none, or asks for one (elsewhere in it, or by refusing
    the bot). Read as typed, or from Finglish or the wrong keyboard layout."""
    if not isinstance(text, str) or asks_for_person(text):
        return None
    for reading in readings(text):
        if _NOT_BOT.search(fold(reading)):
            return None
        said, refused = _besides_refusals(reading)
        if refused:
            words = _CLAUSE_END.sub(" ", said).split()
            return "" if set(words) <= _NOTHING_ASKED else " ".join(words)
    return None


def without_refusals(text: str) -> str:
    """`text` less the words that refuse a person (all of it when it refuses the bot: «ربات
    نمیخوام، کارشناس» asks for one)."""
    if _NOT_BOT.search(fold(text)):
        return text
    return _besides_refusals(text)[0]


def _besides_refusals(text: str) -> tuple[str, bool]:
    """`text` with the words of each refusal of a person taken out (clause by clause, each
    with the mark that ends it), and whether there were any."""
    cuts = [match.end() for match in _CLAUSE_END.finditer(text)]
    kept, refused = [], False
    for i, j in zip([0, *cuts], [*cuts, len(text)], strict=True):
        clause = text[i:j]
        tokens = fold(clause).split()
        span = _refusal(tokens)
        if span is None:
            kept.append(clause)
            continue
        refused = True
        mark = re.search(rf"(?:{_CLAUSE_END.pattern})\s*$", clause)
        rest = " ".join(t for n, t in enumerate(tokens) if n not in span)
        kept.append(rest + (mark.group() if mark else " "))
    return "".join(kept), refused


def _refusal(tokens: list[str]) -> range | None:
    """Where in a clause (folded words) a person is refused, or None."""
    for q, token in enumerate(tokens):
        always = token.startswith(_PERSON_PREFIXES) or token in _PERSON_WORDS
        if always and _names_person(tokens, q):
            span = _denied_after(tokens, q) or _denied_before(tokens, q)
        elif _names_person(tokens, q, sometimes=True):
            span = _denied_before(tokens, q)  # «پشتیبانی نمیخوام» may be of a service
        else:
            continue
        if span is not None:
            return span
    return None


def _denied_after(tokens: list[str], q: int) -> range | None:
    """«کارشناس (رو) نمیخوام», «کارشناس لازم نیست», «کارشناس نه», «کارشناس وصل نکنید»."""
    start = q - 1 if q > 0 and tokens[q - 1] in _WITH else q  # «به کارشناس وصل نکنید»
    i = q + 1 + (q + 1 < len(tokens) and tokens[q + 1] in _OBJECT)
    first, second = [*tokens, "", ""][i : i + 2]
    if first in _I_DO_NOT_WANT or (i == q + 1 and first in _NO):
        return range(start, i + 1)
    if (first in _NEED and second in _NOT_NEEDED) or (
        first in _CONNECT and second.startswith(_DO_NOT)
    ):
        return range(start, i + 2)
    return None


def _denied_before(tokens: list[str], q: int) -> range | None:
    """«نمیخوام با (یه) کارشناس صحبت کنم», «نمیخواد به کارشناس وصلم کنی», «نیازی به کارشناس
    نیست», «لازم نیست (با) کسی زنگ بزنه»; the talking that follows is part of it."""
    j = q - 1
    while j >= 0 and tokens[j] in _A:
        j -= 1
    with_ = j >= 0 and tokens[j] in _WITH
    j -= with_  # j: the word before «با»/«به» (or before the person, without one)
    after = tokens[q + 1] if q + 1 < len(tokens) else ""
    if j < 0:
        return None
    if with_ and tokens[j] in _NEED and after in _NOT_NEEDED:
        return range(j, q + 2)
    if with_ and tokens[j] in _I_DO_NOT_WANT | _NO_NEED_TO:
        start = j
    elif j >= 1 and tokens[j] in _NOT_NEEDED and tokens[j - 1] in _NEED:
        start = j - 1  # «لازم نیست (با) کسی زنگ بزنه»
    else:
        return None
    end = q + 1
    if end < len(tokens) and (_talks(tokens[end]) or tokens[end] in _CONNECT):
        end += 1
        if end < len(tokens) and tokens[end] in _DOING | _DONE_BY:
            end += 1
    return range(start, end)


# «وصلم کنی», «زنگ بزنه»: talking done by the bot or by someone, not by the customer.
_DONE_BY = frozenset(_folded("کنی", "بکنی", "بدی", "بزنی", "کنه", "بکنه", "بزنه", "بده", "koni"))
