"""Chat in project terms: conversation references, messages in and out, card actions, and the sender port.

The Teams gateway (bot/teams_gateway/, the only package importing botbuilder) translates to and from these,
so the rest of the project never sees an SDK type."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from minutes.records import ConversationType, ConvRef

__all__ = ["ConvRef", "ConversationType"]  # stored by the store, so defined beside the other records


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who writes to or is mentioned by the bot."""

    teams_id: str  # 29:… (or, for mentions of people resolved through Graph, the Entra object id or UPN)
    name: str
    aad_object_id: str | None = None


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A text and/or an Adaptive Card (a plain dict) with the people it @mentions."""

    text: str | None = None
    card: dict[str, Any] | None = None
    mentions: tuple[Person, ...] = ()


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A message to the bot, with the bot's own @mention already removed from `text`."""

    text: str
    sender: Person
    conversation: ConvRef
    tenant_id: str


@dataclass(frozen=True, slots=True)
class CardAction:
    """A click on an Action.Execute button: the verb, the card's data, who clicked and on which message."""

    verb: str
    data: dict[str, Any]
    sender: Person
    conversation: ConvRef
    tenant_id: str
    reply_to_id: str | None = None  # the activity id of the card clicked


@dataclass(frozen=True, slots=True)
class SentMessage:
    conversation_id: str
    activity_id: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What a handler answers: messages to post in the conversation, and for a card action the card that
    replaces the clicked one (for everyone) and is returned in the invoke response."""

    messages: tuple[OutboundMessage, ...] = ()
    card: dict[str, Any] | None = None
    # False when the card answers only the one who clicked (a refusal, an error): the posted card stays.
    replace_for_everyone: bool = True


class ChatSendError(Exception):
    """The chat service refused or failed a send after the sender's own retries. `status` is the HTTP status
    when there was one; `retry_after` the seconds the service asked to wait (429)."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ChatSender(Protocol):
    """Proactive messages: post, replace a posted card, open a personal chat. Implemented by the gateway
    (behind rate limits and retries)."""

    async def send(self, conversation: ConvRef, message: OutboundMessage) -> SentMessage: ...

    async def update(self, conversation: ConvRef, activity_id: str, message: OutboundMessage) -> None: ...

    async def open_personal_chat(self, any_reference: ConvRef, user: Person) -> ConvRef: ...


def conversation_to_keep(ref: ConvRef) -> ConvRef:
    """The reference kept for proactive messages. A channel message arrives on its thread
    ('19:…@thread.tacv2;messageid=…') and names whoever wrote it; what is kept is the channel itself, of no one
    in particular: one reference per channel (cards go to it once, not to every thread anyone wrote in), and
    no write each time someone else speaks."""
    if ref.conversation_type is not ConversationType.CHANNEL:
        return ref
    return replace(ref, conversation_id=ref.conversation_id.split(";", 1)[0], user_id=None, user_aad_id=None)
