"""Latin-script input: Persian typed on an English keyboard layout, and Finglish.

A message with Latin letters and no Persian letter may be Persian typed with the wrong keyboard
layout ("sghl" → "سلام") or Persian written in Latin letters ("salam, pardakht anjam nashod").
`persian_candidates` returns both readings; the caller scores each against the KB and applies its
usual confidence rule (so real English, which also yields candidates, is rejected there). Text
that mixes Persian and Latin letters (product names in a Persian sentence) is never converted.

Finglish is ambiguous (medial short vowels are not written in Persian, "s" may be س ص ث, ...), so
each word is spelled by a lattice of options with costs: the cheapest path is the rule-based
default, and when a vocabulary is known the cheapest path that spells a known word (optionally
with a verb prefix می/نمی or a clitic such as م، ت، ها) wins. Prefix sets of the vocabulary
prune the search, so a 10-word sentence takes well under a millisecond.
"""

from __future__ import annotations

import heapq
import json
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from kb.normalize import has_latin, has_persian, normalize

__all__ = ["finglish_to_persian", "layout_to_persian", "persian_candidates", "persian_readings"]

# --- keyboard layout ------------------------------------------------------------------------------

# US key → Persian character on the standard Persian keyboard (ISIRI 9147, "Persian (Standard)"
# on Windows; the same letter keys as the older Windows "Persian" layout). Backslash gives پ as
# on the older layout: a literal backslash in a chat message is far rarer than پ.
_LAYOUT_KEYS: dict[str, str] = {
    "`": "\u200d", "1": "۱", "2": "۲", "3": "۳", "4": "۴", "5": "۵", "6": "۶", "7": "۷",
    "8": "۸", "9": "۹", "0": "۰",
    "q": "ض", "w": "ص", "e": "ث", "r": "ق", "t": "ف", "y": "غ", "u": "ع", "i": "ه", "o": "خ",
    "p": "ح", "[": "ج", "]": "چ", "\\": "پ",
    "a": "ش", "s": "س", "d": "ی", "f": "ب", "g": "ل", "h": "ا", "j": "ت", "k": "ن", "l": "م",
    ";": "ک", "'": "گ",
    "z": "ظ", "x": "ط", "c": "ز", "v": "ر", "b": "ذ", "n": "د", "m": "پ", ",": "و",
    # Shifted keys (ISIRI 9147) that give letters or Persian punctuation.
    "~": "÷", "@": "٬", "#": "٫", "$": "﷼", "%": "٪", "^": "×", "&": "،", "(": ")", ")": "(",
    "_": "ـ", "{": "}", "}": "{", "O": "]", "P": "[", '"': "؛", "<": ">", ">": "<", "?": "؟",
    "A": "ؤ", "S": "ئ", "D": "ي", "F": "إ", "G": "أ", "H": "آ", "J": "ة", "Z": "ك", "C": "ژ",
    "M": "ء", "B": "\u200c",
}
# Shift+Q…I, K, L, X, V, N type diacritics or guillemets; a capital there is far more likely a
# capitalised first letter than a deliberate diacritic, so it types the unshifted letter.
for _key in "QWERTYUIKLXVN":
    _LAYOUT_KEYS[_key] = _LAYOUT_KEYS[_key.lower()]
_LAYOUT_TABLE = str.maketrans(_LAYOUT_KEYS)
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z0-9]*[A-Z]\b")


def layout_to_persian(text: str) -> str:
    """Return what `text` would read as if typed with the Persian keyboard layout ("sghl" → "سلام").

    Words in capitals throughout are taken as Caps Lock and typed as lowercase keys.
    """
    if not isinstance(text, str):
        return ""
    text = _CAPS_WORD.sub(lambda m: m.group().lower(), text)
    return text.translate(_LAYOUT_TABLE)


# Persian letter → the US letter key that types it (letter keys only: what commands are made of).
_KEYS_OF_LETTERS = {
    persian: key for key, persian in _LAYOUT_KEYS.items() if key.isalpha() and key.islower()
}


def layout_to_latin(text: str) -> str | None:
    """Return the US-layout letters typed as `text` on the Persian layout ("زمخسث" → "close"),
    or None when `text` is not made of such letters only."""
    if not text or any(c not in _KEYS_OF_LETTERS for c in text):
        return None
    return "".join(_KEYS_OF_LETTERS[c] for c in text)


# --- Finglish: spelling lattice -------------------------------------------------------------------

