"""The secretary's 'Publicera': a meeting's card that went to the group's secretary first (the group's file says
`[cards] review_first`) goes to the group's channels. Only the group's secretary may (default deny); it is
audited and happens once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cards.messages import error_card
from minutes.logsafe import safe_log_field
from minutes.records import ConvRef, DocumentRecord
from workflows.chat import Person
from workflows.item_actions import SECRETARY_ROLE
from workflows.ports import RosterStore

logger = logging.getLogger(__name__)

ONLY_SECRETARY_PUBLISHES = "Bara gruppens sekreterare kan publicera protokollet. Inget har skickats."
ALREADY_PUBLISHED = "Protokollet är redan publicerat. Inget har skickats en gång till."
NO_SUCH_MINUTES = "Protokollet finns inte längre. Inget har skickats."
PUBLISHED = "Protokollet är publicerat: kortet skickas nu till gruppens kanaler."


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """What the click answers: `card` for the one who clicked (the meeting's card as the channels get it once
    published, else a refusal), `text` the same in a sentence, `published` whether this click published."""

    card: dict[str, Any] | None
    text: str
    published: bool = False


async def is_secretary(rosters: RosterStore, group: str | None, person: Person) -> bool:
    """The group's roster lists `person` (by Entra object id) with the role 'sekreterare'. A group without a
    roster has no secretary here."""
    aad = (person.aad_object_id or "").casefold()
    if not aad or group is None:
        return False
    return any(
        SECRETARY_ROLE in entry.roles and (entry.aad_object_id or "").casefold() == aad
        for entry in await rosters.roster(group)
    )


class PublishStore(RosterStore, Protocol):
    """What publishing asks of the store: the minutes, the group's roster, and the publishing itself."""

    async def get_document(self, key: str) -> DocumentRecord | None: ...

    async def publish_document(self, key: str, *, by: str, at: datetime, origin: str) -> bool: ...


@dataclass(frozen=True)
class Publishing:
    store: PublishStore
    clock: Callable[[], datetime]

    async def publish(self, document_key: object, actor: Person, where: ConvRef) -> PublishOutcome:
        """Publish the minutes `document_key` names (from the click's data: checked, never trusted). The card
        itself goes out through the outbox (store.publish_document queues it in the same transaction)."""
        document = await self.store.get_document(document_key) if isinstance(document_key, str) else None
        if document is None or document.status != "ok":
            return PublishOutcome(error_card(NO_SUCH_MINUTES), NO_SUCH_MINUTES)
        if not await is_secretary(self.store, document.group, actor):
            return PublishOutcome(error_card(ONLY_SECRETARY_PUBLISHES), ONLY_SECRETARY_PUBLISHES)
        published = await self.store.publish_document(
            document.key,
            by=actor.aad_object_id or actor.teams_id,
            at=self.clock(),
            origin=f"teams:{where.conversation_id}",
        )
        if not published:
            return PublishOutcome(None, ALREADY_PUBLISHED)
        logger.info("minutes %s published by the group's secretary", safe_log_field(document.key))
        return PublishOutcome(None, PUBLISHED, published=True)
