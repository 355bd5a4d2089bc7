"""Build the Teams app package: manifest.json plus the two icons, zipped for upload."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MANIFEST_SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.24/MicrosoftTeams.schema.json"
)
MANIFEST_VERSION = "1.24"
ICONS_DIR = Path(__file__).resolve().parent / "icons"
ACCENT_COLOR = "#2E7D6B"
# Used only when no public URL is given, so a test package still validates.
PLACEHOLDER_SITE = "https://example.com"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Fixed timestamp so the same inputs always build a byte-identical zip.
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)

# (title, description): what a person sees when typing to the bot in a personal chat.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("signup", "Join the mentoring programme and say what you'd like to learn or share"),
    ("status", "See your programme, your match and what comes next"),
    ("help", "Show what Tandem can do for you"),
    ("leave", "Leave the programme you are in"),
    ("forget-me", "Delete everything Tandem stores about you"),
    ("reflections", "Share a short reflection on your last session"),
    ("announce", "Organisers: announce the programme in a channel"),
    ("match", "Organisers: run the matching for the current round"),
)


def _site(base_url: str | None) -> str:
    return (base_url or PLACEHOLDER_SITE).rstrip("/")


def build_manifest(
    app_id: str,
    *,
    bot_name: str = "Tandem",
    base_url: str | None = None,
    version: str = "1.0.0",
) -> dict[str, Any]:
    """The manifest for one bot; `app_id` is the Microsoft app (bot) id, a GUID.

    `base_url` is the bot's public https address: it is the website, serves /privacy and
    /terms, and is the one valid domain.
    """
    if not _GUID.match(app_id):
        raise ValueError("app_id must be the bot's Microsoft app id (a GUID)")
    site = _site(base_url)
    host = urlsplit(base_url).hostname if base_url else None
    return {
        "$schema": MANIFEST_SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": bot_name[:32],
            "websiteUrl": site,
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": bot_name[:30], "full": f"{bot_name} mentoring"[:100]},
        "description": {
            "short": "Reverse and traditional mentoring programmes, right in Teams",
            "full": (
                f"{bot_name} runs mentoring and reverse-mentoring programmes inside Microsoft "
                "Teams: people sign up in a chat, get matched with a partner, receive gentle "
                "nudges to meet, and share short reflections. Organisers announce programmes "
                "and run matching rounds without leaving Teams."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [
                            {"title": title, "description": description}
                            for title, description in COMMANDS
                        ],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host] if host else [],
    }


def write_package(path: Path, app_id: str, **manifest_options: Any) -> Path:
    """Write the zip Teams accepts (manifest.json, color.png, outline.png at its root)."""
    manifest = build_manifest(app_id, **manifest_options)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    files = {
        "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode(),
        "color.png": (ICONS_DIR / "color.png").read_bytes(),
        "outline.png": (ICONS_DIR / "outline.png").read_bytes(),
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return path
