"""A format added to the registry (minutes.formats) is listed by both document sources, with no list of
suffixes of their own to forget."""

from __future__ import annotations

from pathlib import Path

import pytest
from msgraph.graph_service_client import GraphServiceClient

import minutes.formats
from minutes.formats import FORMATS, DocumentFormat
from minutes.model import ParsedDocument
from sources.local_folder import LocalFolderSource
from sources.sharepoint import SharePointSource
from tests.fake_graph import FakeDrive, GraphState
from tests.graph_fixtures import MemoryCursors


def read_nothing(data: bytes) -> ParsedDocument:
    return ParsedDocument(blocks=(), source_format="rtf")


RTF = DocumentFormat("rtf", ".rtf", "RTF", read_nothing)


@pytest.fixture
def with_rtf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minutes.formats, "FORMATS", (*FORMATS, RTF))


def listed(refs: object) -> set[str]:
    assert isinstance(refs, (list, tuple))
    return {ref.name for ref in refs if not ref.deleted}


def folder_of_minutes(tmp_path: Path) -> Path:
    folder = tmp_path / "protokoll"
    folder.mkdir()
    for name in ("FLG 2024-10-01.docx", "FLG 2024-10-15.rtf", "budget.xlsx"):
        (folder / name).write_bytes(b"x")
    return folder


async def test_the_local_folder_lists_a_registered_format(tmp_path: Path, with_rtf: None) -> None:
    folder = folder_of_minutes(tmp_path)
    assert listed(await LocalFolderSource(folder, MemoryCursors()).changes()) == {
        "FLG 2024-10-01.docx",
        "FLG 2024-10-15.rtf",
    }


async def test_the_local_folder_lists_no_unregistered_format(tmp_path: Path) -> None:
    folder = folder_of_minutes(tmp_path)
    assert listed(await LocalFolderSource(folder, MemoryCursors()).changes()) == {"FLG 2024-10-01.docx"}


@pytest.mark.parametrize("registered", [True, False])
async def test_sharepoint_lists_a_registered_format(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    monkeypatch: pytest.MonkeyPatch,
    registered: bool,
) -> None:
    if registered:
        monkeypatch.setattr(minutes.formats, "FORMATS", (*FORMATS, RTF))
    for name in ("FLG 2024-10-01.docx", "FLG 2024-10-15.rtf", "budget.xlsx"):
        state.add_file(library, f"Protokoll/{name}", b"x")
    refs = await SharePointSource(graph, library_url, cursors).changes()
    assert listed(refs) == {"FLG 2024-10-01.docx"} | ({"FLG 2024-10-15.rtf"} if registered else set())
