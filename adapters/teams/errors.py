"""How Bot Connector failures become the core's DeliveryError and Unreachable."""

from __future__ import annotations

import asyncio

import aiohttp
from botbuilder.schema import ErrorResponseException
from msrest.exceptions import ClientRequestError

from bot.core.messenger import DeliveryError, Unreachable

# Teams' codes for "this person (or tenant) will not receive anything from the bot".
UNREACHABLE_CODES = frozenset(
    {
        "ConversationBlockedByUser",
        "BotNotInConversationRoster",
        "BotDisabledByAdmin",
        "ForbiddenOperationException",
        "MessageWritesBlocked",
    }
)
RETRYABLE_STATUSES = frozenset({412, 429, 502, 503, 504})


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


def delivery_error(exc: BaseException) -> DeliveryError:
    """The core's view of a failed Bot Connector call."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, ErrorResponseException):
        status, code = status_of(exc), error_code(exc)
        reason = f"{status} {code}".strip()
        if status == 403 and code in UNREACHABLE_CODES:
            return Unreachable(reason)
        if status in RETRYABLE_STATUSES:
            headers = getattr(exc.response, "headers", {})
            return DeliveryError(reason, retryable=True, retry_after=_retry_after(headers))
        return DeliveryError(reason)
    # msrest raises this once its own retries of a PUT/GET are spent; the network may recover.
    if isinstance(exc, ClientRequestError | aiohttp.ClientError | asyncio.TimeoutError):
        return DeliveryError(type(exc).__name__, retryable=True)
    return DeliveryError(type(exc).__name__)
