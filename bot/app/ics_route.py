"""GET /ics/{token}.ics: a meeting's calendar invite for the "Add to calendar" button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from flows.common.pair_lifecycle import partner_of
from flows.common.people import name_of
from flows.meetings.calendar_links import invite_for, read_token
from storage.uow import Database


def ics_route(db: Database) -> web.RouteDef:
    return web.get("/ics/{token}", ics_handler(db))


def ics_handler(db: Database) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        found = await read_token(db, request.match_info["token"])
        if found is None:
            raise web.HTTPNotFound(text="That calendar link isn't valid.")
        workspace_id, meeting_id = found
        async with db.unit_of_work(workspace_id) as uow:
            meeting = await uow.meetings.get(meeting_id)
            pair = await uow.pairs.get(meeting.pair_id) if meeting else None
            if meeting is None or pair is None:
                raise web.HTTPNotFound(text="That meeting no longer exists.")
            mentor = await partner_of(uow, pair, pair.mentee_enrolment_id)
            mentee = await partner_of(uow, pair, pair.mentor_enrolment_id)
            body = invite_for(
                meeting, workspace_id, (name_of(mentor), name_of(mentee)), db.clock.now()
            )
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={"Content-Disposition": 'attachment; filename="tandem-meeting.ics"'},
        )

    return handler
