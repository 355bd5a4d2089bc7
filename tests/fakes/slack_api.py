"""A fake Slack Web API on 127.0.0.1 that answers slack_sdk's AsyncWebClient as Slack does.

In-process:

    async with FakeSlackApi(clock=clock) as fake:
        client = AsyncWebClient(token="xoxb-1", base_url=fake.url)

Another process (a benchmark): `python -m tests.fakes.slack_api --port 0 --record calls.jsonl`
prints the base URL on its first line and appends one JSON line per request to the file.
Control endpoints for that case: GET /_fake/calls, GET /_fake/counts, POST /_fake/reset,
POST /_fake/fail, POST /_fake/faults (a FaultPlan as JSON; also `--faults plan.json`).

Errors come back the way Slack sends them: HTTP 200 with {"ok": false, "error": ...};
rate limits as HTTP 429 with an integer Retry-After header. Injected faults (tests/fakes/
faults.py) add 500s, timeouts and dropped connections, some after the message was posted:
`posts()` and `delivered_keys()` are what Slack actually holds, whatever the client heard.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import signal
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import BasicAuth, web

from tests.fakes.faults import Fault, FaultPlan, Rule, drop_connection

Payload = dict[str, Any]
# Params Slack accepts as JSON strings inside a form-encoded body.
_JSON_PARAMS = {"blocks", "attachments", "view", "metadata"}
# The scope conversations.history needs, by the first letter of the conversation id.
HISTORY_SCOPES = {"D": "im:history", "C": "channels:history", "G": "groups:history"}


@dataclass(frozen=True, slots=True)
class RecordedCall:
    method: str
    token: str | None
    params: dict[str, Any]
    status: int
    ok: bool
    error: str | None
    at: float
    response: dict[str, Any] = field(default_factory=dict)
    # True when this call posted a message, whatever the client was answered.
    delivered: bool = False
    fault: str | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    """A message Slack holds: where, what was posted, its ts, and when."""

    channel: str
    params: dict[str, Any]
    ts: str
    at: float

    @property
    def key(self) -> str | None:
        """The delivery key Tandem stamps in message metadata, if any."""
        metadata = self.params.get("metadata")
        payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
        return payload.get("key") if isinstance(payload, dict) else None


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Per channel: `per_second` steady rate with `burst` extra; per workspace: `per_minute`."""

    per_second: float | None = None
    burst: int = 1
    per_minute: int | None = None


# Close to Slack's published tiers: chat.postMessage ~1/s per channel, the others per minute.
SLACK_LIKE_LIMITS: dict[str, RateLimit] = {
    "chat.postMessage": RateLimit(per_second=1.0, burst=3, per_minute=600),
    "chat.update": RateLimit(per_minute=50),
    "conversations.history": RateLimit(per_minute=50),
    "conversations.open": RateLimit(per_minute=50),
    "users.info": RateLimit(per_minute=100),
    "views.open": RateLimit(per_minute=100),
    "views.publish": RateLimit(per_minute=100),
    "views.update": RateLimit(per_minute=100),
}


