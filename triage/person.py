"""Recognise a customer asking, in plain words, to talk to a person.

Customers rarely type `/human`; they write «اپراتور», «با کارشناس صحبت کنم» or
«میخوام با یه آدم حرف بزنم». The rule: a word naming a person (or asking for a
non-bot answer) together with a verb of talking/wanting, or on its own in a
very short message. A long question that merely mentions «کارشناس» («رمز
کارشناس شبکه را فراموش کرده‌ام») is a question, not a request for a person.
A problem followed by a request is one however long it is: a person word ending a
clause of its own («دسترسی به بخش قراردادها ندارم، کارشناس لطفا») or the message
with «لطفا» or «با» by it («حسابم قفل شده کارشناس لطفا»), or «با یه نفر» with a verb
of talking («حسابم قفل شده میخوام با یه نفر صحبت کنم»).

>>> asks_for_person("با کارشناس صحبت کنم")
True
>>> asks_for_person("اپراتور")
True
>>> asks_for_person("میخوام با یه آدم حرف بزنم")
True
>>> asks_for_person("پشتیبان انسانی")
True
>>> asks_for_person("رمز عبورم را فراموش کرده‌ام")
False
>>> asks_for_person("رمز کارشناس شبکه را فراموش کرده‌ام")
False
>>> beyond_request("پرینتر خرابه، اپراتور")
'پرینتر خرابه'
>>> asks_for_person("دسترسی به بخش قراردادها ندارم، کارشناس لطفا")
True

Words refusing one («نمیخوام با کارشناس صحبت کنم», «کارشناس نمیخوام») ask for none
(triage.refusal):

>>> asks_for_person("کارشناس نمیخوام، رمزم یادم رفته")
False
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from kb.normalize import BLANK_LETTERS
from triage.latin import readings

# Longest message still read as a bare request («کارشناس لطفا», «اپراتور؟»).
SHORT_REQUEST_WORDS = 3
# Longest message inspected at all: a long text is a question even if it names a person.
MAX_REQUEST_WORDS = 14

_FOLD = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "آ",
        "\u200c": " ",  # zero-width non-joiner: «می‌خوام» and «میخوام» read the same
        "\u200d": "",
        "\u200f": "",
        "\u200e": "",
        "ـ": "",  # tatweel
        **dict.fromkeys(BLANK_LETTERS, " "),  # «ㅤ», a "blank" message, says nothing
    }
)
# Persian and Arabic-Indic digits as ASCII ones («۵» is 5), for reading numbers.
ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_DIACRITICS = re.compile(r"[\u064b-\u065f\u0670]")
_PUNCT = re.compile(r"[^\w\s]")
# Three or more of one letter (never a digit: «۱۰۰۰»), or a doubled alef («سلاام»): Persian
# words do not have them, chat does. «یی» stays («راهنمایی»).
_DRAWN_OUT = re.compile(r"([^\W\d_])\1{2,}|اا+")
_MI_PREFIX = re.compile(r"(?<!\S)(ن?می)\s+(?=\S)")
# A half-space before a possessive suffix, or «گزار» («راهنمایی‌تون», «دست‌تون», «سپاس‌گزارم»):
# joined, so the word reads as typed without it; any other becomes a space («راه‌های»).
_SUFFIX_HALF_SPACE = re.compile(
    r"\u200c(?=(?:تون|تان|مون|مان|شون|شان|م|ت|ش|ام|ات|اش|گزار\w*|گذار\w*)(?![^\W\d_]))"
)


def _default_normalizer() -> Callable[[str], str] | None:
    """Return the KB's normalizer when it is available (Arabic letters, digits, spacing)."""
    try:
        from kb.normalize import normalize
    except ImportError:  # the KB normalizer is optional for this rule
        return None
    return normalize