_Options = tuple[tuple[str, float], ...]

# Consonants: the first option is the rule-based default; the others cost more.
_CONSONANTS: dict[str, _Options] = {
    "b": (("ب", 0),),
    "p": (("پ", 0),),
    "t": (("ت", 0), ("ط", 1)),
    "j": (("ج", 0),),
    "ch": (("چ", 0),),
    "h": (("ه", 0), ("ح", 1)),
    "kh": (("خ", 0), ("خو", 1)),  # خو for خواستن, خواهش: "khastam" → خواستم
    "d": (("د", 0),),
    "z": (("ز", 0), ("ض", 1), ("ظ", 1), ("ذ", 1)),
    "r": (("ر", 0),),
    "zh": (("ژ", 0),),
    "s": (("س", 0), ("ص", 1), ("ث", 1.5)),
    "sh": (("ش", 0),),
    "gh": (("ق", 0), ("غ", 0.5)),
    "q": (("ق", 0), ("غ", 1)),
    "f": (("ف", 0),),
    "ph": (("ف", 0),),
    "k": (("ک", 0),),
    "ck": (("ک", 0),),
    "g": (("گ", 0),),
    "l": (("ل", 0),),
    "m": (("م", 0),),
    "n": (("ن", 0),),
    "v": (("و", 0),),
    "w": (("و", 0),),
    "y": (("ی", 0),),
    "x": (("کس", 0), ("خ", 1)),
    "c": (("ک", 0), ("س", 1), ("چ", 1)),
    "'": (("ع", 0), ("", 0.5), ("ء", 1), ("ئ", 1)),  # ta'mir → تعمیر
}

# Vowels by position. Persian writes long vowels (ا و ی) and leaves short ones (a e o) out inside a
# word, but Finglish writes "a" for both ā and a: so a medial "a" is dropped by default and ا costs
# a little. Word-final e → ه, final a → ا, final o → و; initial vowels need an alef carrier.
_VOWELS_INITIAL: dict[str, _Options] = {
    "a": (("ا", 0), ("آ", 1), ("ع", 1), ("عا", 1.5)),
    "aa": (("آ", 0), ("ا", 1), ("عا", 1)),
    "e": (("ا", 0), ("ع", 1), ("ای", 1)),
    "i": (("ای", 0), ("ا", 1), ("عی", 1.5)),
    "ee": (("ای", 0),),
    "o": (("ا", 0), ("او", 1), ("ع", 1), ("آ", 1.5)),
    "u": (("او", 0), ("آ", 1), ("عو", 1.5), ("ا", 1.5)),
    "ei": (("ای", 0),),
}
_VOWELS_MEDIAL: dict[str, _Options] = {
    "a": (("", 0), ("ا", 1), ("ع", 1.5), ("عا", 2)),
    "aa": (("ا", 0), ("اع", 1), ("عا", 1), ("آ", 1), ("اعا", 1.5)),
    "e": (("", 0), ("ی", 1.5), ("ع", 1.5), ("ه", 1.5)),
    "i": (("ی", 0), ("ای", 1), ("", 1.5), ("یی", 1.5), ("ئی", 1.5)),
    "ee": (("ی", 0),),
    "o": (("", 0), ("و", 1), ("ع", 1.5)),
    "u": (("و", 0), ("", 2.5)),  # "oo"/"u" is almost always written و
    "ei": (("ی", 0), ("ئی", 1)),
}
_VOWELS_FINAL: dict[str, _Options] = {
    "a": (("ا", 0), ("ه", 1), ("ع", 1.5)),
    "aa": (("ا", 0),),
    # A final "e" that is not part of a known word is either the ezafe ("ramze oboor" → رمز
    # عبور, not written) or the spoken "is" ("chande?" → چنده, written ه). The ezafe needs a
    # following word, so dropping it is cheaper inside a clause than at its end (see below).
    "e": (("ه", 0), ("", 1), ("ی", 1.5)),
    "i": (("ی", 0), ("ای", 1)),
    "ee": (("ی", 0),),
    "o": (("و", 0), ("", 1.5), ("ه", 1.5)),
    "u": (("و", 0),),
    "ei": (("ی", 0), ("ای", 1)),
}
_FINAL_E_CLAUSE_END: _Options = (("ه", 0), ("", 1.5), ("ی", 1.5))
# A word-final "an" is a plural or infinitive (شدن، کاربران) or the tanwin of an adverb, written
# with ا alone ("aslan" → اصلا, "hatman" → حتما).
_FINAL_AN: _Options = (("ن", 0), ("ان", 1), ("ا", 1), ("عن", 1.5))

