"""A fake Bot Connector service on localhost for the real botframework-connector client.

It serves the REST paths `botframework.connector.aio.ConnectorClient.conversations` calls
(send, reply, update, delete, create conversation, members) and records every activity, so a
test can drive the real Teams adapter and check what a person would have seen. Failures are
configurable: a person who blocked the bot (403), a flaky service (5xx) and throttling (429),
and any fault of a FaultPlan (tests/fakes/faults.py), matched by operation ("send", "reply",
"update", "delete", "create", "member", "members"), conversation or member id. `received` is
what the service holds, including activities whose sender was told of a failure.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.faults import Fault, FaultPlan, drop_connection

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
# Codes and messages as Teams documents them for bot API errors.
BLOCKED_MESSAGES = {
    "ConversationBlockedByUser": "User blocked the conversation with the bot.",
    "BotNotInConversationRoster": "The bot isn't part of the conversation roster.",
    "BotDisabledByAdmin": "The tenant admin disabled this bot",
    "MessageWritesBlocked": "Thread is blocked from message writes.",
}


@dataclass(frozen=True, slots=True)
class ReceivedActivity:
    """One successful call. `activity_id` is the id the fake gave, or the one updated."""

    operation: str  # "send" | "reply" | "update" | "delete" | "create"
    conversation_id: str
    activity_id: str
    activity: dict[str, Any]
    reply_to_id: str | None = None


@dataclass(frozen=True, slots=True)
class RejectedRequest:
    method: str
    path: str
    status: int
    code: str


@dataclass(slots=True)
class _Failure:
    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    body = {"error": {"code": code, "message": message}}
    return web.json_response(body, status=status, headers=headers)


class FakeBotConnector:
    def __init__(
        self, *, faults: FaultPlan | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.faults = faults or FaultPlan()
        self.clock = clock
        self.received: list[ReceivedActivity] = []
        self.rejected: list[RejectedRequest] = []
        self.created: list[dict[str, Any]] = []  # ConversationParameters, as sent
        self.members: dict[str, dict[str, Any]] = {}
        self._blocked: dict[str, str] = {}
        self._failures: deque[_Failure] = deque()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(middlewares=[self._refuse_when_told])
        conversation = "/v3/conversations/{conversation_id}"
        activity = conversation + "/activities/{activity_id}"
        app.router.add_post("/v3/conversations", self._create, name="create")
        app.router.add_post(conversation + "/activities", self._send, name="send")
        app.router.add_post(activity, self._reply, name="reply")
        app.router.add_put(activity, self._update, name="update")
        app.router.add_delete(activity, self._delete, name="delete")
        app.router.add_get(conversation + "/members", self._list_members, name="members")
        app.router.add_get(conversation + "/pagedmembers", self._paged_members, name="paged")
        app.router.add_get(conversation + "/members/{user_id}", self._member, name="member")
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        # Real service URLs end with a slash; the connector client copes with it.
        self.url = f"http://{host}:{port}/"
        return self.url

    async def stop(self) -> None:
        self.faults.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotConnector:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- failure controls -------------------------------------------------------------

    def block_user(self, conversation_id: str, code: str = "ConversationBlockedByUser") -> None:
        """Every call for this conversation (or creating it, by user id) gets Teams' 403."""
        self._blocked[conversation_id] = code

    def unblock_user(self, conversation_id: str) -> None:
        self._blocked.pop(conversation_id, None)

    def fail(self, times: int = 1, status: int = 500) -> None:
        """The next `times` calls fail with `status`."""
        for _ in range(times):
            self._failures.append(_Failure(status, "ServiceError", "Something went wrong."))

    def throttle(self, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls get 429 Too Many Requests with a Retry-After header."""
        headers = {"Retry-After": str(retry_after)}
        for _ in range(times):
            self._failures.append(_Failure(429, "Throttled", "Too many requests.", headers))

    # --- what was received ------------------------------------------------------------

    def activities(self, conversation_id: str | None = None) -> list[ReceivedActivity]:
        return [
            r
            for r in self.received
            if conversation_id is None or r.conversation_id == conversation_id
        ]

    def texts(self, conversation_id: str | None = None) -> list[str]:
        return [
            r.activity["text"]
            for r in self.activities(conversation_id)
            if r.activity.get("text") and r.activity.get("type", "message") == "message"
        ]

    def cards(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Adaptive Card contents, in the order they were sent or updated."""
        return [
            attachment["content"]
            for r in self.activities(conversation_id)
            for attachment in r.activity.get("attachments") or ()
            if attachment.get("contentType") == ADAPTIVE_CARD
        ]

    # --- handlers ---------------------------------------------------------------------

    @web.middleware
    async def _refuse_when_told(self, request: web.Request, handler: Any) -> web.StreamResponse:
        keys = [request.match_info.get("conversation_id", "")]
        if request.path == "/v3/conversations" and request.method == "POST":
            parameters = await request.json()
            new_id = self._new_conversation_id(parameters)
            keys = [new_id, new_id.split(";")[0]]  # a DM, or the channel a thread would start in
            keys += [member.get("id", "") for member in parameters.get("members") or []]
        code = next((self._blocked[key] for key in keys if key in self._blocked), None)
        if code is not None:
            self.rejected.append(RejectedRequest(request.method, request.path, 403, code))
            return _error(403, code, BLOCKED_MESSAGES.get(code, "Forbidden"))
        if self._failures:
            failure = self._failures.popleft()
            return self._refuse(request, failure)
        operation = request.match_info.route.name or request.path
        rule = self.faults.strike(operation, keys, self.clock())
        if rule is None:
            return await handler(request)
        if rule.fault is Fault.RATE_LIMITED:
            headers = {"Retry-After": str(rule.retry_after)}
            return self._refuse(request, _Failure(429, "Throttled", "Too many requests.", headers))
        server_error = _Failure(500, "ServiceError", "Something went wrong.")
        if rule.fault is Fault.ERROR_BEFORE:
            return self._refuse(request, server_error)
        response = await handler(request)
        if rule.fault is Fault.ERROR_AFTER:
            return self._refuse(request, server_error)
        if rule.fault is Fault.DROP:
            return drop_connection(request)
        await self.faults.hold()
        return response

    def _refuse(self, request: web.Request, failure: _Failure) -> web.Response:
        rejected = RejectedRequest(request.method, request.path, failure.status, failure.code)
        self.rejected.append(rejected)
        return _error(failure.status, failure.code, failure.message, failure.headers)

    def _next_id(self) -> str:
        return f"1:{next(self._ids)}"

    def _new_conversation_id(self, parameters: dict[str, Any]) -> str:
        members = parameters.get("members") or []
        if members:
            return f"a:1:new-{members[0].get('id', '')}"
        # No members: a new thread in a channel, which Teams ids as "<channel>;messageid=<id>".
        channel = ((parameters.get("channelData") or {}).get("channel") or {}).get("id", "")
        return f"{channel};messageid=pending"

    def _record(self, operation: str, conversation_id: str, activity: dict, **extra: Any) -> str:
        activity_id = extra.pop("activity_id", None) or self._next_id()
        self.received.append(
            ReceivedActivity(operation, conversation_id, activity_id, activity, **extra)
        )
        return activity_id

    async def _create(self, request: web.Request) -> web.Response:
        parameters = await request.json()
        self.created.append(parameters)
        conversation_id = self._new_conversation_id(parameters)
        response: dict[str, Any] = {"id": conversation_id, "serviceUrl": self.url}
        if parameters.get("activity"):
            activity_id = self._next_id()
            conversation_id = conversation_id.replace(
                ";messageid=pending", f";messageid={activity_id}"
            )
            self._record("create", conversation_id, parameters["activity"], activity_id=activity_id)
            response.update(id=conversation_id, activityId=activity_id)
        return web.json_response(response, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        activity_id = self._record("send", conversation_id, await request.json())
        return web.json_response({"id": activity_id}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        info = request.match_info
        activity_id = self._record(
            "reply", info["conversation_id"], await request.json(), reply_to_id=info["activity_id"]
        )
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        info = request.match_info
        self._record(
            "update", info["conversation_id"], await request.json(), activity_id=info["activity_id"]
        )
        return web.json_response({"id": info["activity_id"]})

    async def _delete(self, request: web.Request) -> web.Response:
        info = request.match_info
        self._record("delete", info["conversation_id"], {}, activity_id=info["activity_id"])
        return web.Response(status=200)

    def _member_json(self, user_id: str) -> dict[str, Any]:
        return {"id": user_id, "name": user_id, **self.members.get(user_id, {})}

    async def _member(self, request: web.Request) -> web.Response:
        user_id = request.match_info["user_id"]
        # Teams finds a member by their Entra object id as well as by their member id.
        by_object_id = [m for m, info in self.members.items() if info.get("aadObjectId") == user_id]
        user_id = by_object_id[0] if by_object_id else user_id
        if self.members and user_id not in self.members:
            return _error(404, "MemberNotFoundInConversation", "Member not found.")
        return web.json_response(self._member_json(user_id))

    async def _list_members(self, request: web.Request) -> web.Response:
        return web.json_response([self._member_json(user_id) for user_id in self.members])

    async def _paged_members(self, request: web.Request) -> web.Response:
        members = [self._member_json(user_id) for user_id in self.members]
        return web.json_response({"members": members, "continuationToken": None})
