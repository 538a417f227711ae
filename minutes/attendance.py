"""Attendance as secretaries write it: lists under 'Närvarande:', attendance tables, names with their
initials and titles beside them, an author block; read into the document's Roster. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence, Set

from minutes.model import Person
from minutes.patterns import (
    ORGANISATION_ABBREVIATIONS,
    ROLE_MODIFIERS,
    ROLE_NOUNS,
)
from minutes.people import (
    FULL_NAME,
    LOWER,
    NAME_WORD,
    NOT_NAMES,
    UPPER,
    Roster,
    is_plausible_name,
    normalise_role,
    role_keys,
    role_parts,
    written_role,
)
from minutes.text import squash

# 'Mia Moln (MM)': a name with its initials.
_NAME_WITH_INITIALS = re.compile(rf"({FULL_NAME})\s*\(\s*([{UPPER}]{{2,4}})\s*\)")
# 'Lisa Berg (systemförvaltare, LB)': the initials last in the bracket.
_NAME_ROLE_INITIALS = re.compile(rf"({FULL_NAME})\s*\([^()]{{2,60}}?,\s*([{UPPER}]{{2,4}})\s*\)")
# 'Ola Strand OS (utbildningschef)', 'Kalle Ek KE,': initials after the name without brackets.
# 'Eva Lind, rektor (EL)'
_NAME_COMMA_ROLE_INITIALS = re.compile(
    rf"({FULL_NAME}),[ \t]*[^,;()\n]{{2,40}}?[ \t]*\(\s*([{UPPER}]{{2,4}})\s*\)"
)
_NAME_THEN_BARE_INITIALS = re.compile(
    rf"({FULL_NAME}),?[ \t]+([{UPPER}]{{2,4}})(?=[ \t]*[(,;\t]|[ \t]*$)", re.MULTILINE
)
_ROSTER_LABEL = re.compile(
    r"^\s*(närvarande|deltagare|deltar gör|gäster|gäst|frånvarande|ordförande|sammankallande|sekreterare"
    r"|justerare|mötesdeltagare|deltagande(?: vid \w+)?|adjungerade|adjungerad|närvarande ledamöter|ledamöter"
    r"|närvarande övriga|övriga närvarande|övriga|tjänstepersoner|tjänstemän|ersättare|anmält förhinder|med"
    r"|närv|deltog|attendees|present|participants|beslutande|närvarande beslutande|övriga deltagare"
    r"|vi var|vi som var med|närvarande var|med på mötet|på plats"
    # 'Närvarande Björkskolan:', 'Deltagare socialtjänsten:' — the list of one side of the table
    r"|närvarande \w+|deltagare \w+)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_AFTER_SENTENCE = re.compile(
    r"^.{2,120}?[.;!]\s+(?=(?:närvarande|deltagare|med|närv|vi var)\b)", re.IGNORECASE
)
_NEXT_HEADING = re.compile(rf"^\s*(?:§\s*\d|#|\d{{1,2}}[.)]\s+[{UPPER}])")
# Any 'Label:' line ends the list above it ('Kassör: Lisa Berg' after 'Sekreterare: Kim Ek').
_ANY_LABEL = re.compile(r"^\s*[\w][\w .-]{1,30}:")


def parse_roster(text: str, tables: Iterable[Sequence[Sequence[str]]] = ()) -> Roster:
    """Read attendees from attendance tables ('Namn | Roll'), the opening lines and the names given with
    initials anywhere. `tables` are the document's tables as rows of cell texts, header first."""
    people: dict[str, Person] = {}
    for rows in tables:
        for person in _table_people(rows):
            people.setdefault(person.name, person)
    flat = squash(text)
    for match in _NAME_WITH_INITIALS.finditer(flat):
        name, initials = match.group(1), match.group(2)
        # '(KD)' after a name is a party: initials start with the name's own first letter.
        if initials[0] == name[0] and initials not in ORGANISATION_ABBREVIATIONS:
            people.setdefault(name, Person(name=name, initials=initials))
    for match in (*_NAME_ROLE_INITIALS.finditer(flat), *_NAME_COMMA_ROLE_INITIALS.finditer(flat)):
        name, initials = match.group(1), match.group(2)
        if initials[0] == name[0] and initials not in ORGANISATION_ABBREVIATIONS:
            people.setdefault(name, Person(name=name, initials=initials))
    # One pass over the text as written: a name may wrap over a line's end before its initials.
    for match in _NAME_THEN_BARE_INITIALS.finditer(text):
        name, initials = match.group(1), match.group(2)
        words = name.split()
        # Bare initials must be the name's own ('Ola Strand OS'), or 'Anna Berg SSR' would be a person's.
        if (
            initials[0] == words[0][0]
            and initials[-1] == words[-1][0]
            and initials not in ORGANISATION_ABBREVIATIONS
            and "\t" not in name
        ):
            people.setdefault(name, Person(name=name, initials=initials))
    lines = text.splitlines()
    for line in lines[:_BARE_LIST_LINES]:
        if bare := _BARE_FIRST_NAMES.match(line):
            for name in re.split(r"\s*,\s*|\s+(?:och|o|&)\s+|\s+", bare.group(1)):
                if name and name.casefold() not in NOT_NAMES:
                    people.setdefault(name, Person(name=name))
    titled_before: set[str] = set()
    for index, line in enumerate(lines):
        # The label may follow a sentence on its line ('Plats: Klubbhuset. Närvarande: …').
        label = _ROSTER_LABEL.match(line) or _ROSTER_LABEL.match(
            line[m.end() :] if (m := _AFTER_SENTENCE.search(line)) else ""
        )
        if label is None:
            continue
        role = label.group(1).lower()
        # The list may continue on the next lines until a blank line or the next label.
        body = [label.group(2)]
        for follow in lines[index + 1 : index + 6]:
            if (
                not follow.strip()
                or _ANY_LABEL.match(follow)
                or follow.rstrip().endswith(":")
                or _NEXT_HEADING.match(follow)  # '§ 1 Öppnande', '1. Ekonomi', '## Punkter'
            ):
                break
            body.append(follow)
        listed = squash(" ".join(body))
        for name in _names_in(_without_places(listed)):
            if name not in people:
                single_role = role if role in {"sammankallande", "sekreterare", "ordförande"} else None
                people[name] = Person(name=name, role=single_role)
        _add_first_names(listed, people)
        titled_before |= _add_listed_roles(listed, people)
        titled_before |= _add_titles_before_parentheses(listed, people)
    _add_roles(text, people, titled_before)
    other = tuple(
        sorted(
            {
                n
                # line by line: a name never runs over a line's end ('… – Greta' / 'Boka föreläsare …')
                for line in text.splitlines()
                for n in re.findall(rf"(?<![{UPPER}{LOWER}])({NAME_WORD}\s+{NAME_WORD})", squash(line))
                if is_plausible_name(n) and n not in people and not all(word in people for word in n.split())
            }
        )
    )
    return Roster(people=tuple(people.values()), other_names=other)


