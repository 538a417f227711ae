"""Deliver the outbox: meeting summaries to the channels that follow their group (updating a posted card in place), notices
to people and to saved conversations. Marked sent only once sent; failures retry, then park. Does I/O."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cards.messages import notice_card
from cards.summary import meeting_removed_card, meeting_summary_card
from minutes.calendar import QuietHours, is_quiet, next_working_morning
from minutes.logsafe import safe_log_field
from minutes.records import ConvRef, DocumentRecord, ItemRecord, ItemStatus, RosterEntry
from workflows.agenda import AGENDA, agenda_post
from workflows.chat import ChatSender, ChatSendError, OutboundMessage, Person
from workflows.digest import DIGEST, Unpostable, digest_post
from workflows.item_actions import SECRETARY_NOTICE, SECRETARY_ROLE
from workflows.outbox import OutboxKind, OutboxMessage
from workflows.owners import INGEST_ACTOR, actor_names, people_of
from workflows.planner_run import PERSON_NOTICE
from workflows.ports import OutboxStore
from workflows.remind import REMINDER, GroupPolicies, ReminderMessage, reminder_card_for
from workflows.report_back import REPORT_BACK, REPORT_STATUS, ReportBacks
from workflows.task_links import task_urls

logger = logging.getLogger(__name__)

MEETING_SUMMARY = OutboxKind.MEETING_SUMMARY.value
NOTICE = OutboxKind.NOTICE.value
SUMMARY_CARD = "meeting_summary"  # the posted-card kind of a meeting's card
REVIEW_CARD = "meeting_review"  # the posted-card kind of a meeting's card in its secretary's chat, for review
# The posted-card kind that remembers an administrator was told of a document of no group (told once).
UNGROUPED_NOTICE = "ungrouped_document"
LEASE = timedelta(minutes=5)
# Personal messages that wait for the next working morning rather than arrive in the quiet hours (a retry
# after 429/5xx, or a backlog after an outage, can land in the evening). Channel posts (meeting summaries,
# digests, agendas, notices) are not held: a channel message pings nobody's phone at night, and the meeting
# card is the news of minutes just published. A personal digest card rides with its channel digest.
QUIET_KINDS = frozenset({REMINDER, SECRETARY_NOTICE, REPORT_BACK, REPORT_STATUS, PERSON_NOTICE})


class Undeliverable(Exception):
    """A message that can never be sent as it is (its document is gone, nobody to send to)."""


@dataclass(frozen=True)
class Deliverer:
    store: OutboxStore
    sender: ChatSender
    clock: Callable[[], datetime]
    worker: str
    max_attempts: int = 8
    # Personal messages keep the quiet hours of the group they are about (their payload's "group").
    policies: GroupPolicies = GroupPolicies()
    # The bot's administrators (MINUTESBOT_ADMINISTRATORS): told of a document whose group cannot be told.
    administrators: tuple[str, ...] = ()
    # The report-back's cards are built when sent, with the answers as they are then.
    report_backs: ReportBacks | None = None

    async def run_once(self, limit: int = 50) -> int:
        """Claim and deliver up to `limit` messages; returns how many were sent. A personal message (QUIET_KINDS)
        claimed in the quiet hours is put back untried until the next working morning, and one whose retry
        would fall in them is retried that morning instead."""
        sent = 0
        for message in await self.store.claim_outbox(self.worker, now=self.clock(), lease=LEASE, limit=limit):
            quiet = self._quiet_of(message)
            if message.kind in QUIET_KINDS and is_quiet(self.clock(), quiet):
                await self.store.defer(message.id, until=next_working_morning(self.clock(), quiet))
                continue
            try:
                if message.kind == MEETING_SUMMARY:
                    await self._meeting_summary(str(message.payload["document_key"]))
                elif message.kind == SECRETARY_NOTICE:
                    await self._secretary_notice(
                        message.payload.get("group"),
                        str(message.payload["text"]),
                        str(message.payload.get("title") or "Inte min punkt"),
                    )
                elif message.kind == REMINDER:
                    await self._reminder(message.payload)
                elif message.kind == PERSON_NOTICE:
                    await self._person_notice(message.payload)
                elif message.kind == NOTICE:
                    await self._notice(str(message.payload["conversation_id"]), str(message.payload["text"]))
                elif message.kind == REPORT_BACK:
                    await self._report_back(message.payload)
                elif message.kind == REPORT_STATUS:
                    await self._report_status(message.payload)
                elif message.kind in (DIGEST, AGENDA):
                    await self._group_card(message.kind, message.payload)
                else:
                    raise Undeliverable(f"okänd meddelandetyp {message.kind}")
            except Undeliverable as error:
                await self.store.park(message.id, error=str(error), at=self.clock())
                continue
            except ChatSendError as error:
                attempts = message.attempts + 1
                if attempts >= self.max_attempts:
                    await self.store.park(
                        message.id, error=f"gav upp efter {attempts} försök: {error}", at=self.clock()
                    )
                else:
                    wait = error.retry_after or min(3600.0, 30.0 * 2**attempts * random.uniform(0.8, 1.2))
                    retry_at = self.clock() + timedelta(seconds=wait)
                    if message.kind in QUIET_KINDS:
                        retry_at = next_working_morning(retry_at, quiet)
                    await self.store.mark_retry(message.id, error=str(error), next_attempt_at=retry_at)
                continue
            await self.store.mark_sent(message.id, at=self.clock())
            sent += 1
        return sent

    def _quiet_of(self, message: OutboxMessage) -> QuietHours:
        return self._quiet_of_payload(message.payload)

    def _quiet_of_payload(self, payload: Mapping[str, Any]) -> QuietHours:
        group = payload.get("group")
        return self.policies.of(group if isinstance(group, str) else None).quiet

    async def _meeting_summary(self, document_key: str) -> None:
        document = await self.store.get_document(document_key)
        if document is None:
            raise Undeliverable("protokollet finns inte längre")
        if document.status == "deleted":
            await self._meeting_removed(document)
            return
        items = [
            i
            for i in await self.store.items_of_document(document_key)
            if i.status is not ItemStatus.WITHDRAWN
        ]
        card = await self._summary_card(document, items)
        if document.group is None:
            await self._tell_administrators(document)
            raise Undeliverable(
                "protokollet hör inte till någon känd grupp (ange den med minutesbot documents)"
            )
        if document.awaiting_review and await self._to_secretaries(document, items):
            return
        # Checked now, not when queued: a message that waited (Teams was away) obeys the bindings of today.
        channels = await self.store.followers(document.group)
        await self._post_or_update(SUMMARY_CARD, document_key, [(channel, card) for channel in channels])
        logger.info(
            "meeting summary %s delivered to %d channels", safe_log_field(document_key), len(channels)
        )

    async def _summary_card(
        self, document: DocumentRecord, items: Sequence[ItemRecord], *, review: bool = False
    ) -> dict[str, Any]:
        return meeting_summary_card(
            document,
            items,
            people=await people_of(items, self.store),
            today=self.clock().date(),
            actors=await actor_names(items, self.store),
            review=review,
            task_urls=await task_urls(self.store, items),
        )

    async def _to_secretaries(self, document: DocumentRecord, items: Sequence[ItemRecord]) -> bool:
        """A meeting awaiting review: its card with the corrections and Publicera to the group's secretaries'
        personal chats (updated in place on a later version), not to the channels. False when the roster names
        no secretary any more (changed since start-up): then the minutes are published, as without the option."""
        assert document.group is not None
        roster = await self.store.roster(document.group)
        secretaries = [e for e in roster if SECRETARY_ROLE in e.roles and e.aad_object_id]
        if not secretaries:
            logger.warning(
                "minutes %s await review but group %s has no secretary in its roster: published",
                safe_log_field(document.key),
                safe_log_field(document.group),
            )
            await self.store.publish_document(
                document.key, by=INGEST_ACTOR, at=self.clock(), origin="deliver"
            )
            return False
        card = await self._summary_card(document, items, review=True)
        targets = []
        for secretary in secretaries:
            assert secretary.aad_object_id is not None
            targets.append((await self._personal_chat(secretary.aad_object_id, secretary.name), card))
        await self._post_or_update(REVIEW_CARD, document.key, targets)
        logger.info(
            "meeting summary %s sent to the group's secretary for review", safe_log_field(document.key)
        )
        return True

    async def _meeting_removed(self, document: DocumentRecord) -> None:
        """The minutes were deleted: each card posted of them says so, without its items and buttons. No new
        card anywhere (a channel that never saw the meeting has nothing to withdraw)."""
        card = meeting_removed_card(document)
        posted = await self.store.posted_cards(SUMMARY_CARD, document.key)
        for card_posted in posted:
            conversation = await self.store.conversation(card_posted.conversation_id)
            if conversation is not None:
                await self.sender.update(conversation, card_posted.activity_id, OutboundMessage(card=card))
        logger.info("meeting summary %s withdrawn in %d conversations", document.key, len(posted))

    async def _notice(self, conversation_id: str, text: str) -> None:
        conversation = await self.store.conversation(conversation_id)
        if conversation is None:
            raise Undeliverable("konversationen är okänd för boten")
        await self.sender.send(conversation, OutboundMessage(text=text))

    async def _person_notice(self, payload: Mapping[str, Any]) -> None:
        """A note to one person's personal chat (a completion in Planner the group's policy did not allow)."""
        user, text = payload.get("user_aad_id"), payload.get("text")
        if not isinstance(user, str) or not user or not isinstance(text, str) or not text:
            raise Undeliverable("meddelandet saknar mottagare eller text")
        conversation = await self._personal_chat(user, str(payload.get("name") or ""))
        await self.sender.send(conversation, OutboundMessage(card=notice_card("Planner", text)))

    async def _secretary_notice(self, group: object, text: str, title: str) -> None:
        card = notice_card(title, text)
        for secretary in await self._secretaries(group):
            assert secretary.aad_object_id is not None
            conversation = await self._personal_chat(secretary.aad_object_id, secretary.name)
            await self.sender.send(conversation, OutboundMessage(card=card))

    async def _secretaries(self, group: object) -> list[RosterEntry]:
        roster = await self.store.roster(str(group)) if group else []
        secretaries = [e for e in roster if SECRETARY_ROLE in e.roles and e.aad_object_id]
        if not secretaries:
            raise Undeliverable("gruppen har ingen sekreterare med Entra-id i förteckningen")
        return secretaries

    # -- the report-back before a meeting (workflows/report_back.py) ---------------------------------------------

    async def _report_back(self, payload: Mapping[str, Any]) -> None:
        """An owner's card to their personal chat, with the answers so far; nothing once no item is open."""
        if self.report_backs is None:
            raise Undeliverable("återrapporteringen är inte igång")
        user, name = payload.get("user_aad_id"), payload.get("name")
        if not isinstance(user, str) or not user or not isinstance(name, str):
            raise Undeliverable("återrapporteringen saknar mottagare")
        card = await self.report_backs.owner_card(payload, today=self._today(payload))
        if card is not None:
            conversation = await self._personal_chat(user, name)
            await self.sender.send(conversation, OutboundMessage(card=card))

    async def _report_status(self, payload: Mapping[str, Any]) -> None:
        """The secretary's card of who has not reported, to each secretary of the group."""
        group, day = payload.get("group"), payload.get("meeting_date")
        try:
            meeting = date.fromisoformat(day) if isinstance(day, str) else None
        except ValueError:
            meeting = None
        if self.report_backs is None or not isinstance(group, str) or meeting is None:
            raise Undeliverable("återrapporteringen saknar grupp eller mötesdatum")
        card = await self.report_backs.status_card(group, meeting)
        for secretary in await self._secretaries(group):
            assert secretary.aad_object_id is not None
            conversation = await self._personal_chat(secretary.aad_object_id, secretary.name)
            await self.sender.send(conversation, OutboundMessage(card=card))

    def _today(self, payload: Mapping[str, Any]) -> date:
        """The day in the group's timezone (the quiet hours')."""
        return self._quiet_of_payload(payload).local(self.clock()).date()

    async def _reminder(self, payload: Mapping[str, Any]) -> None:
        """A person's reminder (workflows/remind.py), to their personal chat; nothing once all is done."""
        reminder = ReminderMessage.from_payload(payload)
        if reminder is None:
            raise Undeliverable("påminnelsen saknar mottagare eller punkter")
        card = await reminder_card_for(self.store, reminder, now=self.clock())
        if card is not None:
            conversation = await self._personal_chat(reminder.user_aad_id, reminder.name)
            await self.sender.send(conversation, OutboundMessage(card=card))

    # -- the weekly digest and the follow-up agenda (workflows/digest.py, workflows/agenda.py) --------------

    async def _group_card(self, kind: str, payload: Mapping[str, Any]) -> None:
        """A group's digest or agenda card to its channels and, for a personal digest, each owner's card to
        their own chat; a card of the same (kind, subject) posted there already is updated in place. Parked
        when it can go nowhere, which also keeps its enqueue_once from queuing it again."""
        build = digest_post if kind == DIGEST else agenda_post
        try:
            post = await build(self.store, payload, today=self.clock().date())
        except Unpostable as error:
            raise Undeliverable(error.message) from error
        # Only the group's followers; a digest of every group (no group) shows every group's items: no channel.
        channels = await self.store.followers(post.group) if post.group is not None else []
        targets = [(channel, post.card) for channel in channels]
        for person in post.personal:
            targets.append((await self._personal_chat(person.aad_object_id, person.name), person.card))
        if not targets:
            raise Undeliverable("ingen kanal för gruppen och ingen att skicka till")
        await self._post_or_update(kind, post.subject, targets)
        logger.info("%s %s delivered to %d conversations", kind, safe_log_field(post.subject), len(targets))

    async def _post_or_update(
        self, kind: str, subject: str, targets: Sequence[tuple[ConvRef, dict[str, Any]]]
    ) -> None:
        """Each card to its conversation: where a card of the same (kind, subject) was posted already it is
        updated in place, elsewhere it is sent and remembered as posted."""
        posted = {p.conversation_id: p.activity_id for p in await self.store.posted_cards(kind, subject)}
        for conversation, card in targets:
            message = OutboundMessage(card=card)
            if conversation.conversation_id in posted:
                await self.sender.update(conversation, posted[conversation.conversation_id], message)
                continue
            sent = await self.sender.send(conversation, message)
            await self.store.record_posted_card(
                kind, subject, conversation.conversation_id, sent.activity_id, at=self.clock()
            )

    async def _tell_administrators(self, document: DocumentRecord) -> None:
        """One personal message per administrator (by object id) naming a document whose group cannot be told;
        an edit of it tells no one again."""
        told = {p.conversation_id for p in await self.store.posted_cards(UNGROUPED_NOTICE, document.key)}
        text = (
            f"Jag vet inte vilken grupp protokollet '{document.name}' hör till, så det har inte skickats till "
            "någon kanal. Ange gruppen med 'minutesbot documents set-group' (se 'minutesbot documents'); "
            "då får gruppens kanaler kortet."
        )
        for administrator in self.administrators:
            if "@" in administrator:
                continue  # a personal chat is opened by object id; a UPN only grants rights
            conversation = await self._personal_chat(administrator, "administratör")
            if conversation.conversation_id in told:
                continue
            sent = await self.sender.send(
                conversation, OutboundMessage(card=notice_card("Protokoll utan grupp", text))
            )
            await self.store.record_posted_card(
                UNGROUPED_NOTICE,
                document.key,
                conversation.conversation_id,
                sent.activity_id,
                at=self.clock(),
            )

    async def _personal_chat(self, aad_object_id: str, name: str) -> ConvRef:
        existing = await self.store.personal_conversation(aad_object_id)
        if existing is not None:
            return existing
        known = await self.store.conversations()
        if not known:
            raise Undeliverable("boten är inte installerad någonstans ännu")
        created = await self.sender.open_personal_chat(known[0], Person(aad_object_id, name, aad_object_id))
        await self.store.save_conversation(created, at=self.clock())
        return created
