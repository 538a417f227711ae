"""Shared set-up for the chat workflows: an ingested FLG meeting, its roster, and people who click."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from minutes.records import ConversationType, ConvRef, RosterEntry
from sources.local_folder import LocalFolderSource
from store import SqlStore
from tests.fakes import in_process_reader
from workflows.chat import OutboundMessage, Person, SentMessage
from workflows.ingest import Ingestor

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NOW = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)
ANNIKA = Person("29:aa", "Annika Andersson", "aad-aa")
YVONNE = Person("29:yk", "Yvonne Kvist", "aad-yk")
STRANGER = Person("29:xx", "Okänd Person", "aad-xx")
CHANNEL = ConvRef(
    service_url="http://127.0.0.1:1/",
    conversation_id="19:flg@thread.tacv2",
    conversation_type=ConversationType.CHANNEL,
    tenant_id="tenant",
    bot_id="28:bot",
    team_id="19:flg@thread.tacv2",
    group="FLG",
)
PERSONAL = ConvRef(
    service_url="http://127.0.0.1:1/",
    conversation_id="a:personal-aa",
    conversation_type=ConversationType.PERSONAL,
    tenant_id="tenant",
    bot_id="28:bot",
    user_id="29:aa",
    user_aad_id="aad-aa",
)
ROSTER = [
    RosterEntry("FLG", "AA", "Annika Andersson", ("omsorgsdirektör",), "aad-aa", "aa@kommun.example"),
    RosterEntry("FLG", "YK", "Yvonne Kvist", ("sekreterare",), "aad-yk", "yk@kommun.example"),
    RosterEntry("FLG", "RN", "Rickard Nilsson", (), "aad-rn", "rn@kommun.example"),
]


def clock() -> datetime:
    return NOW


async def ingest_flg(store: SqlStore, folder: Path) -> str:
    """The FLG meeting of 2024-08-26 ingested, its roster loaded, the channel known and following FLG; returns
    the document key."""
    folder.mkdir(exist_ok=True)
    shutil.copy(SAMPLES / "000_9fb95432c85b271b.docx", folder / "flg.docx")
    source = LocalFolderSource(folder, store)
    await Ingestor(store=store, clock=clock, reader=in_process_reader).run(source)
    await store.save_roster("FLG", ROSTER)
    await store.save_conversation(CHANNEL, at=NOW)
    await store.follow_group(CHANNEL.conversation_id, "FLG", by="aad-yk", at=NOW, origin="test")
    return f"{source.name}|flg.docx"


@dataclass
class RecordingSender:
    """A ChatSender that remembers what it was asked to send, and can fail on demand."""

    sent: list[tuple[str, OutboundMessage]] = field(default_factory=list)
    updated: list[tuple[str, str, OutboundMessage]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    async def send(self, conversation: ConvRef, message: OutboundMessage) -> SentMessage:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((conversation.conversation_id, message))
        return SentMessage(conversation.conversation_id, f"activity-{len(self.sent)}")

    async def update(self, conversation: ConvRef, activity_id: str, message: OutboundMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.updated.append((conversation.conversation_id, activity_id, message))

    async def open_personal_chat(self, any_reference: ConvRef, user: Person) -> ConvRef:
        return ConvRef(
            service_url=any_reference.service_url,
            conversation_id=f"a:personal-{user.teams_id}",
            conversation_type=ConversationType.PERSONAL,
            tenant_id=any_reference.tenant_id,
            bot_id=any_reference.bot_id,
            user_id=user.teams_id,
            user_aad_id=user.aad_object_id,
        )
