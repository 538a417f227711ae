"""Chat commands: the vocabulary (Swedish first, English aliases) and a pure parse_command(text). No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class MyItems:
    pass


@dataclass(frozen=True, slots=True)
class OpenItems:
    person: str | None = None


@dataclass(frozen=True, slots=True)
class MarkDone:
    item: int


@dataclass(frozen=True, slots=True)
class Undo:
    item: int


@dataclass(frozen=True, slots=True)
class Move:
    item: int
    when: str  # as typed: '2025-04-30', '30/4', 'v. 18', 'nästa vecka'; resolved by the workflow


@dataclass(frozen=True, slots=True)
class Decisions:
    search: str | None = None


@dataclass(frozen=True, slots=True)
class MeetingItems:
    when: str | None = None  # a meeting date as typed; None: the latest meeting


@dataclass(frozen=True, slots=True)
class FollowUps:
    pass


@dataclass(frozen=True, slots=True)
class IngestNow:
    link: str


@dataclass(frozen=True, slots=True)
class DigestNow:
    pass


@dataclass(frozen=True, slots=True)
class Follow:
    group: str | None  # as typed, in upper case; None when no group was named (the workflow asks for one)


@dataclass(frozen=True, slots=True)
class Unfollow:
    group: str | None


Command = (
    Help
    | MyItems
    | OpenItems
    | MarkDone
    | Undo
    | Move
    | Decisions
    | MeetingItems
    | FollowUps
    | IngestNow
    | DigestNow
    | Follow
    | Unfollow
)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command as users see it: the Swedish name, English aliases, usage and a Swedish description."""

    name: str
    aliases: tuple[str, ...]
    usage: str
    description: str
    in_menu: bool = True  # listed in the Teams command menu (at most 12 there); every command is in the help


# The vocabulary, in the order the help card and the Teams manifest list it.
COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("hjälp", ("help", "?"), "hjälp", "Visa vad boten kan"),
    CommandSpec("mina", ("mine", "my"), "mina", "Dina öppna punkter"),
    CommandSpec("öppna", ("open",), "öppna [PERSON]", "Öppna punkter, för alla eller en person"),
    CommandSpec("klar", ("done",), "klar N", "Markera punkt N som klar"),
    CommandSpec("ångra", ("undo",), "ångra N", "Öppna punkt N igen"),
    CommandSpec("flytta", ("move",), "flytta N DATUM", "Nytt datum för punkt N"),
    CommandSpec("beslut", ("decisions",), "beslut [SÖKORD]", "Sök i beslutsregistret"),
    CommandSpec("möte", ("meeting",), "möte [DATUM]", "Ett mötes punkter (senaste mötet om inget datum)"),
    CommandSpec("uppföljning", ("followup", "follow-up"), "uppföljning", "Det som återkommer på nästa möte"),
    CommandSpec("läs in", ("ingest",), "läs in LÄNK", "Läs in ett protokoll nu (sekreteraren)"),
    CommandSpec("sammanfattning", ("digest", "summary"), "sammanfattning", "Veckans sammanfattning nu"),
    # Said once per channel, by the group's secretary or an administrator: the greeting tells how.
    CommandSpec("följ", ("follow",), "följ GRUPP", "Låt kanalen följa gruppen (sekreteraren)", in_menu=False),
    CommandSpec(
        "sluta följa", ("unfollow",), "sluta följa GRUPP", "Kanalen slutar följa gruppen", in_menu=False
    ),
)
# The commands of the Teams command menu (bot/package.py), in the order of COMMANDS.
MENU_COMMANDS: tuple[CommandSpec, ...] = tuple(spec for spec in COMMANDS if spec.in_menu)

# An item number in any script's decimal digits ('12', '١٢', '１２'), of any length: a number no item has gets
# the polite 'finns inte' from the workflow. Past MAX_DIGITS it is no command at all (int() refuses ~4,300).
_NUMBER = r"#?(\d+)"
MAX_DIGITS = 1000


def _spoken(spec: CommandSpec) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in (spec.name, *spec.aliases))


_PATTERNS: tuple[tuple[re.Pattern[str], type[Command]], ...] = tuple(
    (re.compile(rf"^(?:{_spoken(spec)})(?:\s+(?P<rest>.*))?$", re.IGNORECASE | re.DOTALL), kind)
    for spec, kind in zip(
        COMMANDS,
        (
            Help,
            MyItems,
            OpenItems,
            MarkDone,
            Undo,
            Move,
            Decisions,
            MeetingItems,
            FollowUps,
            IngestNow,
            DigestNow,
            Follow,
            Unfollow,
        ),
        strict=True,
    )
)


def parse_command(text: str) -> Command | None:
    """The command a message asks for, or None when it is no command (the caller shows help).

    The text is what remains after the bot's own @mention is removed; case and extra spaces are ignored."""
    cleaned = " ".join(text.replace("\u00a0", " ").split()).strip(" .!")
    for pattern, kind in _PATTERNS:
        match = pattern.match(cleaned)
        if match is None:
            continue
        rest = (match.group("rest") or "").strip()
        return _build(kind, rest)
    return None


def _build(kind: type[Command], rest: str) -> Command | None:
    if kind in (Help, MyItems, FollowUps, DigestNow):
        return kind() if not rest else None
    if kind is OpenItems:
        return OpenItems(rest or None)
    if kind is Decisions:
        return Decisions(rest or None)
    if kind is MeetingItems:
        return MeetingItems(rest or None)
    if kind is IngestNow:
        return IngestNow(rest) if rest else None
    if kind in (Follow, Unfollow):
        return kind(rest.upper() or None)
    if kind in (MarkDone, Undo):
        number = re.fullmatch(_NUMBER, rest)
        return kind(int(number.group(1))) if number and len(number.group(1)) <= MAX_DIGITS else None
    moved = re.fullmatch(rf"{_NUMBER}\s+(.+)", rest)
    if moved is None or len(moved.group(1)) > MAX_DIGITS:
        return None
    return Move(int(moved.group(1)), moved.group(2))
