from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class Scoped:
    """A repository that can only see one workspace's rows."""

    def __init__(self, session: AsyncSession, workspace_id: int) -> None:
        self.session = session
        self.workspace_id = workspace_id
