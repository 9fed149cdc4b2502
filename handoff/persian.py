"""Persian presentation helpers: digits, Jalali dates in Tehran time, durations, safe text."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jdatetime

from handoff import texts
from kb.normalize import BLANK_LETTERS

# Latin and Arabic-Indic digits both become Persian (Extended Arabic-Indic) digits.
_FA_DIGITS = str.maketrans("0123456789٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹" * 2)

# Zero-width (non-)joiners shape Persian words and emoji; every other format
# character (bidi overrides, isolates, marks) could reorder the card, so it goes.
_KEEP_FORMAT = frozenset("\u200c\u200d")
_LINE_BREAKS = frozenset("\n\r\v\f\x85\u2028\u2029")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")

try:
    TEHRAN: timezone | ZoneInfo = ZoneInfo("Asia/Tehran")
except ZoneInfoNotFoundError:  # pragma: no cover - systems without tz data
    # Iran has kept +03:30 all year since 2022.
    TEHRAN = timezone(timedelta(hours=3, minutes=30), "IRST")


def fa_digits(value: object) -> str:
    """Return str(value) with every digit written the Persian way."""
    return str(value).translate(_FA_DIGITS)


def _drop_invisible(text: str, *, keep_newlines: bool) -> str:
    out: list[str] = []
    for char in text:
        if char in _LINE_BREAKS:
            out.append("\n" if keep_newlines else " ")
        elif char == "\t" or char in BLANK_LETTERS:  # «ㅤ» as a name draws nothing
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cs") or (
            unicodedata.category(char) == "Cf" and char not in _KEEP_FORMAT
        ):
            continue
        else:
            out.append(char)
    return "".join(out)


def clean_inline(text: str | None) -> str:
    """Make customer text one line: no control or bidi characters, single spaces."""
    if not text:
        return ""
    cleaned = _SPACES.sub(
        " ", _drop_invisible(text.replace("\r\n", "\n"), keep_newlines=False)
    ).strip()
    return "" if _draws_nothing(cleaned) else cleaned


def clean_block(text: str | None) -> str:
    """Like clean_inline but keep line breaks (at most one blank line in a row)."""
    if not text:
        return ""
    lines = _drop_invisible(text.replace("\r\n", "\n"), keep_newlines=True).split("\n")
    joined = "\n".join(_SPACES.sub(" ", line).strip() for line in lines)
    cleaned = _BLANK_LINES.sub("\n\n", joined).strip()
    return "" if _draws_nothing(cleaned) else cleaned


def _draws_nothing(text: str) -> bool:
    """Whether `text` is only marks with nothing to sit on (a name of U+034F alone): shown
    as blank, a card's link to the customer had nothing to tap."""
    return all(char.isspace() or char in _KEEP_FORMAT or _attaches(char) for char in text)


def shorten(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters, at a word boundary when one is near, with "…"."""
    if limit < 1:
        return ""
    if len(text) <= limit:
        return text
    cut = text[: whole_characters(text, limit - len(texts.ELLIPSIS))]
    space = cut.rfind(" ")
    if space >= len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + texts.ELLIPSIS


def whole_characters(text: str, end: int) -> int:
    """Move a cut at `end` back so that no character a reader sees as one is split: a flag
    (two regional letters), an emoji with its skin tone, variation selector or joined family
    (ZWJ), a keycap, a letter with its diacritics. A cut at `end` would leave «🇮🇷🇮» or half a
    family behind the «…»."""
    end = max(0, min(end, len(text)))
    while 0 < end < len(text) and (_attaches(text[end]) or text[end - 1] == _ZWJ):
        end -= 1
    if 0 < end < len(text) and _regional(text[end]):
        letters = 0  # regional letters pair up from the start of their run
        while end - letters > 0 and _regional(text[end - letters - 1]):
            letters += 1
        end -= letters % 2
    return end


_ZWJ = "\u200d"


def _attaches(char: str) -> bool:
    """Whether `char` belongs to the character before it."""
    code = ord(char)
    return (
        char == _ZWJ
        or unicodedata.category(char) in ("Mn", "Me")
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag letters (a subdivision flag)
    )


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def jalali(moment: datetime) -> str:
    """Format an aware datetime as a Jalali date and time in Tehran, in Persian digits."""
    local = moment.astimezone(TEHRAN)
    day = jdatetime.date.fromgregorian(date=local.date())
    text = texts.DATE_TIME.format(
        day=day.day,
        month=texts.JALALI_MONTHS[day.month - 1],
        year=day.year,
        hour=local.hour,
        minute=local.minute,
    )
    return fa_digits(text)


def day_and_time(moment: datetime) -> str:
    """Format an aware datetime as weekday, Jalali day and month, and time in Tehran."""
    local = moment.astimezone(TEHRAN)
    day = jdatetime.date.fromgregorian(date=local.date())
    text = texts.DAY_TIME.format(
        weekday=texts.JALALI_WEEKDAYS[day.weekday()],
        day=day.day,
        month=texts.JALALI_MONTHS[day.month - 1],
        hour=local.hour,
        minute=local.minute,
    )
    return fa_digits(text)


def duration(span: timedelta, *, open_hours: bool = False) -> str:
    """Say how long a span is in Persian: "۲ ساعت و ۵ دقیقه", "۱ روز و ۲۱ ساعت" (two largest
    units, the smaller rounded to the nearest: 44:59:59 is "۱ روز و ۲۱ ساعت", not 20, and a
    reminder's "2 days" after a watcher's minute is not "۱ روز و ۲۳ ساعت"). A span of the
    desk's `open_hours` is said in hours however long («۳۰ ساعت»): 24 of them are some three
    working days, and «۱ روز» read as one."""
    seconds = abs(span).total_seconds()
    if seconds < 60:
        return texts.UNDER_A_MINUTE
    minutes = round_half_up(seconds / 60)
    if minutes < 24 * 60 or open_hours:
        units = ((texts.HOURS, minutes // 60), (texts.MINUTES, minutes % 60))
    else:  # days shown: the hours are the smallest unit
        days, hours = divmod(round_half_up(seconds / 3600), 24)
        units = ((texts.DAYS, days), (texts.HOURS, hours))
    parts = [template.format(n=fa_digits(n)) for template, n in units if n]
    return texts.DURATION_JOIN.join(parts)


def round_half_up(value: float) -> int:
    """Round to the nearest whole number, a half up (12.5 → 13, 2.5 → 3), not to the even
    one as round() does; a share whose float falls a hair short of a half (29 / 200 * 100 is
    14.499999999999998) is taken as the half it stands for."""
    exact = Decimal(repr(round(value, 9)))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent(score: float) -> str:
    """Show a [0, 1] score as a Persian percentage, halves up: 0.834 → "۸۳٪", 0.125 → "۱۳٪"."""
    return texts.PERCENT.format(n=fa_digits(round_half_up(max(0.0, min(1.0, score)) * 100)))
