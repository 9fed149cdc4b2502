"""Persian search keys: fold the many ways one word is typed into one string.

`normalize` produces a SEARCH KEY for matching, never text to show anyone. The rules follow
docs/persian-retrieval.md ("Normalization"), in this order:

1. NFKC (presentation forms and ligatures: ﻻ → لا, ﺳﻼﻡ → سلام; fullwidth Latin → ASCII);
2. one character table (`_CHAR_RULES` over per-category defaults), applied with `str.translate`:
   Arabic → Persian letter folds, diacritics and invisible marks dropped, ZWNJ → space,
   every decimal digit → ASCII, punctuation/symbols/emoji → space, Latin lowercased;
3. whitespace collapsed;
4. three or more repeats of one letter → one (خیلیییی → خیلی; digits untouched: ۵۰۰۰۰ → 50000).

Affixes are neither joined nor split and no stop word is removed: "چرا نمیشه" stays two words.
All tables are built once at import; a call is a few string operations (a few µs per question).

>>> normalize("سلام، رمزِ عبورم را فراموش كرده‌ام!")
'سلام رمز عبورم را فراموش کرده ام'
>>> normalize("ﺳﻼﻡ ۵۰۰۰۰ تومان")
'سلام 50000 تومان'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["PERSIAN_ALPHABET", "PERSIAN_LETTERS", "has_latin", "has_persian", "normalize", "tokens"]


def _span(first: int, last: int) -> str:
    """Return the characters first..last (inclusive) as one string."""
    return "".join(map(chr, range(first, last + 1)))


# Arabic harakat, tanwin, shadda, sukun, hamza above/below and other marks U+064B–U+065F, plus the
# superscript alef U+0670; the Quranic annotation marks are dropped with them.
_DIACRITICS = (
    _span(0x064B, 0x065F)
    + "\u0670"
    + _span(0x0610, 0x061A)
    + _span(0x06D6, 0x06DC)
    + _span(0x06DF, 0x06E4)
    + "\u06e7\u06e8"
    + _span(0x06EA, 0x06ED)
)

# Zero-width and bidi controls that Telegram clients and copy-paste insert (RLM/LRM above all).
# Every other "format" character (category Cf) is dropped too, by the category defaults below.
_INVISIBLE = (
    "\u200b\u200d\u200e\u200f"  # zero-width space, ZWJ, LRM, RLM
    + _span(0x202A, 0x202E)  # LRE RLE PDF LRO RLO
    + _span(0x2066, 0x2069)  # LRI RLI FSI PDI
    + "\ufeff\u00ad\u061c\u2060"  # BOM/ZWNBSP, soft hyphen, Arabic letter mark, word joiner
    + _span(0xFE00, 0xFE0F)  # variation selectors (emoji presentation)
)

# Letters that draw nothing: the Hangul fillers people send for a "blank" message or name
# (ㅤ), and the blank Braille pattern. Shown as nothing, read as a space.
BLANK_LETTERS = "\u115f\u1160\u3164\uffa0\u2800"

# The rule table: (characters, replacement, why). Every character of the first column becomes the
# replacement, except in rows marked "zip", where the two columns are zipped character by
# character. Applied after NFKC; rows override the per-category defaults of `_category_default`.
_CHAR_RULES: tuple[tuple[str, str, str], ...] = (
    # Letters: one Persian form for each letter typed with an Arabic (or Urdu/Pashto) keyboard.
    ("يىےېۍێۑ", "ی", "Arabic yeh, alef maksura, Urdu/Pashto yeh → Persian yeh: علي → علی"),
    ("كڪ", "ک", "Arabic kaf, swash kaf → Persian keheh: كتاب → کتاب"),
    ("ة", "ه", "teh marbuta → heh (never teh): مدرسة → مدرسه"),
    ("ۀەۂہھ", "ه", "heh with yeh above, ae, heh goal, heh doachashmee → heh: خانۀ → خانه"),
    ("أإٱٲٳ", "ا", "alef with hamza or wasla → alef; آ is kept: أسم → اسم"),
    ("ؤ", "و", "waw with hamza → waw: مسؤول → مسوول"),
    ("ئ", "ی", "yeh with hamza → yeh: مسئله → مسیله"),
    # Marks that change nothing a searcher means.
    (_DIACRITICS, "", "diacritics: رَمزِ عبور → رمز عبور"),
    ("\u0640", "", "tatweel (kashida): ســـلام → سلام"),
    (_INVISIBLE, "", "invisible and bidi marks: \u200fسلام → سلام"),
    (BLANK_LETTERS, " ", "letters that draw nothing → space: ㅤ → (nothing to search)"),
    ("\u200c", " ", "ZWNJ → space, so می‌خواهم, می خواهم agree: می‌خواهم → می خواهم"),
    # Digits: one script. (Every other decimal digit is folded by the category defaults.)
    ("۰۱۲۳۴۵۶۷۸۹", "0123456789", "zip: Persian digits → ASCII: ۵۰۰۰۰ → 50000"),
    ("٠١٢٣٤٥٦٧٨٩", "0123456789", "zip: Arabic-Indic digits → ASCII: ٢٠ → 20"),
    # Punctuation (all P*, S* and Z* categories are spaces by default; these are the usual ones).
    ("،؛؟«»٪٫٬۔٭", " ", "Persian punctuation → space: چرا؟ → چرا"),
    ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", " ", "ASCII punctuation → space: wi-fi → wi fi"),
)


def _category_default(ch: str) -> str | None:
    """Return what the table maps `ch` to when no rule names it (None = delete)."""
    category = unicodedata.category(ch)
    if category[0] in "PSZ" or category in ("Cc", "Co", "Cn"):
        return " "  # punctuation, symbols (emoji), separators, controls, private use
    if category in ("Cf", "Cs", "Me"):
        return None  # invisible formatting, lone surrogates, enclosing marks (keycaps)
    if category == "Nd":
        return str(unicodedata.decimal(ch))  # any script's digits → ASCII
    return ch.lower()  # letters (lowercase Latin and other cased scripts), marks, numbers


def _build_bmp_table() -> list[str | None]:
    """Return the translate table for U+0000–U+FFFF: category defaults, then `_CHAR_RULES`."""
    table = [_category_default(chr(cp)) for cp in range(0x10000)]
    for chars, replacement, why in _CHAR_RULES:
        if why.startswith("zip:"):
            for src, dst in zip(chars, replacement, strict=True):
                table[ord(src)] = dst
        else:
            for src in chars:
                table[ord(src)] = replacement or None
    return table


# A list indexed by code point is the fastest table for str.translate; characters above U+FFFF
# raise IndexError there, which str.translate treats as "unchanged": `_ASTRAL` handles those.
_BMP_TABLE = _build_bmp_table()
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_TRIPLE = re.compile(r"(.)\1\1+")


@lru_cache(maxsize=4096)
def _astral_char(ch: str) -> str:
    """Return the search-key form of one character above U+FFFF (mostly emoji → space)."""
    if 0xE0100 <= ord(ch) <= 0xE01EF:
        return ""  # variation selectors supplement
    return _category_default(ch) or ""


def _astral_match(match: re.Match[str]) -> str:
    return _astral_char(match.group())


def _collapse_letter_run(match: re.Match[str]) -> str:
    """Return one letter for a run of 3+ of it; leave digit and mark runs alone."""
    ch = match.group(1)
    return ch if ch.isalpha() else match.group()


def _one_pass(text: str) -> str:
    key = unicodedata.normalize("NFKC", text).translate(_BMP_TABLE)
    if _ASTRAL.search(key):
        key = _ASTRAL.sub(_astral_match, key)
    key = " ".join(key.split())
    if _TRIPLE.search(key):
        key = _TRIPLE.sub(_collapse_letter_run, key)
    return key


def normalize(text: str) -> str:
    """Return the search key of `text` (never display text); never raises for any str.

    >>> normalize("  می‌خواهم   رمزم را عوض كنم ")
    'می خواهم رمزم را عوض کنم'
    """
    if not isinstance(text, str):
        return ""
    key = _one_pass(text)
    # Dropping a mark can expose a composable pair (e + ZWJ + ◌́): repeat until stable, so that
    # normalize(normalize(x)) == normalize(x) always holds. Almost never taken.
    for _ in range(3):
        if unicodedata.is_normalized("NFKC", key):
            break
        key = _one_pass(key)
    return key


# The Persian alphabet's order, which code points do not follow (پ چ ژ گ ک come after ی).
_ALPHABET_RANK = {letter: rank for rank, letter in enumerate("آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی")}


def alphabetical(text: str) -> tuple[tuple[int, int], ...]:
    """A sort key in Persian alphabetical order: letters by the alphabet (Arabic forms as
    their Persian letters, a half-space as a space, a space before any letter), then digits
    and Latin letters after them by code point."""
    key = []
    for char in normalize(text):
        if char == " ":
            key.append((0, 0))
        elif char in _ALPHABET_RANK:
            key.append((1, _ALPHABET_RANK[char]))
        else:
            key.append((2, ord(char)))
    return tuple(key)


def tokens(text: str) -> list[str]:
    """Return the words of the search key of `text`."""
    return normalize(text).split()


# --- script detection ----------------------------------------------------------------------------

# Every letter of the Arabic script (Persian, Arabic, Urdu, ... and presentation forms).
PERSIAN_LETTERS: frozenset[str] = frozenset(
    ch
    for first, last in ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                        (0xFE70, 0xFEFC))
    for ch in _span(first, last)
    if unicodedata.category(ch).startswith("L") and ch != "\u0640"
)

# The letters a search key of Persian text is made of (the 32 letters, آ and ء).
PERSIAN_ALPHABET: frozenset[str] = frozenset("ءآابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی")

_PERSIAN_RE = re.compile("[" + "".join(sorted(PERSIAN_LETTERS)) + "]")
_LATIN_RE = re.compile(
    "[A-Za-z\u00aa\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff\uff21-\uff3a\uff41-\uff5a]"
)


def has_persian(text: str) -> bool:
    """Return True when `text` contains any Persian/Arabic-script letter."""
    return bool(_PERSIAN_RE.search(text))


def has_latin(text: str) -> bool:
    """Return True when `text` contains any Latin letter (ASCII, accented or fullwidth)."""
    return bool(_LATIN_RE.search(text))
