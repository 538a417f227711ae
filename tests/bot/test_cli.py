"""The command line: output shapes, and every bad input as one Swedish line with exit code 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from bot.cli import main
from tests.minutes.test_read_docx import make_docx, p
from tests.minutes.test_read_pdf import Page, build_pdf
from tests.minutes.test_safety import zip_bomb

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "000_9fb95432c85b271b.docx"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["extract", str(SAMPLE), "--json", "--reference-date=2024-08-26"], capsys)
    result = json.loads(out)
    assert code == 0
    assert result["meeting"]["body"] == "FLG" and result["meeting"]["date"] == "2024-08-26"
    first = result["items"][0]
    assert set(first) == {
        "kind",
        "topic",
        "text",
        "owners",
        "actors",
        "due",
        "due_raw",
        "due_relative",
        "source",
    }
    assert (first["owners"], first["due"], first["due_raw"]) == (["ALLA"], "2024-10-07", "7/10")


def test_default_output_is_a_swedish_listing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["extract", str(SAMPLE)], capsys)
    assert code == 0
    assert out.startswith("Möte: FLG  Datum: 2024-08-26")
    assert "Ansvarig: ALLA" in out and "Klart: 2024-10-07" in out


def test_reference_date_resolves_undated_minutes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    minutes = tmp_path / "m.txt"
    minutes.write_text("Rubrik Åtgärd/beslut Ansvarig\nLön Återkommer nästa vecka EE\n", encoding="utf-8")
    _, out, _ = run(["extract", str(minutes), "--json", "--reference-date=2024-01-29"], capsys)
    assert [i["due"] for i in json.loads(out)["items"]] == ["2024-02-09"]


@pytest.mark.parametrize(
    ("name", "text", "arguments", "expected"),
    [
        ("m.txt", "Protokoll 2024-05-02\n", ["--reference-date=2024-06-01"], ("2024-05-02", "document")),
        ("apt_240502.txt", "Anteckningar\n", ["--reference-date=2024-06-01"], ("2024-05-02", "file_name")),
        ("m.txt", "Anteckningar\n", ["--reference-date=2024-06-01"], ("2024-06-01", "reference")),
        ("m.txt", "Anteckningar\n", [], (None, "file_date")),
    ],
)
def test_the_json_says_where_the_meeting_date_came_from(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    arguments: list[str],
    expected: tuple[str | None, str],
) -> None:
    minutes = tmp_path / name
    minutes.write_text(text + "Rubrik\tÅtgärd\tAnsvarig\nLön\tEE tar fram underlag\tEE\n", encoding="utf-8")
    _, out, _ = run(["extract", str(minutes), "--json", *arguments], capsys)
    meeting = json.loads(out)["meeting"]
    assert meeting["date_source"] == expected[1]
    assert expected[0] is None or meeting["date"] == expected[0]


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(build_pdf(Page().text(72, 72, "Protokoll"))))
    writer.encrypt(user_password="hemligt", owner_password="hemligt")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BAD_FILES = [
    pytest.param("skadad.docx", b"PK\x03\x04 inte en riktig zip", "skadad", id="corrupt-docx"),
    pytest.param("tom.pdf", b"", "tom", id="empty"),
    pytest.param("krypterad.pdf", encrypted_pdf(), "krypterad", id="encrypted-pdf"),
    pytest.param(
        "gammal.doc",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        "lösenordsskyddad",
        id="ole2-password-or-doc",
    ),
    pytest.param("bomb.docx", zip_bomb(60_000_000), "", id="zip-bomb"),
    pytest.param("bild.pdf", build_pdf(Page()), "bilder", id="images-only-pdf"),
    pytest.param(
        "recept.txt", "Kanelbullar: blanda mjöl och smör.".encode(), "mötesprotokoll", id="not-minutes"
    ),
    pytest.param("lista.xlsx", b"ABC", ".docx", id="unsupported-type"),
    pytest.param(
        "makro.docx", make_docx(p("Hej"), add_parts={"word/vbaProject.bin": b"x"}), "makro", id="macro-docx"
    ),
]


@pytest.mark.parametrize(("name", "data", "says"), BAD_FILES)
def test_bad_input_is_one_line_and_exit_2(
    name: str, data: bytes, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = run(["extract", str(path)], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"fel: {name}: ") and err.count("\n") == 1 and "Traceback" not in err
    assert says.lower() in err.lower()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["extract", "/finns/inte.docx"], "finns inte"),
        (["extract", "/"], "mapp"),
        (["extract", str(SAMPLE), "--reference-date=26/8"], "ÅÅÅÅ-MM-DD"),
        (["okänt"], "fel:"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(argv, capsys)
    assert code == 2 and says in err and "Traceback" not in err


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "trasig.pdf"
    broken.write_bytes(b"%PDF-1.4 trasig")
    command = [sys.executable, "-m", "bot.cli", "extract", str(broken)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("fel: trasig.pdf: ") and "Traceback" not in done.stderr


def test_package_writes_the_teams_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "minutesbot.zip"
    argv = [
        "package",
        "--app-id",
        "0b6f5d3e-2c1a-4e8f-9d7b-1a2b3c4d5e6f",
        "--out",
        str(out),
        "--website",
        "https://kommun.example",
    ]
    code, stdout, _ = run(argv, capsys)
    assert code == 0 and out.is_file() and str(out) in stdout


def test_package_refuses_a_bad_app_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["package", "--app-id", "abc", "--out", str(tmp_path), "--website", "https://kommun.example"], capsys
    )
    assert code == 2 and err.startswith("fel: app-id måste vara ett GUID") and err.count("\n") == 1


def test_a_reader_that_goes_away_is_no_traceback() -> None:
    # 'minutesbot extract … | head': the pipe closes while the JSON is written.
    command = f"{sys.executable} -m bot.cli extract {SAMPLE} --json | head -c 20"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=ROOT, check=False)
    assert "Traceback" not in done.stderr