class _Bucket:
    """Token bucket: `capacity` calls at once, refilled at `rate` per second."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity, self.rate = capacity, rate
        self.tokens, self.updated = capacity, now

    def wait(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


@dataclass(slots=True)
class _User:
    id: str
    tz: str = "Europe/London"
    tz_offset: int = 0
    real_name: str = ""
    display_name: str = ""
    email: str = ""  # Slack gives it only to apps with the users:read.email scope

    def as_slack(self, team_id: str) -> Payload:
        real = self.real_name or f"User {self.id}"
        profile = {"real_name": real, "display_name": self.display_name or real}
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": real.lower().replace(" ", "."),
            "deleted": False,
            "real_name": real,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": self.tz_offset,
            "is_bot": False,
            "profile": profile,
        }


class FakeSlackApi:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        rate_limits: dict[str, RateLimit] | None = None,
        valid_tokens: set[str] | None = None,
        record_path: Path | None = None,
        team_id: str = "T0TANDEM",
        bot_user_id: str = "U0BOT",
        app_id: str = "A0TANDEM",
        faults: FaultPlan | None = None,
        scopes: set[str] | None = None,
    ) -> None:
        """`valid_tokens=None` accepts any token starting "xox"; tokens from oauth.v2.access always work.
        `scopes=None` grants every scope; otherwise conversations.history needs im:history,
        channels:history or groups:history for a DM, public or private channel, as on Slack."""
        self.clock = clock
        self.faults = faults or FaultPlan()
        self.scopes = scopes
        self.rate_limits = dict(rate_limits or {})
        self.valid_tokens = valid_tokens
        self.record_path = record_path
        self.team_id, self.bot_user_id, self.app_id = team_id, bot_user_id, app_id
        self._runner: web.AppRunner | None = None
        self._port = 0
        self.reset()

    # ---- lifecycle

    @property
    def url(self) -> str:
        """The base_url for AsyncWebClient."""
        return f"http://127.0.0.1:{self._port}/api/"

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_get("/_fake/calls", self._control_calls)
        app.router.add_get("/_fake/counts", self._control_counts)
        app.router.add_post("/_fake/reset", self._control_reset)
        app.router.add_post("/_fake/fail", self._control_fail)
        app.router.add_post("/_fake/faults", self._control_faults)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self.url

    async def stop(self) -> None:
        self.faults.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlackApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- configuration and inspection

    def reset(self) -> None:
        """Forget calls, failures, users, buckets, issued tokens and what was posted (the fault
        plan stays: replace `faults` to change it)."""
        self._calls: list[RecordedCall] = []
        self._rate_limited: list[RecordedCall] = []
        self._failures: dict[str, deque[tuple[int, str]]] = defaultdict(deque)
        self._buckets: dict[tuple[str, ...], _Bucket] = {}
        self._users: dict[str, _User] = {}
        self._issued_tokens: set[str] = set()
        self._posted: dict[str, set[str]] = defaultdict(set)
        self._posts: list[Posted] = []
        # Messages posted per channel, oldest first, for conversations.history.
        self._history: dict[str, list[Payload]] = defaultdict(list)
        self._ids = itertools.count(1)
        self._holds: dict[str, asyncio.Event] = {}

    def hold(self, method: str) -> asyncio.Event:
        """Calls of `method` wait until the returned event is set (to prove what runs first)."""
        gate = self._holds[method] = asyncio.Event()
        return gate

    def fail(self, method: str, error: str = "channel_not_found", times: int = 1) -> None:
        """The next `times` calls of `method` answer {"ok": false, "error": error}."""
        self._failures[method].extend([(200, error)] * times)

    def fail_http(self, method: str, status: int = 500, times: int = 1) -> None:
        self._failures[method].extend([(status, "")] * times)

    def set_rate_limit(self, method: str, limit: RateLimit | None) -> None:
        if limit is None:
            self.rate_limits.pop(method, None)
        else:
            self.rate_limits[method] = limit
        self._buckets = {k: b for k, b in self._buckets.items() if k[0] != method}

    def set_user(
        self,
        user_id: str,
        *,
        tz: str = "Europe/London",
        tz_offset: int = 0,
        real_name: str = "",
        display_name: str = "",
        email: str = "",
    ) -> None:
        self._users[user_id] = _User(user_id, tz, tz_offset, real_name, display_name, email)

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Calls answered (ok or not), rate-limited ones excluded."""
        return [c for c in self._calls if method is None or c.method == method]

    def rate_limited(self, method: str | None = None) -> list[RecordedCall]:
        return [c for c in self._rate_limited if method is None or c.method == method]

    def messages_to(self, channel_or_user: str) -> list[dict[str, Any]]:
        """Params of every message posted to a channel, or to a user's DM."""
        return [p.params for p in self.posts(channel_or_user)]

    def posts(self, channel_or_user: str | None = None) -> list[Posted]:
        """Every message Slack holds, oldest first, including those whose poster was told of
        a failure (an injected fault after posting)."""
        wanted = {channel_or_user, _dm_channel(channel_or_user or "")}
        return [p for p in self._posts if channel_or_user is None or p.channel in wanted]

    def delivered_keys(self) -> Counter[str]:
        """How many messages carry each delivery key: above 1 is a duplicate."""
        return Counter(p.key for p in self._posts if p.key)

    # ---- HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        gate = self._holds.get(method)
        if gate is not None:
            await gate.wait()
        params = await _read_params(request)
        token = _bearer(request) or params.pop("token", None)
        now = self.clock()

        fault = self.faults.strike(method, _recipients(params), now)
        posts = len(self._posts)
        if fault is not None and not fault.fault.delivers:
            status, body, headers = _fault_answer(fault)
        else:
            status, body, headers = self._answer(method, token, params, request, now)
            if fault is not None and fault.fault is Fault.ERROR_AFTER:
                status, body, headers = _fault_answer(fault)
        call = RecordedCall(
            method,
            token,
            params,
            status,
            bool(body.get("ok")),
            body.get("error"),
            now,
            body,
            delivered=len(self._posts) > posts,
            fault=fault.fault.value if fault else None,
        )
        (self._rate_limited if status == 429 else self._calls).append(call)
        self._record(call)
        if fault is not None and fault.fault is Fault.TIMEOUT:
            await self.faults.hold()
        if fault is not None and fault.fault is Fault.DROP:
            return drop_connection(request)
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, method: str, token: str | None, params: Payload, request: web.Request, now: float
    ) -> tuple[int, Payload, dict[str, str]]:
        if method != "oauth.v2.access":
            if not token:
                return 200, _error("not_authed"), {}
            if not self._token_ok(token):
                return 200, _error("invalid_auth"), {}
        if self._failures[method]:
            status, error = self._failures[method].popleft()
            return status, _error(error or "fatal_error"), {}
        wait = self._rate_wait(method, params, now)
        if wait > 0:
            return 429, _error("ratelimited"), {"Retry-After": str(max(1, math.ceil(wait)))}
        handler = self._handlers().get(method)
        if handler is None:
            return 200, _error("unknown_method"), {}
        return 200, handler(params, request), {}

    def _token_ok(self, token: str) -> bool:
        if token in self._issued_tokens:
            return True
        if self.valid_tokens is None:
            return token.startswith("xox")
        return token in self.valid_tokens

    def _rate_wait(self, method: str, params: Payload, now: float) -> float:
        limit = self.rate_limits.get(method)
        if limit is None:
            return 0.0
        buckets = []
        if limit.per_second:
            channel = _dm_channel(str(params.get("channel", "")))
            key = (method, "channel", channel)
            buckets.append(self._bucket(key, limit.burst, limit.per_second, now))
        if limit.per_minute:
            key = (method, "workspace")
            buckets.append(self._bucket(key, limit.per_minute, limit.per_minute / 60, now))
        wait = max((b.wait(now) for b in buckets), default=0.0)
        if wait == 0:
            for bucket in buckets:
                bucket.take()
        return wait

    def _bucket(self, key: tuple[str, ...], capacity: float, rate: float, now: float) -> _Bucket:
        if key not in self._buckets:
            self._buckets[key] = _Bucket(capacity, rate, now)
        return self._buckets[key]

    def _record(self, call: RecordedCall) -> None:
        if self.record_path is None:
            return
        line = json.dumps({k: v for k, v in asdict(call).items() if k != "response"})
        with self.record_path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    # ---- Web API methods

    def _handlers(self) -> dict[str, Callable[[Payload, web.Request], Payload]]:
        return {
            "auth.test": self._auth_test,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "oauth.v2.access": self._oauth_v2_access,
        }

    def _auth_test(self, params: Payload, request: web.Request) -> Payload:
        return {
            "ok": True,
            "url": "https://tandem-test.slack.com/",
            "team": "Tandem Test",
            "user": "tandem",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": "B0TANDEM",
            "is_enterprise_install": False,
        }

    def _conversations_open(self, params: Payload, request: web.Request) -> Payload:
        users = str(params.get("users", "")).split(",")
        if not users[0]:
            return _error("users_list_not_supplied")
        if not _is_user_id(users[0]):
            return _error("user_not_found")
        return {"ok": True, "channel": {"id": _dm_channel(users[0])}}

    def _next_ts(self) -> str:
        n = next(self._ids)
        return f"{1_700_000_000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def _message(self, params: Payload, ts: str) -> Payload:
        return {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": "B0TANDEM",
            "app_id": self.app_id,
            "text": params.get("text", ""),
            "blocks": params.get("blocks", []),
            "ts": ts,
            "team": self.team_id,
            **(
                {"metadata": params["metadata"]} if isinstance(params.get("metadata"), dict) else {}
            ),
        }

    def _chat_post_message(self, params: Payload, request: web.Request) -> Payload:
        channel = str(params.get("channel", ""))
        if not channel:
            return _error("channel_not_found")
        if not params.get("text") and not params.get("blocks"):
            return _error("no_text")
        channel = _dm_channel(channel)
        ts = self._next_ts()
        self._posted[channel].add(ts)
        self._posts.append(Posted(channel, params, ts, self.clock()))
        message = self._message(params, ts)
        self._history[channel].append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _conversations_history(self, params: Payload, request: web.Request) -> Payload:
        """Newest first, paged by `cursor`; metadata only with include_all_metadata, as on Slack."""
        channel = _dm_channel(str(params.get("channel", "")))
        if not channel:
            return _error("channel_not_found")
        needed = HISTORY_SCOPES.get(channel[:1])
        if self.scopes is not None and needed and needed not in self.scopes:
            return {**_error("missing_scope"), "needed": needed}
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = max(1, min(int(params.get("limit") or 100), 999))
        start = int(params.get("cursor") or 0)
        newest_first = list(reversed(self._history.get(channel, [])))
        page = newest_first[start : start + limit]
        messages = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page
        ]
        more = start + limit < len(newest_first)
        return {
            "ok": True,
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _chat_update(self, params: Payload, request: web.Request) -> Payload:
        channel, ts = _dm_channel(str(params.get("channel", ""))), str(params.get("ts", ""))
        if ts not in self._posted.get(channel, set()):
            return _error("message_not_found")
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": params.get("text", ""),
            "message": self._message(params, ts),
        }

    def _view(self, view: Any) -> Payload:
        view = dict(view) if isinstance(view, dict) else {}
        return {
            "id": f"V{next(self._ids):08d}",
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": "B0TANDEM",
            "state": {"values": {}},
            "hash": f"{time.time():.0f}.fake",
            "private_metadata": "",
            "callback_id": "",
            **view,
        }

    def _views_open(self, params: Payload, request: web.Request) -> Payload:
        if not params.get("trigger_id"):
            return _error("invalid_arguments")
        if not isinstance(params.get("view"), dict):
            return _error("invalid_arguments")
        return {"ok": True, "view": self._view(params["view"])}

    def _views_update(self, params: Payload, request: web.Request) -> Payload:
        if not (params.get("view_id") or params.get("external_id")):
            return _error("invalid_arguments")
        view = self._view(params.get("view"))
        view["id"] = params.get("view_id") or view["id"]
        return {"ok": True, "view": view}

    def _views_publish(self, params: Payload, request: web.Request) -> Payload:
        if not _is_user_id(str(params.get("user_id", ""))):
            return _error("user_not_found")
        return {"ok": True, "view": self._view(params.get("view"))}

    def _users_info(self, params: Payload, request: web.Request) -> Payload:
        user_id = str(params.get("user", ""))
        if not _is_user_id(user_id):
            return _error("user_not_found")
        user = self._users.get(user_id) or _User(user_id)
        return {"ok": True, "user": user.as_slack(self.team_id)}

    def _oauth_v2_access(self, params: Payload, request: web.Request) -> Payload:
        client_id = params.get("client_id")
        if "Authorization" in request.headers and request.headers["Authorization"].startswith(
            "Basic"
        ):
            client_id = BasicAuth.decode(request.headers["Authorization"]).login
        code = str(params.get("code", ""))
        if not client_id:
            return _error("invalid_client_id")
        if not code or code.startswith("invalid"):
            return _error("invalid_code")
        token = f"xoxb-{self.team_id}-{next(self._ids)}"
        self._issued_tokens.add(token)
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "commands,chat:write,im:write,im:history,users:read,users:read.email",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": "Tandem Test"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # ---- control endpoints for a fake running in another process

    async def _control_calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        return web.json_response([asdict(c) for c in self.calls(method)])

    async def _control_counts(self, request: web.Request) -> web.Response:
        """Successful calls per method: cheap to poll while a benchmark drains."""
        counts: dict[str, int] = defaultdict(int)
        for call in self._calls:
            counts[call.method] += call.ok
        return web.json_response(counts)

    async def _control_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    async def _control_faults(self, request: web.Request) -> web.Response:
        """Replace the fault plan: {"seed": 7, "rules": [{"fault": "error_after", ...}]}."""
        self.faults.release()
        self.faults = FaultPlan.from_json(await request.json())
        return web.json_response({"ok": True})

    async def _control_fail(self, request: web.Request) -> web.Response:
        body = await request.json()
        if "status" in body:
            self.fail_http(body["method"], int(body["status"]), int(body.get("times", 1)))
        else:
            self.fail(
                body["method"], body.get("error", "channel_not_found"), int(body.get("times", 1))
            )
        return web.json_response({"ok": True})


