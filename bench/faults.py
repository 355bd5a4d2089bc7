"""Delivery through a faulty Slack: three worker replicas on PostgreSQL, one kill -9, replies.

    python bench/faults.py           # 10,000-person announcement + 2,000 nudges, 20 s storms
    python bench/faults.py --quick   # 1,000 + 200, 5 s storms

Six processes besides this one: the fake Slack Web API (tests/fakes/slack_api.py, recording
every request), three `tandem worker` replicas and one `tandem serve` in HTTP mode
(bench/replicas.py), all on a fresh PostgreSQL database. Tandem's budget is RATE messages a
second for the workspace; the fake's is the same 6,000 a minute, 1 a second per DM, and
Slack's Tier 3 limit of 50 a minute on conversations.open and conversations.history, the
look-ups that settle an unknown outcome (`--free-lookups` lifts that limit, for diagnosis).

1. Baseline: the same announcement, to other people, without faults.
2. The run: an announcement and the nudges of sessions starting one buffer from now, planned
   in one transaction, while the fake answers chat.postMessage with 5% 500s before posting,
   2% 500s after posting and two 429 storms whose Retry-After says when they end; one
   replica is killed with SIGKILL at a random point and restarted; and 10 signed
   `/mentoring status` commands a second reach `serve` until the last message has arrived.

Everything is counted from the fake's own record, not from Tandem's log: duplicates and
losses by delivery key (a status reply that never came is a loss too); completion, from the
plan's commit to the last announcement or nudge the fake took; reply time, from sending a
command to the fake taking its reply DM (p99 over every command); and the most
chat.postMessage requests the fake saw in any one-second window, whatever it answered.

The rate-limit minimum is the budget's: every message the run sent by then (announcement,
nudges and the replies meanwhile) at RATE a second, counted as a sliding window allows
(RATE at once, then RATE each second), plus the storms, during which nothing can be sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fault_data import (  # noqa: E402
    BULK_KINDS,
    Population,
    announce,
    announce_and_nudge,
    database,
    open_rows,
    outcomes,
    populate,
    replies,
)
from bench.fault_record import Record, percentile, reply_seconds  # noqa: E402
from bench.outbox_common import FakeSlack  # noqa: E402
from bench.replicas import Cluster, fresh_postgres  # noqa: E402
from bench.status_load import status_load  # noqa: E402
from storage.uow import Database  # noqa: E402

RATE = 100  # Slack messages a second for the workspace: Tandem's budget and the fake's
REPLICAS = 3
STATUS_PER_SECOND = 10
ERROR_BEFORE = 0.05
ERROR_AFTER = 0.02
STORMS = 2
STATUS_REPLY = "status:"
# After the last message, how long replies still in flight may take before the run ends.
REPLY_GRACE_SECONDS = 180
TARGETS = {
    "duplicates": 0,
    "losses": 0,
    "completion_vs_minimum": 1.2,
    "reply_p99_s": 2.0,
    "peak_rate_vs_budget": 1.0,
}
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True, slots=True)
class Scale:
    people: int
    nudges: int
    storm_seconds: int
    status_users: int
    # Scaled with the storms: long enough that a reply held by a storm is not taken for
    # the work of a dead process, short enough that the killed replica's rows come back
    # within the run. 60 s is Tandem's default.
    lease_seconds: int
    deadline_seconds: int

    def bulk_seconds(self) -> float:
        """What the budget alone needs for the announcement, nudges and replies."""
        bulk = self.people + self.nudges
        return (bulk + STATUS_PER_SECOND * STORMS * self.storm_seconds) / (RATE - STATUS_PER_SECOND)


FULL = Scale(10_000, 2_000, 20, 2_000, 60, 1800)
QUICK = Scale(1_000, 200, 5, 500, 15, 600)


def storm_windows(anchor: float, scale: Scale) -> list[tuple[float, float]]:
    """Spread over the run: after a third of the budget's time, and after two thirds."""
    span = scale.bulk_seconds()
    starts = [
        anchor + span * (n + 1) / (STORMS + 1) + n * scale.storm_seconds for n in range(STORMS)
    ]
    return [(start, start + scale.storm_seconds) for start in starts]


