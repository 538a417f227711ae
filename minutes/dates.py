"""Swedish due-date phrases: find them in text and resolve them against the meeting date (GOLD_FORMAT)."""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from minutes.model import Due, Relative

# How every card and reply shows a day: '26 aug 2024' — Swedish, unambiguous, independent of the reader's
# Teams locale. Input still accepts ISO and the other forms (resolve_due).
SHORT_MONTHS: Final[tuple[str, ...]] = (
    "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
)  # fmt: skip


def format_date(day: date) -> str:
    """'26 aug 2024': the one way users are shown a date."""
    return f"{day.day} {SHORT_MONTHS[day.month - 1]} {day.year}"


# ---------------------------------------------------------------------------------------------------------
# Vocabulary. Every word the grammar knows lives here; the functions below only combine these tables.
# An anchor (month, day) with day 31 means "the last day of that month" (clamped: Feb → 28/29, Nov → 30).
# ---------------------------------------------------------------------------------------------------------

MONTHS: Final[dict[str, int]] = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
    "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
    # English, as mixed-language notes write them ('Due: Oct', 'end of March')
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8, "october": 10,
    "oct": 10,
}  # fmt: skip
MONTH_ABBREVIATIONS: Final[frozenset[str]] = frozenset(
    {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "oct", "nov", "dec"}
)
# After a preposition a month is written out or carries its abbreviation dot ('i okt.'), and 'jul' is never
# July there: 'innan jul' is Christmas.
MONTH_NOT_AFTER_PREPOSITION: Final[frozenset[str]] = frozenset({"jul"})

WEEKDAYS: Final[dict[str, int]] = {
    "måndag": 0, "tisdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4, "lördag": 5, "söndag": 6,
    # English, as mixed-language notes write them ('by Friday')
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
}  # fmt: skip

NUMBER_WORDS: Final[dict[str, int]] = {
    "en": 1, "ett": 1, "ett par": 2, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7,
    "åtta": 8, "nio": 9, "tio": 10, "elva": 11, "tolv": 12, "fjorton": 14,
}  # fmt: skip

ORDINALS: Final[dict[str, int]] = {
    "första": 1, "1:a": 1, "andra": 2, "2:a": 2, "tredje": 3, "3:e": 3, "fjärde": 4, "4:e": 4,
}  # fmt: skip

# 'i början/mitten/slutet av <månad>' → this day of the month (GOLD_FORMAT: 10 and 15; 'slutet' = last day).
MONTH_PART_DAY: Final[dict[str, int]] = {"början": 10, "mitten": 15, "slutet": 31}

# Tertial, quarter and half-year: number → last month of the period.
PERIOD_UNIT_MONTHS: Final[dict[str, int]] = {"tertial": 4, "kvartal": 3, "halvår": 6, "t": 4, "q": 3}
PERIOD_UNIT_COUNT: Final[dict[str, int]] = {"tertial": 3, "kvartal": 4, "halvår": 2, "t": 3, "q": 4}


@dataclass(frozen=True, slots=True)
class Anchor:
    """A yearly day. `year_offset` shifts it when the phrase names a year ('efter jul 2024' → 2025-01-31)."""

    month: int
    day: int  # 31 = last day of the month
    year_offset: int = 0


@dataclass(frozen=True, slots=True)
class Season:
    """A named yearly period: the noun forms, those usable without a preposition, and its three anchors."""

    forms: str  # regex alternation of every form
    bare: frozenset[str]  # forms that mean the period even with no preposition ('hösten', 'vårens')
    end: Anchor  # 'i/under/till <period>' — GOLD_FORMAT: the last day of the period
    before: Anchor  # 'innan/före/inför <period>'
    after: Anchor  # 'efter <period>': the last day of the month after the period


# Decisions for periods GOLD_FORMAT leaves open are in this table and nowhere else:
# - summer (and 'semestern', which in minutes means the summer holiday) ends 08-31, 'innan sommaren' is 06-30
#   and 'efter sommaren' 09-30 (the month after it);
# - 'innan/före jul' is 12-20 (the last working days before Christmas), 'efter jul/årsskiftet' 01-31;
# - 'årsskiftet' is 12-31; 'midsommar' is 06-20 (midsommarafton falls 19–25 June);
# - winter ends on the last day of February ('vintern 2025' → 2025-02-28).
SEASONS: Final[tuple[Season, ...]] = (
    Season(
        r"höst(?:en|ens|terminen)?",
        frozenset({"hösten", "höstens", "höstterminen"}),
        Anchor(11, 30), Anchor(8, 31), Anchor(12, 31),
    ),
    Season(
        r"vår(?:en|ens|terminen)?",
        frozenset({"våren", "vårens", "vårterminen"}),
        Anchor(5, 31), Anchor(2, 31), Anchor(6, 30),
    ),
    Season(
        r"sommar(?:en|ens|semestern)?|semestern|sommaruppehållet",
        frozenset({"sommaren", "sommarens", "sommarsemestern", "sommaruppehållet"}),
        Anchor(8, 31), Anchor(6, 30), Anchor(9, 30),
    ),
    Season(
        r"vinter(?:n|ns)?",
        frozenset({"vintern", "vinterns"}),
        Anchor(2, 31), Anchor(11, 30, -1), Anchor(3, 31),
    ),
    Season(
        r"jul(?:en|ledigheten)?",
        frozenset({"julledigheten"}),
        Anchor(12, 20), Anchor(12, 20), Anchor(1, 31, 1),
    ),
    Season(
        r"årsskiftet|nyår(?:et)?",
        frozenset({"årsskiftet"}),
        Anchor(12, 31), Anchor(12, 31), Anchor(1, 31, 1),
    ),
    Season(
        r"midsommar(?:afton)?",
        frozenset(),
        Anchor(6, 20), Anchor(6, 20), Anchor(7, 31),
    ),
)  # fmt: skip

# Prepositions in front of a period, grouped by what they do to it.
PERIOD_PREP_END: Final[str] = r"i|under|till|senast|inom|vid|under\s+hela|nu\s+i|in|by|during"  # English too
PERIOD_PREP_BEFORE: Final[str] = r"innan|före|inför|before"
PERIOD_PREP_AFTER: Final[str] = r"efter"
# A year after these is a start, not a deadline ('från 2025'): matched, but flagged as history.
YEAR_PREP_START: Final[str] = r"från|sedan|efter|fr\.?\s?o\.?\s?m\.?"
YEAR_PREP_END: Final[str] = r"under|i|till|senast|inom|t\.?\s?o\.?\s?m\.?"

