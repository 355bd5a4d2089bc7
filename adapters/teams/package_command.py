"""`tandem teams-package`: write the zip a Teams admin uploads."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapters.teams.package import write_package
from bot.core.config import Config

COMMAND = "teams-package"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(COMMAND, help="write the Teams app package (manifest and icons) as a zip")
    p.add_argument("--out", default="tandem-teams.zip", help="where to write the zip")
    p.add_argument("--app-id", default="", help="the bot's Microsoft app id (MICROSOFT_APP_ID)")
    p.add_argument("--base-url", default=None, help="the bot's public https address")


def run(args: argparse.Namespace, config: Config) -> int:
    app_id = args.app_id or config.teams_app_id
    if not app_id:
        print("tandem: set MICROSOFT_APP_ID or pass --app-id", file=sys.stderr)
        return 2
    try:
        path = write_package(Path(args.out), app_id, base_url=args.base_url)
    except ValueError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {path}. Upload it in Teams: Apps > Manage your apps > Upload an app.")
    return 0
