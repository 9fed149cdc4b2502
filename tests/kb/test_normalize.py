"""The Persian search key: every spelling a customer may type folds to one key."""

from __future__ import annotations

import random

import pytest

from kb.normalize import (
    PERSIAN_ALPHABET,
    PERSIAN_LETTERS,
    has_latin,
    has_persian,
    normalize,
    tokens,
)

# (rule, typed text, search key) — one row per rule of docs/persian-retrieval.md "Normalization".
RULES = [
    # NFKC: presentation forms and ligatures become ordinary letters.
    ("nfkc lam-alef ligature", "ﻻ", "لا"),
    ("nfkc presentation forms", "ﺳﻼﻡ", "سلام"),
    ("nfkc fullwidth latin", "ＶＰＮ", "vpn"),
    # Arabic letters folded to Persian.
    ("arabic yeh", "علي", "علی"),
    ("alef maksura", "مصطفى", "مصطفی"),
    ("urdu yeh barree", "کے", "کی"),
    ("pashto yeh", "ېک", "یک"),
    ("arabic kaf", "كتاب", "کتاب"),
    ("swash kaf", "ڪار", "کار"),
    ("teh marbuta to heh, not teh", "مدرسة", "مدرسه"),
    ("heh with yeh above", "خانۀ من", "خانه من"),
    ("alef with hamza above", "أسم", "اسم"),
    ("alef with hamza below", "إسلام", "اسلام"),
    ("alef wasla", "ٱلله", "الله"),
    ("waw with hamza", "مسؤول", "مسوول"),
    ("yeh with hamza", "مسئله", "مسیله"),
    ("alef madda kept", "آدرس", "آدرس"),
    # Marks dropped.
    ("fatha kasra damma", "رَمزِ عُبور", "رمز عبور"),
    ("tanwin", "لطفاً", "لطفا"),
    ("shadda and sukun", "تأیّیدْ", "تایید"),
    ("hamza above as a mark", "خانهٔ", "خانه"),
    ("superscript alef", "رحمٰن", "رحمن"),
    ("tatweel", "ســـلام", "سلام"),
    ("zero-width space", "سل\u200bام", "سلام"),
    ("letters that draw nothing", "\u3164 رمز\u115f\u1160عبور \uffa0\u2800", "رمز عبور"),
    ("zero-width joiner", "سل\u200dام", "سلام"),
    ("left-to-right mark", "\u200eسلام", "سلام"),
    ("right-to-left mark", "سلام\u200f", "سلام"),
    ("bidi embedding and override", "\u202bسلام\u202c \u202eرمز\u202c", "سلام رمز"),
    ("bidi isolates", "\u2067فایل\u2069 \u2066pdf\u2069", "فایل pdf"),
    ("byte order mark", "\ufeffسلام", "سلام"),
    ("soft hyphen", "پرداخ\u00adت", "پرداخت"),
    # ZWNJ becomes a space.
    ("zwnj to space", "می\u200cخواهم", "می خواهم"),
    ("zwnj in a plural", "فایل\u200cها", "فایل ها"),
    # Digits: one script, never collapsed.
    ("persian digits", "۰۱۲۳۴۵۶۷۸۹", "0123456789"),
    ("arabic-indic digits", "٠١٢٣٤٥٦٧٨٩", "0123456789"),
    ("repeated digits kept", "۵۰۰۰۰ تومان", "50000 تومان"),
    # Punctuation, symbols and emoji become spaces.
    ("persian comma semicolon question mark", "سلام،خوبید؛چرا؟", "سلام خوبید چرا"),
    ("guillemets", "«رمز»", "رمز"),
    ("ascii punctuation", "wi-fi (وای‌فای)!", "wi fi وای فای"),
    ("emoji and symbols", "ممنون🙏 ❤️ ★", "ممنون"),
    ("an emoji between words parts them", "رمز😀عبور", "رمز عبور"),
    ("variation selector supplement dropped", "رمز\U000e0100عبور", "رمزعبور"),
    ("equals sign", "a=b", "a b"),
    ("percent signs", "۵۰٪ تخفیف", "50 تخفیف"),
    # Latin lowercased.
    ("lowercase latin", "VPN Outlook", "vpn outlook"),
    # Three or more repeats of a letter collapse to one; digits and doubled letters are kept.
    ("repeated persian letter", "سلاااام خیلییییی", "سلام خیلی"),
    ("repeated latin letter", "hellooooo", "hello"),
    ("two repeats kept", "الله ممنون", "الله ممنون"),
    ("repeated digits never collapse", "1000000", "1000000"),
    # Whitespace collapsed and stripped.
    ("whitespace", "  سلام \t\n  رمز  ", "سلام رمز"),
    ("no-break and thin spaces", "سلام\u00a0رمز\u2009عبور", "سلام رمز عبور"),
]


