"""Chat commands, each declared once (words, help, argument grammar, handler); parse_command(text) is pure."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cards.messages import help_card, notice_card
from minutes.records import ConvRef
from workflows.chat import IncomingMessage, OutboundMessage, Person, Reply
from workflows.following import scope_of
from workflows.item_actions import SECRETARY_ROLE, ActionOutcome

if TYPE_CHECKING:
    from bot.handlers import Handlers

# Teams manifest v1.29 shows at most this many commands in one command list; the help card lists them all.
MANIFEST_LIST_LIMIT = 12


# ---- what a command says: one frozen value per command, its fields the arguments ---------------------------


class Command:
    """A parsed chat command (the base of the values below)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Help(Command):
    pass


@dataclass(frozen=True, slots=True)
class MyItems(Command):
    pass


@dataclass(frozen=True, slots=True)
class OpenItems(Command):
    person: str | None = None


@dataclass(frozen=True, slots=True)
class MarkDone(Command):
    item: int


@dataclass(frozen=True, slots=True)
class Undo(Command):
    item: int


@dataclass(frozen=True, slots=True)
class Move(Command):
    item: int
    when: str  # as typed: '2025-04-30', '30/4', 'v. 18', 'nästa vecka'; resolved by the workflow


@dataclass(frozen=True, slots=True)
class Archive(Command):
    item: int


@dataclass(frozen=True, slots=True)
class Restore(Command):
    item: int


@dataclass(frozen=True, slots=True)
class ArchivedItems(Command):
    pass


@dataclass(frozen=True, slots=True)
class Decisions(Command):
    search: str | None = None


@dataclass(frozen=True, slots=True)
class MeetingItems(Command):
    when: str | None = None  # a meeting date as typed; None: the latest meeting


@dataclass(frozen=True, slots=True)
class FollowUps(Command):
    pass


@dataclass(frozen=True, slots=True)
class IngestNow(Command):
    link: str


@dataclass(frozen=True, slots=True)
class DigestNow(Command):
    pass


@dataclass(frozen=True, slots=True)
class Follow(Command):
    group: str | None  # as typed, in upper case; None when no group was named (the workflow asks for one)


@dataclass(frozen=True, slots=True)
class Unfollow(Command):
    group: str | None


@dataclass(frozen=True, slots=True)
class FollowThroughReport(Command):
    group: str | None = None  # as typed; None: the conversation's one group, or the user is asked which
    year: int | None = None  # None: this year so far


# ---- argument grammars: the text after the command's word → the command, or None -------------------------

C = TypeVar("C", bound=Command)
Grammar = Callable[[str], C | None]

# An item number in any script's decimal digits ('12', '١٢', '１２'), of any length: a number no item has gets
# the polite 'finns inte' from the workflow. Past MAX_DIGITS it is no command at all (int() refuses ~4,300).
_NUMBER = r"#?(\d+)"
MAX_DIGITS = 1000


def no_argument(kind: Callable[[], C]) -> Grammar[C]:
    return lambda rest: None if rest else kind()


def optional_text(kind: Callable[[str | None], C]) -> Grammar[C]:
    return lambda rest: kind(rest or None)


def required_text(kind: Callable[[str], C]) -> Grammar[C]:
    return lambda rest: kind(rest) if rest else None


def group_name(kind: Callable[[str | None], C]) -> Grammar[C]:
    return lambda rest: kind(rest.upper() or None)


def item_number(kind: Callable[[int], C]) -> Grammar[C]:
    def parse(rest: str) -> C | None:
        number = re.fullmatch(_NUMBER, rest)
        return kind(int(number.group(1))) if number and len(number.group(1)) <= MAX_DIGITS else None

    return parse


def item_and_text(kind: Callable[[int, str], C]) -> Grammar[C]:
    def parse(rest: str) -> C | None:
        found = re.fullmatch(rf"{_NUMBER}\s+(.+)", rest)
        if found is None or len(found.group(1)) > MAX_DIGITS:
            return None
        return kind(int(found.group(1)), found.group(2))

    return parse


_YEAR = re.compile(r"\d{4}")
_GROUP_WORD = re.compile(r"[^\W\d_][\w/-]{0,39}")


