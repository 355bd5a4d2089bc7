"""'Need support?': admins hear privately who asked; the person sees where help is."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core.outbound import ButtonStyle
from bot.runtime.host import Services
from flows.account.support import DEFAULT_RESOURCES, LINK_ACTION
from flows.common.actions import SUPPORT_ACTION, support_button
from storage.models import Programme, Response
from tests.playground_driver import PlaygroundDriver


async def pilot_id(services: Services) -> int:
    async with services.db.sessions() as session:
        programme_id = await session.scalar(select(Programme.id).where(Programme.slug == "pilot"))
    assert programme_id is not None
    return programme_id


async def ask_for_support(playground: PlaygroundDriver, user: str, programme_id: int, text: str):  # type: ignore[no-untyped-def]
    await playground.click(user, SUPPORT_ACTION, str(programme_id))
    form = await playground.form(user)
    assert form is not None and form["body"]["title"] == "Need support?"
    return await playground.submit(user, {"message": text})


def test_the_support_button_is_neutral_and_names_its_programme() -> None:
    button = support_button(7)
    assert (button.label, button.action_id, button.value) == ("Need support?", "support", "7")
    assert button.style == ButtonStyle.DEFAULT


async def test_admins_get_the_persons_message_and_the_person_sees_resources(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    programme_id = await pilot_id(services)

    reply = await ask_for_support(playground, "sam", programme_id, "My sessions feel tense.")

    assert reply == {"ok": True}
    alert = (await playground.dm_texts("ada"))[-1]
    assert "*Sam* asked for support in *Reverse mentoring pilot*" in alert
    assert "My sessions feel tense." in alert
    seen = (await playground.dm_texts("sam"))[-1]
    assert "The programme team has been told privately" in seen
    assert DEFAULT_RESOURCES in seen
    assert not any("tense" in t for t in await playground.dm_texts("priya"))
    async with services.db.sessions() as session:  # the message is never stored
        assert await session.scalar(select(func.count()).select_from(Response)) == 0


async def test_configured_resources_and_links_are_shown(
    playground: PlaygroundDriver, services: Services
) -> None:
    programme_id = await pilot_id(services)
    async with services.db.sessions() as session:
        programme = await session.get(Programme, programme_id)
        assert programme is not None
        programme.settings = {
            "support": {
                "text": "Talk to Careline on 0800 000 000, any time.",
                "links": [{"label": "Careline", "url": "https://careline.example"}],
            }
        }
        await session.commit()

    await ask_for_support(playground, "sam", programme_id, "")

    last = await playground.last_dm("sam")
    assert "Talk to Careline on 0800 000 000" in str(last)
    links = [b for block in last["blocks"] for b in block.get("buttons", [])]
    assert links == [
        {
            "label": "Careline",
            "action_id": f"{LINK_ACTION}:0",
            "value": "",
            "style": "default",
            "url": "https://careline.example",
        }
    ]
    assert "didn't add a message" in (await playground.dm_texts("ada"))[-1]


async def test_someone_not_enrolled_can_still_ask(
    playground: PlaygroundDriver, services: Services
) -> None:
    await ask_for_support(playground, "leo", await pilot_id(services), "Can I talk to someone?")

    assert "Can I talk to someone?" in (await playground.dm_texts("ada"))[-1]
    assert DEFAULT_RESOURCES in (await playground.dm_texts("leo"))[-1]


async def test_typing_support_offers_the_button(playground: PlaygroundDriver) -> None:
    await playground.say("sam", "support")
    await playground.click_button("sam", "Need support?")
    assert await playground.submit("sam", {"message": "hello"}) == {"ok": True}
    assert "hello" in (await playground.dm_texts("ada"))[-1]


async def test_an_overlong_message_is_refused_on_its_field(
    playground: PlaygroundDriver, services: Services
) -> None:
    reply = await ask_for_support(playground, "sam", await pilot_id(services), "x" * 1001)
    assert reply["errors"]["message"].startswith("Please keep this under 1,000 characters")
    assert not any("asked for support" in t for t in await playground.dm_texts("ada"))
