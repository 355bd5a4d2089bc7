"""Time comes from a clock object so tests and the playground can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: for tests and the playground's time control."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


class OffsetClock:
    """Real time (or a frozen `base`) plus an offset the playground's clock control moves."""

    def __init__(self, offset: timedelta = timedelta(), base: datetime | None = None) -> None:
        self.offset = offset
        self.base = base

    def now(self) -> datetime:
        return (self.base or datetime.now(UTC)) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        return self.now()