def fault_plan(seed: int, storms: list[tuple[float, float]]) -> dict[str, Any]:
    """A FaultPlan as JSON (tests/fakes/faults.py); its times are the fake's monotonic clock,
    which on Linux is this process's too."""
    rules: list[dict[str, Any]] = []
    for start, end in storms:
        # One rule a second, so each 429's Retry-After tells the truth about the storm's end.
        for second in range(round(end - start)):
            rules.append(
                {
                    "fault": "rate_limited",
                    "method": "chat.postMessage",
                    "during": [start + second, start + second + 1],
                    "retry_after": round(end - start) - second,
                }
            )
    rules.append(
        {"fault": "error_before", "method": "chat.postMessage", "probability": ERROR_BEFORE}
    )
    # Asked only when the rule before did not strike: 2% of all posts in the end.
    after = ERROR_AFTER / (1 - ERROR_BEFORE)
    rules.append({"fault": "error_after", "method": "chat.postMessage", "probability": after})
    return {"seed": seed, "rules": rules}


async def control(api_url: str, path: str, body: dict[str, Any] | None = None) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{api_url.removesuffix('/api/')}/_fake/{path}"
        async with session.post(url, json=body or {}) as response:
            response.raise_for_status()


async def settled(db: Database, kinds: tuple[str, ...], deadline: float) -> bool:
    while time.monotonic() < deadline:
        if not await open_rows(db, kinds):
            return True
        await asyncio.sleep(0.25)
    return False


async def answered(db: Database, commands: int, deadline: float) -> bool:
    """Every command's reply settled: a command still waiting for a flow has no row yet."""
    while time.monotonic() < deadline:
        total, in_flight = await replies(db, STATUS_REPLY.removesuffix(":"))
        if total >= commands and not in_flight:
            return True
        await asyncio.sleep(0.25)
    return False


async def baseline(db: Database, pop: Population, scale: Scale) -> dict[str, Any]:
    keys = await announce(db, pop, pop.baseline_audience)
    t0 = time.monotonic()
    done = await settled(db, BULK_KINDS, t0 + scale.deadline_seconds)
    return {"keys": keys, "t0": t0, "done": done}


