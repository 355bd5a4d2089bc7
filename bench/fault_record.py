"""Reading the fake Slack's own record: what it was asked, what it holds, and when.

The record (`python -m tests.fakes.slack_api --record calls.jsonl`) has one line per request
with the fake's monotonic time, the answer's status, and whether the call posted a message
whatever the client was told. It is the truth a benchmark counts against, not Tandem's
delivery log.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.outbox_common import key_of

POST = "chat.postMessage"


@dataclass(frozen=True, slots=True)
class Command:
    """A signed slash command the load sent: who, and when (monotonic seconds)."""

    user: str
    sent: float


class Record:
    def __init__(self, path: Path) -> None:
        self.calls: list[dict[str, Any]] = []
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            self.calls = [json.loads(line) for line in lines]

    def between(self, start: float, end: float = math.inf) -> Record:
        part = Record.__new__(Record)
        part.calls = [c for c in self.calls if start <= c["at"] < end]
        return part

    def requests(self, method: str = POST) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] == method]

    def posted(self, prefix: str = "") -> list[dict[str, Any]]:
        """Messages the fake holds, in the order it took them, with keys starting `prefix`."""
        return [c for c in self.requests() if c["delivered"] and key_of(c).startswith(prefix)]

    def first_arrivals(self, prefix: str) -> dict[str, float]:
        """When each key first reached the fake."""
        first: dict[str, float] = {}
        for call in self.posted(prefix):
            first.setdefault(key_of(call), call["at"])
        return first

    def duplicates(self) -> int:
        """Messages the fake holds beyond the first of their key, over every key."""
        counts = Counter(key_of(c) for c in self.posted() if key_of(c))
        return sum(n - 1 for n in counts.values() if n > 1)

    def statuses(self, method: str) -> dict[str, int]:
        return dict(Counter(str(c["status"]) for c in self.requests(method)))

    def faults(self) -> dict[str, int]:
        return dict(Counter(c["fault"] for c in self.calls if c.get("fault")))

    def peak_in_window(self, seconds: float, method: str = POST) -> int:
        """The most requests for `method` the fake saw in any `seconds`, whatever it answered."""
        times = sorted(c["at"] for c in self.requests(method))
        peak, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= seconds:
                first += 1
            peak = max(peak, last - first + 1)
        return peak


def reply_seconds(
    record: Record, commands: list[Command], prefix: str
) -> list[tuple[Command, float]]:
    """Per command, seconds from sending it to the fake holding its reply DM (inf if none).

    Replies are matched to commands per person in order: a person's first reply answers
    their first command, and so on."""
    replies: dict[str, list[float]] = defaultdict(list)
    seen: set[str] = set()
    for call in record.posted(prefix):
        if key_of(call) not in seen:  # a duplicate reply answers nothing new
            seen.add(key_of(call))
            replies[_user_of(str(call["params"].get("channel", "")))].append(call["at"])
    by_user: dict[str, list[Command]] = defaultdict(list)
    for command in sorted(commands, key=lambda c: c.sent):
        by_user[command.user].append(command)
    waits: list[tuple[Command, float]] = []
    for user, asked in by_user.items():
        answered = sorted(replies.get(user, []))
        for n, command in enumerate(asked):
            waits.append((command, answered[n] - command.sent if n < len(answered) else math.inf))
    return waits


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def _user_of(channel: str) -> str:
    """Tandem posts a DM to the user id until it knows the DM's id, which the fake makes
    "D" + the user id."""
    return channel[1:] if channel.startswith("DU") else channel
