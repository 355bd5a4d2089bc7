"""Slack's Request URL: a request's signature is checked before a byte of its body is parsed.

bolt parses the body (and reads team, user and channel ids out of it) while it builds its
request object, before its own signature middleware runs: garbage from anyone used to answer
500 with a traceback in the log. Here the timestamp and signature are checked on the raw body
first (slack_sdk's SignatureVerifier, the same check bolt makes), and only a genuine request
is handed to bolt; one that is signed but unreadable is refused with a 400.
"""

from __future__ import annotations

import logging
import re

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
# Seconds since 1970 and Slack's `v0=` HMAC-SHA256: anything else cannot be genuine, and
# checking the shape first keeps int() and compare_digest() from raising on it.
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def refusal(status: int, reason: str) -> web.Response:
    return web.Response(status=status, text=reason)


def is_signed(verifier: SignatureVerifier, body: bytes, timestamp: str, signature: str) -> bool:
    if not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return verifier.is_valid(text, timestamp, signature)


async def signed_bolt_request(
    request: web.Request, verifier: SignatureVerifier
) -> AsyncBoltRequest | web.Response:
    """bolt's request for a genuine, readable Slack request; otherwise the answer to send."""
    raw = await request.read()
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not is_signed(verifier, raw, timestamp, signature):
        log.warning("slack request with a bad signature refused")
        return refusal(401, "invalid signature")
    return bolt_request(request, raw.decode("utf-8"))


def bolt_request(request: web.Request, body: str) -> AsyncBoltRequest | web.Response:
    """bolt's request for `body`, or a 400 when bolt cannot read it as a Slack payload."""
    try:
        built = AsyncBoltRequest(body=body, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - bolt raises whatever its parsing meets
        log.warning("unreadable slack request refused")
        return refusal(400, "unreadable request")
    if not isinstance(built.body, dict) or not bolt_can_read(built.body):
        log.warning("slack payload of an unexpected shape refused")
        return refusal(400, "unreadable request")
    return built


# Keys bolt's matchers and middleware index into, trusting their type, before any listener
# runs: a signed payload with another shape there would fail inside bolt with a 500.
_TOP_LEVEL: dict[str, type | tuple[type, ...]] = {
    "type": str,
    "command": str,
    "event": dict,
    "view": dict,
    "actions": list,
    "authorizations": list,
    "team": (dict, str, type(None)),
    "user": (dict, str, type(None)),
    "channel": (dict, str, type(None)),
    "enterprise": (dict, str, type(None)),
}
_NESTED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "event": {"type": str, "message": (dict, type(None)), "previous_message": (dict, type(None))},
    "view": {"type": str, "callback_id": str},
}


def bolt_can_read(body: dict[str, object]) -> bool:
    """Whether the payload has the shape bolt assumes where it assumes one."""
    if not _fits(body, _TOP_LEVEL):
        return False
    for key, shape in _NESTED.items():
        part = body.get(key)
        if isinstance(part, dict) and not _fits(part, shape):
            return False
    actions = body.get("actions")
    listed = actions if isinstance(actions, list) else []
    if not all(isinstance(a, dict) and _fits(a, {"action_id": str}) for a in listed):
        return False
    grants = body.get("authorizations")
    return all(isinstance(a, dict) for a in grants) if isinstance(grants, list) else True


def _fits(part: dict[str, object], shape: dict[str, type | tuple[type, ...]]) -> bool:
    return all(key not in part or isinstance(part[key], kind) for key, kind in shape.items())
