"""The App Home tab: each person's programmes, published with views.publish."""

from __future__ import annotations

import logging

from adapters.slack.messenger import SlackMessenger
from bot.core.events import Command
from bot.core.messenger import DeliveryError
from bot.core.refs import UserRef
from bot.runtime.tandem import Tandem
from flows.account.home import home_for

log = logging.getLogger(__name__)


class HomeTab:
    def __init__(self, tandem: Tandem, messenger: SlackMessenger) -> None:
        self.tandem = tandem
        self.messenger = messenger

    async def publish(self, user: UserRef) -> None:
        """Never raises: a Home tab that fails to refresh must not break the event behind it."""
        try:
            ctx = await self.tandem.context_for(Command(user=user, name="home"))
            await self.messenger.publish_home(user, await home_for(ctx))
        except DeliveryError as exc:
            log.warning("home tab not published", extra={"reason": exc.reason})
        except Exception:
            log.exception("home tab failed")