# An attendance table's columns: who, in what role, with which initials.
_NAME_COLUMN = re.compile(r"(?:namn|deltagare|närvarande|ledamot|ledamöter|representant|person)", re.I)
_ROLE_COLUMN = re.compile(r"(?:roll|funktion|titel|befattning|tjänst|uppdrag|roll i gruppen)", re.I)
_INITIALS_COLUMN = re.compile(r"(?:initialer|init\.?|förkortning|sign\.?|signatur|kortnamn)", re.I)
_INITIALS = re.compile(rf"[{UPPER}]{{2,4}}")


def is_attendance_header(cells: Sequence[str]) -> bool:
    """A header naming who ('Namn') and what they are ('Roll', 'Initialer'): a list of people, no tasks."""
    header = [squash(cell).strip(" :") for cell in cells]
    has = {
        pattern: any(pattern.fullmatch(title) for title in header)
        for pattern in (_NAME_COLUMN, _ROLE_COLUMN, _INITIALS_COLUMN)
    }
    return has[_NAME_COLUMN] and (has[_ROLE_COLUMN] or has[_INITIALS_COLUMN])


# Terse notes list who came without a colon or commas: 'närvarande Micke Ronja Hassan och Leffe'. Only first
# names, ended by 'och X', near the top: first names in a row are not read as full names then.
_BARE_LIST_LINES = 8
_BARE_FIRST_NAMES = re.compile(
    rf"^\s*(?i:närvarande|deltagare|närv|med|vi var)\s+((?:[{UPPER}][{LOWER}]+,?\s+){{2,}}(?:och|o|&)\s+[{UPPER}][{LOWER}]+)\s*$"
)


