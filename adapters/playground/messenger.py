"""The playground's Messenger: what would be a DM or a channel post is a row the page reads."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.core.clock import Clock
from bot.core.messenger import Messenger, NotSupported
from bot.core.outbound import Form, Message, to_json
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef, WorkspaceRef
from storage.models import PlaygroundItem
from storage.uow import Database

PLAYGROUND = WorkspaceRef(Platform.PLAYGROUND, "local")


def dm_id(user_id: str) -> str:
    return f"dm:{user_id}"


class PlaygroundMessenger(Messenger):
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _add(
        self, workspace: WorkspaceRef, conversation_id: str, kind: str, body: dict
    ) -> int:
        now = self.clock.now()
        workspace_id = await self.db.workspace_id(workspace)
        async with self.db.unit_of_work(workspace_id) as uow:
            item = PlaygroundItem(
                workspace_id=workspace_id,
                conversation_id=conversation_id,
                kind=kind,
                body=body,
                open=True,
                created_at=now,
                updated_at=now,
            )
            uow.session.add(item)
            await uow.session.flush()
            item_id = item.id
            await uow.commit()
        return item_id

    async def send_dm(self, user: UserRef, message: Message, *, key: str | None) -> MessageRef:
        item_id = await self._add(
            user.workspace, dm_id(user.user_id), "message", _keyed(message, key)
        )
        conversation = ConversationRef(user.workspace, dm_id(user.user_id), is_direct=True)
        return MessageRef(conversation, str(item_id))

    async def post_to_channel(
        self, channel: ConversationRef, message: Message, *, key: str | None
    ) -> MessageRef:
        item_id = await self._add(
            channel.workspace, channel.conversation_id, "message", _keyed(message, key)
        )
        return MessageRef(channel, str(item_id))

    async def already_delivered(self, target: UserRef | ConversationRef, key: str) -> bool:
        """Whether a message stamped with this delivery key is in the conversation."""
        if isinstance(target, UserRef):
            workspace, conversation_id = target.workspace, dm_id(target.user_id)
        else:
            workspace, conversation_id = target.workspace, target.conversation_id
        workspace_id = await self.db.workspace_id(workspace)
        items = await self.items(workspace_id, [conversation_id])
        return any(item.body.get("delivery_key") == key for item in items)

    async def open_form(self, user: UserRef, form: Form, *, interaction: str | None) -> None:
        workspace_id = await self.db.workspace_id(user.workspace)
        async with self.db.unit_of_work(workspace_id) as uow:
            # One open form per person, like a modal: opening another replaces it.
            await uow.session.execute(
                update(PlaygroundItem)
                .where(
                    PlaygroundItem.workspace_id == workspace_id,
                    PlaygroundItem.conversation_id == dm_id(user.user_id),
                    PlaygroundItem.kind == "form",
                )
                .values(open=False)
            )
            await uow.commit()
        await self._add(user.workspace, dm_id(user.user_id), "form", to_json(form))

    async def update_message(self, ref: MessageRef, message: Message) -> None:
        workspace_id = await self.db.workspace_id(ref.conversation.workspace)
        async with self.db.unit_of_work(workspace_id) as uow:
            await uow.session.execute(
                update(PlaygroundItem)
                .where(
                    PlaygroundItem.workspace_id == workspace_id,
                    PlaygroundItem.id == int(ref.message_id),
                )
                .values(body=to_json(message), updated_at=self.clock.now())
            )
            await uow.commit()

    async def profile(self, user: UserRef) -> dict[str, str]:
        """A playground person's name is stored when they are added on the page; no profile."""
        raise NotSupported("profile")

    async def items(self, workspace_id: int, conversation_ids: list[str]) -> list[PlaygroundItem]:
        async with self.db.unit_of_work(workspace_id) as uow:
            rows = await uow.session.scalars(
                select(PlaygroundItem)
                .where(
                    PlaygroundItem.workspace_id == workspace_id,
                    PlaygroundItem.conversation_id.in_(conversation_ids),
                )
                .order_by(PlaygroundItem.id)
            )
            return list(rows)

    async def item(self, workspace_id: int, item_id: int) -> PlaygroundItem | None:
        async with self.db.unit_of_work(workspace_id) as uow:
            item = await uow.session.get(PlaygroundItem, item_id)
            return item if item and item.workspace_id == workspace_id else None

    async def set_form(
        self, workspace_id: int, item_id: int, body: dict | None, open_: bool
    ) -> None:
        values: dict = {"open": open_, "updated_at": self.clock.now()}
        if body is not None:
            values["body"] = body
        async with self.db.unit_of_work(workspace_id) as uow:
            await uow.session.execute(
                update(PlaygroundItem)
                .where(PlaygroundItem.workspace_id == workspace_id, PlaygroundItem.id == item_id)
                .values(**values)
            )
            await uow.commit()


def _keyed(message: Message, key: str | None) -> dict:
    """The message as stored, stamped with the delivery key the Sender is sending under."""
    body = to_json(message)
    if key:
        body["delivery_key"] = key
    return body
