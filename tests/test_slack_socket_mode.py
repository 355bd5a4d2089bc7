"""Socket Mode: chosen when SLACK_APP_TOKEN is set, and feeding the same listeners as HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.slack.wiring import SlackAdapter, attach_slack
from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.runtime.host import Services
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_fixtures import (
    ALICE,
    payload,
    settle,
    slack_config,
)


class RecordingSocketClient:
    """Stands in for the WebSocket: records the envelope acknowledgements bolt sends back."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("socket-test")
        self.responses: list[SocketModeResponse] = []

    async def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.responses.append(response)


@pytest.fixture
async def socket_services(
    sqlite_url: str, clock: OffsetClock, fake: FakeSlackApi
) -> AsyncIterator[Services]:
    config = slack_config(
        sqlite_url, fake.url, slack_app_token="xapp-1-A0TANDEM-test", slack_signing_secret=""
    )
    services = await build(config, clock)
    services.pacer.limits = {}
    yield services
    await services.close()


@pytest.fixture
async def adapter(
    sqlite_url: str, clock: OffsetClock, fake: FakeSlackApi
) -> AsyncIterator[SlackAdapter]:
    """attach_slack's own parts, on services built without Slack and then given its config."""
    services = await build(Config(database_url=sqlite_url, playground=False), clock)
    services.config = slack_config(
        sqlite_url, fake.url, slack_app_token="xapp-1-A0TANDEM-test", slack_signing_secret=""
    )
    services.pacer.limits = {}
    yield attach_slack(services)
    await services.close()


async def test_app_token_selects_socket_mode_with_no_request_url(
    socket_services: Services,
) -> None:
    health = await socket_services.health_parts["slack"]()
    assert health["mode"] == "socket"
    assert health["ok"] is False  # not connected: start() was never called
    async with TestClient(TestServer(socket_services.web_app())) as client:
        response = await client.post("/slack/events", data="{}")
        assert response.status in (404, 405)


async def test_a_socket_mode_envelope_reaches_the_same_listeners(
    adapter: SlackAdapter, fake: FakeSlackApi
) -> None:
    assert adapter.socket_mode is not None
    socket = RecordingSocketClient()
    command: dict[str, Any] = {**payload("slash_command_signup"), "text": "help"}
    request = SocketModeRequest(type="slash_commands", envelope_id="env-1", payload=command)

    await adapter.socket_mode.handler.handle(socket, request)  # type: ignore[arg-type]
    await settle()

    assert [r.envelope_id for r in socket.responses] == ["env-1"]
    assert "`signup`" in str(fake.messages_to(ALICE)[0]["blocks"])
