"""Extract action items, decisions and follow-ups from a parsed minutes document. Pure: no I/O, no clock."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from minutes.dates import choose_due, find_dates, find_meeting_date, meeting_date_from_file_name, resolve_due
from minutes.model import (
    ActionItem,
    Block,
    Cell,
    DateSource,
    Due,
    Extraction,
    ItemKind,
    Meeting,
    NotMinutes,
    Paragraph,
    ParsedDocument,
    Row,
    Source,
    Table,
    block_text,
)
from minutes.patterns import (
    ACTION,
    ACTION_OPENING,
    ALL_WORDS,
    COLUMN_HEADERS,
    DECISION,
    DECISION_HEADING,
    FOLLOW_UP,
    GROUP_BODY,
    PASSIVE_TASK,
    PASSIVE_WITH_AGENT,
    PAST_TENSE,
    PRESENT_VERB,
    PROCEDURAL,
    REPORT_SPEECH,
    REPORT_VERB,
    REPORTING_VERBS,
    STATIVE_FUTURE,
    ColumnRole,
)
from minutes.people import (
    ALL,
    ActorGrammar,
    Roster,
    actor_grammar,
    find_actors,
    normalise_owner_cell,
    parse_roster,
    role_keys,
)
from minutes.tasks import (
    ACTION_SECTION,
    LabelRecord,
    is_negated,
    label_record,
    opens_with_infinitive,
    record_part,
    split_owner_marker,
    strip_line_marker,
)
from minutes.text import sentences, squash
from minutes.words import WordClass, WordClasses

# Sentences that pick up the previous one ('Detta kommer ske på nästa möte') belong to its item.
_ANAPHORIC = re.compile(r"^(?:detta|denna|dessa|det här|där|därefter|sedan)\b", re.IGNORECASE)
_CONDITIONAL_START = re.compile(r"^(?:om|ifall|även om|såvida)\b", re.IGNORECASE)
_STATUS = re.compile(r"\b(?:just nu|pågår|pågående|redan)\b", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*(\d{1,2})\)\s*")
_LABEL_PARAGRAPH = re.compile(r"^\s*([\wÅÄÖåäö/ -]{2,40}):\s*(.*)$", re.DOTALL)
# Sections of the preamble and the like: their prose states purpose or attendance, not actions.
_SKIP_SECTION = re.compile(
    r"\b(?:syfte|närvarande|frånvarande|gäster|deltagare|mötesdatum|klockslag|sammankallande|sekreterare"
    r"|ordförande|justerare|plats|vision|värdegrund)\b|^tid$",  # whole words: 'Båtplatser' is a topic
    re.IGNORECASE,
)
_NO_ACTION = re.compile(
    r"\b(?:ingen åtgärd|inga åtgärder|inget att åtgärda|ingen vidare åtgärd|för kännedom|noteras)\b",
    re.IGNORECASE,
)
_MAX_HEADING_WORDS = 9
_OPENING_CHARS = 2000


@dataclass(frozen=True, slots=True)
class _Context:
    roster: Roster
    grammar: ActorGrammar
    meeting_date: date
    words: WordClasses | None = None  # a morphology's answers; None: the verb-shape rules alone
    # The same sentence is asked for its actors several times (cutting, owning, headings): ask once.
    _actors: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def actors(self, text: str) -> tuple[str, ...]:
        found = self._actors.get(text)
        if found is None:
            found = self._actors[text] = find_actors(text, self.roster, self.grammar)
        return found

    def names_owners(self, phrase: str) -> bool:
        """Whether a phrase at a line's end names owners: people, initials, roles, parties or 'alla'."""
        parts = [p for p in re.split(r"\s*(?:,|/|&|\+|\bo\b|\boch\b)\s*", phrase.strip(" .")) if p]
        return bool(parts) and len(parts) <= 6 and all(_owner_like(part, self.roster) for part in parts)

    def is_present_verb(self, word: str) -> bool:
        """'bokar', 'tar', 'fixar' — not 'åter' or 'efter', which only look like one."""
        if self.words is not None and self.words.knows(word):
            return self.words.can_be(word, WordClass.PRESENT)
        return PRESENT_VERB.fullmatch(word) is not None

    def opens_with_infinitive(self, text: str) -> bool:
        """A to-do line: 'Boka lokal', 'Skicka ut kallelsen'."""
        words = text.split()
        first = words[0].strip(".,;:()") if words else ""
        if self.words is not None and len(words) >= 2 and first[:1].isupper() and self.words.knows(first):
            return self.words.can_be(first, WordClass.INFINITIVE, WordClass.IMPERATIVE)
        return opens_with_infinitive(text)

    def names_due(self, phrase: str) -> bool:
        """Whether a phrase at a line's end is a due date ('fre 21/3', 'v. 14', 'Q2', 'end of April')."""
        return len(phrase) <= 30 and resolve_due(phrase, self.meeting_date) is not None


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
    context = _Context(roster, actor_grammar(roster), printed_date or reference_date, word_classes)
    items: list[ActionItem] = []
    prose = _ProseState()
    for index, block in enumerate(doc.blocks):
        if isinstance(block, Table):
            items.extend(prose.after_table())
            items.extend(_table_items(block, index, context, prose.heading))
        else:
            items.extend(_paragraph_items(block, index, context, prose))
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


