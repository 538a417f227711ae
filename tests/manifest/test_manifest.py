"""The Teams manifest: valid v1.29, command lists equal to parse_command's vocabulary, icons Teams accepts."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft4Validator

from bot.commands import COMMANDS, LISTED_COMMANDS, MANIFEST_LIST_LIMIT, parse_command
from bot.package import (
    MANIFEST_DIR,
    MANIFEST_SCHEMA,
    AppDetails,
    fill_localization,
    fill_manifest,
    png_size,
)

# Vendored beside the manifest schema (schemas/README.md). Its command keys allow indexes 0–11.
LOCALIZATION_SCHEMA = MANIFEST_SCHEMA.with_name("teams-localization-v1.29.schema.json")
SCOPES = ["team", "personal", "groupChat"]
DETAILS = AppDetails(
    app_id="0b6f5d3e-2c1a-4e8f-9d7b-1a2b3c4d5e6f",
    version="1.4.2",
    bot_name="minutesbot",
    developer_name="Föreningen Exempel",
    website_url="https://exempel.se/minutesbot",
    privacy_url="https://exempel.se/integritet",
    terms_url="https://exempel.se/villkor",
)
# Example arguments for the placeholders of CommandSpec.usage, to try each title as a user would send it.
USAGE_EXAMPLES = {
    "N": "3",
    "DATUM": "30/4",
    "LÄNK": "https://exempel.sharepoint.com/sites/flg/protokoll.docx",
}


def _template(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((MANIFEST_DIR / name).read_text(encoding="utf-8"))
    return document


@pytest.fixture
def manifest() -> dict[str, Any]:
    return fill_manifest(_template("manifest.json"), DETAILS)


@pytest.fixture
def localization(manifest: dict[str, Any]) -> dict[str, Any]:
    return fill_localization(_template("en.json"), DETAILS, manifest)


@pytest.fixture
def manifest_validator() -> Draft4Validator:
    return Draft4Validator(json.loads(MANIFEST_SCHEMA.read_text(encoding="utf-8")))


def _problems(validator: Draft4Validator, document: dict[str, Any]) -> list[str]:
    return sorted(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)
    )


def test_the_manifest_is_valid_v1_29(manifest: dict[str, Any], manifest_validator: Draft4Validator) -> None:
    assert _problems(manifest_validator, manifest) == []
    # Draft-04 has no `const`, so the schema alone would accept any manifestVersion.
    assert manifest["manifestVersion"] == "1.29"
    assert (
        manifest["$schema"]
        == "https://developer.microsoft.com/json-schemas/teams/v1.29/MicrosoftTeams.schema.json"
    )


def test_the_template_has_no_placeholder_left(manifest: dict[str, Any], localization: dict[str, Any]) -> None:
    assert "${{" not in json.dumps([manifest, localization])
    assert manifest["id"] == manifest["bots"][0]["botId"] == DETAILS.app_id


def _channel_scope(manifest: dict[str, Any]) -> None:
    manifest["bots"][0]["scopes"] = ["team", "channel"]


def _channel_command_list(manifest: dict[str, Any]) -> None:
    manifest["bots"][0]["commandLists"][0]["scopes"] = ["channel"]


def _thirteenth_command(manifest: dict[str, Any]) -> None:
    commands = manifest["bots"][0]["commandLists"][1]["commands"]
    commands.extend({"title": f"extra {n}"} for n in range(13 - len(commands)))


def _fourth_command_list(manifest: dict[str, Any]) -> None:
    lists = manifest["bots"][0]["commandLists"]
    lists.append(copy.deepcopy(lists[0]))


def _three_digit_accent(manifest: dict[str, Any]) -> None:
    manifest["accentColor"] = "#1F6"


def _unknown_bot_property(manifest: dict[str, Any]) -> None:
    manifest["bots"][0]["supportsFile"] = False


@pytest.mark.parametrize(
    ("break_it", "where"),
    [
        (_channel_scope, "bots/0/scopes/1: 'channel' is not one of"),
        (_channel_command_list, "bots/0/commandLists/0/scopes/0: 'channel' is not one of"),
        (_thirteenth_command, "bots/0/commandLists/1/commands: "),
        (_fourth_command_list, "bots/0/commandLists: "),
        (_three_digit_accent, "accentColor: '#1F6' does not match"),
        (_unknown_bot_property, "bots/0: Additional properties are not allowed ('supportsFile'"),
    ],
)
def test_the_schema_refuses_a_broken_manifest(
    manifest: dict[str, Any],
    manifest_validator: Draft4Validator,
    break_it: Callable[[dict[str, Any]], None],
    where: str,
) -> None:
    """Negative controls: each breaks one rule, and the schema names that rule (so the test cannot pass by
    the schema refusing something else)."""
    break_it(manifest)
    problems = _problems(manifest_validator, manifest)
    assert len(problems) == 1 and problems[0].startswith(where), problems


def test_the_table_fits_the_manifest_and_help_lists_every_command() -> None:
    assert 0 < len(LISTED_COMMANDS) <= MANIFEST_LIST_LIMIT == 12
    assert len(COMMANDS) > len(LISTED_COMMANDS)  # 'följ' and 'sluta följa' are in the help only


def test_every_scope_lists_exactly_the_vocabulary(manifest: dict[str, Any]) -> None:
    bot = manifest["bots"][0]
    assert bot["scopes"] == SCOPES
    assert bot["supportsFiles"] is False and bot["isNotificationOnly"] is False
    assert [command_list["scopes"] for command_list in bot["commandLists"]] == [[scope] for scope in SCOPES]
    for command_list in bot["commandLists"]:
        assert [command["title"] for command in command_list["commands"]] == [
            spec.name for spec in LISTED_COMMANDS
        ]
        assert [command["description"] for command in command_list["commands"]] == [
            spec.help_sv for spec in LISTED_COMMANDS
        ]


def _arguments(usage: str, name: str) -> str:
    """The arguments a user would type after the command word, optional ones left out."""
    assert usage.startswith(name), f"usage {usage!r} does not start with {name!r}"
    required = re.sub(r"\[[^\]]*\]", "", usage[len(name) :]).split()
    unknown = [word for word in required if word not in USAGE_EXAMPLES]
    assert not unknown, f"no example for {unknown} in {usage!r}: add one to USAGE_EXAMPLES"
    return "".join(f" {USAGE_EXAMPLES[word]}" for word in required)


def test_every_title_is_understood_by_parse_command(
    manifest: dict[str, Any], localization: dict[str, Any]
) -> None:
    """Teams puts a clicked command's title in the message box; the parser must take it as that command,
    in Swedish and in the English localization alike."""
    for list_index, command_list in enumerate(manifest["bots"][0]["commandLists"]):
        for index, (command, spec) in enumerate(zip(command_list["commands"], LISTED_COMMANDS, strict=True)):
            arguments = _arguments(spec.usage, spec.name)
            expected = parse_command(spec.name + arguments)
            assert expected is not None, spec
            english = localization[f"bots[0].commandLists[{list_index}].commands[{index}].title"]
            for title in (command["title"], english):
                parsed = parse_command(title + arguments)
                assert type(parsed) is type(expected), f"{title!r} parses as {parsed!r}, not {expected!r}"


def test_the_english_localization_covers_every_command(
    manifest: dict[str, Any], localization: dict[str, Any]
) -> None:
    assert all(spec.english and spec.help_en for spec in COMMANDS)
    expected = {"$schema", "name.short", "name.full", "description.short", "description.full"}
    for list_index, command_list in enumerate(manifest["bots"][0]["commandLists"]):
        assert len(command_list["commands"]) == len(LISTED_COMMANDS)
        for index, spec in enumerate(LISTED_COMMANDS):
            key = f"bots[0].commandLists[{list_index}].commands[{index}]"
            expected |= {f"{key}.title", f"{key}.description"}
            assert localization[f"{key}.title"] == spec.english[0]
            assert localization[f"{key}.description"] == spec.help_en
    assert set(localization) == expected
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "sv-SE",
        "additionalLanguages": [{"languageTag": "en", "file": "en.json"}],
    }


def test_the_english_localization_is_valid_v1_29(localization: dict[str, Any]) -> None:
    validator = Draft4Validator(json.loads(LOCALIZATION_SCHEMA.read_text(encoding="utf-8")))
    assert _problems(validator, localization) == []
    assert localization["$schema"] == (
        "https://developer.microsoft.com/json-schemas/teams/v1.29/MicrosoftTeams.Localization.schema.json"
    )
    # A negative control: the schema is strict about keys, so a key for a 13th command is refused.
    assert _problems(validator, {**localization, "bots[0].commandLists[0].commands[12].title": "extra"})


@dataclass(frozen=True, slots=True)
class Png:
    width: int
    height: int
    channels: int  # 3: RGB, 4: RGBA
    rows: list[bytes]


def read_png(data: bytes) -> Png:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG, undoing all five row filters."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG"
    chunks: dict[bytes, bytes] = {}
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        assert (
            zlib.crc32(kind + body)
            == struct.unpack(">I", data[position + 8 + length : position + 12 + length])[0]
        )
        chunks[kind] = chunks.get(kind, b"") + body
        position += 12 + length
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and color_type in (2, 6) and interlace == 0, (depth, color_type, interlace)
    channels = 4 if color_type == 6 else 3
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * channels
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, up_left = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - up_left
                near = min(
                    (abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - up_left), 2, up_left)
                )
                line[x] = (line[x] + near[2]) & 0xFF
        rows.append(bytes(line))
        previous = rows[-1]
    return Png(width, height, channels, rows)


def _make_icons(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """manifest/make_icons.py, a script rather than a package module, loaded from its path."""
    spec = importlib.util.spec_from_file_location("make_icons", MANIFEST_DIR / "make_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_icons", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_icons_have_the_sizes_teams_requires() -> None:
    color, outline = (MANIFEST_DIR / "color.png").read_bytes(), (MANIFEST_DIR / "outline.png").read_bytes()
    assert (read_png(color).width, read_png(color).height) == png_size(color) == (192, 192)
    assert (read_png(outline).width, read_png(outline).height) == png_size(outline) == (32, 32)


def test_the_color_icon_is_opaque() -> None:
    assert read_png((MANIFEST_DIR / "color.png").read_bytes()).channels == 3


def test_the_outline_icon_is_white_on_transparent() -> None:
    icon = read_png((MANIFEST_DIR / "outline.png").read_bytes())
    assert icon.channels == 4
    pixels = [tuple(row[x : x + 4]) for row in icon.rows for x in range(0, len(row), 4)]
    assert all(alpha == 0 or (red, green, blue) == (255, 255, 255) for red, green, blue, alpha in pixels)
    opaque = sum(1 for pixel in pixels if pixel[3] == 255)
    assert 0 < opaque < len(pixels) // 2, "the glyph is missing, or it fills the icon"


def test_the_committed_icons_are_what_make_icons_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    make_icons = _make_icons(monkeypatch)
    assert read_png((MANIFEST_DIR / "color.png").read_bytes()).rows == make_icons.color_pixels()
    assert read_png((MANIFEST_DIR / "outline.png").read_bytes()).rows == make_icons.outline_pixels()


def test_the_png_reader_undoes_every_filter() -> None:
    """read_png decodes files that other tools (optimisers) write with filters 1–4, not only make_icons' 0."""
    rows = [bytes((x * 7 + y * 13) % 256 for x in range(12)) for y in range(5)]
    filtered = bytearray()
    previous = bytes(12)
    for kind, row in enumerate(rows):
        out = bytearray()
        for x in range(12):
            left = row[x - 4] if x >= 4 else 0
            up, up_left = previous[x], previous[x - 4] if x >= 4 else 0
            guess = left + up - up_left
            paeth = min(
                (abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - up_left), 2, up_left)
            )[2]
            predictor = (0, left, up, (left + up) // 2, paeth)[kind]
            out.append((row[x] - predictor) & 0xFF)
        filtered += bytes([kind]) + out
        previous = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 5, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(bytes(filtered)))
        + chunk(b"IEND", b"")
    )
    assert read_png(data).rows == rows
