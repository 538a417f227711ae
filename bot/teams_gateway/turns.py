"""One turn of the bot: an activity in project types to the handlers, and their reply back to Teams."""

from __future__ import annotations

import logging
import time
from typing import Protocol

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.teams_gateway.activities import (
    ADAPTIVE_CARD,
    INVOKE_ERROR,
    INVOKE_MESSAGE,
    card_action_of,
    conversation_of,
    invoke_response,
    message_activity,
    send_all,
    sender_of,
    text_without_bot_mention,
)
from bot.teams_gateway.connector import send_error
from minutes.logsafe import safe_log_field
from minutes.records import ConvRef
from workflows.chat import CardAction, IncomingMessage, OutboundMessage, Reply

logger = logging.getLogger(__name__)

ERROR_TEXT = "Något gick fel, försök igen om en stund."
# Teams announces one install twice: as installationUpdate and as conversationUpdate.
INSTALL_EVENT_WINDOW_SECONDS = 120.0


class TurnHandlers(Protocol):
    """What the gateway calls for each kind of turn; bot/handlers.py implements it in project types."""

    async def on_message(self, message: IncomingMessage) -> Reply: ...

    async def on_card_action(self, action: CardAction) -> Reply: ...

    async def on_conversation(self, conversation: ConvRef, *, installed: bool) -> Reply: ...


class MinutesBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type information
    """Translates each turn into project types, calls the handler, and sends its reply."""

    def __init__(self, handlers: TurnHandlers) -> None:
        self._handlers = handlers
        self._recent_install_events: dict[str, tuple[bool, float]] = {}

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        conversation = conversation_of(activity)
        message = IncomingMessage(
            text=text_without_bot_mention(activity),
            sender=sender_of(activity),
            conversation=conversation,
            tenant_id=conversation.tenant_id,
        )
        try:
            reply = await self._handlers.on_message(message)
        except Exception:
            logger.exception("on_message failed")
            await turn_context.send_activity(message_activity(OutboundMessage(text=ERROR_TEXT)))
            return
        await send_all(turn_context, reply)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return InvokeResponse(status=501)
        action = card_action_of(activity)
        if action is None:
            return invoke_response(
                400, INVOKE_ERROR, {"code": "BadRequest", "message": "Ogiltig kortåtgärd."}
            )
        try:
            reply = await self._handlers.on_card_action(action)
        except Exception:
            logger.exception("on_card_action failed (%s)", safe_log_field(action.verb))
            return invoke_response(200, INVOKE_MESSAGE, ERROR_TEXT)
        if reply.card is not None and activity.reply_to_id and reply.replace_for_everyone:
            # The invoke response replaces the card for the one who clicked; this replaces it for everyone.
            replacement = message_activity(OutboundMessage(card=reply.card))
            replacement.id = activity.reply_to_id
            try:
                await turn_context.update_activity(replacement)
            except (HttpOperationError, ClientRequestError, PermissionError) as error:
                logger.warning(
                    "could not update the clicked card for everyone: %s", send_error(error, "kort")
                )
        try:
            await send_all(turn_context, reply)
        except (HttpOperationError, ClientRequestError, PermissionError) as error:
            # The action is done; failing the invoke would tell the user it was not.
            logger.warning("could not post the messages of a card action: %s", send_error(error, "svar"))
        if reply.card is None:
            return invoke_response(200, INVOKE_MESSAGE, "")
        # Unserialized model: process() serializes it exactly once (the CloudAdapter double-serialization bug).
        return invoke_response(200, ADAPTIVE_CARD, reply.card)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in activity.members_added or []):
            await self._on_installation(turn_context, installed=True)
        elif any(member.id == bot_id for member in activity.members_removed or []):
            await self._on_installation(turn_context, installed=False)

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        action = turn_context.activity.action
        if action == "add":
            await self._on_installation(turn_context, installed=True)
        elif action == "remove":
            await self._on_installation(turn_context, installed=False)
        # "add-upgrade"/"remove-upgrade": a new app version; nothing changes for the conversation.

    async def _on_installation(self, turn_context: TurnContext, *, installed: bool) -> None:
        conversation = conversation_of(turn_context.activity)
        if not self._first_install_event(conversation.conversation_id, installed):
            return
        try:
            reply = await self._handlers.on_conversation(conversation, installed=installed)
        except Exception:
            logger.exception("on_conversation failed (installed=%s)", installed)
            if installed:
                await turn_context.send_activity(message_activity(OutboundMessage(text=ERROR_TEXT)))
            return
        if installed:  # once removed, the bot can no longer post there
            await send_all(turn_context, reply)

    def _first_install_event(self, conversation_id: str, installed: bool) -> bool:
        """Teams announces one install (or removal) twice, as installationUpdate and as conversationUpdate,
        possibly concurrently: pass on only the first. Checked and recorded without an await in between."""
        now = time.monotonic()
        for key, (_, at) in list(self._recent_install_events.items()):
            if now - at > INSTALL_EVENT_WINDOW_SECONDS:
                del self._recent_install_events[key]
        previous = self._recent_install_events.get(conversation_id)
        self._recent_install_events[conversation_id] = (installed, now)
        return previous is None or previous[0] != installed
