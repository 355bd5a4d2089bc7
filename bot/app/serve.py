"""`tandem serve`: migrate, wire, listen, and shut down cleanly on a signal."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.app.bootstrap import build
from bot.app.process import freeze_startup_heap
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

