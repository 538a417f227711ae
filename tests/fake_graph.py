"""A fake Microsoft Graph and SharePoint download host on 127.0.0.1 for the real SDK. Does I/O (loopback only).

Every JSON body it sends is validated against the Graph v1.0 schema (schemas/, vendored), strictly: a body
that fails is answered with 500 and recorded in `FakeGraph.problems`, which the fixtures assert empty. Its
state is a plain `GraphState`, set up before the server starts and changed by tests between calls. Planner
(plans, buckets, tasks) lives in tests/fake_planner.py, served here; `POST /$batch` answers each sub-request
as if it had come alone."""

from __future__ import annotations

import base64
import copy
import hashlib
import ipaddress
import json
import re
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web
from aiohttp.test_utils import make_mocked_request
from jsonschema import Draft202012Validator, FormatChecker

from tests.fake_planner import PlannerRoutes, PlannerState, planner_schema_refinements

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "graph-v1.components.json"  # vendored
MAX_SUBSCRIPTION_LIFETIME = timedelta(minutes=42300)
Json = dict[str, Any]
Handler = Callable[..., Awaitable[web.StreamResponse]]


# --- Schema validation ---------------------------------------------------------------------------------


class GraphSchemas:
    """Validators for Graph types, strict for what the fake emits: no property outside the schema except
    OData annotations ('@odata.etag', …), which is the project's choice, not Graph's contract (driveItem is
    an open type). `size` must be a JSON number: the SDK silently reads a string as None."""

    def __init__(self, path: Path = SCHEMA_PATH) -> None:
        components = copy.deepcopy(json.loads(path.read_text(encoding="utf-8"))["components"])
        for schema in components["schemas"].values():
            make_strict(schema)
        make_strict(components["schemas"]["error"]["properties"]["error"])
        components["schemas"]["microsoft.graph.driveItem"]["properties"]["size"] = {
            "type": ["integer", "null"]
        }
        planner_schema_refinements(components["schemas"])
        self._components = components
        self._validators: dict[str, Draft202012Validator] = {}

    def errors(self, kind: str, body: Any) -> list[str]:
        """Messages for each violation; `kind` is 'driveItem', 'collection:user', 'error', …"""
        return [
            f"{kind} at /{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
            for error in self.validator(kind).iter_errors(body)
        ]

    def validator(self, kind: str) -> Draft202012Validator:
        if kind not in self._validators:
            self._validators[kind] = Draft202012Validator(
                {"components": self._components, **self._schema_of(kind)}, format_checker=FormatChecker()
            )
        return self._validators[kind]

    def _schema_of(self, kind: str) -> Json:
        if kind == "error":
            return {"$ref": "#/components/schemas/error"}
        if kind.startswith("collection:"):
            item = {"$ref": f"#/components/schemas/microsoft.graph.{kind.removeprefix('collection:')}"}
            return {
                "type": "object",
                "required": ["value"],
                "properties": {
                    "value": {"type": "array", "items": item},
                    "@odata.context": {"type": "string"},
                    "@odata.nextLink": {"type": "string"},
                    "@odata.deltaLink": {"type": "string"},
                },
                "additionalProperties": False,
            }
        return {"$ref": f"#/components/schemas/microsoft.graph.{kind}"}


def make_strict(schema: Json) -> None:
    if schema.get("type") == "object" and "properties" in schema:
        schema.setdefault("additionalProperties", False)
        schema.setdefault("patternProperties", {"^@": {}})


# --- State -----------------------------------------------------------------------------------------------


@dataclass
class FakeItem:
    id: str
    name: str
    parent_id: str | None  # None: the drive's root folder
    folder: bool = False
    content: bytes = b""
    content_version: int = 1  # cTag
    meta_version: int = 1  # eTag
    deleted: bool = False
    changed: int = 0  # sequence number of the last change
    modified: datetime = field(default_factory=lambda: datetime(2024, 10, 1, 9, 0, tzinfo=UTC))
    reported_size: int | None = None  # what the metadata says, when it differs from the bytes served


@dataclass
class FakeDrive:
    id: str
    name: str
    web_url: str
    root: FakeItem
    items: dict[str, FakeItem] = field(default_factory=dict)