def fold(text: str) -> str:
    """Fold letter variants, half-spaces, diacritics and punctuation; join «می» to its verb
    and a suffix to its word («صبح‌تون» reads «صبحتون»); shorten a letter drawn out for
    emphasis («سلاااام», «مرسییی»)."""
    text = _SUFFIX_HALF_SPACE.sub("", text)
    text = _DIACRITICS.sub("", text.translate(_FOLD)).lower()
    text = _PUNCT.sub(" ", text)
    text = _DRAWN_OUT.sub(lambda drawn: drawn.group(0)[0], text)
    text = _MI_PREFIX.sub(r"\1", text)
    return " ".join(text.split())


def _folded(*words: str) -> tuple[str, ...]:
    """The word lists are matched against folded text, so they are folded too («مسئول»)."""
    return tuple(fold(word) for word in words)


# Words that name a person rather than the bot (prefix match on folded tokens).
_PERSON_PREFIXES = _folded(
    "کارشناس",
    "اپراتور",
    "اوپراتور",
    "انسان",
    "نماینده",
    "ادمین",
    "تکنسین",
    "operator",
    "human",
    "agent",
    "admin",
    "person",
    "karshenas",
    "operat",
)
# Whole words that name a person («آدم»).
_PERSON_WORDS = frozenset(_folded("آدم", "آدمی", "ادم", "ادمی", "ensan", "adam"))
# Words that name a person only sometimes: «پشتیبانی» is also the service («شماره تلفن
# پشتیبانی», «تمدید قرارداد پشتیبانی»), «نسخه پشتیبان» a backup, «کسی» and «نفر» anyone
# («چه کسی ویرایش کرده», «پنج نفر اضافه کنم»), «کارمند» and «مسئول» whom a question is about.
# They ask for a person only in a message that says nothing else («با پشتیبانی صحبت کنم»,
# «یه نفر جواب بده», «کسی هست؟»).
_SOMETIMES_PERSON_PREFIXES = _folded(
    "پشتیبان", "کارمند", "مسئول", "مسول", "poshtiban", "masool", "masoul", "masul"
)  # fmt: skip
# «مدیر» and «سرپرست» too, the manager a customer may ask for («مدیر میخوام», «با سرپرستتون
# صحبت کنم»), and the portal's role elsewhere («اختیارات مدیر سامانه»); whole words only:
# «مدیریت», «مدیرمون» are what a question is about.
_SOMETIMES_PERSON_WORDS = frozenset(
    _folded(
        "کسی", "نفر", "شخص", "فرد", "مدیر", "مدیرتون", "مدیرتان", "سرپرست", "سرپرستتون",
        "nafar", "kasi", "shakhs", "fard", "modir",
    )
)  # fmt: skip
# «یکی» is "someone" only as whom to talk with («با یکی صحبت کنم»); elsewhere it is "one of".
_SOMEONE = re.compile(r"(?<!\S)(?:با یکی|ba yeki)(?!\S)")
# «با پشتیبانی», «به یه نفر»: whom the customer would talk with, as Finglish reads too.
_TO_WHOM = frozenset(_folded("با", "به", "ba", "be"))
# Words before a person word that make it a role: «دسترسی ادمین», «نقش مدیر», «پنل کارشناس».
_ROLE_OF = frozenset(
    _folded(
        "نقش", "دسترسی", "پنل", "حساب", "اکانت", "سطح", "کاربر", "یوزر", "رمز", "پسورد", "ایمیل",
        "اسم", "نام",
    )
)  # fmt: skip
# Words after a person word that make it the object of something else the customer does
# («ادمین رو عوض کنم», «ادمین جدید تعریف کنم»), in a message with no verb of talking.
_OBJECT_AFTER = frozenset(_folded("رو", "را", "جدید", "قبلی", "ro", "ra", "jadid"))
# Verbs after a person word that make the customer one: «ادمین بشم», «کارشناس شدم».
_BECOME = frozenset(
    _folded("بشم", "بشوم", "شوم", "بشه", "بشود", "بشیم", "شدن", "شده", "شدم", "هستم", "باشم")
)
# Verbs of talking, connecting or calling (prefix match).
_TALK_PREFIXES = _folded(
    "صحبت",
    "حرف",
    "گفتگو",
    "گفتوگو",
    "چت",
    "تماس",
    "وصل",
    "ارتباط",
    "تلفن",
    "زنگ",
    "talk",
    "speak",
    "chat",
    "contact",
    "call",
    "connect",
    "sohbat",
    "harf",
    "tamas",
    "vasl",
    "ertebat",
    "zang",
    "جواب",  # «یه نفر جواب بده»: asking for an answer from a person
)
# Words that start like a verb of talking but are not one: «پشتیبانی تلفنی» is a kind.
_NOT_TALK = frozenset(_folded("تلفنی", "telefoni"))
# Talking named as a thing, not done («تماس با پشتیبانی» is a topic, «تماس بگیرم» a wish).
_TALK_NOUNS = frozenset(
    _folded("تماس", "ارتباط", "صحبت", "گفتگو", "چت", "تلفن", "tamas", "ertebat", "sohbat")
)
# Verbs that make talking done: «صحبت کنم», «تماس بگیرم», «حرف بزنم».
_DOING = frozenset(
    _folded(
        "کنم", "بکنم", "کنید", "کنین", "کن", "بکنید", "بزنم", "بزنید", "بده", "بدید", "بدین",
        "بدهید", "بگیرم", "بگیرید", "بشم", "konam", "konid", "konin", "bezanam", "bezanid",
        "begiram",
    )
)  # fmt: skip
# A question about support, not a request for it: «چطور با پشتیبانی تماس بگیرم»,
# «پشتیبانی آنلاین دارید؟» (with «؟»).
_HOW = frozenset(_folded("چطور", "چطوری", "چگونه", "چجوری", "چجور", "chetor", "chetori"))
_HAVE = frozenset(_folded("دارید", "دارین", "دارن", "darid", "darin"))
_ASKS = re.compile("[?؟]")
# Verbs of wanting (prefix match, after «می»/«نمی» are joined to the verb).
_WANT_PREFIXES = _folded(
    "میخوا", "میخا", "خواست", "بخوا", "لازم", "نیاز", "need", "want", "mikham"
)  # fmt: skip
# Phrases that ask for anything but the bot («ربات نه», «نمیخوام با ربات»).
_NOT_BOT = re.compile(
    r"(ربات|بات|bot)\s*(نه|نمیخوا|نمیخا|بسه|کافیه)"
    r"|(نمیخوا|نمیخا|نه|nemikh)\w*\s+((?:با|ba)\s+)?(ربات|ربت|بات|bot|robot)"
)


