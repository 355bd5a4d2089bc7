"""One contract, every platform: the Messenger port as a person sees it through each adapter.

Every test runs against the playground, Slack (the real slack_sdk client against
FakeSlackApi) and Teams (real botbuilder against FakeBotConnector), the way botbuilder runs
one storage suite against every storage. Tests look at what reached the fake platform, not
at which calls were made. What a platform cannot do, its adapter declares by raising
NotSupported; each stage below says which those are.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import pytest

from adapters.playground.messenger import PLAYGROUND
from bot.core.messenger import (
    DeliveryError,
    Messenger,
    NotSupported,
    OutcomeUnknown,
    RateLimited,
    Unreachable,
)
from bot.core.outbound import Button, Buttons, Form, FormField, Message, Text
from bot.core.refs import ConversationRef, Platform, UserRef, WorkspaceRef
from bot.runtime.host import Services
from tests.fakes.bot_connector import ADAPTIVE_CARD, FakeBotConnector
from tests.fakes.faults import Fault
from tests.fakes.slack_api import FakeSlackApi, RateLimit
from tests.playground_driver import PlaygroundDriver, text_of
from tests.slack_fixtures import ALICE, TEAM, SlackChat, SlackDriver
from tests.teams_driver import TENANT, TeamsDriver, card_actions, card_texts, dm_id

GENERAL = "19:general@thread.tacv2"
CHECK_IN = Form(
    form_id="check_in",
    title="Weekly check-in",
    fields=(FormField("mood", "How did this week go?"),),
)


def message(text: str) -> Message:
    return Message(summary=text, blocks=(Text(text), Buttons((Button("Open", "open"),))))


class Stage(ABC):
    """One platform's messenger, and a way to see what its people see."""

    messenger: Messenger
    person: UserRef
    channel: ConversationRef
    reads_back: bool  # False: already_delivered raises NotSupported
    profile: dict[str, str] | None  # None: profile raises NotSupported

    @abstractmethod
    async def start(self) -> None:
        """Whatever the platform needs before the bot may write to the person and channel."""

    @abstractmethod
    async def dm(self) -> list[str]:
        """The person's DM with the bot, oldest first, each message as it reads now."""

    @abstractmethod
    async def channel_posts(self) -> list[str]: ...

    @abstractmethod
    async def form_shown(self) -> str:
        """The newest form put in front of the person, as text."""

    @abstractmethod
    async def refuse(self) -> None:
        """From now on the person will not receive anything from the bot."""

    @abstractmethod
    async def throttle(self, seconds: int) -> None:
        """The platform answers the next send with 429 and Retry-After: `seconds`."""

    @abstractmethod
    async def fail_after_posting(self) -> None:
        """The platform posts the next message, then answers with a server error."""

    @abstractmethod
    async def reject(self) -> None:
        """The platform refuses the next send outright (a 4xx): nothing is posted."""


class PlaygroundStage(Stage):
    reads_back = True
    profile = None

    def __init__(self, services: Services, page: PlaygroundDriver) -> None:
        self.messenger = services.messengers[Platform.PLAYGROUND]
        self.page = page
        self.person = UserRef(PLAYGROUND, "sam")
        self.channel = ConversationRef(PLAYGROUND, "#general")

    async def start(self) -> None:
        """Anyone can be written to on the playground."""

    async def dm(self) -> list[str]:
        return await self.page.dm_texts("sam")

    async def channel_posts(self) -> list[str]:
        posts = (await self.page.state("sam"))["channels"]["#general"]
        return [text_of(post["body"]) for post in posts]

    async def form_shown(self) -> str:
        form = await self.page.form("sam")
        assert form is not None, "sam has no open form"
        body = form["body"]
        return "\n".join([body["title"], *(field["label"] for field in body["fields"])])

    async def refuse(self) -> None:
        pytest.skip("a playground person cannot block the bot")

    async def throttle(self, seconds: int) -> None:
        pytest.skip("the playground never asks to slow down")

    async def fail_after_posting(self) -> None:
        pytest.skip("the playground never fails")

    async def reject(self) -> None:
        pytest.skip("the playground never fails")


