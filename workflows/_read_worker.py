"""Subprocess entry point: cap memory and CPU, read one document from stdin, print it as JSON. Does I/O."""

from __future__ import annotations

import json
import resource
import sys
import traceback
from typing import Any, BinaryIO

# Our own parsers are imported before the limits: trusted code, and an import that fails to map a shared
# library under RLIMIT_AS would look like a crash rather than a document that is too heavy.
from minutes.model import DocumentError
from minutes.readers import read_document
from minutes.serialize import document_to_json

# Exit codes the parent understands. Python's own 1 (an uncaught exception, in practice a MemoryError while
# handling another) and death by a signal mean the document was too heavy.
EXIT_OK = 0
EXIT_TOO_HEAVY = 3
EXIT_CRASHED = 4  # a bug, not the document's fault
EXIT_DOCUMENT_ERROR = 10


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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
