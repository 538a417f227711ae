"""Who a sentence says will act: the document's names tokenised once (ActorGrammar), the actor patterns of
Swedish minutes (subject and verb, assignments, passives with an agent), decisions apart. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from minutes.model import Person
from minutes.patterns import (
    ACTOR_VERBS,
    ALL_WORDS,
    ENGLISH_COMMITMENT,
    NOT_INFINITIVES,
    PARTY_WORDS,
    ROLE_MODIFIERS,
    ROLE_NOUNS,
    ROLE_SUFFIX,
)
from minutes.people import ALL, LOWER, SPLIT, UPPER, Roster, normalise_owner, normalise_role, role_parts
from minutes.text import squash

# --- actors named in a sentence ------------------------------------------------------------------


# Names in a sentence are swapped for one private-use character each before the actor patterns run,
# so those patterns are the same for every document and compile once per process: with each
# document's names inside them they took 25-55 ms to compile per document, more than the rest of
# the extraction. Plane 15 is private use and never appears in minutes; any such character is
# neutralised first all the same.
_NAME_TOKEN_BASE = 0xF0000
_NAME_TOKEN = "[\U000f0000-\U000ffffd]"
_FOREIGN_TOKENS = re.compile(_NAME_TOKEN)


# Sentence openings that are adverbials or pronouns, never a unit that acts.
_NOT_SUBJECT_START = (
    r"(?:Det|Detta|Den|Denna|De|Dessa|Man|Vi|Vidare|Därefter|Sedan|Dessutom|Även|Också|Nu|Här|Då|Om|När"
    r"|Efter|Innan|Under|Inför|Framöver|Förhoppningsvis|Samtidigt|Totalt|Beslut|Arbetet|Resultatet)"
)


@dataclass(frozen=True, slots=True)
class _ActorRule:
    """A pattern that finds who acts, and a piece of text it cannot match without (looked for first: a scan
    of every sentence by every pattern is most of the extractor's time)."""

    pattern: re.Pattern[str]
    needs: str | None = None


def _actor_patterns() -> tuple[_ActorRule, ...]:
    # Initials and capitalised words must keep their case even inside the case-insensitive patterns.
    initials = rf"(?-i:(?<![\w-])[{UPPER}]{{2,3}}(?![\w-]))"
    modifier = rf"(?:{ROLE_MODIFIERS}|(?-i:[{UPPER}][{LOWER}]+(?:iv|ig|isk|ell|ör)))"
    role = rf"(?:{modifier}\s+)?(?:[\w]+-\s+och\s+)?{ROLE_NOUNS}"
    abbreviated = r"(?:v\.?\s*ordf|vordf|ordf|sekr)\.?"  # 'Ordf ringer …', 'Sekr meddelar …'
    everyone = r"(?:alla|samtliga|var och en|vi)"
    one = rf"(?:{_NAME_TOKEN}|{initials}|{role}|{abbreviated}|{PARTY_WORDS}|{everyone})(?![\w-])"
    # A first name the list does not give, beside one it does: 'Jenny och Michael fixar …'.
    unknown = rf"(?-i:(?=[{UPPER}])(?!{_NOT_SUBJECT_START}\b)[{UPPER}][{LOWER}]{{2,}})(?![\w-])"
    joined = r"\s+(?:och|&|o)\s+"
    agent = (  # 'A, B och C', 'A/B', 'A o B'; one of a pair may be unknown
        rf"(?P<agent>(?:{one}|{unknown}(?={joined}{one}))(?:\s*[,/]\s*{one})*(?:{joined}(?:{one}|{unknown}))?)"
    )
    person = rf"(?:{_NAME_TOKEN}|{initials})(?![\w-])"
    people = rf"(?P<agent>{person}(?:\s*[,/]\s*{person})*(?:\s+(?:och|&|o)\s+{person})?)"
    return (
        _ActorRule(
            re.compile(
                rf"(?:^|[.;:!?–]\s+|,\s+(?:och\s+|men\s+)?|\b(?:och|att|men)\s+){agent}\s+"
                rf"(?:även\s+|också\s+|sedan\s+|nu\s+)?{ACTOR_VERBS}\b",
                re.IGNORECASE,
            )
        ),
        _ActorRule(
            re.compile(rf"\b(?:ge|ger|gav|uppdras åt|uppdrar åt)\s+{agent}\s+(?:i\s+)?uppdrag", re.I),
            needs="uppdrag",
        ),
        # '(beslutar) att uppdra åt X att …', the protocol's form of an assignment
        _ActorRule(
            re.compile(rf"\b(?:uppdra|uppdrar|uppdras|uppdrog|uppdrogs)\s+åt\s+{agent}\s+att\b", re.I),
            needs="åt ",
        ),
        # Any verb in the present tense after the agent that opens the sentence, or the clause after a topic
        # ('Kassören anmäler …', 'Medlemsvärvning: alla delar ut flygblad …').
        _ActorRule(
            re.compile(
                rf"(?:^|(?<!beslut)(?<!decision)[:;–]\s+){agent}\s+(?:även\s+|också\s+|sedan\s+)?(?-i:[{LOWER}]{{2,}}(?:ar|er|ör|år|ir|yr))\b(?!\s+att\b)",
                re.IGNORECASE,
            )
        ),
        # People by name in notes written in English: 'Ola checks with the vendor', 'TW will send …'.
        _ActorRule(re.compile(rf"^{people}\s+{ENGLISH_COMMITMENT.pattern}")),
        # … or after people by name that open a clause after a comma ('Vi behöver fler, Jenny annonserar …').
        _ActorRule(
            re.compile(
                rf",\s+{people}\s+(?-i:[{LOWER}]{{2,}}(?:ar|er|ör|år|ir|yr))\b(?!\s+att\b)", re.IGNORECASE
            ),
            needs=",",
        ),
        # A short verb ('går', 'tar', 'gör', 'ser') after people by name: 'Linnea/Bosse går igenom listan' (after a
        # body it is a state: 'Verksamheten går enligt plan').
        _ActorRule(
            re.compile(
                rf"^{people}\s+(?-i:[{LOWER}](?:ar|er|ör|år))\b(?!\s+att\b)",
                re.IGNORECASE,
            )
        ),
        _ActorRule(
            re.compile(
                rf"\b(?:ska|skall|kommer|får|vill|fortsätter|tar|behöver|måste|bör)\s+{agent}"
                rf"\s+(?:att\s+|även\s+|också\s+|med\s+)?[{LOWER}]",
                re.IGNORECASE,
            )
        ),
        # A passive with its agent, a few words apart: 'Beslutet skickas ut till kommunerna av Kerstin'.
        _ActorRule(
            re.compile(
                rf"\b[{LOWER}]+(?:as|es|ts|ps|ks|ds|gs|ls|rs|ns|ms|vs)\s+(?:[\w.,/-]+\s+){{0,6}}?av\s+"
                # the agent may be a body no list names: 'Affischer trycks av Regionbiblioteket'
                rf"(?:{agent}|(?P<body>{unknown}))",
                re.IGNORECASE,
            ),
            needs=" av ",
        ),
        # V2 inversion after a fronted time: 'Vid nästa AU-möte diskuterar A, B och C programmet'.
        _ActorRule(
            re.compile(
                rf"^(?:vid|i|på|under|till|efter|inför|nästa|senare|sedan|därefter|imorgon)\b[^,.;]{{0,40}}?\s"
                rf"(?-i:[{LOWER}]{{2,}}(?:ar|er|ör|år))\s+{agent}",
                re.IGNORECASE,
            )
        ),
    )


# Tried in this order; the first that finds anyone decides.
_ACTOR_PATTERNS = _actor_patterns()

# Between the auxiliary and the verb only adverbs may stand ('kommer inom snar framtid utannonsera');
# a conjunction or another auxiliary means the verb belongs to another clause.
_NOT_ADVERBS = r"(?:och|men|eller|samt|att|ska|skall|kan|bör|måste|som|det|den|de)"

# A unit named at the start of the sentence and committed to an active verb:
# 'Barn, unga och familj kommer inom snar framtid utannonsera …'. Runs on the text as written.
_LEADING_NOUN_PHRASE = re.compile(
    rf"^(?P<agent>(?!{_NOT_SUBJECT_START}\b)[{UPPER}][{LOWER}-]+(?:(?:,\s*|\s+och\s+|\s+)[{LOWER}-]+){{0,3}})"
    rf"\s+(?:kommer(?:\s+att)?|ska|skall)\s+(?:(?!{_NOT_ADVERBS}\b)[{LOWER}]+(?<!s)\s+){{0,3}}?"
    rf"(?!{NOT_INFINITIVES}\b|{_NOT_ADVERBS}\b)[{LOWER}]+[^s\W]a\b"
)


# A body the vocabulary does not know, by its definite form, given the work: 'Valberedningen får i uppdrag att
# …', 'Festkommittén ansvarar för …'.
_BODY_GIVEN_WORK = re.compile(
    rf"^(?P<agent>(?!{_NOT_SUBJECT_START}\b)[{UPPER}][{LOWER}]{{3,}}(?:en|et|na|rna))\s+"
    r"(?:(?:får|fick|har fått|ges|gavs)\s+(?:i\s+)?uppdrag(?:et)?|ansvarar för|tar på sig|åtar sig)\b"
)


# A capitalised pair is taken for a name wherever it stands ('Ge Edit' at the start of 'Ge Edit i uppdrag …',
# 'Ekonomisk Uppföljning' in a heading), but the actor patterns may read its words otherwise. One with a word
# of the patterns' own grammar in it ('Ge', 'Men', 'Kommer') is never a name: it is not tokenised at all.
# One that starts with a word that may begin a role or a party ('Ekonomisk', 'Fackliga', 'Kjell') is a name
# first; where that finds nobody, the sentence is read again with it as plain words (what a pattern with the
# names inside did by backtracking).
_NEVER_A_NAME_WORD = re.compile(
    rf"(?:och|att|men|även|också|sedan|nu|ge|ger|gav|uppdras|uppdrar|vill|{ACTOR_VERBS})"
)
_MAYBE_NOT_A_NAME_START = re.compile(
    rf"(?:alla|samtliga|var|vi|{ROLE_MODIFIERS}|{PARTY_WORDS}|[\w-]*{ROLE_SUFFIX}|[{LOWER}]+(?:iv|ig|isk|ell|ör))"
)
_MAX_NAME_FORMS = 0xFFFFD - _NAME_TOKEN_BASE + 1  # one token character each


@dataclass(frozen=True, slots=True)
class ActorGrammar:
    """The names one document uses, found as whole words, longest first; built once per document."""

    names: re.Pattern[str] | None
    sure_names: re.Pattern[str] | None  # the names without those whose first word may be read otherwise
    forms: tuple[str, ...]
    index: Mapping[str, int] = field(init=False, compare=False, hash=False)  # form → its token

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {form: i for i, form in enumerate(self.forms)})

    def readings(self, text: str) -> tuple[str, ...]:
        """The text with each name replaced by its token character; then, if it differs, with only the sure
        names replaced."""
        text = _FOREIGN_TOKENS.sub("\ufffd", text)
        if self.names is None:
            return (text,)
        every = self.names.sub(self._token, text)
        if self.sure_names is self.names:
            return (every,)
        sure = self.sure_names.sub(self._token, text) if self.sure_names is not None else text
        return (every,) if sure == every else (every, sure)

    def restore(self, text: str) -> str:
        """The names back in place of their tokens."""
        return _FOREIGN_TOKENS.sub(lambda m: self.forms[ord(m.group(0)) - _NAME_TOKEN_BASE], text)

    def _token(self, match: re.Match[str]) -> str:
        return chr(_NAME_TOKEN_BASE + self.index[match.group(0)])