class SlackStage(Stage):
    reads_back = True
    profile = {
        "display_name": "Alice",
        "time_zone": "America/New_York",
        "real_name": "Alice Example",
        "handle": "alice.example",
        "email": "alice@example.com",
    }

    def __init__(self, services: Services, slack: SlackDriver, fake: FakeSlackApi) -> None:
        self.messenger = services.messengers[Platform.SLACK]
        self.fake = fake
        self.chat = SlackChat(slack, fake)
        self.person = UserRef(WorkspaceRef(Platform.SLACK, TEAM), ALICE)
        self.channel = ConversationRef(self.person.workspace, "C0GENERAL")
        fake.set_user(
            ALICE,
            tz="America/New_York",
            real_name="Alice Example",
            display_name="Alice",
            email="alice@example.com",
        )

    async def start(self) -> None:
        """The app is installed with its bot token; Slack opens a DM on the first post."""

    async def dm(self) -> list[str]:
        return self.chat.texts(ALICE)

    async def channel_posts(self) -> list[str]:
        return self.chat.texts(self.channel.conversation_id)

    async def form_shown(self) -> str:
        views = [call.response["view"] for call in self.fake.calls("views.open") if call.ok]
        assert views, "no modal was opened"
        labels = [b["label"]["text"] for b in views[-1]["blocks"] if b["type"] == "input"]
        return "\n".join([views[-1]["title"]["text"], *labels])

    async def refuse(self) -> None:
        # Uninstalling the app revokes its token; Slack then refuses every call.
        self.fake.fail("chat.postMessage", "token_revoked")

    async def throttle(self, seconds: int) -> None:
        # No burst and a slow refill: the channel's budget is spent.
        self.fake.set_rate_limit("chat.postMessage", RateLimit(per_second=1 / seconds, burst=0))

    async def fail_after_posting(self) -> None:
        self.fake.faults.add(Fault.ERROR_AFTER, method="chat.postMessage", times=1)

    async def reject(self) -> None:
        self.fake.fail("chat.postMessage", "invalid_blocks")


class TeamsStage(Stage):
    reads_back = False
    profile = None

    def __init__(
        self, services: Services, driver: TeamsDriver, connector: FakeBotConnector
    ) -> None:
        self.messenger = services.messengers[Platform.TEAMS]
        self.driver = driver
        self.connector = connector
        self.person = UserRef(WorkspaceRef(Platform.TEAMS, TENANT), "29:sam")
        self.channel = ConversationRef(self.person.workspace, GENERAL)

    async def start(self) -> None:
        # The bot can only write where it has been: Sam's chat, and a channel Sam used it in.
        await self.driver.say(self.person.user_id, "hello")
        await self.driver.send(
            self.driver.channel_message(self.person.user_id, "help", GENERAL, "General")
        )

    def _read(self, conversation: str) -> list[str]:
        """Activities in conversations whose id starts with `conversation`, as last updated."""
        current: dict[str, dict[str, Any]] = {}
        for received in self.connector.received:
            if not received.conversation_id.startswith(conversation):
                continue
            if received.operation == "delete":
                current.pop(received.activity_id, None)
            else:
                current[received.activity_id] = received.activity
        return [_teams_text(activity) for activity in current.values()]

    async def dm(self) -> list[str]:
        return self._read(dm_id(self.person.user_id))

    async def channel_posts(self) -> list[str]:
        return self._read(GENERAL + ";")

    async def form_shown(self) -> str:
        cards = [
            a["content"]
            for r in self.connector.activities(dm_id(self.person.user_id))
            for a in r.activity.get("attachments") or ()
            if a.get("contentType") == ADAPTIVE_CARD
            and any("form_id" in action["data"] for action in card_actions(a["content"]))
        ]
        assert cards, "no form card was sent"
        return card_texts(cards[-1])

    async def refuse(self) -> None:
        self.connector.block_user(dm_id(self.person.user_id))

    async def throttle(self, seconds: int) -> None:
        self.connector.throttle(1, retry_after=seconds)

    async def fail_after_posting(self) -> None:
        self.connector.faults.add(Fault.ERROR_AFTER, method="send", times=1)

    async def reject(self) -> None:
        self.connector.fail(1, status=400)


def _teams_text(activity: dict[str, Any]) -> str:
    cards = [
        card_texts(a["content"])
        for a in activity.get("attachments") or ()
        if a.get("contentType") == ADAPTIVE_CARD
    ]
    return "\n".join([activity.get("text") or "", *cards])


@pytest.fixture(params=["playground", "slack", "teams"])
def stage(request: pytest.FixtureRequest) -> Stage:
    fixture = request.getfixturevalue
    if request.param == "playground":
        return PlaygroundStage(fixture("services"), fixture("playground"))
    if request.param == "slack":
        return SlackStage(fixture("slack_services"), fixture("slack"), fixture("fake"))
    return TeamsStage(fixture("teams"), fixture("driver"), fixture("connector"))


