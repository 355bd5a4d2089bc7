"""`tandem survey send`, and `tandem programme survey|support` to show or set their settings."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.app.bootstrap import build
from bot.app.cli.common import CliError, workspace_arg
from bot.core.clock import SystemClock
from bot.core.config import Config
from flows.account.support import DEFAULT_RESOURCES
from flows.common.wording import plural
from flows.surveys.answers import send_survey
from flows.surveys.questions import (
    DEFAULT_POST_DAYS,
    SurveyError,
    parse_survey_settings,
    post_days,
    pulse_enabled,
    questions_for,
)
from storage.db import upgrade
from storage.uow import Database

SUPPORT_TEXT_LIMIT = 2000
LINK_SCHEMES = ("https://", "http://", "mailto:", "tel:")


def _workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        type=workspace_arg,
        default=workspace_arg("playground"),
        help="slack:<team id>, teams:<tenant id> or playground (default)",
    )


def add_survey_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    survey = sub.add_parser("survey", help="send a programme's survey by hand")
    actions = survey.add_subparsers(dest="action", required=True)
    send = actions.add_parser(
        "send", help="DM the survey to everyone active, each in their own working hours"
    )
    send.add_argument("programme", help="the programme's short name (slug)")
    send.add_argument("--phase", choices=["pre", "post", "pulse"], required=True)
    _workspace(send)


def add_programme_settings_commands(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for name, what in (("survey", "survey questions"), ("support", "support resources")):
        command = actions.add_parser(name, help=f"show or set the programme's {what}")
        command.add_argument("programme", help="the programme's short name (slug)")
        mode = command.add_mutually_exclusive_group(required=True)
        mode.add_argument("--show", action="store_true", help="print the settings as JSON")
        mode.add_argument("--set", type=Path, metavar="FILE.json", help="replace them from a file")
        _workspace(command)


async def send(args: argparse.Namespace, config: Config) -> int:
    services = await build(config, demo=False)
    try:
        workspace_id = await services.db.workspace_id(args.workspace)
        async with services.db.unit_of_work(workspace_id) as uow:
            programme = await uow.programmes.by_slug(args.programme)
        if programme is None:
            raise CliError(f"no programme called '{args.programme}' in this workspace")
        result = await send_survey(services, programme.id, args.phase)
    finally:
        await services.close()
    if result.note:
        print(f"Nothing sent: {result.note}.")
        return 0
    print(
        f"Queued the {args.phase} survey for {plural(result.queued, 'person')}. Each gets it "
        "during their own working hours: now if they're at work, otherwise when their next "
        "working day starts. `tandem serve` (or `tandem worker`) sends it."
    )
    if result.skipped:
        print(f"Skipped {plural(result.skipped, 'person')} who already had it.")
    return 0


def support_settings(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or set(data) - {"text", "links"}:
        raise CliError('expected {"text": "...", "links": [{"label": "...", "url": "..."}]}')
    text = data.get("text", "")
    if not isinstance(text, str) or len(text) > SUPPORT_TEXT_LIMIT:
        raise CliError(f"text must be at most {SUPPORT_TEXT_LIMIT} characters")
    links = data.get("links", [])
    if not isinstance(links, list) or len(links) > 5:
        raise CliError("links must be a list of at most 5 links")
    for n, link in enumerate(links, start=1):
        if (
            not isinstance(link, dict)
            or set(link) != {"label", "url"}
            or not str(link["label"]).strip()
            or not str(link["url"]).startswith(LINK_SCHEMES)
        ):
            raise CliError(f'link {n}: give "label" and an https://, mailto: or tel: "url"')
    return {"text": text.strip(), "links": links}


def _current(name: str, settings: dict[str, Any]) -> dict[str, Any]:
    if name == "survey":
        return {
            "questions": [{"key": q.key, "text": q.text} for q in questions_for(settings)],
            "pulse": pulse_enabled(settings),
            "post_days": post_days(settings),
        }
    support = settings.get("support") or {}
    return {"text": support.get("text") or DEFAULT_RESOURCES, "links": support.get("links", [])}


async def run_settings(args: argparse.Namespace, config: Config) -> int:
    """`tandem programme survey|support`: show or replace one programme's settings."""
    await upgrade(config.database_url)
    db = Database(config.database_url, SystemClock())
    try:
        return await programme_settings(db, args)
    finally:
        await db.dispose()


async def programme_settings(db: Database, args: argparse.Namespace) -> int:
    workspace_id = await db.workspace_id(args.workspace)
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.by_slug(args.programme)
        if programme is None:
            raise CliError(f"no programme called '{args.programme}' in this workspace")
        if args.show:
            print(json.dumps(_current(args.action, programme.settings), indent=2))
            return 0
        try:
            data = json.loads(args.set.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CliError(f"could not read {args.set}: {exc}") from None
        settings = dict(programme.settings)
        if args.action == "survey":
            try:
                survey = parse_survey_settings(data)
            except SurveyError as exc:
                raise CliError(str(exc)) from None
            settings["pulse"] = survey.pop("pulse")
            settings["survey"] = survey
            summary = plural(len(survey["questions"]), "question")
            if survey["post_days"] != DEFAULT_POST_DAYS:
                days = plural(survey["post_days"], "day")
                summary += f", closing survey open {days} after the end"
        else:
            settings["support"] = support_settings(data)
            summary = f"support text and {plural(len(settings['support']['links']), 'link')}"
        # A new dict, so SQLAlchemy sees the JSON column change.
        programme.settings = settings
        await uow.commit()
    print(f"Saved {args.action} settings for {args.programme}: {summary}.")
    return 0