# Latin spellings that are one sound: longest first when reading a word.
_UNIT_ALIASES = {"oo": "u", "ou": "u", "ey": "ei"}
_DIGRAPHS = ("kh", "sh", "ch", "gh", "zh", "ph", "ck", "aa", "ee", "oo", "ou", "ei", "ey")
_VOWEL_UNITS = frozenset(_VOWELS_MEDIAL)

# Insert an unwritten ع (Finglish usually drops it: "ghat" → قطع, "shoroo" → شروع), at most once
# per word and only to reach a known word.
_AIN_COST = 1.5
_SUFFIX_COST = 1.2  # "daram" → دارم (a known word with one ا), not در + م
_COMPOUND_COST = 2.5  # two known words written as one: "harbar" → هر + بار (rare: costly)
_AIN_USED, _COMPOUND_USED = 1, 2
_MAX_POPS = 400  # search budget per word
_MAX_WORD = 24  # longer "words" are spelled by the default rules only

# Clitics and endings written joined to a known stem: حساب + م, فایل + ها, خوب + ه.
_SUFFIXES = frozenset(
    (
        "م", "ت", "ش", "مون", "تون", "شون", "مو", "تو", "شو", "ام", "ات", "اش", "مان", "تان",
        "شان", "ها", "های", "هایی", "هام", "هات", "هاش", "هامو", "ای", "ی", "یی", "ه", "و", "رو",
        "یم", "ید", "ین", "ن", "ند", "تر", "ترین",
    )
)
_SUFFIX_PREFIXES = frozenset(s[:k] for s in _SUFFIXES for k in range(len(s) + 1))
# Verb prefixes written joined to a known stem: "nemisham" → نمی + شم, "nadadan" → ن + دادن.
_VERB_PREFIXES: tuple[tuple[str, str, float], ...] = (
    ("nemi", "نمی", 0.25),
    ("mi", "می", 0.25),
    ("na", "ن", 0.5),
    ("ne", "ن", 0.5),
    ("be", "ب", 0.5),
)
# Persian clitics after an English loanword: "laptopam" → لپتاپم, "passwordesh" → پسوردش.
_LATIN_CLITICS: tuple[tuple[str, str], ...] = (
    ("hamoon", "هامون"), ("haye", "های"), ("ham", "هام"), ("ha", "ها"), ("emoon", "مون"),
    ("amoon", "مون"), ("esh", "ش"), ("ash", "ش"), ("am", "م"), ("em", "م"), ("et", "ت"),
    ("at", "ت"), ("o", "و"),
)