@pytest.fixture
async def platform(stage: Stage) -> Stage:
    await stage.start()
    return stage


def mentions(texts: list[str], words: str) -> list[str]:
    return [text for text in texts if words in text]


async def test_a_dm_arrives_once(platform: Stage) -> None:
    ref = await platform.messenger.send_dm(
        platform.person, message("Kick-off on Thursday"), key="kickoff:1"
    )

    assert len(mentions(await platform.dm(), "Kick-off on Thursday")) == 1
    assert ref.conversation.is_direct and ref.message_id


async def test_a_post_reaches_the_channel_once(platform: Stage) -> None:
    await platform.messenger.post_to_channel(
        platform.channel, message("Sign-up is open"), key="announcement:1"
    )

    assert len(mentions(await platform.channel_posts(), "Sign-up is open")) == 1
    assert mentions(await platform.dm(), "Sign-up is open") == []


async def test_an_update_replaces_the_message_where_it_is(platform: Stage) -> None:
    ref = await platform.messenger.send_dm(platform.person, message("Poll: 2 votes"), key=None)
    await platform.messenger.send_dm(platform.person, message("Something later"), key=None)

    await platform.messenger.update_message(ref, message("Poll: 3 votes"))

    dm = await platform.dm()
    assert mentions(dm, "Poll: 2 votes") == []
    assert len(mentions(dm, "Poll: 3 votes")) == 1
    assert dm.index(mentions(dm, "Poll: 3 votes")[0]) < dm.index(mentions(dm, "later")[0])


async def test_a_form_is_put_in_front_of_the_person(platform: Stage) -> None:
    await platform.messenger.open_form(platform.person, CHECK_IN, interaction="trigger-1")

    shown = await platform.form_shown()
    assert "Weekly check-in" in shown and "How did this week go?" in shown


async def test_a_keyed_message_can_be_found_after_a_crash(platform: Stage) -> None:
    person, messenger = platform.person, platform.messenger
    await messenger.send_dm(person, message("Your prep notes"), key="prep:7")
    await messenger.post_to_channel(platform.channel, message("Welcome all"), key="welcome:1")

    if not platform.reads_back:
        with pytest.raises(NotSupported):
            await messenger.already_delivered(person, "prep:7")
        return
    assert await messenger.already_delivered(person, "prep:7") is True
    assert await messenger.already_delivered(person, "prep:8") is False
    assert await messenger.already_delivered(platform.channel, "welcome:1") is True
    assert await messenger.already_delivered(platform.channel, "prep:7") is False


async def test_a_person_who_blocked_the_bot_is_unreachable(platform: Stage) -> None:
    await platform.refuse()

    with pytest.raises(Unreachable):
        await platform.messenger.send_dm(platform.person, message("Are you there?"), key=None)

    assert mentions(await platform.dm(), "Are you there?") == []


async def test_slow_down_is_rate_limited_with_the_wait(platform: Stage) -> None:
    await platform.throttle(2)

    with pytest.raises(RateLimited) as raised:
        await platform.messenger.send_dm(platform.person, message("Reminder"), key=None)

    assert raised.value.retryable and raised.value.retry_after == 2.0
    assert mentions(await platform.dm(), "Reminder") == []


async def test_an_error_after_posting_leaves_the_outcome_unknown(platform: Stage) -> None:
    await platform.fail_after_posting()

    with pytest.raises(OutcomeUnknown):
        await platform.messenger.send_dm(platform.person, message("Agenda"), key="agenda:1")

    assert len(mentions(await platform.dm(), "Agenda")) == 1
    if platform.reads_back:
        assert await platform.messenger.already_delivered(platform.person, "agenda:1") is True


async def test_a_refused_send_is_a_definite_failure(platform: Stage) -> None:
    await platform.reject()

    with pytest.raises(DeliveryError) as raised:
        await platform.messenger.send_dm(platform.person, message("Agenda"), key="agenda:2")

    assert not isinstance(raised.value, OutcomeUnknown | RateLimited | Unreachable)
    assert not raised.value.retryable
    assert mentions(await platform.dm(), "Agenda") == []


async def test_profile_gives_names_time_zone_and_email_or_says_it_cannot(platform: Stage) -> None:
    if platform.profile is None:
        with pytest.raises(NotSupported):
            await platform.messenger.profile(platform.person)
        return
    assert await platform.messenger.profile(platform.person) == platform.profile
