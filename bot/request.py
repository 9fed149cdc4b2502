"""Send Bot API calls as JSON bodies over a lean HTTP/1.1 pool (uploads stay multipart via httpx).

PTB form-encodes every call. Persian text is UTF-8 (two bytes a letter) and
percent-encoding triples that again, so an article reply of 2 KB became a 10 KB
request body; under load, building and writing those bodies was a large part
of the bot's CPU. The Bot API accepts `application/json` for every method
without files, so the same call goes out as compact JSON (raw UTF-8), through
bot.http11 rather than httpx (see there why). Uploads, a proxy or HTTP/2 keep
PTB's own HTTPXRequest path, and so does every call when the environment names a
proxy (HTTPS_PROXY, ALL_PROXY, …): httpx honours those, as PTB documents, and where
Telegram is filtered a proxy is how the bot reaches it.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import h11
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._baserequest import BaseRequest

from bot.http11 import Http11Pool, NotConnected

JSON_TYPE = "application/json"
# How much of an answer that is not the Bot API's is quoted (a web page's start).
QUOTED_ANSWER = 120


class NotBotApi(TelegramError):
    """The server answered with something other than the Bot API's JSON: a web page from a
    filter, a proxy or a web server at TELEGRAM_BASE_URL. A TelegramError, as PTB's own
    "Invalid server response" is: what the bot does after one is unchanged."""

    def __init__(self, answer: str) -> None:
        super().__init__(f"Invalid server response: {answer}")
        self.answer = answer


def not_bot_api(error: BaseException) -> str | None:
    """What answered instead of the Bot API, if that is what `error` comes from: the HTTP
    status and the start of the answer. PTB raises for an error status from the NotBotApi
    (a web page's 404 is an InvalidToken to PTB, though no token was looked at; and
    Bot.initialize raises another InvalidToken from that one)."""
    status = ""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, NotBotApi):
            return f"{status}{cause.answer}"
        said = cause.message if isinstance(cause, TelegramError) else ""
        if ". Parsing the server response" in said:  # PTB's "Not Found (404). Parsing …"
            status = f"{said.partition('. Parsing')[0]}: "
        cause = cause.__cause__
    return None


class JsonRequest(HTTPXRequest):
    """HTTPXRequest that posts calls without files as JSON over `Http11Pool`."""

    def __init__(self, connection_pool_size: int = 1, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=connection_pool_size, **kwargs)
        lean = (
            kwargs.get("proxy") is None
            and kwargs.get("http_version", "1.1") == "1.1"
            and not environment_proxies()
        )
        self._pool = Http11Pool(connection_pool_size, self.USER_AGENT) if lean else None

    async def initialize(self) -> None:
        """See BaseRequest.initialize."""
        await super().initialize()
        if self._pool is not None:
            self._pool.reopen()

    async def shutdown(self) -> None:
        """See BaseRequest.shutdown."""
        if self._pool is not None:
            await self._pool.aclose()
        await super().shutdown()

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """See BaseRequest.parse_json_payload; an answer that is not JSON raises NotBotApi
        quoting its start, and is not logged with a traceback (PTB's logs the whole page)."""
        text = payload.decode("utf-8", "replace")
        try:
            parsed: dict[str, Any] = json.loads(text)
        except ValueError:
            raise NotBotApi(" ".join(text.split())[:QUOTED_ANSWER] or "nothing") from None
        return parsed

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Post JSON; defer to HTTPXRequest for uploads, bodiless calls and proxies."""
        if (
            self._pool is None
            or request_data is None
            or request_data.contains_files
            or method != "POST"
        ):
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout,  # type: ignore[arg-type]
                write_timeout,  # type: ignore[arg-type]
                connect_timeout,  # type: ignore[arg-type]
                pool_timeout,  # type: ignore[arg-type]
            )
        defaults = self._client.timeout
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":"))
        try:
            return await self._pool.post(
                url,
                body.encode("utf-8"),
                JSON_TYPE,
                connect_timeout=_pick(connect_timeout, defaults.connect),
                write_timeout=_pick(write_timeout, defaults.write),
                read_timeout=_pick(read_timeout, defaults.read),
                pool_timeout=_pick(pool_timeout, defaults.pool),
            )
        except NotConnected as error:  # never sent (telegram_errors.never_sent reads it)
            if isinstance(error.__cause__, TimeoutError):
                raise TimedOut from error
            raise NetworkError(str(error)) from error
        except TimeoutError as error:
            # As with httpx: TimedOut, which bot.pipeline reads as "may have been delivered".
            raise TimedOut from error
        except (OSError, h11.ProtocolError, asyncio.IncompleteReadError) as error:
            raise NetworkError(f"{type(error).__name__}: {error}") from error


def environment_proxies() -> dict[str, str]:
    """The proxies the environment names for Bot API calls, by scheme ("http", "https",
    "all"), read as httpx reads them (urllib's getproxies: HTTPS_PROXY, all_proxy, …)."""
    named = urllib.request.getproxies()
    return {scheme: named[scheme] for scheme in ("http", "https", "all") if named.get(scheme)}


# The proxy schemes httpx speaks (SOCKS with the socksio extra PTB's [socks] installs).
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def proxy_problem(url: str) -> str | None:
    """What keeps httpx from using a proxy URL (a scheme it does not speak, a port that is not
    a number, no host), said without the password it may carry; None if it looks usable."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in PROXY_SCHEMES:
        return f"{shown_proxy(url)}: the scheme {parts.scheme!r} is not one httpx speaks"
    try:
        parts.port  # noqa: B018 - reading it checks it
    except ValueError:
        return f"{shown_proxy(url)}: the port is not a number"
    if not parts.hostname:
        return f"{url.split('://', 1)[0]}://?: no host"
    return None


def shown_proxy(url: str) -> str:
    """A proxy URL as it may be logged: without the user name and password it may carry."""
    parts = urlsplit(url if "://" in url else f"http://{url}")  # httpx reads it so too
    if parts.hostname is None:
        return "?"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:  # a malformed port: httpx will say so when it is used
        port = ""
    return f"{parts.scheme}://{host}{port}"


def _pick(value: object, default: float | None) -> float | None:
    """Use the call's timeout unless it was left at PTB's default marker."""
    if value is BaseRequest.DEFAULT_NONE or not isinstance(value, int | float | type(None)):
        return default
    return value
