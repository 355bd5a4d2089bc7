"""The Teams app package: a manifest Teams accepts, both icons, and the commands people can type."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft6Validator, validators
from jsonschema.exceptions import best_match

from adapters.teams.package import build_manifest, write_package

SCHEMA_PATH = Path(__file__).parent / "schemas" / "teams" / "MicrosoftTeams.v1.24.schema.json"
APP_ID = "8c2f6a1e-5b7d-4e0a-9f3c-1d2e3f4a5b6c"
EXPECTED_COMMANDS = {
    "signup",
    "status",
    "help",
    "leave",
    "forget-me",
    "announce",
    "match",
    "reflections",
}


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # Some Office add-in patterns use \p{L}, which Python's `re` cannot compile; our manifest
    # never reaches them, so check the schema's structure without checking its regexes.
    Draft4Validator.check_schema(schema, format_checker=None)
    # The schema declares draft-04 yet pins manifestVersion with draft-06 `const`, which a
    # plain draft-04 validator would silently skip.
    with_const = validators.extend(Draft4Validator, {"const": Draft6Validator.VALIDATORS["const"]})
    return with_const(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def _assert_valid(validator: Any, manifest: dict[str, Any]) -> None:
    error = best_match(validator.iter_errors(manifest))
    assert error is None, f"{error.message} at {list(error.absolute_path)}"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"base_url": "https://tandem.example.org/"},
        {"bot_name": "A very long bot name that Teams would cut", "version": "2.3.4"},
    ],
)
def test_manifest_is_valid_for_teams_1_24(validator: Any, options: dict[str, Any]) -> None:
    _assert_valid(validator, build_manifest(APP_ID, **options))


def test_schema_check_catches_a_wrong_manifest_version(validator: Any) -> None:
    manifest = build_manifest(APP_ID)
    manifest["manifestVersion"] = "1.16"
    assert not validator.is_valid(manifest)


def test_manifest_names_the_bot_and_its_public_pages() -> None:
    manifest = build_manifest(APP_ID, base_url="https://tandem.example.org/")
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["manifestVersion"] == "1.24"
    assert manifest["developer"]["privacyUrl"] == "https://tandem.example.org/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://tandem.example.org/terms"
    assert manifest["validDomains"] == ["tandem.example.org"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}


def test_personal_chat_advertises_every_command_within_teams_limits() -> None:
    (command_list,) = build_manifest(APP_ID)["bots"][0]["commandLists"]
    assert command_list["scopes"] == ["personal"]
    commands = command_list["commands"]
    assert {c["title"] for c in commands} == EXPECTED_COMMANDS
    assert len(commands) <= 10
    for command in commands:
        assert 0 < len(command["title"]) <= 32
        assert 0 < len(command["description"]) <= 128


def test_app_id_must_be_a_guid() -> None:
    with pytest.raises(ValueError):
        build_manifest("tandem-bot")


def _png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, colour type, unfiltered rows) of an 8-bit PNG, filter type 0 only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    assert data[12:16] == b"IHDR" and depth == 8
    idat, offset = b"", 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    rows = [raw[r * stride : (r + 1) * stride] for r in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, colour_type, [row[1:] for row in rows]


def test_package_zip_holds_manifest_and_icons_at_its_root(tmp_path: Path, validator: Any) -> None:
    path = write_package(
        tmp_path / "out" / "tandem-teams.zip", APP_ID, base_url="https://t.example"
    )
    assert path.exists()
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = _png_pixels(archive.read("color.png"))
        outline = _png_pixels(archive.read("outline.png"))
    _assert_valid(validator, manifest)
    assert manifest["validDomains"] == ["t.example"]
    assert color[:2] == (192, 192)
    assert outline[:3] == (32, 32, 6)  # RGBA


def test_outline_icon_is_white_on_transparent(tmp_path: Path) -> None:
    with zipfile.ZipFile(write_package(tmp_path / "p.zip", APP_ID)) as archive:
        _, _, _, rows = _png_pixels(archive.read("outline.png"))
    pixels = [row[i : i + 4] for row in rows for i in range(0, len(row), 4)]
    drawn = [p for p in pixels if p[3] > 0]
    assert drawn and len(drawn) < len(pixels) // 2
    assert all(p[:3] == b"\xff\xff\xff" for p in drawn)
    assert pixels[0][3] == 0  # the corners are see-through


def test_same_inputs_build_the_same_zip(tmp_path: Path) -> None:
    first = write_package(tmp_path / "a.zip", APP_ID).read_bytes()
    second = write_package(tmp_path / "b.zip", APP_ID).read_bytes()
    assert first == second