# Words that only shape a request for a person («با یه کارشناس واقعی صحبت کنم», «وصلم کنید
# لطفا»): what is left without them, the person and the talking is a question of its own.
_REQUEST_GLUE = frozenset(
    _folded(
        "با", "به", "یه", "یک", "یکی", "رو", "را", "من", "منو", "مرا", "لطفا", "لطفاً", "لطفن",
        "میشه", "میشود", "ممکنه", "امکانش", "امکان", "هست", "هستش", "داره", "دارید", "دارین",
        "کنم", "بکنم", "کنید", "کنین", "کن", "بکنید", "بزنم", "بزنید", "بده", "بدید", "بدین",
        "بدهید", "بگیرم", "واقعی", "زنده", "انسانی", "خود", "پشتیبانی", "آنلاین", "انلاین",
        "الان", "همین", "فوری", "سریع", "ربات", "بات", "نه", "نمیخوام", "نمیخواهم", "بسه",
        "کافیه", "آقا", "خانم", "عزیز", "جان", "و", "هم", "please", "pls", "with", "to", "a",
        "an", "i", "the", "real", "live", "bot", "no", "lotfan", "ba", "ye", "yek", "yeki", "be",
        "ro", "man", "mishe", "konam", "konid", "konin", "bezanam", "bezanid", "begiram",
        "از", "اونجا", "آنجا", "انجا", "نیست", "نیستید", "az", "oonja", "unja", "nist",
        "میتونم", "میتونیم", "میتوانم", "بتونم", "ولی", "اما", "nemikham", "robot", "mitoonam",
        "vali",
    )
)  # fmt: skip


