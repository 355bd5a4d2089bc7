"""The `tandem` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot import admin_cli
from bot.config import Config
from bot.logs import configure_logging


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tandem", description="Mentoring programmes in Slack and Teams."
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the bot: web endpoints, playground and scheduler")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    admin_cli.add_programme_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    config = Config.from_env()
    configure_logging(config.log_level)
    try:
        if args.command == "serve":
            from bot.serve import serve

            asyncio.run(serve(config))
            return 0
        if args.command == "db":
            from storage.db import upgrade_sync

            upgrade_sync(config.database_url)
            print("Database is up to date.")
            return 0
        return asyncio.run(admin_cli.run(args, config))
    except KeyboardInterrupt:
        return 130
    except admin_cli.CliError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