# --- tables -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Columns:
    roles: dict[int, ColumnRole]  # grid column → role
    header_rows: int


def _role_of(header: str) -> ColumnRole | None:
    # A narrow PDF column breaks a header word over lines ('Ansvari' / 'g'): join such a tail.
    text = squash(re.sub(r"(\w)\n(\w{1,2})(?=\s|$)", r"\1\2", header))
    if not text or len(text) > 80:
        return None
    for role, pattern in COLUMN_HEADERS:
        if pattern.search(text):
            return role
    return None


def _columns(table: Table, context: _Context) -> _Columns | None:
    """Find the header row among the first rows and map grid columns to roles."""
    for index, row in enumerate(table.rows[:3]):
        roles: dict[int, ColumnRole] = {}
        for cell in row.cells:
            role = _role_of(cell.text)
            if role is not None:
                for col in range(cell.col, cell.col + cell.span):
                    roles.setdefault(col, role)
        found = set(roles.values())
        if len(found) >= 2 and found & {ColumnRole.OWNER, ColumnRole.ACTION}:
            return _Columns(roles=roles, header_rows=index + 1)
    return _infer_columns(table, context)


def _infer_columns(table: Table, context: _Context) -> _Columns | None:
    """No header: the column whose cells are mostly owners is the owner column, the widest text the action."""
    if not table.rows or max(len(r.cells) for r in table.rows) < 2:
        return None
    owner_votes: dict[int, int] = {}
    lengths: dict[int, int] = {}
    for row in table.rows:
        for cell in row.cells:
            text = cell.text
            lengths[cell.col] = lengths.get(cell.col, 0) + len(text)
            if (
                text
                and len(text) < 60
                and normalise_owner_cell(text, context.roster)
                and _looks_like_owner(text)
            ):
                owner_votes[cell.col] = owner_votes.get(cell.col, 0) + 1
    rows = len(table.rows)
    owner_cols = [c for c, v in owner_votes.items() if v >= 0.6 * rows and c > 0]
    if not owner_cols:
        return None
    owner = owner_cols[-1]
    action = max((c for c in lengths if c != owner), key=lambda c: lengths[c], default=None)
    if action is None:
        return None
    roles = {owner: ColumnRole.OWNER, action: ColumnRole.ACTION}
    if 0 not in roles:
        roles[0] = ColumnRole.TITLE
    return _Columns(roles=roles, header_rows=0)


def _owner_like(part: str, roster: Roster) -> bool:
    """One phrase that can only be an owner: a listed name, initials, a role, a party, 'alla', an organisation."""
    part = part.strip(" .")
    if not part or len(part.split()) > 4 or re.search(r"\d", part):
        return False
    if ALL_WORDS.match(part):
        return True
    if re.fullmatch(r"[A-ZÅÄÖ]{2,4}", part) or roster.resolve_name(part) or role_keys(part):
        return True
    # A capitalised name or organisation not in the list ('Kalle', 'Skolverket', 'Anna Berg').
    return re.fullmatch(r"(?:[A-ZÅÄÖ][\wåäöéü-]+)(?:\s+[A-ZÅÄÖ][\wåäöéü-]+){0,2}", part) is not None and not (
        _NOT_OWNER_WORDS.fullmatch(part.split()[0])
    )


# Capitalised words at a line's end that are no owner ('(Bilaga)', '– Klart', ', Se nedan').
_NOT_OWNER_WORDS = re.compile(
    r"(?i:bilaga|se|klart|klar|pågår|pågående|ok|nej|ja|inget|ingen|ev|obs|vt|ht|januari|februari|mars|april|maj"
    r"|juni|juli|augusti|september|oktober|november|december|måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag"
    r"|vecka|v|senast|löpande|status|info|information|beslut|prel|preliminärt|kl)"
)


