"""Everyday support vocabulary folded onto the words articles use.

Customers write «پسوردم رو ریست کنم»; articles say «بازنشانی رمز عبور». Each rule adds the
canonical words to a search key (the original words stay, so nothing a rule misses is lost),
for the whole index and every question alike. Keys are already normalized (kb.normalize):
half-spaces are spaces, so «می‌شود» arrives as «می شود».

Courtesy phrases («سلام وقت بخیر»، «خسته نباشید») carry no topic; they are dropped from a key
as long as something else is left, so a long friendly message is matched on its content.
"""

from __future__ import annotations

import re

# Loanwords and colloquial forms -> the words the articles use. One word on the left.
_WORDS: dict[str, str] = {
    # account and login
    "پسورد": "رمز عبور", "پسوورد": "رمز عبور", "پسوردم": "رمز عبورم", "پسوردمو": "رمز عبورم",
    "گذرواژه": "رمز عبور", "رمزمو": "رمزم", "password": "رمز عبور", "pass": "رمز",
    "لاگین": "ورود", "login": "ورود", "اکانت": "حساب کاربری", "اکانتم": "حسابم",
    "account": "حساب", "یوزر": "کاربر", "یوزرنیم": "نام کاربری", "username": "نام کاربری",
    "ریست": "بازنشانی", "reset": "بازنشانی", "بلاک": "مسدود", "لاک": "قفل",
    # errors and actions
    "ارور": "خطا", "error": "خطا", "آپلود": "بارگذاری", "upload": "بارگذاری",
    "دانلود": "دریافت", "دیلیت": "حذف", "فولدر": "پوشه", "پرینت": "چاپ",
    "آپدیت": "به روزرسانی", "اپدیت": "به روزرسانی", "ورژن": "نسخه", "اپ": "برنامه",
    "اپلیکیشن": "برنامه", "app": "برنامه", "نوتیف": "اعلان", "نوتیفیکیشن": "اعلان",
    "اس": "پیامک", "sms": "پیامک", "ایمیل": "ایمیل رایانامه", "ساپورت": "پشتیبانی",
    "تیکت": "درخواست تیکت", "اکسل": "excel", "پی دی اف": "pdf",
    # colloquial verb forms (after normalization: no half-space)
    "میشه": "می شود", "نمیشه": "نمی شود", "میشم": "می شوم", "نمیشم": "نمی شوم",
    "میخوام": "می خواهم", "نمیخوام": "نمی خواهم", "میخوایم": "می خواهیم",
    "میتونم": "می توانم", "نمیتونم": "نمی توانم", "میتونه": "می تواند", "نمیتونه": "نمی تواند",
    "میکنه": "می کند", "نمیکنه": "نمی کند", "میکنم": "می کنم", "نمیکنم": "نمی کنم",
    "میده": "می دهد", "نمیده": "نمی دهد", "میاد": "می آید", "نمیاد": "نمی آید",
    "میره": "می رود", "نمیره": "نمی رود", "میگه": "می گوید", "میزنم": "می زنم",
    "نمیذاره": "نمی گذارد", "بذارم": "بگذارم", "بشم": "بشوم", "شم": "شوم", "برم": "بروم",
    "چطوری": "چگونه", "چطور": "چگونه", "چجوری": "چگونه", "چیکار": "چه کار", "چیه": "چیست",
    "کجاست": "کجا", "یه": "یک", "رو": "را", "اومد": "آمد", "نیومد": "نیامد",
    "یادم": "فراموش", "ببینم": "مشاهده",
}
# Phrases of several words -> canonical words.
_PHRASES: tuple[tuple[str, str], ...] = (
    ("کلمه عبور", "رمز عبور"),
    ("رمز ورود", "رمز عبور"),
    ("یادم رفته", "فراموش کرده ام"),
    ("یادم نمیاد", "فراموش کرده ام"),
    ("لاگ اوت", "خروج"),
    ("اس ام اس", "پیامک"),
    ("وی پی ان", "vpn"),
    ("وی آی پی", "vip"),
    ("وی آی سی", "vic"),
)
_COURTESY = re.compile(
    r"(?:^| )(?:با سلام و احترام|با سلام|سلام علیکم|سلام|درود|عرض ادب|خدا ?قوت"
    r"|(?:وقت|روز|عصر|صبح)(?: شما| ?تون| ?تان| ?ت)? بخیر|خسته نباشید|خسته نباشین"
    r"|ممنون(?: میشم)?|مرسی|متشکرم|با تشکر|لطفا|ببخشید)(?= |$)"
)
_PHRASE_RE = re.compile("|".join(re.escape(p) for p, _ in _PHRASES))
_PHRASE_MAP = dict(_PHRASES)


def without_courtesy(key: str) -> str:
    """A normalized key without its greetings and thanks, unless nothing else is left."""
    return " ".join(_COURTESY.sub(" ", key).split()) or key


def expand(key: str) -> str:
    """Add the canonical words for the loanwords and colloquial forms in a normalized key."""
    words = without_courtesy(key).split()
    additions = [_WORDS[w] for w in words if w in _WORDS]
    additions += [_PHRASE_MAP[m.group(0)] for m in _PHRASE_RE.finditer(" ".join(words))]
    return " ".join(words + additions)