def beyond_request(text: str) -> str:
    """Return what a request for a person says besides asking for one (folded): «پرینتر
    خرابه، اپراتور» leaves «پرینتر خرابه»; «با یه آدم واقعی حرف بزنم» leaves nothing."""
    # As typed, or as read from Finglish or the wrong keyboard layout: the reading that asks
    # for a person with the fewest other words.
    asking = [fold(r) for r in readings(text) if _asks_in(r)]
    rests = [_besides_asking(c.split()) for c in asking or [fold(text)]]
    return min(rests, key=lambda rest: len(rest.split()))


def _asks_in(text: str) -> bool:
    """Whether `text` (unfolded: its punctuation parts clauses) asks for a person."""
    asks = _ASKS.search(text) is not None
    return _looks_like_request(fold(text), asks) or _asks_in_a_clause(text)


# What ends a clause: «پرینتر خرابه، اپراتور», «دسترسی ندارم. لطفا با کارشناس» (a point
# between digits is a number: «نسخه ۲.۵»).
_CLAUSE_END = re.compile(r"[،,؛;!?؟\n]|(?<!\d)\.|\.(?!\d)")
# Politeness after a person word that makes it a request («... قفل شده کارشناس لطفا»).
_PLEASE = frozenset(_folded("لطفا", "لطفاً", "لطفن", "please", "pls", "plz", "lotfan"))
# Words right before a person word ending a message that make it whom to talk with: «دسترسی
# ندارم لطفا با کارشناس»; not «به» («درخواست دادم به ادمین»: whom something went to).
_TALK_WITH = frozenset(_folded("با", "لطفا", "لطفاً", "لطفن", "ba", "lotfan"))
_A = frozenset(_folded("یه", "یک", "ye", "yek"))
# «با یه نفر», «با یکی», «با کسی» (a «واقعی» one, maybe): someone to talk with when a verb of
# talking follows («میخوام با یه نفر صحبت کنم»), or ends the clause after one («صحبت کنم با یکی»).
_WITH_SOMEONE = re.compile(
    r"(?<!\S)(?:با|ba) (?:(?:یه|یک|ye|yek) )?(?:نفر|یکی|کسی|شخص|فرد|nafar|yeki|kasi)"
    r"(?: (?:واقعی|زنده|vaghei|real))?(?!\S)"
)


# «با کارشناس کار دارم»: business with a person, the customer's (not «… کار دارم با فایل»).
_BUSINESS = frozenset(_folded("کار", "کاری", "kar", "kari"))
_I_HAVE = frozenset(_folded("دارم", "داریم", "داشتم", "daram"))
_WITH = frozenset(_folded("با", "ba"))
# «… کار داشتم ولی مشکلم حل شد»: the business is over, or put off.
_BUT = frozenset(_folded("ولی", "اما", "ولیکن", "vali", "ama"))


def _business_with(tokens: list[str]) -> bool:
    """«با کارشناس کار دارم», «با یه مدیر کار داشتم»: the customer has business with a
    person (a word naming one only sometimes too: «با مدیرتون کار دارم»); not with «ولی»
    after it («با کارشناس کار داشتم ولی مشکلم حل شد»)."""
    if _BUT & set(tokens):
        return False
    for i in range(len(tokens) - 3):
        if tokens[i] not in _WITH:
            continue
        q = i + 1 + (tokens[i + 1] in _A)
        if (
            q + 2 < len(tokens)
            and _names_person(tokens, q, sometimes=True)
            and tokens[q + 1] in _BUSINESS
            and tokens[q + 2] in _I_HAVE
        ):
            return True
    return False