@dataclass
class FakeSite:
    id: str
    path: str  # '/sites/FLG'; '' for the root site
    name: str
    web_url: str
    drive_ids: list[str] = field(default_factory=list)


@dataclass
class Failure:
    """Answer `status` (with `headers`) to the next `times` requests whose decoded path contains
    `path_contains`."""

    path_contains: str
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    query_contains: str = ""  # and whose raw query string contains this ('token=page-': a later delta page)
    after: bool = (
        False  # carry the request out first, then answer the failure (a create whose answer is lost)
    )


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # decoded, '//' collapsed, without '/v1.0'
    raw_path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class RecordedDownload:
    path: str
    authorization: str | None


@dataclass
class GraphState:
    """Everything the fake serves. Tests build it before start and change it between calls."""

    host: str = "contoso.sharepoint.com"
    sites: dict[str, FakeSite] = field(default_factory=dict)
    drives: dict[str, FakeDrive] = field(default_factory=dict)
    users: list[Json] = field(default_factory=list)
    subscriptions: dict[str, Json] = field(default_factory=dict)
    sharing_links: dict[str, tuple[str, str]] = field(default_factory=dict)  # url → (drive id, item id)
    failures: list[Failure] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    downloads: list[RecordedDownload] = field(default_factory=list)
    page_size: int = 200
    sequence: int = 0
    delta_tokens: dict[str, int] = field(default_factory=dict)  # deltaLink token → sequence it stands for
    omit_ctag_in_delta: bool = False  # OneDrive for Business may leave cTag out of delta
    parents_in_delta: bool = True  # Graph lists the parent folders of changed items (no deltaExcludeParent)
    download_content_length: bool = True
    download_chunk: int = 16_384
    planner: PlannerState = field(default_factory=PlannerState)  # tests/fake_planner.py

    def add_site(self, path: str = "/sites/FLG", name: str = "FLG") -> FakeSite:
        site = FakeSite(
            id=f"{self.host},{uuid.uuid4()},{uuid.uuid4()}",
            path=path,
            name=name,
            web_url=f"https://{self.host}{quote(path)}",
        )
        self.sites[path.casefold()] = site
        return site

    def add_library(
        self, site: FakeSite, name: str = "Dokument", url_name: str = "Delade dokument"
    ) -> FakeDrive:
        drive_id = "b!" + base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).decode().rstrip("=")
        root = FakeItem(id=new_item_id(), name="root", parent_id=None, folder=True)
        drive = FakeDrive(drive_id, name, f"{site.web_url}/{quote(url_name)}", root, {root.id: root})
        self.drives[drive_id] = drive
        site.drive_ids.append(drive_id)
        return drive

    def add_folder(self, drive: FakeDrive, path: str) -> FakeItem:
        parent = drive.root
        for name in [part for part in path.split("/") if part]:
            found = self.child(drive, parent, name)
            if found is None:
                found = FakeItem(id=new_item_id(), name=name, parent_id=parent.id, folder=True)
                drive.items[found.id] = found
                self._touch(found)
            parent = found
        return parent

    def add_file(self, drive: FakeDrive, path: str, content: bytes) -> FakeItem:
        folder, _, name = path.rpartition("/")
        parent = self.add_folder(drive, folder) if folder else drive.root
        item = FakeItem(id=new_item_id(), name=name, parent_id=parent.id, content=content)
        drive.items[item.id] = item
        self._touch(item)
        return item

    def edit_file(self, item: FakeItem, content: bytes) -> None:
        item.content = content
        item.content_version += 1
        item.meta_version += 1
        self._touch(item)

    def rename(self, item: FakeItem, name: str) -> None:
        item.name = name
        item.meta_version += 1  # eTag only: the content (cTag) is the same
        self._touch(item)

    def move(self, item: FakeItem, folder: FakeItem) -> None:
        item.parent_id = folder.id
        item.meta_version += 1
        self._touch(item)

    def delete(self, item: FakeItem) -> None:
        item.deleted = True
        self._touch(item)

    def share(self, drive: FakeDrive, item: FakeItem) -> str:
        url = f"https://{self.host}/:f:/s/FLG/E{uuid.uuid4().hex[:22]}"
        self.sharing_links[url] = (drive.id, item.id)
        return url

    def expire_delta_tokens(self) -> None:
        """Every deltaLink handed out so far gets 410 Gone (with a Location to start over)."""
        self.delta_tokens.clear()

    def fail(
        self,
        path_contains: str,
        status: int,
        *,
        times: int = 1,
        method: str = "GET",
        query_contains: str = "",
        after: bool = False,
        **headers: str,
    ) -> None:
        self.failures.append(
            Failure(
                path_contains,
                status,
                times,
                {k.replace("_", "-"): v for k, v in headers.items()},
                method,
                query_contains,
                after,
            )
        )

    def add_user(self, display_name: str, upn: str, mail: str | None = None) -> Json:
        user = {
            "id": str(uuid.uuid4()),
            "displayName": display_name,
            "userPrincipalName": upn,
            "mail": mail or upn,
        }
        self.users.append(user)
        return user

    def child(self, drive: FakeDrive, parent: FakeItem, name: str) -> FakeItem | None:
        for item in drive.items.values():
            if item.parent_id == parent.id and not item.deleted and item.name.casefold() == name.casefold():
                return item
        return None

    def path_of(self, drive: FakeDrive, item: FakeItem) -> str:
        """'/Protokoll/2024' for a folder below the root; '' for the root."""
        names: list[str] = []
        current: FakeItem | None = item
        while current is not None and current.parent_id is not None:
            names.append(current.name)
            current = drive.items.get(current.parent_id)
        return "".join(f"/{name}" for name in reversed(names))

    def requests_to(self, fragment: str) -> list[RecordedRequest]:
        return [request for request in self.requests if fragment in request.path]

    def _touch(self, item: FakeItem) -> None:
        self.sequence += 1
        item.changed = self.sequence
        item.modified = datetime(2024, 10, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=self.sequence)


