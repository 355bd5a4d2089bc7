"""The fake Slack Web API answers the real slack_sdk client as Slack does."""

from __future__ import annotations

import asyncio
import json
import sys
import types
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_async_handlers
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlackApi, RateLimit

REPO = Path(__file__).resolve().parents[1]
TOKEN = "xoxb-T0TANDEM-test"


class SteppedClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
async def fake(clock: SteppedClock) -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(clock=clock) as api:
        yield api


@pytest.fixture
def client(fake: FakeSlackApi) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.url)


async def test_posted_message_is_recorded_with_token_and_blocks(
    fake: FakeSlackApi, client: AsyncWebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Meet *Bob*"}}]
    first = await client.chat_postMessage(channel="U0ALICE", text="Meet Bob", blocks=blocks)
    second = await client.chat_postMessage(channel="C0GENERAL", text="Welcome")
    assert first["ok"] and first["channel"] == "DU0ALICE"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "Meet Bob"
    [sent] = fake.messages_to("U0ALICE")
    assert sent["blocks"] == blocks
    assert [c.token for c in fake.calls("chat.postMessage")] == [TOKEN, TOKEN]
    assert fake.messages_to("C0GENERAL")[0]["text"] == "Welcome"


async def test_update_edits_a_posted_message_only(client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C1", text="Poll: 0 votes")
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="Poll: 1 vote")
    assert updated["ts"] == posted["ts"] and updated["text"] == "Poll: 1 vote"
    with pytest.raises(SlackApiError) as missing:
        await client.chat_update(channel="C1", ts="1.000000", text="x")
    assert missing.value.response["error"] == "message_not_found"


async def test_configured_failure_surfaces_as_slack_api_error_once(
    fake: FakeSlackApi, client: AsyncWebClient
) -> None:
    fake.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as failed:
        await client.chat_postMessage(channel="C404", text="hi")
    assert failed.value.response.status_code == 200
    assert failed.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel="C404", text="hi"))["ok"]
    assert [c.ok for c in fake.calls("chat.postMessage")] == [False, True]
    assert len(fake.messages_to("C404")) == 1


