"""The playground in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.runtime.host import Services
from storage.models import Enrolment

playwright_api = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.skipif(
    not shutil.which("chromium"), reason="Debian's chromium is not installed"
)


@pytest.fixture
async def base_url(services: Services) -> AsyncIterator[str]:
    server = TestServer(services.web_app(), host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/"))
    await server.close()


@pytest.fixture
async def page(base_url: str):  # type: ignore[no-untyped-def]
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = await browser.new_page(viewport={"width": 1400, "height": 900})
        await page.goto(base_url)
        yield page
        await browser.close()


async def sign_up_in_browser(  # type: ignore[no-untyped-def]
    page, person: str, role_label: str, department: str, manager: str = ""
) -> None:
    await page.get_by_role("button", name=person, exact=True).click()
    await page.get_by_placeholder("Type /mentoring signup").fill("/mentoring signup")
    await page.get_by_role("button", name="Send").click()
    dialog = page.locator("dialog[open]")
    await dialog.get_by_label("I'd like to take part as").select_option(label=role_label)
    await dialog.get_by_label("Your role").fill("Analyst")
    await dialog.get_by_label("Seniority").select_option(label="Early career")
    await dialog.get_by_label("Department").fill(department)
    if manager:
        await dialog.get_by_label("Your line manager").select_option(label=manager)
    await dialog.get_by_label("What I can offer").select_option(["disability", "digital"])
    await dialog.get_by_label("What I want to get out of it").fill("Better meetings for everyone")
    await dialog.get_by_label("I agree that Tandem keeps").check()
    await dialog.get_by_role("button", name="Sign me up").click()
    await page.locator("dialog[open]").wait_for(state="detached")


async def test_two_people_sign_up_in_the_browser(page) -> None:  # type: ignore[no-untyped-def]
    await page.get_by_role("button", name="Sam", exact=True).wait_for()
    await sign_up_in_browser(
        page, "Sam", "Mentor: I share my perspective with a more senior colleague", "Finance"
    )
    await page.get_by_text("You're signed up for Reverse mentoring pilot as a mentor").wait_for()
    assert (
        await page.locator("#dm-messages strong", has_text="Reverse mentoring pilot").count() == 1
    )

    await sign_up_in_browser(
        page, "Priya", "Mentee: I'm the leader who wants to learn", "Operations"
    )
    messages = page.locator("#dm-messages")
    await messages.get_by_text("as a mentee").wait_for()
    assert await messages.get_by_text("Operations").count() == 1
    # Sam's confirmation is Sam's alone.
    assert await messages.get_by_text("Finance").count() == 0

    await page.get_by_role("button", name="Sam", exact=True).click()
    await page.locator("#dm-title", has_text="Sam").wait_for()
    await messages.get_by_text("Finance").wait_for()


async def test_the_line_manager_is_picked_from_the_playgrounds_people(  # type: ignore[no-untyped-def]
    page, services: Services
) -> None:
    await page.get_by_role("button", name="Sam", exact=True).click()
    await page.get_by_placeholder("Type /mentoring signup").fill("signup")
    await page.get_by_role("button", name="Send").click()
    manager = page.locator("dialog[open]").get_by_label("Your line manager")
    # expect() waits for the form to open; reading the options at once can find none yet.
    await playwright_api.expect(manager.locator("option")).to_have_text(
        ["Choose a person…", "Ada (programme admin)", "Sam", "Priya", "Leo"]
    )
    await page.locator("#form-cancel").click()
    await page.locator("dialog[open]").wait_for(state="detached")
    await sign_up_in_browser(
        page,
        "Sam",
        "Mentor: I share my perspective with a more senior colleague",
        "Finance",
        manager="Leo",
    )
    await page.get_by_text("You're signed up for Reverse mentoring pilot").wait_for()
    async with services.db.sessions() as session:
        assert await session.scalar(select(Enrolment.manager_user_id)) == "leo"


async def test_a_missing_field_is_shown_on_the_field(page) -> None:  # type: ignore[no-untyped-def]
    await page.get_by_role("button", name="Leo", exact=True).click()
    await page.get_by_placeholder("Type /mentoring signup").fill("signup")
    await page.get_by_role("button", name="Send").click()
    dialog = page.locator("dialog[open]")
    await dialog.get_by_role("button", name="Sign me up").click()
    department = dialog.locator('[data-field="department"]')
    await department.get_by_role("alert").wait_for()
    assert await department.get_by_role("alert").inner_text() == "Please fill this in."


async def test_clock_control_moves_the_shown_time(page) -> None:  # type: ignore[no-untyped-def]
    now = page.locator("#now")
    await now.filter(has_text="04 Jan 2027").wait_for()
    await page.get_by_role("button", name="+1 day").click()
    await now.filter(has_text="05 Jan 2027").wait_for()
