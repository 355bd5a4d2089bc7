"""`tandem worker`: only the delivery scheduler, for deployments that run it apart from `serve`."""

from __future__ import annotations

import asyncio
import signal

from bot.app.bootstrap import build
from bot.app.process import freeze_startup_heap
from bot.core.config import Config


async def run_worker(config: Config) -> None:
    """`tandem worker`: only the scheduler, for deployments that run it apart from `serve`.

    Run exactly one worker per SQLite database; on PostgreSQL several may run side by side.
    """
    services = await build(config)
    scheduler = services.scheduler
    assert scheduler is not None
    services.sender.wake = scheduler.kick
    await scheduler.start()
    freeze_startup_heap()
    print("Tandem delivery worker is running.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await scheduler.stop()
        await services.db.dispose()
