"""The delivery worker the benchmarks start, kill -9 and restart: `tandem worker` with the real
Slack adapter (slack-bolt app, slack_sdk client) against the fake Slack server, with the
bench's rate budget.

Prints `ready <monotonic>` when wired, `done <monotonic> <peak RSS MiB>` when finished.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from bot.app.bootstrap import build
from bot.core.config import Config
from bot.core.refs import Platform
from bot.delivery.pacing import PlatformLimits, Rate
from storage.models import Announcement, Delivery  # noqa: E402


async def all_done(services) -> bool:  # type: ignore[no-untyped-def]
    # Recurring jobs (the daily survey planner, pair closer) always have their next run open.
    kinds = services.scheduler.dispatcher.kinds
    recurring = [job.name for job in kinds.jobs() if job.every is not None]
    async with services.db.sessions() as session:
        open_rows = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.state.in_(("pending", "sending")), Delivery.kind.not_in(recurring))
        )
        unreported = await session.scalar(
            select(func.count()).select_from(Announcement).where(Announcement.status == "scheduled")
        )
    return not open_rows and not unreported


async def main(args: argparse.Namespace) -> None:
    config = Config(
        database_url=args.db,
        playground=False,
        run_scheduler=True,
        delivery_concurrency=args.concurrency,
        slack_bot_token="xoxb-bench",
        slack_signing_secret="bench-signing-secret",
        slack_api_url=args.api_url,
    )
    services = await build(config, migrate=False, demo=False)
    # Tandem's budget matches the fake's: 1 message/s per channel, `rate` per second overall.
    services.pacer.limits = {
        Platform.SLACK: PlatformLimits((Rate(1, 1.0),), (Rate(args.rate, 1.0),))
    }
    scheduler = services.scheduler
    assert scheduler is not None
    print("ready", time.monotonic(), flush=True)
    await scheduler.start()
    deadline = time.monotonic() + args.run_seconds if args.run_seconds else None
    while True:
        await asyncio.sleep(0.05)
        if deadline is not None and time.monotonic() >= deadline:
            break
        if deadline is None and await all_done(services):
            break
    finished = time.monotonic()
    await scheduler.stop()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("done", finished, round(peak_mib, 1), flush=True)
    await services.db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--run-seconds", type=float, default=0.0)
    asyncio.run(main(parser.parse_args()))
