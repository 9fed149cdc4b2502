"""Every Persian string of the agents' desk (HTML parse mode unless noted as a pop-up)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.texts import fa, ticket_ref

# «\u200e» (a left-to-right mark) before a /command keeps its slash in front of it inside a
# Persian line; «\u200f» (right-to-left) starts a line whose first word is a /command, so the
# line stays right to left.

# -- card buttons ------------------------------------------------------------------------------
CLAIM_BUTTON = "✋ برمی‌دارم"
CLOSE_BUTTON = "✅ بستن"
ESCALATE_BUTTON = "⬆️ ارجاع به سطح ۲"
ARTICLES_BUTTON = "📚 ارسال مقاله"
WAIT_BUTTON = "⏸ منتظر مشتری"

# -- commands (the menu Telegram shows in the agents' groups) -----------------------------------
DESK_COMMANDS = (
    ("claim", "برداشتن تیکت این تاپیک"),
    ("take", "تحویل گرفتن تیکتی که دست همکار دیگری است"),
    ("wait", "منتظر پاسخ مشتری؛ با پیام بعدی او دوباره فعال می‌شود"),
    ("close", "بستن تیکت و درخواست امتیاز از مشتری"),
    ("escalate", "ارجاع تیکت به پشتیبانی سطح ۲؛ دلیلش را بعد از دستور بنویسید"),
    ("note", "یادداشت داخلی که به مشتری نمی‌رسد"),
    ("article", "فرستادن یک مقالهٔ پایگاه دانش به مشتری"),
    ("tier", "نوع قرارداد مشتری: vip، vic یا standard"),
    ("tickets", "فهرست تیکت‌های باز"),
    ("report", "آمار امروز تا این لحظه"),
    ("help", "راهنمای دستورهای کارشناسان"),
)
# The L2 group's menu: every ticket there is at second line already (/escalate says so).
L2_COMMANDS = tuple((name, said) for name, said in DESK_COMMANDS if name != "escalate")
_ESCALATE_HELP = (
    "\u200f• <code>\u200e/escalate دلیل</code> ارجاع به پشتیبانی سطح ۲؛ دلیل روی کارت سطح ۲ می‌آید\n"
)
DESK_HELP = (
    "<b>راهنمای کارشناسان «پاسخ»</b>\n\n"
    "هر تیکت یک تاپیک است. هر پیامی که در تاپیک بنویسید (متن، عکس، فایل، صدا…) بدون نام شما "
    "برای مشتری فرستاده می‌شود و پیام‌های مشتری همین‌جا می‌آید. نوشتن در تیکتی که کسی برنداشته، "
    "آن را به نام شما برمی‌دارد؛ در تیکتی که همکار دیگری برداشته، پیام شما فرستاده نمی‌شود "
    "(اول \u200e/take). پیامی که با <code>!</code> شروع شود یادداشت داخلی است.\n\n"
    "<b>در تاپیک تیکت:</b>\n"
    "\u200f• \u200e/claim برداشتن تیکت\n"
    "\u200f• \u200e/take تحویل گرفتن تیکتی که دست همکار دیگری است (اگر او نیست)\n"
    "\u200f• \u200e/wait منتظر پاسخ مشتری؛ با پیام بعدی او تیکت دوباره فعال می‌شود\n"
    "\u200f• \u200e/close بستن تیکت و درخواست امتیاز از مشتری\n"
    f"{_ESCALATE_HELP}"
    "\u200f• <code>\u200e/note متن</code> یادداشت داخلی که به مشتری نمی‌رسد\n"
    "\u200f• <code>\u200e/article شناسه</code> فرستادن یک مقاله به مشتری\n"
    "\u200f• <code>\u200e/tier vip</code> (یا vic یا standard) نوع قرارداد مشتری؛ "
    "مهلت پاسخ از روی آن است\n\n"
    "<b>هر جای گروه:</b>\n"
    "\u200f• \u200e/tickets تیکت‌های باز، قدیمی‌ترین بی‌پاسخ اول\n"
    "\u200f• \u200e/report آمار امروز: پاسخ‌های ربات، تیکت‌ها، زمان اولین پاسخ، رضایت مشتری\n"
    "\u200f• \u200e/help همین راهنما"
)
# /help in the L2 group: the same, without /escalate.
L2_HELP = DESK_HELP.replace(_ESCALATE_HELP, "")


SUPERVISOR_COMMANDS = (
    ("report", "آمار امروز تا این لحظه"),
    ("tickets", "تیکت‌های باز همهٔ گروه‌ها"),
    ("help", "راهنمای دستورها"),
)
# /help in the supervisors' chat (unless it is an agents' group): what works there, as its
# menu lists it; the ticket commands work in the agents' group only.
SUPERVISOR_HELP = (
    "<b>راهنمای سرپرستان «پاسخ»</b>\n\n"
    "هشدار تیکت‌هایی که مهلت پاسخشان گذشته و گزارش روزانه همین‌جا می‌آید.\n\n"
    "<b>این‌جا:</b>\n"
    "\u200f• \u200e/tickets تیکت‌های باز همهٔ گروه‌ها، قدیمی‌ترین بی‌پاسخ اول، با پیوند تاپیکشان\n"
    "\u200f• \u200e/report آمار امروز تا این لحظه، با کارشناسان و نمونه‌های کنترل کیفیت\n"
    "\u200f• \u200e/help همین راهنما\n\n"
    "کار روی خود تیکت‌ها (برداشتن، یادداشت، ارجاع، بستن…) در تاپیک هر تیکت در گروه کارشناسان"
    " انجام می‌شود؛ \u200e/help در آن گروه دستورهایش را نشان می‌دهد."
)


def unknown_desk_command(typed: str, meant: str | None) -> str:
    """Tell an agent a slash command is not one of the desk's, and that it reached no one."""
    text = (
        f"دستور <code>\u200e{escape(typed[:64])}</code> را نمی‌شناسم؛ "
        "این پیام برای مشتری فرستاده نشد."
    )
    if meant is not None:
        text += f"\nشاید منظورتان \u200e/{escape(meant)} بود؟"
    return text + "\n\u200f\u200e/help فهرست دستورها را نشان می‌دهد."