def actor_grammar(roster: Roster) -> ActorGrammar:
    def usable(forms: Iterable[str]) -> list[str]:
        return [
            form
            # Ties in length in a fixed order: which names keep a token never depends on hash order.
            for form in sorted(set(forms), key=lambda f: (-len(f), f))
            if not any(_NEVER_A_NAME_WORD.fullmatch(word.casefold()) for word in form.split())
        ]

    # Beyond the token characters' range (a document naming tens of thousands) the attendees keep theirs
    # and the shortest of the other names are plain words.
    attendees = usable(
        [n for p in roster.people for n in _name_forms(p.name)]
        + [t for p in roster.people for t in _title_forms(p)]
    )
    known = set(attendees)
    others = [form for form in usable(_other_forms(roster)) if form not in known]
    kept = (attendees + others)[:_MAX_NAME_FORMS]
    # Longest first, so that at one place the longest name wins.
    forms = tuple(sorted(kept, key=len, reverse=True))
    if not forms:
        return ActorGrammar(names=None, sure_names=None, forms=())
    sure = [form for form in forms if not _MAYBE_NOT_A_NAME_START.fullmatch(form.split()[0].casefold())]
    every_pattern = _whole_words(forms)
    sure_pattern = every_pattern if len(sure) == len(forms) else _whole_words(sure) if sure else None
    return ActorGrammar(names=every_pattern, sure_names=sure_pattern, forms=forms)