def _error(error: str) -> Payload:
    return {"ok": False, "error": error}


def _fault_answer(rule: Rule) -> tuple[int, Payload, dict[str, str]]:
    if rule.fault is Fault.RATE_LIMITED:
        return 429, _error("ratelimited"), {"Retry-After": str(rule.retry_after)}
    return 500, _error("fatal_error"), {}


def _recipients(params: Payload) -> list[str]:
    """Who a call is about, for a fault rule's `recipient`: channel or DM, and user ids."""
    channel = str(params.get("channel") or "")
    named = [channel, _dm_channel(channel) if channel else ""]
    return named + [str(params.get(k) or "") for k in ("users", "user", "user_id")]


def _is_user_id(value: str) -> bool:
    return value[:1] in ("U", "W") and len(value) > 1


def _dm_channel(channel_or_user: str) -> str:
    """Posting to a user id lands in the bot's DM with them, as on Slack."""
    return "D" + channel_or_user if _is_user_id(channel_or_user) else channel_or_user


def _bearer(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return None
    return auth.removeprefix("Bearer ").strip() or None


async def _read_params(request: web.Request) -> Payload:
    params: Payload = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            params.update(await request.post())
    for name in _JSON_PARAMS & params.keys():
        if isinstance(params[name], str):
            try:
                params[name] = json.loads(params[name])
            except ValueError:
                pass
    return {
        k: v if isinstance(v, str | int | float | bool | list | dict | None) else str(v)
        for k, v in params.items()
    }


async def _serve(
    port: int,
    record: Path | None,
    slack_limits: bool,
    post_limit: RateLimit | None = None,
    faults: FaultPlan | None = None,
) -> None:
    limits = dict(SLACK_LIKE_LIMITS) if slack_limits else {}
    if post_limit is not None:
        limits["chat.postMessage"] = post_limit
    fake = FakeSlackApi(record_path=record, rate_limits=limits or None, faults=faults)
    url = await fake.start(port)
    print(url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--record", type=Path, help="append one JSON line per request here")
    parser.add_argument("--slack-limits", action="store_true", help="enforce SLACK_LIKE_LIMITS")
    parser.add_argument(
        "--post-per-minute",
        type=int,
        help="chat.postMessage workspace budget (with 1/s per channel); overrides the default",
    )
    parser.add_argument("--faults", type=Path, help="a FaultPlan as JSON (tests/fakes/faults.py)")
    args = parser.parse_args(argv)
    post_limit = (
        RateLimit(per_second=1.0, burst=1, per_minute=args.post_per_minute)
        if args.post_per_minute
        else None
    )
    faults = FaultPlan.from_json(json.loads(args.faults.read_text())) if args.faults else None
    asyncio.run(_serve(args.port, args.record, args.slack_limits, post_limit, faults))


if __name__ == "__main__":
    main()
