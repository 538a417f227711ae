"""The fake's own checks: its schema validation rejects what Graph would never send; its probes see."""

from __future__ import annotations

from typing import Any

import httpx
from jsonschema import FormatChecker

from tests.fake_graph import FakeDrive, FakeGraph, GraphSchemas, GraphState, parse_filter

GOOD_ITEM: dict[str, Any] = {
    "@odata.etag": '"{1},1"',
    "id": "01ABC",
    "name": "FLG 2024-10-01.docx",
    "eTag": '"{1},1"',
    "cTag": '"c:{1},1"',
    "size": 12,
    "lastModifiedDateTime": "2024-10-01T09:00:00Z",
    "file": {"mimeType": "application/octet-stream"},
    "parentReference": {"driveId": "b!x", "id": "01PARENT"},
}


def test_a_well_formed_drive_item_passes(schemas: GraphSchemas) -> None:
    assert schemas.errors("driveItem", GOOD_ITEM) == []
    assert (
        schemas.errors("collection:driveItem", {"value": [GOOD_ITEM], "@odata.deltaLink": "http://x"}) == []
    )


def test_the_validator_rejects_a_bad_drive_item(schemas: GraphSchemas) -> None:
    assert "date-time" in FormatChecker().checkers  # rfc3339-validator is installed, or dates go unchecked
    bad = {
        **GOOD_ITEM,
        "LastModifiedDateTime": "2024-10-01T09:00:00Z",  # wrong casing
        "etag": "x",  # wrong casing; driveItem is an open type, so only the strict mode catches it
        "lastModifiedDateTime": "yesterday",
        "size": "12",  # the SDK would silently read None
        "file": {"mimeType": 7},
    }

    errors = "\n".join(schemas.errors("driveItem", bad))

    for expected in (
        "'LastModifiedDateTime', 'etag' do not match any of the regexes: '^@'",
        "at /lastModifiedDateTime: 'yesterday' is not a 'date-time'",
        "at /size: '12' is not of type",
        "at /file: {'mimeType': 7} is not valid",
    ):
        assert expected in errors


def test_collections_allow_only_odata_links_beside_value(schemas: GraphSchemas) -> None:
    assert schemas.errors("collection:user", {"value": [], "nextLink": "x"})
    assert schemas.errors("collection:user", {"values": []})


def test_a_body_failing_validation_is_answered_500_and_recorded(
    schemas: GraphSchemas, fake: FakeGraph
) -> None:
    response = fake._json("driveItem", {**GOOD_ITEM, "lastModifiedDateTime": "yesterday"})

    assert response.status == 500 and fake.problems
    fake.problems.clear()  # expected here; the fixture fails any test that leaves problems behind


def test_the_fake_reads_odata_filters_like_graph() -> None:
    assert parse_filter("startswith(displayName,'O''Brien')") == [("startswith", "displayName", "O'Brien")]
    assert parse_filter("mail eq 'a@b' or userPrincipalName eq 'a@b'") == [
        ("eq", "mail", "a@b"),
        ("eq", "userPrincipalName", "a@b"),
    ]
    assert parse_filter("startswith(displayName,'O'Brien')") is None  # an unescaped quote


async def test_the_download_host_records_an_authorization_header_it_receives(
    fake: FakeGraph, state: GraphState, library: FakeDrive
) -> None:
    item = state.add_file(library, "Protokoll/a.docx", b"data")
    url = f"{fake.download_url}/dl/{library.id}/{item.id}?tempauth=x"

    async with httpx.AsyncClient() as client:
        response = await client.get(url, headers={"Authorization": "Bearer leaked"})

    assert response.content == b"data"
    assert [download.authorization for download in state.downloads] == ["Bearer leaked"]
