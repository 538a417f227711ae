"""Translations between records and rows, and the folding behind owner and decision search. Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from minutes.model import Relative
from minutes.records import AuditEntry, ItemStatus, RosterEntry
from store.rows import (
    audit_from_row,
    audit_values,
    changed_item_fields,
    document_differs,
    document_from_row,
    document_values,
    failed_document_values,
    item_content_values,
    item_from_row,
    item_search_text,
    like_pattern,
    owner_keys,
    roster_from_row,
    roster_values,
    search_needle,
)
from tests.store.builders import FLG_REF, FLG_V1, document


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("ÖVERSYN", "översyn"),
        ("  Åsa\n Öberg\t", "åsa öberg"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_search_needles_are_casefolded_with_whitespace_collapsed(text: str, needle: str) -> None:
    assert search_needle(text) == needle


def test_an_items_search_text_covers_topic_and_text() -> None:
    assert item_search_text("Översyn lokaler", "Emma\nåterkommer") == "översyn lokaler emma återkommer"


@pytest.mark.parametrize(
    ("needle", "pattern"),
    [("lokaler", "%lokaler%"), ("100%", "%100\\%%"), ("a_b", "%a\\_b%"), ("c:\\temp", "%c:\\\\temp%")],
)
def test_like_patterns_take_wildcards_literally(needle: str, pattern: str) -> None:
    assert like_pattern(needle) == pattern


@pytest.mark.parametrize(
    ("owners", "keys"),
    [
        (("AA", "klg"), ["aa", "klg"]),
        (("AA", "aa", "Åsa Öberg", " åsa  ÖBERG"), ["aa", "åsa öberg"]),
        (("", "  "), []),
        ((), []),
    ],
)
def test_owner_keys_are_distinct_and_casefolded(owners: tuple[str, ...], keys: list[str]) -> None:
    assert owner_keys(owners) == keys


def test_an_item_survives_a_round_trip_through_its_row() -> None:
    original = replace(
        FLG_V1[2],
        due_relative=Relative.NEXT_MEETING,
        status=ItemStatus.DONE,
        changed_by="aad:emma",
        changed_at=datetime(2024, 9, 1, tzinfo=UTC),
        id=7,
    )
    row = {
        **item_content_values(original),
        "key": original.key,
        "document_key": original.document_key,
        "status": "done",
        "changed_by": "aad:emma",
        "changed_at": original.changed_at,
        "id": 7,
    }

    assert item_from_row(row) == original
    assert row["owners"] == ["RN"] and row["actors"] == ["Emma Jonsson"]


def test_changed_fields_name_what_differs_and_never_the_status() -> None:
    old = FLG_V1[1]
    new = replace(old, text=old.text + " Rapport.", due=date(2024, 11, 30), status=ItemStatus.DONE)

    assert changed_item_fields(old, new) == ("text", "due")
    assert changed_item_fields(old, old) == ()


def test_a_document_survives_a_round_trip_through_its_row() -> None:
    record = replace(document(), id=3)
    # awaiting_review is written once, with the new row (store.documents): the values of an update leave it.
    row = {**document_values(record), "key": record.key, "id": 3, "awaiting_review": False}

    assert document_from_row(row) == record
    assert document_from_row({**row, "awaiting_review": True}) == replace(record, awaiting_review=True)
    assert "awaiting_review" not in document_values(replace(record, awaiting_review=True))
    assert not document_differs(row, document_values(record))
    assert document_differs(row, document_values(replace(record, version="v2")))


def test_a_failure_describes_the_failed_version_and_keeps_what_was_ingested() -> None:
    ref = replace(FLG_REF, version="v2", web_url="https://intranet.example/flg")

    values = failed_document_values(ref, "tom fil")

    assert values["status"] == "failed" and values["failure_reason"] == "tom fil"
    assert values["version"] == values["failure_version"] == "v2"
    assert not {"content_hash", "group_name", "meeting_date"} & set(values)


def test_roster_and_audit_entries_survive_their_rows() -> None:
    entry = RosterEntry("FLG", "AA", "Annika Andersson", ("sammankallande",), "00000000-aaaa", "a@example.se")
    audit = AuditEntry(datetime(2024, 9, 1, tzinfo=UTC), "aad:anna", "item.done", "k1", "cli", "#1")

    assert roster_from_row(roster_values("FLG", entry)) == entry
    assert (
        audit_from_row(
            audit_values(
                at=audit.at,
                actor=audit.actor,
                action=audit.action,
                subject=audit.subject,
                origin=audit.origin,
                detail=audit.detail,
            )
        )
        == audit
    )
