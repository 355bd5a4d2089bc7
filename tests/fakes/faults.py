"""Faults a fake platform injects on purpose: what a busy platform and a flaky network do.

A FaultPlan is a list of rules. Each names a fault and when it strikes: for a method (Slack's
API method, the Bot Connector's operation), a recipient, the Nth matching call, a window on
the fake's clock, and with a probability drawn from the plan's seeded RNG, so a failing
run can be replayed. Both fakes ask the plan about every request and then act it out:

    plan = FaultPlan(seed=7)
    plan.add(Fault.ERROR_AFTER, method="chat.postMessage", probability=0.1)
    plan.add(Fault.RATE_LIMITED, method="chat.postMessage", during=(0, 20), retry_after=5)
    async with FakeSlackApi(faults=plan) as fake: ...

Some faults leave the message recorded (the platform posted it) though the client hears
of a failure, which is what makes "send again?" a question. Each fake's own record of what
it delivered is the truth a test counts duplicates and losses against.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiohttp import web


class Fault(StrEnum):
    RATE_LIMITED = "rate_limited"  # 429 with Retry-After; nothing recorded
    ERROR_BEFORE = "error_before"  # 500 before the message is recorded: it never arrived
    ERROR_AFTER = "error_after"  # recorded, then 500: it arrived, the client hears it failed
    TIMEOUT = "timeout"  # recorded, then no answer until long after the client gave up
    DROP = "drop"  # recorded, then the connection closed without an answer

    @property
    def delivers(self) -> bool:
        """Whether the request is carried out (the message recorded) before the fault."""
        return self in (Fault.ERROR_AFTER, Fault.TIMEOUT, Fault.DROP)


@dataclass(slots=True)
class Rule:
    """When `fault` strikes. Every condition given must hold; None means "any"."""

    fault: Fault
    method: str | None = None
    recipient: str | None = None
    # The Nth calls (1-based) among those matching method and recipient.
    calls: frozenset[int] | None = None
    # [start, end) in seconds on the fake's clock.
    during: tuple[float, float] | None = None
    probability: float = 1.0
    # Strike at most this many times.
    times: int | None = None
    retry_after: int = 1
    matched: int = field(default=0, init=False)
    struck: int = field(default=0, init=False)

    def concerns(self, method: str, recipients: Iterable[str]) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.recipient is None or self.recipient in set(recipients)

    def holds(self, now: float, rng: random.Random) -> bool:
        if self.calls is not None and self.matched not in self.calls:
            return False
        if self.during is not None and not self.during[0] <= now < self.during[1]:
            return False
        if self.times is not None and self.struck >= self.times:
            return False
        return self.probability >= 1 or rng.random() < self.probability


@dataclass(frozen=True, slots=True)
class Strike:
    """One fault acted out, for a test or benchmark to see what the client went through."""

    fault: Fault
    method: str
    recipient: str
    at: float


class FaultPlan:
    def __init__(self, *rules: Rule, seed: int = 0, hold_seconds: float = 30.0) -> None:
        """`hold_seconds`: how long a TIMEOUT holds its answer at most; set it above the
        client's timeout. Stopping the fake ends every hold at once."""
        self.rules = list(rules)
        self.seed = seed
        self.rng = random.Random(seed)
        self.hold_seconds = hold_seconds
        self.struck: list[Strike] = []
        self._released: asyncio.Event | None = None

    def add(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        recipient: str | None = None,
        calls: Iterable[int] | None = None,
        during: tuple[float, float] | None = None,
        probability: float = 1.0,
        times: int | None = None,
        retry_after: int = 1,
    ) -> Rule:
        rule = Rule(
            Fault(fault),
            method,
            recipient,
            frozenset(calls) if calls is not None else None,
            tuple(during) if during is not None else None,  # type: ignore[arg-type]
            probability,
            times,
            retry_after,
        )
        self.rules.append(rule)
        return rule

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultPlan:
        """{"seed": 7, "hold_seconds": 30, "rules": [{"fault": "error_after", ...}]}: a plan
        for a fake in another process (`--faults`, or POST /_fake/faults)."""
        plan = cls(seed=int(data.get("seed", 0)), hold_seconds=float(data.get("hold_seconds", 30)))
        for rule in data.get("rules", []):
            plan.add(**rule)
        return plan

    def strike(self, method: str, recipients: Iterable[str], now: float) -> Rule | None:
        """The rule whose fault this request suffers, if any (the first that holds)."""
        recipients = [r for r in recipients if r]
        concerned = [rule for rule in self.rules if rule.concerns(method, recipients)]
        for rule in concerned:
            rule.matched += 1
        for rule in concerned:
            if rule.holds(now, self.rng):
                rule.struck += 1
                who = recipients[0] if recipients else ""
                self.struck.append(Strike(rule.fault, method, who, now))
                return rule
        return None

    def count(self, fault: Fault | None = None) -> int:
        return sum(1 for s in self.struck if fault is None or s.fault is fault)

    async def hold(self) -> None:
        """A TIMEOUT's answer waits here: until released, or `hold_seconds` at most."""
        if self._released is None:
            self._released = asyncio.Event()
        try:
            await asyncio.wait_for(self._released.wait(), self.hold_seconds)
        except TimeoutError:
            pass

    def release(self) -> None:
        """End every hold now (e.g. the fake is stopping); later ones hold again."""
        if self._released is not None:
            self._released.set()
            self._released = None


def drop_connection(request: web.Request) -> web.Response:
    """Close the connection under the request; the response returned is never written."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=204)
