"""Malformed requests to the other routes: a clear 4xx, never a 500."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.teams_driver import TeamsDriver


# Case: GET /ics/%E2%91%A0-1-x.ics answered 500 ("①".isdigit() is true; int() refuses it).
@pytest.mark.parametrize(
    "path",
    [
        "/ics/%E2%91%A0-1-x.ics",
        "/ics/1-%E2%91%A0-0123456789abcdef0123456789abcdef.ics",
        "/ics/1-1-%C3%A9%C3%A9%C3%A9.ics",
        "/ics/99999999999999999999999-1-0123456789abcdef0123456789abcdef.ics",
        "/ics/1-1-0123456789abcdef0123456789abcdef.ics",
        "/ics/%00-1-x.ics",
        "/ics/%FF%FE.ics",
        "/ics/-.ics",
        "/ics/1-1.ics",
    ],
)
async def test_a_malformed_calendar_link_is_not_found(client: TestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status == 404
    assert "Traceback" not in await response.text()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b'{"type": "message"}', "application/json; charset=made-up", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"type": 5}', "application/json", 400),
        (b'{"type": "message", "serviceUrl": "http://x"}', "text/plain", 415),
        (b'{"type": "message", "serviceUrl": ["http://x"]}', "application/json", 400),
        (b"[" * 100_000, "application/json", 400),
    ],
)
async def test_a_malformed_teams_request_gets_a_short_4xx(
    driver: TeamsDriver, body: bytes, content_type: str, status: int
) -> None:
    response = await driver.client.post(
        "/api/messages", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == status
    assert len(await response.text()) < 100
