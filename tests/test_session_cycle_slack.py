"""A shorter session cycle on Slack: book a session, prep prompt, reflection prompt, poll."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.core.refs import Platform, WorkspaceRef
from bot.runtime.host import Services
from flows.common.actions import SESSION_BOOK_ACTION
from flows.sessions import polls
from storage.models import Meeting, Pair, Response
from tests.fakes.slack_api import FakeSlackApi
from tests.matching_helpers import enrol
from tests.session_cycle_helpers import poll_morning, prep_time
from tests.slack_fixtures import ALICE, BOB, TEAM, SlackDriver

CAROL = "U0CAROL03"


def button(fake: FakeSlackApi, user: str, action: str) -> dict[str, Any]:
    """The newest button whose action id starts with `action` in the user's DMs."""
    for message in reversed(fake.messages_to(user)):
        for block in message.get("blocks") or []:
            for element in block.get("elements", []):
                if element.get("action_id", "").startswith(action):
                    return element
    raise AssertionError(f"{user} has no {action} button")


async def submit_form(
    slack: SlackDriver, user: str, form_id: str, context: str, values: dict
) -> None:
    view = slack.opened_view(form_id, user)
    assert view is not None and view["private_metadata"] == context
    response = await slack.submit(values, user=user, callback_id=form_id)
    assert response.status == 200
    assert json.loads(await response.text() or "{}") == {}, "the form was refused"
    await slack.settle()


async def move_clock(services: Services, when) -> None:  # type: ignore[no-untyped-def]
    services.clock.advance(
        max(timedelta(minutes=1), when - services.clock.now() + timedelta(minutes=1))
    )
    await services.clock_moved()


async def test_a_session_on_slack(
    slack: SlackDriver, slack_services: Services, fake: FakeSlackApi, programme_id: int
) -> None:
    db = slack_services.db
    workspace_id = await db.workspace_id(WorkspaceRef(Platform.SLACK, TEAM))
    mentor = await enrol(db, workspace_id, programme_id, BOB, role="mentor")
    mentee = await enrol(db, workspace_id, programme_id, CAROL, role="mentee")
    async with db.unit_of_work(workspace_id) as uow:
        admin = await uow.people.ensure(ALICE, slack_services.clock.now())
        await uow.programmes.add_role(programme_id, admin.id, "admin")
        pair = Pair(
            programme_id=programme_id,
            mentor_enrolment_id=mentor,
            mentee_enrolment_id=mentee,
            status="confirmed",
            created_at=slack_services.clock.now(),
        )
        uow.pairs.add(pair)
        await uow.session.flush()
        pair_id = pair.id
        await uow.commit()

    await slack.click(SESSION_BOOK_ACTION, str(pair_id), user=BOB)
    await slack.settle()
    slot = button(fake, BOB, "sess_slot")
    await slack.click(slot["action_id"], slot["value"], user=BOB)
    await slack.settle()
    accept = button(fake, CAROL, "sess_accept")
    await slack.click(accept["action_id"], accept["value"], user=CAROL)
    await slack.settle()
    async with db.sessions() as session:
        meeting = await session.scalar(select(Meeting).where(Meeting.kind == "session"))
    assert meeting is not None and meeting.status == "scheduled" and meeting.sequence == 1

    await move_clock(slack_services, prep_time(meeting))
    prep = json.dumps([m for m in fake.messages_to(CAROL) if "Prepare" in m.get("text", "")])
    assert "Revisit your aims" in prep and "support" in prep

    await move_clock(slack_services, meeting.ends_at + timedelta(minutes=30))
    assert "Book the next session" in json.dumps(fake.messages_to(BOB)[-1])

    await move_clock(slack_services, poll_morning(meeting))
    poll = button(fake, BOB, polls.ACTION_ID)
    await slack.click(poll["action_id"], poll["value"], user=BOB)
    await slack.settle()
    assert fake.calls("views.open")
    values = {"met": "yes", "valuable": "4", "safe_space": "1", "comment": "SLACK-SECRET"}
    await submit_form(slack, BOB, polls.FORM_ID, str(meeting.id), values)
    async with db.sessions() as session:
        answers = {
            r.question: r.value_text or r.value_number
            for r in await session.scalars(select(Response).where(Response.kind == "poll"))
        }
    assert answers == {"met": "yes", "valuable": 4.0, "safe_space": 1.0, "comment": "SLACK-SECRET"}
    alert = json.dumps(fake.messages_to(ALICE))
    assert "may need support" in alert and "SLACK-SECRET" not in alert
