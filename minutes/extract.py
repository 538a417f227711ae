"""Extract action items, decisions and follow-ups from a parsed minutes document. Pure: no I/O, no clock."""

from __future__ import annotations

import re
from datetime import date

from minutes.actors import actor_grammar
from minutes.attendance import parse_roster
from minutes.context import DocumentContext
from minutes.dates import find_meeting_date, meeting_date_from_file_name
from minutes.model import (
    ActionItem,
    DateSource,
    Extraction,
    Meeting,
    NotMinutes,
    Paragraph,
    ParsedDocument,
    Table,
    block_text,
)
from minutes.patterns import (
    GROUP_BODY,
)
from minutes.prose_items import ProseState, paragraph_items
from minutes.table_items import table_items
from minutes.text import squash
from minutes.words import WordClasses

_OPENING_CHARS = 2000


def extract(
    doc: ParsedDocument,
    *,
    reference_date: date,
    file_name: str | None = None,
    word_classes: WordClasses | None = None,
) -> Extraction:
    """Every action, decision and follow-up with owners and due dates.

    Raises NotMinutes when the document has no items and nothing else that minutes have.
    Dates resolve against the meeting date the document prints, else the one in its file name, else
    `reference_date` (the file's filing date), never against a clock.
    """
    full_text = doc.text()
    # Blocks apart (a list under 'Sekreterare:' ends with its paragraph); tables also as cells.
    roster = parse_roster(
        "\n\n".join(block_text(b) for b in doc.blocks),
        tables=[[row.texts for row in block.rows] for block in doc.blocks if isinstance(block, Table)],
    )
    printed_date = find_meeting_date(_opening(doc))
    date_source = DateSource.DOCUMENT if printed_date else None
    if printed_date is None and file_name:
        printed_date = meeting_date_from_file_name(file_name)
        date_source = DateSource.FILE_NAME if printed_date else None
    context = DocumentContext(roster, actor_grammar(roster), printed_date or reference_date, word_classes)
    items: list[ActionItem] = []
    prose = ProseState()
    for index, block in enumerate(doc.blocks):
        if isinstance(block, Table):
            items.extend(prose.after_table())
            items.extend(table_items(block, index, context, prose.heading))
        else:
            items.extend(paragraph_items(block, index, context, prose))
    items.extend(prose.release())
    if not items and not _looks_like_minutes(full_text, printed_date):
        raise NotMinutes(
            "dokumentet ser inte ut att vara ett mötesprotokoll (inga åtgärder, beslut eller mötesuppgifter)"
        )
    meeting = Meeting(
        body=_group_body(full_text),
        date=printed_date,
        people=roster.people,
        title=_title(doc),
        date_source=date_source,
    )
    return Extraction(meeting=meeting, items=tuple(items))


# Words every set of minutes carries somewhere, even one without a single action item.
_MINUTES_WORDS = re.compile(
    r"\b(?:protokoll|minnesanteckningar|mötesanteckningar|anteckningar|dagordning|föredragningslista|närvarande"
    r"|sammanträde|mötesdatum|justerare|beslut|ansvarig|åtgärd)",
    re.IGNORECASE,
)


def _looks_like_minutes(text: str, printed_date: date | None) -> bool:
    return (
        printed_date is not None
        or _MINUTES_WORDS.search(text) is not None
        or GROUP_BODY.search(text) is not None
    )


def _opening(doc: ParsedDocument) -> str:
    """The text before the first table, or the first lines: where meeting dates are printed."""
    parts: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Table):
            break
        parts.append(block.text)
    # A Word paragraph is one line however long: cap the characters too (the date is near the top).
    text = "\n".join(parts)
    return "\n".join(text.splitlines()[:60])[:_OPENING_CHARS]


def _group_body(text: str) -> str | None:
    found: list[str] = GROUP_BODY.findall(text[:3000]) or GROUP_BODY.findall(text)
    if not found:
        return None
    # The body in the title wins ('Minnesanteckningar från samverkansgrupp FSG/VSG'); else the commonest.
    combined = [f for f in found if "/" in f]
    if combined:
        return combined[0]
    return max(set(found), key=lambda b: (found.count(b), -found.index(b)))


def _title(doc: ParsedDocument) -> str | None:
    for block in doc.blocks:
        if isinstance(block, Paragraph) and squash(block.text):
            return squash(block.text)[:200]
    return None
