#!/usr/bin/env bash
# Set up and run Pasokh: the Telegram bot when a token is configured, otherwise the KB in a terminal chat.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh runtime
token="${TELEGRAM_BOT_TOKEN:-}"
if [ -z "$token" ] && [ -f .env ]; then
    token="$(sed -n 's/^[[:space:]]*TELEGRAM_BOT_TOKEN[[:space:]]*=[[:space:]]*//p' .env | tail -n 1 | tr -d '"'"'"' ')"
fi
if [ -n "$token" ]; then
    exec .venv/bin/python -m bot "$@"
fi
echo "TELEGRAM_BOT_TOKEN is not set (environment or .env): starting the knowledge base in the terminal."
echo "To run the Telegram bot, copy .env.example to .env and fill in TELEGRAM_BOT_TOKEN and AGENT_CHAT_ID."
echo
exec .venv/bin/python -m kb chat "$@"