# -- pop-ups (plain text, ≤ 200 characters) ------------------------------------------------------
NOT_AN_AGENT = "فقط اعضای گروه کارشناسان می‌توانند روی تیکت‌ها کار کنند."
MEMBERSHIP_UNCHECKED = "تلگرام الان پاسخ نداد و عضویت شما بررسی نشد؛ چند لحظه بعد دوباره بزنید."
UNKNOWN_TICKET = "این تیکت پیدا نشد یا این دکمه دیگر معتبر نیست."
WRONG_TOPIC = "این دکمه مال تیکت دیگری است؛ کاری انجام نشد."
TICKET_CLOSED = "این تیکت بسته شده است؛ کاری انجام نشد."
CLAIMED_TOAST = "تیکت به نام شما ثبت شد."
ALREADY_YOURS = "این تیکت از قبل دست شماست."
NOT_ALLOWED_NOW = "این کار در وضعیت فعلی تیکت ممکن نیست."
CLOSED_TOAST = "تیکت بسته شد."
ESCALATED_TOAST = "تیکت به سطح ۲ ارجاع شد."
WAITING_TOAST = "تیکت در انتظار پاسخ مشتری است."
ALREADY_WAITING = "این تیکت از قبل در انتظار پاسخ مشتری است."
ARTICLE_SENT_TOAST = "مقاله برای مشتری فرستاده شد."
ARTICLE_NOT_SENT_TOAST = "مقاله فرستاده نشد؛ دلیلش در همین تاپیک آمده است."
ANOTHER_AGENT = "همکار دیگری"
RATING_THANKS_TOAST = "امتیازتان ثبت شد ✅"  # the thanks come in the message under it
RATING_STALE = "این نظرسنجی دیگر معتبر نیست."
RATING_ALREADY = "امتیاز شما قبلاً ثبت شده است."


def held_by(name: str) -> str:
    """Tell a losing agent (pop-up) who has the ticket."""
    return f"این تیکت را {name[:64]} برداشته است."


def held_by_take_hint(name: str) -> str:
    """Tell an agent in the topic who has the ticket, and how to take it over."""
    return f"این تیکت را {escape(name[:64])} برداشته است؛ برای تحویل گرفتنش \u200e/take بنویسید."


# What a colleague's /close or /wait (or its button) did not do, on a ticket another holds.
NOT_CLOSED = "تیکت بسته نشد"
NOT_PUT_ON_WAIT = "تیکت در انتظار پاسخ مشتری گذاشته نشد"


def not_done_held_by(not_done: str, name: str) -> str:
    """Tell an agent that what they asked for was not done (`not_done`: NOT_CLOSED, …)
    because a colleague holds the ticket, and how to take it over."""
    return f"⛔ {not_done}: {held_by_take_hint(name)}"


# An admin writing as the group (anonymous) or as a channel in a ticket's topic.
NOT_SENT_ANONYMOUS = (
    "⛔ این پیام به نام گروه (ناشناس) یا یک کانال نوشته شده و برای مشتری فرستاده نشد؛ کاری هم"
    " روی تیکت انجام نشد: هر تیکت را یک کارشناس با نام خودش پاسخ می‌دهد. در تنظیمات مدیران گروه"
    " «ناشناس ماندن» را برای خودتان خاموش کنید (یا به نام خودتان بفرستید) و دوباره بنویسید."
)


MOVED_TO_L2_TOAST = "⬆️ این تیکت به گروه پشتیبانی سطح ۲ رفته است؛ از تاپیکش در آن گروه ادامه دهید."


