"""The database handle and the unit of work that flows use, one per workspace."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.core.refs import WorkspaceRef
from storage.db import create_engine
from storage.models import Workspace
from storage.repositories.enrolments import EnrolmentRepository
from storage.repositories.events import ProcessedEventRepository
from storage.repositories.matching import MatchingRepository
from storage.repositories.pairs import MeetingRepository, PairRepository
from storage.repositories.people import PeopleRepository
from storage.repositories.programmes import ProgrammeRepository
from storage.upsert import insert_ignore


class UnitOfWork:
    """One transaction over one workspace's data. Rolls back unless `commit()` was called."""

    session: AsyncSession

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: int) -> None:
        self._sessions = sessions
        self.workspace_id = workspace_id

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        ws = self.workspace_id
        self.people = PeopleRepository(self.session, ws)
        self.programmes = ProgrammeRepository(self.session, ws)
        self.enrolments = EnrolmentRepository(self.session, ws)
        self.events = ProcessedEventRepository(self.session, ws)
        self.pairs = PairRepository(self.session, ws)
        self.meetings = MeetingRepository(self.session, ws)
        self.matching = MatchingRepository(self.session, ws)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed without expiring loaded objects,
        # so flows can keep reading what they loaded after the unit of work ends.
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()


class Database:
    def __init__(self, url: str, clock: Clock) -> None:
        self.url = url
        self.clock = clock
        self.engine: AsyncEngine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Ids are immutable once created, so caching them loses nothing on restart.
        self._workspace_ids: dict[WorkspaceRef, int] = {}

    async def workspace_id(self, ref: WorkspaceRef, name: str = "") -> int:
        cached = self._workspace_ids.get(ref)
        if cached is not None:
            return cached
        async with self.sessions() as session:
            await session.execute(
                insert_ignore(
                    session,
                    Workspace,
                    [
                        {
                            "platform": ref.platform.value,
                            "external_id": ref.external_id,
                            "name": name,
                            "active": True,
                            "created_at": self.clock.now(),
                        }
                    ],
                )
            )
            await session.commit()
            workspace_id = await session.scalar(
                select(Workspace.id).where(
                    Workspace.platform == ref.platform.value,
                    Workspace.external_id == ref.external_id,
                )
            )
        assert workspace_id is not None
        self._workspace_ids[ref] = workspace_id
        return workspace_id

    async def workspace(self, workspace_id: int) -> Workspace | None:
        async with self.sessions() as session:
            return await session.get(Workspace, workspace_id)

    def unit_of_work(self, workspace_id: int) -> UnitOfWork:
        return UnitOfWork(self.sessions, workspace_id)

    async def dispose(self) -> None:
        await self.engine.dispose()