def _asks_in_a_clause(text: str) -> bool:
    """Whether a clause of a message, however long, asks for a person although the message
    says more: a person word ending a clause that is nothing but the request («دسترسی ندارم،
    کارشناس لطفا»), or ending the message after «لطفا»/«با» or before «لطفا» («حسابم قفل شده
    کارشناس لطفا»); or «با یه نفر» with a verb of talking («حسابم قفل شده میخوام با یه نفر
    صحبت کنم»). Only a word that always names a person counts at a clause's end: «پشتیبانی»
    and «کسی» are often the topic («تمدید قرارداد پشتیبانی»)."""
    pieces = re.split(f"({_CLAUSE_END.pattern})", text)  # each clause, then what ends it
    ends = [*pieces[1::2], ""]
    read = [(fold(clause).split(), end) for clause, end in zip(pieces[::2], ends, strict=True)]
    clauses = [(tokens, end) for tokens, end in read if tokens]
    for n, (tokens, end) in enumerate(clauses):
        if _HOW & set(tokens):
            continue  # asks how to reach someone («چطوری با یه نفر صحبت کنم»)
        if _with_someone(tokens) or _person_ends(tokens, last=n == len(clauses) - 1):
            return True
        if _calls_back(tokens):  # «حسابم قفل شده، لطفا با من تماس بگیرید»
            return True
        # «با ادمین کار دارم؟» asks whether an admin is needed; the rest of the message may
        # take it back («… ولی الان نه»)
        later = [token for tokens_after, _ in clauses[n + 1 :] for token in tokens_after]
        if not _ASKS.search(end) and not _BUT & set(later) and _business_with(tokens):
            return True
    return False


def _person_ends(tokens: list[str], *, last: bool) -> bool:
    """Whether a clause asks for someone a word always names: a clause that is nothing but
    the request («، کارشناس لطفا», «. لطفا با یه اپراتور», «، یه آدم واقعی میخوام»); or, ending
    the message, a person word with «لطفا» after it or «لطفا»/«با» before it («حسابم قفل شده
    کارشناس لطفا»; not «رمز ادمین» nor «گزارش عملکرد کارشناس»: whose something is)."""
    core = [
        i
        for i, token in enumerate(tokens)
        if (token.startswith(_PERSON_PREFIXES) or token in _PERSON_WORDS)
        and _names_person(tokens, i)
    ]
    if not core:
        return False
    if not _besides_asking(tokens):
        return True
    end = len(tokens)
    while end > 0 and tokens[end - 1] in _PLEASE:
        end -= 1
    if not last or end - 1 not in core:
        return False
    before = [token for token in tokens[: end - 1] if token not in _A][-1:]
    return end < len(tokens) or bool(_TALK_WITH & set(before))


# «نمیخوام», «نیازی نیست», «لازم نیست»: a wish or a need denied (folded: «می» joined on).
_NEGATED_WANT = re.compile(
    r"(?<!\S)(?:نمیخوا|نمیخا|nemikh)\S*"
    r"|(?<!\S)(?:نیازی|لازم|niazi|lazem)\s+(?:نیست|نیس|nist)(?!\S)"
)


def _with_someone(tokens: list[str]) -> bool:
    """«با یه نفر» (or «یکی», «کسی») followed by a verb of talking that is asked for, not told
    («صحبت کنم», or «میخوام» before it; not «با یکی صحبت کردم»), or ending the clause right
    after one («حرف بزنم با یه نفر»)."""
    folded = " ".join(tokens)
    for match in _WITH_SOMEONE.finditer(folded):
        after = folded[match.end() :].split()
        before = folded[: match.start()].split()
        # «نمیخوام با یه نفر صحبت کنم», «نیازی نیست با کسی…»: the opposite; a denial further
        # back is of something else («نمیخوام منتظر بمونم میخوام با یه نفر صحبت کنم»).
        if _NEGATED_WANT.search(" ".join(before[-3:])):
            continue
        asked = (len(after) > 1 and after[1] in _DOING) or _has_prefix(before, _WANT_PREFIXES)
        if after and _talks(after[0]) and asked:
            return True
        if not after and len(before) >= 2 and _talks(before[-2]) and before[-1] in _DOING:
            return True
    return False


