"""On Slack the line manager is picked with Slack's own people picker (`users_select`), and
the reporting-line rule holds for managers named by @handle or real name before it existed.

Real bolt and slack_sdk against the fake Slack Web API; matching runs as the admin's
`/mentoring match` would run it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.core.refs import Platform, WorkspaceRef
from bot.runtime.host import Services
from flows.matching.run import run_matching
from flows.signup.enrol import UNKNOWN_PERSON
from storage.models import Enrolment, Pair, Person
from tests.fakes.slack_api import FakeSlackApi
from tests.matching_helpers import enrol
from tests.slack_fixtures import (
    ALICE,
    BOB,
    TEAM,
    SlackDriver,
    filled_in,
    payload,
    signup_answers,
)

CAROL = "U0CAROL03"
WORKSPACE = WorkspaceRef(Platform.SLACK, TEAM)
SENIOR = {"role": "mentee", "seniority": "5", "department": "Operations"}


def _manager_element(view: dict[str, Any]) -> dict[str, Any]:
    [block] = [b for b in view["blocks"] if b.get("block_id") == "manager"]
    return block["element"]


async def _enrolment(services: Services, user_id: str) -> Enrolment:
    async with services.db.sessions() as session:
        enrolment = await session.scalar(
            select(Enrolment).join(Person).where(Person.platform_user_id == user_id)
        )
    assert enrolment is not None, f"{user_id} is not enrolled"
    return enrolment


async def _match(services: Services, programme_id: int) -> list[Pair]:
    db = services.db
    async with db.unit_of_work(await db.workspace_id(WORKSPACE)) as uow:
        programme = await uow.programmes.get(programme_id)
        assert programme is not None
        await run_matching(uow, programme, services.clock.now())
        await uow.commit()
        return list(await uow.session.scalars(select(Pair)))


async def _sign_up(slack: SlackDriver, user: str, programme_id: int, **answers: Any) -> None:
    response = await slack.submit({**signup_answers(programme_id), **answers}, user=user)
    assert response.status == 200
    assert await response.text() == ""
    await slack.settle()


async def test_the_manager_field_is_slacks_people_picker_showing_the_chosen_person(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    await slack.command("signup")
    await slack.settle()
    picker = _manager_element(fake.calls("views.open")[-1].params["view"])
    assert picker["type"] == "users_select" and "initial_user" not in picker
    assert picker["placeholder"]["text"] == "Start typing their name"

    await _sign_up(slack, ALICE, programme_id, manager=BOB)
    await slack.command("signup")
    await slack.settle()
    assert _manager_element(fake.calls("views.open")[-1].params["view"])["initial_user"] == BOB


async def test_the_picked_person_is_kept_as_their_user_id(
    slack: SlackDriver, slack_services: Services, programme_id: int
) -> None:
    await _sign_up(slack, ALICE, programme_id, manager=BOB)

    enrolment = await _enrolment(slack_services, ALICE)
    assert (enrolment.manager_user_id, enrolment.manager_named) == (BOB, "")


async def test_a_junior_who_picks_their_senior_manager_is_never_proposed_as_his_mentor(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    fake.set_user(BOB, real_name="Grace Hopper", display_name="grace")
    await _sign_up(slack, BOB, programme_id, **SENIOR)
    await _sign_up(slack, ALICE, programme_id, manager=BOB)

    assert await _match(slack_services, programme_id) == []


async def test_managers_typed_as_handle_or_real_name_before_the_picker_count_at_matching(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    """The measured case: juniors who typed their senior manager as `@grace.hopper` or
    "Grace Hopper" were proposed as her mentors; only a raw member id counted."""
    fake.set_user(BOB, real_name="Grace Hopper", display_name="grace", email="grace@example.com")
    await _sign_up(slack, BOB, programme_id, **SENIOR)
    workspace_id = await slack_services.db.workspace_id(WORKSPACE)
    for junior, written in ((ALICE, "@grace.hopper"), (CAROL, "Grace Hopper")):
        await enrol(
            slack_services.db,
            workspace_id,
            programme_id,
            junior,
            role="mentor",
            manager_named=written,
        )

    assert await _match(slack_services, programme_id) == []
    for junior in (ALICE, CAROL):
        enrolment = await _enrolment(slack_services, junior)
        assert (enrolment.manager_user_id, enrolment.manager_named) == (BOB, "")


async def test_the_platform_profile_gives_the_names_and_email_a_manager_is_found_by(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    fake.set_user(BOB, real_name="Grace Hopper", display_name="grace", email="grace@example.com")
    await _sign_up(slack, BOB, programme_id, **SENIOR)
    async with slack_services.db.sessions() as session:
        bob = await session.scalar(select(Person).where(Person.platform_user_id == BOB))
    assert bob is not None
    assert (bob.display_name, bob.real_name, bob.handle, bob.email) == (
        "grace",
        "Grace Hopper",
        "grace.hopper",
        "grace@example.com",
    )


async def test_a_form_from_before_the_picker_cannot_name_someone_slack_does_not_know(
    slack: SlackDriver, slack_services: Services, programme_id: int
) -> None:
    """A modal opened before the upgrade still has a text box: its words are not a person,
    so nothing is saved and the person is told why."""
    await slack.command("signup")
    await slack.settle()
    view = slack.opened_view("signup")
    assert view is not None
    _manager_element(view).clear()
    _manager_element(view).update({"type": "plain_text_input", "action_id": "manager"})
    body = payload("view_submission")
    body["user"] = {**body["user"], "id": ALICE}
    answers = {**signup_answers(programme_id), "manager": "@grace.hopper"}
    body["view"] = {**view, "state": {"values": filled_in(view, answers)}}

    response = await slack.interactive(body)
    await slack.settle()

    assert response.status == 200
    assert UNKNOWN_PERSON in slack.dm_texts()[-1]
    async with slack_services.db.sessions() as session:
        assert list(await session.scalars(select(Enrolment))) == []