def group_and_year(rest: str) -> FollowThroughReport | None:
    """'', '2024', 'FLG', 'FLG 2024' or '2024 FLG'; anything else is no such command."""
    group: str | None = None
    year: int | None = None
    for word in rest.split():
        if _YEAR.fullmatch(word) and year is None:
            year = int(word)
        elif _GROUP_WORD.fullmatch(word) and group is None:
            group = word.upper()
        else:
            return None
    return FollowThroughReport(group, year)


# ---- the declaration ---------------------------------------------------------------------------------------

Handler = Callable[["Handlers", C, IncomingMessage], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class CommandSpec(Generic[C]):
    """One command: the words that say it (the first Swedish one is its name, the first English one its title
    in the English Teams menu), its help in both languages, its grammar and its handler. mypy checks that the
    grammar makes what the handler takes."""

    kind: type[C]
    swedish: tuple[str, ...]
    english: tuple[str, ...]
    usage: str  # as the help card shows it: the name and its arguments
    help_sv: str
    help_en: str
    grammar: Grammar[C]
    handler: Handler[C]
    listed: bool = True  # in the Teams command menu (at most MANIFEST_LIST_LIMIT there); every one is in help

    @property
    def name(self) -> str:
        return self.swedish[0]

    @property
    def words(self) -> tuple[str, ...]:
        return (*self.swedish, *self.english)


# ---- handlers: translate, call one use case, reply ---------------------------------------------------------


def _card(card: dict[str, Any]) -> Reply:
    return Reply(messages=(OutboundMessage(card=card),))


def _outcome_reply(outcome: ActionOutcome) -> Reply:
    """One message: the changed item's card with a line on what happened; a refusal or an offer only its card,
    which says it (text and card together would say it twice)."""
    if outcome.item is None:
        return _card(outcome.card)
    return Reply(messages=(OutboundMessage(text=outcome.text, card=outcome.card),))


def help_reply(lead: tuple[str, ...] = ()) -> Reply:
    return _card(help_card([(spec.usage, spec.help_sv) for spec in COMMANDS], lead=lead))


async def _help(h: Handlers, command: Help, message: IncomingMessage) -> Reply:
    return help_reply()


async def _my_items(h: Handlers, command: MyItems, message: IncomingMessage) -> Reply:
    return _card(await h.queries.my_items(message.sender, message.conversation))


async def _open_items(h: Handlers, command: OpenItems, message: IncomingMessage) -> Reply:
    return _card(await h.queries.open_items(command.person, message.conversation, message.sender))


async def _mark_done(h: Handlers, command: MarkDone, message: IncomingMessage) -> Reply:
    return _outcome_reply(await h.actions.mark_done(command.item, message.sender, message.conversation))


async def _undo(h: Handlers, command: Undo, message: IncomingMessage) -> Reply:
    return _outcome_reply(await h.actions.undo(command.item, message.sender, message.conversation))


async def _move(h: Handlers, command: Move, message: IncomingMessage) -> Reply:
    outcome = await h.actions.move(command.item, command.when, message.sender, message.conversation)
    return _outcome_reply(outcome)


async def _archive(h: Handlers, command: Archive, message: IncomingMessage) -> Reply:
    return _outcome_reply(await h.actions.archive(command.item, message.sender, message.conversation))


async def _restore(h: Handlers, command: Restore, message: IncomingMessage) -> Reply:
    return _outcome_reply(await h.actions.restore(command.item, message.sender, message.conversation))


async def _archived(h: Handlers, command: ArchivedItems, message: IncomingMessage) -> Reply:
    return _card(await h.queries.archived(message.conversation, message.sender))


async def _decisions(h: Handlers, command: Decisions, message: IncomingMessage) -> Reply:
    return _card(await h.queries.decisions(command.search, message.conversation, message.sender))


async def _meeting(h: Handlers, command: MeetingItems, message: IncomingMessage) -> Reply:
    return _card(await h.queries.meeting(command.when, message.conversation, message.sender))


async def _follow_ups(h: Handlers, command: FollowUps, message: IncomingMessage) -> Reply:
    return _card(await h.queries.follow_ups(message.conversation, message.sender))


async def _ingest(h: Handlers, command: IngestNow, message: IncomingMessage) -> Reply:
    if not await _is_secretary(h, message.sender, message.conversation):
        return _card(notice_card("Läs in", "Bara gruppens sekreterare kan läsa in ett protokoll på begäran."))
    return _card(notice_card("Läs in", await h.ingest_now(command.link)))


async def _digest(h: Handlers, command: DigestNow, message: IncomingMessage) -> Reply:
    cards = await h.queries.this_week(message.conversation, message.sender)
    return Reply(messages=tuple(OutboundMessage(card=card) for card in cards))


async def _report(h: Handlers, command: FollowThroughReport, message: IncomingMessage) -> Reply:
    return _card(
        await h.queries.follow_through(command.group, command.year, message.conversation, message.sender)
    )


async def _follow(h: Handlers, command: Follow, message: IncomingMessage) -> Reply:
    """Follow a group, and show its latest meeting there at once, so a new channel is not empty."""
    outcome = await h.following.follow(command.group, message.sender, message.conversation)
    messages = [OutboundMessage(text=outcome.text)]
    if outcome.group is not None:
        document = await h.store.latest_document(outcome.group)
        if document is not None:
            messages.append(OutboundMessage(card=await h.queries.meeting_card(document)))
    return Reply(messages=tuple(messages))


async def _unfollow(h: Handlers, command: Unfollow, message: IncomingMessage) -> Reply:
    outcome = await h.following.unfollow(command.group, message.sender, message.conversation)
    return Reply(messages=(OutboundMessage(text=outcome.text),))


async def _is_secretary(h: Handlers, person: Person, where: ConvRef) -> bool:
    """The person is the secretary of a group this conversation may see (one it follows; in a personal chat
    one of the person's groups)."""
    for group in sorted(await scope_of(h.store, person, where)):
        for entry in await h.store.roster(group):
            if (
                entry.aad_object_id
                and entry.aad_object_id == person.aad_object_id
                and SECRETARY_ROLE in entry.roles
            ):
                return True
    return False


# ---- the table: the order of the help card and of the Teams menu -------------------------------------------

# Not annotated: each entry is inferred on its own, so mypy checks its grammar against its handler (under a
# `tuple[CommandSpec[Any], ...]` annotation it would check nothing).
COMMANDS = (
    CommandSpec(
        Help, ("hjälp", "?"), ("help",), "hjälp",
        "Visa vad boten kan", "Show what the bot can do",
        no_argument(Help), _help,
    ),
    CommandSpec(
        MyItems, ("mina",), ("mine", "my"), "mina",
        "Dina öppna punkter", "Your open items",
        no_argument(MyItems), _my_items,
    ),
    CommandSpec(
        OpenItems, ("öppna",), ("open",), "öppna [PERSON]",
        "Öppna punkter, för alla eller en person", "Open items, for everyone or for one person",
        optional_text(OpenItems), _open_items,
    ),
    CommandSpec(
        MarkDone, ("klar",), ("done",), "klar N",
        "Markera punkt N som klar", "Mark item N as done",
        item_number(MarkDone), _mark_done,
    ),
    CommandSpec(
        Undo, ("ångra",), ("undo",), "ångra N",
        "Öppna punkt N igen", "Reopen item N",
        item_number(Undo), _undo,
    ),
    CommandSpec(
        Move, ("flytta",), ("move",), "flytta N DATUM",
        "Nytt datum för punkt N", "New date for item N",
        item_and_text(Move), _move,
    ),
    CommandSpec(
        Decisions, ("beslut",), ("decisions",), "beslut [SÖKORD]",
        "Sök i beslutsregistret", "Search the decision register",
        optional_text(Decisions), _decisions,
    ),
    CommandSpec(
        MeetingItems, ("möte",), ("meeting",), "möte [DATUM]",
        "Ett mötes punkter (senaste mötet om inget datum)",
        "A meeting's items (the latest meeting if no date is given)",
        optional_text(MeetingItems), _meeting,
    ),
    CommandSpec(
        FollowUps, ("uppföljning",), ("followup", "follow-up"), "uppföljning",
        "Det som återkommer på nästa möte", "What comes back at the next meeting",
        no_argument(FollowUps), _follow_ups,
    ),
    CommandSpec(
        IngestNow, ("läs in",), ("ingest",), "läs in LÄNK",
        "Läs in ett protokoll nu (sekreteraren)", "Read in minutes now (the secretary)",
        required_text(IngestNow), _ingest,
    ),
    CommandSpec(
        DigestNow, ("sammanfattning",), ("digest", "summary"), "sammanfattning",
        "Veckans sammanfattning nu", "This week's digest now",
        no_argument(DigestNow), _digest,
    ),
    CommandSpec(
        FollowThroughReport, ("rapport",), ("report",), "rapport [GRUPP] [ÅR]",
        "Hur gruppen följer upp under året: klart, i tid, försenat",
        "How well the group follows through this year: done, on time, late",
        group_and_year, _report,
    ),
    # The group's secretary puts long-past items aside and brings them back; anyone may list them.
    CommandSpec(
        Archive, ("arkivera",), ("archive",), "arkivera N",
        "Arkivera punkt N (sekreteraren)", "Archive item N (the secretary)",
        item_number(Archive), _archive, listed=False,
    ),
    CommandSpec(
        Restore, ("återställ",), ("restore", "unarchive"), "återställ N",
        "Ta tillbaka en arkiverad punkt (sekreteraren)", "Bring an archived item back (the secretary)",
        item_number(Restore), _restore, listed=False,
    ),
    CommandSpec(
        ArchivedItems, ("arkiverade",), ("archived",), "arkiverade",
        "De arkiverade punkterna", "The archived items",
        no_argument(ArchivedItems), _archived, listed=False,
    ),
    # Said once per channel, by the group's secretary or an administrator: the greeting tells how.
    CommandSpec(
        Follow, ("följ",), ("follow",), "följ GRUPP",
        "Låt kanalen följa gruppen (sekreteraren)", "Make the channel follow the group (the secretary)",
        group_name(Follow), _follow, listed=False,
    ),
    CommandSpec(
        Unfollow, ("sluta följa",), ("unfollow",), "sluta följa GRUPP",
        "Kanalen slutar följa gruppen", "The channel stops following the group",
        group_name(Unfollow), _unfollow, listed=False,
    ),
)  # fmt: skip
# The commands of the Teams command menu (bot/package.py), in the order of COMMANDS.
LISTED_COMMANDS: tuple[CommandSpec[Any], ...] = tuple(spec for spec in COMMANDS if spec.listed)


# ---- parsing and dispatch ----------------------------------------------------------------------------------


def _spoken(spec: CommandSpec[Any]) -> str:
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in spec.words)


