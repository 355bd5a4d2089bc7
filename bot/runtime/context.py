"""What a flow gets when it runs: who asked, where, and the services to answer with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.clock import Clock
from bot.core.outbound import Form, Message, Text
from bot.core.refs import ConversationRef, MessageRef, UserRef, WorkspaceRef

if TYPE_CHECKING:
    from bot.delivery.sender import Sender
    from storage.uow import Database, UnitOfWork


@dataclass(slots=True)
class FlowContext:
    db: Database
    clock: Clock
    sender: Sender
    workspace: WorkspaceRef
    workspace_id: int
    user: UserRef
    interaction: str | None = None

    def uow(self) -> UnitOfWork:
        return self.db.unit_of_work(self.workspace_id)

    def user_ref(self, user_id: str) -> UserRef:
        return UserRef(self.workspace, user_id)

    async def reply(
        self, message: Message, *, kind: str = "reply", key: str | None = None
    ) -> MessageRef | None:
        """DM the person who triggered this flow."""
        return await self.sender.send_now(self.workspace_id, self.user, message, kind=kind, key=key)

    async def reply_text(self, text: str) -> MessageRef | None:
        return await self.reply(Message(summary=text, blocks=(Text(text),)))

    async def dm(
        self, user_id: str, message: Message, *, kind: str, key: str | None = None
    ) -> MessageRef | None:
        return await self.sender.send_now(
            self.workspace_id, self.user_ref(user_id), message, kind=kind, key=key
        )

    async def post(
        self, channel_id: str, message: Message, *, kind: str, key: str | None = None
    ) -> MessageRef | None:
        channel = ConversationRef(self.workspace, channel_id)
        return await self.sender.send_now(self.workspace_id, channel, message, kind=kind, key=key)

    async def open_form(self, form: Form) -> None:
        await self.sender.messenger(self.workspace).open_form(
            self.user, form, interaction=self.interaction
        )

    async def update(self, ref: MessageRef, message: Message) -> None:
        await self.sender.messenger(self.workspace).update_message(ref, message)
