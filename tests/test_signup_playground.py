"""Sign-up and the account commands, end to end through the playground adapter."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from bot.runtime.host import Services
from bot.runtime.policy import NO_LONGER_AVAILABLE
from flows.account import leave
from storage.models import Delivery, Enrolment, Person
from tests.playground_driver import SIGNUP_ANSWERS, PlaygroundDriver, text_of


async def count(services: Services, model, *where) -> int:  # type: ignore[no-untyped-def]
    async with services.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_signup_opens_a_form_with_the_open_programme(playground: PlaygroundDriver) -> None:
    await playground.say("sam", "/mentoring signup")
    form = await playground.form("sam")
    assert form is not None
    body = form["body"]
    assert body["title"] == "Join a mentoring programme"
    names = [f["name"] for f in body["fields"]]
    assert {"role", "department", "time_zone", "medium", "offers", "goals", "consent"} <= set(names)
    programme = next(f for f in body["fields"] if f["name"] == "programme")
    assert programme["options"][0]["label"].startswith("Reverse mentoring pilot")


async def test_two_people_sign_up_and_each_gets_their_own_confirmation(
    playground: PlaygroundDriver, services: Services
) -> None:
    assert (await playground.sign_up("sam")) == {"ok": True}
    assert (
        await playground.sign_up("priya", role="mentee", seniority="5", department="Operations")
    ) == {"ok": True}

    sam = await playground.last_dm("sam")
    assert "You're signed up for *Reverse mentoring pilot* as a mentor" in text_of(sam)
    assert "Finance" in text_of(sam)
    priya = await playground.last_dm("priya")
    assert "as a mentee" in text_of(priya) and "Operations" in text_of(priya)
    assert await playground.form("sam") is None
    assert await count(services, Enrolment) == 2


async def test_empty_required_fields_are_reported_on_the_field(
    playground: PlaygroundDriver,
) -> None:
    await playground.say("sam", "/mentoring signup")
    answer = await playground.submit("sam", {**SIGNUP_ANSWERS, "department": "", "consent": ""})
    assert answer["errors"]["department"] == "Please fill this in."
    assert "consent" in answer["errors"]
    form = await playground.form("sam")
    assert form is not None and form["body"]["errors"]["department"] == "Please fill this in."
    # What Sam already typed is still there to correct, not to retype.
    goals = next(f for f in form["body"]["fields"] if f["name"] == "goals")
    assert goals["initial"] == SIGNUP_ANSWERS["goals"]


async def test_ten_thousand_character_goals_are_refused_kindly(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.say("sam", "/mentoring signup")
    answer = await playground.submit("sam", {**SIGNUP_ANSWERS, "goals": "x" * 10_000})
    assert answer["errors"]["goals"] == "Please keep this under 2,000 characters; it's 10,000 now."
    assert await count(services, Enrolment) == 0


async def test_a_form_submitted_twice_stores_one_enrolment_and_one_confirmation(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.say("sam", "/mentoring signup")
    form = await playground.form("sam")
    assert form is not None
    for _ in range(2):
        await playground._post(
            "submit", {"as": "sam", "item_id": form["id"], "values": SIGNUP_ANSWERS}
        )
    assert await count(services, Enrolment) == 1
    assert await count(services, Delivery, Delivery.kind == "signup_confirmation") == 1
    confirmations = [t for t in await playground.dm_texts("sam") if "signed up" in t]
    assert len(confirmations) == 1


async def test_signing_up_again_edits_the_same_enrolment(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    await playground.say("sam", "signup")
    form = await playground.form("sam")
    assert form is not None and form["body"]["title"] == "Edit your sign-up"
    department = next(f for f in form["body"]["fields"] if f["name"] == "department")
    assert department["initial"] == "Finance"
    await playground.submit("sam", {**SIGNUP_ANSWERS, "department": "Legal"})
    assert "updated" in text_of(await playground.last_dm("sam"))
    assert await count(services, Enrolment) == 1
    assert await count(services, Enrolment, Enrolment.department == "Legal") == 1


async def test_status_for_someone_not_enrolled(playground: PlaygroundDriver) -> None:
    await playground.say("leo", "status")
    assert "not signed up" in text_of(await playground.last_dm("leo"))


async def test_status_after_signing_up_shows_programme_and_match(
    playground: PlaygroundDriver,
) -> None:
    await playground.sign_up("sam")
    await playground.say("sam", "/mentoring status")
    status = text_of(await playground.last_dm("sam"))
    assert "Reverse mentoring pilot" in status
    assert "Status: active" in status and "not matched yet" in status


async def test_unknown_command_gets_help(playground: PlaygroundDriver) -> None:
    await playground.say("sam", "/mentoring frobnicate")
    reply = text_of(await playground.last_dm("sam"))
    assert "I don't know `frobnicate`" in reply and "`signup`" in reply


async def test_help_lists_the_commands(playground: PlaygroundDriver) -> None:
    await playground.say("sam", "help")
    reply = text_of(await playground.last_dm("sam"))
    for command in ("signup", "status", "leave", "forget-me"):
        assert f"`{command}`" in reply


async def test_leave_asks_first_then_withdraws(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    await playground.say("sam", "leave")
    assert "Withdraw from this mentoring programme?" in text_of(await playground.last_dm("sam"))
    await playground.click_button("sam", "Keep me in")
    assert await count(services, Enrolment, Enrolment.status == "active") == 1
    await playground.click_button("sam", "Yes, withdraw")
    assert "You've withdrawn" in text_of(await playground.last_dm("sam"))
    assert await count(services, Enrolment, Enrolment.status == "withdrawn") == 1
    await playground.say("sam", "status")
    assert "Status: withdrawn" in text_of(await playground.last_dm("sam"))


async def test_pause_and_resume(playground: PlaygroundDriver, services: Services) -> None:
    await playground.sign_up("sam")
    await playground.click_button("sam", "Pause")
    assert "You're paused" in text_of(await playground.last_dm("sam"))
    await playground.say("sam", "resume")
    assert "Welcome back" in text_of(await playground.last_dm("sam"))
    assert await count(services, Enrolment, Enrolment.status == "active") == 1


async def test_forget_me_erases_and_says_what(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    await playground.say("sam", "forget-me")
    assert "can't be undone" in text_of(await playground.last_dm("sam"))
    await playground.click_button("sam", "Erase my data")
    done = text_of(await playground.last_dm("sam"))
    assert "I've erased" in done and "• 1 sign-up\n" in done
    assert await count(services, Person, Person.platform_user_id == "sam") == 0
    assert await count(services, Enrolment) == 0
    # The copies of what Sam was sent (the sign-up summary with their goals) are gone too.
    assert [text_of(item["body"]) for item in await playground.dms("sam")] == [done]


async def test_forget_me_by_someone_unknown(playground: PlaygroundDriver) -> None:
    await playground.say("newcomer", "forget-me")
    assert "I don't hold any data about you" in text_of(await playground.last_dm("newcomer"))


async def test_a_stale_button_gets_a_friendly_answer(playground: PlaygroundDriver) -> None:
    await playground.click("sam", "no_such_action", "1")
    assert "That button has expired" in text_of(await playground.last_dm("sam"))


async def test_someone_elses_enrolment_cannot_be_withdrawn(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    await playground.click("leo", leave.CONFIRM_ACTION, "1")
    assert text_of(await playground.last_dm("leo")).startswith(NO_LONGER_AVAILABLE)
    assert await count(services, Enrolment, Enrolment.status == "active") == 1


async def test_tampered_programme_value_is_refused(playground: PlaygroundDriver) -> None:
    await playground.say("sam", "signup")
    answer = await playground.submit("sam", {**SIGNUP_ANSWERS, "programme": "999"})
    # Not among the options the form offered: refused on the field before the flow runs.
    assert answer["errors"]["programme"] == "Please choose one of the options."


async def test_adding_a_person_welcomes_them(playground: PlaygroundDriver) -> None:
    user_id = await playground.add_person("Jo Bloggs")
    assert user_id == "jo-bloggs"
    assert "I'm *Tandem*" in text_of(await playground.last_dm(user_id))


async def test_healthz_reports_the_database(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["database"] == "ok"


async def test_clock_control_moves_time_forward(playground: PlaygroundDriver) -> None:
    before = (await playground.state("sam"))["now"]
    after = await playground.advance(60 * 24)
    assert before.startswith("2027-01-04T09:00") and after.startswith("2027-01-05T09:00")


async def test_a_failing_flow_keeps_the_form_and_answers_on_screen(
    playground: PlaygroundDriver, services: Services, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    async def broken(ctx, event):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    route = services.tandem.router.forms["signup"]
    monkeypatch.setitem(services.tandem.router.forms, "signup", replace(route, handle=broken))
    await playground.say("sam", "signup")
    answer = await playground.submit("sam", SIGNUP_ANSWERS)
    assert "something went wrong on my side" in answer["errors"][""]
    form = await playground.form("sam")
    assert form is not None
    department = next(f for f in form["body"]["fields"] if f["name"] == "department")
    assert department["initial"] == "Finance"
    assert await count(services, Enrolment) == 0