def l2_topic_made(where: str) -> str:
    """Say in the topic a ticket left for the L2 group where it went (`where`: HTML, the
    ticket's number linked to its new topic)."""
    return f"🔗 تاپیک این تیکت در گروه پشتیبانی سطح ۲: {where}؛ از آن‌جا ادامه دهید."


def left_card_moved(where: str) -> str:
    """The first line of the card a ticket left behind for the L2 group, drawn one last time
    (`where`: HTML, the ticket's number linked to its new topic)."""
    return f"⬆️ <b>این تیکت به گروه پشتیبانی سطح ۲ رفت</b> ({where})؛ این کارت دیگر به‌روز نمی‌شود."


def moved_to_l2(where: str) -> str:
    """Answer what is written in the topic a ticket left for the L2 group (`where`: HTML)."""
    return (
        f"⬆️ این تیکت به گروه پشتیبانی سطح ۲ رفته است ({where})؛ آنچه این‌جا نوشتید به مشتری"
        " نرسید و کاری روی تیکت انجام نشد. از تاپیکش در آن گروه ادامه دهید."
    )


def edit_moved_to_l2(where: str) -> str:
    """Answer an edit made in the topic a ticket left for the L2 group (`where`: HTML): the
    experts read the message as it was, so the customer's copy stays so too."""
    return (
        f"⬆️ این تیکت به گروه پشتیبانی سطح ۲ رفته است ({where})؛ این ویرایش به مشتری نرسید و"
        " نسخهٔ او همان است که بود. اگر اصلاحی لازم است، در تاپیکش در آن گروه بنویسید."
    )


def topic_closed_by_hand(name: str) -> str:
    """Say in a topic closed by hand that it is open again, and how a ticket is closed."""
    return (
        f"🔓 \u200f{escape(name[:64])} این تاپیک را بست، ولی تیکت هنوز باز است؛ تاپیک دوباره"
        " باز شد تا پیام‌های مشتری و پاسخ‌ها ادامه پیدا کند. برای بستن تیکت \u200e/close بنویسید"
        " یا دکمهٔ بستن کارت را بزنید: مشتری خبردار می‌شود و امتیاز خواسته می‌شود."
    )


def not_sent_held_by(name: str, *, article: bool = False) -> str:
    """Tell an agent that what they wrote (or the article they chose) did not reach the
    customer, because a colleague holds the ticket, and what they can do instead."""
    what = "مقاله" if article else "پیام شما"
    return (
        f"⛔ این تیکت را {escape(name[:64])} برداشته است؛ {what} برای مشتری فرستاده نشد. "
        "برای تحویل گرفتنش \u200e/take بنویسید؛ یادداشت داخلی را با <code>!</code> شروع کنید."
    )


def taken_over_notice(agent: str, holder_id: int, holder: str | None) -> str:
    """Tell the topic, mentioning the former holder, that another agent took the ticket."""
    mention = f'<a href="tg://user?id={int(holder_id)}">{escape(holder or "کارشناس")}</a>'
    return f"🔁 تیکت را {escape(agent)} از {mention} تحویل گرفت."


