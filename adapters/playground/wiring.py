"""Attaches the playground to a running Tandem: its messenger, its pages, its saved clock."""

from __future__ import annotations

import secrets
from datetime import timedelta

from adapters.playground.demo import seed_demo
from adapters.playground.messenger import PlaygroundMessenger
from adapters.playground.web import Playground
from bot.core.refs import Platform
from bot.runtime.host import Services
from storage.settings import read_setting, write_setting

CLOCK_OFFSET_KEY = "playground_clock_offset_seconds"


async def restore_clock(services: Services) -> None:
    """The playground's moved clock survives a restart, unless a test fixed the clock."""
    if services.clock.base is None:
        saved = await read_setting(services.db, CLOCK_OFFSET_KEY)
        services.clock.offset = timedelta(seconds=float(saved)) if saved else timedelta()


async def attach_playground(services: Services, *, demo: bool) -> None:
    messenger = PlaygroundMessenger(services.db, services.clock)
    services.messengers[Platform.PLAYGROUND] = messenger

    async def save_offset(offset: timedelta) -> None:
        await write_setting(services.db, CLOCK_OFFSET_KEY, str(offset.total_seconds()))

    playground = Playground(
        services.tandem,
        messenger,
        services.clock,
        save_offset,
        services.clock_moved,
        token=secrets.token_urlsafe(32),
    )
    services.sub_apps["/playground/"] = playground.app()
    if demo:
        await seed_demo(services.db)
