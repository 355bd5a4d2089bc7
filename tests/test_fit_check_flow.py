"""The private "Good fit?" after the chemistry meeting, through the playground."""

from __future__ import annotations

from adapters.playground.messenger import PLAYGROUND
from bot.core.events import ButtonClicked
from bot.core.refs import UserRef
from bot.runtime.host import Services
from bot.runtime.policy import NO_LONGER_AVAILABLE
from flows.chemistry import fit_check
from tests.matching_helpers import MENTOR, book_first_slot, meetings, pairs, publish_pair
from tests.playground_driver import PlaygroundDriver, text_of


async def _after_the_meeting(playground: PlaygroundDriver, services: Services) -> None:
    await publish_pair(playground)
    await book_first_slot(playground)
    [meeting] = await meetings(services)
    minutes = int((meeting.ends_at - services.clock.now()).total_seconds() // 60) + 1
    await playground.advance(minutes)


async def test_the_question_comes_after_the_meeting_not_before(
    playground: PlaygroundDriver, services: Services
) -> None:
    await publish_pair(playground)
    await book_first_slot(playground)
    await playground.advance(30)
    assert not any("Good fit?" in t for t in await playground.dm_texts("sam"))

    [meeting] = await meetings(services)
    await playground.advance(
        int((meeting.ends_at - services.clock.now()).total_seconds() // 60) + 1
    )
    for user, partner in (("sam", "Priya"), ("priya", "Sam")):
        asked = [t for t in await playground.dm_texts(user) if "Good fit?" in t]
        assert len(asked) == 1
        assert partner in asked[0] and f"{partner} won't see it" in asked[0]


async def test_both_yes_confirms_the_pair(playground: PlaygroundDriver, services: Services) -> None:
    await _after_the_meeting(playground, services)
    await playground.click_button("sam", "Yes, good fit")
    assert "as soon as Priya has answered" in text_of(await playground.last_dm("sam"))
    assert [p.status for p in await pairs(services)] == ["chemistry_booked"]

    await playground.click_button("priya", "Yes, good fit")
    await playground.click_button("priya", "Yes, good fit")  # double click
    assert [p.status for p in await pairs(services)] == ["confirmed"]
    for user in ("sam", "priya"):
        confirmed = [t for t in await playground.dm_texts(user) if "Great news" in t]
        assert len(confirmed) == 1
        assert "book your first session" in confirmed[0]


async def test_one_no_dissolves_without_blame_and_never_rematches(
    playground: PlaygroundDriver, services: Services
) -> None:
    await _after_the_meeting(playground, services)
    await playground.click_button("priya", "Yes, good fit")
    await playground.click_button("sam", "Not quite")

    [pair] = await pairs(services)
    assert pair.status == "rematch_requested" and pair.end_reason == "fit_check"
    assert "let Priya know kindly" in text_of(await playground.last_dm("sam"))
    told = text_of(await playground.last_dm("priya"))
    assert "won't continue" in told and "nobody is at fault" in told
    assert "back in the pool" in told
    for leak in ("Sam said", "not quite", "Not quite", "said no"):
        assert leak not in told
    admin = text_of(await playground.last_dm("ada"))
    assert "Priya and Sam" in admin and "not to continue" in admin
    for leak in ("Sam said", "Priya said", "said no", "not quite"):
        assert leak not in admin

    # Priya's late click changes nothing.
    await playground.click_button("priya", "Not quite")
    assert "already closed" in text_of(await playground.last_dm("priya"))

    # The next run never proposes them again, even when nobody else is available...
    await playground.say("ada", "/mentoring match")
    assert await _proposed(services) == set()
    # ...and pairs each with someone new once there is someone.
    await playground.add_person("Ola")
    await playground.sign_up("ola", **{**MENTOR, "department": "Sales"})
    await playground.click_button("ada", "Re-run")
    [(mentor, mentee)] = await _proposed(services)
    assert (mentor, mentee) != (pair.mentor_enrolment_id, pair.mentee_enrolment_id)
    assert mentee == pair.mentee_enrolment_id


async def _proposed(services: Services) -> set[tuple[int, int]]:
    return {
        (p.mentor_enrolment_id, p.mentee_enrolment_id)
        for p in await pairs(services)
        if p.status == "proposed"
    }


async def test_someone_outside_the_pair_cannot_end_it(
    playground: PlaygroundDriver, services: Services
) -> None:
    """Pair ids are small and sequential: Leo, who is not in pair 1, clicks its "Not quite"."""
    await _after_the_meeting(playground, services)
    [pair] = await pairs(services)
    seen = {user: len(await playground.dms(user)) for user in ("sam", "priya", "ada")}

    await playground.click("leo", fit_check.NO_ACTION, str(pair.id))

    [after] = await pairs(services)
    assert after.status == "chemistry_booked" and after.end_reason == ""
    assert await playground.dm_texts("leo") == [f"{NO_LONGER_AVAILABLE}\n{NO_LONGER_AVAILABLE}"]
    assert {user: len(await playground.dms(user)) for user in seen} == seen


async def test_an_outsiders_yes_does_not_stand_in_for_the_partner(
    playground: PlaygroundDriver, services: Services
) -> None:
    await _after_the_meeting(playground, services)
    [pair] = await pairs(services)

    await playground.click("leo", fit_check.YES_ACTION, str(pair.id))
    await playground.click_button("sam", "Yes, good fit")

    assert [p.status for p in await pairs(services)] == ["chemistry_booked"]
    assert "as soon as Priya has answered" in text_of(await playground.last_dm("sam"))
    assert not any("Great news" in t for t in await playground.dm_texts("sam"))
    await playground.click_button("priya", "Yes, good fit")
    assert [p.status for p in await pairs(services)] == ["confirmed"]


async def test_the_fit_check_answers_only_the_pairs_own_two_people(
    playground: PlaygroundDriver, services: Services
) -> None:
    """Behind the router's policy, the flow itself asks which of the two the clicker is, so
    a click that reached it some other way still can't answer for anyone."""
    await _after_the_meeting(playground, services)
    [pair] = await pairs(services)
    click = ButtonClicked(
        user=UserRef(PLAYGROUND, "leo"), action_id=fit_check.NO_ACTION, value=str(pair.id)
    )

    await fit_check.answer_no(await services.tandem.context_for(click), click)

    assert [p.status for p in await pairs(services)] == ["chemistry_booked"]
    assert "expired" in text_of(await playground.last_dm("leo"))
    assert not any("won't continue" in t for t in await playground.dm_texts("priya"))
    assert not any("rematched" in t for t in await playground.dm_texts("ada"))
