"""The `tandem` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from adapters.teams import package_command
from bot.app.cli import match as match_cli
from bot.app.cli import programme as admin_cli
from bot.app.cli import report as report_cli
from bot.app.cli import survey as survey_cli
from bot.app.cli.common import CliError
from bot.app.logs import configure_logging
from bot.app.serve import serve
from bot.app.worker import run_worker
from bot.core.config import Config
from storage.db import upgrade_sync


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tandem", description="Mentoring programmes in Slack and Teams."
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the bot: web endpoints, playground and scheduler")
    sub.add_parser(
        "worker", help="run only the delivery scheduler (set TANDEM_SCHEDULER=off on serve)"
    )
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    programme = admin_cli.add_programme_commands(sub)
    survey_cli.add_programme_settings_commands(programme)
    match_cli.add_match_commands(sub)
    report_cli.add_report_command(sub)
    survey_cli.add_survey_command(sub)
    package_command.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    config = Config.from_env()
    configure_logging(config.log_level)
    try:
        if args.command == "serve":
            asyncio.run(serve(config))
            return 0
        if args.command == package_command.COMMAND:
            return package_command.run(args, config)
        if args.command == "worker":
            asyncio.run(run_worker(config))
            return 0
        if args.command == "db":
            upgrade_sync(config.database_url)
            print("Database is up to date.")
            return 0
        if args.command == "report":
            return asyncio.run(report_cli.run(args, config))
        if args.command == "survey":
            return asyncio.run(survey_cli.send(args, config))
        if args.command == "programme" and args.action in ("survey", "support"):
            return asyncio.run(survey_cli.run_settings(args, config))
        if args.command in ("match", "participants"):
            return asyncio.run(match_cli.run(args, config))
        return asyncio.run(admin_cli.run(args, config))
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
