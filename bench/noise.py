"""Noisy copies of questions, the way people really type them."""

from __future__ import annotations

import random

# Standard Persian keyboard (ISIRI 9147): the US key under each Persian letter.
PERSIAN_TO_US_KEY = {
    "ض": "q",
    "ص": "w",
    "ث": "e",
    "ق": "r",
    "ف": "t",
    "غ": "y",
    "ع": "u",
    "ه": "i",
    "خ": "o",
    "ح": "p",
    "ج": "[",
    "چ": "]",
    "ش": "a",
    "س": "s",
    "ی": "d",
    "ب": "f",
    "ل": "g",
    "ا": "h",
    "ت": "j",
    "ن": "k",
    "م": "l",
    "ک": ";",
    "گ": "'",
    "ظ": "z",
    "ط": "x",
    "ز": "c",
    "ر": "v",
    "ذ": "b",
    "د": "n",
    "پ": "\\",
    "و": ",",
    "ژ": "C",
    "آ": "H",
    " ": " ",
    "\u200c": " ",
    "؟": "?",
    "ئ": "m",
    ".": ".",
}
PERSIAN_LETTERS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
ARABIC_FORMS = {"ی": "ي", "ک": "ك"}


def wrong_layout(text: str) -> str:
    """Type `text` on an English layout by mistake."""
    return "".join(PERSIAN_TO_US_KEY.get(ch, ch if ch.isascii() else "") for ch in text)


def typo(text: str, rng: random.Random) -> str:
    """One typing mistake in one word of three letters or more."""
    words = text.split(" ")
    choices = [i for i, w in enumerate(words) if len(w) >= 3]
    if not choices:
        return text
    i = rng.choice(choices)
    word = list(words[i])
    pos = rng.randrange(len(word))
    action = rng.choice(("delete", "substitute", "swap", "insert"))
    if action == "delete":
        del word[pos]
    elif action == "substitute":
        word[pos] = rng.choice(PERSIAN_LETTERS)
    elif action == "swap" and pos < len(word) - 1:
        word[pos], word[pos + 1] = word[pos + 1], word[pos]
    else:
        word.insert(pos, rng.choice(PERSIAN_LETTERS))
    words[i] = "".join(word)
    return " ".join(words)


def arabic_and_spacing(text: str, rng: random.Random) -> str:
    """Arabic letter forms, and half-spaces dropped, replaced or added at random."""
    out = "".join(ARABIC_FORMS.get(ch, ch) for ch in text)
    out = out.replace("\u200c", rng.choice(("", " ")))
    for prefix in ("می ", "نمی "):
        if rng.random() < 0.5:
            out = out.replace(prefix, prefix.strip() + rng.choice(("\u200c", "")))
    return out
