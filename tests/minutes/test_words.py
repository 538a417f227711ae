"""Word classes from a morphology, taken as data: the words asked about, and the extractor's use of the answers."""

from __future__ import annotations

from datetime import date

import pytest

from minutes.extract import extract
from minutes.read_text import read_text
from minutes.words import WordClass, WordClasses, candidate_words

NOTES = "Veckomöte\nNärv: Ulla, Kim, Reza\n\n- Sjuk: Kim åter ons\n- Reza ringer runt imorgon\n- Beställa fler headset\n"


def test_only_the_opening_words_of_lines_and_clauses_are_asked() -> None:
    words = candidate_words(
        read_text(b"Kim bokar salen till fredag, Reza ringer runt och kollar ett tag till med alla.")
    )
    assert {"kim", "bokar", "salen", "reza", "ringer"} <= words
    assert "alla" not in words  # beyond the opening words of its clause


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        # No morphology: the shape rules read 'åter' as a verb in the present.
        (None, ["Sjuk: Kim åter ons", "Reza ringer runt imorgon", "Beställa fler headset"]),
        # The morphology knows 'åter' is an adverb, 'ringer' a verb, 'beställa' an infinitive.
        (
            {
                "åter": {WordClass.ADVERB},
                "ringer": {WordClass.PRESENT},
                "beställa": {WordClass.INFINITIVE, WordClass.IMPERATIVE},
            },
            ["Reza ringer runt imorgon", "Beställa fler headset"],
        ),
        # What it does not know ('ringer' missing) the shape rule decides.
        ({"åter": {WordClass.ADVERB}}, ["Reza ringer runt imorgon", "Beställa fler headset"]),
    ],
)
def test_the_extractor_takes_a_morphologys_answers_and_falls_back_to_shapes(
    readings: dict[str, set[WordClass]] | None, expected: list[str]
) -> None:
    words = None if readings is None else WordClasses({w: frozenset(c) for w, c in readings.items()})
    result = extract(read_text(NOTES.encode()), reference_date=date(2025, 3, 3), word_classes=words)
    assert [item.text for item in result.items] == expected
