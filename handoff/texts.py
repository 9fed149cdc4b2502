"""Every Persian string the handoff package produces (agents read these in the card)."""

from __future__ import annotations

from typing import Final

# «\u200f» (a right-to-left mark) before words that may start with Latin letters (a name, a
# question typed in Finglish) keeps the line right to left; «\u200e» (left-to-right) before
# a /command or an @username keeps its sign in front of it.

# Ticket states as agents see them; "claimed" and "waiting" name the agent who has it.
STATUS: Final = {
    "open": "باز، در انتظار کارشناس",
    "claimed": "در دست {agent}",
    "escalated": "ارجاع‌شده به سطح ۲ (کارشناس فنی)",
    "waiting": "در انتظار پاسخ مشتری (در دست {agent})",
    "closed": "بسته",
}
UNKNOWN_AGENT: Final = "کارشناس"

REASON: Final = {
    "asked": "مشتری خواست با کارشناس صحبت کند",
    "no_answer": "ربات پاسخی در پایگاه دانش پیدا نکرد",
    "not_helpful": "پاسخ ربات به کار مشتری نیامد",
    "follow_up": "پیام تازهٔ مشتری پس از بسته شدن تیکت قبلی",
}

TIER: Final = {
    "standard": "عادی",
    "vic": "ویژه (VIC)",
    "vip": "VIP",
}

PRIORITY: Final = {
    "normal": "عادی",
    "high": "بالا",
    "urgent": "فوری",
}

LEVEL: Final = {1: "پشتیبانی سطح ۱", 2: "پشتیبانی سطح ۲"}

UNKNOWN_CUSTOMER: Final = "مشتری"
NO_USERNAME: Final = "بدون نام کاربری"

# Card lines. Placeholders are filled with already-escaped HTML.
CARD_TITLE: Final = "🎫 <b>تیکت {number}</b> · {level}"
CARD_CUSTOMER: Final = "👤 <b>مشتری:</b> {name} · {username} · شناسه {id}"
CARD_TIER: Final = "⭐ <b>نوع قرارداد:</b> {tier} · <b>اولویت:</b> {priority}"
CARD_OPENED: Final = "🕓 <b>زمان ثبت:</b> {when}"
CARD_DUE_PENDING: Final = "⏰ <b>مهلت اولین پاسخ:</b> {when} ({relative})"
CARD_DUE_MET: Final = "✅ <b>اولین پاسخ:</b> {when} (در مهلت)"
CARD_DUE_LATE: Final = "⚠️ <b>اولین پاسخ:</b> {when} ({late} دیرتر از مهلت)"
CARD_DUE_NONE: Final = "⏰ <b>مهلت اولین پاسخ:</b> تعیین نشده"
CARD_DUE_CLOSED: Final = "⏰ <b>مهلت اولین پاسخ:</b> {when} (بی‌پاسخ بسته شد)"
CARD_DUE_CLOSED_MISSED: Final = "⚠️ <b>مهلت اولین پاسخ:</b> {when} (گذشت و بی‌پاسخ بسته شد)"
# The same for second line's reply, once an escalated ticket had its first response.
CARD_L2_DUE_PENDING: Final = "⏰ <b>مهلت پاسخ سطح ۲:</b> {when} ({relative})"
CARD_L2_DUE_MET: Final = "✅ <b>پاسخ سطح ۲:</b> {when} (در مهلت)"
CARD_L2_DUE_LATE: Final = "⚠️ <b>پاسخ سطح ۲:</b> {when} ({late} دیرتر از مهلت)"
CARD_L2_DUE_CLOSED: Final = "⏰ <b>مهلت پاسخ سطح ۲:</b> {when} (بی‌پاسخ بسته شد)"
CARD_L2_DUE_CLOSED_MISSED: Final = "⚠️ <b>مهلت پاسخ سطح ۲:</b> {when} (گذشت و بی‌پاسخ بسته شد)"
CARD_WAITING: Final = "⏳ <b>مشتری منتظر پاسخ است:</b> {duration}"
CARD_STATUS: Final = "📌 <b>وضعیت:</b> {status}"
CARD_CLOSED_AT: Final = "🔒 <b>بسته شد:</b> {when}"
CARD_REASON: Final = "↪️ <b>دلیل باز شدن تیکت:</b> {reason}"
CARD_QUESTION: Final = "❓ <b>پرسش مشتری:</b>"
CARD_TRIED: Final = "📚 <b>مقاله‌هایی که ربات امتحان کرد:</b>"
CARD_TRIED_ITEM: Final = "• \u200f{title} ({score})"  # RLM: a title may start in Latin (VPN)
CARD_TRIED_REJECTED: Final = " · 👎 فرستاده شد و به کار مشتری نیامد"
CARD_TRIED_NONE: Final = "📚 ربات مقاله‌ای پیشنهاد نکرد."
CARD_RATING: Final = "🌟 <b>امتیاز مشتری:</b> {stars} {rating} از ۵"
CARD_RATING_COMMENT: Final = "💬 <b>نظر مشتری:</b> {comment}"
CARD_PREVIOUS: Final = "🔁 <b>تیکت قبلی این مشتری:</b> {ticket}"
# Who sent the ticket to second line, and when; their reason, when given, quoted below.
CARD_ESCALATED: Final = "⬆️ <b>ارجاع از سطح ۱:</b> {agent}، {when}"
CARD_ASKED_BEFORE: Final = "🗨 <b>پیش از این، مشتری از ربات پرسیده بود:</b>"
ASKED_ANSWERED: Final = "• \u200f«{question}» ← ربات «{article}» را فرستاد{feedback}"
ASKED_HELPFUL: Final = "؛ مشتری: مفید بود 👍"
ASKED_NOT_HELPFUL: Final = "؛ مشتری: به کارش نیامد 👎"
ASKED_SUGGESTED: Final = "• \u200f«{question}» ← ربات چند مقاله پیشنهاد داد"
ASKED_UNANSWERED: Final = "• \u200f«{question}» ← ربات پاسخی پیدا نکرد"
# Parts of the previous ticket's line, joined by " · ".
PREVIOUS_RATING: Final = "امتیاز {rating} از ۵"
PREVIOUS_TOTAL: Final = "در کل {count} تیکت پیشین"
CARD_BLOCKED: Final = "🚫 مشتری ربات را مسدود کرده است؛ پیام‌ها به او نمی‌رسد."
CARD_DEACTIVATED: Final = "🚫 حساب تلگرام مشتری حذف شده است؛ پیامی به او نمی‌رسد."
EMPTY_QUESTION: Final = "(بدون متن)"

