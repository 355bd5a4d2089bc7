"""POST /api/messages: parse, authenticate and run one activity; answer invokes.

Written out rather than `CloudAdapter.process`, which answers a malformed body or an
unreadable token with a 500 and cannot serialise a plain-dict invoke response.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import Bot, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


async def _activity(request: web.Request) -> Activity | web.Response:
    if request.content_type != "application/json":
        return web.json_response({"error": "expected application/json"}, status=415)
    try:
        # The bytes, not request.json(): a made-up charset in the header must not matter.
        body = json.loads((await request.read()).decode("utf-8"))
    except (ValueError, RecursionError):
        return _bad_request("the body is not JSON")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        return _bad_request("the body is not an activity")
    try:
        activity = Activity().deserialize(body)
    except Exception:  # noqa: BLE001 - msrest raises several types for a wrong shape
        return _bad_request("the body is not an activity")
    if not isinstance(activity.service_url, str) or not activity.service_url.startswith("http"):
        return _bad_request("the activity has no serviceUrl")
    return activity


def _body(value: Any) -> Any:
    return serializer_helper(value) if hasattr(value, "serialize") else value


def messages_handler(adapter: CloudAdapter, bot: Bot, *, local_only: bool = False) -> Handler:
    """`local_only`: without an app id nothing is authenticated, so the bot must at least
    never be made to call out to a service URL other than this machine's."""

    async def messages(request: web.Request) -> web.StreamResponse:
        parsed = await _activity(request)
        if isinstance(parsed, web.Response):
            return parsed
        if local_only and urlsplit(parsed.service_url).hostname not in LOOPBACK:
            log.warning("local development mode refuses a non-local serviceUrl")
            return web.json_response({"error": "local development mode"}, status=403)
        auth_header = request.headers.get("Authorization", "")
        try:
            auth = await adapter.bot_framework_authentication.authenticate_request(
                parsed, auth_header
            )
        except Exception as exc:  # noqa: BLE001 - any token we cannot verify is refused
            log.warning("teams request refused", extra={"reason": type(exc).__name__})
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            invoke = await adapter.process_activity(auth, parsed, bot.on_turn)
        except Exception:
            log.exception("teams activity failed", extra={"type": parsed.type})
            return web.json_response({"error": "internal error"}, status=500)
        if invoke is not None:
            return web.json_response(_body(invoke.body), status=invoke.status or 200)
        return web.Response(status=201)

    return messages