@pytest.mark.parametrize(("rule", "typed", "key"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_folds_typed_text_to_the_key(rule: str, typed: str, key: str) -> None:
    assert normalize(typed) == key


def test_half_space_space_and_joined_forms_of_a_word_share_the_key() -> None:
    assert normalize("می‌خواهم") == normalize("می خواهم") == "می خواهم"


def test_rlm_inserted_by_telegram_clients_is_removed() -> None:
    typed = "\u200fرمز عبورم را فراموش کرده\u200cام\u200f"
    assert normalize(typed) == "رمز عبورم را فراموش کرده ام"


def test_arabic_keyboard_text_matches_persian_keyboard_text() -> None:
    assert normalize("كيف مي‌توانم رمز را تغيير دهم") == normalize("کیف می توانم رمز را تغییر دهم")


def test_short_question_keeps_every_word() -> None:
    assert normalize("چرا نمیشه؟") == "چرا نمیشه"
    assert tokens("چرا نمیشه؟") == ["چرا", "نمیشه"]


def test_affixes_are_neither_joined_nor_split() -> None:
    assert normalize("نمیشه فایلها بزرگترین") == "نمیشه فایلها بزرگترین"
    assert normalize("نمی شه فایل ها") == "نمی شه فایل ها"


def test_large_amounts_survive_with_every_zero() -> None:
    assert normalize("مبلغ ۱۲۰۰۰۰۰ ریال و ٥٠٠ تومان") == "مبلغ 1200000 ریال و 500 تومان"


VARIED = [
    "",
    " ",
    "سلام، رمزِ عبورم را فراموش كرده‌ام!",
    "ﺳﻼﻡ ﻻ ﷲ",
    "\u200f\u200eچرا؟؟؟ نمیشه!!!",
    "خیلیییییی ممنوووون 🙏🏽👨‍👩‍👧",
    "VPN  وصل\tنمی‌شود\n۵۰۰۰۰",
    "e\u200d\u0301 café CAFÉ İstanbul straße",
    "ـــــ ً ٌ ٍ",
    "1️⃣ 🇮🇷 ©®™",
    "\x00\x01\x1b[31mred\x7f",
    "a\ud800b",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "x" * 10_000,
]


@pytest.mark.parametrize("text", VARIED)
def test_normalizing_twice_changes_nothing(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


def test_normalizing_twice_changes_nothing_for_random_text() -> None:
    rng = random.Random(20240601)
    ranges = [
        (0x20, 0x250),
        (0x600, 0x700),
        (0xFB50, 0xFEFF),
        (0x2000, 0x2070),
        (0x300, 0x370),
        (0x1F300, 0x1FA00),
        (0, 0x110000),
    ]
    for _ in range(3000):
        text = "".join(chr(rng.randrange(*rng.choice(ranges))) for _ in range(rng.randrange(12)))
        once = normalize(text)
        assert normalize(once) == once, [hex(ord(c)) for c in text]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00" * 50,
        "🙂" * 3000,
        "".join(map(chr, range(0x20, 0xD800))),
        "".join(map(chr, range(0xE000, 0x10000))),
        "\ud83d",
        "ن" * 10_000,
    ],
)
def test_any_string_gives_a_clean_key_without_raising(text: str) -> None:
    key = normalize(text)
    assert key == key.strip()
    assert "  " not in key
    assert not any(ch in key for ch in "\u200c\u200f\u200e\u0640\ufeff")


def test_emoji_only_message_has_an_empty_key() -> None:
    assert normalize("👍🙏😡🔥") == ""
    assert tokens("👍🙏") == []


def test_persian_and_latin_letters_are_detected() -> None:
    assert has_persian("سلام")
    assert has_persian("ﻻ")  # presentation form
    assert has_persian("vpn وصل نمیشه")
    assert not has_persian("salam 123 ۱۲۳ ؟")  # digits and punctuation are not letters
    assert has_latin("salam")
    assert has_latin("café")
    assert has_latin("ＶＰＮ")
    assert not has_latin("سلام ۱۲۳ 123 !?")


def test_persian_letter_sets_hold_letters_only() -> None:
    assert {"ی", "ک", "ي", "ك", "ﻻ"} <= PERSIAN_LETTERS
    assert not {"\u0640", "۱", "،", "\u064e"} & PERSIAN_LETTERS
    assert len(PERSIAN_ALPHABET) == 34
    assert PERSIAN_ALPHABET <= PERSIAN_LETTERS
    assert all(normalize(ch) == ch for ch in PERSIAN_ALPHABET)
