"""The Teams edge: the ONLY package importing botbuilder (at end of support; see the architecture test).

Does I/O: answers POST /api/messages and calls the Bot Connector. Everything that crosses this package's
boundary is a project type (workflows.chat, minutes.records.ConvRef); no SDK object leaves it.

Inbound, in this order: JSON → Activity; the Bot Framework JWT is validated (always, unless the settings run
the Agents Playground on loopback with dangerously_allow_unauthenticated): 401; only the configured tenant is
served: 403; then the turn runs. Handler failures give the user one Swedish line; the traceback goes to the
log only. Outbound (ChatSender): one attempt per call, and connector failures become ChatSendError; rate
limits and retries are bot/sending.py's job, so they survive an SDK swap.

Modules: config (its settings, no botbuilder), gateway (TeamsGateway), turns (one turn through the handlers),
activities (translation both ways), connector (Bot Connector clients and credentials)."""

from __future__ import annotations

from bot.teams_gateway.config import GatewayConfigError, GatewaySettings, teams_enabled
from bot.teams_gateway.gateway import TeamsGateway
from bot.teams_gateway.turns import ERROR_TEXT, TurnHandlers

__all__ = [
    "ERROR_TEXT",
    "GatewayConfigError",
    "GatewaySettings",
    "TeamsGateway",
    "TurnHandlers",
    "teams_enabled",
]
