"""The Teams activity handler on botbuilder's TestAdapter: which activity becomes which event."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, Entity

from adapters.teams.bot import OTHER_TENANT, UNREADABLE_CARD, TandemTeamsBot
from bot.core.events import FormSubmitted, InboundEvent, MemberJoined, MessageReceived
from bot.core.refs import Platform, WorkspaceRef

TENANT = "contoso-tenant"
OTHER = "fabrikam-tenant"
BOT = ChannelAccount(id="28:tandem", name="Tandem")
ANA = ChannelAccount(id="29:ana", name="Ana")


class RecordingTandem:
    """Stands in for the core: records the events the handler produced."""

    def __init__(self) -> None:
        self.events: list[InboundEvent] = []

    def validate(self, event: FormSubmitted) -> dict[str, str]:
        return {}

    async def handle(self, event: InboundEvent) -> dict[str, str] | None:
        self.events.append(event)
        return None


@pytest.fixture
def tandem() -> RecordingTandem:
    return RecordingTandem()


@pytest.fixture
def adapter(services, tandem: RecordingTandem) -> TestAdapter:  # type: ignore[no-untyped-def]
    bot = TandemTeamsBot(tandem, services.db, messenger=None, allowed_tenant=TENANT)  # type: ignore[arg-type]
    template = Activity(
        channel_id="msteams",
        service_url="https://smba.trafficmanager.net/emea/",
        from_property=ANA,
        recipient=BOT,
        conversation=ConversationAccount(id="a:1:ana", conversation_type="personal"),
        channel_data={"tenant": {"id": TENANT}},
    )
    return TestAdapter(bot.on_turn, template)


def _mention() -> Entity:
    entity = Entity(type="mention")
    entity.additional_properties = {"text": "<at>Tandem</at>", "mentioned": {"id": BOT.id}}
    return entity


async def test_personal_message_becomes_message_received_in_the_tenant_workspace(
    adapter: TestAdapter, tandem: RecordingTandem
) -> None:
    await adapter.receive_activity(Activity(type="message", text="  status  "))
    (event,) = tandem.events
    assert isinstance(event, MessageReceived)
    assert event.text == "status"
    assert event.user.workspace == WorkspaceRef(Platform.TEAMS, TENANT)
    assert event.user.user_id == ANA.id
    assert event.conversation.is_direct
    assert event.event_id  # the activity id, for de-duplication


async def test_channel_message_loses_the_bot_mention(
    adapter: TestAdapter, tandem: RecordingTandem
) -> None:
    channel = ConversationAccount(
        id="19:general@thread.tacv2;messageid=1", conversation_type="channel", is_group=True
    )
    await adapter.receive_activity(
        Activity(
            type="message",
            text="<at>Tandem</at> signup pilot",
            entities=[_mention()],
            conversation=channel,
            channel_data={"tenant": {"id": TENANT}, "channel": {"id": "19:general@thread.tacv2"}},
        )
    )
    (event,) = tandem.events
    assert isinstance(event, MessageReceived)
    assert event.text == "signup pilot"
    assert not event.conversation.is_direct


@pytest.mark.parametrize(
    ("added", "expected"),
    [([BOT], [MemberJoined]), ([ChannelAccount(id="29:leo")], [])],
)
async def test_installing_the_bot_is_a_member_joined_for_the_installer(
    adapter: TestAdapter, tandem: RecordingTandem, added: list[ChannelAccount], expected: list[Any]
) -> None:
    await adapter.receive_activity(Activity(type="conversationUpdate", members_added=added))
    assert [type(e) for e in tandem.events] == expected
    if expected:
        assert tandem.events[0].user.user_id == ANA.id


async def test_another_tenant_is_answered_politely_and_nothing_runs(
    adapter: TestAdapter, tandem: RecordingTandem
) -> None:
    await adapter.receive_activity(
        Activity(type="message", text="signup", channel_data={"tenant": {"id": OTHER}})
    )
    assert tandem.events == []
    assert [a.text for a in adapter.activity_buffer] == [OTHER_TENANT]


async def test_a_submission_that_is_not_an_object_is_refused_with_a_reply(
    adapter: TestAdapter, tandem: RecordingTandem
) -> None:
    await adapter.receive_activity(Activity(type="message", value="not a card"))
    assert tandem.events == []
    assert [a.text for a in adapter.activity_buffer] == [UNREADABLE_CARD]