def _looks_like_owner(text: str) -> bool:
    return (
        re.fullmatch(r"[A-ZÅÄÖ]{2,3}(?:\s*(?:,|och|&|/)\s*[A-ZÅÄÖ]{2,3})*|alla|samtliga", squash(text), re.I)
        is not None
    )


@dataclass
class _RowCells:
    title: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    action: list[Cell] = field(default_factory=list)
    owner: list[str] = field(default_factory=list)
    due: list[str] = field(default_factory=list)
    follow_up: list[str] = field(default_factory=list)
    action_column: int = 0


def _sort_cells(row: Row, columns: _Columns) -> _RowCells:
    sorted_cells = _RowCells()
    for cell in row.cells:
        role = columns.roles.get(cell.col)
        text = cell.text
        if role is None or not text:
            if role is None and text:
                sorted_cells.context.append(text)
            continue
        if role is ColumnRole.TITLE:
            sorted_cells.title.append(text)
        elif role is ColumnRole.CONTEXT:
            sorted_cells.context.append(text)
        elif role is ColumnRole.ACTION:
            sorted_cells.action.append(cell)
            sorted_cells.action_column = cell.col
        elif role is ColumnRole.OWNER:
            sorted_cells.owner.append(text)
        elif role is ColumnRole.DUE_DATE:
            sorted_cells.due.append(text)
        elif role is ColumnRole.FOLLOW_UP_DATE:
            sorted_cells.follow_up.append(text)
    return sorted_cells


def _notes_table_items(table: Table, index: int, context: _Context) -> list[ActionItem]:
    """A table with no owner or action column ('Punkt | Anteckning') is prose under row titles."""
    items: list[ActionItem] = []
    for row_index, row in enumerate(table.rows):
        texts = [cell.text for cell in row.cells if cell.text]
        if len(texts) < 2:
            continue
        state = _ProseState(heading=squash(texts[0]))
        for found in _prose_items("\n".join(texts[1:]), index, context, state):
            items.append(replace(found, source=Source(block=index, row=row_index, column=1, part=len(items))))
    return items


def _is_section_row(row: Row, columns: _Columns) -> bool:
    """A row with one text spanning the table ('Förvaltningsövergripande frågor') titles what follows."""
    filled = [c for c in row.cells if c.text]
    if len(filled) != 1:
        return False
    cell = filled[0]
    width = max(columns.roles) + 1 if columns.roles else 1
    return cell.span >= max(2, width - 1) or (len(cell.text) < 60 and len(row.cells) == 1)


def _table_items(table: Table, index: int, context: _Context, heading: str | None) -> list[ActionItem]:
    columns = _columns(table, context)
    if columns is None:
        return _notes_table_items(table, index, context)
    header_texts = [r.texts for r in table.rows[: columns.header_rows]]
    items: list[ActionItem] = []
    section = heading
    for row_index, row in enumerate(table.rows):
        if row_index < columns.header_rows or row.header or row.texts in header_texts:
            continue
        if _is_section_row(row, columns):
            section = squash(next(c.text for c in row.cells if c.text))
            continue
        cells = _sort_cells(row, columns)
        items.extend(_row_items(cells, Source(block=index, row=row_index), context, section))
    return items


