"""Persian text the KB command line shows to editors."""

from __future__ import annotations

_PERSIAN_DIGITS = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")


def fa_number(value: object) -> str:
    """Write a number with Persian digits."""
    return str(value).translate(_PERSIAN_DIGITS)


CLI_DESCRIPTION = "پایگاه دانش پاسخ: بررسی مقاله‌ها، آزمودن پاسخ‌ها و ارزیابی"
NO_KB_DIR = "پوشهٔ مقاله‌ها پیدا نشد: {path} (با --kb-dir یا KB_DIR مسیر را بدهید)"
# A malformed KB_* setting or .env, before any command runs.
SETTING_BAD = (
    "تنظیم {name} پذیرفته نیست: «{value}» {problem}؛ {fix} (در متغیرهای محیط یا فایل .env)"
)
SETTING_NOT_BOOL = "نه true است نه false"
SETTING_NOT_NUMBER = "عدد نیست"
SETTING_OUT_OF_RANGE = "بیرون از بازهٔ پذیرفتنی است"
SETTING_NOT_ACCEPTED = "پذیرفتنی نیست"
_THRESHOLD_FIX = (
    "عددی از ۰ تا ۱ بدهید، یا آن را خالی بگذارید تا مقدار تنظیم‌شده در kb/model.json به کار رود"
)
SETTING_FIX = {
    "kb_semantic": "true (تطبیق با معنا هم) یا false (تنها با واژه‌ها) بدهید",
    "kb_answer_threshold": _THRESHOLD_FIX,
    "kb_suggest_threshold": _THRESHOLD_FIX,
    "kb_suggest_gap": _THRESHOLD_FIX,
    "kb_reload_interval": (
        "عددی بزرگ‌تر از صفر بدهید: هر چند ثانیه پوشهٔ مقاله‌ها دوباره بررسی شود (پیش‌فرض ۲)"
    ),
    "kb_dir": "مسیر پوشهٔ مقاله‌ها را بدهید",
    "kb_embedding_cache": "مسیر فایل SQLite بردارهای معنایی را بدهید",
}
SETTING_FIX_ANY = "مقدارش را درست کنید"
ENV_FILE_NOT_UTF8 = (
    "فایل .env با کدگذاری UTF-8 ذخیره نشده است؛ آن را در ویرایشگر با UTF-8 ذخیره کنید"
    " (سطرهایی به شکل NAME=value)"
)
ENV_FILE_UNREADABLE = (
    "فایل .env خوانده نشد ({reason})؛ باید فایلی متنی با سطرهایی به شکل NAME=value باشد"
)
KB_DIR_IS_A_FILE = (
    "{path} یک فایل است، نه پوشه: با --kb-dir یا KB_DIR پوشهٔ مقاله‌ها را بدهید (مثلاً kb/articles)"
)
CHECK_OK = "✓ {articles} مقاله در {categories} دسته، با {questions} پرسش جایگزین؛ مشکلی نیست."
CHECK_OK_WARNINGS = (
    "✓ {articles} مقاله در {categories} دسته، با {questions} پرسش جایگزین، همه در سرویس؛"
    " ⚠ {warnings} هشدار (بالا): آنچه تلگرام آن‌طور که نوشته شده نشان نمی‌دهد (عنوانی هم که"
    " روی دکمه بریده می‌شود)، یا پرسشی که دو مقاله با هم دارند."
)
CHECK_EMPTY = (
    "⚠ در {kb_dir} هیچ مقاله‌ای نیست؛ ربات با این پوشه هر پرسشی را به کارشناس می‌سپارد. "
    "اگر پوشه درست نیست، --kb-dir یا KB_DIR را درست کنید."
)
CHECK_FAILED = "✗ {errors} مشکل پیدا شد؛ تا درست نشوند، نسخهٔ قبلی این فایل‌ها در سرویس می‌ماند."
EVAL_UNKNOWN_IDS = "این شناسه‌ها در فایل پرسش‌ها هست ولی مقاله‌ای با آن‌ها نیست: {ids}"
ASK_HEADER = "تصمیم: {kind} (اطمینان {confidence})"
ASK_NOT_A_QUESTION = (
    "⚠ در تلگرام ربات این را پرسش نمی‌شمارد (سلام، تشکر، خداحافظی، شکلک…) و جوابی کوتاه"
    " می‌دهد؛ پایگاه دانش را نمی‌پرسد. آنچه پایگاه دانش با آن می‌کرد:"
)
ASK_PERSON = (
    "⚠ در تلگرام ربات این را درخواست گفتگو با کارشناس می‌خواند و بی‌درنگ تیکت باز می‌کند؛"
    " پایگاه دانش را نمی‌پرسد. آنچه پایگاه دانش با آن می‌کرد:"
)
ASK_MENU = (
    "⚠ در تلگرام ربات این را دکمهٔ «دسته‌ها» می‌خواند و دسته‌های راهنماها را نشان می‌دهد؛"
    " پایگاه دانش را نمی‌پرسد و تیکتی باز نمی‌کند. آنچه پایگاه دانش با آن می‌کرد:"
)
ASK_HELP = (
    "⚠ در تلگرام ربات این را \u200e/help می‌خواند و راهنمای کار با ربات را نشان می‌دهد؛"
    " پایگاه دانش را نمی‌پرسد و تیکتی باز نمی‌کند. آنچه پایگاه دانش با آن می‌کرد:"
)
ASK_PICK = (
    "⚠ در تلگرام ربات این را انتخاب از راهنماهایی می‌خواند که همین حالا پیشنهاد کرده است، و اگر"
    " فهرستی پیشنهاد نکرده باشد می‌گوید فهرستی برای انتخاب نیست؛ پایگاه دانش را نمی‌پرسد و"
    " تیکتی باز نمی‌کند. آنچه پایگاه دانش با آن می‌کرد:"
)
DECISION_NAMES = {"answer": "پاسخ", "suggest": "پیشنهاد چند مقاله", "handoff": "ارجاع به کارشناس"}
# Why nothing was even offered, for the editor trying a question (`kb ask`).
HANDOFF_WHY = {
    "empty_kb": "پایگاه دانش هیچ مقاله‌ای ندارد: پوشهٔ مقاله‌ها را بررسی کنید.",
    "no_match": "هیچ مقاله‌ای حتی اندکی به این پرسش نمی‌خورد.",
}
CHAT_GREETING = (
    "گفت‌وگو با پایگاه دانش ({articles} مقاله). پرسش خود را بنویسید؛ برای خروج «خروج» یا Ctrl+D."
)
CHAT_PROMPT = "شما: "
CHAT_LOADING = "در حال آماده‌سازی پایگاه دانش… (بار اول چند ثانیه طول می‌کشد)"
CHAT_EXIT_WORDS = frozenset({"خروج", "exit", "quit"})
CHAT_HELPFUL = "— آیا این پاسخ کمکتان کرد؟ (در تلگرام: دکمه‌های بله / نه)"
CHAT_SUGGEST = "مطمئن نیستم کدام را می‌خواهید؛ یکی از این‌ها؟ (شماره‌اش را بنویسید)"
CHAT_SUGGEST_ONE = (
    "مطمئن نیستم درست فهمیده باشم؛ منظورتان این است؟ (اگر بله، «بله» یا ۱ را بنویسید)"
)
CHAT_NOT_A_QUESTION = (
    "(در تلگرام ربات به این پیام کوتاه جوابی کوتاه می‌دهد و آن را پرسش نمی‌شمارد.) "
    "پرسشتان را بنویسید."
)
CHAT_NOTHING_TO_PICK = (
    "(در تلگرام ربات می‌گوید فهرستی برای انتخاب نیست و تیکتی باز نمی‌کند.) پرسشتان را بنویسید."
)
CHAT_MENU = "(در تلگرام ربات دسته‌ها را نشان می‌دهد و تیکتی باز نمی‌کند.) دسته‌ها: {categories}"
CHAT_HELP = (
    "(در تلگرام ربات راهنمای کار با ربات را نشان می‌دهد و تیکتی باز نمی‌کند.) پرسشتان را بنویسید."
)
CHAT_NONE_OF_THESE = "هیچ‌کدام: با کارشناس صحبت می‌کنم"
CHAT_HANDOFF = "پاسخ مطمئنی پیدا نکردم؛ در تلگرام گفت‌وگو به یک کارشناس سپرده می‌شود."
CHAT_PERSON = "(درخواست کارشناس) در تلگرام گفت‌وگو همین حالا به یک کارشناس سپرده می‌شود."
CHAT_THANKS = "ممنون از بازخوردتان 🙏"
CHAT_NOT_HELPFUL = "متأسفم که کمکی نکرد. شاید یکی از این‌ها به کارتان بیاید (شماره‌اش را بنویسید):"
CHAT_NOT_HELPFUL_NOTHING_ELSE = (
    "متأسفم که کمکی نکرد. پرسش را با کلمات دیگری بنویسید؛ در تلگرام دکمهٔ گفتگو با کارشناس هم هست."
)
CHAT_NOT_HELPFUL_PERSON = (
    "متأسفم که کمکی نکرد. (دومین «نه» پشت سر هم) در تلگرام گفت‌وگو به یک کارشناس سپرده می‌شود."
)
CHAT_HANDOFF_NONE = "(هیچ‌کدام) در تلگرام گفت‌وگو با همان پرسش به یک کارشناس سپرده می‌شود."

