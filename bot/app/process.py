"""Process-level tuning shared by `serve` and `worker`."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Move everything built at start-up out of the garbage collector's sight.

    Those objects live as long as the process, yet a full collection scans them all: with
    the libraries Tandem loads that is a 150-300 ms pause of the event loop, long enough to
    push Slack acks past what Slack tolerates under load. Frozen, a full collection takes a
    few ms.
    """
    gc.collect()
    gc.freeze()
