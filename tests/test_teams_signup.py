"""Sign-up on Teams, end to end: activities in at /api/messages, replies at a fake connector."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app.bootstrap import build
from bot.core.config import Config
from bot.runtime.host import Services
from flows.common.actions import PAUSE_ACTION
from storage.models import Enrolment, Person
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams_driver import (
    SIGNUP_INPUTS,
    WORKSPACE,
    TeamsDriver,
    assert_valid_card,
    button_data,
    card_texts,
    dm_id,
    submit_data,
)

SAM = "29:sam"


@pytest.fixture
def fake(connector: FakeBotConnector) -> FakeBotConnector:
    return connector


async def _enrolments(services: Services) -> list[Enrolment]:
    workspace_id = await services.db.workspace_id(WORKSPACE)
    async with services.db.unit_of_work(workspace_id) as uow:
        return list(await uow.session.scalars(select(Enrolment)))


async def test_help_in_a_personal_chat_is_answered_with_a_valid_card(driver, fake) -> None:
    await driver.say(SAM, "help")
    (card,) = fake.cards(dm_id(SAM))
    assert "signup" in card_texts(card)
    assert_valid_card(card)


async def test_sign_up_end_to_end(driver, fake, teams) -> None:
    await driver.say(SAM, "signup")
    (form,) = fake.cards(dm_id(SAM))
    assert_valid_card(form)
    form_activity = fake.activities(dm_id(SAM))[-1].activity_id

    # Missing answers: the card comes back in place with the errors, typed values kept.
    partial = {**submit_data(form), "job_title": "COO", "goals": ""}
    answer = await driver.send(driver.invoke(SAM, partial, form_activity))
    assert answer["statusCode"] == 200
    shown = answer["value"]
    assert_valid_card(shown)
    assert "Please fill this in." in card_texts(shown)
    assert "COO" in card_texts(shown)
    assert await _enrolments(teams) == []

    full = {**submit_data(form), **SIGNUP_INPUTS}
    answer = await driver.send(driver.invoke(SAM, full, form_activity))
    confirmation = answer["value"]
    assert_valid_card(confirmation)
    assert "Thanks" in card_texts(confirmation)
    (enrolment,) = await _enrolments(teams)
    assert (enrolment.role, enrolment.job_title) == ("mentee", "Chief Operating Officer")
    assert enrolment.offers == ["leadership", "digital"]
    dm = fake.cards(dm_id(SAM))[-1]
    assert_valid_card(dm)
    assert "signed up for **Reverse mentoring pilot**" in card_texts(dm)


async def test_older_clients_submit_as_a_message_and_the_card_is_updated_in_place(
    driver, fake, teams
) -> None:
    await driver.say(SAM, "signup")
    form = fake.cards(dm_id(SAM))[-1]
    form_activity = fake.activities(dm_id(SAM))[-1].activity_id

    await driver.send(driver.submit(SAM, {**submit_data(form), "consent": ""}, form_activity))
    update = fake.activities(dm_id(SAM))[-1]
    assert (update.operation, update.activity_id) == ("update", form_activity)
    with_errors = fake.cards(dm_id(SAM))[-1]
    assert_valid_card(with_errors)
    assert "We need your consent" in card_texts(with_errors)

    await driver.send(driver.submit(SAM, {**submit_data(form), **SIGNUP_INPUTS}, form_activity))
    assert len(await _enrolments(teams)) == 1
    updates = [a for a in fake.activities(dm_id(SAM)) if a.operation == "update"]
    assert [u.activity_id for u in updates] == [form_activity, form_activity]
    confirmation = updates[-1].activity["attachments"][0]["content"]
    assert_valid_card(confirmation)
    assert "Thanks" in card_texts(confirmation)


async def test_installing_the_bot_welcomes_the_person_and_the_button_opens_the_form(
    driver, fake
) -> None:
    await driver.send(driver.installed(SAM))
    (welcome,) = fake.cards(dm_id(SAM))
    assert_valid_card(welcome)
    assert "I'm **Tandem**" in card_texts(welcome)
    sign_up = button_data(welcome, "Sign up")
    welcome_id = fake.activities(dm_id(SAM))[-1].activity_id
    answer = await driver.send(driver.invoke(SAM, sign_up, welcome_id))
    assert answer["statusCode"] == 200
    form = fake.cards(dm_id(SAM))[-1]
    assert_valid_card(form)
    assert "Join a mentoring programme" in card_texts(form)


async def test_status_before_signing_up_says_how_to_join(driver, fake) -> None:
    await driver.say(SAM, "status")
    assert "Type `signup` to join" in card_texts(fake.cards(dm_id(SAM))[-1])


async def test_a_redelivered_activity_is_handled_once(driver, fake) -> None:
    activity = driver.message(SAM, "help")
    await driver.send(activity)
    await driver.send(activity)
    assert len(fake.cards(dm_id(SAM))) == 1


async def test_tampered_submission_enrols_nobody_and_shows_the_form_again(
    driver, fake, teams
) -> None:
    await driver.say(SAM, "signup")
    form = fake.cards(dm_id(SAM))[-1]
    form_activity = fake.activities(dm_id(SAM))[-1].activity_id
    tampered = {
        **submit_data(form),
        **SIGNUP_INPUTS,
        "programme": "999",  # not one of the options offered
        "is_admin": "yes",  # not a field of the form
        "kinds": {"is_admin": "text", "programme": "text"},
    }
    answer = await driver.send(driver.invoke(SAM, tampered, form_activity))
    assert await _enrolments(teams) == []
    shown = answer["value"]
    assert_valid_card(shown)
    assert "Please choose one of the options." in card_texts(shown)
    assert "is_admin" not in str(shown)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"form_id": "admin_settings", "kinds": {}}, "That form has expired"),
        ({"nothing": "here"}, "couldn't read that card"),
    ],
)
async def test_unknown_or_unreadable_card_gets_a_clear_answer(driver, fake, data, expected) -> None:
    answer = await driver.send(driver.invoke(SAM, data, "1:99"))
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert expected in answer["value"]


async def test_a_button_from_an_old_card_says_it_has_expired(driver, fake) -> None:
    await driver.send(driver.invoke(SAM, {"action_id": "retired_action", "value": "3"}, "1:99"))
    assert "That button has expired" in card_texts(fake.cards(dm_id(SAM))[-1])


async def test_the_bot_mention_is_stripped_in_a_channel_and_the_answer_comes_privately(
    driver, fake
) -> None:
    await driver.send(driver.channel_message(SAM, "help", "19:general@thread.tacv2", "General"))
    created = fake.created[-1]
    assert created["members"] == [{"id": SAM}]
    card = fake.cards()[-1]
    assert "what I can do" in card_texts(card).lower() or "signup" in card_texts(card)
    assert "don't know" not in card_texts(card)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"text": "no type"}', "application/json"),
        (b'{"type": "message", "text": "no serviceUrl"}', "application/json"),
        (
            b'{"type": "message", "conversation": "oops", "serviceUrl": "http://127.0.0.1/"}',
            "application/json",
        ),
    ],
)
async def test_malformed_requests_get_400_not_500(driver, body, content_type) -> None:
    response = await driver.client.post(
        "/api/messages", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == 400


async def test_activity_without_a_tenant_is_ignored(driver, fake, teams) -> None:
    activity = driver.message(SAM, "help")
    activity["conversation"].pop("tenantId")
    activity["channelData"] = {}
    response = await driver.post(activity)
    assert response.status == 201
    assert fake.received == []


async def test_local_development_mode_never_calls_a_remote_service_url(driver, fake) -> None:
    activity = driver.message(SAM, "help")
    activity["serviceUrl"] = "https://attacker.example.com/"
    response = await driver.post(activity)
    assert response.status == 403
    assert fake.received == []


async def test_health_reports_teams_mode(driver) -> None:
    response = await driver.client.get("/healthz")
    body = await response.json()
    assert body["teams"]["mode"].startswith("local development")


async def test_single_tenant_bot_turns_other_tenants_away_politely(sqlite_url, clock, fake) -> None:
    config = Config(
        database_url=sqlite_url,
        playground=False,
        run_scheduler=False,
        teams_local=True,
        teams_tenant_id="11111111-2222-3333-4444-555555555555",
    )
    services = await build(config, clock)
    try:
        async with TestClient(TestServer(services.web_app())) as client:
            driver = TeamsDriver(client, fake)
            await driver.say(SAM, "signup")
            assert "isn't set up for your organisation" in fake.texts(dm_id(SAM))[-1]
            answer = await driver.send(driver.invoke(SAM, {"action_id": PAUSE_ACTION}, "1:1"))
            assert "isn't set up for your organisation" in answer["value"]
        async with services.db.sessions() as session:
            assert list(await session.scalars(select(Person))) == []
        assert len(fake.received) == 1
    finally:
        await services.close()


async def test_forget_me_on_teams_also_erases_the_filled_in_form_cards(driver, fake, teams) -> None:
    from storage.models import TeamsForm

    await driver.say(SAM, "signup")
    form = fake.cards(dm_id(SAM))[-1]
    form_activity = fake.activities(dm_id(SAM))[-1].activity_id
    await driver.send(driver.invoke(SAM, {**submit_data(form), **SIGNUP_INPUTS}, form_activity))
    await driver.say(SAM, "forget-me")
    erase = button_data(fake.cards(dm_id(SAM))[-1], "Erase my data")
    await driver.send(driver.invoke(SAM, erase, fake.activities(dm_id(SAM))[-1].activity_id))

    assert "I've erased" in card_texts(fake.cards(dm_id(SAM))[-1])
    async with teams.db.sessions() as session:
        assert list(await session.scalars(select(TeamsForm))) == []
        assert list(await session.scalars(select(Person))) == [] or all(
            p.platform_user_id != SAM for p in await session.scalars(select(Person))
        )
    assert await _enrolments(teams) == []
