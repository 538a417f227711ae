"""Read worker: one document from stdin under memory and CPU limits, printed as JSON; or, with --serve, a
long-lived server that forks one such limited child per request. Does I/O."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import gc
import importlib
import io
import json
import os
import pkgutil
import pwd
import resource
import select
import signal
import sys
import time
import traceback
import zipfile
from datetime import date
from typing import Any, BinaryIO

# Our own parsers are imported before the limits: trusted code, and an import that fails to map a shared
# library under RLIMIT_AS would look like a crash rather than a document that is too heavy.
from minutes.extract import extract
from minutes.model import DocumentError
from minutes.readers import read_document
from minutes.serialize import document_to_json, extraction_to_wire

# Exit codes the parent understands. Python's own 1 (an uncaught exception, in practice a MemoryError while
# handling another) and death by a signal mean the document was too heavy.
EXIT_OK = 0
EXIT_TOO_HEAVY = 3
EXIT_CRASHED = 4  # a bug, not the document's fault
EXIT_DOCUMENT_ERROR = 10


# ---- isolation of the process that parses a document ------------------------------------------------------

CLONE_NEWNET = 0x40000000
PR_SET_DUMPABLE = 4
# The user a child runs as when the server runs as root.
SANDBOX_USER = "nobody"
NOBODY_ID = 65534
# Modules imported before a child drops root: the child may no longer read the interpreter's own files (under
# /root, say), and a codec or a parser module imported lazily in the middle of a document would then fail. The
# parsers import nearly everything at import; reading the sample minutes of every format after the warm-up
# imported only a codec (a PDF's UTF-16 text: encodings.utf_16_be, so the common Unicode and Western ones,
# by the server; all 120 in the server, too, changed how a child meets its memory limit) and, for a PDF,
# pypdf's filters (3 ms, so by each PDF's child: in the server they would change how a child meets its memory
# limit). Importing the parsers' packages whole would cost a second per server.
PRELOAD_CODECS = (
    "ascii", "latin_1", "cp1252", "mac_roman", "utf_8", "utf_8_sig",
    "utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le", "idna",
)  # fmt: skip
PRELOAD_FOR_SUFFIX = {".pdf": ("pypdf.filters", "pypdf._codecs._codecs")}

_libc = ctypes.CDLL(None, use_errno=True)


def forbid_inspection() -> None:
    """prctl(PR_SET_DUMPABLE, 0): other processes of the same user can no longer ptrace this one or read its
    /proc/PID/mem and /proc/PID/environ (they become root's); no core dumps. Linux only; else nothing."""
    with contextlib.suppress(AttributeError):  # no prctl: not Linux
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def network_namespace_error() -> int:
    """0 when this process may create a network namespace (tried in a throwaway child), else the errno."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            if _libc.unshare(CLONE_NEWNET) != 0:
                code = ctypes.get_errno() or errno.EPERM
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def sandbox_ids() -> tuple[int, int] | None:
    """(uid, gid) of SANDBOX_USER when this process runs as root, else None (the user stays)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SANDBOX_USER)
    except KeyError:
        return NOBODY_ID, NOBODY_ID
    return entry.pw_uid, entry.pw_gid


def isolate(*, new_network: bool, ids: tuple[int, int] | None) -> None:
    """In the process about to parse a document: a fresh network namespace with only a loopback that is down
    (no route anywhere) when `new_network`, then another user when `ids` (root drops to nobody: no longer able
    to read the service's files, memory or environment), and no inspection by processes of its user."""
    if new_network:
        _libc.unshare(CLONE_NEWNET)  # refused: the host's network stays (the server has said so once)
    if ids is not None:
        uid, gid = ids
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    forbid_inspection()


def preload_for(filename: str) -> None:
    """Import what a document of this kind may import late (PRELOAD_FOR_SUFFIX), before the user changes."""
    for name in PRELOAD_FOR_SUFFIX.get(os.path.splitext(filename)[1].lower(), ()):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def preload_modules(*, every_codec: bool = False) -> None:
    """Import the codecs of PRELOAD_CODECS (or all of them) now, while their files can be read."""
    codecs: tuple[str, ...] = PRELOAD_CODECS
    if every_codec:
        codecs = tuple(
            module.name for module in pkgutil.iter_modules(importlib.import_module("encodings").__path__)
        )
    for codec in codecs:
        with contextlib.suppress(ImportError):
            importlib.import_module(f"encodings.{codec}")


