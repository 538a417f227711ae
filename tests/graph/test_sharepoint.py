"""SharePointSource with the real msgraph SDK against the fake Graph: delta, cursors, filtering, downloads."""

from __future__ import annotations

import pytest
from msgraph.graph_service_client import GraphServiceClient

from graph.client import close_graph_client, make_graph_client
from graph.errors import GraphSourceError
from graph.sharepoint import SharePointSource, is_sharing_link, share_id, split_library_url
from minutes.records import DocumentRef, DocumentTooLarge, SourceError
from tests.fake_graph import FakeDrive, FakeGraph, FakeItem, GraphState
from tests.graph_fixtures import FLG_DOCX, FakeCredential, MemoryCursors


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