def _title_forms(person: Person) -> list[str]:
    """A one-word title the attendance list gives ('skattmästare', 'körledare'), as the text writes it about
    the person: indefinite or definite, capitalised at a sentence's start ('Skattmästaren redogjorde …')."""
    forms: list[str] = []
    for part in role_parts(person.role or ""):
        if " " in part or "-" in part or len(part) < 5 or not part.isalpha() or not part.islower():
            continue
        definite = part + ("n" if part.endswith(("e", "a")) else "en")
        forms += [part, definite, part.capitalize(), definite.capitalize()]
    return forms


def _whole_words(forms: Iterable[str]) -> re.Pattern[str]:
    # Case-sensitive, and whole words only: the actor patterns never let a name touch a letter or '-'.
    return re.compile(rf"(?<![\w-])(?:{'|'.join(re.escape(form) for form in forms)})(?![\w-])")


def _name_forms(name: str) -> list[str]:
    words = name.split()
    forms = [name, words[0]]
    if len(words) > 1:
        forms.append(f"{words[0]} {words[1][0]}")
    return forms


def _other_forms(roster: Roster) -> Iterable[str]:
    for name in roster.other_names:
        yield name
        yield name.split()[0]


_PRONOUN_SUBJECTS = re.compile(r"^(?:det|detta|den|denna|de|dessa|man|som|han|hon|ni|du|jag)$", re.I)


