"""The idempotency key of the delivery being sent, for adapters that can stamp it on a message.

The Messenger port takes no key (its signature is shared by every adapter), so the Sender
sets this while it calls the messenger. An adapter that can attach metadata (Slack's
chat.postMessage `metadata`, the playground's item body) reads it and stores it with the
message, which lets `already_delivered(target, key)` answer after a crash.
"""

from __future__ import annotations

from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("tandem_delivery_key", default=None)


def current_delivery_key() -> str | None:
    return _current.get()


def set_delivery_key(key: str | None) -> object:
    """Returns a token for `reset_delivery_key`."""
    return _current.set(key)


def reset_delivery_key(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
