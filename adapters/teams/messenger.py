"""The Messenger port for Teams: proactive sends through the Bot Connector.

Every send continues a stored conversation (`continue_conversation`), so replies, reminders
and announcements all take the same path, with or without an inbound activity at hand.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from botbuilder.core import BotAdapter, CardFactory, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient

from adapters.teams import people_picker, references, sent_forms
from adapters.teams.card_forms import render_form_card
from adapters.teams.cards import render_message_card
from adapters.teams.errors import delivery_error, status_of
from bot.core.messenger import DeliveryError, Messenger, NotSupported, Unreachable
from bot.core.outbound import Form, Message
from bot.core.refs import ConversationRef, MessageRef, UserRef, WorkspaceRef
from storage.uow import Database

log = logging.getLogger(__name__)
T = TypeVar("T")
Work = Callable[[TurnContext, ConnectorClient], Awaitable[T]]


def card_activity(card: dict[str, Any], summary: str) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        summary=summary[:300],
        attachments=[CardFactory.adaptive_card(card)],
    )


def to_reference(stored: dict[str, Any]) -> ConversationReference:
    return ConversationReference().deserialize(stored)


class TeamsMessenger(Messenger):
    def __init__(self, adapter: BotAdapter, db: Database, app_id: str) -> None:
        self.adapter = adapter
        self.db = db
        self.app_id = app_id

    # --- the Messenger port -----------------------------------------------------------

    async def send_dm(self, user: UserRef, message: Message, *, key: str | None) -> MessageRef:
        """`key` is not sent: nothing could read it back (see `already_delivered`)."""
        card = render_message_card(message)
        return await self._send_to_person(user, card_activity(card, message.summary))

    async def open_form(self, user: UserRef, form: Form, *, interaction: str | None) -> None:
        """A Teams form is a card in the person's chat; it is kept to re-show with errors."""
        workspace_id = await self.db.workspace_id(user.workspace)
        people = await people_picker.choices_for(self.db, workspace_id, form)
        card = render_form_card(form, people)
        sent = await self._send_to_person(user, card_activity(card, form.title))
        await sent_forms.remember_form(
            self.db,
            workspace_id,
            user.user_id,
            form,
            conversation_id=sent.conversation.conversation_id,
            activity_id=sent.message_id,
        )

    async def post_to_channel(
        self, channel: ConversationRef, message: Message, *, key: str | None
    ) -> MessageRef:
        """A new thread in the channel, so replies to an announcement stay together."""
        workspace_id = await self.db.workspace_id(channel.workspace)
        stored = await references.channel_ref(self.db, workspace_id, channel.conversation_id)
        if stored is None:
            raise DeliveryError("channel not known: the bot was never used there")
        reference = to_reference(stored.conversation_ref)
        parameters = ConversationParameters(
            is_group=True,
            bot=reference.bot,
            tenant_id=channel.workspace.external_id,
            channel_data={"channel": {"id": stored.channel_id}},
            activity=card_activity(render_message_card(message), message.summary),
        )

        async def create(_: TurnContext, connector: ConnectorClient) -> Any:
            return await connector.conversations.create_conversation(parameters)

        created = await self._with_connector(reference, create)
        thread = ConversationRef(channel.workspace, created.id)
        return MessageRef(thread, created.activity_id or "")

    async def update_message(self, ref: MessageRef, message: Message) -> None:
        await self.update_card(ref, render_message_card(message), message.summary)

    async def already_delivered(self, target: UserRef | ConversationRef, key: str) -> bool:
        """Teams cannot tell: the Bot Connector has no way to list the messages a bot sent in
        a 1:1 chat (nor to read a channel's history without Graph permissions the bot does
        not ask for), so a send interrupted by a crash, or answered with a 5xx or not at all,
        stays "unsure" and the message's kind decides."""
        raise NotSupported("already_delivered")

    async def profile(self, user: UserRef) -> dict[str, str]:
        """Not asked of Teams: the name comes with every activity the person sends (and is
        stored then), and the Bot Connector's member lookup has no time zone."""
        raise NotSupported("profile")

    # --- Teams specifics --------------------------------------------------------------

    async def update_card(self, ref: MessageRef, card: dict[str, Any], summary: str) -> None:
        workspace_id = await self.db.workspace_id(ref.conversation.workspace)
        conversation_id = ref.conversation.conversation_id
        stored = await references.conversation_ref(self.db, workspace_id, conversation_id)
        if stored is None:
            raise DeliveryError("conversation not known")
        reference = to_reference(stored)
        reference.conversation.id = conversation_id
        activity = card_activity(card, summary)
        activity.id = ref.message_id

        async def edit(turn_context: TurnContext, _: ConnectorClient) -> None:
            await turn_context.update_activity(activity)

        await self._with_connector(reference, edit)

    async def _send_to_person(self, user: UserRef, activity: Activity) -> MessageRef:
        reference = await self._address(user)

        async def send(turn_context: TurnContext, connector: ConnectorClient) -> Any:
            # Straight to the conversation: TurnContext.send_activity would make this a reply
            # to the continuation's made-up activity id.
            here = TurnContext.get_conversation_reference(turn_context.activity)
            TurnContext.apply_conversation_reference(activity, here)
            activity.reply_to_id = None
            return await connector.conversations.send_to_conversation(
                activity.conversation.id, activity
            )

        sent = await self._with_connector(reference, send)
        conversation = ConversationRef(user.workspace, reference.conversation.id, is_direct=True)
        return MessageRef(conversation, getattr(sent, "id", "") or "")

    async def _address(self, user: UserRef) -> ConversationReference:
        workspace_id = await self.db.workspace_id(user.workspace)
        stored = await references.person_ref(self.db, workspace_id, user.user_id)
        if stored:
            return to_reference(stored)
        # The person in this turn may have just erased their stored address (forget-me);
        # the reply still goes to the chat they are typing in.
        current = references.turn_reference(user.user_id)
        if current:
            return to_reference(current)
        reference = await self._open_chat(user, workspace_id)
        if reference is None:
            raise Unreachable("NoConversation: the bot shares no chat or team with this person")
        return reference

    async def find_member(self, workspace: WorkspaceRef, object_id: str) -> tuple[str, str] | None:
        """(member id, name) of the person with this Entra object id in a team the bot is in;
        the Bot Connector looks team members up by either id."""
        workspace_id = await self.db.workspace_id(workspace)
        for team_id, stored in (await self._teams(workspace_id)).items():

            async def lookup(
                _: TurnContext, connector: ConnectorClient, team_id: str = team_id
            ) -> Any:
                try:
                    return await connector.conversations.get_conversation_member(team_id, object_id)
                except ErrorResponseException as exc:
                    if status_of(exc) == 404:
                        return None
                    raise

            try:
                member = await self._with_connector(to_reference(stored), lookup)
            except DeliveryError:
                log.warning("team member lookup failed", exc_info=True)
                continue
            if member is not None and getattr(member, "id", None):
                return member.id, getattr(member, "name", None) or ""
        return None

    async def _teams(self, workspace_id: int) -> dict[str, dict[str, Any]]:
        """A stored conversation reference in each team the bot is in, by team id."""
        teams: dict[str, dict[str, Any]] = {}
        for channel in await references.channels(self.db, workspace_id):
            if channel.team_id:
                teams.setdefault(channel.team_id, channel.conversation_ref)
        return teams

    async def _open_chat(self, user: UserRef, workspace_id: int) -> ConversationReference | None:
        """Create a 1:1 chat with someone the bot has not talked to, through a shared team."""
        teams = await self._teams(workspace_id)
        tenant = user.workspace.external_id
        for team_id, stored in teams.items():
            team_reference = to_reference(stored)

            async def create(
                _: TurnContext,
                connector: ConnectorClient,
                team_id: str = team_id,
                bot: ChannelAccount = team_reference.bot,
            ) -> Any:
                try:
                    await connector.conversations.get_conversation_member(team_id, user.user_id)
                except ErrorResponseException as exc:
                    if status_of(exc) == 404:
                        return None
                    raise
                parameters = ConversationParameters(
                    is_group=False,
                    bot=bot,
                    members=[ChannelAccount(id=user.user_id)],
                    tenant_id=tenant,
                    channel_data={"tenant": {"id": tenant}},
                )
                return await connector.conversations.create_conversation(parameters)

            created = await self._with_connector(team_reference, create)
            if created is None:
                continue
            reference = ConversationReference(
                channel_id=team_reference.channel_id,
                service_url=created.service_url or team_reference.service_url,
                bot=team_reference.bot,
                user=ChannelAccount(id=user.user_id),
                conversation=ConversationAccount(
                    id=created.id, conversation_type="personal", is_group=False, tenant_id=tenant
                ),
            )
            await references.save_person_ref(
                self.db, workspace_id, user.user_id, reference.serialize()
            )
            log.info("opened a 1:1 chat through a shared team")
            return reference
        return None

    async def _with_connector(self, reference: ConversationReference, work: Work[T]) -> T:
        """Run `work` in a proactive turn for `reference`; failures become DeliveryErrors."""
        result: list[T] = []

        async def callback(turn_context: TurnContext) -> None:
            connector = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
            # The Sender owns retries and back-off; the client's own would hide them.
            connector.config.retry_policy.retries = 0
            result.append(await work(turn_context, connector))

        try:
            await self.adapter.continue_conversation(reference, callback, self.app_id)
        except Exception as exc:  # noqa: BLE001 - every failure is reported as a DeliveryError
            raise delivery_error(exc) from exc
        return result[0]