# Words whose Finglish spelling the rules cannot guess, or that are too short to guess safely.
_FUNCTION_WORDS: dict[str, str] = {
    "o": "و", "va": "و", "ro": "رو", "ra": "را", "ke": "که", "ki": "کی", "ye": "یه", "yek": "یک",
    "be": "به", "ba": "با", "az": "از", "ta": "تا", "dar": "در", "na": "نه", "in": "این",
    "on": "اون", "oon": "اون", "un": "اون", "to": "تو", "too": "تو", "tu": "تو", "man": "من",
    "ma": "ما", "shoma": "شما", "bad": "بعد", "baad": "بعد", "ham": "هم", "chi": "چی",
    "che": "چه", "chie": "چیه", "chera": "چرا", "chetor": "چطور", "chetoor": "چطور",
    "chetori": "چطوری", "chetoori": "چطوری", "chejoori": "چجوری", "chejori": "چجوری",
    "koja": "کجا", "kojast": "کجاست", "key": "کی", "kei": "کی", "lotfan": "لطفا",
    "merci": "مرسی", "mersi": "مرسی", "mamnoon": "ممنون", "mamnun": "ممنون",
    "mamnoonam": "ممنونم", "kheili": "خیلی", "kheyli": "خیلی", "khili": "خیلی", "are": "آره",
    "bale": "بله", "baleh": "بله", "ok": "اوکی", "okay": "اوکی", "ya": "یا", "vali": "ولی",
    "ama": "اما", "age": "اگه", "agar": "اگر", "hast": "هست", "nist": "نیست", "ast": "است",
    "alan": "الان", "hanooz": "هنوز", "hanuz": "هنوز", "dige": "دیگه", "baraye": "برای",
    "vase": "واسه", "chon": "چون", "hich": "هیچ", "hame": "همه", "inja": "اینجا",
    "unja": "اونجا", "onja": "اونجا", "salam": "سلام", "slm": "سلام", "mishe": "میشه",
    "nemishe": "نمیشه",
}
# Common English words written inside Finglish, spelled as Persian writes the loanword. Checked
# after the caller's vocabulary, so a KB that keeps "password" in Latin letters matches as typed.
_LOANWORDS: dict[str, str] = {
    "password": "پسورد", "pass": "پسورد", "file": "فایل", "upload": "آپلود",
    "download": "دانلود", "email": "ایمیل", "mail": "ایمیل", "internet": "اینترنت",
    "login": "لاگین", "update": "آپدیت", "site": "سایت", "online": "آنلاین",
    "offline": "آفلاین", "app": "اپ", "account": "اکانت", "wifi": "وایفای", "modem": "مودم",
    "windows": "ویندوز", "office": "آفیس", "excel": "اکسل", "word": "ورد",
    "telegram": "تلگرام", "whatsapp": "واتساپ", "google": "گوگل", "chrome": "کروم",
    "server": "سرور", "print": "پرینت", "printer": "پرینتر", "scan": "اسکن", "laptop": "لپتاپ",
    "mobile": "موبایل", "code": "کد", "link": "لینک", "error": "ارور", "reset": "ریست",
    "backup": "بکاپ", "admin": "ادمین", "panel": "پنل", "ticket": "تیکت", "system": "سیستم",
    "antivirus": "آنتیویروس", "virus": "ویروس", "keyboard": "کیبورد", "mouse": "موس",
    "monitor": "مانیتور", "flash": "فلش", "vpn": "وی پی ان", "sms": "پیامک", "outlook": "اوتلوک",
}

_WORD = re.compile(r"[a-z]+(?:['’`][a-z]+)*")
_RUN3 = re.compile(r"([a-z])\1\1+")
_PUNCT = str.maketrans({"?": "؟", ",": "،", ";": "؛"})


def _units(word: str) -> list[str]:
    """Split a lowercase Latin word into sound units ("khastan" → kh a s t an)."""
    final_an = len(word) > 3 and word.endswith("an") and word[-3] not in "aeiou"
    stem = word[:-2] if final_an else word
    units: list[str] = []
    i = 0
    while i < len(stem):
        pair = stem[i : i + 2]
        if pair in _DIGRAPHS:
            units.append(_UNIT_ALIASES.get(pair, pair))
            i += 2
        elif stem[i] in "’`":
            units.append("'")
            i += 1
        elif pair == stem[i] * 2 and stem[i] not in "aeiou":
            units.append(stem[i])  # doubled consonant (tashdid): written once in Persian
            i += 2
        else:
            units.append(_UNIT_ALIASES.get(stem[i], stem[i]))
            i += 1
    if final_an:
        units.append("an")  # see _FINAL_AN
    return units


def _options(units: list[str], clause_end: bool = False) -> list[_Options]:
    """Return the spelling options of each unit, by its position in the word and clause."""
    last = len(units) - 1
    result: list[_Options] = []
    for i, unit in enumerate(units):
        if unit == "e" and i == last and i > 0 and clause_end:
            result.append(_FINAL_E_CLAUSE_END)
        elif unit == "an":
            result.append(_FINAL_AN)
        elif unit in _VOWEL_UNITS:
            table = _VOWELS_INITIAL if i == 0 else _VOWELS_FINAL if i == last else _VOWELS_MEDIAL
            result.append(table[unit])
        else:
            result.append(_CONSONANTS.get(unit, ((unit, 0),)))
    return result


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """Known words and all their prefixes (the prefixes prune the spelling search)."""

    words: frozenset[str]
    prefixes: frozenset[str]
    latin: frozenset[str]


