"""What one person's sign-up answers tell their partner: only what they chose to share, never
as a deficit. Driven through the playground, whose DMs are rows in the database."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.runtime.host import Services
from storage.models import PlaygroundItem
from tests.playground_driver import SIGNUP_ANSWERS, PlaygroundDriver, text_of

# Aisha mentors Margaret: a 4-level seniority gap, lived experience only Aisha listed and
# nothing Margaret wants to learn that Aisha offers. Scored for the admin, these read as
# deficits on main ("... Margaret Okafor's background lacks: neurodiversity").
AISHA = {
    "role": "mentor",
    "job_title": "Data analyst",
    "seniority": "1",
    "department": "Finance",
    "offers": ["digital"],
    "goal_areas": ["leadership"],
    "goals": "AISHA-SIGNUP-GOALS",
    "lived_experience": ["neurodiversity"],
    "share": ["goal_areas", "goals"],
}
MARGARET = {
    "role": "mentee",
    "job_title": "Chief Operating Officer",
    "seniority": "5",
    "department": "Operations",
    "offers": ["leadership"],
    "goal_areas": ["caring"],
    "goals": "MARGARET-SIGNUP-GOALS",
    "lived_experience": [],
}
MEASURED = (
    "Aisha Khan brings lived experience Margaret Okafor's background lacks",
    "Aisha Khan offers none of the things Margaret Okafor wants",
    "Aisha Khan is 4 levels more junior than Margaret Okafor",
)
DEFICIT_WORDING = ("lacks", "offers none", "more junior than", "more senior than")
AISHA_UNSHARED = ("Data analyst", "Finance", "Technology and digital", "Neurodiversity", "Early")
MARGARET_UNSHARED = (
    "Chief Operating Officer",
    "Operations",
    "Parenting and caring",
    "MARGARET-SIGNUP-GOALS",
    "Executive",
)


async def introduce(playground: PlaygroundDriver) -> tuple[str, str]:
    aisha = await playground.add_person("Aisha Khan")
    margaret = await playground.add_person("Margaret Okafor")
    assert not (await playground.sign_up(aisha, **AISHA)).get("errors")
    assert not (await playground.sign_up(margaret, **MARGARET)).get("errors")
    await playground.say("ada", "/mentoring match")
    await playground.click_button("ada", "Publish")
    return aisha, margaret


async def everything_sent(services: Services, user: str) -> list[str]:
    """Every DM and form the playground holds for the person, as stored, except their own
    sign-up form (it lists every option anyone can choose)."""
    async with services.db.sessions() as session:
        rows = await session.scalars(
            select(PlaygroundItem.body).where(PlaygroundItem.conversation_id == f"dm:{user}")
        )
        return [
            json.dumps(body, ensure_ascii=False) for body in rows if body.get("form_id") != "signup"
        ]


async def test_introductions_never_phrase_a_partner_as_a_deficit(
    playground: PlaygroundDriver,
) -> None:
    aisha, margaret = await introduce(playground)

    for user in (aisha, margaret):
        [intro] = [t for t in await playground.dm_texts(user) if "Meet your match" in t]
        for phrase in MEASURED + DEFICIT_WORDING:
            assert phrase not in intro, f"{user}'s introduction says {phrase!r}"
    # The admins still see the scoring detail to review pairs, in neutral words.
    [review] = [t for t in await playground.dm_texts("ada") if "Proposed pairs" in t]
    assert "Aisha Khan listed lived experience Margaret Okafor did not: neurodiversity" in review
    assert not [w for w in DEFICIT_WORDING if w in review]


async def test_partners_read_only_what_each_chose_to_share(
    playground: PlaygroundDriver, services: Services
) -> None:
    aisha, margaret = await introduce(playground)

    # Margaret shared nothing: Aisha reads her name and role in the pair.
    [to_aisha] = [t for t in await playground.dm_texts(aisha) if "Meet your match" in t]
    assert "Margaret Okafor will be your mentee" in to_aisha
    assert "Margaret chose to keep their sign-up answers to themselves" in to_aisha
    # Aisha shared what she'd like to learn about and her goals, in her words.
    [to_margaret] = [t for t in await playground.dm_texts(margaret) if "Meet your match" in t]
    assert "Aisha would like to talk about: Leadership" in to_margaret
    assert "In Aisha's words: AISHA-SIGNUP-GOALS" in to_margaret
    assert "You both care about Leadership" in to_margaret

    for reader, unshared in ((aisha, MARGARET_UNSHARED), (margaret, AISHA_UNSHARED)):
        for sent in await everything_sent(services, reader):
            leaked = [answer for answer in unshared if answer in sent]
            assert not leaked, f"{reader} was sent their partner's unshared {leaked}"


async def test_the_sharing_choice_is_kept_with_the_answers_and_shown_back(
    playground: PlaygroundDriver,
) -> None:
    aisha = await playground.add_person("Aisha Khan")
    await playground.sign_up(aisha, **AISHA)
    confirmation = text_of(await playground.last_dm(aisha))
    assert (
        "Shared with your match: What I'd like to learn about, "
        "What I want to get out of it, in my words"
    ) in confirmation

    await playground.say(aisha, "/mentoring signup")
    form = await playground.form(aisha)
    assert form is not None
    [share] = [f for f in form["body"]["fields"] if f["name"] == "share"]
    assert share["label"] == "What may we share with your match when we introduce you?"
    assert not share["required"]
    assert share["initial"] == ["goal_areas", "goals"]

    answer = await playground.submit(aisha, {**SIGNUP_ANSWERS, **AISHA, "share": ["seniority"]})
    assert answer["errors"] == {"share": "Please choose from the list."}

    assert not (await playground.submit(aisha, {**SIGNUP_ANSWERS, **AISHA, "share": []})).get(
        "errors"
    )
    assert "Shared with your match: your name and role in the pair only" in text_of(
        await playground.last_dm(aisha)
    )
