"""Smoke test on Slack: an admin matches and publishes; the mentor is offered slots."""

from __future__ import annotations

import json

from bot.core.refs import Platform, WorkspaceRef
from bot.runtime.host import Services
from bot.runtime.policy import NO_LONGER_AVAILABLE, REFUSED
from flows.chemistry import fit_check
from flows.common.actions import CHEMISTRY_BOOK_ACTION
from flows.matching.preview import PUBLISH_ACTION
from storage.models import Pair
from tests.fakes.slack_api import FakeSlackApi
from tests.matching_helpers import enrol
from tests.slack_fixtures import ALICE, BOB, TEAM, SlackDriver

CAROL = "U0CAROL03"
DAVE = "U0DAVE004"


async def test_match_publish_and_book_on_slack(
    slack: SlackDriver, slack_services: Services, fake: FakeSlackApi, programme_id: int
) -> None:
    db = slack_services.db
    workspace_id = await db.workspace_id(WorkspaceRef(Platform.SLACK, TEAM))
    await enrol(db, workspace_id, programme_id, BOB, role="mentor", department="Finance")
    await enrol(db, workspace_id, programme_id, CAROL, role="mentee", department="Legal")
    async with db.unit_of_work(workspace_id) as uow:
        admin = await uow.people.ensure(ALICE, slack_services.clock.now())
        await uow.programmes.add_role(programme_id, admin.id, "admin")
        await uow.commit()

    await slack.command("match", user=BOB)
    await slack.settle()
    assert REFUSED in slack.dm_texts(BOB)[-1]

    await slack.command("match", user=ALICE)
    await slack.settle()
    preview = slack.dm_texts(ALICE)[-1]
    assert "Proposed pairs" in preview and PUBLISH_ACTION in preview

    await slack.click(PUBLISH_ACTION, str(programme_id), user=ALICE)
    await slack.settle()
    for user in (BOB, CAROL):
        [intro] = [
            m for m in fake.messages_to(user) if "Meet your mentoring match" in m.get("text", "")
        ]
        assert CHEMISTRY_BOOK_ACTION in json.dumps(intro["blocks"])

    pair_id = next(
        e["value"]
        for m in fake.messages_to(BOB)
        for b in m.get("blocks") or []
        for e in b.get("elements", [])
        if e.get("action_id", "").startswith(CHEMISTRY_BOOK_ACTION)
    )
    await slack.click(CHEMISTRY_BOOK_ACTION, pair_id, user=BOB)
    await slack.settle()
    offer = fake.messages_to(BOB)[-1]
    assert json.dumps(offer["blocks"]).count('"chem_slot') >= 3


async def test_a_signed_click_from_outside_the_pair_cannot_end_it(
    slack: SlackDriver, slack_services: Services, fake: FakeSlackApi, programme_id: int
) -> None:
    """Dave takes part in the programme but not in pair 1; he sends its buttons by hand."""
    db = slack_services.db
    workspace_id = await db.workspace_id(WorkspaceRef(Platform.SLACK, TEAM))
    mentor = await enrol(db, workspace_id, programme_id, BOB, role="mentor")
    mentee = await enrol(db, workspace_id, programme_id, CAROL, role="mentee")
    await enrol(db, workspace_id, programme_id, DAVE, role="mentee", department="Sales")
    async with db.unit_of_work(workspace_id) as uow:
        admin = await uow.people.ensure(ALICE, slack_services.clock.now())
        await uow.programmes.add_role(programme_id, admin.id, "admin")
        pair = Pair(
            programme_id=programme_id,
            mentor_enrolment_id=mentor,
            mentee_enrolment_id=mentee,
            status="chemistry_booked",
            created_at=slack_services.clock.now(),
        )
        uow.pairs.add(pair)
        await uow.commit()

    for action in (fit_check.NO_ACTION, fit_check.YES_ACTION):
        response = await slack.click(action, str(pair.id), user=DAVE)
        assert response.status == 200
    await slack.settle()

    async with db.unit_of_work(workspace_id) as uow:
        stored = await uow.pairs.get(pair.id)
        assert stored is not None and stored.status == "chemistry_booked"
    assert [m["text"] for m in fake.messages_to(DAVE)] == [NO_LONGER_AVAILABLE] * 2
    for user in (ALICE, BOB, CAROL):
        assert fake.messages_to(user) == []