# python -m kb gaps
GAPS_HEADER = "کمبودهای پایگاه دانش در {days} روز گذشته، از {questions} پرسش مشتریان"
GAPS_UNANSWERED = "■ پرسش‌های بی‌پاسخ ({groups} موضوع): برایشان مقاله بنویسید"
GAPS_GROUP = "{number}. {question}: {asked} بار از {customers} مشتری؛ آخرین بار {last}"
GAPS_VARIANTS = "   به عبارت‌های دیگر: {variants}"
GAPS_MORE_VARIANTS = " · و {count} عبارت دیگر (همه در --json)"
GAPS_CLOSEST = "   نزدیک‌ترین مقاله: {article}، امتیاز {score}"
GAPS_NOW_ANSWERED = "({count} پرسش دیگر را پایگاه دانش کنونی پاسخ می‌دهد و در فهرست نیامد.)"
GAPS_PHRASINGS = "■ عبارت‌های تازه برای مقاله‌های موجود ({count}): زیر questions: همان مقاله بیفزایید"
GAPS_PHRASING_NOTE = "{asked} بار؛ {how}"
GAPS_VIA = {"picked": "مشتری از پیشنهادها برگزید", "agent": "کارشناس همین مقاله را فرستاد"}
GAPS_UNHELPFUL = "■ پاسخ‌هایی که به کار نیامد ({count} مقاله): بازنویسی‌شان را بسنجید"
GAPS_UNHELPFUL_ENTRY = "{article}: {no} «نه» از {verdicts} نظر"
GAPS_ASKED = "   پرسیده بودند: {questions}"
GAPS_NONE = "   چیزی در این بازه نیست."
GAPS_MORE = "   … و {count} مورد دیگر (--limit)"
GAPS_GONE = "این مقاله‌ها دیگر در پایگاه دانش نیستند: {ids}"
GAPS_NO_DATABASE = (
    "پایگاه دادهٔ گفت‌وگوهای ربات پیدا نشد: {url} (DATABASE_URL یا --database-url را بدهید؛"
    " این فایل با نخستین اجرای ربات ساخته می‌شود)"
)
GAPS_UNREADABLE = "گفت‌وگوهای ربات از {url} خوانده نشد ({error}): DATABASE_URL را بررسی کنید."
GAPS_CHECKING = "{questions} پرسش از گفت‌وگوهای ربات خوانده شد؛ سنجیدن با پایگاه دانش کنونی…"
GAPS_BAD_URL = (
    "نشانی پایگاه داده درست نیست: sqlite+aiosqlite:///… یا postgresql+asyncpg://… بدهید"
    " (DATABASE_URL یا --database-url)"
)
GAPS_POSITIVE = "عددی بزرگ‌تر از صفر بدهید"
GAPS_NOT_A_NUMBER = "«{value}» عدد صحیح نیست: عددی صحیح بزرگ‌تر از صفر بدهید"