@dataclass
class _Segment:
    sentences: list[str]
    number: int | None = None
    kind: ItemKind | None = None  # None: no signal of its own
    signal_at: int = 0  # sentences before this one are lead-in, not the task itself

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def _row_items(cells: _RowCells, source: Source, context: _Context, section: str | None) -> list[ActionItem]:
    if any(
        squash(text) and _DONE_CELL.fullmatch(squash(text))
        for text in (*cells.context, *cells.due, *cells.follow_up)
    ):
        return []  # a status or date column saying 'Klar' / 'Done': nothing left to do
    owners = normalise_owner_cell("\n".join(cells.owner), context.roster) if cells.owner else ()
    topic = squash(" ".join(cells.title)) or (section or "")
    background = squash(" ".join(cells.context))
    # A 'När/Klart senast' cell that says more than a date ('Kommande chefsnytt') is part of the item.
    when = squash(
        " ".join(
            t
            for t in cells.due
            if re.search(r"[a-zåäö]{3}", t, re.IGNORECASE) and resolve_due(t, context.meeting_date) is None
        )
    )
    action_text = "\n".join(c.text for c in cells.action)
    if not action_text and not owners:
        return []
    if action_text:
        segments = _cell_segments([b for c in cells.action for b in c.blocks], context)
    elif background:
        segments = [_Segment(sentences=[background], kind=_kind_of(background))]
        background = ""
    else:
        segments = [_Segment(sentences=[when], kind=_kind_of(when))] if when else []
        when = ""
    # Numbered points ('1) … 2) …') are sub-actions of their own even without a verb.
    chosen = [s for s in segments if s.kind is not None or (owners and s.number is not None)]
    describe_row = False
    if owners and not chosen and _NO_ACTION.search(action_text or background):
        return []  # 'Ingen åtgärd.', 'För kännedom': the owner column names who reported, not a task
    if owners and not chosen:
        # The owner column makes the row a task even when its action cell is no sentence: the item
        # then describes the whole row.
        chosen = [_Segment(sentences=[s for seg in segments for s in seg.sentences], kind=ItemKind.ACTION)]
        describe_row = True
    items: list[ActionItem] = []
    for part, segment in enumerate(chosen):
        pieces = [segment.text, background if describe_row else "", when if len(chosen) == 1 else ""]
        text = " ".join(p for p in pieces if p)
        actors = _segment_actors(segment, context)
        if not owners and not actors and not _strong_without_actor(segment):
            continue
        items.append(
            ActionItem(
                kind=segment.kind or ItemKind.ACTION,
                topic=topic,
                text=text,
                owners=owners or actors,
                actors=actors,
                due=_row_due(segment, cells, context, len(chosen) == 1),
                source=replace(source, column=cells.action_column, part=part),
                context=background,
            )
        )
    return items


_DONE_CELL = re.compile(
    r"(?:(?:klar|klart|done|avklarad|avklarat|avslutad|avslutat|genomförd|genomfört|utförd|utfört)[.!]?\s*)?"
    r"[✓✔✅☑]?\ufe0f?",
    re.IGNORECASE,
)


def _segment_actors(segment: _Segment, context: _Context) -> tuple[str, ...]:
    """The actors of the task sentence itself, not of the lead-in or later remarks."""
    for sentence in segment.sentences[segment.signal_at :]:
        actors = context.actors(sentence)
        if actors:
            return actors
    return ()


def _strong_without_actor(segment: _Segment) -> bool:
    """A row with no owner column value keeps a subjectless item only when it is clearly a task."""
    return segment.kind in {ItemKind.DECISION, ItemKind.FOLLOW_UP} or bool(ACTION_OPENING.match(segment.text))


def _row_due(segment: _Segment, cells: _RowCells, context: _Context, single: bool) -> Due | None:
    for column in (cells.due, cells.follow_up):
        text = "\n".join(column)
        if not text:
            continue
        text = re.sub(r"(\d)-\s+(\d)", r"\1-\2", text)  # '2022-12-\n31' broken at a line end
        if segment.number is not None:
            numbered = re.search(rf"(?:^|\s){segment.number}\)\s*([^)]*?)(?=\s\d{{1,2}}\)|$)", squash(text))
            if numbered:
                due = resolve_due(numbered.group(1), context.meeting_date)
                if due is not None:
                    return due
        due = resolve_due(_first_line_with_digits(text), context.meeting_date)
        if due is not None:
            return due
        if column is cells.due:
            return choose_due(text, context.meeting_date)
    own = " ".join(segment.sentences[segment.signal_at :])
    due = choose_due(own, context.meeting_date)
    if due is None and single:
        # A date in the lead-in or the context column counts only when marked as a deadline.
        lead_in = " ".join([*segment.sentences[: segment.signal_at], *cells.context])
        marked = [m for m in find_dates(lead_in, context.meeting_date) if m.marked and not m.history]
        if marked:
            return marked[0].due
    return due


def _first_line_with_digits(text: str) -> str:
    for line in squash(text.replace("\n", " \n ")).split("\n"):
        if re.search(r"\d", line):
            return line
    return text


def _kind_of(text: str) -> ItemKind | None:
    """The signal a piece of text carries, if any: a decision, a follow-up or an action."""
    if not text or PROCEDURAL.search(text) or text.rstrip().endswith("?"):
        return None
    if DECISION.search(text):
        return ItemKind.DECISION
    if FOLLOW_UP.search(text):
        return ItemKind.FOLLOW_UP
    active = STATIVE_FUTURE.sub(" ", text)
    if ACTION.search(active) or ACTION_OPENING.match(text):
        return ItemKind.ACTION
    return None


