"""The store commands of the command line against a real SQLite file: ingest, items, decisions, roster."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest

from bot.cli import main
from minutes.records import ConversationType, ConvRef
from store import open_store

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"--database=sqlite+aiosqlite:///{tmp_path / 'minutesbot.db'}"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    minutes = tmp_path / "protokoll"
    minutes.mkdir()
    for name in ("000_9fb95432c85b271b.docx", "002_9f59629560e86923.pdf"):
        shutil.copy(SAMPLES / name, minutes / name)
    return minutes


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_a_folder_then_nothing_is_new(
    capsys: pytest.CaptureFixture[str], folder: Path, database: str
) -> None:
    code, out, _ = run(capsys, "ingest", str(folder), database)
    assert code == 0 and "2 filer: 2 inlästa" in out
    code, out, _ = run(capsys, "ingest", str(folder), database)
    assert code == 0 and out == "Inga nya eller ändrade protokoll.\n"


def test_items_filters_by_owner_and_open(
    capsys: pytest.CaptureFixture[str], folder: Path, database: str
) -> None:
    run(capsys, "ingest", str(folder), database)
    code, out, _ = run(capsys, "items", "--open", "--owner", "RN", database)
    rows = [row for row in out.splitlines()[1:] if not row.startswith("?")]
    assert code == 0 and rows and all(" RN? " in row for row in rows)
    assert any("Översyn administrativa lokaler" in row and "2024-09-09" in row for row in rows)


def test_unknown_owners_are_flagged_until_a_roster_is_loaded(
    capsys: pytest.CaptureFixture[str], folder: Path, database: str, tmp_path: Path
) -> None:
    run(capsys, "ingest", str(folder / "000_9fb95432c85b271b.docx"), database)
    _, before, _ = run(capsys, "items", "--owner", "RN", database)
    assert "RN?" in before
    roster = tmp_path / "flg.toml"
    roster.write_text(
        'group = "FLG"\n[[person]]\ninitials = "RN"\nname = "Rickard Nilsson"\nupn = "rn@example.invalid"\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "roster", str(roster), database)
    assert code == 0 and out == "FLG: 1 personer inlästa\n"
    _, after, _ = run(capsys, "items", "--owner", "RN", database)
    assert "RN?" not in after and "RN" in after


def test_decisions_search(capsys: pytest.CaptureFixture[str], folder: Path, database: str) -> None:
    run(capsys, "ingest", str(folder), database)
    code, out, _ = run(capsys, "decisions", "stående punkt", database)
    assert code == 0 and "Omställningsfonden" in out and "Beslut" in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["ingest", "/finns/inte"], "finns inte"),
        (["roster", "/finns/inte.toml"], "kan inte läsas"),
        (["items", "--database=mysql://x"], "inställningarna är ogiltiga"),
        (["ingest", "https://contoso.sharepoint.com/sites/FLG/Delade%20dokument"], "appregistrering"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str, database: str
) -> None:
    args = argv if any(a.startswith("--database") for a in argv) else [*argv, database]
    code, _, err = run(capsys, *args)
    assert code == 2 and says in err and err.count("\n") == 1


def test_a_bad_roster_file_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database: str
) -> None:
    roster = tmp_path / "trasig.toml"
    roster.write_text("group = \n", encoding="utf-8")
    code, _, err = run(capsys, "roster", str(roster), database)
    assert code == 2 and err.startswith("fel: rosterfilen är inte giltig TOML")


def test_a_failed_file_is_reported_and_the_rest_ingested(
    capsys: pytest.CaptureFixture[str], folder: Path, database: str
) -> None:
    (folder / "trasig.docx").write_bytes(b"PK\x03\x04 trasig")
    code, out, err = run(capsys, "ingest", str(folder), database)
    assert code == 2 and "2 inlästa" in out and "1 misslyckade" in out
    assert err.startswith("fel: trasig.docx: ")


def test_agenda_writes_a_word_section(
    capsys: pytest.CaptureFixture[str], folder: Path, database: str, tmp_path: Path
) -> None:
    run(capsys, "ingest", str(folder / "000_9fb95432c85b271b.docx"), database)
    out_file = tmp_path / "uppfoljning.docx"
    code, out, _ = run(
        capsys, "agenda", "--group", "FLG", "--date", "2024-09-09", "--docx", str(out_file), database
    )
    assert code == 0 and out_file.is_file() and "uppföljningspunkter till FLG 2024-09-09" in out
    text = "\n".join(p.text for p in docx.Document(str(out_file)).paragraphs)
    assert "Uppföljning från tidigare möten" in text


def test_agenda_for_an_unknown_group_is_one_line(
    capsys: pytest.CaptureFixture[str], database: str, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys,
        "agenda",
        "--group",
        "XYZ",
        "--date",
        "2024-09-09",
        "--docx",
        str(tmp_path / "a.docx"),
        database,
    )
    assert code == 2 and err.startswith("fel: Gruppen 'XYZ' är okänd") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        (
            "MINUTESBOT_REMINDER_POLICIES",
            '{"FSG": {"days_before": [3],}}',
            "MINUTESBOT_REMINDER_POLICIES: är inte giltig JSON",
        ),
        (
            "MINUTESBOT_REMINDER_POLICIES",
            '{"FLG": {"weekly": true}}',
            "MINUTESBOT_REMINDER_POLICIES → FLG → weekly: okänd nyckel",
        ),
        ("MINUTESBOT_REMINDER_POLICIES", '{"FLG": {"days_before": [0]}}', "1–90"),
        (
            "MINUTESBOT_AGENDA_DAYS_BEFORE",
            '{"FLG": "tre"}',
            "MINUTESBOT_AGENDA_DAYS_BEFORE → FLG: ska vara ett heltal",
        ),
        ("MINUTESBOT_DIGEST_SCHEDULES", '{"FLG": "lör 09:00"}', "vardagar"),
        ("MINUTESBOT_PORT", "70000", "MINUTESBOT_PORT: är för stort"),
    ],
)
def test_a_bad_setting_is_one_swedish_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    value: str,
    says: str,
    database: str,
) -> None:
    monkeypatch.setenv(key, value)
    code, _, err = run(capsys, "items", database)
    assert code == 2 and err.startswith("fel: inställningarna är ogiltiga: ") and says in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_ingest_a_folder_with_a_name_that_is_not_utf8(
    capsys: pytest.CaptureFixture[str], folder: Path, database: str
) -> None:
    with open(os.path.join(os.fsencode(folder), b"trasigt\xff\xfenamn.docx"), "wb") as handle:
        handle.write((SAMPLES / "004_5d60c65ffe97348b.docx").read_bytes())
    code, out, err = run(capsys, "ingest", str(folder), database)
    assert code == 0 and "3 filer: 3 inlästa" in out and "Traceback" not in err
    code, out, _ = run(capsys, "items", database)
    assert {"FLG", "FSG"} <= {row.split()[2] for row in out.splitlines()[1:] if row.split()[:1] != ["?"]}


def start_service(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`minutesbot run` in a folder of its own, until it stops by itself (or 60 s pass)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = {
        "MINUTESBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "MINUTESBOT_PORT": str(port),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **settings, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )


def test_a_minutes_folder_that_does_not_exist_stops_the_start(tmp_path: Path) -> None:
    done = start_service(tmp_path, MINUTESBOT_MINUTES_FOLDER=str(tmp_path / "finns-inte"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("fel: ")]
    assert "finns-inte" in line


def test_a_failed_file_with_a_newline_in_its_name_is_one_fel_line(
    capsys: pytest.CaptureFixture[str], folder: Path, database: str
) -> None:
    (folder / "trasig\nfil.docx").write_bytes(b"PK\x03\x04 inte en riktig fil")
    code, out, err = run(capsys, "ingest", str(folder), database)
    assert code == 2 and "3 filer: 2 inlästa" in out
    (line,) = err.splitlines()
    assert line.startswith("fel: trasig\ufffdfil.docx: ")


# -- channels and documents: which groups each conversation follows; documents of no group ---------------------

CHANNEL_ID = "19:flg@thread.tacv2"


def seed_conversation(database: str) -> None:
    async def save() -> None:
        store = await open_store(database.removeprefix("--database="))
        try:
            reference = ConvRef(
                "http://127.0.0.1:1/", CHANNEL_ID, ConversationType.CHANNEL, "tenant", "28:bot"
            )
            await store.save_conversation(reference, at=datetime(2024, 9, 2, tzinfo=UTC))
        finally:
            await store.close()

    asyncio.run(save())


def test_channels_lists_binds_and_unbinds(capsys: pytest.CaptureFixture[str], database: str) -> None:
    seed_conversation(database)
    code, out, _ = run(capsys, "channels", database)
    assert code == 0 and CHANNEL_ID in out and "följer ingen grupp" in out
    code, out, _ = run(capsys, "channels", "bind", CHANNEL_ID, "flg", database)
    assert code == 0 and "FLG" in out
    code, out, _ = run(capsys, "channels", database)
    assert f"{CHANNEL_ID}" in out and "FLG" in out and "följer ingen grupp" not in out
    code, out, _ = run(capsys, "channels", "unbind", CHANNEL_ID, "FLG", database)
    assert code == 0
    code, out, _ = run(capsys, "channels", database)
    assert "följer ingen grupp" in out


@pytest.mark.parametrize(
    "argv", [("bind", "19:okand@thread.tacv2", "FLG"), ("bind", CHANNEL_ID, "F L G"), ("bind", CHANNEL_ID)]
)
def test_channels_refuses_bad_input(
    capsys: pytest.CaptureFixture[str], database: str, argv: tuple[str, ...]
) -> None:
    seed_conversation(database)
    code, _, err = run(capsys, "channels", *argv, database)
    assert code == 2 and err.splitlines()[-1].startswith("fel: ")


def test_documents_lists_those_of_no_group_and_sets_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database: str
) -> None:
    minutes = tmp_path / "ingen-grupp"
    minutes.mkdir()
    ungrouped = docx.Document()
    ungrouped.add_paragraph("Minnesanteckningar 2024-09-02")
    table = ungrouped.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Ärende", "Åtgärd", "Ansvarig"), strict=True):
        cell.text = text
    for cell, text in zip(
        table.rows[1].cells, ("Lokaler", "Ta fram ett förslag på nya lokaler", "RN"), strict=True
    ):
        cell.text = text
    ungrouped.save(str(minutes / "anteckningar.docx"))
    run(capsys, "ingest", str(minutes), database)
    code, out, _ = run(capsys, "documents", database)
    assert code == 0 and "anteckningar.docx" in out
    number = next(line.split()[0] for line in out.splitlines() if "anteckningar.docx" in line)
    code, out, _ = run(capsys, "documents", "set-group", number, "FSG", database)
    assert code == 0 and "FSG" in out
    code, out, _ = run(capsys, "documents", database)
    assert "anteckningar.docx" not in out
    code, out, _ = run(capsys, "items", "--group", "FSG", database)
    assert "nya lokaler" in out
    code, _, err = run(capsys, "documents", "set-group", "99999", "FSG", database)
    assert code == 2 and err.startswith("fel: ")


# -- report: the follow-through of a group, as text or a file ---------------------------------------------------


def test_report_prints_the_group_totals(
    capsys: pytest.CaptureFixture[str], folder: Path, database: str
) -> None:
    run(capsys, "ingest", str(folder / "000_9fb95432c85b271b.docx"), database)
    code, out, err = run(
        capsys, "report", "--group", "flg", "--from", "2024-01-01", "--to", "2024-12-31", database
    )
    assert (code, err) == (0, "")
    assert out.startswith("Uppföljningsrapport FLG: möten 1 jan 2024 – 31 dec 2024")
    assert "Klara:" in out and "Mediantid från möte till klar:" in out and "De äldsta öppna punkterna:" in out


@pytest.mark.parametrize("kind", ["html", "docx", "xlsx"])
def test_report_writes_a_file(
    capsys: pytest.CaptureFixture[str], folder: Path, database: str, tmp_path: Path, kind: str
) -> None:
    run(capsys, "ingest", str(folder / "000_9fb95432c85b271b.docx"), database)
    out_file = tmp_path / f"rapport.{kind}"
    code, out, _ = run(
        capsys,
        "report",
        "--group",
        "FLG",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        f"--{kind}",
        str(out_file),
        database,
    )
    assert code == 0 and out_file.stat().st_size > 1000 and str(out_file) in out
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("--group", "XYZ"), "fel: Gruppen 'XYZ' är okänd"),
        (("--group", "FLG", "--from", "2024-13-01"), "fel: --from: ogiltigt datum '2024-13-01'"),
        (
            ("--group", "FLG", "--from", "2024-12-31", "--to", "2024-01-01"),
            "fel: Perioden slutar före den börjar.",
        ),
        (
            ("--group", "FLG", "--html", "a.html", "--xlsx", "a.xlsx"),
            "fel: --xlsx: kan inte anges tillsammans med --html",
        ),
        (
            ("--group", "FLG", "--html", "/nonexistent/dir/a.html"),
            "fel: Kunde inte skriva /nonexistent/dir/a.html",
        ),
        (("--group", "F L G"), "fel: ange ett gruppnamn"),
    ],
)
def test_report_bad_input_is_one_swedish_line(
    capsys: pytest.CaptureFixture[str], folder: Path, database: str, argv: tuple[str, ...], says: str
) -> None:
    run(capsys, "ingest", str(folder / "000_9fb95432c85b271b.docx"), database)
    try:
        code, _, err = run(capsys, "report", *argv, database)
    except SystemExit as exit_:  # argparse's own errors
        code, err = int(str(exit_.code)), capsys.readouterr().err
    assert code == 2 and says in err and "Traceback" not in err