# Problems in article files: `kb check` prints them after «file:line:», and the bot logs them
# when a reload finds them. Field names stay as the editor types them.
PROBLEM_WARNING = "هشدار: "
NO_KB_DIRECTORY = "پوشهٔ پایگاه دانش وجود ندارد"
UNREADABLE_FILE = "فایل خوانده نشد: {reason}"
CONTROL_CHARACTER = (
    "نویسهٔ کنترلی نادیدنی {code} در این سطر است (معمولاً از رونوشت PDF یا Word)؛ پاکش کنید"
)
NOT_UTF8 = "فایل با کدگذاری UTF-8 ذخیره نشده است؛ آن را در ویرایشگر با UTF-8 ذخیره کنید"
NO_FRONT_MATTER = "فایل باید با خط «---» آغاز شود (سرآغاز مقاله: id و title و …)"
UNCLOSED_FRONT_MATTER = "سرآغاز مقاله با خط «---» بسته نشده است"
EMPTY_FRONT_MATTER = "سرآغاز مقاله خالی است (id و title لازم‌اند)"
NOT_KEY_VALUE = "سرآغاز مقاله باید سطرهایی به شکل «کلید: مقدار» باشد"
BAD_YAML = "سرآغاز مقاله YAML درستی نیست: {detail} ({problem})"
BAD_YAML_VALUE = "مقدار «{key}» YAML درستی نیست: {detail} ({problem})"
# What is wrong in the YAML, after BAD_YAML; {character} is the one PyYAML names.
YAML_UNCLOSED_LIST = (
    "فهرست «[» بسته نشده است؛ «]» را در پایانش بگذارید و بندها را با ویرگول لاتین «,» جدا کنید"
)
YAML_UNCLOSED_MAP = (
    "«{{» بسته نشده است؛ «}}» را در پایانش بگذارید و بندها را با ویرگول لاتین «,» جدا کنید"
)
YAML_COLON_IN_VALUE = (
    "«:» در این سطر جای درستی ندارد؛ اگر مقدار خودش «:» دارد آن را در گیومهٔ لاتین بگذارید"
    ' ("…")، و اگر این سطر کلید تازه‌ای است فاصلهٔ آغازش را بردارید'
)
YAML_TAB = "نویسهٔ Tab در سرآغاز پذیرفته نیست؛ به جایش فاصله بگذارید"
YAML_BAD_START = (
    "مقدار با «{character}» آغاز شده که YAML در آغاز مقدار نمی‌پذیرد؛ مقدار را در گیومهٔ لاتین"
    ' بگذارید ("…")'
)
YAML_ALIAS = 'مقدار با «*» آغاز شده است؛ آن را در گیومهٔ لاتین بگذارید ("…")'
YAML_UNCLOSED_QUOTE = "گیومه‌ای که مقدار این سطر با آن آغاز شده بسته نشده است"
YAML_INDENT = (
    "تورفتگی این سطر با سطرهای پیش از آن جور نیست: هر کلید در آغاز سطر، و بندهای یک فهرست"
    " با تورفتگی یکسان («  - …»)"
)
YAML_TAG = (
    "«{tag}» برچسب YAML است و پذیرفته نیست؛ اگر بخشی از متن است، مقدار را در گیومهٔ لاتین بگذارید"
)
YAML_OTHER = "نگارش این سطر را بررسی کنید (هر سطر «کلید: مقدار»، فهرست‌ها با «  - »)"
FIELD_TWICE = "«{key}» دو بار آمده است"
UNKNOWN_FIELD = "فیلد ناشناختهٔ «{key}» (فیلدهای مجاز: {allowed})"
FIELD_REQUIRED = "«{key}» لازم است"
FIELD_NOT_TEXT = "«{key}» باید متن باشد"
FIELD_EMPTY = "«{key}» خالی است"
FIELD_NOT_LIST = "«{key}» باید فهرستی از متن‌ها باشد"
ITEM_NOT_TEXT = "هر بند «{key}» باید متنی ناتهی باشد"
ITEM_TOO_LONG = "یک بند «{key}» {length} نویسه است؛ کمتر از {limit} نگهش دارید"
BAD_ID = (
    "شناسهٔ «{id}» باید ۱ تا ۴۸ نویسه از a-z، 0-9، «.»، «_» یا «-» باشد و با حرف یا رقم آغاز شود"
)
TITLE_TOO_LONG = "عنوان {length} نویسه است؛ کمتر از {limit} نگهش دارید"
TITLE_CUT_ON_BUTTONS = (
    "عنوان {length} نویسه است و دکمهٔ فهرست‌ها و پیشنهادها {limit} نویسهٔ اولش را نشان می‌دهد؛"
    " کوتاه‌ترش کنید"
)
EMPTY_ANSWER = "پاسخ (متن پس از سرآغاز) خالی است"
ANSWER_TOO_LONG = (
    "عنوان و پاسخ روی هم {size} نویسه‌اند؛ تلگرام در یک پیام دست‌بالا {limit} نویسه نشان می‌دهد"
)
DUPLICATE_ID_SERVED_ELSEWHERE = "شناسهٔ «{id}» تکراری است: در {kept} هم هست و آن فایل در سرویس است"
DUPLICATE_ID_SERVED_HERE = "شناسهٔ «{id}» تکراری است: در {others} هم هست؛ این فایل در سرویس است"
MARKUP_TABLE = (
    "جدول Markdown: تلگرام جدول نشان نمی‌دهد و مشتری نویسه‌های | و - را می‌بیند؛"
    " آن را به شکل فهرست بنویسید"
)
MARKUP_IMAGE = (
    "تصویر «{alt}»: تلگرام در پیام متنی تصویر نشان نمی‌دهد؛ مشتری دست‌بالا پیوندی به نام «{alt}»"
    " می‌بیند"
)
MARKUP_HTML = (
    "برچسب HTML «{tag}» همان‌طور که نوشته شده به مشتری نشان داده می‌شود؛"
    " از Markdown بهره بگیرید (**پررنگ**، فهرست)"
)
MARKUP_LINK = (
    "پیوند «{label}» به «{url}» می‌رود که تلگرام بازش نمی‌کند؛ مشتری فقط «{label}» را می‌بیند"
    " (نشانی کامل بنویسید: https://…)"
)
MARKUP_LINK_NOT_READ = (
    "«{text}» پیوند Markdown شناخته‌شده‌ای نیست و مشتری آن را همان‌طور که نوشته شده می‌بیند؛"
    " پیوند را به شکل [متن](https://…) بنویسید"
)
MARKUP_REFERENCE = (
    "تعریف پیوند ارجاعی «[{name}]:»: تلگرام پیوند ارجاعی نمی‌شناسد و مشتری این سطر و"
    " «[متن][{name}]» را همان‌طور که نوشته شده می‌بیند؛ نشانی را در خود پیوند بنویسید: [متن](https://…)"
)
MARKUP_HEADING_UNDERLINE = (
    "خط «{line}» زیر یک سطر، عنوان نمی‌سازد: مشتری متن ساده و زیرش همین خط را می‌بیند؛"
    " عنوان را با «## » در آغاز سطر بنویسید"
)
MARKUP_IN_TITLE = (
    "عنوان Markdown دارد («{found}»): دکمه‌ها و سر پاسخ عنوان را همان‌طور که نوشته شده نشان"
    " می‌دهند؛ نشانه‌ها را از عنوان بردارید"
)
MARKUP_UNCLOSED_COMMENT = (
    "یادداشت HTML «<!--» با «-->» بسته نشده است: مشتری آن را همان‌طور که نوشته شده می‌بیند؛ ببندیدش"
)
SHARED_QUESTION = (
    "پرسش «{phrasing}» در «{other}» هم آمده است ({where}): مشتری‌ای که آن را بپرسد دیگر"
    " پاسخ قطعی نمی‌گیرد؛ آن را فقط در یکی نگه دارید"
)