# «با من تماس بگیرید», «مدیر زنگ بزنه»: the desk asked to call the customer. A call asked of
# «you» needs the customer named («با من», «باهام», «بهم»): «با پشتیبانی تماس بگیرید» alone is
# what the portal's error messages say, pasted; one asked of someone (3rd person) needs the
# someone or the customer named («کارشناس زنگ بزنه», «یکی باهام تماس بگیره»).
_CALL = _folded("تماس", "زنگ", "tamas", "zang")
_CALL_YOU = frozenset(
    _folded("بگیرید", "بگیرین", "بزنید", "بزنین", "begirid", "begirin", "bezanid", "bezanin")
)
_CALL_THEY = frozenset(_folded("بگیره", "بگیرن", "بزنه", "بزنن", "begire", "begiran", "bezane"))
_ME = frozenset(
    _folded("باهام", "بهم", "باهامون", "بهمون", "baham", "behem", "bahamoon")
)  # fmt: skip
_WITH_ME = re.compile(r"(?<!\S)(?:(?:با|به|ba|be) (?:من|ما|man|ma)|" + "|".join(_ME) + r")(?!\S)")


def _calls_back(tokens: list[str]) -> bool:
    """Whether the message is nothing but asking the desk to call the customer («لطفا با من
    تماس بگیرید», «مدیر زنگ بزنه»); not a call the customer would make («زنگ بزنم»), nor a
    question about one («چطور با شما تماس بگیرم»)."""
    if _HOW & set(tokens):
        return False
    folded = " ".join(tokens)
    for i in range(len(tokens) - 1):
        verb = tokens[i + 1]
        if not tokens[i].startswith(_CALL) or not (verb in _CALL_YOU or verb in _CALL_THEY):
            continue
        someone = (
            any(
                _names_person(tokens, j, sometimes=True) and tokens[j - 1 : j] != ["با"]
                for j in range(i)
            )
            or _SOMEONE_CALLS.search(" ".join(tokens[:i])) is not None
        )
        if not (_WITH_ME.search(folded) or (verb in _CALL_THEY and someone)):
            continue
        rest = _besides_asking(tokens).split()
        return not [token for token in rest if token not in _CALL_YOU | _CALL_THEY | _ME]
    return False


# «یکی», «یه نفر» calling: someone asked to (not «با یکی»).
_SOMEONE_CALLS = re.compile(r"(?<!\S)(?:یکی|yeki)(?!\S)")


def _besides_asking(tokens: list[str]) -> str:
    return " ".join(
        token
        for i, token in enumerate(tokens)
        if not (
            _names_person(tokens, i, sometimes=True)
            or token in _PERSON_WORDS
            or token in _SOMETIMES_PERSON_WORDS
            or token in _REQUEST_GLUE
            or _talks(token)
            or token.startswith(_WANT_PREFIXES)
        )
    )


def _has_prefix(tokens: list[str], prefixes: tuple[str, ...]) -> bool:
    return any(token.startswith(prefixes) for token in tokens)


def _talks(token: str) -> bool:
    return token.startswith(_TALK_PREFIXES) and token not in _NOT_TALK


def _looks_like_request(folded: str, asks: bool = False) -> bool:
    """Whether the folded message asks for a person; `asks`: it has a question mark."""
    tokens = folded.split()
    if not tokens or len(tokens) > MAX_REQUEST_WORDS:
        return False
    if _NOT_BOT.search(folded):
        return True
    if _HOW & set(tokens) or (asks and _HAVE & set(tokens)):
        return False  # asks about talking to someone («چطور با پشتیبانی تماس بگیرم»)
    if _calls_back(tokens):
        return True
    talks = any(_talks(token) for token in tokens)
    # With no talking, and words besides the request, a person word with «رو» or «جدید»
    # after it is an object («میخوام ادمین رو عوض کنم»), not someone to talk to.
    objects = not talks and bool(_besides_asking(tokens))
    names_person = _SOMEONE.search(folded) is not None or any(
        _names_person(tokens, i, objects=objects) for i in range(len(tokens))
    )
    if not names_person and not _sometimes_asks(tokens):
        return False
    if len(tokens) <= SHORT_REQUEST_WORDS or not _besides_asking(tokens):
        return True  # short, or only a request however worded («یه آدم واقعی لطفا»)
    return talks or _has_prefix(tokens, _WANT_PREFIXES)