def _cell_segments(blocks: Sequence[Block], context: _Context) -> list[_Segment]:
    """Cut an action cell into items: at bullets and numbered points, and where a sentence names a new
    actor with a task of its own after an item that already has one ('Beslut: … HR får i uppdrag …').
    Other sentences stay with the item before them."""
    segments: list[_Segment] = []
    current: _Segment | None = None
    owned = False  # the current segment opens with a named actor or a 'Beslut:' label
    for block in blocks:
        if isinstance(block, Table):
            # A nested table inside a cell reads as more text of the same cell.
            text = block_text(block)
            structural = False
        else:
            text = block.text
            structural = block.list_item
        for piece, starts_new in _split_numbered(text, structural):
            number_match = _NUMBERED.match(piece)
            number = int(number_match.group(1)) if number_match else None
            for position, sentence in enumerate(sentences(piece)):
                kind = _kind_of(sentence)
                actor_led = kind is not None and _actor_led(sentence, context)
                boundary = (position == 0 and starts_new) or current is None
                label = _is_label_start(sentence)
                cut = kind is not None and (
                    (owned and actor_led) or (label and current is not None and current.kind is not None)
                )
                if cut and label and not owned and current is not None and not boundary:
                    # 'Beslut:' after unowned discussion: what came before is the decision's lead-in.
                    segments.remove(current)
                    current = _Segment(
                        sentences=[*current.sentences, sentence], number=current.number, kind=kind
                    )
                    current.signal_at = len(current.sentences) - 1
                    segments.append(current)
                    owned = True
                elif boundary or cut:
                    current = _Segment(sentences=[sentence], number=number, kind=kind)
                    segments.append(current)
                    owned = actor_led or label
                else:
                    assert current is not None
                    current.sentences.append(sentence)
                    if current.kind is None and kind is not None:
                        current.kind = kind
                        current.signal_at = len(current.sentences) - 1
                        owned = owned or actor_led
    return _merge_unsignalled(segments)


def _split_numbered(text: str, structural: bool) -> Iterable[tuple[str, bool]]:
    """Pieces of a paragraph, each telling whether it opens a new point: '1) Översyn … 2) Utreda …'
    in one paragraph are two points, and a bullet paragraph is one."""
    parts = [p for p in re.split(r"(?:(?<=\s)|^)(?=\d{1,2}\)\s)", text) if p.strip()]
    for index, part in enumerate(parts):
        yield part, (structural and index == 0) or _NUMBERED.match(part) is not None


def _actor_led(sentence: str, context: _Context) -> bool:
    """The sentence opens with who will act ('HR får i uppdrag …'); 'vi' is too weak to cut on."""
    head = " ".join(sentence.split()[:6])
    actors = context.actors(head)
    return bool(actors) and actors != (ALL,) and not _ANAPHORIC.match(sentence)


def _is_label_start(sentence: str) -> bool:
    return re.match(r"^\s*(?:beslut|uppföljning|åtgärd)\s*:", sentence, re.IGNORECASE) is not None


def _merge_unsignalled(segments: list[_Segment]) -> list[_Segment]:
    """A point without a signal of its own joins the item before it (or the next one, at the start)."""
    merged: list[_Segment] = []
    carry: list[str] = []
    for segment in segments:
        if segment.kind is None and segment.number is None:
            if merged and merged[-1].kind is not None:
                merged[-1].sentences.extend(segment.sentences)
            else:
                carry.extend(segment.sentences)
            continue
        if carry:
            segment.sentences[:0] = carry
            segment.signal_at += len(carry)
            carry = []
        merged.append(segment)
    if carry:
        merged.append(_Segment(sentences=carry))
    return merged


# --- prose --------------------------------------------------------------------------------------


