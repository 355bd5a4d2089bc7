"""Fault injection in the fakes, as the real clients see it: the fault plan's rules, and each
fake's own record of what it delivered whatever the client was told."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from botbuilder.schema import Activity, ErrorResponseException
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from msrest.exceptions import ClientRequestError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.faults import Fault, FaultPlan
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_fixtures import SteppedClock

REPO = Path(__file__).resolve().parents[1]
TOKEN = "xoxb-T0TANDEM-test"
DM = "a:1:dm-with-ana"


def keyed(key: str) -> dict[str, object]:
    return {"event_type": "tandem_delivery", "event_payload": {"key": key}}


@pytest.fixture
def time() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
async def slack(time: SteppedClock) -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(clock=time) as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlackApi) -> AsyncWebClient:
    # No retry handlers: what the client sees is what the fake did, nothing hidden.
    return AsyncWebClient(token=TOKEN, base_url=slack.url, retry_handlers=[])


async def post(client: AsyncWebClient, channel: str, key: str) -> None:
    await client.chat_postMessage(channel=channel, text=key, metadata=keyed(key))


async def test_a_500_after_posting_leaves_the_message_posted(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    slack.faults.add(Fault.ERROR_AFTER, method="chat.postMessage", calls=[1])

    with pytest.raises(SlackApiError) as raised:
        await post(client, "U0ANA", "k1")

    assert raised.value.response.status_code == 500
    assert [p.key for p in slack.posts("U0ANA")] == ["k1"]
    [call] = slack.calls("chat.postMessage")
    assert (call.ok, call.delivered, call.fault) == (False, True, "error_after")


async def test_a_500_before_posting_posts_nothing(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    slack.faults.add(Fault.ERROR_BEFORE, method="chat.postMessage", times=1)

    with pytest.raises(SlackApiError):
        await post(client, "U0ANA", "k1")
    await post(client, "U0ANA", "k2")

    assert slack.delivered_keys() == {"k2": 1}


async def test_rate_limits_in_a_time_window_carry_retry_after(
    slack: FakeSlackApi, client: AsyncWebClient, time: SteppedClock
) -> None:
    slack.faults.add(Fault.RATE_LIMITED, during=(1000, 1020), retry_after=5)

    with pytest.raises(SlackApiError) as raised:
        await post(client, "U0ANA", "k1")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "5"
    time.now = 1020
    await post(client, "U0ANA", "k1")

    assert slack.delivered_keys() == {"k1": 1}
    assert len(slack.rate_limited("chat.postMessage")) == 1


async def test_rules_pick_the_nth_call_to_one_recipient(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    slack.faults.add(Fault.ERROR_BEFORE, recipient="U0BEN", calls=[2])

    outcomes = []
    for n, user in enumerate(["U0ANA", "U0BEN", "U0ANA", "U0BEN", "U0BEN"]):
        try:
            await post(client, user, f"k{n}")
            outcomes.append("ok")
        except SlackApiError:
            outcomes.append("500")

    assert outcomes == ["ok", "ok", "ok", "500", "ok"]


async def test_chance_faults_replay_with_the_same_seed(time: SteppedClock) -> None:
    async def run(seed: int) -> list[str]:
        plan = FaultPlan(seed=seed)
        plan.add(Fault.ERROR_BEFORE, method="chat.postMessage", probability=0.3)
        async with FakeSlackApi(clock=time, faults=plan) as fake:
            client = AsyncWebClient(token=TOKEN, base_url=fake.url, retry_handlers=[])
            for n in range(40):
                try:
                    await post(client, f"U{n:04d}", f"k{n}")
                except SlackApiError:
                    pass
            return sorted(fake.delivered_keys())

    first, again, other = await run(7), await run(7), await run(8)
    assert first == again != other
    assert 15 < len(first) < 40


async def test_a_dropped_connection_after_posting(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    slack.faults.add(Fault.DROP, method="chat.postMessage", times=1)

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(client, "C0GENERAL", "k1")

    assert slack.delivered_keys() == {"k1": 1}


async def test_a_timeout_after_posting(slack: FakeSlackApi) -> None:
    # The one fault that needs the real clock: the client's own timeout, kept tiny.
    client = AsyncWebClient(token=TOKEN, base_url=slack.url, retry_handlers=[], timeout=0.05)  # type: ignore[arg-type]
    slack.faults.add(Fault.TIMEOUT, method="chat.postMessage", times=1)

    with pytest.raises(TimeoutError):
        await post(client, "U0ANA", "k1")

    assert slack.delivered_keys() == {"k1": 1}
    assert slack.faults.count(Fault.TIMEOUT) == 1


async def test_history_needs_the_scope_of_its_kind_of_conversation(time: SteppedClock) -> None:
    async with FakeSlackApi(clock=time, scopes={"chat:write", "im:history"}) as fake:
        client = AsyncWebClient(token=TOKEN, base_url=fake.url)
        assert (await client.conversations_history(channel="DU0ANA"))["ok"]
        with pytest.raises(SlackApiError) as raised:
            await client.conversations_history(channel="C0GENERAL")
    assert raised.value.response["error"] == "missing_scope"
    assert raised.value.response["needed"] == "channels:history"


async def test_a_fake_in_another_process_takes_a_plan_as_json(tmp_path: Path) -> None:
    plan = tmp_path / "faults.json"
    rules = [{"fault": "error_after", "method": "chat.postMessage", "calls": [1]}]
    plan.write_text(json.dumps({"seed": 1, "rules": rules}))
    record = tmp_path / "calls.jsonl"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.slack_api", "--port", "0", "--record", str(record),
        "--faults", str(plan), cwd=REPO, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), timeout=20)).decode().strip()
        client = AsyncWebClient(token=TOKEN, base_url=url, retry_handlers=[])
        with pytest.raises(SlackApiError):
            await post(client, "U0ANA", "k1")
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=20)
    [call] = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    assert (call["status"], call["ok"], call["delivered"]) == (500, False, True)


@pytest.fixture
async def connector(time: SteppedClock) -> AsyncIterator[FakeBotConnector]:
    async with FakeBotConnector(clock=time) as fake:
        yield fake


@pytest.fixture
def teams(connector: FakeBotConnector) -> ConnectorClient:
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url=connector.url)
    client.config.retry_policy.retries = 0
    return client


async def send(teams: ConnectorClient, text: str) -> None:
    await teams.conversations.send_to_conversation(DM, Activity(type="message", text=text))


async def test_bot_connector_500_after_recording(
    connector: FakeBotConnector, teams: ConnectorClient
) -> None:
    connector.faults.add(Fault.ERROR_AFTER, method="send", recipient=DM, times=1)

    with pytest.raises(ErrorResponseException) as raised:
        await send(teams, "Reminder")
    await send(teams, "Reminder")

    assert raised.value.response.status_code == 500
    assert connector.texts(DM) == ["Reminder", "Reminder"]
    assert [r.status for r in connector.rejected] == [500]


async def test_bot_connector_429_and_500_before_record_nothing(
    connector: FakeBotConnector, teams: ConnectorClient
) -> None:
    connector.faults.add(Fault.RATE_LIMITED, method="send", calls=[1], retry_after=4)
    connector.faults.add(Fault.ERROR_BEFORE, method="send", calls=[2])

    statuses = []
    for _ in range(2):
        with pytest.raises(ErrorResponseException) as raised:
            await send(teams, "Nudge")
        statuses.append(raised.value.response.status_code)

    assert statuses == [429, 500]
    assert raised.value.response.headers.get("Retry-After") is None
    assert connector.received == []


async def test_bot_connector_dropped_connection_after_recording(
    connector: FakeBotConnector, teams: ConnectorClient
) -> None:
    connector.faults.add(Fault.DROP, method="send", times=1)

    with pytest.raises(ClientRequestError):
        await send(teams, "Welcome")

    assert connector.texts(DM) == ["Welcome"]
