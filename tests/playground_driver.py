"""Drives the playground's HTTP API the way its page does, for tests of whole flows."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

SIGNUP_ANSWERS: dict[str, Any] = {
    "programme": "1",
    "role": "mentor",
    "job_title": "Data analyst",
    "seniority": "1",
    "department": "Finance",
    "manager": "",
    "time_zone": "Europe/London",
    "work_start": "540",
    "work_end": "1050",
    "medium": "online",
    "location": "",
    "offers": ["disability", "digital"],
    "goal_areas": ["leadership"],
    "goals": "Help leaders see how our tools feel to disabled colleagues.",
    "lived_experience": ["disability"],
    "consent": "yes",
}


class PlaygroundDriver:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self._token: str | None = None

    async def page_headers(self) -> dict[str, str]:
        """What the page sends with every change: its origin and the token it was served with."""
        if self._token is None:
            page = await (await self.client.get("/playground/")).text()
            self._token = page.split('name="tandem-token" content="', 1)[1].split('"', 1)[0]
        origin = str(self.client.make_url("/").origin())
        return {"Origin": origin, "X-Tandem-Token": self._token}

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(
            f"/playground/{path}", json=body, headers=await self.page_headers()
        )
        assert response.status == 200, await response.text()
        return await response.json()

    async def state(self, user: str) -> dict[str, Any]:
        response = await self.client.get("/playground/state", params={"as": user})
        assert response.status == 200
        return await response.json()

    async def add_person(self, name: str) -> str:
        return (await self._post("people", {"name": name}))["id"]

    async def say(self, user: str, text: str, request_id: str | None = None) -> dict[str, Any]:
        return await self._post("say", {"as": user, "text": text, "request_id": request_id})

    async def form(self, user: str) -> dict[str, Any] | None:
        return (await self.state(user))["form"]

    async def submit(self, user: str, values: dict[str, Any]) -> dict[str, Any]:
        form = await self.form(user)
        assert form is not None, f"{user} has no open form"
        return await self._post("submit", {"as": user, "item_id": form["id"], "values": values})

    async def dms(self, user: str) -> list[dict[str, Any]]:
        return (await self.state(user))["dms"]

    async def last_dm(self, user: str) -> dict[str, Any]:
        dms = await self.dms(user)
        assert dms, f"{user} has no messages"
        return dms[-1]["body"]

    async def dm_texts(self, user: str) -> list[str]:
        return [text_of(item["body"]) for item in await self.dms(user)]

    async def click(
        self, user: str, action_id: str, value: str = "", values: dict[str, Any] | None = None
    ) -> None:
        await self._post(
            "click", {"as": user, "action_id": action_id, "value": value, "values": values or {}}
        )

    async def click_button(self, user: str, label: str) -> None:
        """Click the newest button with this label in the person's DMs."""
        for item in reversed(await self.dms(user)):
            for block in item["body"]["blocks"]:
                for button in block.get("buttons", []):
                    if button["label"] == label:
                        await self._post(
                            "click",
                            {
                                "as": user,
                                "item_id": item["id"],
                                "action_id": button["action_id"],
                                "value": button["value"],
                            },
                        )
                        return
        raise AssertionError(f"{user} has no button labelled {label!r}")

    async def advance(self, minutes: int) -> str:
        return (await self._post("clock", {"minutes": minutes}))["now"]

    async def sign_up(self, user: str, **answers: Any) -> dict[str, Any]:
        await self.say(user, "/mentoring signup")
        return await self.submit(user, {**SIGNUP_ANSWERS, **answers})


def text_of(body: dict[str, Any]) -> str:
    """Everything a person would read in a message, as one string."""
    parts = [body.get("summary", "")]
    for block in body.get("blocks", []):
        for key in ("text", "title", "question"):
            if block.get(key):
                parts.append(block[key])
        for label, value in block.get("fields", []):
            parts.append(f"{label}: {value}")
        for button in block.get("buttons", []):
            parts.append(f"[{button['label']}]")
        for choice in block.get("choices", []):
            parts.append(f"({choice['label']})")
    return "\n".join(parts)
