"""Turn handlers: translate a message or a card click into one workflow call and its reply. Thin by design."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from bot.commands import (
    COMMANDS,
    Command,
    Decisions,
    DigestNow,
    Follow,
    FollowUps,
    Help,
    IngestNow,
    MarkDone,
    MeetingItems,
    Move,
    MyItems,
    OpenItems,
    Undo,
    Unfollow,
    parse_command,
)
from cards.agenda import AGENDA_VIEW
from cards.messages import error_card, help_card, notice_card
from cards.summary import SUMMARY_VIEW
from cards.verbs import DUE_INPUT, Verb
from minutes.records import ConversationType, ConvRef
from workflows.chat import CardAction, IncomingMessage, OutboundMessage, Person, Reply, conversation_to_keep
from workflows.digest import Unpostable
from workflows.following import HOW_TO_FOLLOW, Following, scope_of
from workflows.item_actions import SECRETARY_ROLE, ActionOutcome, ItemActions
from workflows.ports import ChatStore
from workflows.queries import Queries

# Asks the service to read a library now; answers in Swedish what it did.
IngestNowFn = Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class Handlers:
    store: ChatStore
    queries: Queries
    actions: ItemActions
    clock: Callable[[], datetime]
    ingest_now: IngestNowFn
    following: Following

    async def on_message(self, message: IncomingMessage) -> Reply:
        message = replace(message, conversation=await self._remember(message.conversation))
        command = parse_command(message.text)
        handler = COMMAND_HANDLERS.get(type(command)) if command is not None else None
        if command is None or handler is None:
            return _card(help_card([(c.usage, c.description) for c in COMMANDS]))
        return await handler(self, command, message)

    async def on_card_action(self, action: CardAction) -> Reply:
        action = replace(action, conversation=await self._remember(action.conversation))
        handler = VERB_HANDLERS.get(action.verb)
        if handler is None:
            return Reply(card=error_card("Den här knappen känner jag inte igen. Inget har ändrats."))
        outcome = await handler(self, action)
        if outcome.item is None:
            # Refused (forged, stale, not allowed) or only shown ('Visa alla'): answer the one who clicked;
            # the posted card stays as it is for everyone else.
            return Reply(card=outcome.card, replace_for_everyone=False)
        return Reply(card=await self._refreshed(action, outcome))

    async def _refreshed(self, action: CardAction, outcome: ActionOutcome) -> dict[str, Any]:
        """The clicked card as it is now: the meeting summary, a command's list re-run, or the item card."""
        view, key = action.data.get("view"), action.data.get("documentKey")
        # The card's data comes from the client: a view of a group the conversation may not see is not shown.
        scope = await scope_of(self.store, action.sender, action.conversation)
        if view == SUMMARY_VIEW and isinstance(key, str):
            document = await self.store.get_document(key)
            if document is None or document.group not in scope:
                return outcome.card
            return await self.queries.summary(key) or outcome.card
        if view == AGENDA_VIEW:
            group, day = action.data.get("group"), action.data.get("meetingDate")
            if group not in scope:
                return outcome.card
            with contextlib.suppress(TypeError, ValueError, Unpostable):
                return await self.queries.agenda(str(group), date.fromisoformat(str(day)))
            return outcome.card
        command = parse_command(view) if isinstance(view, str) else None
        handler = COMMAND_HANDLERS.get(type(command)) if command is not None else None
        if (
            command is not None
            and handler is not None
            and not isinstance(command, (MarkDone, Undo, Move, IngestNow, Follow, Unfollow))
        ):
            message = IncomingMessage(str(view), action.sender, action.conversation, action.tenant_id)
            reply = await handler(self, command, message)
            cards = [m.card for m in reply.messages if m.card is not None]
            if cards:
                return cards[0]
        return outcome.card

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


def _card(card: dict[str, Any]) -> Reply:
    return Reply(messages=(OutboundMessage(card=card),))


def _outcome_reply(outcome: ActionOutcome) -> Reply:
    return Reply(messages=(OutboundMessage(text=outcome.text, card=outcome.card),))


