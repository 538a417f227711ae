"""Small Adaptive Card 1.5 building blocks (text, facts, actions, mentions, Swedish dates). Pure: no I/O."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeGuard

from cards.verbs import Verb
from minutes.dates import format_date as format_date  # the core's one date format, for the card builders
from minutes.model import Relative
from minutes.people import ALL

Card = dict[str, Any]
Element = dict[str, Any]

CARD_VERSION = "1.5"
FALLBACK_TEXT = "Det här kortet kräver en nyare version av Teams."

# 'ALLA' in the minutes: everyone in the group, said as one word rather than a row of names.
EVERYONE_TEXT = "Alla"
NEXT_MEETING_TEXT = "nästa möte"
# 'ALLA' may resolve to a whole group: past this many names a card says 'och N till' instead.
MAX_OWNERS_SHOWN = 12


class Mentionable(Protocol):
    """Someone a card can @mention: workflows.chat.Person satisfies this (cards/ may not import workflows)."""

    @property
    def teams_id(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class RichText:
    """Text for a TextBlock together with the mention entities its `<at>…</at>` parts need."""

    text: str
    entities: tuple[Element, ...] = ()


def text_block(
    text: str,
    *,
    weight: str | None = None,
    size: str | None = None,
    color: str | None = None,
    subtle: bool = False,
    heading: bool = False,
    spacing: str | None = None,
    separator: bool = False,
    font_type: str | None = None,
) -> Element:
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    if heading:
        block["style"] = "heading"
    if weight:
        block["weight"] = weight
    if size:
        block["size"] = size
    if color:
        block["color"] = color
    if subtle:
        block["isSubtle"] = True
    if font_type:
        block["fontType"] = font_type
    if spacing:
        block["spacing"] = spacing
    if separator:
        block["separator"] = True
    return block


def plain_text_block(text: str, *, strikethrough: bool = False, spacing: str | None = None) -> Element:
    """Text from a document, shown literally: a TextRun does no markdown and no `<at>` mentions, so a line
    of minutes starting with '1.' or containing '**' or '<at>' renders as written."""
    run: Element = {"type": "TextRun", "text": text}
    if strikethrough:
        run["strikethrough"] = True
        run["isSubtle"] = True
    block: Element = {"type": "RichTextBlock", "inlines": [run]}
    if spacing:
        block["spacing"] = spacing
    return block


def fact_set(facts: Iterable[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in facts]}


def container(items: Sequence[Element], *, separator: bool = False, spacing: str | None = None) -> Element:
    element: Element = {"type": "Container", "items": list(items)}
    if separator:
        element["separator"] = True
    if spacing:
        element["spacing"] = spacing
    return element


def execute_action(
    verb: Verb, title: str, data: Mapping[str, str | int], *, style: str | None = None
) -> Element:
    """A Universal Action button. `data` comes back verbatim with the click and can be forged by anyone who
    can post to the bot: carry ids only, which the handler checks again."""
    action: Element = {"type": "Action.Execute", "verb": verb.value, "title": title, "data": dict(data)}
    if style:
        action["style"] = style
    return action


def open_url_action(title: str, url: str) -> Element:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def action_set(actions: Sequence[Element], *, spacing: str | None = None) -> Element:
    element: Element = {"type": "ActionSet", "actions": list(actions)}
    if spacing:
        element["spacing"] = spacing
    return element


def is_web_url(url: str | None) -> TypeGuard[str]:
    """Only http(s) links become buttons: a file:// or javascript: address from a source is never opened."""
    if not url or any(ch.isspace() for ch in url):
        return False
    return url.lower().startswith(("http://", "https://"))


def mention(person: Mentionable) -> RichText:
    """`<at>Name</at>` and its entity. The id may be a Teams id (29:…), an Entra object id or a UPN."""
    # The entity's text must equal the card text exactly, and angle brackets would end the <at> tag early.
    shown = " ".join(person.name.replace("<", "").replace(">", "").split()) or person.teams_id
    text = f"<at>{shown}</at>"
    entity: Element = {
        "type": "mention",
        "text": text,
        "mentioned": {"id": person.teams_id, "name": person.name},
    }
    return RichText(text, (entity,))


def format_owners(
    owners: Sequence[str], people: Mapping[str, Sequence[Mentionable]], *, limit: int = MAX_OWNERS_SHOWN
) -> RichText:
    """Owners for a TextBlock: 'Alla' for ALLA, resolved people as mentions, everyone else as the minutes
    wrote them; beyond `limit` names, 'och N till'."""
    names: list[RichText] = []
    for owner in owners:
        resolved = people.get(owner, ())
        if owner == ALL:
            names.append(RichText(EVERYONE_TEXT))
        elif resolved:
            names.extend(mention(person) for person in resolved)
        else:
            # Text as written must not open a mention tag of its own.
            names.append(RichText(owner.replace("<", "").replace(">", "")))
    shown: list[RichText] = []
    seen: set[str] = set()
    for name in names:
        # Two owners may mean the same person ('RN' and 'Rickard Nyström'): name them once.
        if name.text and name.text not in seen:
            seen.add(name.text)
            shown.append(name)
    hidden = len(shown) - limit
    shown = shown[:limit]
    text = ", ".join(name.text for name in shown) + (f" och {hidden} till" if hidden > 0 else "")
    return RichText(text, tuple(unique_entities(e for name in shown for e in name.entities)))


def unique_entities(entities: Iterable[Element]) -> list[Element]:
    """Each mention once per card, in the order of first appearance."""
    seen: set[object] = set()
    unique: list[Element] = []
    for entity in entities:
        key = _entity_key(entity)
        if key not in seen:
            seen.add(key)
            unique.append(entity)
    return unique


def _entity_key(entity: Element) -> object:
    """What makes two entities the same. A mention (nearly every entity, many per card) by its fields;
    anything else by its JSON."""
    mentioned = entity.get("mentioned")
    fields = (
        entity.get("type"),
        entity.get("text"),
        *(mentioned.values() if isinstance(mentioned, dict) else ()),
    )
    if (
        entity.keys() == {"type", "text", "mentioned"}
        and isinstance(mentioned, dict)
        and mentioned.keys() == {"id", "name"}
        and all(isinstance(field, str) for field in fields)
    ):
        return (entity["type"], entity["text"], mentioned["id"], mentioned["name"])
    return json.dumps(entity, sort_keys=True)


def format_due(due: date | None, relative: Relative | None, raw: str | None) -> str | None:
    """A due date as users say it: a date, 'nästa möte', or a vague phrase as written ('under hösten')."""
    if relative is Relative.NEXT_MEETING:
        return NEXT_MEETING_TEXT
    if due is not None:
        return format_date(due)
    if raw and raw.strip():
        return " ".join(raw.split())
    return None


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis; whitespace collapsed."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    # Cutting at a space keeps words whole, unless that would throw away most of the text.
    if not flat[limit - 1].isspace() and space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–") + "…"


def json_size(value: Any) -> int:
    """Bytes of JSON as a bot might send it: the larger of UTF-8 and ASCII-escaped encodings."""
    escaped = len(json.dumps(value, ensure_ascii=True))
    utf8 = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    return max(escaped, utf8)


def adaptive_card(
    body: Sequence[Element],
    *,
    actions: Sequence[Element] = (),
    entities: Iterable[Element] = (),
) -> Card:
    card: Card = {
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "lang": "sv",
        "fallbackText": FALLBACK_TEXT,
        "body": list(body),
    }
    if actions:
        card["actions"] = list(actions)
    card["msteams"] = {"width": "Full", "entities": unique_entities(entities)}
    return card
