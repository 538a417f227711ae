"""Turn handlers: translate a message or a card click into one workflow call and its reply. Thin by design."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, assert_never

from bot.commands import invocation
from bot.not_understood import not_understood_reply
from cards.messages import error_card
from cards.verbs import DUE_INPUT, OWNERS_INPUT, Verb
from cards.views import (
    AgendaView,
    DecisionsView,
    DigestView,
    FollowUpsView,
    MeetingView,
    MyItemsView,
    OpenItemsView,
    PagePlace,
    View,
    place_of,
    view_of,
)
from minutes.records import ConversationType, ConvRef, DocumentRecord
from workflows.chat import CardAction, IncomingMessage, OutboundMessage, Person, Reply, conversation_to_keep
from workflows.digest import Unpostable
from workflows.following import HOW_TO_FOLLOW, Following, scope_of
from workflows.item_actions import ActionOutcome, ItemActions
from workflows.ports import ChatStore
from workflows.publish import Publishing, is_secretary
from workflows.queries import Queries
from workflows.report_back import ReportBacks

UNKNOWN_BUTTON = "Den här knappen känner jag inte igen. Inget har ändrats."

# Asks the service to read a library now; answers in Swedish what it did.
IngestNowFn = Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class Handlers:
    """The gateway's TurnHandlers: a message runs the command bot.commands declares for it (help otherwise); a
    click runs its verb's handler (VERB_HANDLERS) and shows the view its button names, as it is now."""

    store: ChatStore
    queries: Queries
    actions: ItemActions
    clock: Callable[[], datetime]
    ingest_now: IngestNowFn
    following: Following
    publishing: Publishing
    report_backs: ReportBacks | None = None  # the report-back's buttons; None: refused as unknown

    async def on_message(self, message: IncomingMessage) -> Reply:
        message = replace(message, conversation=await self._remember(message.conversation))
        command = invocation(message.text)
        if command is None:
            return not_understood_reply(message.text)
        return await command.run(self, message)

    async def on_card_action(self, action: CardAction) -> Reply:
        action = replace(action, conversation=await self._remember(action.conversation))
        handler = VERB_HANDLERS.get(action.verb)
        if handler is None:
            return Reply(card=error_card(UNKNOWN_BUTTON))
        outcome = await handler(self, action)
        if outcome.item is None:
            # Refused (forged, stale, not allowed) or only shown ('Visa alla', another page): answer the one
            # who clicked, in place of the card they clicked; the posted card stays as it is for everyone else.
            return Reply(card=outcome.card, replace_for_everyone=False)
        return Reply(card=await self._refreshed(action, outcome))

    async def _refreshed(self, action: CardAction, outcome: ActionOutcome) -> dict[str, Any]:
        """The clicked card as it is now: the view its button names (the meeting summary, a list, the agenda,
        the digest), else the item card."""
        view = view_of(action.data)
        if view is None:
            return outcome.card
        return await self._view(view, action, place_of(action.data)) or outcome.card

    async def _view(self, view: View, action: CardAction, at: PagePlace) -> dict[str, Any] | None:
        """The card of `view` at the page `at` (its first row's place, the way back), as it is now; None when the conversation may not see
        it. The view comes from the client: one of a group the conversation may not see is not shown."""
        who, where = action.sender, action.conversation
        match view:
            case MeetingView(document_key, everything):
                document = await self.store.get_document(document_key)
                if document is None or not await self._may_see(document, who, where):
                    return None
                return await self.queries.summary(document_key, full=everything, at=at)
            case AgendaView(group, meeting_date):
                if group not in await scope_of(self.store, who, where):
                    return None
                with contextlib.suppress(Unpostable):
                    return await self.queries.agenda(group, meeting_date)
                return None
            case MyItemsView():
                return await self.queries.my_items(who, where, at)
            case OpenItemsView(person):
                return await self.queries.open_items(person, where, who, at)
            case FollowUpsView():
                return await self.queries.follow_ups(where, who, at)
            case DecisionsView(search):
                return await self.queries.decisions(search, where, who, at)
            case DigestView():
                cards = await self.queries.this_week(where, who)
                return cards[0] if cards else None
            case _:
                assert_never(view)

    async def _may_see(self, document: DocumentRecord, who: Person, where: ConvRef) -> bool:
        """A meeting of a group the conversation may see; one awaiting review only by the group's secretary."""
        if document.group not in await scope_of(self.store, who, where):
            return False
        return not document.awaiting_review or await is_secretary(self.store, document.group, who)

    async def _remember(self, conversation: ConvRef) -> ConvRef:
        """Keep the conversation's reference for proactive messages (a write only when it changed: every turn
        would otherwise queue behind the store's single writer). Which groups it follows is kept apart
        (store.follow_group) and looked up by the workflows."""
        kept = conversation_to_keep(conversation)
        stored = await self.store.conversation(kept.conversation_id)
        if stored is None or stored != replace(kept, group=stored.group):
            await self.store.save_conversation(kept, at=self.clock())
        return conversation

    async def on_conversation(self, conversation: ConvRef, *, installed: bool) -> Reply:
        if not installed:
            return Reply()
        await self.store.save_conversation(conversation_to_keep(conversation), at=self.clock())
        welcome = (
            "Hej! Jag läser gruppens protokoll och håller ordning på åtgärder, beslut och uppföljningar. "
            "Skriv 'hjälp' för att se vad jag kan."
        )
        if conversation.conversation_type is not ConversationType.PERSONAL:
            welcome += " Den här kanalen följer ingen grupp ännu. " + HOW_TO_FOLLOW
        return Reply(messages=(OutboundMessage(text=welcome),))


