"""The token never reaches the logs, whoever logs it and however."""

import logging

import pytest

from bot.logs import MASK, TokenMask

TOKEN = "123456789:AAFakePasokhTestTokenXXXXXXXXXXXXXXX"


@pytest.fixture
def records() -> list[str]:
    return []


def emit(message: str, *args: object, exc: BaseException | None = None) -> str:
    handler = logging.StreamHandler()
    handler.addFilter(TokenMask(TOKEN))
    handler.setFormatter(logging.Formatter("%(message)s"))
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        message,
        args or None,
        (type(exc), exc, exc.__traceback__) if exc else None,
    )
    assert handler.filter(record)
    return handler.format(record)


def test_request_urls_are_masked() -> None:
    line = emit('HTTP Request: POST http://127.0.0.1/bot%s/getUpdates "200 OK"', TOKEN)
    assert TOKEN not in line
    assert f"/bot{MASK}/getUpdates" in line


def test_the_secret_half_alone_is_masked_too() -> None:
    line = emit("secret=%s", TOKEN.split(":")[1])
    assert TOKEN.split(":")[1] not in line


def test_tracebacks_are_masked() -> None:
    try:
        raise RuntimeError(f"failed calling /bot{TOKEN}/sendMessage")
    except RuntimeError as error:
        line = emit("call failed", exc=error)
    assert TOKEN not in line
    assert "RuntimeError" in line


# A short one (7 characters) was printed in clear: only secrets of 8 or more were masked.
@pytest.mark.parametrize("secret", ["MyWebhookSecret_0123456789", "Zq7_k9x"])
def test_the_webhook_secret_is_masked_like_the_token(secret: str) -> None:
    # PTB logs setWebhook's parameters at DEBUG, the secret that authenticates updates too.
    handler = logging.StreamHandler()
    handler.addFilter(TokenMask(TOKEN, secret))
    record = logging.LogRecord(
        "telegram.ext.ExtBot", logging.DEBUG, __file__, 1, "setWebhook %s", (secret,), None
    )
    assert handler.filter(record)
    assert secret not in handler.format(record)