# 'i vår' is also 'in our' ('i vår verksamhet'): it is spring only before a pause or one of these words.
SPRING_FOLLOWERS: Final[str] = r"och|eller|samt|men|ska|skall|kommer|blir|så|då|igen|också|med\s+start"

# 'nästa/kommande/denna vecka|månad|år'. 'kommande år' is left out: it means 'the coming years', vague.
RELATIVE_UNITS: Final[str] = r"vecka|veckan|månad|månaden|år"
NEXT_WORDS: Final[str] = r"nästa|kommande|nästkommande|påföljande|next"
THIS_WORDS: Final[str] = r"denna|den\s+här|innevarande"

# Offsets from the meeting date: 'om två veckor', 'inom 3 månader'.
OFFSET_UNITS: Final[dict[str, str]] = {
    "dag": "days", "dagar": "days", "vecka": "weeks", "veckor": "weeks",
    "månad": "months", "månader": "months", "år": "years",
}  # fmt: skip
DAY_WORDS: Final[dict[str, int]] = {"imorgon": 1, "i morgon": 1, "i övermorgon": 2}

# A future meeting without a date → Relative.NEXT_MEETING. Group acronyms are matched case-sensitively so
# that 'kommande dag' is no meeting; 'Kommande chefsnytt' (a newsletter) is no meeting either.
MEETING_ACRONYMS: Final[str] = r"[A-ZÅÄÖ]{1,5}G(?:/[A-ZÅÄÖ]{1,5}G)*|APT|MBL|KF|KS"
MEETING_ACRONYMS_LOWER: Final[str] = r"flg|fsg|vsg|alg|klg|lsg|apt|mbl"
MEETING_NOUNS: Final[str] = (
    r"\w*möte[nt]?|\w*sammanträde[nt]?|\w*träff(?:en)?|\w*nämnd(?:en)?|gång(?:en)?|tillfälle[t]?"
    r"|meeting|weekly|sync"
)
MEETING_PREPS: Final[str] = r"på|vid|inför|under|i|at|before|by"

# Deadline markers (→ DateMatch.marked). Before the date, at most MARKER_GAP_WORDS words away.
DEADLINE_BEFORE: Final[tuple[str, ...]] = (
    r"senast",
    r"klart?(?:\s+för\s+uppföljning)?",
    r"färdigt?",
    r"deadline",
    r"slutdatum",
    r"till\s+och\s+med",
    r"t\.?\s?o\.?\s?m\.?",
    r"innan",
    r"före",
    r"inför",
    r"återrapporter\w*",
    r"åter\b(?:\W+\w+){0,4}?\W+till",  # 'Åter för diskussion till flg den 9 september'
)
# Nouns and loose verbs mark only the date right after them ('Uppföljning: 2020-04-01', 'Uppföljning kommande
# FLG'); further away they are usually about something else ('uppföljning av sjukfrånvaro … 2019-12-31').
# 'Intervjuer är planerade till 6/2': a scheduled date is when the task falls due.
DEADLINE_BEFORE_NEAR: Final[tuple[str, ...]] = (
    r"uppföljning(?:sdatum)?",
    r"följs\s+upp",
    r"återkommer",
    r"(?:in)?planerad[et]?\s+(?:till|den)",
    r"bokad[et]?\s+(?:till|den)",
    r"utsatt\s+till",
)
# Right after the date: '31/10 spikas'.
DEADLINE_AFTER: Final[tuple[str, ...]] = (r"spikas", r"fastställs", r"är\s+deadline", r"deadline", r"klart?")
# A phrase that itself starts with one of these is a deadline ('innan jul', 'senast fredag').
DEADLINE_OPENERS: Final[str] = r"senast|innan|före|t\.?\s?o\.?\s?m\.?|till\s+och\s+med"
MARKER_GAP_WORDS: Final[int] = 3

# History (→ DateMatch.history): a start or a past event, never a deadline.
HISTORY_BEFORE_TIGHT: Final[str] = r"från|sedan|fr\.?\s?o\.?\s?m\.?"  # right before: 'åter från 17/6'
HISTORY_BEFORE_LOOSE: Final[str] = r"förra|föregående"  # ≤2 words: 'förra mötet den 7/10'
# Past-tense verbs. Suffixes cover the regular preterite (-ade, -dde, -förde, -lde and their -s passives) and
# the supine passive (-ats, -its); the rest are strong verbs. Bare -de/-te are left out on purpose: 'möte',
# 'område', 'kommande' end that way.
PRETERITE: Final[str] = (
    r"\w+(?:ades?|ddes?)|\w*(?:förde|fördes|ldes?|rdes)|\w{3,}(?:ats|its)|genomförts|gjorts|lagts"
    r"|var|blev|hade|fick|gick|kom|tog|togs|gav|gavs|sa|sade|lade|la|lades|höll|hölls|skrev|skrevs"
    r"|fanns|gjorde|gjordes|drog|drogs|sände|sändes|skedde|hände|beslöt|ägde\s+rum"
)
# '-ade' after these is a participle ('är planerade till 6/2'), not a past event.
PARTICIPLE_LEADS: Final[frozenset[str]] = frozenset(
    {"är", "blir", "bli", "vara", "varit", "blivit", "inte", "som", "våra", "alla", "de", "dessa"}
)
# Between a past verb and the date, these words mean the date is still ahead ('beslutade att … ska … 7/10').
HISTORY_BLOCKERS: Final[frozenset[str]] = frozenset(
    {"att", "ska", "skall", "kommer", "senast", "klart", "klar", "till", "innan", "före", "inför", "nästa"}
)
HISTORY_VERB_GAP_BEFORE: Final[int] = 4  # 'lades artikel kring kärngruppen ut 21 november'
HISTORY_VERB_GAP_AFTER: Final[int] = 2  # 'Den 14 februari genomfördes'

# Phrases with no date at all: they give NO match (choose_due then returns None). Listed for the tests
# and the reader; the grammar has no rule that could match them.
VAGUE_PHRASES: Final[tuple[str, ...]] = (
    "löpande", "snarast", "på sikt", "inom kort", "så snart som möjligt", "framöver", "längre fram",
    "inom snar framtid", "kontinuerligt", "årligen", "i framtiden", "kommande år", "idag",
)  # fmt: skip