# -- notices in the topic ----------------------------------------------------------------------
NOT_IN_TICKET_TOPIC = "این دستور فقط در تاپیک یک تیکت کار می‌کند."
# A ticket command (/close, /note …) in the supervisors' chat, which has no ticket topics.
TICKET_COMMAND_NOT_HERE = (
    "این دستور فقط در تاپیک یک تیکت، در گروه کارشناسان، کار می‌کند؛ این‌جا کاری انجام نشد."
    "\n\u200f\u200e/tickets تیکت‌های باز را با پیوند تاپیکشان نشان می‌دهد."
)
NOTE_SAVED = "📝 یادداشت داخلی ثبت شد؛ برای مشتری فرستاده نشد."
EDIT_INTO_NOTE_NOT_SENT = (
    "این پیام پیش‌تر به مشتری رسیده بود؛ ویرایشش با «!» (یا «/») شروع می‌شود، پس برای او فرستاده"
    " نشد و نسخهٔ مشتری همان است که بود."
)
# An agent's edit of a message that never reached the customer (a note, a command, one kept
# from them): the edit does not either, and an edited command is not run.
EDIT_OF_UNSENT_NOT_SENT = (
    "✏️ این پیام به مشتری نرسیده بود (یادداشت یا دستور بود، یا فرستاده نشد)؛ ویرایشش هم برای او"
    " فرستاده نشد. اگر باید به مشتری برسد، آن را در پیامی تازه بنویسید."
)
EDITED_COMMAND_NOT_RUN = (
    "✏️ دستوری که با ویرایش نوشتید اجرا نشد: با ویرایش هیچ دستوری اجرا نمی‌شود. دستور را در"
    " پیامی تازه بفرستید."
)
FILE_KEPT_WITH_COMMAND = "📎 فایلی که دستور زیرش بود برای مشتری فرستاده نشد و در همین تاپیک ماند."
NOTE_EMPTY = "متن یادداشت را بعد از \u200e/note بنویسید."
ARTICLE_USAGE = "شناسهٔ مقاله را بنویسید؛ مثلاً <code>\u200e/article password-reset</code>"
CUSTOMER_BLOCKED = (
    "🚫 مشتری ربات را مسدود کرده است؛ پیام‌ها به او نمی‌رسد و دوباره فرستاده نمی‌شود."
    " اگر برگردد همین‌جا خبر می‌دهیم؛ تا آن وقت می‌توانید تیکت را ببندید."
)
CUSTOMER_DEACTIVATED = "🚫 حساب تلگرام مشتری حذف شده است؛ پیامی به او نمی‌رسد. تیکت را ببندید."
CUSTOMER_UNBLOCKED = (
    "✅ مشتری ربات را از حالت مسدود درآورد؛ پیام‌های شما از این پس به او می‌رسد. "
    "آنچه در این فاصله نوشتید به او نرسیده است."
)
TICKET_IS_CLOSED = "🔒 این تیکت بسته است؛ پیام به مشتری فرستاده نشد."
TOPIC_RECREATED = (
    "♻️ تاپیک قبلی این تیکت پاک شده بود؛ این تاپیک تازه ساخته شد و آخرین پیام‌ها در ادامه "
    "دوباره می‌آیند."
)
# A ticket's topic made once the bot could make topics in the group again (or the desk
# moved here): its messages meanwhile never reached the agents.
TOPIC_LATE = (
    "🆕 وقتی این تیکت باز شد ربات نمی‌توانست در این گروه تاپیک بسازد؛ این تاپیک حالا ساخته شد "
    "و پیام‌های مشتری تا این‌جا در ادامه می‌آیند."
)
ALREADY_L2 = "این تیکت از قبل در پشتیبانی سطح ۲ است؛ کاری انجام نشد."
NO_OPEN_TICKETS = "هیچ تیکت بازی نیست. 🎉"
OPEN_TICKETS_TITLE = "<b>تیکت‌های باز</b> (قدیمی‌ترین بی‌پاسخ اول):"
# /tickets in an agents' group none of whose own tickets is open, while some it sent to the
# L2 group's are (listed after it, under LEFT_FOR_L2_TITLE).
NO_OPEN_TICKETS_HERE = "در این گروه تیکت بازی نمانده است."
LEFT_FOR_L2_TITLE = (
    "\n⬆️ <b>رفته به گروه پشتیبانی سطح ۲ و هنوز باز</b> (پیوندها به تاپیکشان در آن گروه):"
)
L2_TOPIC_MARK = "⬆️ سطح ۲ · "


def unknown_article(article_id: str, maybe: Sequence[tuple[str, str]] = ()) -> str:
    """Say an article id is not in the KB, with the (id, title) pairs the agent may have meant."""
    text = f"مقاله‌ای با شناسهٔ <code>{escape(article_id[:64])}</code> پیدا نشد."
    if maybe:
        text += "\nشاید یکی از این‌ها:" + "".join(
            f"\n\u200f• <code>\u200e/article {escape(found)}</code> · {escape(title)}"
            for found, title in maybe
        )
    return text


def tier_usage(tier: str, typed: str = "") -> str:
    """Say the customer's tier and how to change it (and that `typed` names no tier)."""
    unknown = f"\u200f«{escape(typed[:32])}» نوع قراردادی نیست.\n" if typed else ""
    return (
        f"{unknown}نوع قرارداد این مشتری: <b>{escape(tier)}</b>\n"
        "برای تغییرش بنویسید <code>\u200e/tier vip</code> یا <code>\u200e/tier vic</code> "
        "یا <code>\u200e/tier standard</code>."
    )


def tier_unchanged(tier: str) -> str:
    """Say the customer already has that tier."""
    return f"نوع قرارداد این مشتری از قبل <b>{escape(tier)}</b> است؛ چیزی تغییر نکرد."


def tier_changed_notice(agent: str, before: str, after: str, deadline: str) -> str:
    """Tell the topic who changed the customer's tier, and where that leaves the response the
    ticket answers to (`deadline`: the card's line on it, HTML: due when, or made when)."""
    return (
        f"⭐ نوع قرارداد مشتری را {escape(agent)} از «{escape(before)}» به «{escape(after)}» "
        f"تغییر داد (برای این تیکت و تیکت‌های بعدی او).\n{deadline}"
    )


def article_sent(title: str) -> str:
    """Record in the topic that an article went to the customer."""
    return f"📚 مقالهٔ «{escape(title)}» برای مشتری فرستاده شد."


def claimed_notice(agent: str) -> str:
    """Tell the topic who took the ticket."""
    return f"✋ این تیکت را {escape(agent)} برداشت."


