"""SandboxPool: read servers that fork a limited child per document; answers, limits, failures, recovery."""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import signal
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pytest

from minutes.extract import extract
from minutes.model import UnreadableDocument, UnsafeDocument
from minutes.readers import read_document
from reading import _read_worker
from reading.sandbox import SandboxPool
from tests.minutes.test_read_docx import make_docx, p
from tests.minutes.test_read_pdf import Page, build_pdf
from tests.minutes.test_safety import zip_bomb

DOCX = make_docx(p("Mötesdatum: 2024-08-26") + p("punkt", "<w:pStyle w:val='ListBullet'/>"))
PDF = build_pdf(Page().text(40, 60, "Åtgärd: AA skickar inbjudan"))


@pytest.fixture
async def pool() -> AsyncIterator[SandboxPool]:
    readers = SandboxPool(2, timeout=30)
    try:
        yield readers
    finally:
        await readers.close()


async def test_documents_come_back_as_read_in_process_side_by_side(pool: SandboxPool) -> None:
    asked = [(DOCX, "protokoll.docx"), (PDF, "protokoll.pdf")] * 3

    answers = await asyncio.gather(*(pool.read(data, name) for data, name in asked))

    assert answers == [read_document(data, name) for data, name in asked]
    assert len(pool._all) <= pool.size  # at most one server per slot, reused


SAMPLES = Path(__file__).resolve().parents[2] / "samples"


async def test_read_and_extract_answers_as_extracting_here(pool: SandboxPool) -> None:
    asked = [
        (path.read_bytes(), path.name)
        for path in sorted(SAMPLES.glob("00[0-2]_*.*"))
        if path.suffix != ".json"
    ]
    reference = date(2024, 8, 26)

    answers = await asyncio.gather(*(pool.read_and_extract(data, name, reference) for data, name in asked))

    assert len(asked) == 9 and all(answer.items for answer in answers)
    assert answers == [extract(read_document(data, name), reference_date=reference) for data, name in asked]


async def test_read_and_extract_raises_the_document_error(pool: SandboxPool) -> None:
    with pytest.raises(UnsafeDocument):
        await pool.read_and_extract(zip_bomb(60_000_000), "bomb.docx", date(2024, 8, 26))


async def test_a_document_error_comes_back_with_its_message(pool: SandboxPool) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        await pool.read(b"", "protokoll.docx")
    assert raised.value.message == "Filen är tom"


async def test_a_zip_bomb_is_refused_in_the_child(pool: SandboxPool) -> None:
    with pytest.raises(UnsafeDocument) as raised:
        await pool.read(zip_bomb(60_000_000), "bomb.docx")
    assert "packas upp" in raised.value.message


async def test_a_child_out_of_time_is_killed_and_the_server_reads_on() -> None:
    readers = SandboxPool(1, timeout=0.001)
    try:
        with pytest.raises(UnsafeDocument):
            await readers.read(DOCX, "protokoll.docx")
        [server] = readers._all
        readers._limits["timeout"] = 30
        assert await readers.read(DOCX, "protokoll.docx") == read_document(DOCX, "protokoll.docx")
        assert readers._all == {server}  # the same server: only the child was killed
    finally:
        await readers.close()


async def test_a_child_out_of_memory_is_unsafe_and_the_next_read_works() -> None:
    readers = SandboxPool(1, memory_bytes=1 << 20, timeout=30)
    # Several megabytes of text that compress like prose: parsing them needs memory whatever the read server
    # already has loaded (a document whose reading allocates nothing new would not test the limit).
    rng = random.Random(7)
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyzåäö") for _ in range(rng.randint(2, 9)))
        for _ in range(4000)
    ]
    data = make_docx(p("Hej") + "".join(p(" ".join(rng.choices(words, k=60))) for _ in range(6000)))
    try:
        with pytest.raises(UnsafeDocument):
            await readers.read(data, "protokoll.docx")
        readers._limits["memory"] = 2 << 30
        assert (await readers.read(data, "protokoll.docx")).text().startswith("Hej")
    finally:
        await readers.close()


async def test_a_server_that_dies_costs_one_document_and_is_replaced(pool: SandboxPool) -> None:
    await pool.read(DOCX, "protokoll.docx")
    [server] = pool._all
    os.kill(server._process.pid, signal.SIGKILL)
    await server._process.wait()

    with pytest.raises(UnreadableDocument):
        await pool.read(DOCX, "protokoll.docx")
    assert await pool.read(DOCX, "protokoll.docx") == read_document(DOCX, "protokoll.docx")
    assert server not in pool._all


async def test_close_stops_every_server(pool: SandboxPool) -> None:
    await asyncio.gather(pool.read(DOCX, "a.docx"), pool.read(PDF, "b.pdf"))
    servers = list(pool._all)

    await pool.close()

    assert not pool._all and all(s._process.returncode is not None for s in servers)


def test_the_child_reads_with_limits_and_without_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fork itself, from this process: the child answers with what it sees instead of reading a document.
    monkeypatch.setenv("MINUTESBOT_BOT_APP_PASSWORD", "hemligt")

    def what_the_child_sees(
        out: BinaryIO, data: bytes, filename: str, memory: int, cpu: int, *, reference_date: date | None
    ) -> int:
        _read_worker.set_limits(memory, cpu)
        seen = {"environment": dict(os.environ), "memory": resource.getrlimit(resource.RLIMIT_AS)[0]}
        _read_worker._answer(out, seen)
        return _read_worker.EXIT_OK

    monkeypatch.setattr(_read_worker, "_read_one", what_the_child_sees)
    status, answer = _read_worker._read_in_child(DOCX, "dokument.docx", 1 << 31, 60, 30, close_in_child=())

    assert status == _read_worker.EXIT_OK
    assert json.loads(answer) == {"environment": {}, "memory": 1 << 31}
    assert os.environ["MINUTESBOT_BOT_APP_PASSWORD"] == "hemligt"  # the server's own is untouched