def _table_people(rows: Sequence[Sequence[str]]) -> list[Person]:
    """People from a table whose header names a name column, with their roles and initials if it has those
    columns; nothing from any other table."""
    if len(rows) < 2:
        return []
    header = [squash(cell).strip(" :") for cell in rows[0]]

    def column(pattern: re.Pattern[str]) -> int | None:
        return next((i for i, title in enumerate(header) if pattern.fullmatch(title)), None)

    name_at, role_at, initials_at = column(_NAME_COLUMN), column(_ROLE_COLUMN), column(_INITIALS_COLUMN)
    if name_at is None:
        return []
    people: list[Person] = []
    for row in rows[1:]:
        cells = [squash(cell) for cell in row]
        if name_at >= len(cells) or not re.fullmatch(FULL_NAME, cells[name_at]):
            continue
        name = cells[name_at]
        if not is_plausible_name(name):
            continue
        role = cells[role_at] if role_at is not None and role_at < len(cells) else ""
        initials = cells[initials_at] if initials_at is not None and initials_at < len(cells) else ""
        people.append(
            Person(
                name=name,
                initials=initials if _INITIALS.fullmatch(initials) else None,
                role=normalise_role(role) or None,
            )
        )
    return people


_ROLE_PHRASE = (
    rf"(?:(?:(?:{ROLE_MODIFIERS}|vice|v\.)\s+)?{ROLE_NOUNS}(?:\s+(?-i:[{UPPER}]{{2,4}}))?"
    r"|v\.\s*ordf\.?|vordf\.?|ordf\.?|sekr\.?)"
)
# 'Eva Lind, ekonomichef', 'Eva Lind (ekonomichef)', 'Eva Lind – ekonomichef', 'Eva Lind<TAB>ekonomichef'.
# The name is found first (cheap: it needs capitals); the role is then matched where it must stand, beside it.
_NAME = re.compile(rf"(?<![\w-])(?:{FULL_NAME})(?![\w-])")
# after the name: ', ekonomichef', ' (ekonomichef)', ' – ekonomichef', '<TAB>ekonomichef', ', ND (ordf)'
_ROLE_AFTER_NAME = re.compile(
    rf"(?:,?[ \t]+\(?(?-i:[{UPPER}]{{2,4}})\)?)?[ \t]*(?:,|\(|–|—|-(?=\s)|\t)[ \t]*(?:\n[ \t]*)?"
    rf"({_ROLE_PHRASE}(?:[ \t]*[,(][ \t]*{_ROLE_PHRASE}\)?)*)(?![\w-])",
    re.IGNORECASE,
)
# before the name: 'ordförande Eva Lind', 'Kassör: Per Holm', 'ekonomichef Eva Lind'
_ROLE_BEFORE_NAME = re.compile(rf"(?<![\w-])({_ROLE_PHRASE})[ \t]*:?[ \t]+\Z", re.IGNORECASE)
_RECORD_LABEL = re.compile(r"ansvarig|ansvariga|ansv\.?", re.IGNORECASE)
_ROLE_LINE = re.compile(rf"\s*({_ROLE_PHRASE})\s*", re.IGNORECASE)
_NAME_LINE = re.compile(rf"\s*({FULL_NAME})\s*")