def _sometimes_asks(tokens: list[str]) -> bool:
    """Whether a word that names a person only sometimes («پشتیبانی», «کسی») does so here:
    in a message that is nothing but a request («کسی هست؟», «با پشتیبانی صحبت کنم»), or with
    «با»/«به» before it and a verb of talking, one other word at most («میشه با پشتیبانی فنی
    صحبت کنم»); not «شماره تماس پشتیبانی» nor «راه‌های تماس با پشتیبانی»."""
    where = [i for i in range(len(tokens)) if _names_person(tokens, i, sometimes=True)]
    if not where:
        return False
    if _TALK_NOUNS & set(tokens) and not (
        _DOING & set(tokens) or _has_prefix(tokens, _WANT_PREFIXES)
    ):
        return False  # talking named, not asked for: «تماس با پشتیبانی» is a topic
    rest = _besides_asking(tokens).split()
    if not rest or _greeting(" ".join(rest)):
        return True  # nothing but the request, or a hello with it («سلام کسی هست؟»)
    addressed = any(_TO_WHOM & set(tokens[max(0, i - 2) : i]) for i in where)
    return addressed and any(_talks(token) for token in tokens) and len(rest) <= 1


def _greeting(text: str) -> bool:
    from triage.smalltalk import small_talk  # small talk folds with this module

    return small_talk(text) == "greeting"


def _names_person(
    tokens: list[str], i: int, *, sometimes: bool = False, objects: bool = False
) -> bool:
    """Whether the i-th word names a person to talk to, not a role («نقش ادمین», «ادمین بشم»);
    with `sometimes`, also a word that does so only in a bare request («پشتیبانی», «کسی»);
    with `objects`, not one with «رو» or «جدید» after it («ادمین رو عوض کنم»)."""
    token = tokens[i]
    names = token.startswith(_PERSON_PREFIXES) or token in _PERSON_WORDS
    if sometimes and not names:
        names = token.startswith(_SOMETIMES_PERSON_PREFIXES) or token in _SOMETIMES_PERSON_WORDS
    if not names:
        return False
    before = tokens[i - 1] if i > 0 else ""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if objects and after in _OBJECT_AFTER:
        return False
    return before not in _ROLE_OF and after not in _BECOME


class PersonRequestDetector:
    """Decide whether a message asks for a person; normalizer injectable for tests."""

    def __init__(self, normalizer: Callable[[str], str] | None = None) -> None:
        self.normalizer_ = normalizer

    def __call__(self, text: str) -> bool:
        """Return True when `text` asks to talk to a person."""
        if not isinstance(text, str) or not text.strip():
            return False
        from triage.refusal import without_refusals  # refusals are read with this module's words

        # Typed on an English keyboard layout («fh ;hvakhs wpfj ;kl») or in Finglish; a
        # person refused («کارشناس نمیخوام») is asked for by none of the words refusing one.
        if any(_asks_in(without_refusals(reading)) for reading in readings(text)):
            return True
        if self.normalizer_ is None:
            return False
        try:
            # the refusal read first, in the words as typed: normalizing loses the commas
            # that part its clauses («اپراتور نه، ربات جواب بده» became «نه ربات»)
            normalized = self.normalizer_(without_refusals(text))
        except Exception:  # a normalizer bug must never stop the conversation
            return False
        return _looks_like_request(fold(normalized), _ASKS.search(text) is not None)


_detector: PersonRequestDetector | None = None


# Each message is read several times on its way (triage, the refusal, the ticket's question):
# a millisecond each for a long one, so the last few readings are kept.
READ_CACHE = 2048


@lru_cache(maxsize=READ_CACHE)
def asks_for_person(text: str) -> bool:
    """Return True when `text` asks, in plain words, to talk to a person."""
    global _detector
    if _detector is None:
        _detector = PersonRequestDetector(_default_normalizer())
    return _detector(text)
