"""A bare python-telegram-bot echo bot: the baseline the Pasokh benchmark compares against.

Run: `TELEGRAM_BOT_TOKEN=... TELEGRAM_BASE_URL=http://127.0.0.1:PORT/bot
python -m tests.fake_telegram.echo_bot` (optional: TELEGRAM_BASE_FILE_URL, POLL_TIMEOUT seconds,
ECHO_CONCURRENT_UPDATES=1 to process updates concurrently).
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back to the chat it came from."""
    message = update.message
    if message is None or message.text is None:
        return
    await context.bot.send_message(chat_id=message.chat_id, text=message.text)


def build_application(
    token: str,
    base_url: str | None = None,
    base_file_url: str | None = None,
    *,
    concurrent_updates: bool = False,
) -> Application:  # type: ignore[type-arg]
    """Build the echo Application, optionally against another Bot API server."""
    builder = ApplicationBuilder().token(token).concurrent_updates(concurrent_updates)
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, echo))
    return application


def main() -> None:
    """Poll until SIGINT/SIGTERM."""
    # httpx logs request URLs, which carry the token, at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    application = build_application(
        os.environ["TELEGRAM_BOT_TOKEN"],
        os.environ.get("TELEGRAM_BASE_URL"),
        os.environ.get("TELEGRAM_BASE_FILE_URL"),
        concurrent_updates=os.environ.get("ECHO_CONCURRENT_UPDATES") == "1",
    )
    application.run_polling(timeout=int(os.environ.get("POLL_TIMEOUT", "10")))


if __name__ == "__main__":
    main()
