"""Read a document in a process of its own with memory, CPU and wall-clock limits: one new worker process per
call (read_in_sandbox), or a pool of long-lived servers that fork a limited child per document (SandboxPool).
Does I/O (spawns processes)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
from datetime import date
from pathlib import Path, PurePath

from minutes.model import (
    DocumentError,
    Extraction,
    NotMinutes,
    ParsedDocument,
    UnreadableDocument,
    UnsafeDocument,
)
from minutes.serialize import document_from_json, extraction_from_wire
from reading._read_worker import (
    EXIT_CRASHED,
    EXIT_DOCUMENT_ERROR,
    EXIT_OK,
    SERVE,
    TIMED_OUT,
    forbid_inspection,
)

__all__ = ["SandboxPool", "forbid_inspection", "read_in_sandbox", "sandboxed_reader"]

logger = logging.getLogger(__name__)

WORKER_MODULE = "reading._read_worker"
# The directory holding the `minutes` and `reading` packages: the worker runs with it as working directory,
# so `python -m` finds them whether or not the project is installed.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The worker reads hostile files: it gets no secrets from our environment.
WORKER_ENVIRONMENT = {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1"}

MSG_TOO_HEAVY = "Dokumentet kräver för mycket minne eller tid att läsa och har stoppats"
MSG_FAILED = "Dokumentet kunde inte läsas på grund av ett internt fel"

ERRORS: dict[str, type[DocumentError]] = {
    cls.__name__: cls for cls in (DocumentError, UnsafeDocument, UnreadableDocument, NotMinutes)
}


def read_in_sandbox(
    data: bytes,
    filename: str,
    *,
    memory_bytes: int = 2 << 30,
    cpu_seconds: int = 60,
    timeout: float = 90,
) -> ParsedDocument:
    """minutes.readers.read_document in a worker process. Raises the worker's DocumentError, or
    UnsafeDocument when the worker runs out of memory or time."""
    command = [
        sys.executable,
        "-m",
        WORKER_MODULE,
        _worker_filename(filename),
        str(memory_bytes),
        str(cpu_seconds),
    ]
    try:
        completed = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=timeout,
            cwd=PROJECT_ROOT,
            env=WORKER_ENVIRONMENT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:  # subprocess.run has killed the worker
        logger.warning("read worker timed out after %.1f s", timeout)
        raise UnsafeDocument(MSG_TOO_HEAVY) from error
    if completed.stderr:
        logger.debug("read worker stderr: %s", completed.stderr.decode("utf-8", "replace"))
    return _answer(completed.returncode, completed.stdout)


async def sandboxed_reader(data: bytes, filename: str) -> ParsedDocument:
    """read_in_sandbox off the event loop: a workflows.ingest.Reader (one new worker process per file)."""
    return await asyncio.to_thread(read_in_sandbox, data, filename)


def _worker_filename(filename: str) -> str:
    # The worker needs only the suffix; the name itself may hold anything, a NUL byte or a person's name.
    return "dokument" + PurePath(filename.replace("\0", "")).suffix[:16]


def _answer(status: int | str, stdout: bytes) -> ParsedDocument:
    """The document a worker answered with, or the error it stands for."""
    _raise_unless_ok(status, stdout)
    return _document(stdout)


def _extraction_answer(status: int | str, stdout: bytes) -> Extraction:
    """The extraction a read server's child answered with, or the error it stands for."""
    _raise_unless_ok(status, stdout)
    try:
        return extraction_from_wire(json.loads(stdout)["extraction"])
    except (ValueError, KeyError, TypeError) as error:
        logger.error("read worker answered with something that is not an extraction")
        raise UnreadableDocument(MSG_FAILED) from error


def _raise_unless_ok(status: int | str, stdout: bytes) -> None:
    if status == EXIT_OK:
        return
    if status == EXIT_DOCUMENT_ERROR:
        raise _document_error(stdout)
    if status == EXIT_CRASHED:
        logger.error("read worker crashed; its traceback is logged at DEBUG")
        raise UnreadableDocument(MSG_FAILED)
    if status == TIMED_OUT:
        logger.warning("read worker timed out")
        raise UnsafeDocument(MSG_TOO_HEAVY)
    # Out of memory, or killed by a signal: SIGXCPU at the CPU limit, SIGKILL, SIGSEGV on a failed allocation.
    logger.warning("read worker stopped with exit status %s", status)
    raise UnsafeDocument(MSG_TOO_HEAVY)


# The most that documents read ahead of the store may hold in memory, at the size limit each.
READ_AHEAD_BUDGET = 256 << 20


