"""How Bot Connector failures become the core's DeliveryErrors.

What matters is whether the Bot Connector may have posted the message: a 4xx says it did
not, a 429 asks to slow down, and a 5xx, a timeout or a dropped connection leave it open
(`OutcomeUnknown`).
"""

from __future__ import annotations

import asyncio

import aiohttp
from botbuilder.schema import ErrorResponseException
from msrest.exceptions import ClientRequestError
from requests.exceptions import ConnectTimeout
from urllib3.exceptions import NewConnectionError

from bot.core.messenger import (
    DeliveryError,
    OutcomeUnknown,
    RateLimited,
    Unreachable,
    WorkspaceUnreachable,
)

# Teams' codes for "this person will not receive anything from the bot".
UNREACHABLE_CODES = frozenset(
    {
        "ConversationBlockedByUser",
        "BotNotInConversationRoster",
        "ForbiddenOperationException",
        "MessageWritesBlocked",
    }
)
# ...and for "nobody in this tenant will": its admin turned the bot off.
TENANT_CODES = frozenset({"BotDisabledByAdmin"})
# 412: the conversation is busy with another write; nothing was posted, try again.
RETRYABLE_STATUSES = frozenset({412})
DEFAULT_RETRY_AFTER = 1.0


def _retry_after(headers: object) -> float | None:
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except (TypeError, ValueError):
        return None


def error_code(exc: ErrorResponseException) -> str:
    inner = getattr(getattr(exc, "error", None), "error", None)
    return str(getattr(inner, "code", "") or "")


def status_of(exc: ErrorResponseException) -> int:
    response = getattr(exc, "response", None)
    return int(getattr(response, "status_code", 0) or 0)


def _never_connected(exc: BaseException) -> bool:
    """Whether the request failed before it left: refused, or no connection in time. The
    cause sits a few wrappers down (msrest, requests, urllib3), so follow every link."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        cause = todo.pop()
        if not isinstance(cause, BaseException) or id(cause) in seen:
            continue
        seen.add(id(cause))
        if isinstance(cause, ConnectTimeout | NewConnectionError | aiohttp.ClientConnectorError):
            return True
        links = (getattr(cause, "inner_exception", None), getattr(cause, "reason", None))
        todo.extend((*cause.args, *links, cause.__cause__, cause.__context__))
    return False


def delivery_error(exc: BaseException) -> DeliveryError:
    """The core's view of a failed Bot Connector call."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, ErrorResponseException):
        status, code = status_of(exc), error_code(exc)
        reason = f"{status} {code}".strip()
        retry_after = _retry_after(getattr(exc.response, "headers", {}))
        if status == 403 and code in TENANT_CODES:
            return WorkspaceUnreachable(reason)
        if status == 403 and code in UNREACHABLE_CODES:
            return Unreachable(reason)
        if status == 429:
            return RateLimited(retry_after or DEFAULT_RETRY_AFTER, reason)
        if status >= 500:
            return OutcomeUnknown(reason, retry_after=retry_after)
        if status in RETRYABLE_STATUSES:
            return DeliveryError(reason, retryable=True, retry_after=retry_after)
        return DeliveryError(reason)
    # msrest wraps the HTTP library's errors in ClientRequestError (its own retries are off).
    if isinstance(exc, ClientRequestError | aiohttp.ClientError | asyncio.TimeoutError):
        if _never_connected(exc):
            return DeliveryError(type(exc).__name__, retryable=True)
        return OutcomeUnknown(type(exc).__name__)
    return DeliveryError(type(exc).__name__)
