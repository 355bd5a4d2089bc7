"""What forget-me erases beyond the person's own rows (which cascade from `people`): every
row that names the person by platform user id rather than by their `people` row."""

from __future__ import annotations

from sqlalchemy import column, delete, or_, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, PlaygroundItem, TeamsForm, Workspace

# slack_sdk's installation store table (migration 0002): it records who installed the app.
_SLACK_INSTALLATIONS = table(
    "slack_installations",
    column("team_id"),
    column("enterprise_id"),
    column("user_id"),
    column("user_token"),
    column("user_scopes"),
    column("user_refresh_token"),
    column("user_token_expires_at"),
)


async def erase_platform_traces(session: AsyncSession, workspace_id: int, user_id: str) -> int:
    """Copies of what a person saw or typed that adapters keep by platform user id (forms
    sent to them on Teams, with their answers filled in, and their playground DMs), and the
    record of who installed the Slack app, which Tandem never needs (it uses bot tokens)."""
    erased = 0
    for statement in (
        delete(TeamsForm).where(
            TeamsForm.workspace_id == workspace_id, TeamsForm.user_id == user_id
        ),
        delete(PlaygroundItem).where(
            PlaygroundItem.workspace_id == workspace_id,
            PlaygroundItem.conversation_id == f"dm:{user_id}",
        ),
    ):
        result = await session.execute(statement)
        erased += max(result.rowcount or 0, 0)
    workspace = await session.get(Workspace, workspace_id)
    if workspace is not None and workspace.platform == "slack":
        team = workspace.external_id
        result = await session.execute(
            update(_SLACK_INSTALLATIONS)
            .where(
                _SLACK_INSTALLATIONS.c.user_id == user_id,
                or_(
                    _SLACK_INSTALLATIONS.c.team_id == team,
                    _SLACK_INSTALLATIONS.c.enterprise_id == team,
                ),
            )
            .values(
                user_id="",
                user_token=None,
                user_scopes=None,
                user_refresh_token=None,
                user_token_expires_at=None,
            )
        )
        erased += max(result.rowcount or 0, 0)
    return erased


async def erase_deliveries_to(session: AsyncSession, workspace_id: int, channel_id: str) -> int:
    """Delivery rows addressed to a person who has no `people` row any more: the erasure's
    own confirmation, and anything sent to them before they had a profile. `channel_id` is
    how the delivery log names the person (the Sender's `target_key`)."""
    result = await session.execute(
        delete(Delivery).where(
            Delivery.workspace_id == workspace_id,
            Delivery.channel_id == channel_id,
            Delivery.person_id.is_(None),
        )
    )
    return max(result.rowcount or 0, 0)
