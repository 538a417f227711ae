"""The local folder as a source: any file name is ingested under a safe key or recorded as failed (the others go
on), ordinary names keep the keys they always had, and a file still being written waits."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from minutes.model import ParsedDocument
from sources.local_folder import LocalFolderSource
from store import SqlStore
from tests.fakes import in_process_reader
from workflows.ingest import Ingestor, Outcome

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FLG = SAMPLES / "000_9fb95432c85b271b.docx"
FSG = SAMPLES / "004_5d60c65ffe97348b.docx"
NOW = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)


def ingestor(store: SqlStore) -> Ingestor:
    return Ingestor(store=store, clock=lambda: NOW, reader=in_process_reader)


def write_raw(folder: Path, raw_name: bytes, data: bytes) -> None:
    """A file whose name is the given bytes, as a USB stick or an old Samba share may leave it."""
    with open(os.path.join(os.fsencode(folder), raw_name), "wb") as handle:
        handle.write(data)


async def test_the_key_of_an_ordinary_name_is_unchanged(tmp_path: Path, store: SqlStore) -> None:
    folder = tmp_path / "protokoll"
    (folder / "2024 höst").mkdir(parents=True)
    shutil.copy(FLG, folder / "2024 höst" / "FLG 26 aug.docx")
    (report,) = await ingestor(store).run(LocalFolderSource(folder, store))
    assert report.outcome is Outcome.INGESTED
    # The key every stored item, card and audit entry refers to: the same as before issue 11.
    assert report.document_key == f"local:{folder.resolve()}|2024 höst/FLG 26 aug.docx"
    document = await store.get_document(report.document_key)
    assert document is not None and document.name == "FLG 26 aug.docx"


async def test_a_name_that_is_not_utf8_stops_nothing_and_is_ingested(tmp_path: Path, store: SqlStore) -> None:
    folder = tmp_path / "protokoll"
    folder.mkdir()
    shutil.copy(FLG, folder / "good.docx")
    write_raw(folder, b"bad\xff\xfename.docx", FSG.read_bytes())
    source = LocalFolderSource(folder, store)

    reports = await ingestor(store).run(source)

    assert sorted(r.outcome for r in reports) == [Outcome.INGESTED, Outcome.INGESTED]
    good = next(r for r in reports if r.name == "good.docx")
    assert good.document_key == f"{source.name}|good.docx"
    bad = next(r for r in reports if r is not good)
    assert bad.document_key.isprintable() and "\ufffd" in bad.name
    assert await ingestor(store).run(LocalFolderSource(folder, store)) == []  # the cursor moved on
    (gone,) = [path for path in os.listdir(os.fsencode(folder)) if path.startswith(b"bad")]
    os.unlink(os.path.join(os.fsencode(folder), gone))
    (deleted,) = await ingestor(store).run(LocalFolderSource(folder, store))
    assert (deleted.document_key, deleted.outcome) == (bad.document_key, Outcome.DELETED)


@pytest.mark.parametrize("name", ["rad ett\nrad två.docx", "klocka\x07\x1b[31m.docx", "tab\tvt\x0b.docx"])
async def test_newlines_and_control_characters_in_a_name_stop_nothing(
    tmp_path: Path, store: SqlStore, name: str
) -> None:
    folder = tmp_path / "protokoll"
    folder.mkdir()
    shutil.copy(FLG, folder / "good.docx")
    shutil.copy(FSG, folder / name)
    reports = await ingestor(store).run(LocalFolderSource(folder, store))
    assert [r.outcome for r in reports] == [Outcome.INGESTED, Outcome.INGESTED]
    assert all(r.name.isprintable() for r in reports)  # a report line (`fel: NAME: …`) stays one line


async def test_a_very_deep_path_is_ingested_on_every_backend(tmp_path: Path, store: SqlStore) -> None:
    folder = tmp_path / "protokoll"
    deep = folder.joinpath(*[f"{n}-" + "mapp" * 50 for n in range(6)])  # over 1,200 characters
    deep.mkdir(parents=True)
    shutil.copy(FSG, deep / "fsg.docx")
    shutil.copy(FLG, folder / "good.docx")
    source = LocalFolderSource(folder, store, max_key_length=store.max_key_length)
    reports = await ingestor(store).run(source)
    assert sorted(r.outcome for r in reports) == [Outcome.INGESTED, Outcome.INGESTED]
    assert len(await store.list_items()) > 10
    deep_key = next(r.document_key for r in reports if r.name == "fsg.docx")
    if store.max_key_length is None:  # SQLite enforces no length: the key it always had
        assert deep_key == f"{source.name}|{(deep / 'fsg.docx').relative_to(folder).as_posix()}"
    else:  # PostgreSQL's documents.key is VARCHAR(1000)
        assert len(deep_key) <= store.max_key_length


def between_listings(source: LocalFolderSource, action: Callable[[], object]) -> None:
    """Run `action` right after the source's next listing of the folder, before it lists again: what a
    writer does while the source waits to list a second time."""
    listing = source._listing
    done = False

    def listing_then_act() -> object:
        nonlocal done
        found = listing()
        if not done:
            done = True
            action()
        return found

    source._listing = listing_then_act  # type: ignore[method-assign]


async def test_a_file_still_being_written_waits_until_two_listings_agree(
    tmp_path: Path, store: SqlStore
) -> None:
    folder = tmp_path / "protokoll"
    folder.mkdir()
    data = FLG.read_bytes()
    half = len(data) // 2
    (folder / "flg.docx").write_bytes(data[:half])  # the copy has begun
    read: list[int] = []

    async def reader(content: bytes, filename: str) -> ParsedDocument:
        read.append(len(content))
        return await in_process_reader(content, filename)

    def copy_the_rest() -> None:
        with (folder / "flg.docx").open("ab") as handle:
            handle.write(data[half:])

    source = LocalFolderSource(folder, store, recheck_after=0.01)
    watching = Ingestor(store=store, clock=lambda: NOW, reader=reader)
    between_listings(source, copy_the_rest)  # the copy goes on between the two listings
    assert await watching.run(source) == [] and read == []  # not read while it changed

    (report,) = await watching.run(source)  # unchanged since the last listing: read now, whole
    assert report.outcome is Outcome.INGESTED and read == [len(data)]


async def test_a_file_that_vanishes_for_one_listing_is_not_deleted(tmp_path: Path, store: SqlStore) -> None:
    # Word saves by renaming: the file is briefly missing. Only two listings without it count as a deletion.
    folder = tmp_path / "protokoll"
    folder.mkdir()
    shutil.copy(FLG, folder / "flg.docx")
    source = LocalFolderSource(folder, store, recheck_after=0.01)
    (first,) = await ingestor(store).run(source)
    aside = tmp_path / "flg.docx.tmp"
    (folder / "flg.docx").rename(aside)
    between_listings(source, lambda: aside.rename(folder / "flg.docx"))
    assert await ingestor(store).run(source) == []
    document = await store.get_document(first.document_key)
    assert document is not None and document.status == "ok"

    (folder / "flg.docx").unlink()  # gone for good: two listings in a row miss it
    (gone,) = await ingestor(store).run(source)
    assert (gone.document_key, gone.outcome) == (first.document_key, Outcome.DELETED)


async def test_a_one_shot_ingest_reads_what_is_there_at_once(tmp_path: Path, store: SqlStore) -> None:
    folder = tmp_path / "protokoll"
    folder.mkdir()
    shutil.copy(FLG, folder / "flg.docx")
    (report,) = await ingestor(store).run(LocalFolderSource(folder, store))  # as `minutesbot ingest`
    assert report.outcome is Outcome.INGESTED


async def test_a_document_ref_of_a_safe_key_downloads_the_real_file(tmp_path: Path) -> None:
    # The key names the file without its raw bytes; the source still finds the file it listed.
    folder = tmp_path / "protokoll"
    folder.mkdir()
    write_raw(folder, b"r\xe4ksm\xf6rg\xe5s.txt", b"Minnesanteckningar")

    class NoCursors:
        async def get_cursor(self, source: str) -> str | None:
            return None

        async def save_cursor(self, source: str, cursor: str) -> None:
            return None

    source = LocalFolderSource(folder, NoCursors())
    (ref,) = await source.changes()
    data = await source.download(ref, max_bytes=1000)
    assert data == b"Minnesanteckningar" and ref.key.isprintable()
