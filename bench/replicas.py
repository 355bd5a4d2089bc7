"""Real `tandem worker` and `tandem serve` processes for a benchmark, on a throwaway database.

    with fresh_postgres("postgresql+psycopg://postgres@127.0.0.1:5432/test") as url: ...
    worker = Replica.start("worker", url, api_url, budget_per_second=100, logs=tmp)

Each replica is the `tandem` command line itself, configured through the environment as a
deployment is, with one change: Slack's per-workspace budget is counted per second instead
of per minute (the same 6,000 a minute at 100 a second). Counted per minute, a run shorter
than a minute could never be held to account window by window.

    python bench/replicas.py worker --budget-per-second 100   # what Replica.start runs
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import bootstrap  # noqa: E402
from bot.app.cli.main import main as tandem  # noqa: E402
from bot.core.config import Config  # noqa: E402
from bot.core.refs import Platform  # noqa: E402
from bot.delivery.pacing import PlatformLimits, Rate  # noqa: E402

TOKEN = "xoxb-bench"
SIGNING_SECRET = "bench-signing-secret"
WORKER_READY = "Tandem delivery worker is running."


@contextlib.contextmanager
def fresh_postgres(server_url: str) -> Iterator[str]:
    """A database of its own on the server `server_url` points at, dropped afterwards."""
    url = make_url(server_url)
    name = f"tandem_bench_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Replica:
    """One `tandem worker` or `tandem serve` process; its logs go to a file."""

    def __init__(self, kind: str, process: subprocess.Popen[str], log: Path, port: int) -> None:
        self.kind = kind
        self.process = process
        self.log = log
        self.port = port

    @classmethod
    def start(
        cls,
        kind: str,
        db_url: str,
        api_url: str,
        *,
        budget_per_second: int,
        logs: Path,
        lease_seconds: int = 60,
        name: str = "",
    ) -> Replica:
        port = free_port() if kind == "serve" else 0
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TANDEM_DATABASE_URL": db_url,
            "TANDEM_PLAYGROUND": "off",
            "TANDEM_SCHEDULER": "on" if kind == "worker" else "off",
            "TANDEM_SECRET": "bench-secret",
            "TANDEM_LOG_LEVEL": "WARNING",
            "TANDEM_DELIVERY_LEASE_SECONDS": str(lease_seconds),
            "TANDEM_SLACK_BUDGET_PER_MINUTE": str(budget_per_second * 60),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "HOST": "127.0.0.1",
            "PORT": str(port or 3978),
        }
        log = logs / f"{name or kind}.log"
        with log.open("a", encoding="utf-8") as stderr:
            process = subprocess.Popen(
                [sys.executable, __file__, kind, "--budget-per-second", str(budget_per_second)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        return cls(kind, process, log, port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        """A worker says so on stdout; serve is ready when /healthz answers."""
        deadline = time.monotonic() + timeout
        if self.kind == "worker":
            assert self.process.stdout is not None
            while time.monotonic() < deadline:
                line = self.process.stdout.readline()
                if not line:
                    break
                if line.strip() == WORKER_READY:
                    return
        else:
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                        return
                except OSError:
                    time.sleep(0.1)
        tail = self.log.read_text(encoding="utf-8").splitlines()[-20:]
        raise RuntimeError(f"tandem {self.kind} did not start:\n" + "\n".join(tail))

    def kill(self) -> None:
        """kill -9: no shutdown hooks, no chance to settle what is in flight."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass(slots=True)
class Cluster:
    """`serve` and `workers` worker replicas, all on one database and one fake Slack."""

    db_url: str
    api_url: str
    budget_per_second: int
    lease_seconds: int
    logs: Path
    workers: list[Replica] = field(default_factory=list)
    serve: Replica | None = None

    def start(self, kind: str, name: str) -> Replica:
        return Replica.start(
            kind,
            self.db_url,
            self.api_url,
            budget_per_second=self.budget_per_second,
            logs=self.logs,
            lease_seconds=self.lease_seconds,
            name=name,
        )

    async def up(self, workers: int) -> None:
        self.serve = self.start("serve", "serve")
        self.workers = [self.start("worker", f"worker-{n}") for n in range(workers)]
        await asyncio.gather(
            *(asyncio.to_thread(r.wait_ready) for r in [self.serve, *self.workers])
        )

    async def kill_and_restart(self, at: float, index: int) -> dict[str, float]:
        """kill -9 worker `index` at `at` (monotonic), and start it again at once."""
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        self.workers[index].kill()
        killed = time.monotonic()
        self.workers[index] = self.start("worker", f"worker-{index}-restarted")
        await asyncio.to_thread(self.workers[index].wait_ready)
        return {"killed_at": killed, "restarted_at": time.monotonic()}

    def down(self) -> None:
        for replica in [*self.workers, *([self.serve] if self.serve else [])]:
            replica.stop()


def per_second_budget(budget: int):  # type: ignore[no-untyped-def]
    """`pacing_limits` with Slack's workspace budget counted per second."""
    configured = bootstrap.pacing_limits

    def limits(config: Config) -> dict[Platform, PlatformLimits]:
        found = configured(config)
        slack = found[Platform.SLACK]
        found[Platform.SLACK] = PlatformLimits(slack.per_conversation, (Rate(budget, 1.0),))
        return found

    return limits


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="`tandem worker|serve` with a per-second budget")
    parser.add_argument("command", choices=["worker", "serve"])
    parser.add_argument("--budget-per-second", type=int, required=True)
    args = parser.parse_args()
    bootstrap.pacing_limits = per_second_budget(args.budget_per_second)
    sys.exit(tandem([args.command]))
