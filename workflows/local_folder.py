"""A folder of minutes files as a document source, watched by polling: the embedded default and the tests'."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from minutes.records import DocumentRef, DocumentTooLarge, SourceError
from workflows.ports import CursorStore

SUPPORTED_SUFFIXES = frozenset({".docx", ".pdf", ".txt", ".md"})


@dataclass
class LocalFolderSource:
    """Lists the supported files under `folder` and reports what changed since the last committed listing.

    The listing (relative path → size and modification stamp) is the cursor, kept in the store so a
    restart neither re-reads unchanged files nor forgets deletions."""

    folder: Path
    cursors: CursorStore
    only: frozenset[str] | None = None  # just these files (relative paths): a one-off ingest, no cursor kept
    _pending: dict[str, str] | None = field(default=None, init=False, repr=False)

    @property
    def name(self) -> str:
        return f"local:{self.folder.resolve()}"

    async def changes(self) -> Sequence[DocumentRef]:
        if not self.folder.is_dir():
            raise SourceError(f"mappen {self.folder} finns inte")
        listing = await asyncio.to_thread(self._listing)
        if self.only is not None:
            listing = {path: found for path, found in listing.items() if path in self.only}
            if not listing:
                raise SourceError("filen finns inte eller är inte .docx, .pdf, .txt eller .md")
        saved = await self.cursors.get_cursor(self.name) if self.only is None else None
        previous: dict[str, str] = json.loads(saved) if saved else {}
        self._pending = {path: version for path, (version, _) in listing.items()}
        refs = [
            DocumentRef(
                source=self.name,
                item_id=path,
                name=Path(path).name,
                version=version,
                web_url=(self.folder / path).resolve().as_uri(),
                modified=modified,
                size=int(version.split("-", 1)[0]),
            )
            for path, (version, modified) in sorted(listing.items())
            if previous.get(path) != version
        ]
        refs += [
            DocumentRef(source=self.name, item_id=path, name=Path(path).name, deleted=True)
            for path in sorted(set(previous) - set(listing))
        ]
        return refs

    async def commit(self) -> None:
        if self._pending is not None and self.only is None:
            await self.cursors.save_cursor(self.name, json.dumps(self._pending, sort_keys=True))
            self._pending = None

    async def download(self, ref: DocumentRef, *, max_bytes: int) -> bytes:
        return await asyncio.to_thread(self._read, ref.item_id, max_bytes)

    def _listing(self) -> dict[str, tuple[str, datetime]]:
        found: dict[str, tuple[str, datetime]] = {}
        for path in self.folder.rglob("*"):
            if (
                path.suffix.lower() not in SUPPORTED_SUFFIXES
                or not path.is_file()
                or path.name.startswith("~$")
            ):
                continue  # '~$…' are Word's lock files
            stat = path.stat()
            relative = path.relative_to(self.folder).as_posix()
            modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
            found[relative] = (f"{stat.st_size}-{stat.st_mtime_ns}", modified)
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


def _too_large(max_bytes: int) -> str:
    return f"filen är större än gränsen på {max_bytes // 1_000_000} MB och läses inte in"