async def _verb_done(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.mark_done(action.data.get("itemId"), action.sender, action.conversation)


async def _verb_undo(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.undo(action.data.get("itemId"), action.sender, action.conversation)


async def _verb_move(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.move(
        action.data.get("itemId"), action.data.get(DUE_INPUT), action.sender, action.conversation
    )


async def _verb_archive(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.archive(action.data.get("itemId"), action.sender, action.conversation)


async def _verb_restore(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.restore(action.data.get("itemId"), action.sender, action.conversation)


async def _verb_set_owners(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.set_owners(
        action.data.get("itemId"), action.data.get(OWNERS_INPUT), action.sender, action.conversation
    )


async def _verb_dismiss(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.dismiss(action.data.get("itemId"), action.sender, action.conversation)


async def _verb_not_mine(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.not_mine(action.data.get("itemId"), action.sender, action.conversation)


async def _verb_show_all(h: Handlers, action: CardAction) -> ActionOutcome:
    key = action.data.get("documentKey")
    document = await h.store.get_document(key) if isinstance(key, str) else None
    card = None
    # Never another group's meeting, nor one awaiting review but by the group's secretary.
    if document is not None and await h._may_see(document, action.sender, action.conversation):
        card = await h.queries.summary(document.key, full=True)
    if card is None:
        return ActionOutcome(error_card("Protokollet finns inte längre."), "")
    # Showing everything changes nothing: answer the one who asked, and keep the posted card short.
    return ActionOutcome(card, "", item=None)


async def _verb_page(h: Handlers, action: CardAction) -> ActionOutcome:
    """Föregående/Nästa: the page the button names of the card's view, in place of the card, for the clicker."""
    view = view_of(action.data)
    card = await h._view(view, action, place_of(action.data)) if view is not None else None
    if card is None:
        return ActionOutcome(error_card("Listan finns inte längre. Skriv kommandot igen."), "")
    return ActionOutcome(card, "", item=None)


async def _verb_report(h: Handlers, action: CardAction) -> ActionOutcome:
    if h.report_backs is None:
        return ActionOutcome(error_card(UNKNOWN_BUTTON), UNKNOWN_BUTTON)
    return await h.report_backs.answer(action.data, action.sender, action.conversation)


async def _verb_report_remind(h: Handlers, action: CardAction) -> ActionOutcome:
    if h.report_backs is None:
        return ActionOutcome(error_card(UNKNOWN_BUTTON), UNKNOWN_BUTTON)
    return await h.report_backs.remind(action.data, action.sender)


async def _verb_publish(h: Handlers, action: CardAction) -> ActionOutcome:
    """'Publicera' on a meeting's card the group's secretary reviews: the card goes to the group's channels, once.
    The secretary's card becomes the meeting's card as the channels get it; anyone else gets the refusal."""
    key = action.data.get("documentKey")
    outcome = await h.publishing.publish(key, action.sender, action.conversation)
    if outcome.card is not None:
        return ActionOutcome(outcome.card, outcome.text)
    card = await h.queries.summary(key) if isinstance(key, str) else None
    return ActionOutcome(card or error_card(outcome.text), outcome.text)


VerbHandler = Callable[[Handlers, CardAction], Awaitable[ActionOutcome]]

VERB_HANDLERS: Mapping[str, VerbHandler] = {
    Verb.DONE: _verb_done,
    Verb.UNDO: _verb_undo,
    Verb.MOVE: _verb_move,
    Verb.NOT_MINE: _verb_not_mine,
    Verb.SHOW_ALL: _verb_show_all,
    Verb.PAGE: _verb_page,
    Verb.ARCHIVE: _verb_archive,
    Verb.RESTORE: _verb_restore,
    Verb.SET_OWNERS: _verb_set_owners,
    Verb.DISMISS: _verb_dismiss,
    Verb.REPORT: _verb_report,
    Verb.REPORT_REMIND: _verb_report_remind,
    Verb.PUBLISH: _verb_publish,
}
