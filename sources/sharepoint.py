"""SharePoint document library as a source of minutes: resolve the library, track it with delta, download. Does I/O."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import httpx
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.drives.item.items.item.delta.delta_get_response import DeltaGetResponse
from msgraph.generated.drives.item.items.item.delta.delta_request_builder import DeltaRequestBuilder
from msgraph.generated.drives.item.items.item.drive_item_item_request_builder import (
    DriveItemItemRequestBuilder,
)
from msgraph.generated.models.drive_item import DriveItem
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.shares.item.drive_item.drive_item_request_builder import DriveItemRequestBuilder
from msgraph.graph_service_client import GraphServiceClient

from graph.client import http_client_of
from graph.errors import GRAPH_ERRORS, GraphSourceError, error_for_status, too_large, translate_error
from minutes.formats import supported_suffixes
from minutes.logsafe import safe_log_field
from minutes.records import DocumentRef
from workflows.ports import CursorStore

logger = logging.getLogger(__name__)

# Everything delta needs to build a DocumentRef and to place an item in the folder tree; smaller pages.
DELTA_FIELDS = [
    "id",
    "name",
    "file",
    "folder",
    "root",
    "deleted",
    "eTag",
    "cTag",
    "size",
    "lastModifiedDateTime",
    "webUrl",
    "parentReference",
]
ITEM_FIELDS = ["id", "name", "file", "folder", "root", "parentReference"]
# A folder chain deeper than this is treated as outside the configured folder (guards against cycles).
MAX_FOLDER_DEPTH = 64
SOURCE_PREFIX = "sharepoint:"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Library:
    """A resolved document library: the drive, and the folder within it that holds the minutes."""

    drive_id: str
    folder_id: str | None  # None: the whole library

    @property
    def source(self) -> str:
        return f"{SOURCE_PREFIX}{self.drive_id}"

    @property
    def cursor_key(self) -> str:
        # Two sources on different folders of one drive must not share a deltaLink.
        return self.source if self.folder_id is None else f"{self.source}:{self.folder_id}"


@dataclass(frozen=True, slots=True)
class Cursor:
    """What a source keeps between runs: the deltaLink to continue from, and the ids of the documents it
    reported in its folder and has not reported deleted since. Delta says where a file is, not where it was,
    so these ids tell a file moved out of the folder (or renamed to a type that does not count) from one that
    was never there; and after a full enumeration, those not listed again are gone. Kept per source rather
    than read from the store: two sources on different folders of one drive each know their own."""

    delta_link: str
    documents: frozenset[str] = frozenset()

    def dumps(self) -> str:
        return json.dumps({"deltaLink": self.delta_link, "documents": sorted(self.documents)})

    @classmethod
    def loads(cls, text: str | None) -> Cursor | None:
        """The saved cursor; None for none, or for one that is not this JSON, such as a bare deltaLink saved
        by an earlier version: it knows no documents, so the source starts over with a full enumeration,
        which finds them (the files themselves are not read again: their versions have not changed)."""
        try:
            saved = json.loads(text) if text and text.lstrip().startswith("{") else None
            if not isinstance(saved, dict) or not isinstance(saved.get("deltaLink"), str):
                return None
            return cls(saved["deltaLink"], frozenset(map(str, saved.get("documents") or ())))
        except (ValueError, TypeError):
            return None


@dataclass(frozen=True, slots=True)
class DeltaBatch:
    """One complete delta page set: the items (last occurrence wins) and the link to continue from."""

    items: tuple[DriveItem, ...]
    delta_link: str
    full_enumeration: bool


class SharePointSource:
    """A SharePoint library (or a folder of it) as a DocumentSource.

    `library_url` is either the library's address as the browser shows it (site path form, optionally with a
    folder after the library name) or a sharing link to the library or a folder. `folder` is a path within
    the library ("Protokoll/2024"); when given it wins over a folder in the URL."""

    def __init__(
        self,
        graph: GraphServiceClient,
        library_url: str,
        cursors: CursorStore,
        *,
        folder: str | None = None,
        extensions: Collection[str] | None = None,
    ) -> None:
        self._graph = graph
        self._library_url = library_url.strip()
        self._cursors = cursors
        self._folder = folder.strip("/") if folder and folder.strip("/") else None
        # The registry's formats (minutes.formats) unless told otherwise: a format added there is listed.
        listed = supported_suffixes() if extensions is None else extensions
        self._extensions = tuple(normalise_extension(extension) for extension in listed)
        self._library: Library | None = None
        self._pending_cursor: tuple[str, str] | None = None  # (cursor key, deltaLink) until commit()

    @property
    def name(self) -> str:
        return describe_library_url(self._library_url)

    async def resolve(self) -> Library:
        """The drive and folder behind the URL; asked of Graph once per instance."""
        if self._library is None:
            try:
                self._library = await self._resolve_library()
            except GRAPH_ERRORS as error:
                raise translate_error(error) from error
            logger.info("resolved %s to drive %s", safe_log_field(self.name), self._library.drive_id)
        return self._library

    async def changes(self) -> Sequence[DocumentRef]:
        """The documents added, edited or gone since the last commit. Gone: deleted, moved out of the folder,
        renamed to a type that does not count, or (after a full enumeration, such as the resync a 410 asks
        for) not listed any more. Only a complete page set counts: a run that fails half-way reports nothing."""
        library = await self.resolve()
        saved = Cursor.loads(await self._cursors.get_cursor(library.cursor_key))
        known = saved.documents if saved is not None else frozenset()
        try:
            batch = await self._collect_delta(library.drive_id, saved.delta_link if saved else None)
            refs = await self._documents_in(library, batch.items, known)
        except GRAPH_ERRORS as error:
            raise translate_error(error) from error
        if batch.full_enumeration:
            # Everything there is was listed: a known document that was not is gone, deleted while the
            # deltaLink was invalid (a deleted item is not part of an enumeration).
            listed = {ref.item_id for ref in refs}
            refs += [DocumentRef(library.source, gone, "", deleted=True) for gone in sorted(known - listed)]
        documents = (known | {ref.item_id for ref in refs}) - {ref.item_id for ref in refs if ref.deleted}
        # Saved by commit(), once the caller has applied these: a crash in between replays them.
        self._pending_cursor = (library.cursor_key, Cursor(batch.delta_link, documents).dumps())
        logger.info(
            "%s: %d changed items, %d documents%s",
            safe_log_field(self.name),
            len(batch.items),
            len(refs),
            " (full enumeration)" if batch.full_enumeration else "",
        )
        return refs

    async def commit(self) -> None:
        if self._pending_cursor is not None:
            await self._cursors.save_cursor(*self._pending_cursor)
            self._pending_cursor = None

    async def download(self, ref: DocumentRef, *, max_bytes: int) -> bytes:
        if ref.size is not None and ref.size > max_bytes:
            raise too_large(max_bytes)
        if not ref.source.startswith(SOURCE_PREFIX):
            raise ValueError(f"not a SharePoint document: {ref.source}")
        drive_id = ref.source.removeprefix(SOURCE_PREFIX)
        content = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(ref.item_id).content
        info = content.to_get_request_information()
        adapter = self._graph.request_adapter
        info.path_parameters["baseurl"] = adapter.base_url
        try:
            # Streamed through the same middleware (auth, retry, redirect to the pre-authenticated URL),
            # so a file that grew since delta is cut off at the limit instead of being buffered whole.
            request = await adapter.convert_to_native_async(info)
            assert isinstance(request, httpx.Request)
            response = await http_client_of(self._graph).send(request, stream=True)
            try:
                if response.status_code != 200:
                    raise error_for_status(response.status_code)
                return await read_limited(response, max_bytes)
            finally:
                await response.aclose()
        except GRAPH_ERRORS as error:
            raise translate_error(error) from error

    async def _resolve_library(self) -> Library:
        if is_sharing_link(self._library_url):
            return await self._resolve_sharing_link()
        return await self._resolve_site_path()

    async def _resolve_sharing_link(self) -> Library:
        shared = self._graph.shares.by_shared_drive_item_id(share_id(self._library_url)).drive_item
        config = RequestConfiguration(
            query_parameters=DriveItemRequestBuilder.DriveItemRequestBuilderGetQueryParameters(
                select=ITEM_FIELDS
            )
        )
        item = await shared.get(config)
        drive_id = item.parent_reference.drive_id if item and item.parent_reference else None
        if item is None or not item.id or not drive_id:
            raise GraphSourceError("Delningslänken leder inte till något dokumentbibliotek")
        if item.folder is None and item.root is None:
            raise GraphSourceError("Delningslänken pekar på en fil; ange biblioteket eller en mapp i stället")
        if self._folder is not None:
            return Library(drive_id, await self._folder_id(drive_id, self._folder, below=item))
        return Library(drive_id, None if item.root is not None else item.id)

    async def _resolve_site_path(self) -> Library:
        host, site_path, path = split_library_url(self._library_url)
        site_key = f"{host}:{site_path}:" if site_path else host
        site = await none_if_missing(self._graph.sites.by_site_id(site_key).get())
        if site is None or not site.id:
            raise GraphSourceError(f"Hittar ingen SharePoint-webbplats på {host}{site_path}", status=404)
        drives = await self._graph.sites.by_site_id(site.id).drives.get()
        library_path, drive_id = "", ""
        for drive in (drives.value if drives else None) or []:
            drive_path = unquote(urlsplit(drive.web_url or "").path).rstrip("/")
            if drive.id and is_path_prefix(drive_path, path) and len(drive_path) > len(library_path):
                library_path, drive_id = drive_path, drive.id
        if not drive_id:
            raise GraphSourceError(f"Hittar inget dokumentbibliotek på adressen {host}{path}")
        folder = self._folder or path[len(library_path) :].strip("/") or None
        return Library(drive_id, await self._folder_id(drive_id, folder) if folder else None)

    async def _folder_id(self, drive_id: str, folder: str, *, below: DriveItem | None = None) -> str:
        base = "root" if below is None or below.root is not None else f"{below.id}"
        item = await self._get_item(drive_id, f"{base}:/{folder}:")
        if item is None or not item.id or item.folder is None:
            raise GraphSourceError(f"Hittar ingen mapp {folder} i biblioteket", status=404)
        return item.id

    async def _get_item(self, drive_id: str, item_id: str) -> DriveItem | None:
        """The item, or None when Graph does not know it (404)."""
        builder = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id)
        query = DriveItemItemRequestBuilder.DriveItemItemRequestBuilderGetQueryParameters(select=ITEM_FIELDS)
        return await none_if_missing(builder.get(RequestConfiguration(query_parameters=query)))

    async def _collect_delta(self, drive_id: str, cursor: str | None) -> DeltaBatch:
        delta = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id("root").delta
        items: dict[str, DriveItem] = {}
        full_enumeration = cursor is None
        resynced = False
        next_url = cursor
        while True:
            try:
                page = await self._delta_page(delta, next_url)
            except ODataError as error:
                location = (error.response_headers or {}).get("location")
                if error.response_status_code != 410 or resynced or not location:
                    raise
                # The token is too old (or the service lost it): start over from the link it gives.
                logger.warning("delta token for drive %s expired (410); full resync", drive_id)
                items.clear()
                resynced, full_enumeration, next_url = True, True, location
                continue
            for item in page.value or []:
                if item.id:
                    items.pop(item.id, None)  # the same item may repeat; its last occurrence wins
                    items[item.id] = item
            if page.odata_next_link:
                next_url = page.odata_next_link
            elif page.odata_delta_link:
                return DeltaBatch(tuple(items.values()), page.odata_delta_link, full_enumeration)
            else:
                raise GraphSourceError(
                    "SharePoint avbröt ändringslistan utan fortsättningslänk", retryable=True
                )

    async def _delta_page(self, delta: DeltaRequestBuilder, url: str | None) -> DeltaGetResponse:
        if url is None:
            query = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(select=DELTA_FIELDS)
            page = await delta.get(RequestConfiguration(query_parameters=query))
        else:
            # nextLink and deltaLink are absolute and carry their own query (never PageIterator: it drops
            # the deltaLink in msgraph-core 1.5.2).
            page = await delta.with_url(url).get()
        if page is None:
            raise GraphSourceError("SharePoint gav ett tomt svar på ändringslistan", retryable=True)
        return page

    async def _documents_in(
        self, library: Library, items: Sequence[DriveItem], known: Collection[str]
    ) -> list[DocumentRef]:
        """The documents among the changed items; `known` are the ids of the documents reported before."""
        scope = FolderScope(library, items, lambda item_id: self._get_item(library.drive_id, item_id))
        refs: list[DocumentRef] = []
        for item in items:
            if not item.id or item.folder is not None or item.root is not None:
                continue
            if item.deleted is not None:
                # Delta omits name and path of deleted items, so neither folder nor extension can be checked
                # when the name is gone: the caller ignores deletions of documents it never saw.
                if item.name is None or has_extension(item.name, self._extensions) or item.id in known:
                    refs.append(document_ref(library, item, deleted=True))
                continue
            if item.file is not None and item.name and has_extension(item.name, self._extensions):
                parent_id = item.parent_reference.id if item.parent_reference else None
                if await scope.contains(parent_id):
                    refs.append(document_ref(library, item))
                    continue
            if item.id in known:
                # A document of ours moved out of the folder or renamed to a type that does not count: to
                # this source it is gone, as if deleted (its items are withdrawn; moved back, they return).
                refs.append(document_ref(library, item, deleted=True))
        return refs


class FolderScope:
    """Whether a folder lies under the configured folder, for one delta batch.

    Delta gives no parentReference.path (a renamed folder does not list its descendants), so the scope is
    decided on ids: walk the parent chain through the folders in the batch, asking Graph for ancestors the
    batch does not contain; answers are remembered for the batch."""

    def __init__(
        self,
        library: Library,
        items: Sequence[DriveItem],
        get_item: Callable[[str], Awaitable[DriveItem | None]],
    ) -> None:
        self._library = library
        self._get_item = get_item
        self._parents: dict[str, str | None] = {}
        self._known: dict[str, bool] = {}
        for item in items:
            if item.id and item.deleted is None and (item.folder is not None or item.root is not None):
                self._parents[item.id] = item.parent_reference.id if item.parent_reference else None
                if item.root is not None:
                    self._known[item.id] = False
        if library.folder_id is not None:
            self._known[library.folder_id] = True

    async def contains(self, folder_id: str | None) -> bool:
        if self._library.folder_id is None:
            return True
        chain: list[str] = []
        current = folder_id
        verdict = False
        while current is not None and len(chain) < MAX_FOLDER_DEPTH:
            if current in self._known:
                verdict = self._known[current]
                break
            chain.append(current)
            current = await self._parent_of(current)
        for walked in chain:
            self._known[walked] = verdict
        return verdict

    async def _parent_of(self, folder_id: str) -> str | None:
        if folder_id not in self._parents:
            item = await self._get_item(folder_id)
            # The drive root (or a folder Graph no longer knows) ends the walk: outside the scope.
            if item is None or item.root is not None or item.parent_reference is None:
                self._parents[folder_id] = None
            else:
                self._parents[folder_id] = item.parent_reference.id
        return self._parents[folder_id]


async def none_if_missing(request: Awaitable[T]) -> T | None:
    """The answer, or None for 404 (a folder deleted since delta listed it, a mistyped site)."""
    try:
        return await request
    except ODataError as error:
        if error.response_status_code == 404:
            return None
        raise


async def read_limited(response: httpx.Response, max_bytes: int) -> bytes:
    """The body, refused as soon as it passes `max_bytes` (declared or received)."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    chunks: list[bytes] = []
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def document_ref(library: Library, item: DriveItem, *, deleted: bool = False) -> DocumentRef:
    assert item.id is not None
    return DocumentRef(
        source=library.source,
        item_id=item.id,
        name=item.name or "",
        # cTag changes only with content; eTag also with metadata (rename, properties). Delta on OneDrive
        # for Business may omit cTag, hence the fallback: a spurious re-read costs little, a missed edit a lot.
        version=item.c_tag or item.e_tag,
        web_url=item.web_url,
        modified=item.last_modified_date_time,
        size=item.size,
        deleted=deleted,
    )


