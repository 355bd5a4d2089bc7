"""What every `tandem` sub-command shares: the error it reports, how a workspace is named."""

from __future__ import annotations

import argparse

from bot.core.refs import Platform, WorkspaceRef


class CliError(Exception):
    """A mistake in what the admin typed: reported in one line, exit code 2."""


def workspace_arg(text: str) -> WorkspaceRef:
    platform, _, external_id = text.partition(":")
    try:
        return WorkspaceRef(Platform(platform), external_id or "local")
    except ValueError:
        raise argparse.ArgumentTypeError(
            "use slack:<team id>, teams:<tenant id> or playground"
        ) from None
