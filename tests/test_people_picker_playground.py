"""The line manager is picked from the playground's people, and the reporting-line rule holds
however a manager was named: picked, typed as `@name` before the picker, or not at all known."""

from __future__ import annotations

from sqlalchemy import select

from adapters.playground.messenger import PLAYGROUND
from bot.runtime.host import Services
from flows.matching.preview import ProposalView, preview_table
from flows.signup.enrol import UNKNOWN_PERSON
from storage.models import Enrolment, Person
from tests.matching_helpers import MENTEE, MENTOR, enrol, pairs
from tests.playground_driver import SIGNUP_ANSWERS, PlaygroundDriver, text_of

# Leo is the senior leader; Sam, the junior who wants to mentor, reports to him.
LEO_AS_MENTEE = {**MENTEE, "department": "Finance"}


async def _enrolments(services: Services) -> dict[str, Enrolment]:
    async with services.db.sessions() as session:
        rows = await session.execute(
            select(Person.platform_user_id, Enrolment).join(
                Enrolment, Enrolment.person_id == Person.id
            )
        )
        return {user_id: enrolment for user_id, enrolment in rows.tuples()}


async def _match(playground: PlaygroundDriver) -> str:
    await playground.say("ada", "/mentoring match")
    return text_of(await playground.last_dm("ada"))


async def test_the_manager_field_offers_the_playgrounds_people(
    playground: PlaygroundDriver,
) -> None:
    await playground.say("sam", "/mentoring signup")
    form = await playground.form("sam")
    assert form is not None
    manager = next(f for f in form["body"]["fields"] if f["name"] == "manager")
    assert manager["kind"] == "user" and manager["options"] == []
    people = {p["id"]: p["name"] for p in (await playground.state("sam"))["people"]}
    assert people["leo"] == "Leo"


async def test_a_picked_manager_is_kept_as_their_user_id_and_shown_again_on_edit(
    playground: PlaygroundDriver, services: Services
) -> None:
    assert await playground.sign_up("sam", **MENTOR, manager="leo") == {"ok": True}
    assert (await _enrolments(services))["sam"].manager_user_id == "leo"

    await playground.say("sam", "/mentoring signup")
    form = await playground.form("sam")
    assert form is not None
    manager = next(f for f in form["body"]["fields"] if f["name"] == "manager")
    assert manager["initial"] == "leo"


async def test_a_manager_written_in_words_is_refused_at_the_field(
    playground: PlaygroundDriver, services: Services
) -> None:
    for written in ("@Leo", "Leo Marsh", "sam"):
        answer = await playground.sign_up("sam", **MENTOR, manager=written)
        assert set(answer["errors"]) == {"manager"}, written
    assert answer["errors"]["manager"] == "That's you — pick your line manager from the list."
    answer = await playground.sign_up("sam", **MENTOR, manager="@Leo")
    assert answer["errors"]["manager"] == UNKNOWN_PERSON
    form = await playground.form("sam")
    assert form is not None and form["body"]["errors"]["manager"] == UNKNOWN_PERSON
    assert await _enrolments(services) == {}


async def test_a_junior_who_names_their_manager_is_never_proposed_as_his_mentor(
    playground: PlaygroundDriver, services: Services
) -> None:
    """As measured on Slack: Sam typed his senior manager as `@Leo`, and was proposed as
    Leo's mentor. Now the words are refused, and the person he picks counts."""
    assert await playground.sign_up("leo", **LEO_AS_MENTEE) == {"ok": True}
    refused = await playground.sign_up("sam", **MENTOR, manager="@Leo")
    assert refused["errors"]["manager"] == UNKNOWN_PERSON
    assert await playground.submit("sam", {**SIGNUP_ANSWERS, **MENTOR, "manager": "leo"}) == {
        "ok": True
    }

    preview = await _match(playground)

    assert await pairs(services) == []
    assert "0 pairs" in preview and "reporting line" in preview


async def test_old_answers_in_words_are_resolved_at_matching_or_flagged_to_the_admin(
    playground: PlaygroundDriver, services: Services
) -> None:
    """Answers given before the picker are kept in words: `@Leo` names exactly one person
    and counts from the next matching run; "Grace Hopper" names no one, and the admin is told
    who named a manager I couldn't identify, never what they wrote."""
    workspace_id = await services.db.workspace_id(PLAYGROUND)
    await enrol(services.db, workspace_id, 1, "leo", role="mentee", department="Finance")
    await enrol(services.db, workspace_id, 1, "sam", role="mentor", manager_named="@Leo")
    await enrol(services.db, workspace_id, 1, "priya", role="mentor", manager_named="Grace Hopper")

    preview = await _match(playground)

    enrolments = await _enrolments(services)
    assert (enrolments["sam"].manager_user_id, enrolments["sam"].manager_named) == ("leo", "")
    assert enrolments["priya"].manager_named == "Grace Hopper"
    [pair] = await pairs(services)
    assert pair.mentor_enrolment_id == enrolments["priya"].id
    assert "1 person named a line manager I couldn't identify: Priya." in preview
    assert "Grace" not in preview and "Hopper" not in preview

    # Priya picks her manager when she edits her sign-up: the admin has nothing more to see.
    await playground.say("priya", "/mentoring signup")
    form = await playground.form("priya")
    assert form is not None
    manager = next(f for f in form["body"]["fields"] if f["name"] == "manager")
    assert '"Grace Hopper"' in manager["hint"] and manager["initial"] is None
    answers = {**SIGNUP_ANSWERS, **MENTOR, "manager": "ada"}
    assert await playground.submit("priya", answers) == {"ok": True}
    assert "couldn't identify" not in await _match(playground)


def test_the_command_line_preview_lists_everyone_whose_manager_is_unidentified() -> None:
    view = ProposalView(1, "Pilot", "pilot", [], [], True, ("Priya", "Sam"))

    table = preview_table(view)

    assert "2 people named a line manager I couldn't identify: Priya, Sam." in table
