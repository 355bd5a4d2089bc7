"""Keeps other web pages out of the playground: same origin, a page token, JSON bodies only.

Answering only on loopback is not enough: any site open in a browser on this machine can send
requests to localhost, and a name that re-resolves to 127.0.0.1 makes a foreign page look
same-origin. So the Host must be a loopback name, a state-changing request must come from the
playground's own page (Origin or Referer) with the token the page was served with, and its
body must be JSON, which no cross-site form or `text/plain` fetch can send without asking first.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Collection
from urllib.parse import urlsplit

from aiohttp import web

TOKEN_HEADER = "X-Tandem-Token"
JSON = "application/json"
READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})
STALE_PAGE = "This page is out of date (the playground restarted). Please reload it."
FOREIGN = "The playground only answers its own page on this machine."

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback_name(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _hostname(host: str) -> str | None:
    try:
        return urlsplit(f"//{host}").hostname
    except ValueError:
        return None


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _from_own_page(request: web.Request, own: str, scriptable: bool) -> bool:
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == own
    referer = request.headers.get("Referer")
    if referer is not None:
        return _origin_of(referer) == own
    # Browsers always name the origin of a POST; only a script on this machine sends none.
    return scriptable


def same_origin_guard(token: str, *, scriptable: Collection[Handler]) -> web.Middleware:
    """`scriptable`: handlers a script may call without Origin or Referer (still with the token)."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_loopback_name(_hostname(request.host)):
            raise web.HTTPForbidden(text=FOREIGN)
        own = f"{request.scheme}://{request.host}"
        if request.method in READ_ONLY:
            origin = request.headers.get("Origin")
            if origin is not None and origin != own:
                raise web.HTTPForbidden(text=FOREIGN)
            return await handler(request)
        if not _from_own_page(request, own, request.match_info.handler in scriptable):
            raise web.HTTPForbidden(text=FOREIGN)
        if request.content_type != JSON:
            raise web.HTTPUnsupportedMediaType(text=f"Send a JSON body (Content-Type: {JSON}).")
        sent = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(sent.encode(errors="replace"), token.encode()):
            raise web.HTTPForbidden(text=STALE_PAGE if sent else FOREIGN)
        return await handler(request)

    return guard
