"""Items from tables: the columns a header (or the cells) gives, a row's action cut into segments, its owners
and dates. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from minutes.attendance import is_attendance_header
from minutes.context import ANAPHORIC, DocumentContext, kind_of
from minutes.dates import choose_due, find_dates, resolve_due
from minutes.model import (
    ActionItem,
    Block,
    Cell,
    Due,
    ItemKind,
    Row,
    Source,
    Table,
    block_text,
)
from minutes.patterns import (
    ACTION_OPENING,
    COLUMN_HEADERS,
    DONE_WORDS,
    ColumnRole,
)
from minutes.people import ALL, normalise_owner_cell
from minutes.prose_items import ProseState, commits, prose_items
from minutes.text import sentences, squash

_NUMBERED = re.compile(r"^\s*(\d{1,2})\)\s*")
_NO_ACTION = re.compile(
    r"\b(?:ingen åtgärd|inga åtgärder|inget att åtgärda|ingen vidare åtgärd|för kännedom|noteras)\b",
    re.IGNORECASE,
)


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


def _columns(table: Table, context: DocumentContext) -> _Columns | None:
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


_TASK_COLUMNS = frozenset(
    {ColumnRole.ACTION, ColumnRole.OWNER, ColumnRole.DUE_DATE, ColumnRole.FOLLOW_UP_DATE}
)


def _is_attendance(table: Table) -> bool:
    """'Namn | Roll | Init': the attendees, whom the roster reads; no tasks, unless a column says what to do or
    by when ('Namn | Uppdrag | Klart')."""
    if not table.rows or not is_attendance_header(table.rows[0].texts):
        return False
    return not any(_role_of(text) in _TASK_COLUMNS for text in table.rows[0].texts)


def _infer_columns(table: Table, context: DocumentContext) -> _Columns | None:
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


def _notes_table_items(table: Table, index: int, context: DocumentContext) -> list[ActionItem]:
    """A table with no owner or action column ('Punkt | Anteckning') is prose under row titles."""
    items: list[ActionItem] = []
    for row_index, row in enumerate(table.rows):
        texts = [cell.text for cell in row.cells if cell.text]
        if len(texts) < 2:
            continue
        state = ProseState(heading=squash(texts[0]))
        for found in prose_items("\n".join(texts[1:]), index, context, state):
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


def table_items(table: Table, index: int, context: DocumentContext, heading: str | None) -> list[ActionItem]:
    if _is_attendance(table):
        return []
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


def _row_items(
    cells: _RowCells, source: Source, context: DocumentContext, section: str | None
) -> list[ActionItem]:
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
        segments = [_Segment(sentences=[background], kind=kind_of(background))]
        background = ""
    else:
        segments = [_Segment(sentences=[when], kind=kind_of(when))] if when else []
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
    rf"(?:{DONE_WORDS}[.!]?\s*)?"
    r"[✓✔✅☑]?\ufe0f?",
    re.IGNORECASE,
)


def _segment_actors(segment: _Segment, context: DocumentContext) -> tuple[str, ...]:
    """The actors of the task sentence itself, not of the lead-in or later remarks."""
    for sentence in segment.sentences[segment.signal_at :]:
        actors = context.actors(sentence)
        if actors:
            return actors
    return ()


def _strong_without_actor(segment: _Segment) -> bool:
    """A row with no owner column value keeps a subjectless item only when it is clearly a task."""
    return segment.kind in {ItemKind.DECISION, ItemKind.FOLLOW_UP} or bool(ACTION_OPENING.match(segment.text))


def _row_due(segment: _Segment, cells: _RowCells, context: DocumentContext, single: bool) -> Due | None:
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


def _cell_segments(blocks: Sequence[Block], context: DocumentContext) -> list[_Segment]:
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
                kind = kind_of(sentence)
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
    # An action cell also says who takes the work on in the present tense ('Erik beställer nya armaturer'):
    # asked only of a point no signal word marks, as it costs the actor rules.
    for segment in segments:
        if segment.kind is None and commits(segment.sentences[0], context):
            segment.kind = ItemKind.ACTION
    return _merge_unsignalled(segments)


def _split_numbered(text: str, structural: bool) -> Iterable[tuple[str, bool]]:
    """Pieces of a paragraph, each telling whether it opens a new point: '1) Översyn … 2) Utreda …'
    in one paragraph are two points, and a bullet paragraph is one."""
    parts = [p for p in re.split(r"(?:(?<=\s)|^)(?=\d{1,2}\)\s)", text) if p.strip()]
    for index, part in enumerate(parts):
        yield part, (structural and index == 0) or _NUMBERED.match(part) is not None


def _actor_led(sentence: str, context: DocumentContext) -> bool:
    """The sentence opens with who will act ('HR får i uppdrag …'); 'vi' is too weak to cut on."""
    head = " ".join(sentence.split()[:6])
    actors = context.actors(head)
    return bool(actors) and actors != (ALL,) and not ANAPHORIC.match(sentence)


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