async def test_http_failure_surfaces_with_its_status(
    fake: FakeSlackApi, client: AsyncWebClient
) -> None:
    fake.fail_http("users.info", status=503, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as failed:
            await client.users_info(user="U1")
        assert failed.value.response.status_code == 503
    assert (await client.users_info(user="U1"))["ok"]


async def test_bad_or_missing_token_is_refused(fake: FakeSlackApi) -> None:
    strict = AsyncWebClient(token="not-a-slack-token", base_url=fake.url)
    with pytest.raises(SlackApiError) as bad:
        await strict.auth_test()
    assert bad.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        await AsyncWebClient(base_url=fake.url).chat_postMessage(channel="C1", text="x")
    assert missing.value.response["error"] == "not_authed"


async def test_users_info_gives_configured_time_zone_and_names(
    fake: FakeSlackApi, client: AsyncWebClient
) -> None:
    fake.set_user(
        "U0BOB", tz="Asia/Tokyo", tz_offset=32400, real_name="Bob Tanaka", display_name="bob"
    )
    user = (await client.users_info(user="U0BOB"))["user"]
    assert (user["tz"], user["tz_offset"], user["real_name"]) == ("Asia/Tokyo", 32400, "Bob Tanaka")
    assert user["profile"]["display_name"] == "bob"
    with pytest.raises(SlackApiError) as unknown:
        await client.users_info(user="nobody")
    assert unknown.value.response["error"] == "user_not_found"


async def test_dm_is_opened_then_written_to(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    channel = (await client.conversations_open(users="U0ALICE"))["channel"]["id"]
    assert channel == "DU0ALICE"
    await client.chat_postMessage(channel=channel, text="Hi Alice")
    assert fake.messages_to("U0ALICE")[0]["text"] == "Hi Alice"


async def test_views_are_recorded(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "signup",
        "title": {"type": "plain_text", "text": "Join"},
        "blocks": [],
    }
    opened = await client.views_open(trigger_id="123.456.abc", view=modal)
    assert opened["view"]["callback_id"] == "signup" and opened["view"]["id"].startswith("V")
    await client.views_update(view_id=opened["view"]["id"], view=modal)
    await client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": []})
    assert fake.calls("views.open")[0].params["view"]["callback_id"] == "signup"
    assert fake.calls("views.publish")[0].params["user_id"] == "U0ALICE"
    assert len(fake.calls()) == 3


async def test_oauth_install_returns_a_working_bot_token(fake: FakeSlackApi) -> None:
    anonymous = AsyncWebClient(base_url=fake.url)
    installed = await anonymous.oauth_v2_access(
        client_id="111.222", client_secret="s3cr3t", code="c0de"
    )
    assert installed["token_type"] == "bot"
    assert installed["team"]["id"] == "T0TANDEM" and installed["is_enterprise_install"] is False
    assert "chat:write" in installed["scope"].split(",")
    bot = AsyncWebClient(token=installed["access_token"], base_url=fake.url)
    assert (await bot.auth_test())["team_id"] == "T0TANDEM"
    with pytest.raises(SlackApiError) as bad_code:
        await anonymous.oauth_v2_access(client_id="111.222", client_secret="s3cr3t", code="invalid")
    assert bad_code.value.response["error"] == "invalid_code"


async def test_channel_rate_limit_answers_429_with_retry_after(
    fake: FakeSlackApi, client: AsyncWebClient, clock: SteppedClock
) -> None:
    fake.set_rate_limit("chat.postMessage", RateLimit(per_second=1.0, burst=2))
    await client.chat_postMessage(channel="C1", text="1")
    await client.chat_postMessage(channel="C1", text="2")
    await client.chat_postMessage(channel="C2", text="other channel is not limited")
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel="C1", text="3")
    response = limited.value.response
    assert response.status_code == 429
    assert response["error"] == "ratelimited"
    assert int(response.headers["Retry-After"]) == 1
    assert [c.params["text"] for c in fake.rate_limited("chat.postMessage")] == ["3"]
    assert len(fake.messages_to("C1")) == 2
    clock.advance(1.0)
    assert (await client.chat_postMessage(channel="C1", text="3"))["ok"]


async def test_workspace_budget_limits_across_channels(
    fake: FakeSlackApi, client: AsyncWebClient, clock: SteppedClock
) -> None:
    fake.set_rate_limit("chat.postMessage", RateLimit(per_minute=3))
    for channel in ("C1", "C2", "C3"):
        await client.chat_postMessage(channel=channel, text="hello")
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel="C4", text="hello")
    assert int(limited.value.response.headers["Retry-After"]) == 20
    clock.advance(20)
    assert (await client.chat_postMessage(channel="C4", text="hello"))["ok"]


async def test_slack_sdk_retry_handler_waits_out_the_limit_and_succeeds(
    fake: FakeSlackApi, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    async def advance_instead_of_sleeping(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    # The real handler awaits asyncio.sleep(Retry-After + jitter); move the fake's clock instead.
    monkeypatch.setattr(
        builtin_async_handlers, "asyncio", types.SimpleNamespace(sleep=advance_instead_of_sleeping)
    )
    fake.set_rate_limit("chat.postMessage", RateLimit(per_second=0.5, burst=1))
    client = AsyncWebClient(
        token=TOKEN,
        base_url=fake.url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    await client.chat_postMessage(channel="C1", text="first")
    second = await client.chat_postMessage(channel="C1", text="second")
    assert second["ok"]
    assert len(waits) == 1 and 2 <= waits[0] < 3
    assert [c.params["text"] for c in fake.rate_limited()] == ["second"]
    assert [m["text"] for m in fake.messages_to("C1")] == ["first", "second"]


async def test_reset_forgets_calls_and_failures(fake: FakeSlackApi, client: AsyncWebClient) -> None:
    fake.fail("auth.test", error="account_inactive")
    await client.chat_postMessage(channel="C1", text="x")
    fake.reset()
    assert fake.calls() == []
    assert (await client.auth_test())["ok"]


async def test_cli_mode_serves_and_records_to_jsonl(tmp_path: Path) -> None:
    record = tmp_path / "calls.jsonl"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.slack_api", "--port", "0", "--record", str(record),
        cwd=REPO, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), timeout=20)).decode().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/")
        client = AsyncWebClient(token=TOKEN, base_url=url)
        await client.chat_postMessage(channel="U0ALICE", text="from another process")
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=20)
    [line] = record.read_text(encoding="utf-8").splitlines()
    call = json.loads(line)
    assert call["method"] == "chat.postMessage" and call["ok"] is True
    assert call["params"]["text"] == "from another process"
