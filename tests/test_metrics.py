"""/metrics after a day on Slack: what was sent and refused, events handled, 429s and the
waits they caused, dispatcher passes, a workspace out of reach; in Prometheus' own format
and without a person, a name or a message in it."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from bot.runtime.host import Services
from tests.fakes.faults import Fault
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_fixtures import SlackDriver, SteppedClock
from tests.test_delivery_health_slack import (
    ADMINS,
    PEOPLE,
    WORKSPACE,
    minutes_pass,
    plan_notes,
    programme_with_admins,
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(slack: SlackDriver) -> tuple[str, Samples]:
    response = await slack.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await response.text()
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[name, frozenset(labels.items())]


async def test_metrics_count_what_happened_and_name_no_one(
    slack: SlackDriver,
    fake: FakeSlackApi,
    slack_services: Services,
    slack_clock: SteppedClock,
    programme_id: int,
) -> None:
    assert slack_services.metrics is not None
    slack_services.pacer.sleep = slack_services.metrics.pacing_sleep(slack_clock.sleep)
    await programme_with_admins(slack_services, programme_id)
    workspace_id = await slack_services.db.workspace_id(WORKSPACE)

    # Someone asks for help, and Slack delivers the event twice.
    for _ in range(2):
        await slack.say("help", user=PEOPLE[0], event_id="Ev0HELP")
        await slack.settle()
    # Three messages go out through two 429s...
    fake.faults.add(Fault.RATE_LIMITED, method="chat.postMessage", times=2, retry_after=3)
    await plan_notes(slack_services, "Your prep for Thursday")
    await slack_services.clock_moved()
    # ...then the token is revoked: three more fail, and the check notices.
    fake.valid_tokens = {"xoxb-another-app"}
    await plan_notes(slack_services, "Your reflection")
    await minutes_pass(slack_services, 3)
    # One more waits, unsent, while the process is away for ten minutes.
    await plan_notes(slack_services, "Your poll", PEOPLE[:1])
    slack_services.clock.advance(timedelta(minutes=10))

    text, samples = await scrape(slack)

    assert value(samples, "tandem_deliveries", kind="note", state="sent") == 3
    assert value(samples, "tandem_deliveries", kind="note", state="unreachable") == 3
    assert value(samples, "tandem_deliveries", kind="note", state="pending") == 1
    assert value(samples, "tandem_delivery_oldest_overdue_seconds") == 600
    events = "tandem_inbound_events_total"
    assert value(samples, events, type="MessageReceived", outcome="handled") == 1
    assert value(samples, events, type="MessageReceived", outcome="duplicate") == 1
    assert value(samples, "tandem_rate_limited_total", platform="slack") == 2
    assert value(samples, "tandem_pacing_waits_total") >= 1
    assert value(samples, "tandem_pacing_wait_seconds_total") >= 3
    assert value(samples, "tandem_dispatcher_passes_total") == 4
    failing = {"platform": "slack", "workspace_id": str(workspace_id), "cause": "unreachable"}
    assert value(samples, "tandem_workspace_deliveries_failing", **failing) == 1
    # Ids, names and words people wrote or read never become labels.
    for private in (*PEOPLE, *ADMINS, "Reverse mentoring", "Your prep", "Your poll", "xoxb"):
        assert private not in text


async def test_each_process_has_its_own_registry(
    slack_services: Services, services: Services
) -> None:
    assert slack_services.metrics is not None and services.metrics is not None
    assert slack_services.metrics.registry is not services.metrics.registry
    assert not [m for m in REGISTRY.collect() if m.name.startswith("tandem")]
