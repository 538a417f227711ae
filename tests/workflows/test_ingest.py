"""Ingestion end to end over a local folder into the real store (SQLite and PostgreSQL): idempotent,
edit-tolerant, failures recorded once."""

from __future__ import annotations

import asyncio
import io
import shutil
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import pytest

from minutes.model import ParsedDocument
from minutes.records import ItemRecord, ItemStatus
from reading.sandbox import SandboxPool, sandboxed_reader
from sources.local_folder import LocalFolderSource
from store import SqlStore, open_store
from tests.conftest import sqlite_url
from tests.fakes import in_process_reader
from tests.workflows.chat_fixtures import CHANNEL, RecordingSender
from workflows.deliver import Deliverer
from workflows.ingest import Ingestor, Outcome, SourceGroups, summarise

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NOW = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "minutes"
    target.mkdir()
    for sample in SAMPLES.glob("00[0-4]_*.docx"):
        shutil.copy(sample, target / sample.name)
    return target


def ingestor(store: SqlStore) -> Ingestor:
    return Ingestor(store=store, clock=clock, reader=in_process_reader)


async def all_items(store: SqlStore, folder: Path) -> list[ItemRecord]:
    """Every stored item of the folder's files, withdrawn ones included."""
    source = LocalFolderSource(folder, store).name
    found: list[ItemRecord] = []
    for path in sorted(folder.iterdir()):
        found += await store.items_of_document(f"{source}|{path.name}")
    return found


async def snapshot(store: SqlStore, folder: Path) -> list[tuple[object, ...]]:
    return sorted((i.id, i.key, i.status, i.text, i.owners, i.due) for i in await all_items(store, folder))


async def forget_cursor(store: SqlStore, folder: Path) -> None:
    """As if the cursor were lost: the next run lists every file again."""
    await store.save_cursor(LocalFolderSource(folder, store).name, "{}")


def edit_docx(path: Path, old: str, new: str) -> None:
    """Rewrite one phrase inside word/document.xml, as a secretary fixing a typo would."""
    source = io.BytesIO(path.read_bytes())
    target = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            zout.writestr(info, data)
    path.write_bytes(target.getvalue())


async def test_ingesting_the_corpus_twice_leaves_the_same_rows(folder: Path, store: SqlStore) -> None:
    first = await ingestor(store).run(LocalFolderSource(folder, store))
    rows = await snapshot(store, folder)
    assert summarise(first)[Outcome.INGESTED] == 5 and len(rows) > 50
    assert await ingestor(store).run(LocalFolderSource(folder, store)) == []  # the cursor moved on
    await forget_cursor(store, folder)  # every file listed again: the versions say nothing changed
    again = await ingestor(store).run(LocalFolderSource(folder, store))
    assert summarise(again)[Outcome.UNCHANGED] == 5
    assert await snapshot(store, folder) == rows
    assert len(await store.outbox_messages()) == 5


async def test_editing_one_row_changes_exactly_that_item_and_keeps_its_done_status(
    folder: Path, store: SqlStore
) -> None:
    await ingestor(store).run(LocalFolderSource(folder, store))
    (target,) = [i for i in await all_items(store, folder) if "Samordnas av innovationsgänget" in i.text]
    assert target.id is not None
    await store.set_status(target.id, ItemStatus.DONE, by="aad-user-1", at=NOW, origin="test")
    before = {i.key: i for i in await all_items(store, folder)}

    edit_docx(
        next(folder.glob("000_*.docx")), "Samordnas av innovationsgänget", "Samordnas av innovationsgruppen"
    )
    (report,) = await ingestor(store).run(LocalFolderSource(folder, store))

    assert (report.outcome, report.added, report.updated, report.withdrawn) == (Outcome.INGESTED, 0, 1, 0)
    after = {i.key: i for i in await all_items(store, folder)}
    assert after.keys() == before.keys()
    assert [k for k in after if after[k] != before[k]] == [target.key]
    assert after[target.key].status is ItemStatus.DONE and after[target.key].id == target.id
    assert "innovationsgruppen" in after[target.key].text
    assert [a.action for a in await store.audit_log(target.key)][-1] == "item.updated"


def minutes_docx(rows: list[tuple[str, str, str]]) -> bytes:
    """A small FLG minutes file with one action table."""
    document = docx.Document()
    document.add_paragraph("Minnesanteckningar FLG den 2 september 2024")
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Rubrik", "Åtgärd/beslut", "Ansvarig"), strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


ROWS = [
    ("Budget", "Ekonomichefen tar fram ett förslag till 30/9.", "EK"),
    ("Lokaler", "Boka visning av lokalerna.", "LB"),
    ("Rekrytering", "Annonsera tjänsten senast fredag.", "NA"),
]


