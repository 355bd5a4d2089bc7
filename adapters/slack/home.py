"""The App Home tab: each person's programmes, published with views.publish."""

from __future__ import annotations

import logging

from adapters.slack.messenger import SlackMessenger
from bot.core.messenger import DeliveryError
from bot.core.refs import UserRef
from bot.runtime.tandem import Tandem

log = logging.getLogger(__name__)


class HomeTab:
    def __init__(self, tandem: Tandem, messenger: SlackMessenger) -> None:
        self.tandem = tandem
        self.messenger = messenger

    async def publish(self, user: UserRef) -> None:
        """Never raises: a Home tab that fails to refresh must not break the event behind it."""
        try:
            view = await self.tandem.home(user)
            if view is not None:
                await self.messenger.publish_home(user, view)
        except DeliveryError as exc:
            log.warning("home tab not published", extra={"reason": exc.reason})
        except Exception:
            log.exception("home tab failed")