# python -m kb eval
EVAL_NOT_A_LINE = "{path}:{line}: این سطر پرسش درستی نیست: {detail}"
EVAL_NOT_JSON = "JSON درستی نیست، در نویسهٔ {column}: {what} ({problem})"
EVAL_JSON_KEY_QUOTES = (
    'نام هر کلید در گیومهٔ لاتین دوتایی می‌آید ("question")، و پس از آخرین مقدار «,» نمی‌آید'
)
EVAL_JSON_NO_VALUE = 'مقداری درست نیامده است: متن در گیومهٔ لاتین دوتایی ("…")، یا null'
EVAL_JSON_UNCLOSED_QUOTE = "گیومهٔ متنی که این‌جا آغاز شده بسته نشده است"
EVAL_JSON_EXTRA = "پس از {…} چیز دیگری هم آمده است؛ هر سطر تنها یک پرسش"
EVAL_JSON_DELIMITER = "ویرگول «,» میان دو کلید یا دونقطهٔ «:» پس از یک کلید جا افتاده است"
EVAL_JSON_CONTROL = "نویسهٔ Tab یا سطر تازه درون متن است؛ به جایش فاصله بگذارید (یا \\t)"
EVAL_JSON_OTHER = "نگارش JSON را بررسی کنید"
EVAL_NOT_AN_OBJECT = (
    'هر سطر باید یک شیء JSON باشد: {"question": "…", "expected": "شناسهٔ مقاله" یا null,'
    ' "kind": "…"}'
)
EVAL_NO_QUESTION = "«question» نیامده است: متن پرسش"
EVAL_UNREADABLE = "{path}: فایل پرسش‌ها خوانده نشد ({reason})"
EVAL_NOT_UTF8 = "{path}:{line}: فایل پرسش‌ها با کدگذاری UTF-8 ذخیره نشده است"
EVAL_EMPTY = "{path}: هیچ پرسشی در این فایل نیست؛ ارزیابی بی‌پرسش چیزی نمی‌سنجد"
EVAL_BAD_TYPES = "{path}:{line}: question باید متن باشد و expected متن یا null"
EVAL_UNKNOWN_KEY = "{path}:{line}: کلید ناشناختهٔ «{key}» (کلیدهای مجاز: {allowed})"
EVAL_NO_EXPECTED = (
    "{path}:{line}: «expected» نیامده است: شناسهٔ مقاله‌ای که پاسخ این پرسش است، یا null"
    " برای پرسشی که پایگاه دانش نباید پاسخش دهد"
)
EVAL_UNKNOWN_KIND = "{path}:{line}: نوع (kind) «{kind}» شناخته نیست (نوع‌های مجاز: {allowed})"
EVAL_UNANSWERABLE_WITH_ID = (
    "{path}:{line}: پرسش از نوع «{kind}» پاسخی در پایگاه دانش ندارد ولی expected «{expected}»"
    " است: یا expected را null کنید یا نوع را (مثلاً paraphrase)"
)
EVAL_ANSWERABLE_WITHOUT_ID = (
    "{path}:{line}: پرسش از نوع «{kind}» پاسخ دارد ولی expected برابر null است: شناسهٔ مقاله را"
    " بنویسید، یا برای پرسش بی‌پاسخ نوع out_of_scope یا near_miss را"
)
EVAL_BAD_LIMIT = "«{value}» پذیرفته نیست: عددی از ۰ تا ۱ بدهید (سهم، نه درصد: 0.8 یعنی ۸۰٪)"
EVAL_FAILED_LIMIT = "✗ {name} = {value} (کمینهٔ خواسته‌شده {limit})"
EVAL_FAILED_LIMIT_MAX = "✗ {name} = {value} (بیشینهٔ پذیرفتنی {limit})"