# Relative times and durations.
DUE_IN: Final = "{duration} مانده"
DUE_IN_OPEN: Final = "{duration} از ساعت‌های کاری مانده"
DUE_OVERDUE: Final = "{duration} گذشته از مهلت"
DUE_OVERDUE_OPEN: Final = "{duration} از ساعت‌های کاری گذشته از مهلت"
# How late a reply came (the card's «… دیرتر از مهلت»).
LATE: Final = "{duration}"
LATE_OPEN: Final = "{duration} از ساعت‌های کاری"
DURATION_JOIN: Final = " و "
DAYS: Final = "{n} روز"
HOURS: Final = "{n} ساعت"
MINUTES: Final = "{n} دقیقه"
UNDER_A_MINUTE: Final = "کمتر از یک دقیقه"

# Jalali date: "۱۲ مرداد ۱۴۰۳، ساعت ۱۴:۳۰".
JALALI_MONTHS: Final = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
DATE_TIME: Final = "{day} {month} {year}، ساعت {hour:02d}:{minute:02d}"
# A moment this week or next, as a customer is told it: "دوشنبه ۱۷ آذر، ساعت ۰۸:۰۰".
DAY_TIME: Final = "{weekday} {day} {month}، ساعت {hour:02d}:{minute:02d}"
JALALI_WEEKDAYS: Final = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")

# Topic names: "#۱۲ · علی · رمزم را فراموش…".
TOPIC_SEPARATOR: Final = " · "
TICKET_NUMBER: Final = "#{n}"
ELLIPSIS: Final = "…"
PERCENT: Final = "{n}٪"

