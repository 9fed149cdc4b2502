"""Latin-script messages: Persian typed on the English layout, and Finglish."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from kb.latin import finglish_to_persian, layout_to_latin, layout_to_persian, persian_candidates
from kb.normalize import normalize, tokens

# Where each Persian letter sits on the standard Persian keyboard (ISIRI 9147), restated here
# independently of kb.latin, to type Persian sentences "on the wrong layout".
PERSIAN_KEY = {
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
    "پ": "m",
    "و": ",",
    "آ": "H",
    "ژ": "C",
    "ء": "M",
    " ": " ",
    "؟": "?",
    "\u200c": "B",
}


def typed_on_english_layout(persian: str) -> str:
    return "".join(PERSIAN_KEY[ch] for ch in persian)


# A small KB written for these tests; its normalized words are the caller's vocabulary.
KB_PHRASES = [
    "چگونه رمز عبور خود را تغییر دهم؟",
    "رمز عبورم را فراموش کرده‌ام، چه کنم؟",
    "وارد حساب کاربری نمی‌شوم",
    "پرداخت انجام شد اما سفارش ثبت نشد",
    "مبلغ از حسابم کسر شده ولی خرید ناموفق بود",
    "فایل آپلود نمی‌شود",
    "اتصال به VPN برقرار نمی‌شود",
    "اینترنت قطع است یا سرعت آن کند است",
    "کد تأیید پیامک نمی‌آید",
    "چطور فاکتور پرداخت را ببینم؟",
    "دسترسی به پوشه‌های اشتراکی ندارم",
    "چاپگر چاپ نمی‌کند",
    "حساب کاربری من قفل یا مسدود شده است",
    "چگونه گزارش ماهانه را دریافت کنم",
    "تمدید اشتراک و هزینه آن",
    "تغییر عکس پروفایل",
    "ثبت تیکت پشتیبانی",
    "بازیابی رمز عبور با لینک ایمیل",
    "برنامه هنگ می‌کند یا بسته می‌شود",
    "سیستم من ویروس دارد",
    "برگشت پول پرداخت ناموفق",
]
KB_VOCABULARY = frozenset(word for phrase in KB_PHRASES for word in tokens(phrase))

# Support-style Finglish written for these tests, with the Persian a customer means. Set A was
# used while writing the rules; sets B and C were written before their first measurement.
FINGLISH_A = [
    ("salam pardakht anjam nashod", "سلام پرداخت انجام نشد"),
    ("ramzam ro faramoosh kardam", "رمزم رو فراموش کردم"),
    ("chetor password ro avaz konam", "چطور پسورد رو عوض کنم"),
    ("vared hesabam nemisham", "وارد حسابم نمیشم"),
    ("file upload nemishe", "فایل آپلود نمیشه"),
    ("internet ghat shode", "اینترنت قطع شده"),
    ("email taiid nemiad", "ایمیل تایید نمیاد"),
    ("code taiid baram nayoomad", "کد تایید برام نیومد"),
    ("chera sait baz nemishe", "چرا سایت باز نمیشه"),
    ("printer kar nemikone", "پرینتر کار نمیکنه"),
    ("barname baz nemishe", "برنامه باز نمیشه"),
    ("mikham ramz oboor ro avaz konam", "میخوام رمز عبور رو عوض کنم"),
    ("hesab karbari man ghofl shode", "حساب کاربری من قفل شده"),
    ("dastresi be poshe nadaram", "دسترسی به پوشه ندارم"),
    ("gozaresh ro chetori daryaft konam", "گزارش رو چطوری دریافت کنم"),
    ("factor pardakht ro koja mibinam", "فاکتور پرداخت رو کجا میبینم"),
    (
        "pool az hesabam kam shode vali kharid anjam nashod",
        "پول از حسابم کم شده ولی خرید انجام نشد",
    ),
    ("ertebat ba server ghat mishe", "ارتباط با سرور قطع میشه"),
    ("lotfan rahnamayi konid", "لطفا راهنمایی کنید"),
    ("sorat internet kheili kond hast", "سرعت اینترنت خیلی کند هست"),
    ("system man virus gerefte", "سیستم من ویروس گرفته"),
    ("shomare mobilam ro taghir dadam", "شماره موبایلم رو تغییر دادم"),
    ("nemitoonam vared site besham", "نمیتونم وارد سایت بشم"),
    ("update nasb nemishe", "آپدیت نصب نمیشه"),
    ("chand vaghte payam midam javab nemidin", "چند وقته پیام میدم جواب نمیدین"),
]
FINGLISH_B = [
    ("salam vaght bekheir, ye moshkel daram", "سلام وقت بخیر، یه مشکل دارم"),
    ("emailam baz nemishe", "ایمیلم باز نمیشه"),
    ("chera ramz oboor jadid ghabool nemikone", "چرا رمز عبور جدید قبول نمیکنه"),
    ("filtershekan vasl nemishe", "فیلترشکن وصل نمیشه"),
    ("pardakhtam moafagh bood vali sefaresh sabt nashode", "پرداختم موفق بود ولی سفارش ثبت نشده"),
    ("gozaresh mahane ro az koja daryaft konam", "گزارش ماهانه رو از کجا دریافت کنم"),
    ("printer chap nemikone", "پرینتر چاپ نمیکنه"),
    ("kartam ghabool nemishe", "کارتم قبول نمیشه"),
    ("mikham eshterakam ro tamdid konam", "میخوام اشتراکم رو تمدید کنم"),
    ("code taiid be gooshim nemiad", "کد تایید به گوشیم نمیاد"),
    ("hesabam masdood shode", "حسابم مسدود شده"),
    ("chetori mitoonam akse profile ro avaz konam", "چطوری میتونم عکس پروفایل رو عوض کنم"),
    ("laptopam kheili kond shode", "لپتاپم خیلی کند شده"),
    ("nemidoonam chera file ha hazf shodan", "نمیدونم چرا فایل ها حذف شدن"),
    ("link bazyabi ramz baram ersal nashod", "لینک بازیابی رمز برام ارسال نشد"),
    ("mamnoon az rahnamayi shoma", "ممنون از راهنمایی شما"),
    ("ba poshtibani tamas gereftam javab nadadan", "با پشتیبانی تماس گرفتم جواب ندادن"),
    ("kojaye site mishe tiket sabt kard", "کجای سایت میشه تیکت ثبت کرد"),
    ("etelaat hesabam pak shode", "اطلاعات حسابم پاک شده"),
    ("moshkel hanooz hal nashode", "مشکل هنوز حل نشده"),
    ("hazine tamdid eshterak chande", "هزینه تمدید اشتراک چنده"),
    ("barname harbar hang mikone", "برنامه هربار هنگ میکنه"),
    ("modem roshan hast vali internet nadaram", "مودم روشن هست ولی اینترنت ندارم"),
    ("chera nemitoonam vared panel besham", "چرا نمیتونم وارد پنل بشم"),
    ("pool bargasht nakhorde", "پول برگشت نخورده"),
]
FINGLISH_C = [
    ("salam, chera nemitoonam vared email besham?", "سلام، چرا نمیتونم وارد ایمیل بشم؟"),
    ("ramze wifi ro nemidoonam", "رمز وایفای رو نمیدونم"),
    ("sefareshe man hanooz ersal nashode", "سفارش من هنوز ارسال نشده"),
    ("chetor mitoonam hesabam ro hazf konam", "چطور میتونم حسابم رو حذف کنم"),
    ("payamak taiid nemiad", "پیامک تایید نمیاد"),
    ("dastresi admin mikham", "دسترسی ادمین میخوام"),
    ("az kartam do bar pool kam shode", "از کارتم دو بار پول کم شده"),
    ("barname rooye gooshi nasb nemishe", "برنامه روی گوشی نصب نمیشه"),
    ("mikham shomare telefonam ro avaz konam", "میخوام شماره تلفنم رو عوض کنم"),
    ("ettelaate profile zakhire nemishe", "اطلاعات پروفایل ذخیره نمیشه"),
    ("vaghti login mikonam error mide", "وقتی لاگین میکنم ارور میده"),
    ("faktor ro chetori chap konam", "فاکتور رو چطوری چاپ کنم"),
    ("sorate site kheili paeen ast", "سرعت سایت خیلی پایین است"),
    ("ba kodoom morurgar kar mikone", "با کدوم مرورگر کار میکنه"),
    ("password jadid ro ghabool nemikone", "پسورد جدید رو قبول نمیکنه"),
    ("hesabam hack shode", "حسابم هک شده"),
    ("tamdid eshterak anjam nashod", "تمدید اشتراک انجام نشد"),
    ("kasi javab nemide", "کسی جواب نمیده"),
    ("monitor roshan nemishe", "مانیتور روشن نمیشه"),
    ("lotfan ticket mano peygiri konid", "لطفا تیکت منو پیگیری کنید"),
    ("file excel baz nemishe", "فایل اکسل باز نمیشه"),
    ("chera hesab karbarim gheyre faal shode", "چرا حساب کاربریم غیر فعال شده"),
    ("mikhastam bebinam pardakht kardam ya na", "میخواستم ببینم پرداخت کردم یا نه"),
    ("rooter chera cheragh ghermez mizane", "روتر چرا چراغ قرمز میزنه"),
    ("kodam ghesmat baraye taghire ramz ast", "کدام قسمت برای تغییر رمز است"),
]


def correct_count(phrases: list[tuple[str, str]], vocabulary: frozenset[str] | None) -> int:
    return sum(
        normalize(finglish_to_persian(latin, vocabulary)) == normalize(persian)
        for latin, persian in phrases
    )


# --- keyboard layout ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("sghl", "سلام"),
        ("hg", "ال"),
        ("vlc uf,v", "رمز عبور"),
        ("SGHL", "سلام"),  # Caps Lock on
        ("Hdh", "آیا"),  # Shift+H types آ
        ("Ch;j", "ژاکت"),  # Shift+C types ژ
        ("lvsd?", "مرسی؟"),
        ("ldBo,hil", "می\u200cخواهم"),  # Shift+B types the half-space
        ("\\,ai", "پوشه"),  # backslash is پ on the older Windows layout
        ("123", "۱۲۳"),
    ],
)
def test_text_typed_on_the_english_layout_reads_as_the_persian_keys(typed: str, meant: str) -> None:
    assert layout_to_persian(typed) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("زمخسث", "close"),  # /close typed with the Persian layout on
        ("زمشهپ", "claim"),
        ("ثسزشمشفث", "escalate"),
        ("سلام", "sghl"),
        ("سلام!", None),  # not letters only: not a word typed on the wrong layout
        ("close", None),
        ("", None),
    ],
)
def test_persian_letters_read_back_as_the_english_keys_that_type_them(
    typed: str, meant: str | None
) -> None:
    assert layout_to_latin(typed) == meant


@pytest.mark.parametrize(
    "question",
    [
        "رمز عبورم را فراموش کرده\u200cام",
        "چطور می\u200cتوانم وارد حساب کاربری شوم؟",
        "پرداخت انجام شد ولی اشتراک تمدید نشد",
        "آیا گزارش ماهانه را می\u200cتوانم دانلود کنم؟",
        "چرا فایل ژورنال باز نمی\u200cشود",
    ],
)
def test_support_question_typed_on_the_wrong_layout_round_trips(question: str) -> None:
    typed = typed_on_english_layout(question)
    assert layout_to_persian(typed) == question
    assert normalize(persian_candidates(typed, KB_VOCABULARY)[0]) == normalize(question)


# --- Finglish -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latin", "persian"),
    [
        ("salam pardakht anjam nashod", "سلام پرداخت انجام نشد"),
        ("ramzam ro faramoosh kardam", "رمزم رو فراموش کردم"),
        ("chetor password ro avaz konam", "چطور پسورد رو عوض کنم"),
        ("vared hesabam nemisham", "وارد حسابم نمیشم"),
        ("file upload nemishe", "فایل آپلود نمیشه"),
        ("internet ghat shode", "اینترنت قطع شده"),
        ("Salaaaam, merci!", "سلام، مرسی!"),
    ],
)
def test_common_finglish_questions_are_spelled_exactly(latin: str, persian: str) -> None:
    assert finglish_to_persian(latin, KB_VOCABULARY) == persian


@pytest.mark.parametrize(
    ("name", "phrases"), [("A", FINGLISH_A), ("B", FINGLISH_B), ("C", FINGLISH_C)]
)
def test_at_least_twenty_of_twentyfive_finglish_phrases_come_out_right(
    name: str, phrases: list[tuple[str, str]]
) -> None:
    assert len(phrases) == 25
    assert correct_count(phrases, KB_VOCABULARY) >= 20


def test_built_in_words_spell_finglish_without_a_kb_vocabulary() -> None:
    assert correct_count(FINGLISH_A + FINGLISH_B + FINGLISH_C, None) >= 60


def test_rules_alone_drop_medial_short_vowels_and_write_final_vowels() -> None:
    # Words in no vocabulary get the rule-based default spelling.
    assert finglish_to_persian("zarfiat") == "زرفیت"  # medial a dropped, medial i → ی
    assert finglish_to_persian("ketabe") == "کتبه"  # final e → ه
    assert finglish_to_persian("nardebani") == "نردبنی"  # final i → ی
    assert finglish_to_persian("golabo") == "گلبو"  # final o → و
    assert finglish_to_persian("ostokhan") == "استخن"  # initial o → ا, kh → خ
    assert finglish_to_persian("irooni") == "ایرونی"  # initial i → ای, oo → و


def test_caller_vocabulary_picks_the_spelling_of_ambiguous_letters() -> None:
    assert finglish_to_persian("zarfiat", {"ظرفیت"}) == "ظرفیت"
    assert finglish_to_persian("sabt saat", {"ثبت", "ساعت"}) == "ثبت ساعت"
    assert finglish_to_persian("sobh", {"صبح"}) == "صبح"


def test_adverbs_ending_in_an_are_written_with_alef() -> None:
    assert finglish_to_persian("aslan hatman ghablan") == "اصلا حتما قبلا"
    assert finglish_to_persian("karbaran shodan") == "کاربران شدن"


def test_known_word_gets_a_clitic_or_a_verb_prefix() -> None:
    assert finglish_to_persian("zarfiatam", {"ظرفیت"}) == "ظرفیتم"
    assert finglish_to_persian("nemizanam", {"زنم"}) == "نمیزنم"


def test_an_ain_the_latin_leaves_unwritten_is_found_from_the_vocabulary() -> None:
    assert finglish_to_persian("tamir etebar", {"تعمیر", "اعتبار"}) == "تعمیر اعتبار"


def test_two_known_words_typed_as_one_are_spelled_as_both() -> None:
    assert finglish_to_persian("shomarehesab", {"شماره", "حساب"}) == "شمارهحساب"


def test_word_the_kb_writes_in_latin_letters_stays_latin() -> None:
    assert finglish_to_persian("vpn vasl nemishe", KB_VOCABULARY) == "vpn وصل نمیشه"
    assert finglish_to_persian("vpn vasl nemishe") == "وی پی ان وصل نمیشه"


def test_new_vocabulary_object_is_used_after_a_kb_reload() -> None:
    assert finglish_to_persian("zarfiat", {"ظرفیت"}) == "ظرفیت"
    assert finglish_to_persian("zarfiat", {"ذرفیت"}) == "ذرفیت"


# --- candidates -----------------------------------------------------------------------------------


def test_finglish_message_gets_its_finglish_reading_first() -> None:
    candidates = persian_candidates("salam, pardakht anjam nashod", KB_VOCABULARY)
    assert normalize(candidates[0]) == "سلام پرداخت انجام نشد"
    assert len(candidates) == 2  # the layout reading is still offered, ranked last


def test_wrong_layout_message_gets_its_layout_reading_first() -> None:
    candidates = persian_candidates("vlc uf,vl vh tvhl,a ;vniBhl", KB_VOCABULARY)
    assert candidates[0] == "رمز عبورم را فراموش کرده\u200cام"


def test_english_sentence_still_gets_candidates_for_the_caller_to_reject() -> None:
    candidates = persian_candidates("how do I reset my password")
    assert 1 <= len(candidates) <= 3
    assert all(normalize(c) for c in candidates)


@pytest.mark.parametrize(
    "text",
    [
        "سلام VPN وصل نمیشه",  # product name inside a Persian sentence
        "outlook باز نمیشه",
        "salam سلام",
        "ﻻ ok",  # presentation form counts as Persian
    ],
)
def test_mixed_persian_and_latin_text_is_left_alone(text: str) -> None:
    assert persian_candidates(text, KB_VOCABULARY) == []


@pytest.mark.parametrize(
    "text",
    ["", "   ", "🙏🙏🙏", "123 456", "۱۲۳", "?!.,;", "\x00\x01", "\ud83d", "😀 ۱۲ ۳"],
)
def test_text_without_latin_letters_gets_no_candidates(text: str) -> None:
    assert persian_candidates(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_000,
        "qwrtp zxcvb " * 800,
        "a'b'c ' `` ’’ 'salam' o'o",
        "ÀÉÎÕÜ ñ ß ø æ œ",
        "Ｓａｌａｍ ＶＰＮ",
        "salam\x00\x1b[0mnashod\ud83d",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "mimimimimimimimimimimimi nenenenenenenene",
        "2ta file 3 bar 😀 upload nashod!!!",
    ],
)
def test_garbage_or_huge_latin_text_never_raises(text: str) -> None:
    candidates = persian_candidates(text, KB_VOCABULARY)
    assert isinstance(candidates, list)
    assert all(isinstance(c, str) and c for c in candidates)
    assert isinstance(finglish_to_persian(text), str)
    assert isinstance(layout_to_persian(text), str)


def test_built_in_word_list_is_a_few_hundred_search_keys() -> None:
    raw = resources.files("kb.data").joinpath("persian_common_words.json").read_text("utf-8")
    words = [w for group in json.loads(raw).values() if isinstance(group, list) for w in group]
    assert 300 <= len(words) <= 800
    assert len(set(words)) == len(words)
    assert all(normalize(w) == w and " " not in w for w in words)
    assert {
        "سلام",
        "رمز",
        "عبور",
        "ورود",
        "حساب",
        "کاربری",
        "پرداخت",
        "نشد",
        "چطور",
        "چرا",
        "نمیشه",
        "فایل",
        "آپلود",
        "گزارش",
        "دسترسی",
    } <= set(words)
