"""parse_command: the Swedish vocabulary and its English aliases, table-driven."""

from __future__ import annotations

import pytest

from bot.commands import (
    COMMANDS,
    Decisions,
    DigestNow,
    Follow,
    FollowThroughReport,
    FollowUps,
    Help,
    IngestNow,
    MarkDone,
    MeetingItems,
    Move,
    MyItems,
    OpenItems,
    Undo,
    Unfollow,
    parse_command,
)
from bot.not_understood import closest_command, not_understood


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hjälp", Help()),
        ("help", Help()),
        ("?", Help()),
        ("mina", MyItems()),
        ("Mina", MyItems()),
        ("mine", MyItems()),
        ("öppna", OpenItems()),
        ("öppna RN", OpenItems("RN")),
        ("open Annika Andersson", OpenItems("Annika Andersson")),
        ("klar 12", MarkDone(12)),
        ("klar #12", MarkDone(12)),
        ("done 3", MarkDone(3)),
        ("ångra 4", Undo(4)),
        ("undo 4", Undo(4)),
        ("flytta 5 30/4", Move(5, "30/4")),
        ("flytta 5 nästa vecka", Move(5, "nästa vecka")),
        ("move 5 2025-04-30", Move(5, "2025-04-30")),
        ("beslut", Decisions()),
        ("beslut budget 2025", Decisions("budget 2025")),
        ("möte", MeetingItems()),
        ("möte 2024-08-26", MeetingItems("2024-08-26")),
        ("uppföljning", FollowUps()),
        ("followup", FollowUps()),
        (
            "läs in https://kommun.sharepoint.com/sites/FLG",
            IngestNow("https://kommun.sharepoint.com/sites/FLG"),
        ),
        ("läs  in  https://x", IngestNow("https://x")),
        ("sammanfattning", DigestNow()),
        ("digest", DigestNow()),
        ("  mina  ", MyItems()),
        ("mina.", MyItems()),
        ("rapport", FollowThroughReport()),
        ("rapport 2024", FollowThroughReport(year=2024)),
        ("rapport FLG 2024", FollowThroughReport("FLG", 2024)),
        ("rapport 2024 flg", FollowThroughReport("FLG", 2024)),
        ("report fsg/vsg", FollowThroughReport("FSG/VSG")),
    ],
)
def test_commands(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hej",
        "klar",
        "klar abc",
        "klar 1 2",
        "flytta 5",
        "rapport 2024 2025",
        "rapport FLG FSG",
        "rapport 24",
        "flytta x 30/4",
        "läs in",
        "mina saker",
        "hjälp mig",
    ],
)
def test_not_a_command(text: str) -> None:
    assert parse_command(text) is None


def test_every_command_and_alias_parses() -> None:
    for spec in COMMANDS:
        argument = {
            "klar": " 1",
            "ångra": " 1",
            "flytta": " 1 30/4",
            "läs in": " https://x",
            "arkivera": " 1",
            "återställ": " 1",
        }.get(spec.name, "")
        for word in spec.words:
            assert parse_command(word + argument) is not None, word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("följ FLG", Follow("FLG")),
        ("följ flg", Follow("FLG")),
        ("follow FSG", Follow("FSG")),
        ("sluta följa FLG", Unfollow("FLG")),
        ("sluta  följa fsg", Unfollow("FSG")),
        ("unfollow VSG", Unfollow("VSG")),
        ("följ", Follow(None)),
    ],
)
def test_follow_commands(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("kalr 12", ('Jag förstod inte "kalr 12".', 'Menade du "klar 12"? Markera punkt N som klar.')),
        ("klar abc", ('Jag förstod inte "klar abc".', 'Menade du "klar N"? Markera punkt N som klar.')),
        ("klar 1 2", ('Jag förstod inte "klar 1 2".', 'Menade du "klar N"? Markera punkt N som klar.')),
        ("flytta 5", ('Jag förstod inte "flytta 5".', 'Menade du "flytta N DATUM"? Nytt datum för punkt N.')),
        (
            "flyta 5 30/4",
            ('Jag förstod inte "flyta 5 30/4".', 'Menade du "flytta 5 30/4"? Nytt datum för punkt N.'),
        ),
        (
            "öppen EE",
            (
                'Jag förstod inte "öppen EE".',
                'Menade du "öppna EE"? Öppna punkter, för alla eller en person.',
            ),
        ),
        ("mina saker", ('Jag förstod inte "mina saker".', 'Menade du "mina"? Dina öppna punkter.')),
        (
            "Sammanfatning!",
            ('Jag förstod inte "Sammanfatning".', 'Menade du "sammanfattning"? Veckans sammanfattning nu.'),
        ),
        ("donne 3", ('Jag förstod inte "donne 3".', 'Menade du "klar 3"? Markera punkt N som klar.')),
        ("vad gör du?", ('Jag förstod inte "vad gör du?".',)),
        ("hej", ('Jag förstod inte "hej".',)),
        ("x" * 100, ('Jag förstod inte "' + "x" * 59 + '…".',)),
    ],
)
def test_text_that_is_no_command_is_quoted_with_the_closest_command(
    text: str, lines: tuple[str, ...]
) -> None:
    assert parse_command(text) is None
    assert not_understood(text) == lines


def test_the_closest_command_of_a_huge_text_is_found_quickly() -> None:
    suggestion = closest_command("kalr " + "1" * 200_000)
    assert suggestion is not None and suggestion.typed == "klar N"
    assert closest_command("") is None and closest_command("z" * 200_000) is None
