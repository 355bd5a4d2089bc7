"""What forget-me erases beyond the person's own rows (which cascade from `people`)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PlaygroundItem, TeamsForm


async def erase_platform_traces(session: AsyncSession, workspace_id: int, user_id: str) -> int:
    """Copies of what a person saw or typed that adapters keep by platform user id:
    forms sent to them on Teams (with their answers filled in) and their playground DMs."""
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
    return erased