async def faulty(
    db: Database, pop: Population, cluster: Cluster, scale: Scale, api_url: str, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    anchor = time.monotonic()
    storms = storm_windows(anchor, scale)
    await control(api_url, "faults", fault_plan(seed, storms))
    keys = await announce_and_nudge(db, pop)
    t0 = time.monotonic()
    stop = asyncio.Event()
    assert cluster.serve is not None
    load = asyncio.create_task(
        status_load(cluster.serve.url, pop.status_users, STATUS_PER_SECOND, stop)
    )
    kill_at = t0 + rng.uniform(0.2, 0.45) * scale.bulk_seconds()
    kill = asyncio.create_task(cluster.kill_and_restart(kill_at, rng.randrange(REPLICAS)))
    done = await settled(db, BULK_KINDS, t0 + scale.deadline_seconds)
    print(f"  last message settled after {time.monotonic() - t0:.1f} s", flush=True)
    stop.set()
    commands, unacknowledged = await load
    killed = await kill
    replies_done = await answered(db, len(commands), time.monotonic() + REPLY_GRACE_SECONDS)
    outcome = await outcomes(db, keys)
    return {
        "keys": keys,
        "anchor": anchor,
        "t0": t0,
        "end": time.monotonic(),
        "storms": storms,
        "commands": commands,
        "unacknowledged": unacknowledged,
        "kill": killed,
        "done": done,
        "replies_done": replies_done,
        "outcomes": outcome,
    }


async def run(
    scale: Scale, seed: int, server_url: str, workdir: Path, *, free_lookups: bool
) -> dict[str, Any]:
    calls = workdir / "calls.jsonl"
    with fresh_postgres(server_url) as url:
        pop = await populate(url, scale.people, scale.nudges, scale.status_users)
        fake = FakeSlack(calls, post_per_minute=RATE * 60, slack_limits=not free_lookups)
        cluster = Cluster(url, fake.url, RATE, scale.lease_seconds, workdir)
        db = database(url)
        try:
            await cluster.up(REPLICAS)
            clean = await baseline(db, pop, scale)
            print("  baseline done; faults begin", flush=True)
            await control(fake.url, "reset")  # fresh buckets; the record file stays
            faulted = await faulty(db, pop, cluster, scale, fake.url, seed)
        finally:
            cluster.down()
            fake.stop()
            await db.dispose()
    record = Record(calls)
    return {
        "baseline": baseline_figures(record.between(clean["t0"], faulted["anchor"]), clean),
        "run": run_figures(record.between(faulted["anchor"]), faulted),
    }


def baseline_figures(record: Record, clean: dict[str, Any]) -> dict[str, Any]:
    keys = clean["keys"]
    arrived = {k: t for k, t in record.first_arrivals("").items() if k in keys}
    seconds = max(arrived.values()) - clean["t0"] if arrived else math.nan
    minimum = max(0, math.ceil(len(keys) / RATE) - 1)
    return {
        "messages": len(keys),
        "seconds": round(seconds, 2),
        "minimum_seconds": minimum,
        "vs_minimum": round(seconds / minimum, 3) if minimum else None,
        "duplicates": record.duplicates(),
        "losses": len(keys - arrived.keys()),
        "peak_requests_per_second": record.peak_in_window(1.0),
        "finished": clean["done"],
    }


def run_figures(record: Record, run: dict[str, Any]) -> dict[str, Any]:
    keys, t0, storms = run["keys"], run["t0"], run["storms"]
    arrived = {k: t for k, t in record.first_arrivals("").items() if k in keys}
    last = max(arrived.values()) if arrived else math.nan
    replies = record.first_arrivals(STATUS_REPLY).values()
    sent = len(keys) + sum(1 for at in replies if t0 <= at <= last)
    by_budget = max(0, math.ceil(sent / RATE) - 1)
    stormy = sum(max(0.0, min(end, last) - max(start, t0)) for start, end in storms)
    minimum = by_budget + stormy
    completion = last - t0
    answered = reply_seconds(record, run["commands"], STATUS_REPLY)
    waits = [wait for _, wait in answered]
    calm = [
        wait
        for command, wait in answered
        if not any(start <= command.sent < end for start, end in storms)
    ]
    lost_replies = sum(1 for w in waits if math.isinf(w))
    peak = record.between(t0, run["end"]).peak_in_window(1.0)
    return {
        "messages": len(keys),
        "replies_meanwhile": sent - len(keys),
        "completion_seconds": round(completion, 2),
        "minimum_seconds": round(minimum, 2),
        "minimum_by_budget_alone_seconds": by_budget,
        "storm_seconds_in_run": round(stormy, 2),
        "completion_vs_minimum": round(completion / minimum, 3) if minimum else None,
        "duplicates": record.duplicates(),
        "losses": len(keys - arrived.keys()) + lost_replies,
        "messages_lost": len(keys - arrived.keys()),
        "replies_lost": lost_replies,
        "status_commands": len(waits),
        "status_not_acknowledged": len(run["unacknowledged"]),
        "reply_p50_s": _round(percentile(waits, 50)),
        "reply_p99_s": _round(percentile(waits, 99)),
        "reply_max_s": _round(max(waits, default=math.nan)),
        "reply_p99_outside_storms_s": _round(percentile(calm, 99)),
        "peak_requests_per_second": peak,
        "peak_rate_vs_budget": round(peak / RATE, 3),
        "faults_injected": record.faults(),
        "chat_post_message_statuses": record.statuses("chat.postMessage"),
        "history_lookups": record.statuses("conversations.history"),
        "conversations_open": record.statuses("conversations.open"),
        "tandem_outcomes": run["outcomes"],
        "killed_after_s": round(run["kill"]["killed_at"] - t0, 2),
        "restarted_after_s": round(run["kill"]["restarted_at"] - t0, 2),
        "finished": run["done"],
        "replies_finished": run["replies_done"],
    }


def _round(value: float) -> float | None:
    """None where a reply never came (or there was none): JSON has no infinity."""
    return None if math.isnan(value) or math.isinf(value) else round(value, 3)


def _says(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds} s"


def verdicts(figures: dict[str, Any]) -> dict[str, bool]:
    ratio = figures["completion_vs_minimum"]
    p99 = figures["reply_p99_s"]
    return {
        "duplicates": figures["duplicates"] <= TARGETS["duplicates"],
        "losses": figures["losses"] <= TARGETS["losses"],
        "completion_vs_minimum": ratio is not None and ratio <= TARGETS["completion_vs_minimum"],
        "reply_p99_s": p99 is not None and p99 <= TARGETS["reply_p99_s"],
        "peak_rate_vs_budget": figures["peak_rate_vs_budget"] <= TARGETS["peak_rate_vs_budget"],
    }


def report(scale: Scale, seed: int, free_lookups: bool, results: dict[str, Any]) -> dict[str, Any]:
    clean, run = results["baseline"], results["run"]
    passed = verdicts(run)
    mark = {True: "PASS", False: "FAIL"}
    print(
        f"  baseline, no faults: {clean['messages']:,} messages in {clean['seconds']} s "
        f"(minimum {clean['minimum_seconds']} s, x{clean['vs_minimum']}), "
        f"{clean['duplicates']} duplicates, {clean['losses']} lost, "
        f"peak {clean['peak_requests_per_second']} requests/s"
    )
    print(
        f"  faults: {run['messages']:,} messages + {run['replies_meanwhile']} replies, "
        f"killed a replica after {run['killed_after_s']} s; faults {run['faults_injected']}; "
        f"{run['status_not_acknowledged']} of {run['status_commands']} commands not acknowledged"
    )
    print(f"    duplicates {run['duplicates']} (target 0): {mark[passed['duplicates']]}")
    print(
        f"    losses {run['losses']} ({run['messages_lost']} messages, {run['replies_lost']} "
        f"replies; target 0): {mark[passed['losses']]}"
    )
    print(
        f"    completion {run['completion_seconds']} s vs minimum {run['minimum_seconds']} s "
        f"({run['minimum_by_budget_alone_seconds']} s budget + {run['storm_seconds_in_run']} s "
        f"storms) = x{run['completion_vs_minimum']} (target <= 1.2): "
        f"{mark[passed['completion_vs_minimum']]}"
    )
    print(
        f"    reply p99 {_says(run['reply_p99_s'])} over {run['status_commands']} commands "
        f"(p50 {_says(run['reply_p50_s'])}, max {_says(run['reply_max_s'])}, p99 outside "
        f"storms {_says(run['reply_p99_outside_storms_s'])}; target <= 2 s): "
        f"{mark[passed['reply_p99_s']]}"
    )
    print(
        f"    peak {run['peak_requests_per_second']} chat.postMessage requests in a second vs "
        f"budget {RATE} = x{run['peak_rate_vs_budget']} (target <= 1.0): "
        f"{mark[passed['peak_rate_vs_budget']]}"
    )
    print(
        f"    look-ups: conversations.history {run['history_lookups']}, conversations.open "
        f"{run['conversations_open']}; Tandem's log: {run['tandem_outcomes']}"
    )
    return {
        "benchmark": "faults",
        "scale": asdict(scale),
        "seed": seed,
        "budget_per_second": RATE,
        "replicas": REPLICAS,
        "status_per_second": STATUS_PER_SECOND,
        "faults": {"error_before": ERROR_BEFORE, "error_after": ERROR_AFTER, "storms": STORMS},
        "free_lookups": free_lookups,
        "baseline": clean,
        "run": run,
        "targets": TARGETS,
        "target_passed": passed,
        "pass": all(passed.values()) and run["finished"] and run["replies_finished"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 people, 200 nudges, 5 s storms")
    parser.add_argument("--seed", type=int, default=1, help="seeds the faults and the kill")
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="a PostgreSQL server to make a database on"
    )
    parser.add_argument("--keep", type=Path, help="keep the fake's record and the logs here")
    parser.add_argument(
        "--free-lookups",
        action="store_true",
        help="diagnosis: the fake limits chat.postMessage only, not conversations.open and "
        "conversations.history, to tell what the faults cost apart from those limits",
    )
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    print(
        f"{scale.people:,}-person announcement + {scale.nudges:,} nudges, {REPLICAS} workers "
        f"on PostgreSQL, budget {RATE}/s, {STATUS_PER_SECOND} status commands/s, "
        f"{ERROR_BEFORE:.0%} 500s, {ERROR_AFTER:.0%} post-then-500, "
        f"{STORMS} x {scale.storm_seconds} s 429 storms, one kill -9"
        + (" (look-ups not rate-limited)" if args.free_lookups else ""),
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results = asyncio.run(
            run(scale, args.seed, args.db, workdir, free_lookups=args.free_lookups)
        )
    print(json.dumps(report(scale, args.seed, args.free_lookups, results)))


if __name__ == "__main__":
    main()
