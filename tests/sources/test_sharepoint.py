"""SharePointSource with the real msgraph SDK against the fake Graph: delta, cursors, filtering, downloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from msgraph.graph_service_client import GraphServiceClient

from graph.client import close_graph_client, make_graph_client
from graph.errors import GraphSourceError
from minutes.records import DocumentRef, DocumentTooLarge, ItemStatus, SourceError
from sources.sharepoint import SharePointSource, is_sharing_link, share_id, split_library_url
from store import SqlStore
from tests.fake_graph import FakeDrive, FakeGraph, FakeItem, GraphState
from tests.fakes import in_process_reader
from tests.graph_fixtures import FLG_DOCX, FakeCredential, MemoryCursors
from workflows.ingest import Ingestor, Outcome

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NOW = datetime(2024, 11, 4, 8, 0, tzinfo=UTC)


def names(refs: object) -> set[str]:
    assert isinstance(refs, (list, tuple))
    return {ref.name for ref in refs if not ref.deleted}


@pytest.fixture
def documents(state: GraphState, library: FakeDrive) -> dict[str, FakeItem]:
    return {
        "a": state.add_file(library, "Protokoll/FLG 2024-10-01.docx", FLG_DOCX),
        "b": state.add_file(library, "Protokoll/FLG 2024-10-15.PDF", b"%PDF-1.7 b"),
        "c": state.add_file(library, "Protokoll/anteckningar.txt", b"text"),
        "d": state.add_file(library, "Protokoll/2024/november/FLG 2024-11-05.md", b"# md"),
        "sheet": state.add_file(library, "Protokoll/budget.xlsx", b"xlsx"),
        "outside": state.add_file(library, "Annat/FLG utkast.docx", b"draft"),
    }


IN_FOLDER = {"FLG 2024-10-01.docx", "FLG 2024-10-15.PDF", "anteckningar.txt", "FLG 2024-11-05.md"}


async def test_first_run_lists_the_folders_documents_across_pages(
    graph: GraphServiceClient,
    fake: FakeGraph,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)

    refs = await source.changes()

    assert names(refs) == IN_FOLDER
    deltas = state.requests_to("/delta")
    assert len(deltas) > 2  # page_size=2: several pages through @odata.nextLink
    assert deltas[0].path.endswith("/items/root/delta()") and "$select" in deltas[0].query
    assert all(r.query.get("token", "").startswith("page-") for r in deltas[1:])
    first = next(ref for ref in refs if ref.name == "FLG 2024-10-01.docx")
    assert first.source == f"sharepoint:{library.id}"
    assert first.version is not None and first.version.startswith('"c:')
    assert first.size == len(FLG_DOCX) and first.web_url and first.modified is not None
    assert first.key == f"sharepoint:{library.id}|{first.item_id}"


async def test_the_cursor_moves_only_on_commit(
    graph: GraphServiceClient, library_url: str, cursors: MemoryCursors, documents: dict[str, FakeItem]
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await source.changes()
    assert cursors.cursors == {}

    await source.commit()

    (cursor,) = cursors.cursors.values()
    assert "/delta?token=" in cursor


async def test_uncommitted_changes_are_listed_again_after_a_restart(
    graph: GraphServiceClient, library_url: str, cursors: MemoryCursors, documents: dict[str, FakeItem]
) -> None:
    first = await SharePointSource(graph, library_url, cursors).changes()

    again = await SharePointSource(graph, library_url, cursors).changes()

    assert names(again) == names(first) == IN_FOLDER


async def test_a_new_source_resumes_from_the_saved_deltalink(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await source.changes()
    await source.commit()
    state.add_file(library, "Protokoll/FLG 2024-12-03.docx", b"new")
    state.edit_file(documents["a"], FLG_DOCX + b" edited")
    state.requests.clear()

    restarted = SharePointSource(graph, library_url, cursors)
    refs = await restarted.changes()

    assert names(refs) == {"FLG 2024-12-03.docx", "FLG 2024-10-01.docx"}
    assert state.requests_to("/delta")[0].query["token"] in state.delta_tokens  # not a full enumeration


async def test_an_edited_document_comes_back_with_a_new_ctag(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    before = {ref.name: ref for ref in await source.changes()}
    await source.commit()

    state.edit_file(documents["a"], FLG_DOCX + b" edited")
    (after,) = await source.changes()

    assert after.item_id == before["FLG 2024-10-01.docx"].item_id
    assert after.version != before["FLG 2024-10-01.docx"].version


async def test_a_renamed_document_keeps_its_version(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    before = {ref.item_id: ref for ref in await source.changes()}
    await source.commit()

    state.rename(documents["a"], "FLG 2024-10-01 justerat.docx")
    (after,) = await source.changes()

    assert after.name == "FLG 2024-10-01 justerat.docx"
    assert after.version == before[after.item_id].version  # cTag: the content did not change


async def test_without_ctag_in_delta_the_etag_is_the_version(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    state.omit_ctag_in_delta = True

    refs = await SharePointSource(graph, library_url, cursors).changes()

    assert refs and all(ref.version and ref.version.startswith('"{') for ref in refs)


async def test_a_document_deleted_in_sharepoint_comes_back_as_deleted(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await source.changes()
    await source.commit()

    state.delete(documents["b"])
    state.delete(state.add_folder(library, "Protokoll/2024/november"))
    refs = await source.changes()

    assert refs == [DocumentRef(f"sharepoint:{library.id}", documents["b"].id, "", deleted=True)]


async def test_an_expired_deltalink_restarts_with_a_full_enumeration(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await source.changes()
    await source.commit()
    state.expire_delta_tokens()
    state.requests.clear()

    refs = await source.changes()
    await source.commit()

    assert names(refs) == IN_FOLDER
    tokens = [r.query.get("token") for r in state.requests_to("/delta")]
    assert tokens[0] is not None and tokens[0].startswith("d") and tokens[1] == "resync"
    state.add_file(state.drives[next(iter(state.drives))], "Protokoll/ny.docx", b"ny")
    assert names(await source.changes()) == {"ny.docx"}  # the new deltaLink works


def gone(refs: object) -> set[str]:
    """The item ids of the documents reported gone."""
    assert isinstance(refs, (list, tuple))
    return {ref.item_id for ref in refs if ref.deleted}


async def committed(source: SharePointSource) -> None:
    await source.changes()
    await source.commit()


async def test_a_document_moved_out_of_the_folder_is_reported_gone_and_back_when_it_returns(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await committed(source)
    elsewhere = state.add_folder(library, "Arkiv")

    state.move(documents["a"], elsewhere)
    state.move(documents["outside"], state.add_folder(library, "Annat/2024"))  # never ours: not news
    refs = await source.changes()
    await source.commit()

    assert gone(refs) == {documents["a"].id} and names(refs) == set()
    (ref,) = refs
    assert ref.key == f"sharepoint:{library.id}|{documents['a'].id}" and ref.name == "FLG 2024-10-01.docx"

    state.move(documents["a"], elsewhere)  # moved within the outside: already reported
    assert await source.changes() == []
    await source.commit()

    state.move(documents["a"], state.add_folder(library, "Protokoll/2024"))
    assert names(await source.changes()) == {"FLG 2024-10-01.docx"}


async def test_a_document_renamed_to_a_type_that_does_not_count_is_reported_gone(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await committed(source)

    state.rename(documents["c"], "anteckningar.txt.bak")
    state.rename(documents["sheet"], "budget-2.xlsx")  # never counted: not news
    refs = await source.changes()

    assert gone(refs) == {documents["c"].id} and names(refs) == set()


async def test_a_deleted_folder_still_reports_only_its_deleted_documents(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await committed(source)

    state.delete(documents["d"])
    state.delete(state.add_folder(library, "Protokoll/2024/november"))

    assert gone(await source.changes()) == {documents["d"].id}


async def test_documents_deleted_while_the_deltalink_was_invalid_are_swept_after_the_resync(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await committed(source)
    state.expire_delta_tokens()
    state.delete(documents["b"])  # gone before the next delta: a full enumeration simply does not list it
    state.delete(documents["outside"])  # not in the folder: never ours
    state.move(documents["d"], state.add_folder(library, "Arkiv"))
    state.add_file(library, "Protokoll/ny.docx", b"ny")

    refs = await source.changes()
    await source.commit()

    assert gone(refs) == {documents["b"].id, documents["d"].id}
    assert names(refs) == IN_FOLDER - {"FLG 2024-10-15.PDF", "FLG 2024-11-05.md"} | {"ny.docx"}
    assert len(refs) == len({ref.item_id for ref in refs})  # each document once
    swept = next(ref for ref in refs if ref.item_id == documents["b"].id)
    assert swept.source == f"sharepoint:{library.id}"

    state.expire_delta_tokens()  # a second resync: what was swept stays gone, nothing is news
    assert gone(await source.changes()) == set()


async def test_a_resync_that_fails_half_way_sweeps_nothing_and_is_done_again(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await committed(source)
    saved = dict(cursors.cursors)
    state.expire_delta_tokens()
    state.delete(documents["b"])
    state.fail("/delta", 500, query_contains="token=page-")  # a later page of the resync

    with pytest.raises(SourceError):
        await source.changes()
    await source.commit()  # nothing pending: the cursor stays where it was

    assert cursors.cursors == saved
    refs = await source.changes()
    assert gone(refs) == {documents["b"].id} and names(refs) == IN_FOLDER - {"FLG 2024-10-15.PDF"}


async def test_two_sources_on_folders_of_one_drive_never_sweep_each_others_documents(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    minutes = SharePointSource(graph, library_url, cursors)
    drafts = SharePointSource(graph, library.web_url, cursors, folder="Annat")
    await committed(minutes)
    await committed(drafts)
    assert len(cursors.cursors) == 2
    state.expire_delta_tokens()

    assert gone(await minutes.changes()) == set()
    assert gone(await drafts.changes()) == set()


async def test_a_cursor_saved_as_a_bare_deltalink_starts_over(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await committed(source)
    ((key, cursor),) = cursors.cursors.items()
    cursors.cursors[key] = json.loads(cursor)["deltaLink"]  # as the previous version saved it
    state.requests.clear()

    refs = await source.changes()

    assert names(refs) == IN_FOLDER and gone(refs) == set()
    assert "token" not in state.requests_to("/delta")[0].query  # a full enumeration


async def test_throttling_with_retry_after_is_retried(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    state.fail("/delta", 429, Retry_After="1")

    refs = await SharePointSource(graph, library_url, cursors).changes()

    assert names(refs) == IN_FOLDER
    first, retried = state.requests_to("/delta")[:2]
    assert first.path == retried.path and retried.headers.get("retry-attempt") == "1"


async def test_a_short_503_storm_is_ridden_out(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    state.fail("/delta", 503, times=2, Retry_After="1")

    refs = await SharePointSource(graph, library_url, cursors).changes()

    assert names(refs) == IN_FOLDER
    assert state.requests_to("/delta")[2].headers.get("retry-attempt") == "2"


async def test_a_503_storm_beyond_the_retries_becomes_one_swedish_error(
    fake: FakeGraph,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    impatient = make_graph_client(FakeCredential(), base_url=fake.base_url, max_retries=1, retry_delay=0)
    source = SharePointSource(impatient, library_url, cursors)
    await source.resolve()
    state.fail("/delta", 503, times=2, Retry_After="1")
    try:
        with pytest.raises(GraphSourceError) as raised:
            await source.changes()
    finally:
        await close_graph_client(impatient)

    assert raised.value.message == "SharePoint svarar inte just nu (HTTP 503), försöker igen senare"
    assert raised.value.status == 503 and raised.value.retryable
    assert isinstance(raised.value, SourceError)  # what the ingest workflow catches
    assert cursors.cursors == {}


async def test_only_files_with_allowed_extensions_in_the_folder_count(
    graph: GraphServiceClient, library_url: str, cursors: MemoryCursors, documents: dict[str, FakeItem]
) -> None:
    refs = await SharePointSource(graph, library_url, cursors, extensions=("docx", ".MD")).changes()

    assert names(refs) == {"FLG 2024-10-01.docx", "FLG 2024-11-05.md"}


async def test_later_changes_deep_in_the_folder_are_placed_by_asking_for_their_parents(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await source.changes()
    await source.commit()
    state.parents_in_delta = False  # as with the deltaExcludeParent header: no folders in the page
    state.add_file(library, "Protokoll/2024/november/FLG 2024-11-19.docx", b"deep")
    state.add_file(library, "Annat/2024/FLG kopia.docx", b"elsewhere")
    state.requests.clear()

    refs = await source.changes()

    assert names(refs) == {"FLG 2024-11-19.docx"}
    looked_up = [r for r in state.requests if "/items/" in r.path and "delta" not in r.path]
    assert looked_up and all(r.query.get("$select") for r in looked_up)


async def test_a_document_moved_into_the_folder_appears(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    await source.changes()
    await source.commit()

    state.move(documents["outside"], state.add_folder(library, "Protokoll"))

    assert names(await source.changes()) == {"FLG utkast.docx"}


async def test_the_library_view_address_means_the_whole_library(
    graph: GraphServiceClient, library: FakeDrive, cursors: MemoryCursors, documents: dict[str, FakeItem]
) -> None:
    view = f"{library.web_url}/Forms/AllItems.aspx"

    refs = await SharePointSource(graph, view, cursors).changes()

    assert names(refs) == IN_FOLDER | {"FLG utkast.docx"}


async def test_an_explicit_folder_wins_over_the_address(
    graph: GraphServiceClient,
    library: FakeDrive,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    refs = await SharePointSource(graph, library_url, cursors, folder="/Protokoll/2024/").changes()

    assert names(refs) == {"FLG 2024-11-05.md"}


async def test_a_sharing_link_to_a_folder_is_resolved_through_shares(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    link = state.share(library, state.add_folder(library, "Protokoll"))
    source = SharePointSource(graph, link, cursors)

    refs = await source.changes()

    assert names(refs) == IN_FOLDER
    (shares,) = state.requests_to("/shares/")
    assert shares.path == f"/shares/{share_id(link)}/driveItem" and "=" not in share_id(link)
    assert "delningslänk" in source.name and link.rsplit("/", 1)[1] not in source.name


async def test_a_sharing_link_to_a_file_is_refused_in_swedish(
    graph: GraphServiceClient,
    state: GraphState,
    library: FakeDrive,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    link = state.share(library, documents["a"])

    with pytest.raises(GraphSourceError, match="pekar på en fil"):
        await SharePointSource(graph, link, cursors).changes()


async def test_an_unknown_site_is_a_swedish_404(graph: GraphServiceClient, cursors: MemoryCursors) -> None:
    source = SharePointSource(
        graph, "https://contoso.sharepoint.com/sites/Finnsinte/Delade%20dokument", cursors
    )

    with pytest.raises(GraphSourceError) as raised:
        await source.changes()

    assert raised.value.status == 404
    assert (
        raised.value.message == "Hittar ingen SharePoint-webbplats på contoso.sharepoint.com/sites/Finnsinte"
    )


async def test_an_unknown_folder_is_named_in_the_error(
    graph: GraphServiceClient, library: FakeDrive, cursors: MemoryCursors
) -> None:
    source = SharePointSource(graph, library.web_url, cursors, folder="Protokol")

    with pytest.raises(GraphSourceError, match="Hittar ingen mapp Protokol i biblioteket"):
        await source.changes()


async def test_download_follows_the_redirect_without_sending_the_token_along(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    ref = next(ref for ref in await source.changes() if ref.name.endswith(".docx"))

    data = await source.download(ref, max_bytes=1_000_000)

    assert data == FLG_DOCX
    (content,) = state.requests_to("/content")
    assert content.headers["authorization"] == "Bearer fake-token"
    assert [download.authorization for download in state.downloads] == [None]


async def test_a_known_size_past_the_limit_is_refused_before_downloading(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    ref = next(ref for ref in await source.changes() if ref.name.endswith(".docx"))

    with pytest.raises(DocumentTooLarge, match="större än gränsen"):
        await source.download(ref, max_bytes=len(FLG_DOCX) - 1)

    assert state.requests_to("/content") == [] and state.downloads == []


@pytest.mark.parametrize("declared_length", [True, False], ids=["content-length", "chunked"])
async def test_a_file_that_grew_past_the_limit_is_cut_off(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
    declared_length: bool,
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    ref = next(ref for ref in await source.changes() if ref.name.endswith(".docx"))
    documents["a"].content = FLG_DOCX * 200  # grew after delta listed it
    state.download_content_length = declared_length

    with pytest.raises(DocumentTooLarge):
        await source.download(ref, max_bytes=len(FLG_DOCX) * 10)


async def test_a_download_of_a_vanished_file_is_a_swedish_error(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    ref = next(ref for ref in await source.changes() if ref.name.endswith(".docx"))
    state.delete(documents["a"])

    with pytest.raises(GraphSourceError, match="HTTP 404"):
        await source.download(ref, max_bytes=1_000_000)


async def test_a_throttled_download_is_retried(
    graph: GraphServiceClient,
    state: GraphState,
    library_url: str,
    cursors: MemoryCursors,
    documents: dict[str, FakeItem],
) -> None:
    source = SharePointSource(graph, library_url, cursors)
    ref = next(ref for ref in await source.changes() if ref.name.endswith(".docx"))
    state.fail("/content", 503, Retry_After="1")

    assert await source.download(ref, max_bytes=1_000_000) == FLG_DOCX


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://contoso.sharepoint.com/sites/FLG/Delade%20dokument/Protokoll",
            ("contoso.sharepoint.com", "/sites/FLG", "/sites/FLG/Delade dokument/Protokoll"),
        ),
        (
            "https://contoso.sharepoint.com/teams/Kansli/Shared%20Documents/Forms/AllItems.aspx?id=x",
            ("contoso.sharepoint.com", "/teams/Kansli", "/teams/Kansli/Shared Documents"),
        ),
        (
            "https://contoso.sharepoint.com/Delade%20dokument",
            ("contoso.sharepoint.com", "", "/Delade dokument"),
        ),
    ],
)
def test_library_addresses_split_into_host_site_and_path(url: str, expected: tuple[str, str, str]) -> None:
    assert split_library_url(url) == expected


def test_sharing_links_are_told_from_library_addresses() -> None:
    assert is_sharing_link("https://contoso.sharepoint.com/:f:/s/FLG/EabcDEF")
    assert not is_sharing_link("https://contoso.sharepoint.com/sites/FLG/Delade%20dokument")


def test_share_ids_are_unpadded_base64url() -> None:
    # The example of the Graph docs ("Encoding sharing URLs").
    assert share_id("https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1") == (
        "u!aHR0cHM6Ly9vbmVkcml2ZS5saXZlLmNvbS9yZWRpcj9yZXNpZD0xMjMxMjQ0MTkzOTEyITEyJmF1dGhLZXk9MTIwMTkxOSExMjkyMSEx"
    )


async def test_moved_out_and_swept_documents_have_their_items_withdrawn_in_the_store(
    graph: GraphServiceClient, state: GraphState, library: FakeDrive, library_url: str, store: SqlStore
) -> None:
    first, second = sorted(SAMPLES.glob("00[01]_*.txt"))
    moved = state.add_file(library, f"Protokoll/{first.name}", first.read_bytes())
    deleted = state.add_file(library, f"Protokoll/{second.name}", second.read_bytes())
    source = SharePointSource(graph, library_url, store)
    ingestor = Ingestor(store=store, clock=lambda: NOW, reader=in_process_reader)
    reports = await ingestor.run(source)
    assert [report.outcome for report in reports] == [Outcome.INGESTED, Outcome.INGESTED]
    keys = {report.name: report.document_key for report in reports}
    assert all([await store.items_of_document(key) for key in keys.values()])

    state.move(moved, state.add_folder(library, "Arkiv"))
    (report,) = await ingestor.run(source)
    assert (report.document_key, report.outcome) == (keys[first.name], Outcome.DELETED) and report.withdrawn
    state.expire_delta_tokens()
    state.delete(deleted)
    (report,) = await ingestor.run(source)
    assert (report.document_key, report.outcome) == (keys[second.name], Outcome.DELETED) and report.withdrawn

    for key in keys.values():
        stored = await store.get_document(key)
        assert stored is not None and stored.status == "deleted"
        assert {item.status for item in await store.items_of_document(key)} == {ItemStatus.WITHDRAWN}
    assert await ingestor.run(source) == []