_PATTERNS: tuple[tuple[re.Pattern[str], CommandSpec[Any]], ...] = tuple(
    (re.compile(rf"^(?:{_spoken(spec)})(?:\s+(?P<rest>.*))?$", re.IGNORECASE | re.DOTALL), spec)
    for spec in COMMANDS
)


@dataclass(frozen=True, slots=True)
class Invocation(Generic[C]):
    """A parsed command with its declaration, so that it runs its own handler (no lookup by type)."""

    spec: CommandSpec[C]
    command: C

    async def run(self, handlers: Handlers, message: IncomingMessage) -> Reply:
        return await self.spec.handler(handlers, self.command, message)


def tidy_text(text: str) -> str:
    """A message's words as a command reads them: spaces folded, end punctuation dropped."""
    return " ".join(text.replace("\u00a0", " ").split()).strip(" .!")


def invocation(text: str) -> Invocation[Any] | None:
    """The command a message asks for with its declaration, or None when it is no command."""
    cleaned = tidy_text(text)
    for pattern, spec in _PATTERNS:
        match = pattern.match(cleaned)
        if match is None:
            continue
        command = spec.grammar((match.group("rest") or "").strip())
        return Invocation(spec, command) if command is not None else None
    return None


def parse_command(text: str) -> Command | None:
    """The command a message asks for, or None when it is no command (the caller shows help).

    The text is what remains after the bot's own @mention is removed; case and extra spaces are ignored."""
    found = invocation(text)
    return found.command if found is not None else None
