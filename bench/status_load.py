"""Signed `/mentoring status` commands at a steady rate, as Slack sends them to `tandem serve`
in HTTP mode: open loop, so a slow server cannot slow the load down."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bench.fault_record import Command
from bench.outbox_common import TEAM
from bench.replicas import SIGNING_SECRET


def command_body(n: int, user: str) -> str:
    return urlencode(
        {
            "command": "/mentoring",
            "text": "status",
            "team_id": TEAM,
            "user_id": user,
            "channel_id": f"D{user}",
            "api_app_id": "A0TANDEM",
            "trigger_id": f"{n}.3333.bench",
            "response_url": f"https://hooks.slack.com/commands/{TEAM}/{n}/x",
        }
    )


async def status_load(
    serve_url: str, users: list[str], per_second: float, stop: asyncio.Event
) -> tuple[list[Command], list[int]]:
    """Commands from `users` in turn until `stop`: each as sent, and the HTTP status of every
    request not acknowledged with 200 (0: no answer)."""
    verifier = SignatureVerifier(SIGNING_SECRET)
    commands: list[Command] = []
    failed: list[int] = []

    async def one(session: aiohttp.ClientSession, n: int, user: str) -> None:
        body = command_body(n, user)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": verifier.generate_signature(timestamp=timestamp, body=body) or "",
        }
        # CLOCK_MONOTONIC is system-wide on Linux: comparable with the fake's record.
        commands.append(Command(user, time.monotonic()))
        try:
            async with session.post(f"{serve_url}/slack/events", data=body, headers=headers) as r:
                await r.read()
                if r.status != 200:
                    failed.append(r.status)
        except aiohttp.ClientError:
            failed.append(0)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        tasks: set[asyncio.Task[None]] = set()
        start, n = time.monotonic(), 0
        while not stop.is_set():
            delay = start + n / per_second - time.monotonic()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                    break
                except TimeoutError:
                    pass
            tasks.add(asyncio.create_task(one(session, n, users[n % len(users)])))
            n += 1
        await asyncio.gather(*tasks)
    return commands, failed
