"""Every Persian string customers and agents read, in one place (HTML parse mode unless noted)."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Final

from handoff.hours import Closed
from handoff.persian import day_and_time, fa_digits
from handoff.persian import duration as duration  # re-exported for the bot's modules
from handoff.topics import ticket_number

# «\u200e» (a left-to-right mark) before a /command keeps its slash in front of it inside a
# Persian line; «\u200f» (right-to-left) starts a line whose first word is a /command, so the
# line stays right to left.

fa = fa_digits  # the bot's modules write numbers through bot.texts


ticket_ref = ticket_number  # "#۱۲", as on the agents' card


# -- buttons -------------------------------------------------------------------------------
PERSON_BUTTON = "👤 گفتگو با کارشناس"
CATEGORIES_BUTTON = "📚 دسته‌ها"
HELPFUL_YES = "👍 بله، کمک کرد"
HELPFUL_NO = "👎 نه"
NONE_OF_THESE = "هیچ‌کدام؛ با کارشناس صحبت می‌کنم"
NOT_THIS_ONE = "نه، این نیست؛ با کارشناس صحبت می‌کنم"

# -- commands (the menu Telegram shows beside the text box) ------------------------------------
COMMANDS = (
    ("start", "شروع و دیدن دسته‌های راهنما"),
    ("help", "راهنمای استفاده"),
    ("human", "گفتگو با کارشناس"),
)

# -- the conversation ------------------------------------------------------------------------


def _name(first_name: str) -> str:
    return escape(first_name.strip()[:64]) or "دوست عزیز"


def greeting(first_name: str) -> str:
    """Greet the customer by name and say what the bot can do."""
    name = _name(first_name)
    return (
        f"سلام {name}! 👋\n"
        "من «پاسخ» هستم، دستیار پشتیبانی فناوری اطلاعات.\n\n"
        "• پرسش یا مشکلتان را به فارسی بنویسید تا از راهنماها پاسخ بدهم.\n"
        "• یا از دسته‌های زیر، راهنماها را خودتان ببینید.\n"
        f"• هر وقت خواستید، با دکمهٔ «{PERSON_BUTTON}» یا دستور \u200e/human "
        "با یک کارشناس صحبت کنید."
    )


def _page_of(page: int, pages: int) -> str:
    """« (صفحهٔ ۲ از ۳)» for a list of several pages; nothing for one."""
    return f" (صفحهٔ {fa(page + 1)} از {fa(pages)})" if pages > 1 else ""


def categories_prompt(page: int = 0, pages: int = 1) -> str:
    """Ask to pick a category (on one of the menu's pages)."""
    return f"📚 دسته‌های راهنما را انتخاب کنید{_page_of(page, pages)}:"


NO_CATEGORIES = "هنوز راهنمایی در دسته‌ها نیست. پرسشتان را بنویسید یا با کارشناس صحبت کنید."


def category_header(category: str, page: int = 0, pages: int = 1) -> str:
    """Introduce the articles of one category (on one of its pages)."""
    return f"📂 راهنماهای «{escape(category)}»{_page_of(page, pages)}:"


NEXT_PAGE = "صفحهٔ بعد ◀️"
PREVIOUS_PAGE = "▶️ صفحهٔ قبل"


HELP = (
    "<b>راهنمای «پاسخ»</b>\n\n"
    "• پرسشتان را در یک یا چند جمله بنویسید؛ مثلاً «رمز عبورم را فراموش کرده‌ام».\n"
    "• بعد از هر پاسخ بگویید کمک کرد یا نه؛ اگر نه، راه‌های دیگر یا کارشناس پیشنهاد می‌شود.\n"
    "\u200f• \u200e/start دسته‌های راهنما را نشان می‌دهد.\n"
    f"\u200f• \u200e/human یا دکمهٔ «{PERSON_BUTTON}» شما را به یک کارشناس وصل می‌کند؛ "
    "بعد از آن هر چه بفرستید (متن، عکس، فایل، صدا) به دست کارشناس می‌رسد."
)
UNKNOWN_COMMAND = "این دستور را نمی‌شناسم. \u200e/help راهنما را نشان می‌دهد."
HELPFUL_QUESTION = "آیا این پاسخ کمکتان کرد؟"
SUGGEST_PROMPT = "مطمئن نیستم منظورتان کدام است. یکی از این راهنماها؟"
SUGGEST_ONE_PROMPT = "مطمئن نیستم درست فهمیده باشم. منظورتان این راهنماست؟"
NOT_HELPFUL_ALTERNATIVES = (
    "متأسفم که کمکی نکرد. شاید یکی از این‌ها به کارتان بیاید، یا با کارشناس صحبت کنید:"
)
NOT_HELPFUL_ONE_ALTERNATIVE = (
    "متأسفم که کمکی نکرد. شاید این راهنما به کارتان بیاید، یا با کارشناس صحبت کنید:"
)


def suggest_prompt(choices: int) -> str:
    """Ask which guide the customer meant; one guide is offered as a yes-or-no, not a pick."""
    return SUGGEST_PROMPT if choices > 1 else SUGGEST_ONE_PROMPT


def not_helpful_alternatives(choices: int) -> str:
    """After a "no", offer the other guides (or the one) beside a person."""
    return NOT_HELPFUL_ALTERNATIVES if choices > 1 else NOT_HELPFUL_ONE_ALTERNATIVE


NOT_HELPFUL_NOTHING_ELSE = (
    "متأسفم که کمکی نکرد. می‌توانید پرسش را با کلمات دیگری بنویسید یا با کارشناس صحبت کنید:"
)
FEEDBACK_THANKS = "ممنون از بازخوردتان 🙏"
FEEDBACK_ALREADY = "بازخورد شما قبلاً ثبت شده است."
ARTICLE_GONE = "این راهنما دیگر در دسترس نیست. پرسشتان را بنویسید."
CATEGORY_GONE = "این دسته دیگر وجود ندارد."
STALE_BUTTON = "این دکمه دیگر معتبر نیست."
SMALL_TALK_GREETING = "سلام! 🌷 پرسش یا مشکلتان را بنویسید تا کمک کنم."
SMALL_TALK_THANKS = "خواهش می‌کنم 🌷 اگر پرسش دیگری دارید، بنویسید."
SMALL_TALK_OK = "🌷 اگر پرسش دیگری دارید، بنویسید."
SMALL_TALK_BYE = "خدانگهدار 🌷 هر وقت پرسشی داشتید، همین‌جا بنویسید."
# Replies that invite another question: a «نه» to them is a goodbye.
ASK_MORE = frozenset({SMALL_TALK_THANKS, SMALL_TALK_OK})
# «کارشناس نمیخوام»: the bot stays, and says how to reach a person later.
NO_PERSON = (
    "باشه، به کارشناس وصل نمی‌کنم 🙂 پرسشتان را بنویسید تا از راهنماها پاسخ بدهم. "
    f"هر وقت خواستید، دکمهٔ «{PERSON_BUTTON}» یا \u200e/human\u200f شما را به کارشناس وصل می‌کند."
)
# «کارشناس نمیخوام، فلان کار چطوریه؟» with no guide for it: a person offered, not imposed.
NO_GUIDE_NO_PERSON = (
    "برای این پرسش راهنمایی پیدا نکردم. می‌توانید آن را با کلمه‌های دیگری بنویسید، "
    "یا اگر خواستید، با دکمهٔ زیر با یک کارشناس صحبت کنید:"
)
EMPTY_QUESTION = "پرسشتان را در چند کلمه بنویسید تا کمک کنم."
# «؟؟؟» under guides waiting for a pick: it asked for the question the customer had just given.
PICK_OR_WRITE = (
    "یکی از راهنماهای بالا را انتخاب کنید، یا اگر هیچ‌کدام نیست، پرسشتان را با کلمات دیگری بنویسید."
)


def after_reading(title: str) -> str:
    """A ticket's question when the customer asked for a person under a guide they browsed
    to (they asked the bot nothing): what they had just read."""
    return f"(پس از خواندن راهنمای «{title}» گفتگو با کارشناس را خواست؛ پرسشی ننوشت)"


# «۲» typed with nothing offered to pick from (or after moving on, with /start or the menu).
NOTHING_TO_PICK = (
    "این‌جا فهرستی برای انتخاب نیست؛ روی دکمه‌ها بزنید، یا پرسشتان را در چند کلمه بنویسید."
)
SEND_TO_PERSON = "👤 همین را برای کارشناس بفرست"
NON_TEXT_NO_TICKET = (
    "این نوع پیام را نمی‌توانم بخوانم 🙂\n"
    "لطفاً مشکل را در چند کلمه بنویسید، یا اگر می‌خواهید یک کارشناس آن را ببیند، "
    "دکمهٔ زیر را بزنید تا همین پیام به دستش برسد."
)
FLOOD_NOTICE = (
    "پیام‌هایتان خیلی پشت سر هم می‌رسد. لطفاً چند لحظه صبر کنید و بعد دوباره بنویسید؛ "
    "تا آن وقت به پیام‌های تازه پاسخ نمی‌دهم."
)


_TO_AGENT = "از این به بعد هر چه این‌جا بفرستید (متن، عکس، فایل، صدا…) مستقیم به دست کارشناس می‌رسد."


ANSWER_SOON = "به‌زودی پاسخ می‌گیرید."


def ticket_opened(number: int, wait: timedelta | None) -> str:
    """Tell the customer their ticket number and when to expect an answer."""
    expect = expect_within(wait) if wait is not None else ANSWER_SOON
    return (
        f"درخواست شما با شمارهٔ <b>{ticket_ref(number)}</b> ثبت شد و به یک کارشناس سپرده شد. "
        f"{expect}\n\n{_TO_AGENT}"
    )


def greeting_while_open(first_name: str, number: int) -> str:
    """Greet a customer whose ticket is open: a person has their conversation, not the KB."""
    return f"سلام {_name(first_name)}! 👋\n{ticket_already_open(number)}"


# Customers abroad read a time as their own: the desk keeps Tehran's hours.
IN_TEHRAN = "به وقت تهران"


def expect_within(span: timedelta, due: datetime | None = None) -> str:
    """When the answer comes: within the contract's response time, around the clock; with
    `due`, the response time counted in open hours, and by when at the latest."""
    if due is None:
        return f"معمولاً ظرف {duration(span)} پاسخ می‌گیرید."
    return (
        f"معمولاً ظرف {duration(span, open_hours=True)} کاری پاسخ می‌گیرید "
        f"(حداکثر تا {day_and_time(due)} {IN_TEHRAN})."
    )


def ticket_opened_in_hours(number: int, span: timedelta, due: datetime) -> str:
    """Tell the customer their ticket number and the contract's response time (open hours)."""
    return (
        f"درخواست شما با شمارهٔ <b>{ticket_ref(number)}</b> ثبت شد و به یک کارشناس سپرده شد. "
        f"{expect_within(span, due)}\n\n"
        f"{_TO_AGENT}"
    )


_CLOSED_NOW: Final = {
    "holiday": "امروز تعطیل رسمی است؛ ",
    "day_off": "امروز پشتیبانی تعطیل است؛ ",
    "hours": "اکنون خارج از ساعت کاری پشتیبانی است؛ ",
}


def expect_when_open(opens: datetime, due: datetime, why: Closed = "hours") -> str:
    """When the answer comes while the desk is closed: why it is closed now (a holiday read
    as «outside working hours» at 10:00 on a weekday looked wrong), when it opens, and by
    when the answer comes at the latest."""
    return (
        f"{_CLOSED_NOW[why]}"
        f"کارشناسان از {day_and_time(opens)} {IN_TEHRAN} پاسخ می‌دهند و پاسخ شما حداکثر تا "
        f"{day_and_time(due)} می‌رسد."
    )


def ticket_opened_while_closed(
    number: int, opens: datetime, due: datetime, why: Closed = "hours"
) -> str:
    """Tell the customer their ticket number, why the desk is closed now, and when it opens."""
    return (
        f"درخواست شما با شمارهٔ <b>{ticket_ref(number)}</b> ثبت شد. "
        f"{expect_when_open(opens, due, why)}\n\n{_TO_AGENT}"
    )


# Said under the ticket's number when the KB had nothing for the question (the customer did
# not ask for a person, and wondered why one was given), or when nothing was asked at all.
NO_GUIDE_FOUND = "برای این پرسش راهنمایی پیدا نکردم؛ یک کارشناس پاسخ می‌دهد."
DESCRIBE_IT = "لطفاً مشکلتان را همین‌جا بنویسید تا کارشناس زودتر رسیدگی کند."


def follow_up_of(previous: int) -> str:
    """Say the agent of a ticket opened soon after a close sees the closed one (a new number
    with no word of the old one read as starting over); not that the message follows it up:
    it may be the new question the rating's thanks asked to send apart."""
    return f"کارشناس سابقهٔ درخواست قبلی شما (<b>{ticket_ref(previous)}</b>) را هم می‌بیند."


def still_waiting(
    number: int, due: datetime | None, now: datetime, opens: datetime | None = None
) -> str:
    """Tell a customer writing before any answer that their words reached the ticket, and when
    the answer is due (or, past it, that it is late and comes soon; or, the desk closed, when
    it opens: `opens`)."""
    added = f"پیامتان به درخواست <b>{ticket_ref(number)}</b> اضافه شد و کارشناس آن را می‌بیند. "
    return added + expect_by(due, now, opens)


def expect_by(due: datetime | None, now: datetime, opens: datetime | None = None) -> str:
    """When the answer comes: by `due` at the latest; past it, that it is late and comes soon
    (or, the desk closed, when it opens: `opens`)."""
    if due is not None and due > now:
        return f"پاسخ حداکثر تا {day_and_time(due)} {IN_TEHRAN} می‌رسد."
    late = "پاسخ از مهلتش دیرتر شده است؛ پوزش می‌خواهیم. " if due is not None else ""
    if opens is not None and opens > now:
        return late + f"کارشناسان از {day_and_time(opens)} {IN_TEHRAN} پاسخ می‌دهند."
    return late + ANSWER_SOON


def ticket_already_open(number: int) -> str:
    """Remind the customer their ticket is open instead of opening another one."""
    return (
        f"درخواست <b>{ticket_ref(number)}</b> شما باز است و کارشناس آن را می‌بیند. "
        "هر پیامی این‌جا بفرستید به همان درخواست اضافه می‌شود."
    )


NOT_RELAYED_KIND = (
    "⚠️ این پیام به کارشناس نرسید: تلگرام اجازهٔ رساندن این نوع پیام را نمی‌دهد. "
    "لطفاً محتوایش را به شکل متن، عکس یا فایل بفرستید."
)
NOT_RELAYED = "⚠️ این پیام به کارشناس نرسید. لطفاً چند دقیقهٔ دیگر دوباره بفرستید."


def ticket_open_toast(number: int) -> str:
    """Say, in a button's pop-up (plain text), that a ticket is open."""
    return f"درخواست {ticket_ref(number)} شما باز است؛ پیامتان را همین‌جا بنویسید."


# The agents' group (the desk) has its own strings: bot.desk_texts.
