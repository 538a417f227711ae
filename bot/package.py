"""The Teams app zip: manifest/ templates with ${{NAME}} placeholders, command lists from bot.commands, v1.29 checks."""

from __future__ import annotations

import json
import os
import re
import struct
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.commands import LISTED_COMMANDS, MANIFEST_LIST_LIMIT, CommandSpec
from minutes.errors import UserFacingError

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_DIR = ROOT / "manifest"
# Vendored in the repository (schemas/README.md); an installed wheel has none, and then validation is skipped.
MANIFEST_SCHEMA = ROOT / "schemas" / "teams-manifest-v1.29.schema.json"
MANIFEST_VERSION = "1.29"
# Teams finds these files only at the root of the zip; the manifest and localizationInfo name them so.
PACKAGE_FILES = ("manifest.json", "color.png", "outline.png", "en.json")
ICON_SIZES = {"color.png": (192, 192), "outline.png": (32, 32)}
MAX_COMMANDS_PER_LIST = MANIFEST_LIST_LIMIT

_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# MAJOR.MINOR.PATCH only: Teams refuses pre-release and build suffixes in an app version.
_SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

JsonObject = dict[str, Any]


class PackageError(UserFacingError):
    """An app package that cannot be built; `message` is one Swedish line."""


@dataclass(frozen=True, slots=True)
class AppDetails:
    """What differs between installations of the app; check() refuses what Teams would refuse."""

    app_id: str
    version: str
    bot_name: str
    developer_name: str
    website_url: str
    privacy_url: str
    terms_url: str

    def check(self) -> None:
        if not _GUID.fullmatch(self.app_id):
            raise PackageError(
                f"app-id måste vara ett GUID (botens Microsoft App ID i Azure), "
                f"t.ex. 0b6f5d3e-2c1a-4e8f-9d7b-1a2b3c4d5e6f; fick {self.app_id!r}"
            )
        if not _SEMVER.fullmatch(self.version):
            raise PackageError(
                f"versionen måste skrivas MAJOR.MINOR.PATCH med bara siffror, t.ex. 1.0.0; fick {self.version!r}"
            )
        _check_length("botens namn", self.bot_name, 30)
        _check_length("utvecklarens namn", self.developer_name, 32)
        for label, url in (
            ("webbplatsens adress", self.website_url),
            ("integritetspolicyns adress", self.privacy_url),
            ("användarvillkorens adress", self.terms_url),
        ):
            if not url.startswith("https://") or len(url) > 2048 or any(c.isspace() for c in url):
                raise PackageError(f"{label} måste vara en https://-adress utan mellanslag; fick {url!r}")

    def placeholders(self) -> dict[str, str]:
        return {
            "BOT_APP_ID": self.app_id,
            "APP_VERSION": self.version,
            "BOT_NAME": self.bot_name,
            "DEVELOPER_NAME": self.developer_name,
            "WEBSITE_URL": self.website_url,
            "PRIVACY_URL": self.privacy_url,
            "TERMS_URL": self.terms_url,
        }


def _check_length(label: str, value: str, limit: int) -> None:
    if not value.strip() or len(value) > limit:
        raise PackageError(f"{label} måste ha 1–{limit} tecken; fick {value!r}")


def build_package(
    *,
    app_id: str,
    version: str,
    out: Path,
    bot_name: str = "minutesbot",
    developer_name: str = "minutesbot",
    website_url: str,
    privacy_url: str,
    terms_url: str,
    source: Path = MANIFEST_DIR,
    schema: Path = MANIFEST_SCHEMA,
) -> Path:
    """Write the Teams app zip and return its path: `out` itself when it ends in .zip, else
    minutesbot-VERSION.zip in the directory `out` (created when missing). The app id is both the Teams app id
    and the bot's id (one Azure app registration).

    The manifest is checked against the v1.29 schema when `schema` exists and jsonschema is installed; every
    failure, of the input or of the templates, is a PackageError with one Swedish line."""
    details = AppDetails(app_id, version, bot_name, developer_name, website_url, privacy_url, terms_url)
    details.check()
    manifest = fill_manifest(_read_template(source / "manifest.json"), details)
    localization = fill_localization(_read_template(source / "en.json"), details, manifest)
    validate_manifest(manifest, schema)
    icons = {name: _read_icon(source / name) for name in ICON_SIZES}
    target = out if out.suffix.lower() == ".zip" else out / f"minutesbot-{version}.zip"
    files = {
        "manifest.json": _json_bytes(manifest),
        "color.png": icons["color.png"],
        "outline.png": icons["outline.png"],
        "en.json": _json_bytes(localization),
    }
    write_zip(target, files)
    return target


