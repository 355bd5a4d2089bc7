"""What to do with a send whose outcome is unknown: each kind of message chooses."""

from __future__ import annotations

from enum import StrEnum


class WhenUnsure(StrEnum):
    """When a send's outcome is unknown (a crash mid-send, a timeout, a 5xx) and the platform
    cannot say whether the message arrived."""

    DROP = "drop"  # at most once: a missed nudge beats a duplicate
    RESEND = "resend"  # at least once