def _index(words: Iterable[object]) -> _Vocabulary:
    persian: set[str] = set()
    latin: set[str] = set()
    for word in words:
        if not isinstance(word, str) or not word or len(word) > 40 or " " in word:
            continue
        if has_persian(word):
            persian.add(word)
        elif word.isascii() and word.isalpha():
            latin.add(word.lower())
    prefixes = {w[:k] for w in persian for k in range(len(w) + 1)}
    prefixes.add("")
    return _Vocabulary(frozenset(persian), frozenset(prefixes), frozenset(latin))


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Return the built-in everyday support vocabulary (kb/data/persian_common_words.json)."""
    raw = resources.files("kb.data").joinpath("persian_common_words.json").read_text("utf-8")
    groups: dict[str, object] = json.loads(raw)
    return frozenset(
        word for group in groups.values() if isinstance(group, list) for word in group
    )


@lru_cache(maxsize=1)
def _fallback_vocabulary() -> _Vocabulary:
    return _index(_common_words() | frozenset(_FUNCTION_WORDS.values()))


# The caller passes the same KB vocabulary object on every query: index it once per object.
_last_vocabulary: tuple[Collection[str], int, _Vocabulary] | None = None


def _vocabulary(extra: Collection[str] | None) -> _Vocabulary:
    """Return the fallback vocabulary merged with the caller's (cached per caller object)."""
    global _last_vocabulary
    fallback = _fallback_vocabulary()
    if not extra:
        return fallback
    cached = _last_vocabulary
    if cached is not None and cached[0] is extra and cached[1] == len(extra):
        return cached[2]
    own = _index(extra)
    merged = _Vocabulary(
        fallback.words | own.words, fallback.prefixes | own.prefixes, fallback.latin | own.latin
    )
    _last_vocabulary = (extra, len(extra), merged)
    return merged


def _default_spelling(options: list[_Options]) -> str:
    return "".join(opts[0][0] for opts in options)


def _known_spelling(latin: str, options: list[_Options], vocab: _Vocabulary) -> str | None:
    """Return the cheapest spelling made of known words, or None.

    Known means: a vocabulary word, optionally after a verb prefix (نمی، می، ن، ب), optionally
    followed by a clitic (م، ت، ها, ...) or by a second known word. Uniform-cost search over
    (unit index, output so far); a state survives only while the word being spelled is a prefix
    of a known word (or the ending a prefix of a clitic), which keeps the search small.
    """
    n = len(options)
    # State: (cost, units consumed, output, start of the current word in output, start of the
    # clitic or -1, flags: _AIN_USED | _COMPOUND_USED).
    heap: list[tuple[float, int, str, int, int, int]] = [(0.0, 0, "", 0, -1, 0)]
    for prefix_latin, prefix_persian, prefix_cost in _VERB_PREFIXES:
        consumed = len(_units(prefix_latin))
        if latin.startswith(prefix_latin) and n > consumed:
            heap.append((prefix_cost, consumed, prefix_persian, len(prefix_persian), -1, 0))
    heapq.heapify(heap)
    seen: set[tuple[int, str, int, int, int]] = set()
    words, prefixes = vocab.words, vocab.prefixes
    while heap and len(seen) < _MAX_POPS:
        cost, i, out, stem, suffix, flags = heapq.heappop(heap)
        state = (i, out, stem, suffix, flags)
        if state in seen:
            continue
        seen.add(state)
        if suffix >= 0:  # spelling a clitic after a known word
            if i == n:
                if len(out) > suffix and out[suffix:] in _SUFFIXES:
                    return out
                continue
            for piece, extra in options[i]:
                grown = out + piece
                if grown[suffix:] in _SUFFIX_PREFIXES:
                    heapq.heappush(heap, (cost + extra, i + 1, grown, stem, suffix, flags))
            continue
        if not flags & _AIN_USED and out[stem:] + "ع" in prefixes:
            heapq.heappush(heap, (cost + _AIN_COST, i, out + "ع", stem, -1, flags | _AIN_USED))
        stem_known = len(out) > stem and out[stem:] in words
        if i == n:
            if stem_known:
                return out
            continue
        if stem_known:
            heapq.heappush(heap, (cost + _SUFFIX_COST, i, out, stem, len(out), flags))
            if not flags & _COMPOUND_USED and len(out) - stem >= 2:
                heapq.heappush(
                    heap, (cost + _COMPOUND_COST, i, out, len(out), -1, flags | _COMPOUND_USED)
                )
        for piece, extra in options[i]:
            grown = out + piece
            if grown[stem:] in prefixes:
                heapq.heappush(heap, (cost + extra, i + 1, grown, stem, -1, flags))
    return None