class SandboxPool:
    """Up to `size` read servers (`python -m reading._read_worker --serve`, started on first use with the
    same clean environment as a one-off worker), each reading one document at a time in a child it forks for
    that document alone, under the same limits as read_in_sandbox. Reads run side by side, off the event
    loop's process: while one document is read, the store can write the last one. A server that dies or
    stops answering is killed and replaced; the document it was reading counts as unreadable."""

    def __init__(
        self,
        size: int | None = None,
        *,
        memory_bytes: int = 2 << 30,
        cpu_seconds: int = 60,
        timeout: float = 90,
    ) -> None:
        self.size = max(1, size if size is not None else len(os.sched_getaffinity(0)))
        self._limits: dict[str, object] = {"memory": memory_bytes, "cpu": cpu_seconds, "timeout": timeout}
        self._timeout = timeout
        self._idle: list[_ReadServer] = []
        self._slots = asyncio.Semaphore(self.size)
        self._all: set[_ReadServer] = set()

    def reads_ahead(self, max_bytes: int) -> int:
        """How many documents Ingestor should have in hand beyond the one the store writes: three per server,
        so that a slow document (a .pdf takes ten times a .docx) at the head of the queue leaves no server
        idle; but no more than READ_AHEAD_BUDGET of downloads (each at most `max_bytes`) held meanwhile, and
        never fewer than one per server."""
        return max(self.size, min(3 * self.size, READ_AHEAD_BUDGET // max(1, max_bytes)))

    async def read(self, data: bytes, filename: str) -> ParsedDocument:
        """Like read_in_sandbox; usable as Ingestor's reader."""
        status, stdout = await self._ask(data, filename, None)
        return _answer(status, stdout)

    async def read_and_extract(self, data: bytes, filename: str, reference_date: date) -> Extraction:
        """Read and extract in the child (minutes.extract, pure): the caller only decodes the items. Usable
        as Ingestor's analyser."""
        status, stdout = await self._ask(data, filename, reference_date)
        return _extraction_answer(status, stdout)

    async def _ask(self, data: bytes, filename: str, reference_date: date | None) -> tuple[int | str, bytes]:
        request: dict[str, object] = {**self._limits}
        if reference_date is not None:
            request["reference_date"] = reference_date.isoformat()
        async with self._slots:
            server = self._idle.pop() if self._idle else await self._start()
            try:
                # The server enforces the timeout on its child; the margin covers a server that hangs itself.
                status, stdout = await asyncio.wait_for(
                    server.ask(_worker_filename(filename), data, request), self._timeout + 10
                )
            except (OSError, EOFError, ValueError, asyncio.IncompleteReadError, TimeoutError) as error:
                logger.error("read server failed (%s); starting a new one", type(error).__name__)
                await self._discard(server)
                raise UnreadableDocument(MSG_FAILED) from error
            except BaseException:  # cancelled mid-answer: the protocol is out of step, so the server goes
                await self._discard(server)
                raise
            self._idle.append(server)
        return status, stdout

    async def close(self) -> None:
        for server in list(self._all):
            await self._discard(server)

    async def _start(self) -> _ReadServer:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            WORKER_MODULE,
            SERVE,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=PROJECT_ROOT,
            env=WORKER_ENVIRONMENT,
        )
        server = _ReadServer(process)
        self._all.add(server)
        return server

    async def _discard(self, server: _ReadServer) -> None:
        self._all.discard(server)
        with contextlib.suppress(ValueError):
            self._idle.remove(server)
        await server.stop()


class _ReadServer:
    """One read server process and its protocol (reading._read_worker.serve)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        assert process.stderr is not None
        self._stderr = asyncio.ensure_future(_log_stderr(process.stderr))

    async def ask(self, filename: str, data: bytes, fields: dict[str, object]) -> tuple[int | str, bytes]:
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        request = {"filename": filename, "size": len(data), **fields}
        process.stdin.write(json.dumps(request).encode() + b"\n")
        process.stdin.write(data)
        await process.stdin.drain()
        reply = json.loads(await process.stdout.readuntil(b"\n"))
        answer = await process.stdout.readexactly(int(reply["size"]))
        status = reply["status"]
        if not isinstance(status, (int, str)):
            raise ValueError("a status that is neither a number nor a word")
        return status, answer

    async def stop(self) -> None:
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            await self._process.wait()
        self._stderr.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._stderr


async def _log_stderr(stream: asyncio.StreamReader) -> None:
    """What a read server or its children print (a child's traceback), at DEBUG: it may quote the document."""
    while line := await stream.readline():
        logger.debug("read server: %s", line.decode("utf-8", "replace").rstrip())


def _document(stdout: bytes) -> ParsedDocument:
    try:
        answer = json.loads(stdout)
        return document_from_json(answer["document"])
    except (ValueError, KeyError, TypeError) as error:
        logger.error("read worker answered with something that is not a document")
        raise UnreadableDocument(MSG_FAILED) from error


def _document_error(stdout: bytes) -> DocumentError:
    try:
        answer = json.loads(stdout)
        cls = ERRORS[answer["error"]]
        message = answer["message"]
        if not isinstance(message, str):
            raise TypeError("message is not a string")
    except (ValueError, KeyError, TypeError):
        logger.error("read worker answered with something that is not a document error")
        return UnreadableDocument(MSG_FAILED)
    return cls(message)
