"""build_package: the zip Teams accepts (files at the root, our id), and every bad input as one Swedish line."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.package import MANIFEST_DIR, PACKAGE_FILES, PackageError, build_package

APP_ID = "0b6f5d3e-2c1a-4e8f-9d7b-1a2b3c4d5e6f"
URLS = {
    "website_url": "https://exempel.se/minutesbot",
    "privacy_url": "https://exempel.se/integritet",
    "terms_url": "https://exempel.se/villkor",
}


def build(out: Path, **changes: Any) -> Path:
    arguments: dict[str, Any] = {"app_id": APP_ID, "version": "1.0.0", "out": out, **URLS, **changes}
    return build_package(**arguments)


def test_the_zip_holds_exactly_the_package_files_at_its_root(tmp_path: Path) -> None:
    path = build(tmp_path)
    assert path == tmp_path / "minutesbot-1.0.0.zip"
    with zipfile.ZipFile(path) as archive:
        assert (
            sorted(archive.namelist())
            == sorted(PACKAGE_FILES)
            == sorted(["manifest.json", "color.png", "outline.png", "en.json"])
        )
        manifest = json.loads(archive.read("manifest.json"))
        localization = json.loads(archive.read("en.json"))
        assert archive.read("color.png") == (MANIFEST_DIR / "color.png").read_bytes()
        assert archive.read("outline.png") == (MANIFEST_DIR / "outline.png").read_bytes()
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["version"] == "1.0.0"
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["localizationInfo"]["additionalLanguages"] == [{"languageTag": "en", "file": "en.json"}]
    assert manifest["developer"]["privacyUrl"] == URLS["privacy_url"]
    assert localization["name.short"] == manifest["name"]["short"] == "minutesbot"


def test_the_names_and_urls_are_filled_in(tmp_path: Path) -> None:
    path = build(tmp_path, bot_name='Protokoll "FLG"', developer_name="Föreningen Exempel")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        localization = json.loads(archive.read("en.json"))
    assert manifest["name"]["short"] == localization["name.short"] == 'Protokoll "FLG"'
    assert manifest["developer"]["name"] == "Föreningen Exempel"
    assert '@Protokoll "FLG" hjälp' in manifest["description"]["full"]


def test_out_may_name_the_zip_itself_in_a_new_folder(tmp_path: Path) -> None:
    target = tmp_path / "dist" / "teams" / "app.zip"
    assert build(target) == target
    assert zipfile.is_zipfile(target)
    assert [p.name for p in target.parent.iterdir()] == ["app.zip"], "a temporary file was left behind"


def test_the_same_input_gives_the_same_zip(tmp_path: Path) -> None:
    first, second = build(tmp_path / "a.zip"), build(tmp_path / "b.zip")
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    "app_id",
    [
        "",
        "minutesbot",
        "0b6f5d3e2c1a4e8f9d7b1a2b3c4d5e6f",
        "{0b6f5d3e-2c1a-4e8f-9d7b-1a2b3c4d5e6f}",
        f" {APP_ID}",
    ],
)
def test_an_app_id_that_is_no_guid_is_refused(tmp_path: Path, app_id: str) -> None:
    with pytest.raises(PackageError) as caught:
        build(tmp_path, app_id=app_id)
    assert caught.value.message.startswith("app-id måste vara ett GUID")
    assert "\n" not in caught.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("version", ["", "1", "1.0", "v1.0.0", "1.0.0-beta", "1.0.0+7", "01.0.0", "1.0.0.0"])
def test_a_version_that_is_no_plain_semver_is_refused(tmp_path: Path, version: str) -> None:
    with pytest.raises(PackageError) as caught:
        build(tmp_path, version=version)
    assert caught.value.message.startswith("versionen måste skrivas MAJOR.MINOR.PATCH")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("changes", "start"),
    [
        ({"privacy_url": "http://exempel.se/integritet"}, "integritetspolicyns adress måste"),
        ({"terms_url": "villkor.html"}, "användarvillkorens adress måste"),
        ({"website_url": "https://exempel.se/a b"}, "webbplatsens adress måste"),
        ({"bot_name": "x" * 31}, "botens namn måste ha 1–30 tecken"),
        ({"bot_name": "  "}, "botens namn måste ha 1–30 tecken"),
        ({"developer_name": "y" * 33}, "utvecklarens namn måste ha 1–32 tecken"),
    ],
)
def test_other_bad_details_are_refused(tmp_path: Path, changes: dict[str, str], start: str) -> None:
    with pytest.raises(PackageError) as caught:
        build(tmp_path, **changes)
    assert caught.value.message.startswith(start)


def test_without_the_schema_the_package_is_built_unvalidated(tmp_path: Path) -> None:
    path = build(tmp_path, schema=tmp_path / "saknas" / "teams-manifest-v1.29.schema.json")
    assert zipfile.is_zipfile(path)


def _copy_of_the_templates(tmp_path: Path) -> Path:
    source = tmp_path / "manifest"
    shutil.copytree(MANIFEST_DIR, source, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return source


def _edit_manifest_template(source: Path, old: str, new: str) -> None:
    template = source / "manifest.json"
    text = template.read_text(encoding="utf-8")
    assert old in text
    template.write_text(text.replace(old, new), encoding="utf-8")


def test_a_template_that_breaks_the_schema_is_refused(tmp_path: Path) -> None:
    source = _copy_of_the_templates(tmp_path)
    _edit_manifest_template(source, '"groupChat"]', '"channel"]')
    with pytest.raises(PackageError) as caught:
        build(tmp_path / "ut", source=source)
    assert caught.value.message.startswith("manifestet följer inte schemat v1.29 vid bots/0/scopes/2")
    assert not (tmp_path / "ut").exists()


def test_a_template_of_another_manifest_version_is_refused_even_without_the_schema(tmp_path: Path) -> None:
    source = _copy_of_the_templates(tmp_path)
    _edit_manifest_template(source, '"manifestVersion": "1.29"', '"manifestVersion": "1.17"')
    with pytest.raises(PackageError, match="^manifestVersion måste vara 1.29"):
        build(tmp_path / "ut", source=source, schema=tmp_path / "saknas.json")


def test_an_unknown_placeholder_in_a_template_is_refused(tmp_path: Path) -> None:
    source = _copy_of_the_templates(tmp_path)
    _edit_manifest_template(source, "${{DEVELOPER_NAME}}", "${{DEVELOPER}}")
    with pytest.raises(
        PackageError, match=r"^mallen manifest\.json har en okänd platshållare \$\{\{DEVELOPER\}\}$"
    ):
        build(tmp_path / "ut", source=source)


def test_a_missing_icon_names_the_script_that_draws_it(tmp_path: Path) -> None:
    source = _copy_of_the_templates(tmp_path)
    (source / "outline.png").unlink()
    with pytest.raises(PackageError, match="make_icons.py"):
        build(tmp_path / "ut", source=source)


def test_an_icon_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    source = _copy_of_the_templates(tmp_path)
    shutil.copy(source / "outline.png", source / "color.png")
    with pytest.raises(PackageError, match="^ikonen color.png måste vara 192×192 pixlar, är 32×32$"):
        build(tmp_path / "ut", source=source)


def test_a_missing_template_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="^hittar inte mallen"):
        build(tmp_path / "ut", source=tmp_path / "ingen-klon")


def test_an_unwritable_target_is_one_swedish_line(tmp_path: Path) -> None:
    blocker = tmp_path / "en-fil"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(PackageError) as caught:
        build(blocker / "app.zip")
    assert caught.value.message.startswith(f"kan inte skriva {blocker / 'app.zip'}: ")
    assert "\n" not in caught.value.message


def test_a_schema_problem_with_a_long_value_stays_one_short_line(tmp_path: Path) -> None:
    source = _copy_of_the_templates(tmp_path)
    # A fourth scope makes a fourth command list, one more than the schema allows.
    _edit_manifest_template(source, '"groupChat"]', '"groupChat", "copilot"]')
    with pytest.raises(PackageError) as caught:
        build(tmp_path / "ut", source=source)
    assert caught.value.message.startswith("manifestet följer inte schemat v1.29 vid bots/0/commandLists: ")
    assert len(caught.value.message) < 250 and "\n" not in caught.value.message
