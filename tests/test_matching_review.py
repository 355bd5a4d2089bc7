"""Admin review through the playground: who may match, the preview, swap/remove/lock, publish."""

from __future__ import annotations

from adapters.playground.messenger import PLAYGROUND
from bot.core.events import FormSubmitted
from bot.core.refs import UserRef
from bot.runtime.host import Services
from bot.runtime.policy import NO_LONGER_AVAILABLE, REFUSED
from flows.matching.preview import (
    LOCK_ACTION,
    PUBLISH_ACTION,
    REMOVE_ACTION,
    RERUN_ACTION,
    SWAP_ACTION,
    UNLOCK_ACTION,
)
from flows.matching.review import SWAP_FORM
from tests.matching_helpers import MENTEE, MENTOR, buttons, pairs, publish_pair, sign_up_pair
from tests.playground_driver import PlaygroundDriver, text_of


async def test_only_programme_admins_can_match(playground: PlaygroundDriver) -> None:
    await sign_up_pair(playground)
    await playground.say("sam", "/mentoring match")
    assert text_of(await playground.last_dm("sam")).startswith(REFUSED)
    await playground.say("sam", "/mentoring match pilot")
    assert text_of(await playground.last_dm("sam")).startswith(REFUSED)
    await playground.click("sam", PUBLISH_ACTION, "1")
    assert text_of(await playground.last_dm("sam")).startswith(NO_LONGER_AVAILABLE)
    assert "Meet your match" not in "\n".join(await playground.dm_texts("priya"))


async def test_a_participant_cannot_touch_the_admins_proposal(
    playground: PlaygroundDriver, services: Services
) -> None:
    """Sam takes part, so his pair's id is easy to guess: he tries every preview button."""
    for name in ("Ola", "Noor"):
        await playground.add_person(name)
    await sign_up_pair(playground)
    await playground.sign_up("ola", **{**MENTOR, "department": "Sales"})
    await playground.sign_up("noor", **{**MENTEE, "time_zone": "Europe/London"})
    await playground.say("ada", "/mentoring match")
    await playground.click_button("ada", "Lock")
    first, second = await pairs(services)
    proposal = [
        (p.id, p.mentor_enrolment_id, p.mentee_enrolment_id, p.locked) for p in (first, second)
    ]
    seen = {user: len(await playground.dms(user)) for user in ("ada", "priya", "ola", "noor")}

    for action, pair in (
        (LOCK_ACTION, first),
        (LOCK_ACTION, second),
        (UNLOCK_ACTION, first),
        (UNLOCK_ACTION, second),
        (REMOVE_ACTION, first),
        (REMOVE_ACTION, second),
    ):
        await playground.click("sam", action, str(pair.id))
    for action in (SWAP_ACTION, RERUN_ACTION, PUBLISH_ACTION):
        await playground.click("sam", action, str(first.programme_id))
    assert await playground.form("sam") is None
    await services.tandem.handle(
        FormSubmitted(
            user=UserRef(PLAYGROUND, "sam"),
            form_id=SWAP_FORM,
            values={"first": str(first.id), "second": str(second.id)},
            context=str(first.programme_id),
        )
    )

    after = await pairs(services)
    assert [(p.id, p.mentor_enrolment_id, p.mentee_enrolment_id, p.locked) for p in after] == (
        proposal
    )
    assert all(p.status == "proposed" for p in after)
    refusals = [t for t in await playground.dm_texts("sam") if t.startswith(NO_LONGER_AVAILABLE)]
    assert len(refusals) == 10
    assert {user: len(await playground.dms(user)) for user in seen} == seen


async def test_preview_shows_pairs_with_scores_reasons_and_unmatched(
    playground: PlaygroundDriver, services: Services
) -> None:
    await sign_up_pair(playground)
    await playground.add_person("Noor")
    await playground.sign_up("noor", **MENTEE, time_zone="Asia/Tokyo")

    await playground.say("ada", "/mentoring match pilot")

    preview = text_of(await playground.last_dm("ada"))
    assert "1. Sam (mentor) & Priya (mentee)" in preview or "Sam (mentor) & Noor" in preview
    assert "score " in preview and "shared working hours" in preview
    assert "Not matched" in preview
    # Sam is paired with Priya, but Tokyo and London share no working hours anyway.
    assert "Noor (mentee): no mentor shares enough working hours with them" in preview
    assert {"Swap two pairs", "Re-run", "Publish"} - {
        b["label"] for b in buttons(await playground.last_dm("ada"))
    } == {"Swap two pairs"}  # one pair: nothing to swap with
    stored = await pairs(services)
    assert [p.status for p in stored] == ["proposed"]
    # Nobody hears anything before publishing.
    assert not any("Meet your match" in t for t in await playground.dm_texts("sam"))