# The supervisor's daily report (Telegram HTML; "—" where there is nothing to divide by).
REPORT_TITLE: Final = "📊 <b>گزارش روزانهٔ پشتیبانی</b> · {day}"
REPORT_TODAY: Final = "📊 <b>گزارش امروز تا این لحظه</b> · {day}"
# Served without a person, of the customers who asked the KB something (not a greeting).
REPORT_CUSTOMERS: Final = (
    "👥 مشتریانی که پیام دادند: {customers} · "
    "بی‌نیاز از کارشناس: {served} از {asked} نفری که پرسیدند ({rate})"
)
REPORT_QUESTIONS: Final = (
    "🤖 پرسش‌ها: {questions} · پاسخ: {answers} · پیشنهاد: {suggestions} · به کارشناس: {handoffs}"
)
REPORT_FEEDBACK: Final = "👍 بازخورد پاسخ‌ها: {yes} مفید · {no} نامفید"
REPORT_TICKETS: Final = "🎫 تیکت‌ها: {opened} باز شد · {closed} بسته شد · {open_now} اکنون باز"
REPORT_FIRST_RESPONSE: Final = "⏱ اولین پاسخ: میانه {median} ({count} تیکت)"
# The same, the waits counted on the contract's open hours as deadlines are.
REPORT_FIRST_RESPONSE_OPEN_HOURS: Final = (
    "⏱ اولین پاسخ در ساعات کاری: میانه {median} ({count} تیکت)"
)
REPORT_NO_RESPONSES: Final = "⏱ اولین پاسخ: در این روز به هیچ تیکتی پاسخ اول داده نشد"
REPORT_SLA: Final = "🎯 مهلت اولین پاسخ: {met} از {total} در مهلت ({rate})"
# Second line: tickets escalated that day, those at L2 still open, and how soon L2 answered.
REPORT_L2: Final = "⬆️ سطح ۲: {escalated} ارجاع در این روز · {open_now} اکنون باز"
REPORT_L2_RESPONSE: Final = "⏱ پاسخ سطح ۲ پس از ارجاع: میانه {median} ({count} تیکت)"
REPORT_L2_RESPONSE_OPEN_HOURS: Final = (
    "⏱ پاسخ سطح ۲ پس از ارجاع، در ساعات کاری: میانه {median} ({count} تیکت)"
)
REPORT_CSAT: Final = (
    "⭐ رضایت مشتری: میانگین {mean} از ۵ ({count} امتیاز) · سهم امتیاز ۴ و ۵: {satisfied}"
)
REPORT_NO_RATINGS: Final = "⭐ رضایت مشتری: امتیازی ثبت نشد"
REPORT_AGENTS: Final = "👤 <b>کارشناسان</b> (تیکت‌هایی که در این روز بستند و امتیازهای همان روز):"
# A right-to-left mark after a name or question too: else a count after one that ends in Latin
# is laid out with it, and «Sara K: ۳ تیکت» reads «۳ :Sara K».
REPORT_AGENT: Final = "• \u200f{name}\u200f: {closed} تیکت{rated}"
REPORT_AGENT_RATED: Final = " · میانگین امتیاز {mean} ({count} امتیاز)"
REPORT_AGENTS_MAX: Final = 10
REPORT_AGENTS_MORE: Final = "… و {count} کارشناس دیگر"
REPORT_SAMPLES: Final = (
    "🔎 <b>نمونه‌های کنترل کیفیت</b> (تیکت‌هایی که در این روز بسته شدند یا امتیاز گرفتند):"
)
REPORT_SAMPLE_RATED: Final = "امتیاز {rating}"
REPORT_SAMPLE_UNRATED: Final = "بدون امتیاز"
REPORT_SAMPLE_COMMENT: Final = " · «{comment}»"
# What customers asked that the KB could not answer that day (kb.gaps), most asked first.
REPORT_GAPS: Final = (
    "❓ <b>پرسش‌های بی‌پاسخ در پایگاه دانش</b> (پرتکرارترین؛ فهرست کامل و پیشنهادها: "
    "<code>python -m kb gaps</code>):"
)
REPORT_GAP: Final = "• \u200f«{question}\u200f» · {asked} بار از {customers} مشتری"
REPORT_GAPS_MAX: Final = 5
REPORT_GAP_CHARS: Final = 80

# The week up to the reported day, a line a day: the self-service share as a bar of ten cells
# (filled from the right, as Persian reads), tickets opened, median first response, mean rating.
REPORT_TREND: Final = "📈 <b>هفت روز اخیر</b> (خودیاری · تیکت تازه · میانهٔ اولین پاسخ · رضایت):"
REPORT_TREND_OPEN_HOURS: Final = (
    "📈 <b>هفت روز اخیر</b> (خودیاری · تیکت تازه · میانهٔ اولین پاسخ در ساعات کاری · رضایت):"
)
REPORT_TREND_DAY: Final = "{day}: {bar} {rate} · {opened} تیکت · {median} · {csat}"
REPORT_TREND_CELLS: Final = 10
REPORT_TREND_FULL: Final = "█"
REPORT_TREND_EMPTY: Final = "░"
REPORT_TREND_NONE: Final = "—"