def new_item_id() -> str:
    return "01" + base64.b32encode(uuid.uuid4().bytes).decode().rstrip("=")[:32]


# --- Server ----------------------------------------------------------------------------------------------


class FakeGraph:
    """Two loopback servers: Graph at `base_url` and the pre-authenticated download host `/content` redirects
    to, on another port (so the SDK must drop Authorization)."""

    def __init__(self, state: GraphState, schemas: GraphSchemas) -> None:
        self.state = state
        self.schemas = schemas
        self.problems: list[str] = []
        self._runners: list[web.AppRunner] = []
        self._snapshots: dict[str, tuple[list[Json], int]] = {}
        self.base_url = ""
        self.download_url = ""
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"/sites/(?P<site>[^/:]+)/drives"), self._site_drives),
            ("GET", re.compile(r"/sites/(?P<host>[^/:]+):(?P<path>/.*?):?"), self._site_by_path),
            ("GET", re.compile(r"/sites/(?P<site>[^/:]+)"), self._site_by_id),
            ("GET", re.compile(r"/shares/(?P<share>[^/]+)/driveItem"), self._shared_item),
            (
                "GET",
                re.compile(r"/drives/(?P<drive>[^/]+)/(?:items/)?(?P<item>[^/:]+)/delta(?:\(\))?"),
                self._delta,
            ),
            ("GET", re.compile(r"/drives/(?P<drive>[^/]+)/items/(?P<item>[^/:]+)/content"), self._content),
            (
                "GET",
                re.compile(r"/drives/(?P<drive>[^/]+)/(?:items/)?(?P<item>[^/:]+):(?P<path>/.*?):?"),
                self._item_by_path,
            ),
            ("GET", re.compile(r"/drives/(?P<drive>[^/]+)/items/(?P<item>[^/:]+)"), self._item_by_id),
            ("GET", re.compile(r"/users"), self._users),
            ("POST", re.compile(r"/subscriptions"), self._create_subscription),
            ("PATCH", re.compile(r"/subscriptions/(?P<id>[^/]+)"), self._renew_subscription),
            ("DELETE", re.compile(r"/subscriptions/(?P<id>[^/]+)"), self._delete_subscription),
        ]
        self._routes.append(("POST", re.compile(r"/\$batch"), self._batch))
        self.planner = PlannerRoutes(self)
        self._routes += [(m, re.compile(p), handler) for m, p, handler in self.planner.routes()]

    async def __aenter__(self) -> FakeGraph:
        graph_port = await self._serve(self._dispatch)
        download_port = await self._serve(self._download)
        self.base_url = f"http://127.0.0.1:{graph_port}/v1.0"
        self.download_url = f"http://127.0.0.1:{download_port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for runner in self._runners:
            await runner.cleanup()

    async def _serve(self, handler: Handler) -> int:
        app = web.Application()
        app.router.add_route("*", r"/{tail:[\s\S]*}", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.create_server(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        self._runners.append(runner)
        return int(sock.getsockname()[1])

    # The catch-all route: httpx sends '/v1.0//drives/…' with a base_url ending in '/', aiohttp's router
    # does not collapse '//', and the SDK percent-encodes ids (':' '/' '!'), so route on the decoded path.
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.raw_path.split("?", 1)[0]
        path = re.sub(r"/{2,}", "/", unquote(raw_path)).removeprefix("/v1.0").rstrip("/") or "/"
        body = await request.read()
        self.state.requests.append(
            RecordedRequest(
                request.method,
                path,
                raw_path,
                dict(request.query),
                {name.lower(): value for name, value in request.headers.items()},
                body,
            )
        )
        try:
            # Planner counts every request against its plan, the throttled and failed ones too.
            arrived = self.state.planner.clock()
            plan_id = self.planner.plan_of(request.method, path, body)
            response = await self._answer(request, path, body, plan_id)
            if plan_id is not None:
                self.planner.record(plan_id, request.method, path, response.status, arrived)
            return response
        except Exception as error:  # a bug in the fake must fail the test, not look like a Graph error
            self.problems.append(f"{request.method} {path}: {error!r}")
            raise

    async def _answer(
        self, request: web.Request, path: str, body: bytes, plan_id: str | None
    ) -> web.StreamResponse:
        if plan_id is not None and (throttled := self.planner.throttle(plan_id)) is not None:
            return throttled
        query = request.query_string
        if (injected := self._injected_failure(request.method, path, query)) is not None:
            return injected
        for method, pattern, handler in self._routes:
            if method == request.method and (match := pattern.fullmatch(path)):
                response = await handler(request, body=body, **match.groupdict())
                after = self._injected_failure(request.method, path, query, after=True)
                return response if after is None else after
        return self._error(404, "itemNotFound", f"no route for {request.method} {path}")

    async def _batch(self, request: web.Request, *, body: bytes) -> web.Response:
        """JSON batching: each sub-request is answered (and counted against its plan, throttled, failed) as if it
        had come alone; Graph takes at most 20 in one batch."""
        requests = json.loads(body).get("requests")
        if not isinstance(requests, list) or not 0 < len(requests) <= 20:
            return self._error(400, "BadRequest", "A batch holds 1 to 20 requests.")
        responses: list[Json] = []
        for sub in requests:
            url = "/" + str(sub["url"]).lstrip("/")
            sub_body = json.dumps(sub["body"]).encode() if "body" in sub else b""
            headers = {str(k): str(v) for k, v in (sub.get("headers") or {}).items()}
            mocked = make_mocked_request(str(sub["method"]), url, headers=headers)
            path = re.sub(r"/{2,}", "/", unquote(url.split("?", 1)[0])).rstrip("/") or "/"
            arrived = self.state.planner.clock()
            plan_id = self.planner.plan_of(mocked.method, path, sub_body)
            answer = await self._answer(mocked, path, sub_body, plan_id)
            if plan_id is not None:
                self.planner.record(plan_id, mocked.method, path, answer.status, arrived)
            response: Json = {"id": sub["id"], "status": answer.status, "headers": {}}
            if isinstance(answer, web.Response) and answer.body:
                response["body"] = json.loads(bytes(answer.body))  # type: ignore[arg-type]
                response["headers"] = {
                    k: v for k, v in answer.headers.items() if k.lower() != "content-length"
                }
            responses.append(response)
        return web.json_response({"responses": responses})

    def _injected_failure(
        self, method: str, path: str, query: str = "", *, after: bool = False
    ) -> web.Response | None:
        for failure in self.state.failures:
            if (
                failure.times > 0
                and failure.after is after
                and failure.method == method
                and failure.path_contains in path
                and failure.query_contains in query
            ):
                failure.times -= 1
                code = {429: "TooManyRequests", 503: "serviceNotAvailable", 504: "gatewayTimeout"}
                return self._error(
                    failure.status, code.get(failure.status, "generalException"), "injected", failure.headers
                )
        return None

    # --- responses ---

    def _json(
        self, kind: str, body: Json, status: int = 200, headers: dict[str, str] | None = None
    ) -> web.Response:
        problems = self.schemas.errors(kind, body)
        if problems:
            self.problems.extend(problems)
            return web.Response(status=500, text="the fake's body failed schema validation")
        return web.json_response(body, status=status, headers=headers)

    def _error(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> web.Response:
        return self._json("error", {"error": {"code": code, "message": message}}, status, headers)

    def _selected(self, request: web.Request, body: Json) -> Json:
        select = request.query.get("$select")
        if not select:
            return body
        wanted = {name.strip() for name in select.split(",")}
        return {key: value for key, value in body.items() if key in wanted or key.startswith("@")}

    # --- sites and drives ---

    async def _site_by_path(self, request: web.Request, *, host: str, path: str, body: bytes) -> web.Response:
        site = self.state.sites.get(path.rstrip("/").casefold()) if host == self.state.host else None
        return self._site(request, site)

    async def _site_by_id(self, request: web.Request, *, site: str, body: bytes) -> web.Response:
        found = next((s for s in self.state.sites.values() if s.id == site), None)
        if found is None and site == self.state.host:
            found = self.state.sites.get("")
        return self._site(request, found)

    def _site(self, request: web.Request, site: FakeSite | None) -> web.Response:
        if site is None:
            return self._error(404, "itemNotFound", "Requested site could not be found")
        body = {"id": site.id, "name": site.name, "displayName": site.name, "webUrl": site.web_url}
        return self._json("site", self._selected(request, body))

    async def _site_drives(self, request: web.Request, *, site: str, body: bytes) -> web.Response:
        found = next((s for s in self.state.sites.values() if s.id == site), None)
        if found is None:
            return self._error(404, "itemNotFound", "Requested site could not be found")
        drives = [self.state.drives[drive_id] for drive_id in found.drive_ids]
        value = [
            self._selected(
                request,
                {"id": d.id, "name": d.name, "driveType": "documentLibrary", "webUrl": d.web_url},
            )
            for d in drives
        ]
        return self._json("collection:drive", {"value": value})

    async def _shared_item(self, request: web.Request, *, share: str, body: bytes) -> web.Response:
        if not share.startswith("u!"):
            return self._error(400, "invalidRequest", "Invalid shares key")
        encoded = share.removeprefix("u!")
        url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        if url not in self.state.sharing_links:
            return self._error(404, "itemNotFound", "The sharing link no longer exists")
        drive_id, item_id = self.state.sharing_links[url]
        drive = self.state.drives[drive_id]
        return self._json("driveItem", self._selected(request, self._item_json(drive, drive.items[item_id])))

    # --- items ---

    def _drive_item(self, drive_id: str, item_id: str) -> tuple[FakeDrive | None, FakeItem | None]:
        drive = self.state.drives.get(drive_id)
        if drive is None:
            return None, None
        item = drive.root if item_id == "root" else drive.items.get(item_id)
        return drive, None if item is None or item.deleted else item

    async def _item_by_id(self, request: web.Request, *, drive: str, item: str, body: bytes) -> web.Response:
        found_drive, found = self._drive_item(drive, item)
        if found_drive is None or found is None:
            return self._error(404, "itemNotFound", "The resource could not be found.")
        return self._json("driveItem", self._selected(request, self._item_json(found_drive, found)))

    async def _item_by_path(
        self, request: web.Request, *, drive: str, item: str, path: str, body: bytes
    ) -> web.Response:
        found_drive, found = self._drive_item(drive, item)
        for name in [part for part in path.split("/") if part]:
            if found_drive is None or found is None:
                break
            found = self.state.child(found_drive, found, name)
        if found_drive is None or found is None:
            return self._error(404, "itemNotFound", "The resource could not be found.")
        return self._json("driveItem", self._selected(request, self._item_json(found_drive, found)))

    def _item_json(self, drive: FakeDrive, item: FakeItem, *, in_delta: bool = False) -> Json:
        parent: Json = {"driveId": drive.id, "driveType": "documentLibrary"}
        if item.parent_id is not None:
            parent["id"] = item.parent_id
            if not in_delta:  # delta never gives paths (a renamed folder does not list its descendants)
                folder = drive.items[item.parent_id]
                parent["path"] = f"/drives/{drive.id}/root:{quote(self.state.path_of(drive, folder))}"
        tag = uuid.UUID(hashlib.md5(item.id.encode()).hexdigest()).hex.upper()
        modified = item.modified.isoformat().replace("+00:00", "Z")
        if item.deleted:
            # OneDrive for Business leaves name and cTag out of deleted items.
            body: Json = {"id": item.id, "deleted": {"state": "deleted"}, "parentReference": parent}
            if item.folder:
                body["folder"] = {"childCount": 0}
            return body
        body = {
            "id": item.id,
            "name": item.name,
            "eTag": f'"{{{tag}}},{item.meta_version}"',
            "cTag": f'"c:{{{tag}}},{item.content_version}"',
            "createdDateTime": "2024-09-01T08:00:00Z",
            "lastModifiedDateTime": modified,
            "webUrl": f"{drive.web_url}{quote(self.state.path_of(drive, item))}",
            "parentReference": parent,
        }
        if item.parent_id is None:
            body["root"] = {}
        if item.folder:
            children = [i for i in drive.items.values() if i.parent_id == item.id and not i.deleted]
            body["folder"] = {"childCount": len(children)}
            body["size"] = sum(len(i.content) for i in children)
        else:
            body["file"] = {
                "mimeType": "application/octet-stream",
                "hashes": {"sha256Hash": hashlib.sha256(item.content).hexdigest().upper()},
            }
            body["size"] = item.reported_size if item.reported_size is not None else len(item.content)
        if in_delta and self.state.omit_ctag_in_delta:
            del body["cTag"]
        return body

    async def _content(
        self, request: web.Request, *, drive: str, item: str, body: bytes
    ) -> web.StreamResponse:
        found_drive, found = self._drive_item(drive, item)
        if found_drive is None or found is None or found.folder:
            return self._error(404, "itemNotFound", "The resource could not be found.")
        location = f"{self.download_url}/dl/{drive}/{item}?tempauth={uuid.uuid4().hex}"
        return web.Response(status=302, headers={"Location": location})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        self.state.downloads.append(RecordedDownload(request.path, request.headers.get("Authorization")))
        match = re.fullmatch(r"/dl/(?P<drive>[^/]+)/(?P<item>[^/]+)", unquote(request.raw_path.split("?")[0]))
        found = self._drive_item(match["drive"], match["item"])[1] if match else None
        if found is None:
            return web.Response(status=404, text="not found")
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        if self.state.download_content_length:
            response.content_length = len(found.content)
        else:
            response.enable_chunked_encoding()
        await response.prepare(request)
        step = self.state.download_chunk
        try:
            for start in range(0, len(found.content), step):
                await response.write(found.content[start : start + step])
            await response.write_eof()
        except (ConnectionResetError, ClientError):
            pass  # the client stopped reading past its size limit
        return response

    # --- delta ---

    async def _delta(self, request: web.Request, *, drive: str, item: str, body: bytes) -> web.Response:
        found_drive = self.state.drives.get(drive)
        if found_drive is None or item not in ("root", found_drive.root.id):
            return self._error(404, "itemNotFound", "delta is only served on the root folder here")
        token = request.query.get("token")
        select = request.query.get("$select")
        if token and token.startswith("page-"):
            snapshot_id, offset = token.removeprefix("page-").rsplit("-", 1)
            if snapshot_id not in self._snapshots:
                return self._error(400, "invalidRequest", "unknown page token")
            return self._delta_page(request, found_drive, snapshot_id, int(offset), select)
        if token == "latest":
            items: list[FakeItem] = []
        elif token is None or token == "resync":
            items = self._full_enumeration(found_drive)
        else:
            if token not in self.state.delta_tokens:
                location = self._delta_link(found_drive, "resync", select)
                return self._error(410, "resyncRequired", "Resync required", {"Location": location})
            items = self._changed_since(found_drive, self.state.delta_tokens[token])
        snapshot_id = uuid.uuid4().hex[:12]
        rendered = [self._selected(request, self._item_json(found_drive, i, in_delta=True)) for i in items]
        self._snapshots[snapshot_id] = (rendered, self.state.sequence)
        return self._delta_page(request, found_drive, snapshot_id, 0, select)

    def _delta_page(
        self, request: web.Request, drive: FakeDrive, snapshot_id: str, offset: int, select: str | None
    ) -> web.Response:
        rendered, upto = self._snapshots[snapshot_id]
        end = offset + self.state.page_size
        body: Json = {
            "@odata.context": f"{self.base_url}/$metadata#Collection(driveItem)",
            "value": rendered[offset:end],
        }
        if end < len(rendered):
            body["@odata.nextLink"] = self._delta_link(drive, f"page-{snapshot_id}-{end}", select)
        else:
            token = f"d{uuid.uuid4().hex[:16]}"
            self.state.delta_tokens[token] = upto
            body["@odata.deltaLink"] = self._delta_link(drive, token, select)
        return self._json("collection:driveItem", body)

    def _delta_link(self, drive: FakeDrive, token: str, select: str | None) -> str:
        # Like Graph's links, these carry the query they were made for.
        link = f"{self.base_url}/drives/{drive.id}/root/delta?token={token}"
        return f"{link}&$select={quote(select, safe=',')}" if select else link

    def _full_enumeration(self, drive: FakeDrive) -> list[FakeItem]:
        ordered: list[FakeItem] = []
        pending = [drive.root]
        while pending:
            folder = pending.pop(0)
            ordered.append(folder)
            for item in sorted(drive.items.values(), key=lambda i: i.changed):
                if item.parent_id == folder.id and not item.deleted:
                    if item.folder:
                        pending.append(item)
                    else:
                        ordered.append(item)
        return ordered

    def _changed_since(self, drive: FakeDrive, token: int) -> list[FakeItem]:
        changed = [i for i in drive.items.values() if i.changed > token]
        listed = {i.id for i in changed}
        parents: list[FakeItem] = []
        if self.state.parents_in_delta:
            for item in changed:
                parent_id = item.parent_id
                while parent_id is not None and parent_id not in listed:
                    listed.add(parent_id)
                    parents.append(drive.items[parent_id])
                    parent_id = drive.items[parent_id].parent_id
        depth = {i.id: len(self.state.path_of(drive, i).split("/")) for i in parents}
        return sorted(parents, key=lambda i: depth[i.id]) + sorted(changed, key=lambda i: i.changed)

    # --- users ---

    async def _users(self, request: web.Request, *, body: bytes) -> web.Response:
        odata_filter = request.query.get("$filter")
        terms = parse_filter(odata_filter) if odata_filter is not None else []
        if terms is None:
            return self._error(400, "BadRequest", "Invalid filter clause")
        matches = [
            user for user in self.state.users if not terms or any(term_matches(t, user) for t in terms)
        ]
        top = int(request.query.get("$top", "100"))
        value = [self._selected(request, user) for user in matches[:top]]
        return self._json("collection:user", {"value": value})

    # --- subscriptions ---

    async def _create_subscription(self, request: web.Request, *, body: bytes) -> web.Response:
        requested = json.loads(body)
        if problems := self.schemas.errors("subscription", requested):
            self.problems.extend(f"request {problem}" for problem in problems)
            return self._error(400, "BadRequest", "Invalid subscription body")
        resource = str(requested.get("resource", ""))
        drive_match = re.fullmatch(r"/?drives/(?P<drive>[^/]+)/root", resource)
        if drive_match is None or drive_match["drive"] not in self.state.drives:
            return self._error(400, "InvalidRequest", "Only the root folder of a drive can be subscribed to")
        if requested.get("changeType") != "updated":
            return self._error(400, "InvalidRequest", "Only 'updated' is supported for driveItem")
        if len(requested.get("clientState") or "") > 128:
            return self._error(400, "InvalidRequest", "clientState is longer than 128 characters")
        if (problem := expiration_problem(requested.get("expirationDateTime"))) is not None:
            return self._error(400, "InvalidRequest", problem)
        if (problem := await self._validate_endpoint(str(requested.get("notificationUrl", "")))) is not None:
            return self._error(400, "InvalidRequest", problem)
        subscription = {
            "id": str(uuid.uuid4()),
            "resource": resource,
            "applicationId": "00000000-0000-0000-0000-00000000beef",
            "changeType": "updated",
            "clientState": requested.get("clientState"),
            "notificationUrl": requested["notificationUrl"],
            "expirationDateTime": requested["expirationDateTime"],
            "creatorId": "00000000-0000-0000-0000-00000000cafe",
            "latestSupportedTlsVersion": "v1_2",
        }
        self.state.subscriptions[subscription["id"]] = subscription
        return self._json("subscription", subscription, 201)

    async def _renew_subscription(self, request: web.Request, *, id: str, body: bytes) -> web.Response:
        if id not in self.state.subscriptions:
            return self._error(404, "ResourceNotFound", "The object was not found.")
        requested = json.loads(body)
        if (problem := expiration_problem(requested.get("expirationDateTime"))) is not None:
            return self._error(400, "InvalidRequest", problem)
        self.state.subscriptions[id]["expirationDateTime"] = requested["expirationDateTime"]
        return self._json("subscription", self.state.subscriptions[id])

    async def _delete_subscription(self, request: web.Request, *, id: str, body: bytes) -> web.Response:
        if self.state.subscriptions.pop(id, None) is None:
            return self._error(404, "ResourceNotFound", "The object was not found.")
        return web.Response(status=204)

    async def _validate_endpoint(self, url: str) -> str | None:
        """Graph's handshake: POST ?validationToken=… and expect the token back as text/plain within 10 s.
        The fake calls only loopback URLs; anything else is refused as unreachable."""
        parts = urlsplit(url)
        try:
            loopback = ipaddress.ip_address(parts.hostname or "").is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return "Subscription validation request failed. Notification endpoint must be reachable."
        token = (
            f"Validation: Testing client application reachability for subscription Request-Id: {uuid.uuid4()}"
        )
        try:
            async with (
                ClientSession(timeout=ClientTimeout(total=10)) as session,
                session.post(f"{url}?validationToken={quote(token, safe='')}", data=b"") as response,
            ):
                answer = await response.text()
                content_type = response.content_type
                status = response.status
        except (ClientError, TimeoutError):
            return "Subscription validation request failed. Notification endpoint must respond in time."
        if status != 200 or content_type != "text/plain" or answer != token:
            return "Subscription validation request failed. Response must exactly match validationToken."
        return None


def expiration_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return "expirationDateTime is required"
    expires = datetime.fromisoformat(value.replace("Z", "+00:00"))
    now = datetime.now(UTC)
    if expires <= now:
        return "Subscription expiration must be in the future"
    if expires > now + MAX_SUBSCRIPTION_LIFETIME + timedelta(minutes=1):
        return "Subscription expiration can only be 42300 minutes in the future."
    return None


# A tiny OData $filter reader: `startswith(field,'text')` and `field eq 'text'` joined by `or`. String
# literals double their single quotes; a lone quote inside one is a syntax error, as on Graph.
FILTER_TERM = re.compile(
    r"\s*(?:startswith\((?P<sfield>\w+),\s*'(?P<svalue>(?:[^']|'')*)'\)|(?P<efield>\w+)\s+eq\s+'(?P<evalue>(?:[^']|'')*)')\s*"
)


def parse_filter(text: str) -> list[tuple[str, str, str]] | None:
    terms: list[tuple[str, str, str]] = []
    position = 0
    while True:
        match = FILTER_TERM.match(text, position)
        if match is None:
            return None
        if match["sfield"]:
            terms.append(("startswith", match["sfield"], match["svalue"].replace("''", "'")))
        else:
            terms.append(("eq", match["efield"], match["evalue"].replace("''", "'")))
        position = match.end()
        if position == len(text):
            return terms
        if not text.startswith("or ", position):
            return None
        position += 3


def term_matches(term: tuple[str, str, str], user: Json) -> bool:
    operator, name, value = term
    actual = str(user.get(name) or "").casefold()
    return actual.startswith(value.casefold()) if operator == "startswith" else actual == value.casefold()