def fill_manifest(template: JsonObject, details: AppDetails) -> JsonObject:
    """The manifest: the template's placeholders filled, and one command list per bot scope: the commands
    bot.commands declares as listed."""
    manifest: JsonObject = _fill(template, details.placeholders(), "manifest.json")
    if len(LISTED_COMMANDS) > MAX_COMMANDS_PER_LIST:
        raise PackageError(
            f"Teams visar högst {MAX_COMMANDS_PER_LIST} kommandon per lista, men det finns {len(LISTED_COMMANDS)}"
        )
    for bot in manifest.get("bots", []):
        bot["commandLists"] = [
            {"scopes": [scope], "commands": [_command(spec) for spec in LISTED_COMMANDS]}
            for scope in bot["scopes"]
        ]
    return manifest


def fill_localization(template: JsonObject, details: AppDetails, manifest: JsonObject) -> JsonObject:
    """en.json: the template's English name and descriptions, and every command list's titles as the
    commands' English names (which parse_command understands as well as the Swedish ones)."""
    localization: JsonObject = _fill(template, details.placeholders(), "en.json")
    for bot_index, bot in enumerate(manifest.get("bots", [])):
        for list_index in range(len(bot.get("commandLists", []))):
            for command_index, spec in enumerate(LISTED_COMMANDS):
                key = f"bots[{bot_index}].commandLists[{list_index}].commands[{command_index}]"
                localization[f"{key}.title"] = spec.english[0]
                localization[f"{key}.description"] = spec.help_en
    return localization


def validate_manifest(manifest: JsonObject, schema: Path) -> None:
    """Refuse a manifest that breaks the v1.29 schema; without the schema file or jsonschema, do nothing."""
    # The schema is Draft-04, which has no `const`: its manifestVersion "1.29" is checked here instead.
    if manifest.get("manifestVersion") != MANIFEST_VERSION:
        raise PackageError(
            f"manifestVersion måste vara {MANIFEST_VERSION}; mallen har {manifest.get('manifestVersion')!r}"
        )
    if not schema.is_file():
        return
    try:
        # jsonschema is a development dependency: an installation without it still builds the package.
        import jsonschema
    except ImportError:
        return
    try:
        document = json.loads(schema.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PackageError(f"kan inte läsa schemat {schema}: {error}") from None
    problem = jsonschema.exceptions.best_match(jsonschema.Draft4Validator(document).iter_errors(manifest))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "roten"
        # jsonschema quotes the whole offending value (a list of 13 commands): keep the line readable.
        detail = problem.message if len(problem.message) <= 160 else f"{problem.message[:159]}…"
        raise PackageError(f"manifestet följer inte schemat v{MANIFEST_VERSION} vid {where}: {detail}")


def write_zip(target: Path, files: Mapping[str, bytes]) -> None:
    """Write the files at the root of a zip, replacing `target` only once the zip is complete."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(handle)
        try:
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, data in files.items():
                    # A fixed timestamp: the same input gives the same zip, byte for byte.
                    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(entry, data)
            os.replace(temporary, target)
        finally:
            Path(temporary).unlink(missing_ok=True)
    except OSError as error:
        raise PackageError(f"kan inte skriva {target}: {error.strerror or error}") from None


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; ValueError when the data is no PNG."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _command(spec: CommandSpec[Any]) -> JsonObject:
    return {"title": spec.name, "description": spec.help_sv}


def _fill(value: Any, values: Mapping[str, str], template: str) -> Any:
    # Filled on the parsed JSON rather than the text, so that no value (a quote, a backslash) can break it.
    if isinstance(value, dict):
        return {key: _fill(item, values, template) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values, template) for item in value]
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda match: _placeholder(match.group(1), values, template), value)
    return value


def _placeholder(name: str, values: Mapping[str, str], template: str) -> str:
    if name not in values:
        raise PackageError(f"mallen {template} har en okänd platshållare ${{{{{name}}}}}")
    return values[name]


def _read_template(path: Path) -> JsonObject:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError(f"hittar inte mallen {path} (finns bara i en klon av repot)") from None
    except (OSError, ValueError) as error:
        raise PackageError(f"kan inte läsa mallen {path}: {error}") from None
    if not isinstance(document, dict):
        raise PackageError(f"mallen {path} måste vara ett JSON-objekt")
    return document


def _read_icon(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PackageError(
            f"hittar inte ikonen {path}; skapa den med python manifest/make_icons.py"
        ) from None
    except OSError as error:
        raise PackageError(f"kan inte läsa ikonen {path}: {error.strerror or error}") from None
    expected = ICON_SIZES[path.name]
    try:
        size = png_size(data)
    except ValueError:
        raise PackageError(f"ikonen {path} är ingen PNG-bild") from None
    if size != expected:
        raise PackageError(
            f"ikonen {path.name} måste vara {expected[0]}×{expected[1]} pixlar, är {size[0]}×{size[1]}"
        )
    return data


def _json_bytes(document: JsonObject) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