# The last four weeks as a picture, under the daily report: a chart a figure.
CHART_CAPTION: Final = "📈 <b>چهار هفتهٔ اخیر</b> · {first} تا {last}"
CHART_SELF_SERVICE: Final = "خودیاری: مشتریانی که بی‌نیاز از کارشناس ماندند (٪)"
CHART_OPENED: Final = "تیکت‌های تازه"
CHART_FIRST_RESPONSE: Final = "میانهٔ اولین پاسخ ({unit})"
CHART_FIRST_RESPONSE_OPEN_HOURS: Final = "میانهٔ اولین پاسخ در ساعات کاری ({unit})"
CHART_MINUTES: Final = "دقیقه"
CHART_HOURS: Final = "ساعت"
CHART_CSAT: Final = "رضایت مشتری (میانگین از ۵)"

# A first-response deadline passed with no reply (the agents' group and the supervisors).
OVERDUE_ALERT: Final = (
    "⚠️ <b>مهلت اولین پاسخ گذشت</b>: تیکت {ticket} · {customer} · {tier}\n"
    "مهلت {due} بود و {late} گذشته است؛ هنوز کسی پاسخ نداده. در دست: {holder}"
)
# Second line's deadline passed with no reply from it since the escalation (the group the
# ticket is in, and the supervisors).
OVERDUE_ALERT_L2: Final = (
    "⚠️ <b>مهلت پاسخ سطح ۲ گذشت</b>: تیکت {ticket} · {customer} · {tier}\n"
    "ارجاع به سطح ۲: {escalated}؛ مهلت {due} بود و {late} گذشته است؛"
    " سطح ۲ هنوز پاسخ نداده. در دست: {holder}"
)
NOBODY_YET: Final = "هیچ‌کس"
# Posted in the ticket's topic a while before its first-response deadline.
DUE_SOON_WARNING: Final = (
    "⏰ <b>{left} تا پایان مهلت اولین پاسخ</b> ({due})؛ هنوز پاسخی به مشتری نرفته است."
)
# The desk closes before the deadline: what is left of the open hours is what counts.
DUE_SOON_WARNING_OPEN_HOURS: Final = (
    "⏰ <b>{left} از ساعت‌های کاری تا پایان مهلت اولین پاسخ مانده</b> ({due})؛"
    " هنوز پاسخی به مشتری نرفته است."
)
# The same for second line's reply to an escalated ticket.
DUE_SOON_WARNING_L2: Final = (
    "⏰ <b>{left} تا پایان مهلت پاسخ سطح ۲</b> ({due})؛ از ارجاع تا کنون پاسخی به مشتری نرفته است."
)
DUE_SOON_WARNING_L2_OPEN_HOURS: Final = (
    "⏰ <b>{left} از ساعت‌های کاری تا پایان مهلت پاسخ سطح ۲ مانده</b> ({due})؛"
    " از ارجاع تا کنون پاسخی به مشتری نرفته است."
)

# The whole conversation as a file, for an L2 topic given its last messages only.
TRANSCRIPT_TITLE: Final = "گفتگوی تیکت #{ticket} · {customer}"
TRANSCRIPT_SUMMARY: Final = (
    "{count} پیام، یادداشت داخلی و مقالهٔ فرستاده‌شده، به ترتیب زمان (ساعت‌ها به وقت تهران)."
)
TRANSCRIPT_CUSTOMER: Final = "👤 مشتری"
# A message to the customer logged before the log kept whose it was.
TRANSCRIPT_TO_CUSTOMER: Final = "📤 به مشتری (کارشناس یا ربات)"
# One the log names the writer of: «📤 به مشتری — سارا», «📤 به مشتری — ربات».
TRANSCRIPT_TO_CUSTOMER_BY: Final = "📤 به مشتری"
TRANSCRIPT_BOT: Final = "ربات"
TRANSCRIPT_NOTE: Final = "📝 یادداشت داخلی"
TRANSCRIPT_GUIDE: Final = "📚 مقالهٔ فرستاده‌شده"
TRANSCRIPT_UNDELIVERED: Final = "⚠️ پاسخی که به مشتری نرسید"
TRANSCRIPT_KINDS: Final = {
    "photo": "عکس",
    "voice": "پیام صوتی",
    "video": "ویدیو",
    "video_note": "ویدیوی دایره‌ای",
    "animation": "گیف",
    "audio": "فایل صوتی",
    "sticker": "استیکر",
    "document": "فایل",
    "location": "مکان",
    "contact": "مخاطب",
    "other": "پیامی از نوع دیگر",
    "edit": "ویرایش پیامی پیشین",
}