def share_id(url: str) -> str:
    """The /shares id of a sharing link or any SharePoint URL: 'u!' + unpadded base64url of the URL."""
    return "u!" + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def is_sharing_link(url: str) -> bool:
    """Sharing links look like https://host/:f:/s/Site/Token (':f:' folder, ':w:' Word, ':b:' PDF, …)."""
    first = urlsplit(url).path.lstrip("/").split("/", 1)[0]
    return len(first) >= 3 and first.startswith(":") and first.endswith(":")


def split_library_url(url: str) -> tuple[str, str, str]:
    """(host, site path, decoded path without a trailing view page) of a library address.
    The site path is '/sites/X' or '/teams/X', or '' for the root site."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise GraphSourceError(f"Ogiltig SharePoint-adress: {describe_library_url(url)}")
    segments = [segment for segment in unquote(parts.path).split("/") if segment]
    # The browser shows '…/Delade dokument/Forms/AllItems.aspx' for a library's default view.
    if "Forms" in segments and segments[-1].lower().endswith(".aspx"):
        segments = segments[: segments.index("Forms")]
    elif segments and segments[-1].lower().endswith(".aspx"):
        segments = segments[:-1]
    path = "/" + "/".join(segments)
    if len(segments) >= 2 and segments[0].lower() in ("sites", "teams"):
        return parts.hostname, f"/{segments[0]}/{segments[1]}", path
    return parts.hostname, "", path


def describe_library_url(url: str) -> str:
    """A name for logs and messages; a sharing link's token stays out of it."""
    parts = urlsplit(url)
    if is_sharing_link(url):
        return f"SharePoint-delningslänk på {parts.hostname}"
    return f"SharePoint {parts.hostname}{unquote(parts.path)}"


def is_path_prefix(prefix: str, path: str) -> bool:
    prefix, path = prefix.casefold().rstrip("/"), path.casefold().rstrip("/")
    return bool(prefix) and (path == prefix or path.startswith(prefix + "/"))


def normalise_extension(extension: str) -> str:
    extension = extension.strip().casefold()
    return extension if extension.startswith(".") else f".{extension}"


def has_extension(name: str, extensions: Sequence[str]) -> bool:
    return name.casefold().endswith(tuple(extensions))
