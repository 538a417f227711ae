"""Checks shared by the card tests: the Adaptive Card 1.5 schema, the Teams `msteams` part, card walking."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator

ROOT = Path(__file__).resolve().parents[2]
# Vendored from ../shared/schemas (schemas/README.md).
SCHEMA_PATH = ROOT / "schemas" / "adaptive-card-1.5.0.json"
TEAMS_LIMIT_BYTES = 28_000

# The Teams-only part the strict schema rejects: full width and mention entities. The id may be a Teams
# id (29:…), an Entra object id or a UPN (docs "Format cards in Teams", mentions in Adaptive Cards).
MSTEAMS_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-06/schema#",
    "type": "object",
    "required": ["width", "entities"],
    "additionalProperties": False,
    "properties": {
        "width": {"const": "Full"},
        "entities": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "text", "mentioned"],
                "additionalProperties": False,
                "properties": {
                    "type": {"const": "mention"},
                    "text": {"type": "string", "pattern": "^<at>[^<>]+</at>$"},
                    "mentioned": {
                        "type": "object",
                        "required": ["id", "name"],
                        "additionalProperties": False,
                        "properties": {
                            "id": {
                                "type": "string",
                                "pattern": (
                                    r"^(29:\S+|8:orgid:[0-9a-fA-F-]{36}"
                                    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                                    r"|[^@\s]+@[^@\s]+\.[^@\s]+)$"
                                ),
                            },
                            "name": {"type": "string", "minLength": 1},
                        },
                    },
                },
            },
        },
    },
}
AT_TAG = re.compile(r"<at>[^<>]*</at>")


@cache
def card_validator() -> Draft6Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema, format_checker=Draft6Validator.FORMAT_CHECKER)


@cache
def msteams_validator() -> Draft6Validator:
    Draft6Validator.check_schema(MSTEAMS_SCHEMA)
    return Draft6Validator(MSTEAMS_SCHEMA)


def without_msteams(card: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in card.items() if key != "msteams"}


def schema_errors(card: dict[str, Any]) -> list[str]:
    """Everything wrong with a card: the strict schema (msteams stripped), then the Teams part."""
    problems = [
        f"schema: {e.message[:200]} at {list(e.absolute_path)}"
        for e in card_validator().iter_errors(without_msteams(card))
    ]
    msteams = card.get("msteams")
    if msteams is None:
        return [*problems, "msteams: missing"]
    problems += [
        f"msteams: {e.message[:200]} at {list(e.absolute_path)}"
        for e in msteams_validator().iter_errors(msteams)
    ]
    if problems:
        return problems
    texts = text_block_texts(card)
    tagged = {tag for text in texts for tag in AT_TAG.findall(text)}
    mentioned = {entity["text"] for entity in msteams["entities"]}
    problems += [f"msteams: entity {text!r} occurs in no TextBlock" for text in sorted(mentioned - tagged)]
    problems += [f"msteams: {text!r} in a TextBlock has no entity" for text in sorted(tagged - mentioned)]
    return problems


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card, depth first (elements, actions, ShowCard cards, table cells …)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for value in node:
            yield from elements(value)


def text_block_texts(card: dict[str, Any]) -> list[str]:
    return [node["text"] for node in elements(without_msteams(card)) if node.get("type") == "TextBlock"]


def execute_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [node for node in elements(without_msteams(card)) if node.get("type") == "Action.Execute"]


def visible_text(card: dict[str, Any]) -> str:
    """All text a user can read: TextBlocks, TextRuns, facts and button titles."""
    parts: list[str] = []
    for node in elements(without_msteams(card)):
        kind = node.get("type")
        if kind in {"TextBlock", "TextRun"}:
            parts.append(node["text"])
        elif kind is None and {"title", "value"} <= node.keys():
            parts.append(f"{node['title']}: {node['value']}")
        elif isinstance(kind, str) and kind.startswith("Action."):
            parts.append(node.get("title", ""))
    return "\n".join(parts)


def card_bytes(card: dict[str, Any]) -> int:
    """Bytes on the wire, whichever way the sender encodes: UTF-8 or ASCII with \\u escapes."""
    return max(len(json.dumps(card).encode()), len(json.dumps(card, ensure_ascii=False).encode("utf-8")))
