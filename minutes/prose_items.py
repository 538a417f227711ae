"""Items from prose and informal notes: headings and sections, task lines, label records, decisions and the
sentences that commit someone. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from minutes.context import ANAPHORIC, DocumentContext, kind_of
from minutes.dates import choose_due, find_dates, resolve_due
from minutes.model import (
    ActionItem,
    Due,
    ItemKind,
    Paragraph,
    Source,
)
from minutes.patterns import (
    DECISION_HEADING,
    DONE_WORDS,
    ENGLISH_COMMITMENT,
    PASSIVE_TASK,
    PASSIVE_WITH_AGENT,
    PAST_TENSE,
    PROCEDURAL,
    REPORT_SPEECH,
    REPORT_VERB,
    REPORTING_VERBS,
)
from minutes.people import ALL, normalise_owner_cell
from minutes.tasks import (
    ACTION_SECTION,
    LabelRecord,
    is_negated,
    label_record,
    record_part,
    split_owner_marker,
    strip_line_marker,
)
from minutes.text import sentences, squash

_CONDITIONAL_START = re.compile(r"^(?:om|ifall|även om|såvida)\b", re.IGNORECASE)
_STATUS = re.compile(r"\b(?:just nu|pågår|pågående|redan)\b", re.IGNORECASE)
_LABEL_PARAGRAPH = re.compile(r"^\s*([\wÅÄÖåäö/ -]{2,40}):\s*(.*)$", re.DOTALL)
# Sections of the preamble and the like: their prose states purpose or attendance, not actions.
_SKIP_SECTION = re.compile(
    r"\b(?:syfte|närvarande|frånvarande|gäster|deltagare|mötesdatum|klockslag|sammankallande|sekreterare"
    r"|ordförande|justerare|plats|vision|värdegrund)\b|^tid$",  # whole words: 'Båtplatser' is a topic
    re.IGNORECASE,
)
_MAX_HEADING_WORDS = 9


# --- prose --------------------------------------------------------------------------------------


@dataclass
class ProseState:
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


def paragraph_items(
    paragraph: Paragraph, index: int, context: DocumentContext, state: ProseState
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
        return [*released, *paragraph_items(paragraph, index, context, state)]
    if text.endswith(":") and ACTION_SECTION.match(text) and len(text.split()) <= _MAX_HEADING_WORDS:
        # 'Att göra till nästa träff (10 juni):' opens a list of tasks, due then unless they say otherwise.
        released = state.release()
        state.open_section(text.rstrip(" :"), context.meeting_date)
        return released
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
        kind = kind_of(text)
        actors = context.actors(text) if kind else ()
        if kind is not None and actors and not state.skip_section and not is_negated(text):
            due = context.due_of(text)
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
        items = [*line_items, *prose_items(prose, index, context, state)]
    if not items:
        return state.release()
    # The text under a task heading that names no actor of its own is that heading's item.
    if any(not context.actors(item.text) for item in items):
        state.pending = None
    return [*state.release(), *items]


def _looks_like_heading(text: str, paragraph: Paragraph, state: ProseState, context: DocumentContext) -> bool:
    words = text.split()
    if paragraph.list_item or len(words) > _MAX_HEADING_WORDS or re.search(r"[.!?:;,]$", text):
        return False  # no heading's shape: the rules below need not be asked
    committed = commits(text, context)
    if committed and (context.due_of(text) or set(context.actors(text)) & context.listed_owners):
        # 'Ahmed fixar listan till v. 7', 'Fatima startar en grupp' (an attendee), 'Underlaget skickas av Linnea
        # på fredag': a statement, no title
        return False
    if state.action_section and not ACTION_SECTION.match(text):
        numbered = re.match(r"^\d{1,2}\.\s+", text)
        if not numbered and not re.match(r"^(?:#|§)", text):
            return False  # under 'Att göra' a short line is a task, not the next heading
        if numbered and context.opens_with_infinitive(text[numbered.end() :]):
            return False  # '1. Beställa fler skydd – OW' is the list's first task, not '2. Ekonomi'

    return not paragraph.list_item and len(words) <= _MAX_HEADING_WORDS and not re.search(r"[.!?:;,]$", text)


def _task_lines(
    paragraph: Paragraph, index: int, context: DocumentContext, state: ProseState
) -> tuple[list[ActionItem], str]:
    """Lines that are tasks by their form: under an action heading, a list line, a line ending in an owner
    marker. Returns their items and the rest of the paragraph's text, for the prose rules."""
    items: list[ActionItem] = []
    rest: list[str] = []
    for line in _statement_lines(paragraph):
        text, marked = strip_line_marker(line)
        if not text or _CHECKED_BOX.match(line):
            continue  # '- [x] Skicka ut anteckningarna': ticked off already
        to_do = state.action_section or _OPEN_BOX.match(line) is not None
        listed = paragraph.list_item or marked or to_do
        body, owner_text = split_owner_marker(
            text, context.names_owners, context.names_due, context.names_people
        )
        item = None
        if listed or owner_text is not None:
            item = _task_line(text, body, owner_text, listed, to_do, index, len(items), context, state)
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
_CHECKED_BOX = re.compile(r"^\s*(?:[-*•]\s*)?\[[xX]\]")
_OPEN_BOX = re.compile(r"^\s*(?:[-*•]\s*)?\[ ?\]")  # '- [ ] Boka lokal': a to-do wherever it stands
_DONE_MARK = re.compile(rf"{_CHECKED_BOX.pattern}|\b{DONE_WORDS}\s*[.!)]*\s*$", re.IGNORECASE)


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
    to_do: bool,
    index: int,
    part: int,
    context: DocumentContext,
    state: ProseState,
) -> ActionItem | None:
    """`to_do`: the line is a task by where it stands or how it is marked (under 'Att göra', an open box)."""
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
    if kind is None and (context.opens_with_infinitive(body) or (to_do and owner_text is not None)):
        kind = ItemKind.ACTION
    if kind is None and to_do and not PAST_TENSE.search(body):
        kind = ItemKind.ACTION
    if (
        kind is None
        and listed
        and not PAST_TENSE.search(body)
        and not _is_report(body, context)
        and (
            # 'Kommunikationsplan för planen – Emil, till i mitten av september': who and by when
            (owner_text is not None and (context.due_of(text) or state.section_due))
            # under 'Inför nämnden 17/9': 'Alla lämnar sina behov i mallen'
            or (state.section_due is not None and context.actors(body))
        )
    ):
        kind = ItemKind.ACTION
    if kind is None:
        return None
    if kind is ItemKind.ACTION and not to_do and _reports_done(body):
        return None
    owners = normalise_owner_cell(owner_text, context.roster) if owner_text else context.actors(body)
    if not owners and not listed and kind is ItemKind.ACTION and not context.opens_with_infinitive(body):
        return None
    due = context.due_of(text) or state.section_due
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
    record: LabelRecord, text: str, index: int, context: DocumentContext, state: ProseState
) -> ActionItem:
    owners = normalise_owner_cell(record.who, context.roster)
    due = resolve_due(record.when, context.meeting_date) if record.when else None
    return ActionItem(
        kind=kind_of(record.what) or ItemKind.ACTION,
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


def _decision_paragraph(
    text: str, index: int, context: DocumentContext, state: ProseState
) -> list[ActionItem]:
    if text.endswith(":") or PROCEDURAL.search(text):
        return []
    actors = context.actors(text)
    item = ActionItem(
        kind=ItemKind.DECISION,
        topic=state.heading or "",
        text=text,
        owners=actors or (ALL,),
        actors=actors,
        due=context.due_of(text),
        source=Source(block=index),
    )
    return [item]


def prose_items(text: str, index: int, context: DocumentContext, state: ProseState) -> list[ActionItem]:
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
        if current and ANAPHORIC.match(sentence):
            current.append(sentence)
        elif sentence_kind is not None:
            flush()
            current, kind = [sentence], sentence_kind
        else:
            flush()
    flush()
    return items


def _prose_kind(sentence: str, context: DocumentContext) -> ItemKind | None:
    if sentence.endswith(":") or _CONDITIONAL_START.match(sentence) or sentence.endswith("?"):
        return None
    if is_negated(sentence) or PROCEDURAL.search(sentence) or _is_report(sentence, context):
        return None  # 'Vi ska inte …', 'Rådet godkänner informationen', 'Fatima påminner om att …'
    kind = kind_of(sentence)
    if kind is None and commits(sentence, context):
        return ItemKind.ACTION
    return kind


_SUBJECT_WORDS = 4


def _is_report(sentence: str, context: DocumentContext) -> bool:
    if REPORT_SPEECH.search(sentence):
        return True
    return REPORT_VERB.search(sentence) is not None and choose_due(sentence, context.meeting_date) is None


def commits(sentence: str, context: DocumentContext) -> bool:
    """Someone named takes the work on: 'Erik beställer nya armaturer', 'Lokalen bokas av Kim'; not the
    meeting's procedure ('Ordföranden avslutar mötet') nor what was reported."""
    if is_negated(sentence) or PROCEDURAL.search(sentence) or _is_report(sentence, context):
        return False
    return _present_commitment(sentence, context) or PASSIVE_WITH_AGENT.search(sentence) is not None


def _later_clause_commits(text: str, context: DocumentContext) -> bool:
    later = (c.strip() for c in _CLAUSE_BREAK.split(text)[1:4])
    return any(c and not PAST_TENSE.search(c) and _clause_commits(c, context, text) for c in later)


def _present_commitment(sentence: str, context: DocumentContext) -> bool:
    """A named actor at the sentence's start with a verb in the present tense that reports nothing said at the
    meeting ('Lisa fixar kallelsen', 'Rektorerna informerar vårdnadshavarna'; not 'Jenny informerar om …')."""
    # Terse notes put the commitment after the topic: 'Helgen: 3 pass lediga, Reza ringer runt imorgon',
    # 'Time Care – Ulla kollar m IT'.
    clauses = [c for c in _CLAUSE_BREAK.split(sentence) if c.strip()]
    return any(_clause_commits(clause.strip(), context, sentence) for clause in clauses[:4])


_CLAUSE_BREAK = re.compile(r"\s*(?::|;|,|\s[–—-])\s+")


_REVIEW = re.compile(r"\bgår igenom\b|\btar (?:\w+ )?upp\b", re.IGNORECASE)


def _clause_commits(clause: str, context: DocumentContext, sentence: str) -> bool:
    actors = context.actors(clause)
    if not actors or PAST_TENSE.search(clause):
        return False
    # Speech reports nothing to do ('X informerar om … under januari'); 'Vi delar ut flygblad', 'Linnea går
    # igenom listan' commit only with a date ('… i mitten av november'): without one they tell what the meeting did.
    reviewing = _REVIEW.search(clause) is not None
    if REPORTING_VERBS.search(clause) and not reviewing:
        return False
    if (actors == (ALL,) or reviewing) and context.due_of(sentence) is None:  # asked only then: dates cost
        return False
    words = clause.split()
    for position, word in enumerate(words[: _SUBJECT_WORDS + 1]):
        # A subject in lower case opens the clause: 'sekr uppdaterar …', 'kassören skickar …'.
        if word[:1].islower() and word not in {"och", "o", "&", "samt"} and position > 0:
            verb = word.strip(".,;:")
            english = ENGLISH_COMMITMENT.match(" ".join(words[position:])) is not None
            return (context.is_present_verb(verb) or english) and verb not in _NOT_COMMITMENTS
    return False


# Auxiliaries and verbs of being or receiving: the ACTION grammar judges those ('kommer att få …').
_NOT_COMMITMENTS = frozenset(
    "kommer har får kan vill bör är blir finns gäller ligger behöver måste menar".split()
)


_DECIDED = re.compile(r"^\s*(?:[\w-]+\s+){0,3}?(?:beslutade|beslöt|beslutar|beslutades)\s+(?:att\s+)?", re.I)
_UNDERTAKEN = re.compile(
    r"\b(?:åtog sig|tog på sig|fick i uppdrag|gavs i uppdrag|uppdrogs åt|lovade att)\b", re.IGNORECASE
)


def _prose_item(
    text: str, kind: ItemKind, index: int, part: int, context: DocumentContext, heading: str | None
) -> ActionItem | None:
    due = context.due_of(text)
    future = due is not None and (due.date is None or due.date >= context.meeting_date)
    # Past tense in the main clause reports what was done; a relative clause may be past ('hur de har lyckats').
    # A protocol's decision is in the past ('Styrelsen beslutade att ge X i uppdrag att …'), as is a commitment
    # taken at the meeting ('X åtog sig att …'): what follows is still to be done.
    decided = _DECIDED.sub("", text, count=1)
    # … when the decision hands the work to someone ('Stämman beslutade att laddplatser ska utredas' reports).
    # … and when a later clause commits someone, its tense counts: 'ES3 har inte lämnat in protokollet, sekr
    # påminner Sam'.
    main_clause = " ".join((decided if context.actors(decided) else text).split()[:8])
    undertaken = _UNDERTAKEN.search(text) is not None
    if (
        kind is ItemKind.ACTION
        and not future
        and not undertaken
        and (
            _STATUS.search(text)
            or (PAST_TENSE.search(main_clause) and not _later_clause_commits(text, context))
        )
    ):
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