# In an attendance list, what stands in parentheses after a name is the person's role ('(bitr. rektor)',
# '(SYV)', '(specialpedagog)'), whatever the word, unless it is their initials or a party ('(KD)').
_NAME_PARENTHESIS = re.compile(rf"({FULL_NAME}|{NAME_WORD})\s*\(([^()]{{2,40}})\)")
_PARTY_LETTERS = re.compile(r"S|M|V|C|L|KD|MP|SD|FP|Fi")  # '(KD)' after a politician's name
_LISTED_ENTRY = re.compile(
    rf"({FULL_NAME})\s*(\([^()]{{1,12}}\))?\s*,\s*([^,()]{{2,60}}?)\s*(?:\([^()]*\))?\s*[.]?"
)


_FIRST_NAME_ENTRY = re.compile(rf"({NAME_WORD})\s*(?:\(([^()]{{1,40}})\))?")


_PARENTHESES = re.compile(r"\([^()]*\)")
# 'ordf (Eva Lind), kassör (Per Holm)': an entry that is a title, and the person in parentheses.
_TITLE_BEFORE_PARENTHESES = re.compile(rf"(?P<role>(?-i:[{LOWER}])[\w.-]*)\s*\((?P<name>{FULL_NAME})\)")


def _title_entries(listed: str) -> Iterable[re.Match[str]]:
    """The entries of a list written so throughout: no name stands outside the parentheses ('Eva Lind,
    arkitekt (Byrån Linje)' gives the place of a person named before it)."""
    if re.search(FULL_NAME, _PARENTHESES.sub(",", listed)):
        return iter(())
    return filter(None, (_TITLE_BEFORE_PARENTHESES.fullmatch(e.strip()) for e in re.split(r"[,;]", listed)))


def _add_titles_before_parentheses(listed: str, people: dict[str, Person]) -> set[str]:
    titled: set[str] = set()
    for match in _title_entries(listed):
        name, role = match.group("name"), normalise_role(match.group("role"))
        person = people.get(name)
        if person is not None and not person.role and role:
            people[name] = Person(name, person.initials, role)
            titled.add(name)
    return titled


def _without_places(listed: str) -> str:
    """The list without what stands in parentheses after a name: where the person comes from ('Stina
    (Länsarkivet)', 'Eva Lind, arkitekt (Byrån Linje)'); an entry that is a title and the person in
    parentheses keeps the person ('ordf (Eva Lind)')."""
    people = " , ".join(f"{m['role']} {m['name']}" for m in _title_entries(listed))
    return f"{_PARENTHESES.sub(',', listed)} , {people}"


# The list ends with its sentence: 'Med: Stina (ordf), Kalle. Rektor Eva Lind var med en stund.'
_LIST_END = re.compile(rf"\.\s+(?=[{UPPER}])")


def _add_first_names(listed: str, people: dict[str, Person]) -> None:
    """An attendance list of first names only ('Med: Nora (ordf), Elias, Wilma'): each is a person."""
    listed = _LIST_END.split(listed, maxsplit=1)[0]
    entries = [e.strip(" .") for e in re.split(r"\s*[,;]\s*|\s+(?:och|o|&)\s+", listed) if e.strip(" .")]
    if not entries or any(re.search(FULL_NAME, _without_places(e)) for e in entries):
        return
    for entry in entries:
        found = _FIRST_NAME_ENTRY.fullmatch(entry)
        if found is None:
            continue
        name = found.group(1)
        if name.casefold() in NOT_NAMES or re.fullmatch(ROLE_NOUNS, name, re.IGNORECASE) or name in people:
            continue
        people[name] = Person(name=name)


