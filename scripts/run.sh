#!/usr/bin/env bash
# Set up and run Pasokh: the Telegram bot when a token is configured, otherwise the KB in a terminal chat.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh runtime
token="${TELEGRAM_BOT_TOKEN:-}"
if [ -z "$token" ] && [ -f .env ]; then
    # Read .env as the bot reads it (python-dotenv: export, quotes, comments).
    # An unreadable .env starts the bot, which says what is wrong with it.
    token="$(.venv/bin/python -c 'from dotenv import dotenv_values; print((dotenv_values(".env").get("TELEGRAM_BOT_TOKEN") or "").strip())' 2>/dev/null)" || token="unreadable"
fi
if [ -n "$token" ]; then
    exec .venv/bin/python -m bot "$@"
fi
echo "TELEGRAM_BOT_TOKEN is not set (environment or .env): starting the knowledge base in the terminal."
echo "To run the Telegram bot, copy .env.example to .env and fill in TELEGRAM_BOT_TOKEN and AGENT_CHAT_ID."
echo
exec .venv/bin/python -m kb chat "$@"
