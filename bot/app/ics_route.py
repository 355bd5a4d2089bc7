"""GET /ics/{token}.ics: a meeting's calendar invite for the "Add to calendar" button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from flows.common.pair_lifecycle import partner_of
from flows.common.people import name_of
from flows.meetings.calendar_links import invite_for, opens, read_token
from storage.uow import Database

# One answer for a link to a meeting that was erased and for a link that never opened
# anything: a stranger trying ids learns nothing about which meetings exist.
NO_LONGER_AVAILABLE = "That calendar link is no longer available."


def ics_route(db: Database) -> web.RouteDef:
    return web.get("/ics/{token}", ics_handler(db))


def ics_handler(db: Database) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        token = read_token(request.match_info["token"])
        if token is None:
            raise web.HTTPNotFound(text="That calendar link isn't valid.")
        async with db.unit_of_work(token.workspace_id) as uow:
            meeting = await uow.meetings.get(token.meeting_id)
            pair = await uow.pairs.get(meeting.pair_id) if meeting else None
            if meeting is None or pair is None or not await opens(db, token, meeting):
                raise web.HTTPNotFound(text=NO_LONGER_AVAILABLE)
            mentor = await partner_of(uow, pair, pair.mentee_enrolment_id)
            mentee = await partner_of(uow, pair, pair.mentor_enrolment_id)
            body = invite_for(
                meeting, token.workspace_id, (name_of(mentor), name_of(mentee)), db.clock.now()
            )
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={"Content-Disposition": 'attachment; filename="tandem-meeting.ics"'},
        )

    return handler
