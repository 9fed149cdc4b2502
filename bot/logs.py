"""Logging for the bot process: one line per record, and the token never printed.

httpx logs every request URL, and the Bot API puts the token in the URL
(`/bot<TOKEN>/sendMessage`); PTB may echo it in errors. A filter on the handler
rewrites any record that contains the token, whoever logged it.
"""

from __future__ import annotations

import logging
import sys

MASK = "<TOKEN>"
SHORTEST_MASKED = 4
# A webhook secret shorter than this is easy to guess (Telegram allows 1 to 256 characters).
SHORT_SECRET = 16


class TokenMask(logging.Filter):
    """Replace the token (and its secret half, and any `other` secret: the webhook's, which
    PTB logs at DEBUG with setWebhook's parameters) in every record that passes."""

    def __init__(self, token: str, *other: str) -> None:
        super().__init__()
        secret = token.partition(":")[2]
        # The token's halves are long; a webhook secret may be short (Telegram takes one
        # letter), and is masked all the same from SHORTEST_MASKED on (below it, masking would
        # blot out words; bot.main warns of such a secret).
        self.secrets = tuple(
            s
            for s in (*(t for t in (token, secret) if len(t) >= 8), *other)
            if len(s) >= SHORTEST_MASKED
        )

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = message
        for secret in self.secrets:
            masked = masked.replace(secret, MASK)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, masked, so the formatter doesn't print the raw one.
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                text = text.replace(secret, MASK)
            record.exc_info, record.exc_text = None, None
            masked = f"{masked}\n{text}"
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


def setup_logging(level: str, token: str | None, *secrets: str) -> None:
    """Log to stderr at `level`; quiet the per-request chatter of httpx and the per-statement
    chatter of aiosqlite (95% of a DEBUG log); mask the token and the other `secrets`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if token:
        handler.addFilter(TokenMask(token, *secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