# Masks: text that looks like a date but is not. Masked characters become NUL, keeping every offset.
MASKS: Final[tuple[tuple[str, str], ...]] = (
    ("url", r"(?:https?://|www\.)\S+"),
    ("email", r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+"),  # anchored at a token start: linear time
    ("page", r"\b(?:sid|sida)\.?\s*[0-9]+(?:\s*\(\s*[0-9]+\s*\)|\s+av\s+[0-9]+)?"),
    ("page_bare", r"(?<![\w/.])[0-9]{1,3}\s?\([0-9]{1,3}\)"),
    (
        "reference",
        r"\b(?:protokoll|prot\.|dnr|diarienr|diarienummer|ärendenr|ärendenummer|bilaga|bil\.|§)"
        r"\s*(?:nr\.?)?\s*:?\s*(?:[A-ZÅÄÖ]{1,4}\s?)?[0-9]+(?:[/.:-][0-9]+)+",
    ),
    ("number_per_year", r"(?<![0-9/.-])[0-9]{1,4}/(?:19|20)[0-9]{2}(?![0-9])"),
    ("clock", r"\bkl(?:ockan)?\.?\s*[0-9]{1,2}(?:[.:][0-9]{2})?(?:\s*[-–]\s*[0-9]{1,2}(?:[.:][0-9]{2})?)?"),
    ("time", r"(?<![0-9.:])[0-9]{1,2}[.:][0-9]{2}(?![0-9]|[.:][0-9])"),
    ("fraction", r"(?<![0-9/])[0-9]{1,2}/[0-9]{1,2}(?=\s+(?:av|delar|dels|del)\b)"),
    ("round_the_clock", r"\b24/7\b"),
    (
        "amount",
        r"(?<![0-9/.,:-])[0-9]{1,3}(?:[ \u00a0][0-9]{3})+(?:,[0-9]+)?\s*(?:kr|kronor|tkr|mkr|mnkr)\b"
        r"|(?<![0-9/.,:-])[0-9]+(?:,[0-9]+)?\s*(?:kr|kronor|tkr|kkr|mkr|mnkr|mdkr|miljoner|miljarder"
        r"|procent|%|ggr|gånger|st|stycken|timmar|tim|minuter)(?!\w)",
    ),
    # 'i 25 år' is an age or a duration; 'om 2 år' is an offset and stays.
    ("years_duration", r"(?<!\bom )(?<!\binom )(?<![0-9/.,:-])[0-9]{1,3}\s*år\b"),
    (
        "named_year",
        r"\b(?:budget|internbudget|löneöversyn(?:en)?|VP|verksamhetsplan(?:en)?|bokslut(?:et)?"
        r"|årsredovisning(?:en)?|medarbetarundersökning(?:en)?|summit|expo)\s+(?:19|20)[0-9]{2}\b"
        r"|(?-i:\bH[0-9]{2}\b)",
    ),
)

# find_meeting_date: labels before the meeting date, and words that make a line about the meeting.
MEETING_DATE_LABELS: Final[str] = (
    r"mötesdatum|sammanträdesdatum|datum\s+för\s+(?:mötet|sammanträdet)|mötestid|datum\s+och\s+tid"
    r"|tid\s+och\s+plats|sammanträde"
)
GENERIC_DATE_LABELS: Final[str] = r"datum|tid|date"
MEETING_LINE_WORDS: Final[str] = (
    r"\b(?:\w*anteckningar|\w*protokoll|möte[nt]?|\w*mötet?|sammanträde\w*|\w*grupp\w*|\w*rådet?"
    r"|\w*träff\w*|sammanfattning|referat|dagordning|agenda|minutes|meeting|notes|fastställ\w*|justera\w*)\b"
    r"|(?-i:\b(?:[A-ZÅÄÖ]{1,5}G|MBL|APT|AU)\b)"
)
NOT_THIS_MEETING: Final[str] = r"\b(?:nästa|kommande|föregående|förra|tidigare)\b"
MEETING_HEAD_LINES: Final[int] = 60
MEETING_HEAD_CHARS: Final[int] = 6000

# ---------------------------------------------------------------------------------------------------------
# Public types
# ---------------------------------------------------------------------------------------------------------

DateKind = Literal["day", "period", "relative", "meeting"]


@dataclass(frozen=True, slots=True)
class DateMatch:
    """One date or period expression: its span in the text, what it means, and how it is used.

    `kind`: 'day' a calendar day as written, 'period' a month/week/season/quarter/year (resolved to its last
    day), 'relative' a day counted from the meeting ('nästa vecka', 'på tisdag'), 'meeting' a future meeting.
    `explicit_year`: the year is written out. `marked`: a deadline marker stands next to it. `history`: it is
    a start or a past event (or an explicit date before the meeting), so not a deadline.
    """

    start: int
    end: int
    due: Due
    kind: DateKind
    marked: bool = False
    history: bool = False
    explicit_year: bool = False

    @property
    def raw(self) -> str:
        return self.due.raw


# ---------------------------------------------------------------------------------------------------------
# Text preparation: fold whitespace and line-end hyphens, keep a map back to the original offsets
# ---------------------------------------------------------------------------------------------------------

_JUNK = re.compile(
    r"(?P<soft>\u00ad)"
    r"|(?P<digit>(?<=[0-9])-[ \t]*\r?\n\s*(?=[0-9]))"  # '2022-12-\n31' → '2022-12-31'
    r"|(?P<word>(?<=[^\W\d_])-[ \t]*\r?\n\s*(?=[a-zåäöéü]))"  # 'erfarenhets-\nträff' → 'erfarenhetsträff'
    r"|(?P<space>\s+)"
)


# Text with single separators only, no soft hyphen and no hyphen at a line end folds to itself.
_NOTHING_TO_FOLD = re.compile(r"(?:[^\s\u00ad-]|-(?!\s*\n)|\s(?!\s))*")


def _fold(text: str) -> tuple[str, list[int]]:
    """The text with whitespace runs folded to one space (or one newline) and line-end hyphens joined,
    plus, for every folded character, its offset in the original (one extra entry for the end)."""
    if _NOTHING_TO_FOLD.fullmatch(text):
        return text, list(range(len(text) + 1))  # already folded: most callers pass squashed sentences
    out: list[str] = []
    where: list[int] = []
    last = 0
    for m in _JUNK.finditer(text):
        out.append(text[last : m.start()])
        where.extend(range(last, m.start()))
        kind = m.lastgroup
        if kind == "digit":
            rep = "-"
        elif kind == "space":  # keep the strongest break: a line (\n) or a table cell (\t)
            gap = m.group()
            rep = "\n" if "\n" in gap or "\r" in gap else "\t" if "\t" in gap else " "
        else:
            rep = ""
        out.append(rep)
        where.extend([m.start()] * len(rep))
        last = m.end()
    out.append(text[last:])
    where.extend(range(last, len(text)))
    where.append(len(text))
    return "".join(out), where


_MASK = re.compile("|".join(f"(?:{rx})" for _, rx in MASKS), re.IGNORECASE)


def _mask(folded: str) -> str:
    return _MASK.sub(lambda m: "\x00" * len(m.group()), folded)


# ---------------------------------------------------------------------------------------------------------
# Calendar arithmetic
# ---------------------------------------------------------------------------------------------------------


def _day(year: int, month: int, day: int) -> date:
    """A date whose day is clamped to the month's length (day 31 = the last day)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_anchor(meeting: date, anchor: Anchor) -> date:
    """The first occurrence of a yearly anchor on or after the meeting date."""
    this_year = _day(meeting.year, anchor.month, anchor.day)
    return this_year if this_year >= meeting else _day(meeting.year + 1, anchor.month, anchor.day)


def _anchor_in(year: int, anchor: Anchor) -> date:
    return _day(year + anchor.year_offset, anchor.month, anchor.day)


def _next_exact(meeting: date, month: int, day: int) -> date | None:
    """The next d/m on or after the meeting; 29/2 waits for a leap year. None for an impossible day."""
    for year in range(meeting.year, meeting.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= meeting:
            return candidate
    return None


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) <= 2 else int(text)  # GOLD_FORMAT: a 2-digit year is 20yy


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    return _day(index // 12, index % 12 + 1, start.day)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_friday(meeting: date, week: int, year: int | None) -> date | None:
    """Friday of ISO week `week`: of `year`, or of the first such week not ended before the meeting."""
    if year is not None:
        return date.fromisocalendar(year, week, 5)
    iso_year = meeting.isocalendar()[0]
    for y in range(iso_year, iso_year + 7):
        try:
            sunday = date.fromisocalendar(y, week, 7)
        except ValueError:  # week 53 exists only in some years
            continue
        if sunday >= meeting:
            return sunday - timedelta(days=2)
    return None


# ---------------------------------------------------------------------------------------------------------
# Grammar: one regex per family, each with a resolver. Resolvers see the masked, folded text.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Meaning:
    when: date | None
    kind: DateKind
    explicit_year: bool = False
    relative: Relative | None = None
    history: bool = False  # the phrase itself says 'from' ('från 2025')
    end: int | None = None  # a shorter span than the regex matched (a sentence-final dot)


_Resolver = Callable[[re.Match[str], date], "_Meaning | None"]


def _alternation(words: Iterable[str]) -> str:
    keys = sorted(words, key=len, reverse=True)  # longest first: 'sept' before 'sep'
    return "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in keys)


_MONTH_ANY = _alternation(MONTHS)
_MONTH_PERIOD = "|".join(
    [_alternation(k for k in MONTHS if k not in MONTH_ABBREVIATIONS)]
    + [
        rf"{re.escape(k)}\."
        for k in sorted(MONTH_ABBREVIATIONS - MONTH_NOT_AFTER_PREPOSITION, key=lambda k: (-len(k), k))
    ]
)
_YEAR4 = r"(?:19|20)[0-9]{2}"
_FLAGS = re.IGNORECASE


def _month_number(word: str) -> int | None:
    return MONTHS.get(word.lower().rstrip("."))


def _group(m: re.Match[str], name: str) -> str | None:
    value = m.group(name)
    return value if isinstance(value, str) else None


_ISO = re.compile(rf"(?<![0-9])(?P<y>{_YEAR4})-(?P<m>[0-9]{{1,2}})-(?P<d>[0-9]{{1,2}})(?![0-9])")


def _iso(m: re.Match[str], meeting: date) -> _Meaning:
    return _Meaning(date(int(m["y"]), int(m["m"]), int(m["d"])), "day", explicit_year=True)


_DOTTED = re.compile(
    r"(?<![0-9.])(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4}|[0-9]{2})(?![0-9]|\.[0-9])"
)


def _dotted(m: re.Match[str], meeting: date) -> _Meaning:
    return _Meaning(date(_year(m["y"]), int(m["m"]), int(m["d"])), "day", explicit_year=True)


_SLASHED = re.compile(  # a day range '25-26/9' is due on its last day
    r"(?<![0-9/.,:-])(?:[0-9]{1,2}\s*[-–]\s*)?(?P<d>[0-9]{1,2})/(?P<m>[0-9]{1,2})"
    rf"(?:[-/](?P<y>[0-9]{{4}}|[0-9]{{2}})|\s(?P<y4>{_YEAR4}))?(?![0-9/]|[.,][0-9])"
)


def _slashed(m: re.Match[str], meeting: date) -> _Meaning | None:
    year = _group(m, "y") or _group(m, "y4")
    day, month = int(m["d"]), int(m["m"])
    if year is not None:
        return _Meaning(date(_year(year), month, day), "day", explicit_year=True)
    return _Meaning(_next_exact(meeting, month, day), "day") if 1 <= month <= 12 else None


_DAY_MONTH = re.compile(
    rf"(?:\bden\s+)?(?<![0-9/.,:-])(?:[0-9]{{1,2}}(?::[ae])?\s*[-–]\s*)?(?P<d>[0-9]{{1,2}})(?::[ae])?"
    rf"\s+(?P<mon>{_MONTH_ANY})\b(?P<dot>\.)?"
    rf"(?:,?\s+(?P<y>{_YEAR4})(?![0-9]))?",
    _FLAGS,
)


def _day_month(m: re.Match[str], meeting: date) -> _Meaning | None:
    month = _month_number(m["mon"])
    if month is None:
        return None
    year = _group(m, "y")
    # A dot after a full month name ends the sentence; after an abbreviation ('9 sept.') it belongs to it.
    end = m.end("mon") if m["dot"] and year is None and m["mon"].lower() not in MONTH_ABBREVIATIONS else None
    if year is not None:
        return _Meaning(date(int(year), month, int(m["d"])), "day", explicit_year=True)
    return _Meaning(_next_exact(meeting, month, int(m["d"])), "day", end=end)


_MONTH_PERIOD_RX = re.compile(
    rf"\b(?:(?P<prep>{PERIOD_PREP_END}|{PERIOD_PREP_BEFORE})\s+)?"
    rf"(?:(?P<part>{_alternation(MONTH_PART_DAY)})\s+av\s+)?"
    rf"(?P<mon>{_MONTH_PERIOD}|(?:{_MONTH_ANY})(?=\s+{_YEAR4}))(?:(?<=\.)|\b)"
    rf"(?:\s+(?P<y>{_YEAR4})(?![0-9]))?",
    _FLAGS,
)


def _month_period(m: re.Match[str], meeting: date) -> _Meaning | None:
    prep, part, year = _group(m, "prep"), _group(m, "part"), _group(m, "y")
    if prep is None and part is None and year is None:
        return None  # a bare month ('Föredragningslistan februari') is a heading, not a due date
    month = _month_number(m["mon"])
    if month is None:
        return None
    day = MONTH_PART_DAY.get(part.lower(), 31) if part else 31
    anchor = Anchor(month, day)
    if prep is not None and re.fullmatch(PERIOD_PREP_BEFORE, prep, _FLAGS) and part is None:
        anchor = Anchor(month - 1, 31) if month > 1 else Anchor(12, 31, -1)  # 'före oktober' → 09-30
    if year is not None:
        return _Meaning(_anchor_in(int(year), anchor), "period", explicit_year=True)
    return _Meaning(_next_anchor(meeting, anchor), "period")


_SEASON_FORMS = "|".join(f"(?:{s.forms})" for s in SEASONS)
_SEASON_RX = re.compile(
    rf"\b(?:(?P<prep>{PERIOD_PREP_END}|{PERIOD_PREP_BEFORE}|{PERIOD_PREP_AFTER})\s+)?"
    rf"(?P<noun>{_SEASON_FORMS})\b(?:\s+(?P<y>{_YEAR4})(?![0-9]))?"
    rf"(?P<spring_ok>(?=\s*(?:[.,;:!?)\x00]|$|(?:{SPRING_FOLLOWERS})\b)))?",
    _FLAGS,
)
_SEASON_MATCHERS: Final = tuple((re.compile(s.forms, _FLAGS), s) for s in SEASONS)


def _season(m: re.Match[str], meeting: date) -> _Meaning | None:
    noun, prep, year = m["noun"], _group(m, "prep"), _group(m, "y")
    season = next((s for rx, s in _SEASON_MATCHERS if rx.fullmatch(noun)), None)
    if season is None:
        return None
    if prep is None and noun.lower() not in season.bare:
        return None  # 'höst', 'jul' and 'vår' need a preposition
    if noun.lower() == "vår" and (
        prep is None or prep.lower() != "i" or (m["spring_ok"] is None and not year)
    ):
        return None  # 'i vår verksamhet' is 'in our business'
    if prep is not None and re.fullmatch(PERIOD_PREP_BEFORE, prep, _FLAGS):
        anchor = season.before
    elif prep is not None and re.fullmatch(PERIOD_PREP_AFTER, prep, _FLAGS):
        anchor = season.after
    else:
        anchor = season.end
    if year is not None:
        return _Meaning(_anchor_in(int(year), anchor), "period", explicit_year=True)
    return _Meaning(_next_anchor(meeting, anchor), "period")


_YEAR_RX = re.compile(
    rf"\b(?P<prep>{YEAR_PREP_END}|{PERIOD_PREP_BEFORE}|{YEAR_PREP_START})\s+(?:år\s+)?(?P<y>{_YEAR4})"
    rf"(?:\s*[-–/]\s*(?P<y2>(?:19|20)?[0-9]{{2}}))?(?![0-9]|[-/.][0-9])",
    _FLAGS,
)


def _year_period(m: re.Match[str], meeting: date) -> _Meaning | None:
    prep, year = m["prep"], int(m["y"])
    if (end := _group(m, "y2")) is not None:
        last = int(end) if len(end) == 4 else year // 100 * 100 + int(end)
        if last < year:
            return None
        year = last  # 'under 2024/25' lasts until the end of 2025
    if re.fullmatch(YEAR_PREP_START, prep, _FLAGS):
        return _Meaning(date(year, 12, 31), "period", explicit_year=True, history=True)
    if re.fullmatch(PERIOD_PREP_BEFORE, prep, _FLAGS):
        return _Meaning(date(year - 1, 12, 31), "period", explicit_year=True)
    return _Meaning(date(year, 12, 31), "period", explicit_year=True)


_WEEK_RX = re.compile(
    r"\b(?:v\.\s?|v\s|v(?=[0-9]{2}\b)|vecka\s+|veckorna\s+|veckan\s+)(?P<w>[0-9]{1,2})"
    r"(?:\s*(?:[-–]|och|&)\s*(?P<w2>[0-9]{1,2}))?"
    rf"(?:,?\s+(?P<y>{_YEAR4})(?![0-9]))?\b",
    _FLAGS,
)


def _week(m: re.Match[str], meeting: date) -> _Meaning | None:
    week = int(_group(m, "w2") or m["w"])  # a range 'v. 42-43' is due at its end
    if not 1 <= week <= 53:
        return None
    year = _group(m, "y")
    return _Meaning(
        _week_friday(meeting, week, int(year) if year else None), "period", explicit_year=bool(year)
    )


_QUARTER_RX = re.compile(
    rf"\b(?:(?P<prep>{YEAR_PREP_END})\s+)?"
    r"(?:(?P<unit>tertial|kvartal|halvår)\s*(?P<n>[1-4])"
    rf"|(?P<ord>{_alternation(ORDINALS)})\s+(?P<unit2>tertialet|kvartalet|halvåret)"
    r"|(?-i:(?P<abbr>[TQ])(?P<n2>[1-4])))\b"
    rf"(?:\s*[-/]?\s*(?P<y>{_YEAR4})(?![0-9]))?",
    _FLAGS,
)


def _quarter(m: re.Match[str], meeting: date) -> _Meaning | None:
    if (unit := _group(m, "unit")) is not None:
        key, number = unit.lower(), int(m["n"])
    elif (unit2 := _group(m, "unit2")) is not None:
        key, number = unit2.lower().removesuffix("et"), ORDINALS.get(m["ord"].lower(), 0)
    else:
        key, number = m["abbr"].lower(), int(m["n2"])
    months = PERIOD_UNIT_MONTHS.get(key)
    if months is None or not 1 <= number <= PERIOD_UNIT_COUNT[key]:
        return None
    anchor = Anchor(months * number, 31)
    year = _group(m, "y")
    if year is not None:
        return _Meaning(_anchor_in(int(year), anchor), "period", explicit_year=True)
    return _Meaning(_next_anchor(meeting, anchor), "period")


_RELATIVE_RX = re.compile(
    rf"\b(?:(?:i|under|till|senast)\s+)?(?P<which>{NEXT_WORDS}|{THIS_WORDS})\s+(?P<unit>{RELATIVE_UNITS})\b"
    r"|\bi\s+(?P<this_week>veckan)\b|\b(?P<this_year>i\s+år|under\s+året)\b"
    r"|\b(?:till|vid|innan|före)\s+(?P<month_turn>månadsskiftet)\b",
    _FLAGS,
)


def _relative(m: re.Match[str], meeting: date) -> _Meaning | None:
    if m["this_week"]:
        return _Meaning(_monday(meeting) + timedelta(days=4), "relative")
    if m["this_year"]:
        return _Meaning(date(meeting.year, 12, 31), "period")
    if m["month_turn"]:
        return _Meaning(_day(meeting.year, meeting.month, 31), "period")
    which, unit = m["which"].lower(), m["unit"].lower()
    step = 0 if re.fullmatch(THIS_WORDS, which, _FLAGS) else 1
    if unit.startswith("veck"):
        # GOLD_FORMAT: 'nästa vecka' is the Friday of the week after the meeting
        return _Meaning(_monday(meeting) + timedelta(days=7 * step + 4), "relative")
    if unit.startswith("månad"):
        first = _add_months(meeting.replace(day=1), step)
        return _Meaning(_day(first.year, first.month, 31), "period")
    if which == "kommande" and unit == "år":
        return None  # 'kommande år' = the coming years
    return _Meaning(date(meeting.year + step, 12, 31), "period")


_OFFSET_RX = re.compile(
    rf"\b(?:om|inom)\s+(?P<n>[0-9]{{1,3}}|{_alternation(NUMBER_WORDS)})\s+(?P<unit>{_alternation(OFFSET_UNITS)})\b"
    rf"|\b(?P<day>{_alternation(DAY_WORDS)})\b",
    _FLAGS,
)


def _offset(m: re.Match[str], meeting: date) -> _Meaning | None:
    if m["day"]:
        days = DAY_WORDS.get(re.sub(r"\s+", " ", m["day"].lower()))
        return _Meaning(meeting + timedelta(days=days), "relative") if days is not None else None
    n_text = re.sub(r"\s+", " ", m["n"].lower())
    n = int(n_text) if n_text.isdigit() else NUMBER_WORDS.get(n_text)
    unit = OFFSET_UNITS.get(m["unit"].lower())
    if n is None or unit is None:
        return None
    if unit == "days":
        return _Meaning(meeting + timedelta(days=n), "relative")
    if unit == "weeks":
        return _Meaning(meeting + timedelta(weeks=n), "relative")
    return _Meaning(_add_months(meeting, n * (12 if unit == "years" else 1)), "relative")


_WEEKDAY_RX = re.compile(
    rf"\b(?P<prep>nu\s+på|på|senast|deadline|till|innan|före|kommande|nästa|by|before|on|next)\s+"
    rf"(?P<wd>{_alternation(WEEKDAYS)})\b"
    r"(?!\s+(?:den\s+)?[0-9])",  # 'fredag den 13 september' is the date that follows
    _FLAGS,
)


def _weekday(m: re.Match[str], meeting: date) -> _Meaning | None:
    weekday = WEEKDAYS.get(m["wd"].lower())
    if weekday is None:
        return None
    if m["prep"].lower() in {"nästa", "next"}:  # 'nästa fredag': that day in the week after the meeting
        return _Meaning(_monday(meeting) + timedelta(days=7 + weekday), "relative")
    return _Meaning(meeting + timedelta(days=(weekday - meeting.weekday()) % 7), "relative")


_MEETING_RX = re.compile(
    rf"(?:\b(?:{MEETING_PREPS})\s+)?\b(?:{NEXT_WORDS})\s+(?:ordinarie\s+)?"
    rf"(?:(?-i:{MEETING_ACRONYMS})(?![\w/])|(?:{MEETING_ACRONYMS_LOWER}|{MEETING_NOUNS})\b)",
    _FLAGS,
)


def _meeting(m: re.Match[str], meeting: date) -> _Meaning:
    return _Meaning(None, "meeting", relative=Relative.NEXT_MEETING)


_GRAMMAR: Final[tuple[tuple[re.Pattern[str], _Resolver], ...]] = (
    (_ISO, _iso),
    (_DOTTED, _dotted),
    (_SLASHED, _slashed),
    (_DAY_MONTH, _day_month),
    (_MONTH_PERIOD_RX, _month_period),
    (_SEASON_RX, _season),
    (_YEAR_RX, _year_period),
    (_WEEK_RX, _week),
    (_QUARTER_RX, _quarter),
    (_RELATIVE_RX, _relative),
    (_OFFSET_RX, _offset),
    (_WEEKDAY_RX, _weekday),
    (_MEETING_RX, _meeting),
)

# ---------------------------------------------------------------------------------------------------------
# Context: deadline markers and history
# ---------------------------------------------------------------------------------------------------------

_CONTEXT_CHARS = 160
# A clause ends at '!?;', a bullet, or a '.' after a number or a word of 3+ letters ('kl.', 't.ex.' go on).
_BOUNDARY = re.compile(r"(?:(?<=[^\W\d_]{3})|(?<=[0-9]))\.(?=\s)|[!?;](?=\s|$)|\n\s*[•*▪\-–](?=\s)|\t")
_MARK_BEFORE = re.compile(
    rf"\b(?:{'|'.join(DEADLINE_BEFORE)})(?!\w)(?:\W+\w+){{0,{MARKER_GAP_WORDS}}}?\W*\Z"
    rf"|\b(?:{'|'.join(DEADLINE_BEFORE_NEAR)})(?!\w)\W*\Z",
    _FLAGS,
)
_MARK_AFTER = re.compile(rf"\A\W*(?:{'|'.join(DEADLINE_AFTER)})(?!\w)", _FLAGS)
_OPENER = re.compile(rf"(?:{DEADLINE_OPENERS})(?!\w)", _FLAGS)
_HISTORY_TIGHT = re.compile(rf"\b(?:{HISTORY_BEFORE_TIGHT})(?:\s+(?:och\s+med|den))?\W*\Z", _FLAGS)
_HISTORY_LOOSE = re.compile(rf"\b(?:{HISTORY_BEFORE_LOOSE})\b(?:\W+\w+){{0,2}}?\W*\Z", _FLAGS)
_VERB_BEFORE = re.compile(
    rf"\b(?P<verb>{PRETERITE})\b(?P<gap>(?:\W+\w+){{0,{HISTORY_VERB_GAP_BEFORE}}}?)\W*\Z", _FLAGS
)
_VERB_AFTER = re.compile(
    rf"\A(?P<gap>\W*(?:\w+\W+){{0,{HISTORY_VERB_GAP_AFTER}}}?)(?P<verb>{PRETERITE})\b", _FLAGS
)
_WORD = re.compile(r"\w+")
_LAST_WORD = re.compile(r"(\w+)\W*\Z")


def _clause_start(masked: str, start: int, floor: int) -> int:
    lo = max(floor, start - _CONTEXT_CHARS)
    cut = lo
    for b in _BOUNDARY.finditer(masked, lo, start):
        cut = b.end()
    return cut


def _clause_end(masked: str, end: int, ceiling: int) -> int:
    b = _BOUNDARY.search(masked, end, min(ceiling, end + _CONTEXT_CHARS))
    return b.start() if b else min(ceiling, end + _CONTEXT_CHARS)


def _no_blockers(gap: str) -> bool:
    return not any(w.lower() in HISTORY_BLOCKERS for w in _WORD.findall(gap))


def _past_verb_before(pre: str) -> bool:
    m = _VERB_BEFORE.search(pre)
    if m is None or not _no_blockers(m["gap"]):
        return False
    lead = _LAST_WORD.search(pre, 0, m.start("verb"))
    return not (lead and m["verb"].lower().endswith(("ade", "ades")) and lead[1].lower() in PARTICIPLE_LEADS)


def _past_verb_after(post: str) -> bool:
    m = _VERB_AFTER.search(post)
    return m is not None and _no_blockers(m["gap"])


# ---------------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    meaning: _Meaning


# Rules that cannot match without a digit: skipped on text that has none.
_NEEDS_DIGIT: Final[frozenset[re.Pattern[str]]] = frozenset({_ISO, _DOTTED, _SLASHED, _YEAR_RX, _WEEK_RX})


def _hits(masked: str, meeting: date) -> list[_Hit]:
    found: list[_Hit] = []
    has_digit = any(c.isdigit() for c in masked)
    for rx, resolve in _GRAMMAR:
        if not has_digit and rx in _NEEDS_DIGIT:
            continue
        for m in rx.finditer(masked):
            try:
                meaning = resolve(m, meeting)
            except (ValueError, OverflowError):  # an impossible day ('31/2-24') or a year out of range
                continue
            if meaning is None or (meaning.when is None and meaning.relative is None):
                continue
            end = meaning.end if meaning.end is not None else m.end()
            found.append(_Hit(m.start(), end, meaning))
    # Overlaps: the longest phrase wins ('i början av januari' over 'januari'), then the earliest.
    found.sort(key=lambda h: (h.start - h.end, h.start))
    kept: list[_Hit] = []  # sorted by start, never overlapping
    starts: list[int] = []
    for hit in found:
        i = bisect.bisect_left(starts, hit.start)
        if (i == 0 or kept[i - 1].end <= hit.start) and (i == len(kept) or kept[i].start >= hit.end):
            kept.insert(i, hit)
            starts.insert(i, hit.start)
    return kept


# Every expression the grammar knows has a digit or one of these words: text without any is skipped
# before the costlier folding and masking (most sentences of minutes name no date).
_TRIGGER = re.compile(
    r"\d|"
    + "|".join(
        [
            *MONTHS,
            *MONTH_ABBREVIATIONS,
            *WEEKDAYS,
            *NUMBER_WORDS,
            *ORDINALS,
            *(season.forms for season in SEASONS),
            RELATIVE_UNITS,
            NEXT_WORDS,
            THIS_WORDS,
            *OFFSET_UNITS,
            *DAY_WORDS,
            MEETING_ACRONYMS_LOWER,
            MEETING_NOUNS,
            r"morgon|idag|i dag|tertial|kvartal|halvår|\bv\.|vecka|jul|påsk|årsskift|löpande|snarast|sikt",
        ]
    ),
    re.IGNORECASE,
)


def find_dates(text: str, meeting_date: date) -> list[DateMatch]:
    """Every date or period expression in `text`, in order, with its span in `text` and what it means."""
    if _TRIGGER.search(text) is None:
        return []
    folded, where = _fold(text)
    masked = _mask(folded)
    hits = _hits(masked, meeting_date)
    matches: list[DateMatch] = []
    for i, hit in enumerate(hits):
        floor = hits[i - 1].end if i else 0  # markers and history words belong to the nearest date only
        ceiling = hits[i + 1].start if i + 1 < len(hits) else len(masked)
        pre = masked[_clause_start(masked, hit.start, floor) : hit.start]
        post = masked[hit.end : _clause_end(masked, hit.end, ceiling)]
        phrase = masked[hit.start : hit.end]
        meaning = hit.meaning
        marked = bool(_OPENER.match(phrase) or _MARK_BEFORE.search(pre) or _MARK_AFTER.search(post))
        history = (
            meaning.history
            or bool(_HISTORY_TIGHT.search(pre) or _HISTORY_LOOSE.search(pre))
            or _past_verb_before(pre)
            or _past_verb_after(post)
            # an explicitly dated day or period before the meeting is over, unless it is a stated deadline
            or (
                meaning.explicit_year
                and meaning.when is not None
                and meaning.when < meeting_date
                and not marked
            )
        )
        raw = re.sub(r"\s+", " ", folded[hit.start : hit.end])
        matches.append(
            DateMatch(
                start=where[hit.start],
                end=where[hit.end - 1] + 1,
                due=Due(raw, meaning.when, meaning.relative),
                kind=meaning.kind,
                marked=marked,
                history=history,
                explicit_year=meaning.explicit_year,
            )
        )
    return matches


_MEETING_THEN_DATE = re.compile(r"[\s,:(–-]*(?:den\s+)?", _FLAGS)


def _merge_meeting_dates(text: str, matches: list[DateMatch]) -> list[DateMatch]:
    """'kommande FLG 7/10' names the meeting's date: keep the date, with the meeting's marker."""
    out: list[DateMatch] = []
    skip = False
    for i, m in enumerate(matches):
        if skip:
            skip = False
            continue
        nxt = matches[i + 1] if i + 1 < len(matches) else None
        if (
            m.kind == "meeting"
            and nxt is not None
            and nxt.due.date is not None
            and not nxt.history
            and _MEETING_THEN_DATE.fullmatch(text, m.end, nxt.start)
        ):
            out.append(
                DateMatch(
                    nxt.start, nxt.end, nxt.due, nxt.kind, m.marked or nxt.marked, False, nxt.explicit_year
                )
            )
            skip = True
        else:
            out.append(m)
    return out


def choose_due(text: str, meeting_date: date) -> Due | None:
    """The deadline of an action text: a marked date, else a next-meeting reference, else the last date.
    History (past events, starts, explicit dates before the meeting) is never a deadline."""
    live = [m for m in _merge_meeting_dates(text, find_dates(text, meeting_date)) if not m.history]
    for pick in (
        [m for m in live if m.marked],
        [m for m in live if m.due.relative is Relative.NEXT_MEETING],
        [m for m in live if m.due.date is not None],
    ):
        if pick:
            return pick[-1].due
    return None


def resolve_due(phrase: str, meeting_date: date) -> Due | None:
    """One isolated due phrase, e.g. a date-column cell ('2019-12-31', 'Uppföljning: 2020-04-01').
    A date column states deadlines, so a past date still counts (an overdue plan item). A bare month ('Juni')
    is the last day of that month (GOLD_FORMAT)."""
    bare = _BARE_MONTH.fullmatch(phrase.strip())
    if bare:
        # 'Juni', 'Okt', 'Oct' alone in a date column: the month written out, as 'i juni' would be.
        month = _FULL_MONTH_NAMES[MONTHS[bare.group(1).lower()] - 1]
        found = resolve_due(f"i {month}", meeting_date)
        return Due(raw=phrase.strip(), date=found.date, relative=found.relative) if found else None
    matches = _merge_meeting_dates(phrase, find_dates(phrase, meeting_date))
    if not matches:
        return None
    for pick in ([m for m in matches if m.marked], [m for m in matches if not m.history], matches):
        if pick:
            return pick[0].due
    return None  # pragma: no cover - `matches` is not empty


_BARE_MONTH: Final = re.compile(rf"({'|'.join(sorted(MONTHS, key=len, reverse=True))})\.?", _FLAGS)
# The written-out Swedish name of each month (the first of its forms in MONTHS).
_FULL_MONTH_NAMES: Final = tuple(
    next(name for name, n in MONTHS.items() if n == month) for month in range(1, 13)
)
_EPOCH: Final = date(1900, 1, 1)  # resolves nothing relative; only dates with a written year are used
_STRONG_LABEL = re.compile(rf"\b(?:{MEETING_DATE_LABELS})\s*:?\s*(?:den\s+)?\Z", _FLAGS)
_GENERIC_LABEL = re.compile(rf"\b(?:{GENERIC_DATE_LABELS})\s*:\s*(?:den\s+)?\Z", _FLAGS)
_MEETING_LINE = re.compile(MEETING_LINE_WORDS, _FLAGS)
_NOT_THIS = re.compile(NOT_THIS_MEETING, _FLAGS)
_DEN_BEFORE = re.compile(r"\bden\s*\Z", _FLAGS)
# A date after a deadline word is when a task is due, never when the meeting was ('Planera höstens möten,
# senast 2024-10-30').
_DEADLINE_BEFORE_DATE = re.compile(r"\b(?:senast|deadline|klart?|före|innan|due|by)\s*:?\s*\Z", _FLAGS)


def find_meeting_date(text: str) -> date | None:
    """The meeting date printed in the opening of a document: after a label ('Mötesdatum:'), on a line that
    names the meeting or its group ('Protokoll 23-11-06', 'Styrelsemöte 190415'), or alone on a line among the
    first ones under the title. A bare printed document date loses to any of these; None if none."""
    lines = text.split("\n")[:MEETING_HEAD_LINES]
    # Only lines with a digit can hold a dated day; they and the line before them (labels, meeting words)
    # are kept in place, the rest blanked, so the date grammar reads a fraction of the text.
    keep = {i for i, line in enumerate(lines) if any(c.isdigit() for c in line)}
    keep |= {i - 1 for i in keep} | {i - 2 for i in keep}
    head = "\n".join(line if i in keep else "" for i, line in enumerate(lines))[:MEETING_HEAD_CHARS]
    first_lines = _first_filled_lines(lines, _DATE_LINE_REACH)
    candidates = [
        (m.start, m.end, m.due.date)
        for m in find_dates(head, _EPOCH)
        if m.kind == "day" and m.explicit_year and m.due.date is not None and not m.history
    ]
    candidates += [
        (m.start(), m.end(), found) for m in _COMPACT_DATE.finditer(head) if (found := _compact(m))
    ]
    best: tuple[int, date] | None = None
    for start, end, found in candidates:
        line_start = head.rfind("\n", 0, start) + 1
        line_end = head.find("\n", end)
        line = head[line_start : line_end if line_end >= 0 else len(head)]
        prev_start = head.rfind("\n", 0, max(line_start - 1, 0)) + 1 if line_start else line_start
        prev = head[prev_start : max(line_start - 1, prev_start)]
        before = head[max(0, start - 60) : start]
        if _NOT_THIS.search(line) or _NOT_THIS.search(prev) or _DEADLINE_BEFORE_DATE.search(before):
            continue  # 'Nästa möte: 2024-09-23', 'Föregående möte …', '… möten, senast 2024-10-30'

        score = 0
        if _STRONG_LABEL.search(before):
            score = 5
        elif _GENERIC_LABEL.search(before):
            score = 2
        if _MEETING_LINE.search(line):
            score += 2
        elif _MEETING_LINE.search(prev):
            score += 1
        elif line.strip(" \t#*_|–-") == head[start:end] and line.strip() in first_lines[1:]:
            score += 1  # a date line under the title
        if _DEN_BEFORE.search(before):
            score += 1
        if score and (best is None or score > best[0]):
            best = (score, found)
    return best[1] if best else None


def meeting_date_from_file_name(name: str) -> date | None:
    """A meeting date in a file name: 'styrelse_2023-05-12.docx', 'Protokoll 190415.pdf', 'kpr_20230412.md'."""
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    for m in _COMPACT_DATE.finditer(stem):
        found = _compact(m)
        if found is not None:
            return found
    return None


_DATE_LINE_REACH: Final = 4
# 2023-05-12, 2023_05_12, 20230512; 23-11-06; 190415 (yymmdd): forms titles and file names use.
_COMPACT_DATE = re.compile(
    r"(?<![\d/.-])(?:((?:19|20)\d\d)[-_.]?(\d\d)[-_.]?(\d\d)|(\d\d)([-_]?)(\d\d)\5(\d\d))(?![\d/.:-])"
)


def _compact(m: re.Match[str]) -> date | None:
    if m.group(1):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        year, month, day = 2000 + int(m.group(4)), int(m.group(6)), int(m.group(7))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _first_filled_lines(lines: list[str], count: int) -> list[str]:
    return [line.strip() for line in lines if line.strip()][:count]
