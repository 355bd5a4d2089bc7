"""The manifest an admin pastes into Slack is valid and asks for no more than Tandem needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

REPO = Path(__file__).resolve().parents[1]
SCHEMA_DIR = Path(__file__).parent / "schemas" / "slack-manifest"
VERSIONED = ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json")
# manifest.schema.json points at the versioned schemas by their published URL.
PUBLISHED = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"

LEAST_PRIVILEGE_BOT_SCOPES = {
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "users:read",
    "users:read.email",
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "app_manifest.yml").read_text(encoding="utf-8"))
    # Round-trip through JSON: what Slack receives when the YAML is pasted.
    return json.loads(json.dumps(data))


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    registry = Registry()
    # Named one by one so that a missing file fails here, by its name.
    for name in VERSIONED:
        contents = json.loads((SCHEMA_DIR / "schemas" / name).read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        registry = registry.with_resource(PUBLISHED + name, resource)
    root = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text(encoding="utf-8"))
    return Draft7Validator(root, registry=registry)


def test_manifest_matches_slacks_schema(
    manifest: dict[str, Any], validator: Draft7Validator
) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]
    assert errors == []


def test_schema_catches_a_broken_manifest(
    manifest: dict[str, Any], validator: Draft7Validator
) -> None:
    broken = json.loads(json.dumps(manifest))
    broken["features"]["slash_commands"][0]["command"] = "mentoring"  # missing the slash
    assert not validator.is_valid(broken)


def test_mentoring_command_is_offered(manifest: dict[str, Any]) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert "/mentoring" in commands
    assert "signup" in commands["/mentoring"]["usage_hint"]


def test_home_tab_and_dm_are_enabled(manifest: dict[str, Any]) -> None:
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is False


def test_runs_in_socket_mode(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_asks_only_for_least_privilege_scopes(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes["bot"]) == LEAST_PRIVILEGE_BOT_SCOPES
    assert len(scopes["bot"]) == len(LEAST_PRIVILEGE_BOT_SCOPES)
    assert "user" not in scopes


def test_subscribes_to_the_events_tandem_handles(manifest: dict[str, Any]) -> None:
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {"app_home_opened", "message.im", "app_uninstalled", "tokens_revoked"}