def _clean_latin(text: str) -> str:
    """Lowercase, fold accents (â → aa, é → e) and squeeze letter runs ("salaaaam" → "salaam")."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("â", "aa").replace("ā", "aa")
    text = "".join(
        ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
    )
    return _RUN3.sub(lambda m: m.group(1) * (2 if m.group(1) in "ao" else 1), text)


def _finglish_word(word: str, vocab: _Vocabulary | None, clause_end: bool = False) -> str:
    """Return the Persian spelling of one lowercase Finglish word."""
    if word in _FUNCTION_WORDS:
        return _FUNCTION_WORDS[word]
    if vocab is not None and word in vocab.latin:
        return word  # the KB itself writes this word in Latin letters ("vpn", "outlook")
    if word in _LOANWORDS:
        return _LOANWORDS[word]
    for clitic_latin, clitic_persian in _LATIN_CLITICS:
        base = word[: -len(clitic_latin)]
        if word.endswith(clitic_latin) and len(base) >= 3 and base in _LOANWORDS:
            return _LOANWORDS[base] + clitic_persian
    options = _options(_units(word), clause_end)
    if vocab is not None and len(word) <= _MAX_WORD:
        known = _known_spelling(word, options, vocab)
        if known is not None:
            return known
    return _default_spelling(options)


def finglish_to_persian(text: str, vocabulary: Collection[str] | None = None) -> str:
    """Return `text` (Persian written in Latin letters) spelled in Persian script.

    Each word takes the cheapest spelling found in `vocabulary` (normalized KB words) or the
    built-in everyday support words, else the rule-based default. Non-letters are kept.

    >>> finglish_to_persian("salam, pardakht anjam nashod")
    'سلام، پرداخت انجام نشد'
    """
    if not isinstance(text, str):
        return ""
    vocab = _vocabulary(vocabulary)
    clean = _clean_latin(text)
    matches = list(_WORD.finditer(clean))
    pieces: list[str] = []
    position = 0
    for k, match in enumerate(matches):
        pieces.append(clean[position : match.start()].translate(_PUNCT))
        # A word ends its clause when no word follows, or punctuation comes first.
        next_start = matches[k + 1].start() if k + 1 < len(matches) else len(clean)
        clause_end = k + 1 == len(matches) or not clean[match.end() : next_start].isspace()
        pieces.append(_finglish_word(match.group(), vocab, clause_end))
        position = match.end()
    pieces.append(clean[position:].translate(_PUNCT))
    return " ".join("".join(pieces).split())


def _coverage(candidate: str, vocab: _Vocabulary) -> float:
    """Return the share of the candidate's words that are known words."""
    words = normalize(candidate).split()
    if not words:
        return 0.0
    return sum(w in vocab.words or w in vocab.latin for w in words) / len(words)


def known_share(candidate: str, vocabulary: Collection[str] | None = None) -> float:
    """The share of a reading's Persian words of three letters or more that are known
    (everyday Persian, or the KB's `vocabulary`); 0 without any. Short words say little:
    English read as Persian is full of them («هو دو ای» for "how do I")."""
    vocab = _vocabulary(vocabulary)
    words = [w for w in normalize(candidate).split() if has_persian(w) and len(w) >= 3]
    if not words:
        return 0.0
    return sum(w in vocab.words for w in words) / len(words)


def persian_candidates(text: str, vocabulary: Collection[str] | None = None) -> list[str]:
    """Return Persian readings of a Latin-script message (layout fix, Finglish), best first.

    Returns [] when `text` has any Persian/Arabic letter or no Latin letter at all.
    """
    return list(persian_readings(text, vocabulary))


def persian_readings(text: str, vocabulary: Collection[str] | None = None) -> Iterator[str]:
    """The readings of `persian_candidates`, in the same order, each made only when asked for.

    A caller that stops at a layout reading made entirely of known words never pays for the
    Finglish spelling search (a fifth of a millisecond on a sentence): no reading can rank
    before it, since readings are ordered by their share of known words.
    """
    if not isinstance(text, str) or has_persian(text) or not has_latin(text):
        return
    vocab = _vocabulary(vocabulary)
    layout = " ".join(layout_to_persian(text).split())
    if not has_persian(layout):
        layout = ""
    layout_coverage = _coverage(layout, vocab) if layout else 0.0
    if layout and layout_coverage == 1.0:
        yield layout
    finglish = " ".join(finglish_to_persian(text, vocabulary).split())
    if not finglish or not has_persian(finglish) or finglish == layout:
        if layout and layout_coverage < 1.0:
            yield layout
        return
    if layout_coverage == 1.0:
        yield finglish
    # On equal coverage the layout reading stays first.
    elif layout and layout_coverage >= _coverage(finglish, vocab):
        yield layout
        yield finglish
    else:
        yield finglish
        if layout:
            yield layout
