"""`tandem serve`: migrate, wire, listen, and shut down cleanly on a signal."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

from aiohttp import web

from bot.app.bootstrap import build
from bot.core.config import Config

log = logging.getLogger(__name__)


async def serve(config: Config) -> None:
    services = await build(config)
    await services.start()
    freeze_startup_heap()
    runner = web.AppRunner(services.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    where = f"http://{'localhost' if config.host in ('127.0.0.1', '::1') else config.host}:{config.port}/"
    log.info("tandem is listening", extra={"url": where, "playground": config.playground})
    if config.playground:
        print(f"Tandem playground: {where}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await services.close()


def freeze_startup_heap() -> None:
    """Move everything built at start-up out of the garbage collector's sight.

    Those objects live as long as the process, yet a full collection scans them all: with
    the libraries Tandem loads that is a 150-300 ms pause of the event loop, long enough to
    push Slack acks past what Slack tolerates under load. Frozen, a full collection takes a
    few ms.
    """
    gc.collect()
    gc.freeze()
