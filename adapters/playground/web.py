"""The playground's HTTP API and page. It lets anyone act as anyone, so it only serves loopback."""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.playground.guard import same_origin_guard
from adapters.playground.messenger import PLAYGROUND, PlaygroundMessenger, dm_id
from bot.core.answers import is_storable
from bot.core.clock import OffsetClock
from bot.core.events import ButtonClicked, Command, FormSubmitted, MemberJoined, MessageReceived
from bot.core.outbound import Form, from_json, to_json
from bot.core.refs import ConversationRef, MessageRef, UserRef
from bot.runtime.tandem import Tandem

STATIC = Path(__file__).parent / "static"
CHANNELS = ("#general", "#mentoring")
USER_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
ITEM_ID = re.compile(r"[0-9]{1,15}")
TOKEN_SLOT = "TANDEM_PAGE_TOKEN"
ClockMoved = Callable[[], Awaitable[None]]


@web.middleware
async def loopback_only(request: web.Request, handler):  # type: ignore[no-untyped-def]
    remote = request.remote or ""
    try:
        if not ipaddress.ip_address(remote).is_loopback:
            raise web.HTTPForbidden(text="The playground only answers on this machine.")
    except ValueError:
        raise web.HTTPForbidden(text="The playground only answers on this machine.") from None
    return await handler(request)