def waiting_notice(agent: str, closes_after: str | None = None) -> str:
    """Tell the topic the ticket now waits for the customer, and when it closes by itself."""
    text = (
        f"⏸ تیکت را {escape(agent)} در انتظار پاسخ مشتری گذاشت؛ "
        "با پیام بعدی مشتری دوباره فعال می‌شود."
    )
    if closes_after:
        text += f" اگر مشتری {closes_after} پاسخ ندهد، تیکت خودکار بسته می‌شود."
    return text


def closed_notice(agent: str, *, asked_to_rate: bool = True) -> str:
    """Tell the topic who closed the ticket (and, unless nothing reaches the customer, that
    they were asked for a rating)."""
    asked = " از مشتری خواسته شد امتیاز بدهد." if asked_to_rate else ""
    return f"🔒 تیکت را \u200f{escape(agent)} بست.{asked}"


def reminded_notice(silent: str, closes_in: str | None) -> str:
    """Tell the topic the silent customer was reminded, and when the ticket closes itself."""
    text = f"⏰ مشتری {silent} پاسخ نداده است؛ یادآوری برایش فرستاده شد."
    if closes_in:
        text += f" اگر تا {closes_in} دیگر پاسخ ندهد، تیکت خودکار بسته می‌شود."
    return text


def closed_silent_notice(silent: str) -> str:
    """Tell the topic the ticket closed itself after the customer's silence."""
    return f"🔒 تیکت خودکار بسته شد: مشتری {silent} پاسخ نداد. از مشتری خواسته شد امتیاز بدهد."


def escalated_notice(
    agent: str, holder_id: int | None, holder: str | None, *, moved: bool = False
) -> str:
    """Tell the topic the ticket went to L2 (`moved`: to the L2 group, whose topic's link
    follows once it is made), mentioning whoever had claimed it (None: no one, or the agent
    who escalates it)."""
    if moved:
        text = (
            f"⬆️ تیکت را {escape(agent)} به گروه پشتیبانی سطح ۲ فرستاد؛ این تاپیک بسته شد و"
            " پیوند تاپیک تازه‌اش در آن گروه همین‌جا می‌آید."
        )
    else:
        text = f"⬆️ تیکت را {escape(agent)} به پشتیبانی سطح ۲ ارجاع داد."
    if holder_id is not None:
        mention = f'<a href="tg://user?id={int(holder_id)}">{escape(holder or "کارشناس")}</a>'
        text += f"\nتوجه {mention}: این تیکت دیگر دست شما نیست."
    return text


# -- the history copied into a new topic (an L2 group's, or one recreated) ----------------------
# Before each run of messages from one side: the customer's chat holds them all, sent as the bot.
HISTORY_CUSTOMER = "👤 <b>مشتری</b>"
HISTORY_AGENT = "🎧 <b>کارشناس</b>"  # copied to the customer before links kept whose it was
# After the history: what comes next is the customer's (their new messages are copies too).
# A message of the history deleted since by the one who sent it.
HISTORY_DELETED = "🗑 (این پیام را فرستنده‌اش پاک کرده است)"
HISTORY_END = "🔚 <b>پایان گفتگوی پیشین</b>؛ پیام‌های تازهٔ مشتری از این پس همین‌جا می‌آید."


def history_left_out(messages: int, notes: int, where: str) -> str:
    """Say first in a new topic how many earlier messages of the conversation (and notes and
    guides sent with them) were not copied into it, and link the topic that has them all
    (`where`: its address)."""
    also = f" و {fa(notes)} یادداشت داخلی یا مقالهٔ فرستاده‌شده" if notes else ""
    return (
        f"✂️ {fa(messages)} پیام قدیمی‌تر این گفتگو{also} این‌جا نیامده است؛ همهٔ گفتگو در"
        f' پروندهٔ زیر و در <a href="{escape(where)}">تاپیک پیشین این تیکت</a> هست.'
    )


def transcript_failed(reason: str, *, old_topic: bool) -> str:
    """Say in a topic that the file of a ticket's whole conversation could not be sent; and,
    when the topic it came from still has them (`old_topic`), where the older messages are."""
    said = f"⚠️ پروندهٔ همهٔ گفتگوی این تیکت فرستاده نشد. دلیل: {escape(reason)}"
    return f"{said}؛ پیام‌های قدیمی‌تر در تاپیک پیشین آن هست." if old_topic else f"{said}."


def transcript_caption(entries: int) -> str:
    """The caption of the file holding a ticket's whole conversation (bot.transcript)."""
    return f"🗂 <b>همهٔ گفتگوی این تیکت تا این‌جا</b> ({fa(entries)} مورد)؛ در مرورگر باز کنید."


