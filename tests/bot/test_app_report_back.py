"""The report-back end to end, through create_app and the fake Bot Connector: the owners' cards go out once on
their day, answers come back as signed invokes (Pågår, Flytta, Klar for an 'Alla' item by the secretary, a
forged one refused), the agenda card and the Word section show them, and the secretary's card the day before the
meeting reminds whoever has not reported, once per click."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

import bot.app
import scheduler.delivery
from bot.agenda_docx import write_agenda_docx
from bot.app import create_app
from bot.keys import INGESTION, REPORT_BACKS, STORE
from bot.settings import Settings
from cards.verbs import Verb, report_date_input, report_note_input, report_state_input
from minutes.records import ItemRecord, ItemStatus
from tests.bot.auth_keys import OpenIdServer, SigningKey, trust_openid_server
from tests.bot.test_app_teams import (  # noqa: F401 (fixtures)
    APP_ID,
    BOT_ID,
    TENANT,
    TOKEN,
    activity,
    connector,
    eventually,
    openid,
    post,
    signing_key,
)
from tests.fake_connector import FakeConnector
from workflows.agenda import agenda_post, build_agenda

STOCKHOLM = ZoneInfo("Europe/Stockholm")
AA_ID = "00000000-0000-0000-0000-0000000000aa"
BL_ID = "00000000-0000-0000-0000-0000000000b1"
ANNIKA = {"id": "29:aa", "name": "Annika Andersson", "aadObjectId": AA_ID}
BENGT = {"id": "29:bl", "name": "Bengt Larsson", "aadObjectId": BL_ID}
MEETING = date(
    2024, 9, 9
)  # FLG meets every other Monday from 26 Aug; the agenda goes out 3 working days before
OWNERS_DAY = datetime(2024, 9, 2, 9, 0, tzinfo=STOCKHOLM)  # 2 working days before the agenda (Wed 4 Sep)
ANSWER_DAY = datetime(2024, 9, 4, 10, 0, tzinfo=STOCKHOLM)
SECRETARY_DAY = datetime(2024, 9, 6, 9, 0, tzinfo=STOCKHOLM)  # the working day before the meeting
ROSTER = f"""group = "FLG"
[meetings]
rule = "varannan måndag från 2024-08-26"

[[person]]
initials = "AA"
name = "Annika Andersson"
roles = ["sekreterare"]
aad_object_id = "{AA_ID}"

[[person]]
initials = "BL"
name = "Bengt Larsson"
aad_object_id = "{BL_ID}"
"""
MINUTES = """# Protokoll FLG 2024-08-26

Närvarande: Annika Andersson (AA), Bengt Larsson (BL)

## Att göra

- Boka lokal till personaldagen, senast 2024-09-06 (AA)
- Ta fram budgetförslag till kommande FLG (BL)
- Skicka enkäten till enheterna, senast 2024-09-05 (BL)
- Se över rutinen för introduktion till kommande FLG (alla)
"""


@pytest.fixture
def clock() -> list[datetime]:
    """The service's time (bot.app._now), set by the test: answers are given before the meeting."""
    return [ANSWER_DAY]


@pytest.fixture
async def service(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    openid: OpenIdServer,  # noqa: F811
    clock: list[datetime],
) -> AsyncIterator[TestClient[Any, Any]]:
    trust_openid_server(monkeypatch, openid)
    monkeypatch.setattr(scheduler.delivery, "DELIVERY_INTERVAL_SECONDS", 0.05)
    monkeypatch.setattr(bot.app, "_now", lambda: clock[0])
    folder, rosters = tmp_path / "protokoll", tmp_path / "rosters"
    folder.mkdir()
    rosters.mkdir()
    (rosters / "flg.toml").write_text(ROSTER, encoding="utf-8")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        minutes_folder=folder,
        roster_dir=rosters,
        bot_app_id=APP_ID,
        bot_app_password=SecretStr("unused-with-a-connector-token"),
        tenant_id=TENANT,
        local_poll_seconds=3600,
        settle_seconds=0,
    )
    async with TestClient(
        TestServer(create_app(settings, connector_token=TOKEN), host="127.0.0.1")
    ) as client:
        yield client