async def _help(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    return _card(help_card([(c.usage, c.description) for c in COMMANDS]))


async def _my_items(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    return _card(await h.queries.my_items(message.sender, message.conversation))


async def _open_items(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    assert isinstance(command, OpenItems)
    return _card(await h.queries.open_items(command.person, message.conversation, message.sender))


async def _mark_done(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    assert isinstance(command, MarkDone)
    return _outcome_reply(await h.actions.mark_done(command.item, message.sender, message.conversation))


async def _undo(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    assert isinstance(command, Undo)
    return _outcome_reply(await h.actions.undo(command.item, message.sender, message.conversation))


async def _move(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    assert isinstance(command, Move)
    return _outcome_reply(
        await h.actions.move(command.item, command.when, message.sender, message.conversation)
    )


async def _decisions(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    assert isinstance(command, Decisions)
    return _card(await h.queries.decisions(command.search, message.conversation, message.sender))


async def _meeting(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    assert isinstance(command, MeetingItems)
    return _card(await h.queries.meeting(command.when, message.conversation, message.sender))


async def _follow_ups(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    return _card(await h.queries.follow_ups(message.conversation, message.sender))


async def _digest(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    cards = await h.queries.this_week(message.conversation, message.sender)
    return Reply(messages=tuple(OutboundMessage(card=card) for card in cards))


async def _follow(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    """Follow a group, and show its latest meeting there at once, so a new channel is not empty."""
    assert isinstance(command, Follow)
    outcome = await h.following.follow(command.group, message.sender, message.conversation)
    messages = [OutboundMessage(text=outcome.text)]
    if outcome.group is not None:
        document = await h.store.latest_document(outcome.group)
        if document is not None:
            messages.append(OutboundMessage(card=await h.queries.meeting_card(document)))
    return Reply(messages=tuple(messages))


async def _unfollow(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    assert isinstance(command, Unfollow)
    outcome = await h.following.unfollow(command.group, message.sender, message.conversation)
    return Reply(messages=(OutboundMessage(text=outcome.text),))


async def _ingest(h: Handlers, command: Command, message: IncomingMessage) -> Reply:
    assert isinstance(command, IngestNow)
    if not await _is_secretary(h, message.sender, message.conversation):
        return _card(notice_card("Läs in", "Bara gruppens sekreterare kan läsa in ett protokoll på begäran."))
    return _card(notice_card("Läs in", await h.ingest_now(command.link)))


async def _is_secretary(h: Handlers, person: Person, where: ConvRef) -> bool:
    """The person is the secretary of a group this conversation may see (one it follows; in a personal chat
    one of the person's groups)."""
    for group in sorted(await scope_of(h.store, person, where)):
        for entry in await h.store.roster(group):
            if (
                entry.aad_object_id
                and entry.aad_object_id == person.aad_object_id
                and SECRETARY_ROLE in entry.roles
            ):
                return True
    return False


CommandHandler = Callable[[Handlers, Command, IncomingMessage], Awaitable[Reply]]

COMMAND_HANDLERS: Mapping[type[Command], CommandHandler] = {
    Help: _help,
    MyItems: _my_items,
    OpenItems: _open_items,
    MarkDone: _mark_done,
    Undo: _undo,
    Move: _move,
    Decisions: _decisions,
    MeetingItems: _meeting,
    FollowUps: _follow_ups,
    IngestNow: _ingest,
    DigestNow: _digest,
    Follow: _follow,
    Unfollow: _unfollow,
}


async def _verb_done(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.mark_done(action.data.get("itemId"), action.sender, action.conversation)


async def _verb_undo(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.undo(action.data.get("itemId"), action.sender, action.conversation)


async def _verb_move(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.move(
        action.data.get("itemId"), action.data.get(DUE_INPUT), action.sender, action.conversation
    )


async def _verb_not_mine(h: Handlers, action: CardAction) -> ActionOutcome:
    return await h.actions.not_mine(action.data.get("itemId"), action.sender, action.conversation)


async def _verb_show_all(h: Handlers, action: CardAction) -> ActionOutcome:
    key = action.data.get("documentKey")
    document = await h.store.get_document(key) if isinstance(key, str) else None
    scope = await scope_of(h.store, action.sender, action.conversation)
    card = None
    if document is not None and document.group in scope:  # never another group's meeting
        card = await h.queries.summary(document.key, full=True)
    if card is None:
        return ActionOutcome(error_card("Protokollet finns inte längre."), "")
    # Showing everything changes nothing: answer the one who asked, and keep the posted card short.
    return ActionOutcome(card, "", item=None)


VerbHandler = Callable[[Handlers, CardAction], Awaitable[ActionOutcome]]

VERB_HANDLERS: Mapping[str, VerbHandler] = {
    Verb.DONE: _verb_done,
    Verb.UNDO: _verb_undo,
    Verb.MOVE: _verb_move,
    Verb.NOT_MINE: _verb_not_mine,
    Verb.SHOW_ALL: _verb_show_all,
}