def history_agent(agent: str) -> str:
    """The label over a run of one agent's messages in the history (`agent` cleaned and
    bounded by the caller)."""
    return f"🎧 <b>کارشناس — {escape(agent)}\u200f</b>"


def history_note(agent: str, note: str) -> str:
    """An internal note kept in the ticket, shown in its place in the history (`agent` and
    `note` cleaned and bounded by the caller)."""
    return f"{history_note_heading(agent)}\n<blockquote>{escape(note)}</blockquote>"


def history_note_heading(agent: str) -> str:
    """The line above a note's screenshot or file copied into the history (`agent` cleaned
    and bounded by the caller)."""
    return f"📝 <b>یادداشت داخلی — {escape(agent)}\u200f</b>"


# A note's file that can no longer be copied (deleted since), when the note has no words.
HISTORY_NOTE_FILE_GONE = "(فایل یا تصویر این یادداشت دیگر در دسترس نیست)"
# The same of an agent's reply that never reached the customer.
HISTORY_REPLY_FILE_GONE = "(فایل یا تصویر این پاسخ دیگر در دسترس نیست)"


def history_undelivered(agent: str, reply: str = "") -> str:
    """An agent's reply that never reached the customer, in its place in the history (the
    customer's chat it is copied from has no such message): whose, and its words (`agent`
    and `reply` cleaned and bounded by the caller); without words, the line above its copy
    (or a reply logged before its words were)."""
    header = f"⚠️ <b>پاسخ نرسیده به مشتری — {escape(agent)}\u200f</b>"
    return f"{header}\n<blockquote>{escape(reply)}</blockquote>" if reply else header


def history_article(title: str) -> str:
    """A KB article an agent sent the customer, in its place in the history (its text is not
    in the customer's chat as a message to copy)."""
    return f"📄 <b>مقالهٔ فرستاده‌شده:</b> «{escape(title)}»"


def replied_elsewhere(source: str, quote: str = "", link: str | None = None) -> str:
    """Posted just before a customer's message written as a reply to a message in another
    chat (Telegram's «reply in another chat»): its copy shows no such reply. Where that
    message is from, its link when public, and the words the customer quoted of it (`source`
    and `quote` cleaned and bounded by the caller)."""
    where = f"«{escape(source)}»\u200f" if source else "گفتگوی دیگری"
    if link:
        where += f' (<a href="{escape(link)}">پیام اصلی</a>)'
    head = f"↩️ پیام زیر را مشتری در پاسخ به پیامی از {where} نوشته است"
    if quote:
        return f"{head}؛ بخشی از آن که نقل کرده:\n<blockquote>{escape(quote)}</blockquote>"
    return f"{head}؛ متن آن پیام به ربات نمی‌رسد."


def edit_not_delivered(reason: str) -> str:
    """Under an agent's edit that the customer's copy did not take (`reason`: Persian)."""
    return (
        "⚠️ این ویرایش به مشتری نرسید و نسخهٔ او همان متن پیشین است؛ اگر متن تازه لازم است، آن"
        f" را در پیامی نو بفرستید. دلیل: {escape(reason)}"
    )


def customer_edit_not_shown(words: str) -> str:
    """Under the copy of a customer's message they edited, when the copy could not take the
    edit (a caption over 1,024 characters; `words`: the new ones, bounded by the caller)."""
    if not words:
        return "✏️ مشتری این پیام را ویرایش کرد (فایلش را عوض کرد) و نسخهٔ اینجا عوض نشد."
    return (
        "✏️ مشتری این پیام را ویرایش کرد و نسخهٔ اینجا عوض نشد؛ متن تازهٔ آن:\n"
        f"<blockquote>{escape(words)}</blockquote>"
    )


def delivery_failed(reason: str) -> str:
    """Report in the topic that a message did not reach its destination, and why."""
    return f"⚠️ پیام به مقصد نرسید. دلیل: {escape(reason)}"


def l2_refused(reason: str) -> str:
    """Say in a ticket's topic that the L2 group could not take it, so it stays here."""
    return (
        f"⚠️ گروه سطح ۲ این تیکت را نپذیرفت (دلیل: {escape(reason)})؛ تیکت همین‌جا با نشان سطح ۲"
        " ماند و کارت تازه‌اش پایین می‌آید. دسترسی ربات در گروه سطح ۲ (مدیر، با اجازهٔ مدیریت"
        " تاپیک‌ها) را درست کنید."
    )


def topic_failed(number: int, reason: str) -> str:
    """Tell the agents' group (its General topic) that a new ticket got no topic, and why."""
    return (
        f"⚠️ برای تیکت <b>{ticket_ref(number)}</b> تاپیک ساخته نشد. دلیل: {escape(reason)}\n"
        "همین که ربات دوباره بتواند این‌جا تاپیک بسازد، تاپیکش با پیام‌های مشتری ساخته می‌شود؛ "
        "\u200e/tickets تیکت‌های باز را نشان می‌دهد."
    )