@dataclass
class _ProseState:
    heading: str | None = None
    decision_section: bool = False
    skip_section: bool = False
    action_section: bool = False  # under 'Att göra', 'Actionpoints': every line is a task
    section_due: Due | None = None  # a date in the heading ('Inför mötet 3/4') for the tasks beneath
    # A heading that is itself a task ('Fackliga parter återkopplar kring förra tematräffen') becomes an
    # item only when the text under it yields none: usually that text is the item, owned by the heading.
    pending: ActionItem | None = None

    # 'Åtgärd: …' in a paragraph of its own, filled by the 'Ansvarig: …' and 'Klart senast: …' after it.
    record: ActionItem | None = None

    def release(self) -> list[ActionItem]:
        pending, self.pending = self.pending, None
        record, self.record = self.record, None
        return [item for item in (pending, record) if item is not None]

    def after_table(self) -> list[ActionItem]:
        self.decision_section = False
        self.skip_section = False
        self.action_section = False
        return self.release()

    def open_section(self, heading: str, meeting_date: date) -> None:
        self.heading = heading
        self.action_section = ACTION_SECTION.match(heading) is not None
        # A date after the meeting is a deadline for what follows ('Inför mötet 3/4'); the meeting's own
        # date in a title ('Styrelsemöte 3/2-25') is none.
        days = [
            m
            for m in find_dates(heading, meeting_date)
            if m.kind == "day" and not m.history and m.due.date is not None and m.due.date > meeting_date
        ]
        self.section_due = days[0].due if days else None


def _paragraph_items(
    paragraph: Paragraph, index: int, context: _Context, state: _ProseState
) -> list[ActionItem]:
    text = squash(paragraph.text)
    if not text:
        return []
    record = label_record(paragraph.text)
    part = record_part(text) if record is None else None
    if part is not None:
        field, value = part
        if field == "what":
            released = state.release()
            state.record = _record_item(LabelRecord(value, "", ""), value, index, context, state)
            return released
        if state.record is not None:
            if field == "who":
                owners = normalise_owner_cell(value, context.roster)
                state.record = replace(state.record, owners=owners, text=f"{state.record.text} {text}")
            else:
                due = resolve_due(value, context.meeting_date)
                state.record = replace(
                    state.record, due=due or state.record.due, text=f"{state.record.text} {text}"
                )
            return []
    elif state.record is not None:
        released = state.release()
        return [*released, *_paragraph_items(paragraph, index, context, state)]
    label = _LABEL_PARAGRAPH.match(text)
    if DECISION_HEADING.match(text):
        state.decision_section, state.skip_section = True, False
        return state.release()
    if label and len(label.group(1).split()) <= 3:
        name = label.group(1)
        skip = bool(_SKIP_SECTION.search(name))
        if not label.group(2).strip():
            # A label on its own line ('FLG syfte:', 'Beslut:', 'Att göra:') opens a section.
            state.skip_section = skip
            state.decision_section = bool(DECISION_HEADING.match(name + ":"))
            if not skip:
                state.open_section(name, context.meeting_date)
            return state.release()
        if skip:
            # 'Närvarande: …' is only itself.
            return state.release()
    if paragraph.heading or _looks_like_heading(text, paragraph, state, context):
        released = state.release()
        state.open_section(text, context.meeting_date)
        # A new heading ends a 'Närvarande:' list; a heading such as 'Närvarande' starts one.
        state.skip_section = len(text.split()) <= 2 and _SKIP_SECTION.search(text) is not None
        kind = _kind_of(text)
        actors = context.actors(text) if kind else ()
        if kind is not None and actors and not state.skip_section:
            due = choose_due(text, context.meeting_date)
            state.pending = ActionItem(kind, text, text, actors, due, Source(block=index), actors=actors)
        return released
    if state.skip_section:
        return []
    if record is not None:
        return [*state.release(), _record_item(record, paragraph.text, index, context, state)]
    line_items, prose = _task_lines(paragraph, index, context, state)
    if not prose.strip():
        items = line_items
    elif state.decision_section:
        items = [*line_items, *_decision_paragraph(squash(prose), index, context, state)]
    else:
        items = [*line_items, *_prose_items(prose, index, context, state)]
    if not items:
        return state.release()
    # The text under a task heading that names no actor of its own is that heading's item.
    if any(not context.actors(item.text) for item in items):
        state.pending = None
    return [*state.release(), *items]


def _looks_like_heading(text: str, paragraph: Paragraph, state: _ProseState, context: _Context) -> bool:
    words = text.split()
    if (_present_commitment(text, context) or PASSIVE_WITH_AGENT.search(text)) and choose_due(
        text, context.meeting_date
    ):
        return False  # 'Ahmed fixar listan till v. 7', 'Underlaget skickas av Linnea på fredag': no title
    if (
        state.action_section
        and not ACTION_SECTION.match(text)
        and not re.match(r"^(?:#|§|\d{1,2}\.\s)", text)
    ):
        return False  # under 'Att göra' a short line is a task, not the next heading
    return not paragraph.list_item and len(words) <= _MAX_HEADING_WORDS and not re.search(r"[.!?:;,]$", text)