_DECIDER = re.compile(
    r"^\s*(?:[\w-]+\s+){1,3}?(?:beslutar|beslöt|beslutade|ställer sig bakom|fastställer)\s+(?:att\s+)?",
    re.IGNORECASE,
)


_INITIALS_AFTER_NAME = re.compile(rf"(?<=[{LOWER}])\s*\((?-i:[{UPPER}][{UPPER}{LOWER}]?[{UPPER}]{{1,2}})\)")


def find_actors(sentence: str, roster: Roster, grammar: ActorGrammar) -> tuple[str, ...]:
    """Who the sentence says will act, as owners; empty when it names nobody."""
    # 'Eva Lind (EL) återkommer …': initials after a name stand between the name and its verb.
    flat = _INITIALS_AFTER_NAME.sub("", squash(sentence))
    found: list[str] = []
    # A comparison or condition ('… än att arbetsgivaren skickar ut …') commits nobody.
    flat = re.split(r"\b(?:än att|ifall|såvida)\b", flat, maxsplit=1)[0]
    # Who decides is not who acts: 'Rådet beslutar att mötestiderna läggs på måndagar' names no owner, and
    # 'Styrelsen beslutar att kassören betalar' names the kassör.
    decided = _DECIDER.match(flat)
    if decided:
        flat = flat[decided.end() :]
    readings = grammar.readings(flat)
    folded = [reading.casefold() for reading in readings]
    for rule in _ACTOR_PATTERNS:
        for reading, casefolded in zip(readings, folded, strict=True):
            if rule.needs is not None and rule.needs not in casefolded:
                continue
            for match in rule.pattern.finditer(reading):
                if match.groupdict().get("body"):
                    body = normalise_role(match.group("body"))
                    if body not in found:
                        found.append(body)
                    continue
                for owner in _agent_owners(grammar.restore(match.group("agent")), roster):
                    if owner not in found:
                        found.append(owner)
            # A named owner beats 'vi' and 'alla' in the same sentence (GOLD_FORMAT, informal notes), found by
            # any pattern: 'Vi behöver fler instruktörer, Jenny annonserar på hemsidan'.
            named = [owner for owner in found if owner != ALL]
            if named:
                return tuple(named)
    if found:
        return tuple(found)
    leading = _LEADING_NOUN_PHRASE.match(flat) or _BODY_GIVEN_WORK.match(flat)
    if leading and not decided and not _PRONOUN_SUBJECTS.match(leading.group("agent")):
        agent = leading.group("agent")
        return (roster.resolve_role(agent) or normalise_role(agent),)
    return ()


def _agent_owners(agent: str, roster: Roster) -> list[str]:
    if _PRONOUN_SUBJECTS.match(agent.strip()):
        return []
    if re.fullmatch(r"vi", agent.strip(), re.IGNORECASE) or ALL_WORDS.match(agent.strip()):
        return [ALL]
    if re.match(r"(?:alla|samtliga)\s+\w", agent.strip(), re.IGNORECASE):
        return [normalise_role(agent)]
    # A coordinated role such as 'arbetsgivaren och fackliga representanter' splits into its parties.
    owners: list[str] = []
    for part in SPLIT.split(agent):
        if not part:
            continue
        owner = normalise_owner(part, roster)
        if owner and owner not in owners:
            owners.append(owner)
    return owners