def question_edited(question: str) -> str:
    """Tell the topic the customer edited the question the card shows, and how it reads now."""
    return f"✏️ مشتری پرسشش را ویرایش کرد؛ اکنون این است:\n{escape(question)}"


def rated_notice(rating: int, comment: str = "") -> str:
    """Tell the topic the customer's rating (and the comment typed with it, cleaned)."""
    text = f"🌟 مشتری به این تیکت {fa(rating)} از ۵ امتیاز داد."
    return f"{text}\n{comment_notice(comment)}" if comment else text


def comment_notice(comment: str) -> str:
    """Tell the topic what the customer wrote about their rating (`comment`: one line, cleaned
    and bounded by the caller)."""
    return f"💬 نظر مشتری: \u200f«{escape(comment)}»"


def open_ticket_line(
    ref: str,
    name: str,
    waiting: str | None,
    on_customer: bool = False,
    *,
    tier: str | None = None,
    l2: bool = False,
    holder: str | None = None,
    unreachable: bool = False,
    overdue: bool = False,
    no_topic: bool = False,
) -> str:
    """One line of /tickets: the number linked to its topic (`ref`, HTML), the customer, their
    contract (`tier`: None for standard), second line, who holds it, a ticket with no topic
    yet (`no_topic`: made once the bot can), a customer nothing reaches, a first-response
    deadline passed with no response, how long they wait (or that the ticket waits for them)."""
    # Right-to-left marks: before the number, else a Latin name sets the line left to right;
    # after a name or a tier, else one in Latin and what follows it swap places.
    parts = [f"\u200f{ref}", f"{escape(name)}\u200f"]
    if tier:
        parts.append(f"⭐ {escape(tier)}\u200f")
    if l2:
        parts.append("⬆️ سطح ۲")
    if holder:
        parts.append(f"در دست {escape(holder)}\u200f")
    if no_topic:
        parts.append("📭 هنوز تاپیک ندارد")
    if unreachable:
        parts.append("🚫 پیام به مشتری نمی‌رسد")
    if overdue:
        parts.append("⚠️ مهلت پاسخ گذشت")
    if waiting:
        parts.append(f"منتظر {waiting}")
    if on_customer:
        parts.append("⏸ در انتظار پاسخ مشتری")
    return "• " + " · ".join(parts)


def more_open_tickets(count: int) -> str:
    """The last line of /tickets when it lists only the first of many."""
    return f"… و {fa(count)} تیکت باز دیگر"


# -- reasons a delivery failed (shown in the topic) ----------------------------------------------
REASON_BLOCKED = "مشتری ربات را مسدود کرده است"
REASON_DEACTIVATED = "حساب تلگرام مشتری حذف شده است"
REASON_NOT_IN_GROUP = "ربات عضو این گروه نیست یا از آن بیرون شده است"
REASON_UNCOPYABLE = (
    "تلگرام اجازهٔ کپی این نوع پیام (مثلاً آزمونک) را نمی‌دهد؛ همان را به‌صورت متن، عکس یا فایل بفرستید"
)
REASON_THREAD = "تاپیک تیکت پیدا نشد (احتمالاً پاک شده، یا «تاپیک‌ها» در تنظیمات گروه خاموش شده است)"
REASON_NOT_FORUM = "«تاپیک‌ها» در تنظیمات گروه خاموش است؛ یک مدیر گروه باید آن را روشن کند"
REASON_UNKNOWN = "تلگرام پیام را نپذیرفت"
REASON_TOO_MANY = "تلگرام به‌خاطر پیام‌های زیاد، فرستادن را موقتاً محدود کرد"
REASON_RIGHTS = "ربات در گروه اجازهٔ «مدیریت تاپیک‌ها» را ندارد"
# An edit a copy could not take.
REASON_CAPTION_TOO_LONG = (
    "تلگرام به ربات اجازه نمی‌دهد توضیح زیر عکس یا فایل را به بیش از ۱۰۲۴ نویسه ویرایش کند"
)
REASON_COPY_GONE = "نسخهٔ این پیام در گفتگوی مشتری دیگر نیست (پاک شده است)"


# -- the customer --------------------------------------------------------------------------------
def ticket_closed_for_customer(number: int, *, answered: bool = True) -> str:
    """Tell the customer their ticket was closed and ask for a rating; closed before any
    answer reached them, it says how to go on and asks about the service, not «the answer
    you got» (none came)."""
    if not answered:
        return (
            f"درخواست <b>{ticket_ref(number)}</b> شما بسته شد. اگر مشکل هنوز هست، همین‌جا "
            "بنویسید تا دوباره بررسی شود.\n"
            "به پشتیبانی در این درخواست از ۱ (بد) تا ۵ (عالی) چه امتیازی می‌دهید؟"
        )
    return (
        f"درخواست <b>{ticket_ref(number)}</b> شما بسته شد. 🙏\n"
        "لطفاً به پاسخی که گرفتید از ۱ (بد) تا ۵ (عالی) امتیاز بدهید:"
    )


