"""/metrics in Prometheus' text format: this process's counters and the outbox's figures.

The registry is built with the process, never at import, so each process (and each test)
has its own. Counters count what this process saw since it started (Prometheus adds up the
replicas); the outbox's figures are read from the database at each scrape, so every replica
reports the same, true numbers. Labels never carry a person, a name or a message: only kinds,
states, platforms, event types and internal workspace ids.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from sqlalchemy import func, select

from bot.core.clock import Clock
from bot.delivery.outages import Outage, outages
from bot.delivery.scheduler import DeliveryScheduler
from bot.delivery.sender import Sender
from bot.runtime.tandem import Tandem
from storage.models import Delivery
from storage.repositories import deliveries
from storage.uow import Database

Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class Outbox:
    """What the database said at the last scrape."""

    rows: list[tuple[str, str, int]] = field(default_factory=list)  # kind, state, count
    oldest_overdue_seconds: float = 0.0
    outages: list[Outage] = field(default_factory=list)


class Metrics:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        tandem: Tandem,
        sender: Sender,
        scheduler: DeliveryScheduler,
    ) -> None:
        self.db = db
        self.clock = clock
        self.tandem = tandem
        self.sender = sender
        self.scheduler = scheduler
        self.outbox = Outbox()
        self.registry = CollectorRegistry()
        self.pacing_waits = Counter(
            "tandem_pacing_waits",
            "Times a send waited for its lane: the pacer's budget, or a pause after a 429",
            registry=self.registry,
        )
        self.pacing_wait_seconds = Counter(
            "tandem_pacing_wait_seconds",
            "Seconds sends spent waiting for their lane",
            registry=self.registry,
        )
        self.registry.register(self)

    def pacing_sleep(self, sleep: Sleep) -> Sleep:
        """The pacer's sleep, counted: every wait the pacer makes goes through it."""

        async def counted(seconds: float) -> None:
            self.pacing_waits.inc()
            self.pacing_wait_seconds.inc(max(0.0, seconds))
            await sleep(seconds)

        return counted

    async def exposition(self, accept: str) -> tuple[bytes, str]:
        """The page and its content type, in the format the scraper asked for (`Accept`)."""
        await self._read_outbox()
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type

    async def _read_outbox(self) -> None:
        now = self.clock.now()
        async with self.db.sessions() as session:
            counted = await session.execute(
                select(Delivery.kind, Delivery.state, func.count()).group_by(
                    Delivery.kind, Delivery.state
                )
            )
            rows = [(kind, state, int(n)) for kind, state, n in counted.tuples()]
            _, oldest = await deliveries.backlog(session, now)
        lateness = (now - oldest).total_seconds() if oldest else 0.0
        self.outbox = Outbox(rows, max(0.0, lateness), await outages(self.db))

    def describe(self) -> list[Metric]:
        return []  # the names are not known before a scrape; nothing here clashes

    def collect(self) -> Iterator[Metric]:
        rows = GaugeMetricFamily(
            "tandem_deliveries",
            "Rows of the outbox by kind and state, from the database (all replicas)",
            labels=["kind", "state"],
        )
        for kind, state, count in self.outbox.rows:
            rows.add_metric([kind, state], count)
        yield rows
        yield GaugeMetricFamily(
            "tandem_delivery_oldest_overdue_seconds",
            "How late the oldest pending row that is due is",
            value=self.outbox.oldest_overdue_seconds,
        )
        failing = GaugeMetricFamily(
            "tandem_workspace_deliveries_failing",
            "1 for each workspace whose messages are failing (internal workspace id)",
            labels=["platform", "workspace_id", "cause"],
        )
        for outage in self.outbox.outages:
            failing.add_metric([outage.platform, str(outage.workspace_id), outage.cause], 1)
        yield failing
        inbound = CounterMetricFamily(
            "tandem_inbound_events",
            "Inbound events handled by this process, by type and outcome",
            labels=["type", "outcome"],
        )
        for (kind, outcome), count in sorted(self.tandem.outcomes.items()):
            inbound.add_metric([kind, outcome], count)
        yield inbound
        limited = CounterMetricFamily(
            "tandem_rate_limited",
            "429 answers this process got from a platform",
            labels=["platform"],
        )
        for platform, count in sorted(self.sender.rate_limited.items()):
            limited.add_metric([platform], count)
        yield limited
        dispatcher = self.scheduler.dispatcher
        yield CounterMetricFamily(
            "tandem_dispatcher_passes",
            "Dispatcher passes over the due rows in this process",
            value=dispatcher.passes,
        )
        yield from _timestamp(
            "tandem_dispatcher_last_pass_timestamp_seconds",
            "When this process's dispatcher last finished a pass",
            dispatcher.last_run_at,
        )
        yield from _timestamp(
            "tandem_scheduler_last_tick_timestamp_seconds",
            "When APScheduler last woke this process's dispatcher",
            self.scheduler.last_tick_at,
        )


def _timestamp(name: str, documentation: str, when: datetime | None) -> Iterator[Metric]:
    """Not yet there (no pass, no tick) is left out rather than shown as 1970."""
    if when is not None:
        yield GaugeMetricFamily(name, documentation, value=when.timestamp())