async def test_remove_excludes_the_pair_from_reruns(
    playground: PlaygroundDriver, services: Services
) -> None:
    await sign_up_pair(playground)
    await playground.say("ada", "/mentoring match")
    await playground.click_button("ada", "Remove")
    assert await pairs(services) == []
    assert "removed from the proposal by an admin" in text_of(await playground.last_dm("ada"))

    await playground.click_button("ada", "Re-run")
    assert await pairs(services) == []
    preview = text_of(await playground.last_dm("ada"))
    assert "0 pairs" in preview and "excluded" in preview


async def test_lock_survives_rerun_and_swap_locks_both_pairs(
    playground: PlaygroundDriver, services: Services
) -> None:
    for name in ("Ola", "Noor"):
        await playground.add_person(name)
    await sign_up_pair(playground)
    await playground.sign_up("ola", **{**MENTOR, "department": "Sales"})
    await playground.sign_up("noor", **{**MENTEE, "time_zone": "Europe/London"})
    await playground.say("ada", "/mentoring match")
    before = {(p.mentor_enrolment_id, p.mentee_enrolment_id) for p in await pairs(services)}
    assert len(before) == 2

    await playground.click_button("ada", "Lock")
    locked = [p for p in await pairs(services) if p.locked]
    assert len(locked) == 1
    await playground.click_button("ada", "Re-run")
    after = await pairs(services)
    assert any(p.locked and p.mentor_enrolment_id == locked[0].mentor_enrolment_id for p in after)
    assert "[locked]" in text_of(await playground.last_dm("ada"))

    first, second = sorted(after, key=lambda p: p.id)
    await playground.click_button("ada", "Swap two pairs")
    result = await playground.submit("ada", {"first": str(first.id), "second": str(first.id)})
    assert result["errors"]["second"] == "Choose two different pairs."
    await playground.submit("ada", {"first": str(first.id), "second": str(second.id)})
    swapped = {(p.mentor_enrolment_id, p.mentee_enrolment_id) for p in await pairs(services)}
    assert swapped == {
        (first.mentor_enrolment_id, second.mentee_enrolment_id),
        (second.mentor_enrolment_id, first.mentee_enrolment_id),
    }
    assert all(p.locked for p in await pairs(services))
    assert "Swapped by an admin" in text_of(await playground.last_dm("ada"))


async def test_publish_introduces_both_once(
    playground: PlaygroundDriver, services: Services
) -> None:
    await publish_pair(playground)
    await playground.click_button("ada", "Publish")  # a double click

    assert [p.status for p in await pairs(services)] == ["introduced"]
    for user, partner, role in (("sam", "Priya", "mentor"), ("priya", "Sam", "mentee")):
        intros = [t for t in await playground.dm_texts(user) if "Meet your match" in t]
        assert len(intros) == 1
        intro = intros[0]
        assert f"*{partner}*" in intro and f"You'll be the {role}" in intro
        assert "Why we matched you" in intro and "learn from each other" in intro
        assert "monthly" in intro and "60 minutes" in intro and "online" in intro
        assert "stays between the two of you" in intro
        assert "[Book our chemistry meeting]" in intro
    # Priya shared nothing at sign-up, so Sam reads her name and role in the pair, no answers.
    sam_intro = [t for t in await playground.dm_texts("sam") if "Meet your match" in t][0]
    assert "Understand how our tools feel to disabled colleagues." not in sam_intro
    assert "Priya chose to keep their sign-up answers to themselves" in sam_intro
    assert "nothing left to publish" in text_of(await playground.last_dm("ada"))


async def test_no_mentors_gets_a_clear_message(playground: PlaygroundDriver) -> None:
    await playground.sign_up("priya", **MENTEE)
    await playground.say("ada", "/mentoring match")
    preview = text_of(await playground.last_dm("ada"))
    assert "There are no mentors waiting for a match" in preview
    assert "no mentors in this programme" in preview
    assert "[Publish]" not in preview


def test_a_large_preview_fits_slack_and_teams_limits() -> None:
    import json

    from adapters.slack.render import MESSAGE_BLOCKS_MAX, render_message
    from adapters.teams.cards import render_message_card
    from flows.matching.preview import PairView, ProposalView, UnmatchedView, preview_message
    from tests.teams_driver import assert_valid_card

    reasons = tuple(
        f"Reason number {n} explained at some length, as the engine does" for n in range(6)
    )
    view = ProposalView(
        1,
        "Wave 2",
        "wave-2",
        [PairView(n, f"Mentor {n}", f"Mentee {n}", 7.5, reasons, n % 3 == 0) for n in range(400)],
        [UnmatchedView(f"Person {n}", "mentee", "no mentor capacity left") for n in range(50)],
        True,
    )
    message = preview_message(view)
    text = "\n".join(getattr(b, "text", "") for b in message.blocks)
    assert "Showing the best 20 of 400 pairs" in text
    assert "tandem match preview wave-2 --current" in text
    assert "…and 40 more" in text

    _, blocks = render_message(message)
    assert len(blocks) <= MESSAGE_BLOCKS_MAX
    assert PUBLISH_ACTION in json.dumps(blocks)
    assert "more in the app" not in json.dumps(blocks).lower()
    card = render_message_card(message)
    assert_valid_card(card)
    assert len(json.dumps(card)) < 28_000