# Initials as secretaries write them in an attendance list: '(LPe)', '(KiS)' beside '(EL)', or first in the
# parentheses before the role: '(LÖ, projektledare)'.
_LISTED_INITIALS = re.compile(
    rf"({FULL_NAME})\s*\(\s*([{UPPER}][{UPPER}{LOWER}]{{1,3}})\s*(?:,\s*([^()]{{2,60}}))?\)"
)


def _add_listed_initials(listed: str, people: dict[str, Person]) -> None:
    for match in _LISTED_INITIALS.finditer(listed):
        name, initials, role = match.group(1), match.group(2), match.group(3)
        person = people.get(name)
        if person is None or person.initials or initials[0] != name[0]:
            continue
        if sum(ch.isupper() for ch in initials) < 2 or initials.upper() in ORGANISATION_ABBREVIATIONS:
            continue
        people[name] = Person(name, initials, person.role or (normalise_role(role) if role else None))


# 'ordf Eva Lind, vordf Per Holm' and 'Eva Lind ordf, Per Holm vordf': a title in lower case
# written straight before or after the name in a comma-separated list.
_TITLE_BEFORE_NAME = re.compile(
    rf"(?P<role>[\w.-]+(?:\s+[\w.-]+){{0,2}}?)\s+(?P<name>{FULL_NAME})(?:\s*\([^()]*\))?"
)
_TITLE_AFTER_NAME = re.compile(
    rf"(?P<name>{FULL_NAME})\s+(?P<role>(?!(?:och|o|samt|&)\s)(?-i:[{LOWER}])[\w.-]*(?:\s+[\w.-]+){{0,2}})"
)


def _add_bare_titles(listed: str, people: dict[str, Person]) -> set[str]:
    """The titles; returns the names whose title stands before them (the word after such a name's comma is the
    next person's title, not theirs)."""
    titled_before: set[str] = set()
    for entry in re.split(r"\s*[,;]\s*", listed):
        before = _TITLE_BEFORE_NAME.fullmatch(entry.strip(" ."))
        if before and before.group("role")[:1].isupper() and not role_keys(before.group("role")):
            before = None  # a capitalised title only when it is one ('HR-chef', 'Kommundirektör'), not a name
        found = before or _TITLE_AFTER_NAME.fullmatch(entry.strip(" ."))
        if found is None or found.group("name") not in people:
            continue
        person = people[found.group("name")]
        if before:
            titled_before.add(person.name)
        if not person.role:
            role = written_role(found.group("role"))
            # 'Kommundirektör Eva Lind (ordförande)': the group's chair as well.
            also = re.search(r"\(([^()]*)\)\s*$", entry)
            if before and also and role_keys(also.group(1)):
                role = f"{role}, {written_role(also.group(1))}"
            people[person.name] = Person(person.name, person.initials, role)
    return titled_before


_FULL_NAME = re.compile(FULL_NAME)


def _names_in(text: str) -> Iterable[str]:
    """Full names in a list; a title written before a name in capitals does not swallow the name's first
    word ('Kommundirektör Eva Lind' gives Eva Lind)."""
    position = 0
    while (match := _FULL_NAME.search(text, position)) is not None:
        name = match.group(0)
        if is_plausible_name(name):
            yield name
            position = match.end()
        else:
            position = match.start() + len(name.split()[0])


