"""Read a document in a subprocess with memory, CPU and wall-clock limits. Does I/O (spawns a process)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path, PurePath

from minutes.model import DocumentError, NotMinutes, ParsedDocument, UnreadableDocument, UnsafeDocument
from minutes.serialize import document_from_json
from workflows._read_worker import EXIT_CRASHED, EXIT_DOCUMENT_ERROR, EXIT_OK

__all__ = ["read_in_sandbox"]

logger = logging.getLogger(__name__)

WORKER_MODULE = "workflows._read_worker"
# The directory holding the `minutes` and `workflows` packages: the worker runs with it as working directory,
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
    # The worker needs only the suffix; the name itself may hold anything, a NUL byte or a person's name.
    worker_filename = "dokument" + PurePath(filename.replace("\0", "")).suffix[:16]
    command = [sys.executable, "-m", WORKER_MODULE, worker_filename, str(memory_bytes), str(cpu_seconds)]
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
    if completed.returncode == EXIT_OK:
        return _document(completed.stdout)
    if completed.returncode == EXIT_DOCUMENT_ERROR:
        raise _document_error(completed.stdout)
    if completed.returncode == EXIT_CRASHED:
        logger.error("read worker crashed; its traceback is logged at DEBUG")
        raise UnreadableDocument(MSG_FAILED)
    # Out of memory, or killed by a signal: SIGXCPU at the CPU limit, SIGKILL, SIGSEGV on a failed allocation.
    logger.warning("read worker stopped with exit status %d", completed.returncode)
    raise UnsafeDocument(MSG_TOO_HEAVY)


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
