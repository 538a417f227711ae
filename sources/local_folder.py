"""A folder of minutes files as a document source, watched by polling: the embedded default and the tests'."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from minutes.formats import supported_suffixes
from minutes.records import DocumentRef, DocumentTooLarge, SourceError
from workflows.ports import CursorStore

# Characters a name keeps out of reports, logs and cards: control characters (a newline would split a
# `fel: NAME: …` line), lone surrogates (bytes that are not UTF-8) and line separators.
_UNSHOWN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class _Found:
    """One supported file of a listing: its path relative to the folder as the OS gives it (undecodable bytes
    as surrogates), and its version stamp."""

    path: str
    version: str
    modified: datetime
    size: int


@dataclass
class LocalFolderSource:
    """Lists the supported files under `folder` and reports what changed since the last committed listing.

    The listing (file key → size and modification stamp) is the cursor, kept in the store so a restart
    neither re-reads unchanged files nor forgets deletions. A file's key is its path relative to the folder;
    a path that is not UTF-8, or whose document key would pass `max_key_length` (the store's limit), gets a
    key of its own instead: '/' and the SHA-256 of its bytes (no relative path starts with '/').

    With `recheck_after` (the service), a change counts only once two listings in a row agree: a file that
    is new or changed since the previous listing, or missing for the first time, is listed again that many
    seconds later, and reported only if it is the same (a copy or a save still under way waits for the next
    run; Word's save-by-rename is no deletion). Without it (a one-shot ingest) what is there is read at once."""

    folder: Path
    cursors: CursorStore
    only: frozenset[str] | None = None  # just these files (relative paths): a one-off ingest, no cursor kept
    recheck_after: float | None = None
    max_key_length: int | None = None
    # The registry's formats (minutes.formats) as it is when the source is made: a format added there is listed.
    suffixes: frozenset[str] = field(default_factory=lambda: frozenset(supported_suffixes()))
    _pending: dict[str, str] | None = field(default=None, init=False, repr=False)
    _paths: dict[str, str] = field(default_factory=dict, init=False, repr=False)  # key → relative path
    _last: dict[str, str] | None = field(default=None, init=False, repr=False)  # previous listing's versions

    @property
    def name(self) -> str:
        return f"local:{self.folder.resolve()}"

    async def changes(self) -> Sequence[DocumentRef]:
        if not self.folder.is_dir():
            raise SourceError(f"mappen {self.folder} finns inte")
        listing = await self._list()
        saved = await self.cursors.get_cursor(self.name) if self.only is None else None
        previous: dict[str, str] = json.loads(saved) if saved else {}
        changed = {key for key, found in listing.items() if previous.get(key) != found.version}
        vanished = set(previous) - set(listing)
        if self.recheck_after is not None:
            last = self._last
            unsure = {key for key in changed if last is None or last.get(key) != listing[key].version}
            unsure |= {key for key in vanished if last is None or key in last}
            if unsure:
                await asyncio.sleep(self.recheck_after)
                again = await self._list()
                changed -= {key for key in unsure & changed if again.get(key) != listing[key]}
                vanished -= {key for key in unsure & vanished if key in again}
                listing = again | {key: listing[key] for key in changed}  # the version both listings saw
            self._last = {key: found.version for key, found in listing.items()}
        pending = {key: version for key, version in previous.items() if key not in vanished}
        pending.update((key, listing[key].version) for key in changed)
        self._pending = pending
        refs = [
            DocumentRef(
                source=self.name,
                item_id=key,
                name=display_name(Path(listing[key].path).name),
                version=listing[key].version,
                web_url=(self.folder / listing[key].path).resolve().as_uri(),
                modified=listing[key].modified,
                size=listing[key].size,
            )
            for key in sorted(changed, key=lambda key: listing[key].path)
        ]
        refs += [
            DocumentRef(source=self.name, item_id=key, name=display_name(Path(key).name), deleted=True)
            for key in sorted(vanished)
        ]
        return refs

    async def commit(self) -> None:
        if self._pending is not None and self.only is None:
            await self.cursors.save_cursor(self.name, json.dumps(self._pending, sort_keys=True))
            self._pending = None

    async def download(self, ref: DocumentRef, *, max_bytes: int) -> bytes:
        relative = self._paths.get(ref.item_id, ref.item_id)
        return await asyncio.to_thread(self._read, relative, max_bytes)

    async def _list(self) -> dict[str, _Found]:
        listing = await asyncio.to_thread(self._listing)
        if self.only is not None:
            listing = {key: found for key, found in listing.items() if found.path in self.only}
            if not listing:
                raise SourceError("filen finns inte eller är inte .docx, .pdf, .txt eller .md")
        self._paths.update((key, found.path) for key, found in listing.items())
        return listing

    def _key(self, relative: str) -> str:
        """The path itself, as it always was, unless it is not UTF-8 or too long for the store."""
        try:
            relative.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            if self.max_key_length is None or len(f"{self.name}|{relative}") <= self.max_key_length:
                return relative
        return "/" + hashlib.sha256(os.fsencode(relative)).hexdigest()

    def _listing(self) -> dict[str, _Found]:
        found: dict[str, _Found] = {}
        for path in self.folder.rglob("*"):
            if path.suffix.lower() not in self.suffixes or path.name.startswith("~$"):
                continue  # '~$…' are Word's lock files
            try:
                if not path.is_file():
                    continue
                stat = path.stat()
            except OSError:  # gone since the directory was read, or not ours to see: not listed
                continue
            relative = path.relative_to(self.folder).as_posix()
            modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
            found[self._key(relative)] = _Found(
                relative, f"{stat.st_size}-{stat.st_mtime_ns}", modified, stat.st_size
            )
        return found

    def _read(self, relative: str, max_bytes: int) -> bytes:
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            raise SourceError("filen ligger utanför den bevakade mappen")
        try:
            if path.stat().st_size > max_bytes:
                raise DocumentTooLarge(_too_large(max_bytes))
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)  # the file may have grown since it was listed
        except FileNotFoundError:
            raise SourceError("filen har tagits bort från mappen") from None
        except OSError as error:
            raise SourceError(f"filen kan inte läsas ({os.strerror(error.errno or 0)})") from None
        if len(data) > max_bytes:
            raise DocumentTooLarge(_too_large(max_bytes))
        return data


def display_name(name: str) -> str:
    """A file name fit to show on one line: bytes that are not UTF-8 and control characters become '�'."""
    decoded = os.fsencode(name).decode("utf-8", "replace")
    return "".join("\ufffd" if unicodedata.category(c) in _UNSHOWN_CATEGORIES else c for c in decoded)


def _too_large(max_bytes: int) -> str:
    return f"filen är större än gränsen på {max_bytes // 1_000_000} MB och läses inte in"