def _add_listed_roles(listed: str, people: dict[str, Person]) -> set[str]:
    _add_listed_initials(listed, people)
    titled_before = _add_bare_titles(listed, people)
    if ";" in listed:
        # 'Eva Lind (EL), vårdenhetschef; Per Holm, specialistsjuksköterska; …': the text after a
        # name's comma, up to the semicolon, is the title.
        for entry in listed.split(";"):
            found = _LISTED_ENTRY.fullmatch(entry.strip())
            if found is None or found.group(1) not in people:
                continue
            holder = people[found.group(1)]
            # 'undersköterska och skyddsombud' is two titles, 'enhetschef barn och unga' one: keep both readings.
            title = re.split(r"\s+(?:och|&)\s+", found.group(3))
            whole = [found.group(3)] if len(title) > 1 else []
            role = ", ".join(normalise_role(part) for part in [*whole, *title] if part.strip())
            if role and not holder.role:
                people[holder.name] = Person(holder.name, holder.initials, role)
    for match in _NAME_PARENTHESIS.finditer(listed):
        name = match.group(1)
        person = people.get(name)
        if person is None or person.role:
            continue
        roles = [
            part.strip()
            for part in match.group(2).split(",")
            if part.strip()
            and not _PARTY_LETTERS.fullmatch(part.strip())
            # 'Eva Lind (Länsbiblioteket)', '(Norrby)': a capitalised word is a place or an organisation, a
            # title is written in lower case or as an abbreviation ('(SYV)', '(IT-chef)')
            and not re.match(rf"[{UPPER}][{LOWER}]", part.strip())
            and part.strip().upper() not in ORGANISATION_ABBREVIATIONS
            and not (_INITIALS.fullmatch(part.strip()) and part.strip()[0] == name[0])
        ]
        if roles:
            people[name] = Person(person.name, person.initials, ", ".join(normalise_role(r) for r in roles))
    return titled_before


def _add_roles(text: str, people: dict[str, Person], titled_before: Set[str] = frozenset()) -> None:
    """Roles written beside a name anywhere in the document, and a name line over a role line (an author
    block): the people who hold them, so that an owner written as a title reaches the person."""
    found: list[tuple[str, str]] = []
    # One pass over the text as written: a name may wrap over a line's end ('Therese' / 'Bylund, controller'),
    # a role never does.
    for match in _NAME.finditer(text):
        words = match.group(0).split()
        # 'Tora Vik Sekreterare' reads as three name words: try the name without its last word too.
        for count in range(len(words), 1, -1):
            end = match.start() + len(" ".join(words[:count])) if count < len(words) else match.end()
            name = text[match.start() : end]
            titled = " ".join(name.split()) in titled_before  # the name may wrap: 'HR-chef Kim' / 'Ek'
            role_after = _ROLE_AFTER_NAME.match(text, end) if not titled else None
            # A role before the name stands on the name's own line, and such a name does not run on to the next
            # ('Ansvarig: Kim Berg' / 'Klart senast: …').
            line_start = text.rfind("\n", 0, match.start()) + 1
            role_before = (
                _ROLE_BEFORE_NAME.search(text, max(line_start, match.start() - 60), match.start())
                if "\n" not in name
                else None
            )
            if role_before and _RECORD_LABEL.fullmatch(role_before.group(0).strip(" :\t")):
                role_before = None  # 'Ansvarig: Kim' labels a record's owner, it is no title
            if role_after or role_before:
                found += [(name, role.group(1)) for role in (role_after, role_before) if role]
                break
    lines = [line for line in text.splitlines() if line.strip()]
    for line, after in zip(lines, lines[1:], strict=False):
        name_line, role_line = _NAME_LINE.fullmatch(line), _ROLE_LINE.fullmatch(after)
        if name_line and role_line:
            found.append((name_line.group(1), role_line.group(1)))
    for written_name, written in found:
        name = " ".join(written_name.split())  # a name wrapped over a line's end
        if not is_plausible_name(name) or "\t" in written_name:
            continue
        role = written_role(written)
        person = people.get(name)
        if person is None:
            people[name] = Person(name=name, role=role)
        elif not person.role or not any(
            part == role or part.endswith(f" {role}") for part in role_parts(person.role)
        ):
            # 'vice ordförande' holds no 'ordförande' of its own: its head noun is another person's title
            people[name] = Person(
                person.name, person.initials, f"{person.role}, {role}" if person.role else role
            )
