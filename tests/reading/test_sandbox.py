"""read_in_sandbox: the worker process, its limits and how its answers come back."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from minutes.model import UnreadableDocument, UnsafeDocument
from minutes.readers import read_document
from reading import _read_worker
from reading.sandbox import PROJECT_ROOT, WORKER_MODULE, SandboxPool, read_in_sandbox
from tests.minutes.test_read_docx import make_docx, p
from tests.minutes.test_read_pdf import Page, build_pdf
from tests.minutes.test_safety import zip_bomb

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CORPUS = SAMPLES if SAMPLES.is_dir() else Path("/work/shared/corpus")


def test_a_docx_comes_back_as_read_in_process() -> None:
    data = make_docx(p("Mötesdatum: 2024-08-26") + p("punkt", "<w:pStyle w:val='ListBullet'/>"))
    assert read_in_sandbox(data, "protokoll.docx") == read_document(data, "protokoll.docx")


def test_a_pdf_comes_back_as_read_in_process() -> None:
    data = build_pdf(Page().text(40, 60, "Åtgärd: AA skickar inbjudan"))
    assert read_in_sandbox(data, "protokoll.pdf") == read_document(data, "protokoll.pdf")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="no sample minutes")
def test_markdown_comes_back_as_read_in_process() -> None:
    data = "# Protokoll\n\n- Boka lokal\n  - Ring vaktmästaren\n\n| Åtgärd | Ansvarig |\n|---|---|\n| Boka | EK |\n"
    document = read_in_sandbox(data.encode(), "protokoll.md")
    assert document == read_document(data.encode(), "protokoll.md")
    assert document.source_format == "markdown"


def test_a_sample_pdf_comes_back_whole() -> None:
    path = next(iter(sorted(CORPUS.glob("000_*.pdf"))))
    assert read_in_sandbox(path.read_bytes(), path.name) == read_document(path.read_bytes(), path.name)


def test_the_workers_document_error_is_raised_again_with_its_message() -> None:
    with pytest.raises(UnreadableDocument) as raised:
        read_in_sandbox(b"", "protokoll.docx")
    assert raised.value.message == "Filen är tom"


def test_a_zip_bomb_is_refused_in_the_worker() -> None:
    with pytest.raises(UnsafeDocument) as raised:
        read_in_sandbox(zip_bomb(60_000_000), "bomb.docx")
    assert "packas upp" in raised.value.message


def test_a_timeout_kills_the_worker() -> None:
    with pytest.raises(UnsafeDocument) as raised:
        read_in_sandbox(make_docx(p("Hej")), "protokoll.docx", timeout=0.001)
    assert raised.value.message.startswith("Dokumentet kräver för mycket minne eller tid")


def test_running_out_of_memory_is_unsafe() -> None:
    # 4 MB of photo-like bytes: fine for the safety checks, but more than the worker may map under 1 MB.
    photo = random.Random(0).randbytes(4_000_000)
    data = make_docx(p("Hej"), add_parts={"word/media/image1.jpeg": photo})
    assert read_in_sandbox(data, "protokoll.docx").text() == "Hej"
    with pytest.raises(UnsafeDocument) as raised:
        read_in_sandbox(data, "protokoll.docx", memory_bytes=1 << 20)
    assert raised.value.message.startswith("Dokumentet kräver för mycket minne eller tid")


def test_a_file_name_with_odd_characters_is_harmless() -> None:
    data = make_docx(p("Hej"))
    assert read_in_sandbox(data, "-rf \0 ; protokoll.docx").text() == "Hej"


def run_worker(data: bytes, *argv: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", WORKER_MODULE, *argv],
        input=data,
        capture_output=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        check=False,
    )


def test_worker_stdout_is_only_json() -> None:
    done = run_worker(make_docx(p("Hej")), "a.docx", str(2 << 30), "60")
    assert done.returncode == _read_worker.EXIT_OK
    assert json.loads(done.stdout)["document"]["blocks"][0]["text"] == "Hej"
    failed = run_worker(b"", "a.docx", str(2 << 30), "60")
    assert failed.returncode == _read_worker.EXIT_DOCUMENT_ERROR
    assert json.loads(failed.stdout) == {"error": "UnreadableDocument", "message": "Filen är tom"}


def test_a_crashing_worker_prints_no_traceback_on_stdout() -> None:
    done = run_worker(b"", "a.docx", "inte-ett-tal", "60")
    assert done.returncode == _read_worker.EXIT_CRASHED
    assert done.stdout == b""
    assert b"Traceback" in done.stderr


def test_limits_are_set_in_the_worker() -> None:
    code = (
        "import resource, sys\n"
        "from reading._read_worker import set_limits\n"
        "set_limits(3 << 30, 7)\n"
        "print(resource.getrlimit(resource.RLIMIT_AS)[0], resource.getrlimit(resource.RLIMIT_CPU)[0])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=PROJECT_ROOT, timeout=60, check=True, text=True
    )
    assert done.stdout.split() == [str(3 << 30), "7"]


@pytest.mark.parametrize(
    ("servers", "max_bytes", "expected"),
    [
        (2, 20_000_000, 6),  # three per server
        (16, 20_000_000, 16),  # the memory budget (256 MiB) allows 13; one per server at the least
        (2, 200_000_000, 2),
        (4, 1_000_000, 12),
    ],
)
def test_reads_ahead_keep_every_server_busy_within_a_memory_budget(
    servers: int, max_bytes: int, expected: int
) -> None:
    assert SandboxPool(servers).reads_ahead(max_bytes) == expected