def _task_lines(
    paragraph: Paragraph, index: int, context: _Context, state: _ProseState
) -> tuple[list[ActionItem], str]:
    """Lines that are tasks by their form: under an action heading, a list line, a line ending in an owner
    marker. Returns their items and the rest of the paragraph's text, for the prose rules."""
    items: list[ActionItem] = []
    rest: list[str] = []
    for line in _statement_lines(paragraph):
        text, marked = strip_line_marker(line)
        if not text:
            continue
        listed = paragraph.list_item or marked or state.action_section
        body, owner_text = split_owner_marker(text, context.names_owners, context.names_due)
        item = None
        if listed or owner_text is not None:
            item = _task_line(text, body, owner_text, listed, index, len(items), context, state)
        if item is None:
            rest.append(line)
        else:
            items.append(item)
    return items, "\n".join(rest)


# 'Nästa möte: …', 'Antecknat av …', 'Vid protokollet': the notes' own furniture, under any heading.
_MEETING_INFO = re.compile(
    r"^\W*(?:nästa möte|next meeting|nästa träff|antecknat av|anteckningar:|vid protokollet|justeras|mötet avslutas"
    r"|hälsningar|mvh|/\w+$|tid:|plats:|datum:)",
    re.IGNORECASE,
)
# A line marked done: '[x] …', '… – klart', '(klart)', 'Done'.
_DONE_MARK = re.compile(
    r"^\s*(?:[-*•]\s*)?\[[xX]\]|\b(?:klart|klar|done|avklarat?|löst)\s*[.!)]*\s*$", re.IGNORECASE
)


def _statement_lines(paragraph: Paragraph) -> list[str]:
    """A list item is one statement however it wraps; other text is one per line, a line that starts in lower
    case continuing the one before (a PDF's hard wrap)."""
    if paragraph.list_item:
        return [" ".join(paragraph.text.split())]
    lines: list[str] = []
    for line in paragraph.text.split("\n"):
        if lines and line.strip()[:1].islower() and not strip_line_marker(line)[1]:
            lines[-1] = f"{lines[-1]} {line.strip()}"
        else:
            lines.append(line)
    return lines


def _task_line(
    text: str,
    body: str,
    owner_text: str | None,
    listed: bool,
    index: int,
    part: int,
    context: _Context,
    state: _ProseState,
) -> ActionItem | None:
    if (
        is_negated(body)
        or PROCEDURAL.search(body)
        or "?" in body
        or len(body.split()) < 2
        or _MEETING_INFO.match(body)
        or _DONE_MARK.search(text)
    ):
        return None
    kind = _prose_kind(body, context)
    if kind is None and (
        context.opens_with_infinitive(body) or (state.action_section and owner_text is not None)
    ):
        kind = ItemKind.ACTION
    if kind is None and state.action_section and not PAST_TENSE.search(body):
        kind = ItemKind.ACTION
    if kind is None:
        return None
    if kind is ItemKind.ACTION and not state.action_section and _reports_done(body):
        return None
    owners = normalise_owner_cell(owner_text, context.roster) if owner_text else context.actors(body)
    if not owners and not listed and kind is ItemKind.ACTION and not context.opens_with_infinitive(body):
        return None
    due = choose_due(text, context.meeting_date) or state.section_due
    return ActionItem(
        kind=kind,
        topic=state.heading or "",
        text=text,
        owners=owners,
        actors=context.actors(body),
        due=due,
        source=Source(block=index, part=part),
    )


def _record_item(
    record: LabelRecord, text: str, index: int, context: _Context, state: _ProseState
) -> ActionItem:
    owners = normalise_owner_cell(record.who, context.roster)
    due = resolve_due(record.when, context.meeting_date) if record.when else None
    return ActionItem(
        kind=_kind_of(record.what) or ItemKind.ACTION,
        topic=record.topic or state.heading or "",
        text=squash(text),
        owners=owners,
        actors=context.actors(record.what),
        due=due or choose_due(record.what, context.meeting_date) or state.section_due,
        source=Source(block=index),
    )


def _reports_done(text: str) -> bool:
    main_clause = " ".join(text.split()[:8])
    return PAST_TENSE.search(main_clause) is not None or _STATUS.search(text) is not None


