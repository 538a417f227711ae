"""The gateway's own settings: the five values it needs of Settings, and whether Teams is on at all."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from bot.settings import Settings


class GatewayConfigError(ValueError):
    """The settings cannot run the Teams endpoint safely. One Swedish line."""


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """The bot registration (single tenant), or the Agents Playground's unauthenticated mode on loopback."""

    bot_app_id: str = ""
    bot_app_password: SecretStr | None = None
    tenant_id: str = ""
    dangerously_allow_unauthenticated: bool = False
    host: str = "127.0.0.1"

    @classmethod
    def of(cls, settings: Settings) -> GatewaySettings:
        return cls(
            bot_app_id=settings.bot_app_id,
            bot_app_password=settings.bot_app_password,
            tenant_id=settings.tenant_id,
            dangerously_allow_unauthenticated=settings.dangerously_allow_unauthenticated,
            host=settings.host,
        )


def teams_enabled(settings: GatewaySettings) -> bool:
    """Whether create_app should mount POST /api/messages: with a bot registration, or for the Playground."""
    return bool(settings.bot_app_id) or settings.dangerously_allow_unauthenticated
