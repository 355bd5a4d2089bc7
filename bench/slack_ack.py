"""Time-to-ack of Tandem's Slack endpoint in HTTP mode, against a bare bolt app that only acks.

    python bench/slack_ack.py            # 100 requests/s for 60 s against each server
    python bench/slack_ack.py --quick    # 100 requests/s for 10 s against each server

Four processes: the fake Slack Web API (tests/fakes/slack_api.py), the server under test
(Tandem on a SQLite file, or the bare bolt app), and this load generator. Requests alternate
between `/mentoring signup` and a valid sign-up view_submission from 1,000 different people,
signed as Slack signs them, sent open-loop at a fixed rate so a slow server cannot slow the
load down. Time-to-ack is from sending the request to reading the whole response.

Tandem's flows keep running after each ack (users.info, views.open, the enrolment write, the
confirmation DM); their Web API calls are counted at the end to show the work really happened.
The per-workspace send budget is raised for the run: the outbound queue is not what this
measures. The last line printed is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from adapters.slack.render_form import render_modal  # noqa: E402
from flows.signup.form import signup_form  # noqa: E402
from storage.models import Person, Programme  # noqa: E402
from tests.playground_driver import SIGNUP_ANSWERS  # noqa: E402
from tests.slack_fixtures import filled_in  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TEAM = "T0TANDEM"
RATE = 100
FULL_SECONDS = 60
QUICK_SECONDS = 10
P99_TARGET_MS = 100.0
USERS = 1000
WARM_UP = 4


# ---- servers (each runs in its own child process)


async def _listen(app: web.Application) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


async def _serve_until_signalled(runner: web.AppRunner, ready: str) -> None:
    print(ready, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


async def serve_tandem(db_path: str, api_url: str) -> None:
    from bot.app.bootstrap import build
    from bot.app.process import freeze_startup_heap
    from bot.core.config import Config
    from tests.slack_fixtures import add_programme

    config = Config(
        database_url=f"sqlite:///{db_path}",
        playground=False,
        run_scheduler=False,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        slack_workspace_budget_per_minute=1_000_000,
        log_level="WARNING",
    )
    services = await build(config)
    programme_id = await add_programme(services)
    await services.start()
    freeze_startup_heap()  # as `tandem serve` does
    runner = await _listen(services.web_app())
    try:
        await _serve_until_signalled(runner, f"ready {runner.addresses[0][1]} {programme_id}")
    finally:
        await services.close()


async def serve_bare(api_url: str) -> None:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.app.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET)

    @bolt.command("/mentoring")
    async def command(ack):  # type: ignore[no-untyped-def]
        await ack()

    @bolt.view_submission("signup")
    async def submission(ack):  # type: ignore[no-untyped-def]
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    runner = await _listen(app)
    await _serve_until_signalled(runner, f"ready {runner.addresses[0][1]} 0")


# ---- load generator


def signup_view(programme_id: int) -> dict[str, Any]:
    """The sign-up modal as Tandem renders it and Slack sends it back, answers filled in:
    Tandem reads only the fields the view offered."""
    programme = Programme(id=programme_id, name="Reverse mentoring", wave="", kind="reverse")
    person = Person(time_zone="Europe/London", platform_user_id="U0BENCH")
    view = render_modal(signup_form([programme], None, person, programme))
    answers = {**SIGNUP_ANSWERS, "programme": str(programme_id)}
    return {**view, "state": {"values": filled_in(view, answers)}}


def request_body(i: int, view: dict[str, Any], user: str) -> str:
    if i % 2 == 0:
        return urlencode(
            {
                "command": "/mentoring",
                "text": "signup",
                "team_id": TEAM,
                "user_id": user,
                "channel_id": "D0BENCH",
                "api_app_id": "A0TANDEM",
                "trigger_id": f"{i}.1111.bench",
                "response_url": "https://hooks.slack.com/commands/T0TANDEM/1/x",
            }
        )
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "bench"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0TANDEM",
        "trigger_id": f"{i}.2222.bench",
        "view": {**view, "id": f"V{i}"},
    }
    return urlencode({"payload": json.dumps(payload)})


async def load(port: int, programme_id: int, seconds: int) -> dict[str, Any]:
    verifier = SignatureVerifier(SECRET)
    url = f"http://127.0.0.1:{port}/slack/events"
    latencies: list[float] = []
    errors: list[str] = []
    commands_sent: dict[int, float] = {}
    total = RATE * seconds
    view = signup_view(programme_id)

    async def one(session: aiohttp.ClientSession, i: int, user: str = "") -> None:
        body = request_body(i, view, user or f"U{i % USERS:08d}")
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": verifier.generate_signature(timestamp=timestamp, body=body) or "",
        }
        started = time.perf_counter()
        if i % 2 == 0:
            # CLOCK_MONOTONIC is system-wide on Linux: comparable with the fake's timestamps.
            commands_sent[i] = time.monotonic()
        try:
            async with session.post(url, data=body, headers=headers) as response:
                text = await response.text()
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status != 200 or "response_action" in text:
                    errors.append(f"{response.status} {text[:80]}")
        except Exception as exc:  # noqa: BLE001 - a benchmark counts failures, it does not stop
            errors.append(repr(exc))

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        # Warm up: bolt's one auth.test and the first database connections are not steady state.
        for i in range(WARM_UP):
            await one(session, -1 - i, f"UWARMUP{i:02d}")
        latencies.clear()
        errors.clear()
        commands_sent.clear()
        tasks = []
        start = time.perf_counter()
        for i in range(total):
            delay = start + i / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, i)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return {**summarise(latencies, errors, total, elapsed), "_commands_sent": commands_sent}


def summarise(
    latencies: list[float], errors: list[str], total: int, elapsed: float
) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        if not ordered:
            return float("nan")
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2)

    return {
        "requests": total,
        "answered": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:3],
        "achieved_rate": round(total / elapsed, 1),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(ordered[-1], 2) if ordered else float("nan"),
        "mean_ms": round(statistics.fmean(ordered), 2) if ordered else float("nan"),
    }


# ---- orchestration


def spawn(args: list[str]) -> tuple[subprocess.Popen[str], list[str]]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, *args], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    first = proc.stdout.readline().split()
    if not first:
        proc.kill()
        raise RuntimeError(f"{args} did not start")
    return proc, first


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


async def fake_counts(api_url: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{api_url.removesuffix('/api/')}/_fake/counts") as response:
            return await response.json()


async def reset_fake(api_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        await session.post(f"{api_url.removesuffix('/api/')}/_fake/reset")


async def flows_finished(api_url: str, commands: int, submissions: int) -> dict[str, Any]:
    """Wait for the flows still running after the last ack: every modal opened, every DM sent."""
    started, last, idle_since = time.monotonic(), (-1, -1), time.monotonic()
    while True:
        ok = await fake_counts(api_url)
        counts = (ok.get("views.open", 0), ok.get("chat.postMessage", 0))
        now = time.monotonic()
        if counts[0] >= commands and counts[1] >= submissions:
            break
        if counts != last:
            last, idle_since = counts, now
        elif now - idle_since > 10:
            break
        await asyncio.sleep(0.5)
    return {
        "views_opened": counts[0],
        "dms_sent": counts[1],
        "flows_done_after_last_ack_s": round(time.monotonic() - started, 1),
    }


async def trigger_lags(api_url: str, commands_sent: dict[int, float]) -> dict[str, Any]:
    """Seconds from sending each `/mentoring signup` to its views.open reaching Slack."""
    async with aiohttp.ClientSession() as session:
        url = f"{api_url.removesuffix('/api/')}/_fake/calls"
        async with session.get(url, params={"method": "views.open"}) as response:
            calls = await response.json()
    lags = sorted(
        call["at"] - commands_sent[i]
        for call in calls
        if call["ok"] and (i := int(call["params"]["trigger_id"].split(".")[0])) in commands_sent
    )
    if not lags:
        return {"views_open_p99_s": None, "views_open_max_s": None, "views_open_over_3s": None}
    return {
        "views_open_p50_s": round(lags[len(lags) // 2], 3),
        "views_open_p99_s": round(lags[min(len(lags) - 1, int(0.99 * len(lags)))], 3),
        "views_open_max_s": round(lags[-1], 3),
        "views_open_over_3s": sum(1 for lag in lags if lag > 3.0),
    }


def run_server(kind: str, extra: list[str], seconds: int, api_url: str) -> dict[str, Any]:
    proc, (_, port, programme_id) = spawn([__file__, f"--serve-{kind}", *extra])
    try:
        result = asyncio.run(load(int(port), int(programme_id), seconds))
        if kind == "tandem":
            total = RATE * seconds
            commands = total // 2 + WARM_UP // 2
            # A repeated, identical submission is confirmed once: one DM per person.
            people = len({i % USERS for i in range(1, total, 2)}) + WARM_UP // 2
            result.update(asyncio.run(flows_finished(api_url, commands, people)))
            result.update(asyncio.run(trigger_lags(api_url, result["_commands_sent"])))
    finally:
        stop(proc)
    asyncio.run(reset_fake(api_url))
    result.pop("_commands_sent")
    return result


def report(name: str, r: dict[str, Any]) -> None:
    print(
        f"{name:>6}: {r['answered']}/{r['requests']} answered at {r['achieved_rate']}/s, "
        f"{r['errors']} errors; time-to-ack p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
        f"p99 {r['p99_ms']} ms, max {r['max_ms']} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SECONDS} s per server")
    parser.add_argument("--seconds", type=int, help="override the duration per server")
    parser.add_argument(
        "--serve-tandem", nargs=2, metavar=("DB", "API_URL"), help=argparse.SUPPRESS
    )
    parser.add_argument("--serve-bare", metavar="API_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.serve_tandem:
        asyncio.run(serve_tandem(*args.serve_tandem))
        return
    if args.serve_bare:
        asyncio.run(serve_bare(args.serve_bare))
        return

    seconds = args.seconds or (QUICK_SECONDS if args.quick else FULL_SECONDS)
    print(
        f"HTTP mode, SQLite file, {RATE} signed requests/s for {seconds} s per server", flush=True
    )
    fake, (api_url,) = spawn(["-m", "tests.fakes.slack_api", "--port", "0"])
    try:
        with tempfile.TemporaryDirectory() as scratch:
            bare = run_server("bare", [api_url], seconds, api_url)
            report("bare", bare)
            db = str(Path(scratch) / "tandem.db")
            tandem = run_server("tandem", [db, api_url], seconds, api_url)
            report("tandem", tandem)
    finally:
        stop(fake)
    ratio = round(tandem["p99_ms"] / bare["p99_ms"], 2) if bare["p99_ms"] else None
    passed = tandem["p99_ms"] <= P99_TARGET_MS and tandem["errors"] == 0
    print(
        f"Tandem p99 {tandem['p99_ms']} ms vs bare bolt {bare['p99_ms']} ms (x{ratio}); "
        f"target p99 <= {P99_TARGET_MS:.0f} ms with zero errors: {'PASS' if passed else 'FAIL'}; "
        f"flows opened {tandem['views_opened']} modals and sent {tandem['dms_sent']} DMs, "
        f"the last {tandem['flows_done_after_last_ack_s']} s after the last ack; "
        f"command to views.open p99 {tandem['views_open_p99_s']} s, "
        f"max {tandem['views_open_max_s']} s, {tandem['views_open_over_3s']} over Slack's 3 s"
    )
    print(
        json.dumps(
            {
                "benchmark": "slack_ack",
                "mode": "http",
                "database": "sqlite",
                "rate_per_s": RATE,
                "seconds": seconds,
                "tandem": tandem,
                "bare_bolt": bare,
                "p99_ratio": ratio,
                "p99_target_ms": P99_TARGET_MS,
                "passed": passed,
            }
        )
    )


if __name__ == "__main__":
    main()