class Playground:
    def __init__(
        self,
        tandem: Tandem,
        messenger: PlaygroundMessenger,
        clock: OffsetClock,
        save_offset: Callable[[timedelta], Awaitable[None]],
        on_clock_moved: ClockMoved | None = None,
        *,
        token: str,
    ) -> None:
        self.tandem = tandem
        self.messenger = messenger
        self.clock = clock
        self.save_offset = save_offset
        self.on_clock_moved = on_clock_moved
        # Served with the page and required on every change: other sites never see it.
        self.token = token

    def app(self) -> web.Application:
        guard = same_origin_guard(self.token, scriptable={self.move_clock})
        app = web.Application(middlewares=[loopback_only, guard])
        app.router.add_get("/", self.page)
        app.router.add_get("/token", self.script_token)
        app.router.add_get("/state", self.state)
        app.router.add_post("/people", self.add_person)
        app.router.add_post("/say", self.say)
        app.router.add_post("/click", self.click)
        app.router.add_post("/submit", self.submit)
        app.router.add_post("/close-form", self.close_form)
        app.router.add_post("/clock", self.move_clock)
        app.router.add_static("/static", STATIC)
        return app

    async def page(self, request: web.Request) -> web.Response:
        html = (STATIC / "index.html").read_text(encoding="utf-8")
        return web.Response(
            text=html.replace(TOKEN_SLOT, self.token),
            content_type="text/html",
            # Framed inside another site, the page's own buttons could be clicked for it.
            headers={"X-Frame-Options": "DENY", "Cache-Control": "no-store"},
        )

    async def script_token(self, request: web.Request) -> web.Response:
        """For a script on this machine (README); other sites' pages cannot read the answer."""
        return web.Response(text=self.token, headers={"Cache-Control": "no-store"})

    async def _workspace_id(self) -> int:
        return await self.tandem.db.workspace_id(PLAYGROUND, "Playground")

    def _user(self, data: dict[str, Any]) -> UserRef:
        user_id = str(data.get("as", "")).strip().lower()
        if not USER_ID.match(user_id):
            raise web.HTTPBadRequest(text="Pick a person to act as first.")
        return UserRef(PLAYGROUND, user_id)

    async def _json(self, request: web.Request) -> dict[str, Any]:
        try:
            data = json.loads((await request.read()).decode("utf-8"))
        except (ValueError, RecursionError):
            raise web.HTTPBadRequest(text="Expected a JSON body.") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="Expected a JSON object.")
        return data

    async def state(self, request: web.Request) -> web.Response:
        workspace_id = await self._workspace_id()
        user_id = request.query.get("as", "")
        async with self.tandem.db.unit_of_work(workspace_id) as uow:
            people = [
                {"id": p.platform_user_id, "name": p.display_name or p.platform_user_id}
                for p in await uow.people.all()
            ]
        items = await self.messenger.items(workspace_id, [dm_id(user_id), *CHANNELS])
        dms = [
            _item(i) for i in items if i.conversation_id == dm_id(user_id) and i.kind == "message"
        ]
        forms = [_item(i) for i in items if i.kind == "form" and i.open]
        channels = {c: [_item(i) for i in items if i.conversation_id == c] for c in CHANNELS}
        return web.json_response(
            {
                "now": self.clock.now().isoformat(),
                "people": people,
                "dms": dms,
                "form": forms[-1] if forms else None,
                "channels": channels,
            }
        )

    async def add_person(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        name = str(data.get("name", "")).strip()[:80]
        if not name or not is_storable(name):
            raise web.HTTPBadRequest(text="Give the person a name.")
        user_id = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or uuid.uuid4().hex[:8]
        workspace_id = await self._workspace_id()
        async with self.tandem.db.unit_of_work(workspace_id) as uow:
            existing = await uow.people.by_user_id(user_id)
            await uow.people.ensure(user_id, self.clock.now(), display_name=name)
            await uow.commit()
        if existing is None:
            await self.tandem.handle(MemberJoined(user=UserRef(PLAYGROUND, user_id)))
        return web.json_response({"id": user_id, "name": name})

    async def say(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        user = self._user(data)
        text = str(data.get("text", "")).strip()
        if not text:
            raise web.HTTPBadRequest(text="Type something first.")
        if not is_storable(text):
            raise web.HTTPBadRequest(text="That message has a character I can't keep.")
        event_id = f"say:{data['request_id']}" if data.get("request_id") else None
        if text.startswith("/"):
            command, _, rest = text[1:].partition(" ")
            if command.lower() != "mentoring":
                return web.json_response(
                    {"error": f"Unknown slash command /{command}. Try /mentoring help."}
                )
            name, _, args = rest.strip().partition(" ")
            event = Command(
                user=user,
                name=(name or "help").lower(),
                args=args.strip(),
                event_id=event_id,
                interaction=uuid.uuid4().hex,
            )
            await self.tandem.handle(event)
        else:
            conversation = ConversationRef(PLAYGROUND, dm_id(user.user_id), is_direct=True)
            await self.tandem.handle(
                MessageReceived(user=user, text=text, conversation=conversation, event_id=event_id)
            )
        return web.json_response({"ok": True})

    async def click(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        user = self._user(data)
        item_id = _item_id(data)
        message = None
        if item_id is not None:
            conversation = ConversationRef(PLAYGROUND, dm_id(user.user_id), is_direct=True)
            message = MessageRef(conversation, str(item_id))
        values = _values(data)
        event = ButtonClicked(
            user=user,
            action_id=str(data.get("action_id", ""))[:100],
            value=str(data.get("value", ""))[:2000],
            message=message,
            event_id=f"click:{data['request_id']}" if data.get("request_id") else None,
            interaction=uuid.uuid4().hex,
            values=values,
        )
        await self.tandem.handle(event)
        return web.json_response({"ok": True})

    async def submit(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        user = self._user(data)
        workspace_id = await self._workspace_id()
        item_id = _item_id(data)
        item = await self.messenger.item(workspace_id, item_id) if item_id is not None else None
        if item is None or item.kind != "form" or item.conversation_id != dm_id(user.user_id):
            return web.json_response({"error": "That form has expired. Please start again."})
        form = from_json(item.body)
        assert isinstance(form, Form)
        event = FormSubmitted(
            user=user, form_id=form.form_id, values=_values(data), context=form.context
        )
        checked = self.tandem.validate(event, form.fields)
        errors = checked.errors or await self.tandem.handle(checked.event)
        if errors:
            with_errors = _with_errors(form, checked.event.values, errors)
            await self.messenger.set_form(workspace_id, item.id, to_json(with_errors), True)
            return web.json_response({"errors": errors})
        await self.messenger.set_form(workspace_id, item.id, None, False)
        return web.json_response({"ok": True})

    async def close_form(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        user = self._user(data)
        workspace_id = await self._workspace_id()
        item_id = _item_id(data)
        item = await self.messenger.item(workspace_id, item_id) if item_id is not None else None
        if item and item.conversation_id == dm_id(user.user_id):
            await self.messenger.set_form(workspace_id, item.id, None, False)
        return web.json_response({"ok": True})

    async def move_clock(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        try:
            minutes = int(data.get("minutes", 0))
        except (TypeError, ValueError, OverflowError):
            raise web.HTTPBadRequest(text="Minutes must be a whole number.") from None
        if not 0 < minutes <= 60 * 24 * 366:
            raise web.HTTPBadRequest(text="Move the clock forward by between 1 minute and a year.")
        self.clock.advance(timedelta(minutes=minutes))
        await self.save_offset(self.clock.offset)
        if self.on_clock_moved:
            await self.on_clock_moved()
        return web.json_response({"now": self.clock.now().isoformat()})


def _with_errors(form: Form, values: dict[str, str | list[str]], errors: dict[str, str]) -> Form:
    """The same form with the errors, keeping what the person typed."""
    fields = tuple(
        replace(field, initial=tuple(value) if isinstance(value, list) else value)
        if (value := values.get(field.name)) is not None
        else field
        for field in form.fields
    )
    return replace(form, fields=fields, errors=errors)


def _item_id(data: dict[str, Any]) -> int | None:
    """A stored item's id as the page sends it; anything else names no item."""
    raw = data.get("item_id")
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    return int(raw) if isinstance(raw, str) and ITEM_ID.fullmatch(raw) else None


def _values(data: dict[str, Any]) -> dict[str, str | list[str]]:
    """The page's field values in the neutral shape; a value of any other shape is left out."""
    raw = data.get("values")
    if not isinstance(raw, dict):
        return {}
    values = {name: _value(value) for name, value in raw.items()}
    return {name: value for name, value in values.items() if value is not None}


def _value(value: Any) -> str | list[str] | None:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value[:100]
    return None


def _item(item: Any) -> dict[str, Any]:
    return {"id": item.id, "kind": item.kind, "body": item.body, "at": item.created_at.isoformat()}