async def test_a_vanished_row_is_withdrawn_and_a_new_row_added(tmp_path: Path, store: SqlStore) -> None:
    folder = tmp_path / "flg"
    folder.mkdir()
    (folder / "flg.docx").write_bytes(minutes_docx(ROWS))
    await ingestor(store).run(LocalFolderSource(folder, store))
    ids = {i.text: i.id for i in await all_items(store, folder)}

    (folder / "flg.docx").write_bytes(minutes_docx([ROWS[0], ROWS[2], ("Nytt", "Kalla till möte.", "EK")]))
    (report,) = await ingestor(store).run(LocalFolderSource(folder, store))

    # The third row moved up: the same item at a new place (updated, same id), not a new one.
    assert (report.added, report.updated, report.withdrawn) == (1, 1, 1)
    by_text = {i.text: i for i in await all_items(store, folder)}
    assert by_text["Boka visning av lokalerna."].status is ItemStatus.WITHDRAWN
    assert by_text["Annonsera tjänsten senast fredag."].id == ids["Annonsera tjänsten senast fredag."]
    assert by_text["Kalla till möte."].id not in ids.values()


async def test_a_deleted_file_withdraws_its_items(folder: Path, store: SqlStore) -> None:
    await ingestor(store).run(LocalFolderSource(folder, store))
    doomed = next(folder.glob("004_*.docx"))
    key = f"{LocalFolderSource(folder, store).name}|{doomed.name}"
    doomed.unlink()
    (report,) = await ingestor(store).run(LocalFolderSource(folder, store))
    assert report.outcome is Outcome.DELETED and report.withdrawn > 0
    assert {i.status for i in await store.items_of_document(key)} == {ItemStatus.WITHDRAWN}


async def test_a_broken_file_is_recorded_once_and_blocks_nothing(folder: Path, store: SqlStore) -> None:
    (folder / "trasig.docx").write_bytes(b"PK\x03\x04 inte en riktig fil")
    reports = await ingestor(store).run(LocalFolderSource(folder, store))
    (failed,) = [r for r in reports if r.outcome is Outcome.FAILED]
    assert failed.reported and failed.failure and "skadad" in failed.failure
    assert summarise(reports)[Outcome.INGESTED] == 5
    await forget_cursor(store, folder)  # offered again in the same version: not news
    (again,) = [
        r for r in await ingestor(store).run(LocalFolderSource(folder, store)) if r.outcome is Outcome.FAILED
    ]
    assert not again.reported


async def test_a_document_that_is_no_minutes_is_reported_as_such_not_as_an_error(
    folder: Path, store: SqlStore
) -> None:
    (folder / "recept.txt").write_text(
        "Kanelbullar: blanda mjöl och smör, grädda i tio minuter.", encoding="utf-8"
    )
    (folder / "info.txt").write_text("Protokoll 2025-03-04\n\nInformation: verksamheten går enligt plan.\n")
    reports = {r.name: r for r in await ingestor(store).run(LocalFolderSource(folder, store))}
    recipe = reports["recept.txt"]
    assert recipe.outcome is Outcome.FAILED and recipe.failure and "mötesprotokoll" in recipe.failure
    # Valid minutes that hold only information give no items and no error.
    assert reports["info.txt"].outcome is Outcome.INGESTED
    assert summarise(list(reports.values()))[Outcome.INGESTED] == 6


async def test_a_file_over_the_size_limit_is_refused_without_reading(folder: Path, store: SqlStore) -> None:
    small = Ingestor(store=store, clock=clock, reader=in_process_reader, max_bytes=1_000)
    reports = await small.run(LocalFolderSource(folder, store))
    assert {r.outcome for r in reports} == {Outcome.FAILED}
    assert all("större än gränsen" in (r.failure or "") for r in reports)
    assert await store.list_items() == []


async def test_a_failure_does_not_lose_what_was_stored(folder: Path, store: SqlStore) -> None:
    await ingestor(store).run(LocalFolderSource(folder, store))
    rows = await snapshot(store, folder)
    next(folder.glob("001_*.docx")).write_bytes(b"PK\x03\x04 trasig")
    (report,) = await ingestor(store).run(LocalFolderSource(folder, store))
    assert report.outcome is Outcome.FAILED
    assert await snapshot(store, folder) == rows


async def test_the_sandboxed_reader_ingests_a_real_file(tmp_path: Path, store: SqlStore) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(next(SAMPLES.glob("002_*.pdf")), folder)
    reading = Ingestor(store=store, clock=clock, reader=sandboxed_reader)
    (report,) = await reading.run(LocalFolderSource(folder, store))
    assert report.outcome is Outcome.INGESTED and report.added >= 11


def test_an_ingestor_needs_a_reader_or_an_analyser(store: SqlStore) -> None:
    with pytest.raises(TypeError):
        Ingestor(store=store, clock=clock)


async def test_files_read_ahead_are_stored_in_the_sources_order(folder: Path, store: SqlStore) -> None:
    # A reader that takes longer for earlier files: read side by side, the later ones finish first; the
    # store must still see (and the reports list) the files in the order the source gave them.
    reading: list[str] = []
    most_at_once = 0

    async def slow_reader(data: bytes, filename: str) -> ParsedDocument:
        nonlocal most_at_once
        reading.append(filename)
        most_at_once = max(most_at_once, len(reading))
        await asyncio.sleep(0.05 if len(reading) == 1 else 0)
        try:
            return await in_process_reader(data, filename)
        finally:
            reading.remove(filename)

    source = LocalFolderSource(folder, store)
    ahead = Ingestor(store=store, clock=clock, reader=slow_reader, reads_ahead=3)

    reports = await ahead.run(source)

    assert most_at_once > 1
    assert [r.name for r in reports] == sorted(path.name for path in folder.iterdir())  # the listing's order
    assert all(r.outcome is Outcome.INGESTED for r in reports)
    stored_in_order = [e.subject for e in await store.audit_log() if e.action == "document.ingested"]
    assert stored_in_order == [r.document_key for r in reports]