def personal(conversation_id: str, user: dict[str, str]) -> dict[str, Any]:
    return {
        "from": user,
        "conversation": {"id": conversation_id, "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
    }


def chats(connector: FakeConnector) -> dict[str, str]:  # noqa: F811
    """Entra id → the personal chat the bot opened with them."""
    return {
        c.body["members"][0]["id"]: c.conversation_id
        for c in connector.accepted("create")
        if c.body and c.conversation_id
    }


def cards_to(connector: FakeConnector, conversation_id: str, heading: str) -> list[dict[str, Any]]:  # noqa: F811
    return [
        c.body["attachments"][0]["content"]
        for c in connector.accepted("send")
        if c.conversation_id == conversation_id
        and c.body
        and c.body.get("attachments")
        and heading in json.dumps(c.body["attachments"][0]["content"], ensure_ascii=False)
    ]


async def click(
    service: TestClient[Any, Any],
    key: SigningKey,
    connector: FakeConnector,  # noqa: F811
    conversation_id: str,
    user: dict[str, str],
    verb: Verb,
    data: dict[str, Any],
) -> dict[str, Any]:
    invoke = activity(
        connector,
        "invoke",
        id="1700000000009",
        name="adaptiveCard/action",
        replyToId="1700000000077",
        value={"action": {"type": "Action.Execute", "verb": verb.value, "data": data}, "trigger": "manual"},
        **personal(conversation_id, user),
    )
    answer = await post(service, key, invoke)
    assert answer.status == 200
    body: dict[str, Any] = await answer.json()
    return body["value"]


def answer_data(item: ItemRecord, state: str, note: str = "", moved: str | None = None) -> dict[str, Any]:
    assert item.id is not None
    data: dict[str, Any] = {
        "itemId": item.id,
        "group": "FLG",
        "meetingDate": MEETING.isoformat(),
        "itemIds": str(item.id),
        report_state_input(item.id): state,
        report_note_input(item.id): note,
    }
    if moved is not None:
        data[report_date_input(item.id)] = moved
    return data


async def test_owners_report_back_and_the_agenda_and_the_secretary_see_it(
    service: TestClient[Any, Any],
    connector: FakeConnector,  # noqa: F811
    signing_key: SigningKey,  # noqa: F811
    tmp_path: Path,
    clock: list[datetime],
) -> None:
    installed = activity(connector, "conversationUpdate", membersAdded=[{"id": BOT_ID}])
    assert (await post(service, signing_key, installed)).status in (200, 201)
    (tmp_path / "protokoll" / "flg_240826.md").write_text(MINUTES, encoding="utf-8")
    store, report_backs = service.app[STORE], service.app[REPORT_BACKS]
    service.app[INGESTION].nudge_all()
    items: list[ItemRecord] = []
    for _ in range(200):
        items = await store.list_items(open_only=True, group="FLG")
        if len(items) == 4:
            break
        await asyncio.sleep(0.05)
    by_text = {item.text.split(",")[0].split(" till ")[0]: item for item in items}
    room, budget, _survey, routine = (
        by_text["Boka lokal"],
        by_text["Ta fram budgetförslag"],
        by_text["Skicka enkäten"],
        by_text["Se över rutinen för introduktion"],
    )

    # Before the owners' day nothing goes out; on it, one card per person, and never a second.
    assert await report_backs.tick(datetime(2024, 8, 30, 9, 0, tzinfo=STOCKHOLM)) == 0
    assert await report_backs.tick(OWNERS_DAY) == 2
    assert await report_backs.tick(OWNERS_DAY.replace(hour=11)) == 0
    await eventually(lambda: len(chats(connector)) == 2)
    aa_chat, bl_chat = chats(connector)[AA_ID], chats(connector)[BL_ID]
    await eventually(lambda: bool(cards_to(connector, bl_chat, "Läget inför FLG 9 sep 2024")))
    await eventually(lambda: bool(cards_to(connector, aa_chat, "Läget inför FLG 9 sep 2024")))
    (bl_card,) = cards_to(connector, bl_chat, "Läget inför FLG 9 sep 2024")
    bl_text = json.dumps(bl_card, ensure_ascii=False)
    assert "Ta fram budgetförslag" in bl_text and "Skicka enkäten" in bl_text and "Boka lokal" not in bl_text
    (aa_card,) = cards_to(connector, aa_chat, "Läget inför FLG 9 sep 2024")
    aa_text = json.dumps(aa_card, ensure_ascii=False)
    # The 'Alla' item reaches the secretary, under its own heading.
    assert "Boka lokal" in aa_text and "Som sekreterare" in aa_text and "Se över rutinen" in aa_text

    # Bengt: Pågår with a line; shown on his card at once.
    card = await click(
        service, signing_key, connector, bl_chat, BENGT, Verb.REPORT,
        answer_data(budget, "pagar", "Utkast klart, siffror från HR saknas"),
    )  # fmt: skip
    assert "Läge från BL 4 sep: Pågår – Utkast klart, siffror från HR saknas" in json.dumps(
        card, ensure_ascii=False
    )
    # Bengt may not answer for Annika's item: refused in Swedish, nothing stored or moved.
    refused = await click(
        service, signing_key, connector, bl_chat, BENGT, Verb.REPORT, answer_data(room, "klar")
    )
    assert "Bara punktens ansvariga" in json.dumps(refused, ensure_ascii=False)
    assert (await store.get_item(room.id or 0)).status is ItemStatus.OPEN  # type: ignore[union-attr]
    # Annika moves her item as `flytta` would, and closes the 'Alla' item as the secretary.
    await click(
        service, signing_key, connector, aa_chat, ANNIKA, Verb.REPORT,
        answer_data(room, "flytta", "Lokalen var full", moved="2024-09-20"),
    )  # fmt: skip
    assert (await store.get_item(room.id or 0)).due == date(2024, 9, 20)  # type: ignore[union-attr]
    await click(service, signing_key, connector, aa_chat, ANNIKA, Verb.REPORT, answer_data(routine, "klar"))
    assert (await store.get_item(routine.id or 0)).status is ItemStatus.DONE  # type: ignore[union-attr]
    audit = [a.action for a in await store.audit_log(budget.key)]
    assert "item.report_back" in audit

    # The agenda card and the Word section carry the answers under their items.
    post_ = await agenda_post(
        store, {"group": "FLG", "meeting_date": MEETING.isoformat()}, today=ANSWER_DAY.date()
    )
    agenda_text = json.dumps(post_.card, ensure_ascii=False)
    assert "Läge från BL 4 sep: Pågår – Utkast klart" in agenda_text
    agenda = await build_agenda(store, "FLG", MEETING, today=ANSWER_DAY.date())
    path = write_agenda_docx(agenda, tmp_path / "uppfoljning.docx")
    words = "\n".join(cell.text for row in docx.Document(str(path)).tables[0].rows for cell in row.cells)
    assert "Läge från BL 4 sep: Pågår – Utkast klart, siffror från HR saknas" in words

    # The day before the meeting the secretary hears who has not reported, and reminds Bengt once per click.
    clock[0] = SECRETARY_DAY
    assert await report_backs.tick(SECRETARY_DAY) == 1
    assert await report_backs.tick(SECRETARY_DAY.replace(hour=12)) == 0
    await eventually(lambda: bool(cards_to(connector, aa_chat, "Återrapportering inför FLG 9 sep 2024")))
    (status,) = cards_to(connector, aa_chat, "Återrapportering inför FLG 9 sep 2024")
    status_text = json.dumps(status, ensure_ascii=False)
    assert "Bengt Larsson" in status_text and "1 punkt utan svar" in status_text
    assert "Annika Andersson" not in status_text  # she answered for everything she was asked
    remind = {"group": "FLG", "meetingDate": MEETING.isoformat(), "userId": BL_ID}
    # Only the secretary may remind.
    denied = await click(service, signing_key, connector, bl_chat, BENGT, Verb.REPORT_REMIND, remind)
    assert "Bara gruppens sekreterare" in json.dumps(denied, ensure_ascii=False)
    before = len(cards_to(connector, bl_chat, "Läget inför FLG 9 sep 2024"))
    shown = await click(service, signing_key, connector, aa_chat, ANNIKA, Verb.REPORT_REMIND, remind)
    assert "Påmind nu" in json.dumps(shown, ensure_ascii=False)
    await eventually(lambda: len(cards_to(connector, bl_chat, "Läget inför FLG 9 sep 2024")) == before + 1)
    reminded = cards_to(connector, bl_chat, "Läget inför FLG 9 sep 2024")[-1]
    assert "Läge från BL 4 sep" in json.dumps(reminded, ensure_ascii=False)  # the answer so far, editable
    assert not connector.problems


async def test_the_start_up_log_says_which_groups_get_no_report_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rosters = tmp_path / "rosters"
    rosters.mkdir()
    (rosters / "flg.toml").write_text(ROSTER, encoding="utf-8")  # a meeting rule
    (rosters / "fsg.toml").write_text('group = "FSG"\n', encoding="utf-8")  # neither a rule nor minutes
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", roster_dir=rosters)
    with caplog.at_level("INFO", logger="bot.app"):
        async with TestClient(TestServer(create_app(settings), host="127.0.0.1")):
            pass
    said = [r.getMessage() for r in caplog.records if "report-back" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("group FSG gets no report-back: it has no meeting rule")
