"""Which Slack workspaces still have Tandem installed: the Workspace row's `active` flag."""

from __future__ import annotations

from sqlalchemy import update

from adapters.slack.translate import workspace
from storage.models import Workspace
from storage.uow import Database


class SlackWorkspaces:
    """Reads and flips `Workspace.active`, remembering the answer so sends cost no query."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._active: dict[str, bool] = {}

    async def is_active(self, team_id: str) -> bool:
        known = self._active.get(team_id)
        if known is not None:
            return known
        row = await self.db.workspace(await self.db.workspace_id(workspace(team_id)))
        active = bool(row and row.active)
        self._active[team_id] = active
        return active

    async def set_active(self, team_id: str, active: bool) -> None:
        workspace_id = await self.db.workspace_id(workspace(team_id))
        async with self.db.sessions() as session:
            await session.execute(
                update(Workspace).where(Workspace.id == workspace_id).values(active=active)
            )
            await session.commit()
        self._active[team_id] = active

    async def seen(self, team_id: str) -> None:
        """Slack only sends events for a workspace that has the app: a reinstall reactivates it."""
        if not await self.is_active(team_id):
            await self.set_active(team_id, True)