async def test_reading_and_extracting_in_read_servers_stores_what_reading_here_does(
    folder: Path, tmp_path: Path, store: SqlStore
) -> None:
    # As the service ingests (bot/app.py): a SandboxPool's read servers read and extract, two files ahead.
    here = await ingestor(store).run(LocalFolderSource(folder, store))
    (tmp_path / "served").mkdir()
    served_store = await open_store(sqlite_url(tmp_path / "served"))
    readers = SandboxPool(2)
    try:
        served = Ingestor(store=served_store, clock=clock, analyser=readers.read_and_extract, reads_ahead=2)
        reports = await served.run(LocalFolderSource(folder, served_store))
        served_rows = await snapshot(served_store, folder)
    finally:
        await readers.close()
        await served_store.close()

    assert [r.outcome for r in reports] == [r.outcome for r in here] == [Outcome.INGESTED] * 5
    assert served_rows == await snapshot(store, folder)


async def test_the_card_waits_until_the_document_has_settled(tmp_path: Path, store: SqlStore) -> None:
    # SharePoint's AutoSave makes a version every few seconds while the secretary types: each is ingested,
    # but the card goes out only once the document has not changed for the settle time.
    folder = tmp_path / "flg"
    folder.mkdir()
    (folder / "flg.docx").write_bytes(minutes_docx(ROWS))
    settle = timedelta(minutes=2)

    def ingesting_at(at: datetime) -> Ingestor:
        return Ingestor(store=store, clock=lambda: at, reader=in_process_reader, settle=settle)

    await ingesting_at(NOW).run(LocalFolderSource(folder, store))
    (pending,) = await store.outbox_messages()
    assert pending.next_attempt_at == NOW + settle

    typed = NOW + timedelta(seconds=90)  # the next AutoSave version, before the card went out
    (folder / "flg.docx").write_bytes(minutes_docx([*ROWS, ("Nytt", "Kalla till möte.", "EK")]))
    (report,) = await ingesting_at(typed).run(LocalFolderSource(folder, store))
    assert report.added == 1  # ingestion itself does not wait
    (pending,) = await store.outbox_messages()  # still one card to post, later
    assert pending.next_attempt_at == typed + settle

    await store.save_conversation(CHANNEL, at=NOW)
    await store.follow_group(CHANNEL.conversation_id, "FLG", by="aad-yk", at=NOW, origin="test")
    sender = RecordingSender()
    assert await Deliverer(store, sender, lambda: NOW + settle, worker="w1").run_once() == 0
    assert await Deliverer(store, sender, lambda: typed + settle, worker="w1").run_once() == 1
    assert len(sender.sent) == 1


# -- a document's group: first from where it was read, then from its text ------------------------------------


async def test_a_document_takes_its_group_from_the_place_it_was_read(tmp_path: Path, store: SqlStore) -> None:
    fsg, other = tmp_path / "fsg", tmp_path / "annat"
    fsg.mkdir(), other.mkdir()
    shutil.copy(SAMPLES / "000_9fb95432c85b271b.docx", fsg / "protokoll.docx")  # its text says FLG
    shutil.copy(SAMPLES / "000_9fb95432c85b271b.docx", other / "protokoll.docx")
    groups = SourceGroups.parse({str(fsg): "FSG"})
    placed = Ingestor(store=store, clock=clock, reader=in_process_reader, source_groups=groups)
    await placed.run(LocalFolderSource(fsg, store))
    await placed.run(LocalFolderSource(other, store))
    by_folder = {
        Path(d.key.split("|")[0].removeprefix("local:")).name: d.group for d in await store.documents()
    }
    assert by_folder == {"fsg": "FSG", "annat": "FLG"}  # the place first, then the text
    assert {i.group for i in await store.list_items()} == {"FLG", "FSG"}


def test_source_groups_match_the_longest_place() -> None:
    groups = SourceGroups.parse(
        {
            "https://kommun.sharepoint.com/sites/VOF/Protokoll": "FLG",
            "https://kommun.sharepoint.com/sites/VOF/Protokoll/FSG": "FSG",
        }
    )
    assert groups.group_of("https://kommun.sharepoint.com/sites/VOF/Protokoll/FSG/2024/a.docx") == "FSG"
    assert groups.group_of("https://kommun.sharepoint.com/sites/VOF/Protokoll/b.docx") == "FLG"
    assert groups.group_of("https://kommun.sharepoint.com/sites/VOF/Protokoll%20gamla/b.docx") is None
    assert groups.group_of(None) is None
