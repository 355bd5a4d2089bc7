"""The design card's rules, checked on the source: platform SDKs stay inside adapters/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["bot", "flows", "storage"])
def test_platform_sdks_are_imported_only_in_adapters(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] in PLATFORM_SDKS
        )
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_flows_do_not_import_adapters() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "flows").rglob("*.py")
        if any(name.split(".")[0] == "adapters" for name in imported_modules(path))
    ]
    assert offenders == []


def test_each_platform_sdk_lives_in_its_own_adapter() -> None:
    homes = {
        "slack_bolt": "slack",
        "slack_sdk": "slack",
        "botbuilder": "teams",
        "botframework": "teams",
    }
    misplaced = []
    for path in (ROOT / "adapters").rglob("*.py"):
        platform = path.relative_to(ROOT / "adapters").parts[0]
        for name in imported_modules(path):
            home = homes.get(name.split(".")[0])
            if home and home != platform:
                misplaced.append(f"{path.relative_to(ROOT)} imports {name}")
    assert misplaced == []


def test_matching_engine_is_pure() -> None:
    for module in ("matching/engine.py", "matching/scores.py"):
        names = imported_modules(ROOT / "flows" / module)
        assert not any(
            n.split(".")[0] in ("sqlalchemy", "storage", "adapters", "aiohttp") for n in names
        )


def test_outbound_model_round_trips_through_json() -> None:
    from bot.core.outbound import (
        Button,
        Buttons,
        ButtonStyle,
        Choice,
        Context,
        Divider,
        FieldKind,
        Form,
        FormField,
        Message,
        Poll,
        Section,
        Text,
        from_json,
        to_json,
    )

    message = Message(
        summary="s",
        blocks=(
            Text("*hi*"),
            Section("t", "x", (("a", "b"),)),
            Divider(),
            Context("c"),
            Buttons((Button("Go", "go", "1", ButtonStyle.PRIMARY),)),
            Poll("Q?", "poll", (Choice("Yes", "y"), Choice("No", "n")), multi=True, context="m:1"),
        ),
    )
    form = Form(
        "f",
        "Title",
        (FormField("a", "A", FieldKind.MULTI_SELECT, options=(Choice("x", "x"),), initial=("x",)),),
        errors={"a": "bad"},
    )
    assert from_json(to_json(message)) == message
    restored = from_json(to_json(form))
    assert restored == form and isinstance(restored.fields[0].kind, FieldKind)