def _decision_paragraph(text: str, index: int, context: _Context, state: _ProseState) -> list[ActionItem]:
    if text.endswith(":") or PROCEDURAL.search(text):
        return []
    actors = context.actors(text)
    item = ActionItem(
        kind=ItemKind.DECISION,
        topic=state.heading or "",
        text=text,
        owners=actors or (ALL,),
        actors=actors,
        due=choose_due(text, context.meeting_date),
        source=Source(block=index),
    )
    return [item]


def _prose_items(text: str, index: int, context: _Context, state: _ProseState) -> list[ActionItem]:
    items: list[ActionItem] = []
    current: list[str] = []
    kind: ItemKind | None = None

    def flush() -> None:
        nonlocal current, kind
        if current and kind is not None:
            item = _prose_item(" ".join(current), kind, index, len(items), context, state.heading)
            if item is not None:
                items.append(item)
        current, kind = [], None

    for sentence in sentences(text):
        sentence_kind = _prose_kind(sentence, context)
        if current and _ANAPHORIC.match(sentence):
            current.append(sentence)
        elif sentence_kind is not None:
            flush()
            current, kind = [sentence], sentence_kind
        else:
            flush()
    flush()
    return items


def _prose_kind(sentence: str, context: _Context) -> ItemKind | None:
    if sentence.endswith(":") or _CONDITIONAL_START.match(sentence) or sentence.endswith("?"):
        return None
    if is_negated(sentence) or PROCEDURAL.search(sentence) or _is_report(sentence, context):
        return None  # 'Vi ska inte …', 'Rådet godkänner informationen', 'Fatima påminner om att …'
    kind = _kind_of(sentence)
    if kind is None and (_present_commitment(sentence, context) or PASSIVE_WITH_AGENT.search(sentence)):
        return ItemKind.ACTION
    return kind


_SUBJECT_WORDS = 4


def _is_report(sentence: str, context: _Context) -> bool:
    if REPORT_SPEECH.search(sentence):
        return True
    return REPORT_VERB.search(sentence) is not None and choose_due(sentence, context.meeting_date) is None


def _present_commitment(sentence: str, context: _Context) -> bool:
    """A named actor at the sentence's start with a verb in the present tense that reports nothing said at the
    meeting ('Lisa fixar kallelsen', 'Rektorerna informerar vårdnadshavarna'; not 'Jenny informerar om …')."""
    # Terse notes put the commitment after the topic: 'Helgen: 3 pass lediga, Reza ringer runt imorgon',
    # 'Time Care – Ulla kollar m IT'.
    clauses = [c for c in _CLAUSE_BREAK.split(sentence) if c.strip()]
    return any(_clause_commits(clause.strip(), context) for clause in clauses[:4])


_CLAUSE_BREAK = re.compile(r"\s*(?::|;|,|\s[–—-])\s+")


def _clause_commits(clause: str, context: _Context) -> bool:
    actors = context.actors(clause)
    if not actors or actors == (ALL,) or REPORTING_VERBS.search(clause) or PAST_TENSE.search(clause):
        return False
    words = clause.split()
    for position, word in enumerate(words[: _SUBJECT_WORDS + 1]):
        if word[:1].islower() and word not in {"och", "o", "&", "samt"}:
            verb = word.strip(".,;:")
            return position > 0 and context.is_present_verb(verb) and verb not in _NOT_COMMITMENTS
    return False


# Auxiliaries and verbs of being or receiving: the ACTION grammar judges those ('kommer att få …').
_NOT_COMMITMENTS = frozenset(
    "kommer har får kan vill bör är blir finns gäller ligger behöver måste menar".split()
)


def _prose_item(
    text: str, kind: ItemKind, index: int, part: int, context: _Context, heading: str | None
) -> ActionItem | None:
    due = choose_due(text, context.meeting_date)
    future = due is not None and (due.date is None or due.date >= context.meeting_date)
    # Past tense in the main clause reports what was done; a relative clause may be past ('hur de har lyckats').
    main_clause = " ".join(text.split()[:8])
    if (PAST_TENSE.search(main_clause) or _STATUS.search(text)) and not future and kind is ItemKind.ACTION:
        return None
    actors = context.actors(text)
    if not actors and heading and kind is not ItemKind.ACTION:
        actors = context.actors(heading)
    if not actors and kind is ItemKind.ACTION and not PASSIVE_TASK.search(text):
        return None  # a follow-up, a decision or a passive task is worth keeping unowned; an action needs someone
    return ActionItem(
        kind=kind,
        topic=heading or "",
        text=text,
        owners=actors,
        actors=actors,
        due=due,
        source=Source(block=index, part=part),
    )