def waiting_reminder_for_customer(number: int, closes_in: str) -> str:
    """Remind a silent customer that their ticket waits for their answer."""
    return (
        f"یادآوری درخواست <b>{ticket_ref(number)}</b>: کارشناس ما منتظر پاسخ شماست. 🙂\n"
        "برای ادامه کافی است همین‌جا بنویسید؛ "
        f"اگر پاسخی نرسد، این درخواست تا {closes_in} دیگر بسته می‌شود."
    )


def waiting_reminder_without_close(number: int) -> str:
    """Remind a silent customer (waiting tickets never close by themselves here)."""
    return (
        f"یادآوری درخواست <b>{ticket_ref(number)}</b>: کارشناس ما منتظر پاسخ شماست. 🙂\n"
        "برای ادامه کافی است همین‌جا بنویسید."
    )


def closed_silent_for_customer(number: int, silent: str) -> str:
    """Tell the customer their ticket closed after their silence, and ask for a rating."""
    return (
        f"درخواست <b>{ticket_ref(number)}</b> شما بسته شد، چون {silent} پاسخی از شما نرسید.\n"
        "اگر مشکل هنوز هست، همین‌جا بنویسید تا دوباره پیگیری شود.\n"
        "لطفاً به پاسخی که گرفتید از ۱ (بد) تا ۵ (عالی) امتیاز بدهید:"
    )


RATING_THANKS = (
    "ممنون از امتیازتان 🌷\n"
    "اگر دربارهٔ این درخواست نظری دارید، در پیام بعدی بنویسید؛ پرسش تازه را پس از آن بفرستید."
)
RATE_WITH_BUTTONS = (
    "ممنون از نظرتان 🙏 برای امتیاز، یکی از دکمه‌های ۱ تا ۵ را بزنید (یا عددش را بنویسید):"
)
JUDGEMENT_THANKS = "ممنون از نظرتان 🙏"
COMMENT_THANKS = (
    "نظرتان دربارهٔ این درخواست ثبت شد. ممنون 🌷\n"
    "اگر پرسش تازه‌ای دارید، آن را در پیام جداگانه‌ای بفرستید."
)


def escalated_for_customer(number: int, expect: str) -> str:
    """Tell the customer their ticket went to second-line experts, and when to expect the
    answer (`expect`: bot.tickets.expected_answer)."""
    return (
        f"درخواست <b>{ticket_ref(number)}</b> شما برای بررسی بیشتر به کارشناسان فنی ما سپرده شد. "
        f"{expect}"
    )


def desk_lost(title: str) -> str:
    """Tell supervisors the bot can no longer open topics in an agents' group."""
    return (
        f"⛔️ ربات از گروه «{escape(title)}» بیرون گذاشته شد یا اجازهٔ «مدیریت تاپیک‌ها» را از دست "
        "داد: تا دوباره با این اجازه مدیر گروه نشود، تیکت‌های تازه تاپیکی نمی‌گیرند و پیام‌های "
        "مشتری‌ها به کارشناسان نمی‌رسد."
    )


def topics_off(l2: bool) -> str:
    """Tell supervisors an agents' (or the L2) group has its Topics turned off."""
    group = "گروه سطح ۲" if l2 else "گروه کارشناسان"
    return (
        f"⛔️ «تاپیک‌ها» در تنظیمات {group} خاموش شده است: تا یک مدیر گروه دوباره روشنش نکند، "
        "تیکت‌های تازه تاپیکی نمی‌گیرند و پیام‌های مشتری‌ها به کارشناسان نمی‌رسد."
    )


def topics_back(l2: bool) -> str:
    """Tell supervisors, who were told Topics were off, that they work there again."""
    group = "گروه سطح ۲" if l2 else "گروه کارشناسان"
    return (
        f"✅ «تاپیک‌ها» در {group} دوباره کار می‌کند: تیکت‌ها تاپیک می‌گیرند و پیام‌های "
        "مشتری‌ها به کارشناسان می‌رسد."
    )


def desk_back(title: str) -> str:
    """Tell supervisors the bot can open topics in an agents' group again."""
    return f"✅ ربات دوباره در گروه «{escape(title)}» تاپیک باز می‌کند."


def group_migrated(old_id: int, new_id: int, setting: str = "AGENT_CHAT_ID") -> str:
    """Tell the admins the group's id changed and what to put in `setting`."""
    return (
        "\u200fℹ️ شناسهٔ این گروه عوض شد و ربات از این به بعد شناسهٔ تازه را به کار می‌برد.\n"
        f"مدیران: در تنظیمات، <code>{setting}={new_id}</code> بگذارید "
        f"(شناسهٔ قبلی <code>{old_id}</code> بود)."
    )
