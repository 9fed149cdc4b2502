"""Send Bot API calls as JSON bodies instead of form-encoded ones (uploads stay multipart).

PTB form-encodes every call. Persian text is UTF-8 (two bytes a letter) and
percent-encoding triples that again, so an article reply of 2 KB became a 10 KB
request body; under load, building and writing those bodies was a large part
of the bot's CPU. The Bot API accepts `application/json` for every method
without files, so the same call goes out as compact JSON (raw UTF-8).
"""

from __future__ import annotations

import json

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._baserequest import BaseRequest

_HEADERS = {"User-Agent": HTTPXRequest.USER_AGENT, "Content-Type": "application/json"}


class JsonRequest(HTTPXRequest):
    """HTTPXRequest that posts calls without files as JSON."""

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
        """Post JSON; defer to HTTPXRequest for uploads and bodiless calls."""
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout,  # type: ignore[arg-type]
                write_timeout,  # type: ignore[arg-type]
                connect_timeout,  # type: ignore[arg-type]
                pool_timeout,  # type: ignore[arg-type]
            )
        client = self._client
        defaults = client.timeout
        timeout = httpx.Timeout(
            connect=_pick(connect_timeout, defaults.connect),
            read=_pick(read_timeout, defaults.read),
            write=_pick(write_timeout, defaults.write),
            pool=_pick(pool_timeout, defaults.pool),
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":"))
        try:
            response = await client.request(
                method=method,
                url=url,
                headers=_HEADERS,
                timeout=timeout,
                content=body.encode("utf-8"),
            )
        except httpx.TimeoutException as error:
            if isinstance(error, httpx.PoolTimeout):
                raise TimedOut(
                    "Pool timeout: all connections are busy; the request was not sent."
                ) from error
            raise TimedOut from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx.{error.__class__.__name__}: {error}") from error
        return response.status_code, response.content


def _pick(value: object, default: float | None) -> float | None:
    """Use the call's timeout unless it was left at PTB's default marker."""
    if value is BaseRequest.DEFAULT_NONE or not isinstance(value, int | float | type(None)):
        return default
    return value
