"""What the logs may hold: no SQL parameters in the engine's errors, no forged lines from names in files, and
azure-identity's per-call token chatter kept at DEBUG by `minutesbot run`."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import bot.cli
from bot.ingestion import Ingestion
from sources.local_folder import LocalFolderSource
from store import SqlStore
from store.engine import create_engine_for
from tests.fakes import in_process_reader
from workflows.ingest import Ingestor

SECRET = "Annika Andersson ska ringa Bo om lönen"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AZURE_LOGGERS = ("azure.identity", "azure.identity._internal.get_token_mixin", "azure.identity.aio")


async def test_sql_errors_carry_no_parameters(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        async with engine.connect() as connection:
            with pytest.raises(SQLAlchemyError) as raised:
                await connection.execute(text("SELECT * FROM no_such_table WHERE x = :p"), {"p": SECRET})
        assert SECRET not in str(raised.value)
    finally:
        await engine.dispose()


def forging(name: str) -> bool:
    return any(c in name for c in "\n\r\u2028\u2029\x85\x1b")


@pytest.mark.parametrize(
    "name",
    ["ok\n2026-01-01 00:00:00,000 ERROR bot.app: forged.docx", "x\r\u2028y.txt", "a\x1b[2Jb.txt"],
    ids=["newline", "cr-and-line-separator", "terminal-escape"],
)
async def test_a_file_name_cannot_forge_a_log_line(
    store: SqlStore, tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "protokoll"
    folder.mkdir()
    (folder / name).write_bytes(b"\x00\x01 not minutes")  # fails to read: the failure is logged with its name
    (folder / "flg.docx").write_bytes((SAMPLES / "000_9fb95432c85b271b.docx").read_bytes())
    source = LocalFolderSource(folder, store)
    ingestor = Ingestor(store=store, clock=lambda: datetime.now(UTC), reader=in_process_reader)
    ingestion = Ingestion(ingestor, {source.name: source})
    with caplog.at_level(logging.DEBUG):
        ingestion.nudge(source.name)
        await ingestion.idle()
        await ingestion.stop()
    ours = [
        r for r in caplog.records if r.name.split(".")[0] in {"bot", "workflows", "store", "graph", "sources"}
    ]
    assert ours and not [r.getMessage() for r in ours if forging(r.getMessage())]


@pytest.fixture
def restore_loggers() -> Iterator[None]:
    levels = {name: logging.getLogger(name).level for name in ("", *AZURE_LOGGERS)}
    handlers = list(logging.getLogger().handlers)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler in logging.getLogger().handlers:
        handler.close()
    logging.getLogger().handlers[:] = handlers


@pytest.mark.parametrize(
    ("level", "token_logs_shown"), [("INFO", False), ("WARNING", False), ("DEBUG", True)]
)
def test_run_keeps_azure_identity_token_chatter_at_debug(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    restore_loggers: None,
    level: str,
    token_logs_shown: bool,
) -> None:
    monkeypatch.setenv("MINUTESBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("MINUTESBOT_MINUTES_FOLDER", "")
    monkeypatch.setenv("MINUTESBOT_LOG_LEVEL", level)
    monkeypatch.setattr(bot.cli.web, "run_app", lambda *args, **kwargs: None)
    monkeypatch.setattr(bot.cli, "forbid_inspection", lambda: None)  # not on the test process
    logging.getLogger().handlers.clear()  # as in a fresh process: `minutesbot run` configures the root logger
    logging.getLogger().setLevel(logging.WARNING)
    assert bot.cli.main(["run"]) == 0
    # azure-identity logs 'get_token succeeded' at INFO on every Graph call
    token_logger = logging.getLogger("azure.identity._internal.get_token_mixin")
    assert token_logger.isEnabledFor(logging.INFO) is token_logs_shown
    assert logging.getLogger("azure.identity").isEnabledFor(logging.WARNING)
