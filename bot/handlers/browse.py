"""/start, /help and browsing the KB by category."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import keyboards, texts
from bot.context import BotContext, Work
from bot.effects import Markup
from bot.formatting import article_messages
from bot.queries import close_choices
from kb.article import Article
from triage.menu import HELP_WORDS as HELP_TEXTS
from triage.menu import MENU_WORDS as MENU_TEXTS
from triage.person import fold


async def send_categories(work: Work, context: BotContext, page: int = 0) -> None:
    """Show the KB's categories as buttons (a page of them, for a KB of very many)."""
    await close_choices(work.session, work.customer_id)  # a «۲» now is not an old guide
    names = context.services.kb.categories()
    if not names:
        await work.reply(texts.NO_CATEGORIES, keyboards.person_only())
        return
    count = keyboards.pages(len(names), keyboards.CATEGORIES_PER_PAGE)
    page = min(page, count - 1)  # fewer pages since the button was sent
    await work.reply(texts.categories_prompt(page, count), keyboards.categories(names, page))


async def send_article(
    work: Work, article: Article, *, last_markup: Markup, answers: int | None = None
) -> None:
    """Send an article (split if long), with `last_markup` under its last part (which
    `answers` that KB decision, if given: see SendText)."""
    parts = article_messages(article.title, article.body)
    for index, html in enumerate(parts):
        if index < len(parts) - 1:
            await work.reply(html)
        else:
            await work.reply(html, last_markup, answers=answers)


async def on_start(update: Update, context: BotContext) -> None:
    """Greet the customer, offer the categories (or recall the open ticket)."""
    work = context.work
    user = update.effective_user
    if work.customer is None or user is None:
        return
    if work.ticket_id is not None:  # «write your question, I answer from the guides» is not so
        await work.reply(
            texts.greeting_while_open(user.first_name, work.ticket_id), keyboards.main_keyboard()
        )
        return
    await work.reply(texts.greeting(user.first_name), keyboards.main_keyboard())
    await send_categories(work, context)


async def on_help(update: Update, context: BotContext) -> None:
    """Explain how to use the bot."""
    work = context.work
    if work.customer is None:
        return
    await work.reply(texts.HELP, keyboards.main_keyboard())
    if work.ticket_id is not None:
        await work.reply(texts.ticket_already_open(work.ticket_id))


async def on_categories_button(update: Update, context: BotContext) -> None:
    """Show the categories when the keyboard's button is pressed."""
    work = context.work
    if work.customer is None:
        return
    if work.ticket_id is not None:
        await work.reply(texts.ticket_already_open(work.ticket_id))
        return
    await send_categories(work, context)


def _ticket_blocks_browsing(update: Update, work: Work) -> bool:
    """Answer a KB button with a reminder while a ticket is open; True if it did."""
    query = update.callback_query
    if query is None or work.ticket_id is None:
        return False
    work.answer_callback(query.id, texts.ticket_open_toast(work.ticket_id))
    return True


async def on_menu(update: Update, context: BotContext) -> None:
    """Show the categories (the "back" button, or another page of them)."""
    work = context.work
    query = update.callback_query
    if query is None or work.customer is None or _ticket_blocks_browsing(update, work):
        return
    work.answer_callback(query.id)
    _, _, page = (query.data or "").partition(":")
    await send_categories(work, context, int(page or 0))


async def on_category(update: Update, context: BotContext) -> None:
    """List a category's articles as buttons, a page at a time."""
    work = context.work
    query = update.callback_query
    if query is None or work.customer is None or _ticket_blocks_browsing(update, work):
        return
    key, _, page_asked = (query.data or "").removeprefix("c:").partition(":")
    kb = context.services.kb
    name = next((c for c in kb.categories() if keyboards.category_key(c) == key), None)
    if name is None:
        work.answer_callback(query.id, texts.CATEGORY_GONE)
        return
    work.answer_callback(query.id)
    await close_choices(work.session, work.customer_id)
    items = kb.in_category(name)
    pages = keyboards.pages(len(items), keyboards.ARTICLES_PER_PAGE)
    page = min(int(page_asked or 0), pages - 1)  # fewer pages since the button was sent
    header = texts.category_header(name, page, pages)
    await work.reply(header, keyboards.articles(items, key, page))


async def on_article(update: Update, context: BotContext) -> None:
    """Show a browsed article."""
    work = context.work
    query = update.callback_query
    if query is None or work.customer is None or _ticket_blocks_browsing(update, work):
        return
    article = context.services.kb.get((query.data or "").removeprefix("a:"))
    if article is None:
        work.answer_callback(query.id, texts.ARTICLE_GONE)
        return
    work.answer_callback(query.id)
    await close_choices(work.session, work.customer_id)
    await send_article(work, article, last_markup=keyboards.after_article(article.id))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """Point at /help for a command the bot does not know."""
    if context.work.customer is not None:
        await context.work.reply(texts.UNKNOWN_COMMAND)


class _Typed(filters.MessageFilter):
    """A text that is one of `words` once folded (emoji, punctuation, half-spaces aside)."""

    def __init__(self, words: Iterable[str]) -> None:
        super().__init__()
        self.words = frozenset(fold(word) for word in words)

    def filter(self, message: Message) -> bool:
        return message.text is not None and fold(message.text) in self.words


# What customers type for the keyboard's buttons, or for /start and /help (triage.menu, which
# `python -m kb ask` reads too): the words, not a question for the KB.
MENU_WORDS = _Typed((texts.CATEGORIES_BUTTON, *MENU_TEXTS))
HELP_WORDS = _Typed(HELP_TEXTS)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the browsing handlers (all private chat only)."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("start", on_start, filters=private),
        CommandHandler("help", on_help, filters=private),
        MessageHandler(private & MENU_WORDS, on_categories_button),
        MessageHandler(private & HELP_WORDS, on_help),
        CallbackQueryHandler(on_menu, pattern=keyboards.PATTERN_MENU),
        CallbackQueryHandler(on_category, pattern=keyboards.PATTERN_CATEGORY),
        CallbackQueryHandler(on_article, pattern=keyboards.PATTERN_ARTICLE),
    ]


def fallback_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return handlers that must come after every other command handler."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [MessageHandler(private & filters.COMMAND, on_unknown_command)]