def set_limits(memory_bytes: int, cpu_seconds: int) -> None:
    """Address-space and CPU-time limits for this process, never above the hard limits already set."""
    for which, wanted in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_CPU, cpu_seconds)):
        _, hard = resource.getrlimit(which)
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(which, (limit, limit))


def main(argv: list[str]) -> int:
    """argv: file name, memory limit in bytes, CPU limit in seconds. The document comes on stdin."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing a library prints may end up in the JSON answer
    try:
        filename, memory_bytes, cpu_seconds = argv[0], int(argv[1]), int(argv[2])
        ids = sandbox_ids()
        if ids is not None:  # a fresh process, read once: every codec, as no warm-up has run here
            preload_modules(every_codec=True)
            preload_for(filename)
        isolate(new_network=True, ids=ids)
        set_limits(memory_bytes, cpu_seconds)  # before the document is read
        data = sys.stdin.buffer.read()
        try:
            document = read_document(data, filename)
        except DocumentError as error:
            _answer(out, {"error": type(error).__name__, "message": error.message})
            return EXIT_DOCUMENT_ERROR
        _answer(out, {"document": document_to_json(document)})
        return EXIT_OK
    except MemoryError:
        return EXIT_TOO_HEAVY
    except Exception:
        traceback.print_exc(file=sys.stderr)  # for the parent's DEBUG log; never on stdout
        return EXIT_CRASHED


def _answer(out: BinaryIO, answer: dict[str, Any]) -> None:
    out.write(json.dumps(answer, ensure_ascii=False).encode("utf-8"))
    out.flush()


# --serve: the protocol, one request at a time. Request: a JSON line {"filename", "size", "memory",
# "cpu", "timeout", "reference_date"} and `size` bytes of document; with a reference date (ISO) the child also
# extracts, and answers {"extraction": …} instead of {"document": …}. Reply: a JSON line {"status", "size"} and `size` bytes of
# answer; status is the child's exit code as above (negative: killed by that signal), or "timeout".
SERVE = "--serve"
TIMED_OUT = "timeout"


def serve() -> int:
    """Serve read requests on stdin/stdout until stdin closes. The parsers are imported once, here; each
    document is read by a child forked for it alone (a few milliseconds, against a quarter of a second for a
    new interpreter), which sets the limits, drops the environment and exits: what one hostile document does
    to its process never reaches the next one."""
    # Children share the server's memory until they write to it; a collection in a child writes to every
    # object it visits, copying all of the server's pages (tens of milliseconds a document). Frozen objects
    # are never visited, and a child lives too briefly to need collections of its own.
    forbid_inspection()  # the server holds every document it is sent: no one else of its user reads its memory
    _warm_up()
    ids = sandbox_ids()
    if ids is not None:
        preload_modules()
    refused = network_namespace_error()
    if refused:  # said once, on stderr: the service logs it at DEBUG
        print(
            f"read server: no network namespace for the children ({os.strerror(refused)}); "
            "they keep the host's network",
            file=sys.stderr,
        )
    isolation = {"new_network": refused == 0, "ids": ids}
    gc.collect()
    gc.freeze()
    protocol_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # what anything prints, in this process or a child, goes to stderr, never into the protocol
    sys.stdout = sys.stderr
    requests = sys.stdin.buffer
    while True:
        line = requests.readline()
        if not line:
            return EXIT_OK
        request = json.loads(line)
        data = requests.read(int(request["size"]))
        reference_date = request.get("reference_date")
        status, answer = _read_in_child(
            data,
            str(request["filename"]),
            int(request["memory"]),
            int(request["cpu"]),
            float(request["timeout"]),
            close_in_child=(protocol_out.fileno(), 0),
            reference_date=date.fromisoformat(reference_date) if reference_date else None,
            isolation=isolation,
        )
        protocol_out.write(json.dumps({"status": status, "size": len(answer)}).encode() + b"\n")
        protocol_out.write(answer)
        protocol_out.flush()


def _read_in_child(
    data: bytes,
    filename: str,
    memory_bytes: int,
    cpu_seconds: int,
    timeout: float,
    *,
    close_in_child: tuple[int, ...],
    reference_date: date | None = None,
    isolation: dict[str, Any] | None = None,
) -> tuple[int | str, bytes]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: reads, answers on the pipe and exits, never returning into the server loop
        code = EXIT_CRASHED
        try:
            os.close(read_end)
            for fd in close_in_child:
                os.close(fd)
            os.environ.clear()
            settings = isolation or {"new_network": False, "ids": None}
            if settings["ids"] is not None:
                preload_for(filename)
            isolate(**settings)
            gc.disable()
            with os.fdopen(write_end, "wb") as out:
                code = _read_one(
                    out, data, filename, memory_bytes, cpu_seconds, reference_date=reference_date
                )
        except MemoryError:
            code = EXIT_TOO_HEAVY
        except BaseException:
            code = EXIT_CRASHED
        finally:
            os._exit(code)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([pipe], [], [], remaining)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return TIMED_OUT, b""
            chunk = pipe.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks)


def _read_one(
    out: BinaryIO,
    data: bytes,
    filename: str,
    memory_bytes: int,
    cpu_seconds: int,
    *,
    reference_date: date | None = None,
) -> int:
    try:
        set_limits(memory_bytes, cpu_seconds)  # before the document is read
        try:
            document = read_document(data, filename)
        except DocumentError as error:
            _answer(out, {"error": type(error).__name__, "message": error.message})
            return EXIT_DOCUMENT_ERROR
        if reference_date is None:
            _answer(out, {"document": document_to_json(document)})
        else:
            _answer(
                out,
                {
                    "extraction": extraction_to_wire(
                        extract(document, reference_date=reference_date, file_name=filename)
                    )
                },
            )
        return EXIT_OK
    except MemoryError:
        return EXIT_TOO_HEAVY
    except Exception:
        traceback.print_exc(file=sys.stderr)  # for the parent's DEBUG log; never into the answer
        return EXIT_CRASHED


# A small minutes of each kind the server reads before it forks anything: the first read of a kind fills
# caches (compiled patterns, parser set-up, lazy imports) that every child would otherwise fill anew, some
# 25 ms a document.
WARM_UP_TEXT = (
    "Protokoll FLG 2024-08-26\nNärvarande: Anna Andersson (AA), Bo Ek (BE)\n\n"
    "Ärende\tBeslut/åtgärd\tAnsvarig\tKlart\n"
    "Budget\tAA tar fram ett förslag till nästa möte.\tAA\t7/10\n"
    "Lokaler\tFLG beslutar att utreda frågan vidare.\tBE\tv. 42\n"
)
WARM_UP_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
    'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
    'main+xml"/></Types>'
)


def _warm_up() -> None:
    cells = "".join(
        "<w:tr>"
        + "".join(f"<w:tc><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>" for c in row.split("\t"))
        + "</w:tr>"
        for row in WARM_UP_TEXT.splitlines()[3:]
    )
    body = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>Protokoll FLG 2024-08-26</w:t></w:r></w:p>"
        f"<w:tbl>{cells}</w:tbl></w:body></w:document>"
    )
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("[Content_Types].xml", WARM_UP_DOCX_TYPES)
        archive.writestr("word/document.xml", body)
    for data, filename in ((WARM_UP_TEXT.encode(), "dokument.txt"), (packed.getvalue(), "dokument.docx")):
        try:
            extract(read_document(data, filename), reference_date=date(2024, 8, 26))
        except Exception:  # a warm-up that fails costs only speed
            traceback.print_exc(file=sys.stderr)


if __name__ == "__main__":
    sys.exit(serve() if sys.argv[1:] == [SERVE] else main(sys.argv[1:]))
