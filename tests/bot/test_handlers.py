"""Turn handlers through their dispatch tables: commands, card verbs, installation."""

from __future__ import annotations

import inspect
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import get_type_hints

import pytest

import bot.commands
from bot.commands import COMMANDS, Command, Help, help_reply
from bot.handlers import VERB_HANDLERS, Handlers
from cards.verbs import DUE_INPUT, Verb
from cards.views import OpenItemsView, view_of
from minutes.records import ConvRef, ItemStatus
from store import SqlStore
from tests.cards.cardcheck import execute_actions
from tests.store.builders import FSG_REF, document, ingest
from tests.store.builders import item as builder_item
from tests.workflows.chat_fixtures import ANNIKA, CHANNEL, PERSONAL, STRANGER, YVONNE, clock, ingest_flg
from workflows.chat import CardAction, IncomingMessage
from workflows.following import Administrators, Following
from workflows.item_actions import ItemActions
from workflows.publish import Publishing
from workflows.queries import Queries


def handlers(store: SqlStore, ingested: list[str] | None = None) -> Handlers:
    async def ingest_now(link: str) -> str:
        (ingested if ingested is not None else []).append(link)
        return "Jag läser in protokollet nu."

    return Handlers(
        store,
        Queries(store, clock),
        ItemActions(store, clock),
        clock,
        ingest_now,
        Following(store, clock),
        Publishing(store, clock),
    )


def said(reply: object) -> str:
    return json.dumps(
        reply, default=lambda o: o.__dict__ if hasattr(o, "__dict__") else str(o), ensure_ascii=False
    )


def message(text: str, sender: object = ANNIKA, where: object = CHANNEL) -> IncomingMessage:
    return IncomingMessage(text=text, sender=sender, conversation=where, tenant_id="tenant")  # type: ignore[arg-type]


def test_every_command_is_declared_once_with_a_handler_for_it_and_every_verb_has_one() -> None:
    kinds = [spec.kind for spec in COMMANDS]
    values = {v for v in vars(bot.commands).values() if isinstance(v, type) and issubclass(v, Command)} - {
        Command
    }
    assert set(kinds) == values and len(kinds) == len(values)
    for spec in COMMANDS:
        assert inspect.iscoroutinefunction(spec.handler), spec.name
        hints = get_type_hints(spec.handler, vars(bot.commands), {"Handlers": Handlers})
        assert hints["command"] is spec.kind, f"{spec.name}: its handler takes {hints['command']}"
    assert set(VERB_HANDLERS) == set(Verb)


# The arguments of a usage line, as a user would type them.
EXAMPLES = {"N": "1", "DATUM": "2024-08-26", "LÄNK": "https://x", "GRUPP": "FLG"}


async def test_every_declared_command_reaches_its_handler(store: SqlStore, tmp_path: Path) -> None:
    """Dispatch runs each command's own handler: only 'hjälp' answers with the help card."""
    await ingest_flg(store, tmp_path / "m")
    bot = handlers(store)
    for spec in COMMANDS:
        arguments = [EXAMPLES[word] for word in spec.usage.split() if word in EXAMPLES]
        reply = await bot.on_message(message(" ".join([spec.name, *arguments]), YVONNE))
        assert (reply == help_reply()) is (spec.kind is Help), spec.name


async def test_unknown_text_gets_the_help_card(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    reply = await handlers(store).on_message(message("vad gör du?"))
    assert "hjälp" in said(reply) and "flytta N DATUM" in said(reply)


def texts(reply: object) -> list[str]:
    """Every sentence a reply shows, in its messages' texts and its cards' text blocks and runs."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("TextBlock", "TextRun") and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for sent in getattr(reply, "messages", ()):
        if sent.text:
            found.append(sent.text)
        walk(sent.card)
    walk(getattr(reply, "card", None))
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("klar 999", ["Det gick tyvärr inte", "Punkt #999 finns inte. Inget har ändrats."]),
        ("ångra 999", ["Det gick tyvärr inte", "Punkt #999 finns inte. Inget har ändrats."]),
        ("flytta 999 2024-10-15", ["Det gick tyvärr inte", "Punkt #999 finns inte. Inget har ändrats."]),
    ],
)
async def test_an_unknown_number_is_answered_once_with_the_right_reason(
    store: SqlStore, tmp_path: Path, text: str, expected: list[str]
) -> None:
    await ingest_flg(store, tmp_path / "m")
    reply = await handlers(store).on_message(message(text))
    assert len(reply.messages) == 1 and texts(reply) == expected


async def test_a_move_onto_a_saturday_is_answered_with_the_friday_before(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    reply = await handlers(store).on_message(message(f"flytta {item.id} 2024-09-07"))
    assert texts(reply) == [
        "Ingen arbetsdag",
        f"7 sep 2024 är en lördag och ingen arbetsdag. Vill du flytta punkt #{item.id} till 6 sep 2024 i stället?",
    ]
    assert (await store.get_item(item.id or 0)) == item
    click = await handlers(store).on_card_action(
        CardAction(Verb.MOVE, {"itemId": item.id, DUE_INPUT: "2024-09-07"}, ANNIKA, CHANNEL, "tenant")
    )
    assert click.card is not None and not click.replace_for_everyone and "lördag" in said(click)


async def test_text_that_is_no_command_is_quoted_before_the_help(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    reply = await handlers(store).on_message(message("kalr 12"))
    assert len(reply.messages) == 1
    assert texts(reply)[:2] == [
        'Jag förstod inte "kalr 12".',
        'Menade du "klar 12"? Markera punkt N som klar.',
    ]
    assert "flytta N DATUM" in said(reply)
    assert texts(await handlers(store).on_message(message("  "))) == texts(help_reply())


async def test_mina_and_klar(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    bot = handlers(store)
    assert "Dina öppna punkter" in said(await bot.on_message(message("mina", where=PERSONAL)))
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    reply = await bot.on_message(message(f"klar {item.id}"))
    assert f"Punkt #{item.id} är klar" in said(reply)
    assert (await store.get_item(item.id or 0)).status is ItemStatus.DONE  # type: ignore[union-attr]


async def test_card_verbs(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    bot = handlers(store)
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    click = CardAction(Verb.DONE, {"itemId": item.id}, ANNIKA, CHANNEL, "tenant", "activity-1")
    reply = await bot.on_card_action(click)
    assert reply.card is not None and (await store.get_item(item.id or 0)).status is ItemStatus.DONE  # type: ignore[union-attr]
    moved = await bot.on_card_action(
        CardAction(Verb.MOVE, {"itemId": item.id, DUE_INPUT: "2024-12-02"}, ANNIKA, CHANNEL, "tenant")
    )
    assert moved.card is not None and (await store.get_item(item.id or 0)).due.isoformat() == "2024-12-02"  # type: ignore[union-attr]
    forged = await bot.on_card_action(
        CardAction("item.delete", {"itemId": item.id}, ANNIKA, CHANNEL, "tenant")
    )
    assert "känner jag inte igen" in said(forged)


async def test_not_mine_queues_a_notice_for_the_secretary(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    await handlers(store).on_card_action(
        CardAction(Verb.NOT_MINE, {"itemId": item.id}, ANNIKA, CHANNEL, "tenant")
    )
    kinds = [m.kind for m in await store.outbox_messages()]
    assert "secretary_notice" in kinds


async def test_read_in_is_for_the_secretary(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    ingested: list[str] = []
    bot = handlers(store, ingested)
    refused = await bot.on_message(message("läs in https://kommun.sharepoint.com/sites/FLG"))
    assert "Bara gruppens sekreterare" in said(refused) and ingested == []
    await bot.on_message(message("läs in https://kommun.sharepoint.com/sites/FLG", sender=YVONNE))
    assert ingested == ["https://kommun.sharepoint.com/sites/FLG"]


async def test_installation_stores_the_conversation(store: SqlStore) -> None:
    reply = await handlers(store).on_conversation(CHANNEL, installed=True)
    assert "hjälp" in said(reply)
    assert await store.conversation(CHANNEL.conversation_id) is not None


async def test_a_click_on_the_summary_refreshes_the_summary(store: SqlStore, tmp_path: Path) -> None:
    key = await ingest_flg(store, tmp_path / "m")
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    data = {"itemId": item.id, "view": "summary", "documentKey": key}
    reply = await handlers(store).on_card_action(
        CardAction(Verb.DONE, data, ANNIKA, CHANNEL, "tenant", "a-1")
    )
    assert reply.replace_for_everyone and "Protokoll FLG" in said(reply.card)


async def test_a_click_on_a_persons_list_shows_that_list_again(store: SqlStore, tmp_path: Path) -> None:
    """The button's data is what the list card put there (a typed view), and the older cards' command text
    ('öppna AA') still refreshes the same list."""
    await ingest_flg(store, tmp_path / "m")
    bot = handlers(store)
    listed = (await bot.on_message(message("öppna AA"))).messages[0].card
    data = next(a["data"] for a in execute_actions(listed or {}) if a["verb"] == Verb.DONE)
    assert view_of(data) == OpenItemsView("AA")
    for view in (data, {"itemId": data["itemId"], "view": "öppna AA"}):
        reply = await bot.on_card_action(CardAction(Verb.DONE, view, ANNIKA, CHANNEL, "tenant", "a-1"))
        assert "Öppna punkter för Annika Andersson (AA)" in said(reply.card), view
        assert f'"itemId": {data["itemId"]}' not in said(reply.card)  # checked off: no longer listed


async def test_a_click_on_a_list_re_runs_its_command(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    data = {"itemId": item.id, "view": "mina"}
    reply = await handlers(store).on_card_action(
        CardAction(Verb.DONE, data, ANNIKA, PERSONAL, "tenant", "a-1")
    )
    assert "Dina öppna punkter" in said(reply.card) and f'"itemId": {item.id}' not in said(reply.card)


async def test_a_refused_click_answers_only_the_clicker(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    reply = await handlers(store).on_card_action(
        CardAction(Verb.DONE, {"itemId": 999999}, ANNIKA, CHANNEL, "tenant")
    )
    assert not reply.replace_for_everyone and "Inget har ändrats" in said(reply.card)


def in_thread(root: str, sender_aad: str) -> ConvRef:
    """The reference a channel message arrives with: its thread, who wrote it, and no group (Teams knows none)."""
    return replace(
        CHANNEL,
        conversation_id=f"{CHANNEL.conversation_id};messageid={root}",
        user_id="29:x",
        user_aad_id=sender_aad,
        group=None,
    )


async def test_messages_in_channel_threads_keep_one_reference_of_the_channel_itself(store: SqlStore) -> None:
    bot = handlers(store)
    await bot.on_message(message("hjälp", ANNIKA, in_thread("1700000000001", "aad-aa")))
    first = await store.audit_log()
    await bot.on_message(message("hjälp", YVONNE, in_thread("1700000000002", "aad-yk")))

    assert await store.conversations() == [CHANNEL_KEPT]
    assert (
        await store.audit_log() == first
    )  # the second message, by someone else in another thread, wrote nothing


CHANNEL_KEPT = replace(CHANNEL, group=None, user_id=None, user_aad_id=None)


async def test_a_thread_answers_for_the_group_its_channel_follows(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    fsg_channel = replace(
        CHANNEL, conversation_id="19:fsg@thread.tacv2", team_id="19:fsg@thread.tacv2", group=None
    )
    await store.save_conversation(fsg_channel, at=clock())
    await store.follow_group(fsg_channel.conversation_id, "FSG", by="aad:yk", at=clock(), origin="cli")
    bot = handlers(store)

    flg = said(await bot.on_message(message("uppföljning", ANNIKA, in_thread("1", "aad-aa"))))
    fsg_thread = replace(
        in_thread("2", "aad-aa"), conversation_id=f"{fsg_channel.conversation_id};messageid=2"
    )
    fsg = said(await bot.on_message(message("uppföljning", ANNIKA, fsg_thread)))

    assert "Uppföljning kommande FLG" in flg  # FLG's channel (CHANNEL follows FLG)
    assert "Inget återkommer till nästa möte" in fsg  # FSG has no minutes yet: nothing of FLG's


# -- following groups ----------------------------------------------------------------------------------------

NEW_CHANNEL = replace(CHANNEL, conversation_id="19:ny@thread.tacv2", team_id="19:ny@thread.tacv2", group=None)


def following_handlers(store: SqlStore, *administrators: str) -> Handlers:
    async def ingest_now(link: str) -> str:
        return "Jag läser in protokollet nu."

    return Handlers(
        store,
        Queries(store, clock),
        ItemActions(store, clock),
        clock,
        ingest_now,
        following=Following(store, clock, Administrators.parse(",".join(administrators))),
        publishing=Publishing(store, clock),
    )


async def test_the_greeting_says_how_to_follow_a_group(store: SqlStore) -> None:
    reply = await following_handlers(store).on_conversation(NEW_CHANNEL, installed=True)
    assert "följ" in said(reply) and await store.followed_groups(NEW_CHANNEL.conversation_id) == frozenset()


async def test_the_secretary_follows_and_the_latest_meeting_card_arrives(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    bot = following_handlers(store)
    reply = await bot.on_message(message("följ FLG", YVONNE, NEW_CHANNEL))
    assert "följer nu FLG" in said(reply) and "Protokoll FLG" in said(reply)
    assert await store.followed_groups(NEW_CHANNEL.conversation_id) == {"FLG"}
    reply = await bot.on_message(message("unfollow flg", YVONNE, NEW_CHANNEL))
    assert await store.followed_groups(NEW_CHANNEL.conversation_id) == frozenset()


async def test_following_by_anyone_else_is_refused(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    reply = await following_handlers(store).on_message(message("follow FLG", ANNIKA, NEW_CHANNEL))
    assert "sekreterare" in said(reply) and "Protokoll FLG" not in said(reply)
    assert await store.followed_groups(NEW_CHANNEL.conversation_id) == frozenset()
    admin = replace(ANNIKA, aad_object_id="aad-admin")
    await following_handlers(store, "aad-admin").on_message(message("följ FLG", admin, NEW_CHANNEL))
    assert await store.followed_groups(NEW_CHANNEL.conversation_id) == {"FLG"}


async def test_show_all_of_another_groups_meeting_is_refused(store: SqlStore, tmp_path: Path) -> None:
    key = await ingest_flg(store, tmp_path / "m")
    await store.save_conversation(NEW_CHANNEL, at=clock())
    await store.follow_group(NEW_CHANNEL.conversation_id, "FSG", by="t", at=clock(), origin="t")
    bot = following_handlers(store)
    refused = await bot.on_card_action(
        CardAction(Verb.SHOW_ALL, {"documentKey": key}, ANNIKA, NEW_CHANNEL, "tenant")
    )
    assert "Protokoll FLG" not in said(refused) and not refused.replace_for_everyone
    shown = await bot.on_card_action(
        CardAction(Verb.SHOW_ALL, {"documentKey": key}, ANNIKA, CHANNEL, "tenant")
    )
    assert "Protokoll FLG" in said(shown)


async def test_a_refreshed_view_never_shows_another_groups_card(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    secret = [builder_item("t1", "Hemlig FSG-punkt", ref=FSG_REF, group="FSG")]
    await ingest(store, document(FSG_REF, group="FSG"), secret)
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners and i.group == "FLG")
    forged = {"itemId": item.id, "view": "summary", "documentKey": FSG_REF.key}  # an FLG item, FSG's view
    reply = await following_handlers(store).on_card_action(
        CardAction(Verb.DONE, forged, ANNIKA, CHANNEL, "tenant")
    )
    assert reply.card is not None and "Hemlig FSG-punkt" not in said(reply)


async def walk(bot: Handlers, card: dict[str, object], where: ConvRef) -> tuple[list[int], int]:
    """Follow a card's Nästa to the end of its list, as a user clicks: the items each page offered, in order,
    and the number of pages."""
    seen: list[int] = []
    pages = 0
    while True:
        pages += 1
        seen += [a["data"]["itemId"] for a in execute_actions(card) if a["verb"] in {Verb.DONE, Verb.UNDO}]
        following = [a for a in execute_actions(card) if a["verb"] == Verb.PAGE and a["title"] == "Nästa ›"]
        if not following:
            return seen, pages
        reply = await bot.on_card_action(
            CardAction(Verb.PAGE, following[0]["data"], ANNIKA, where, "tenant", "a-1")
        )
        # Another page changes nothing: it replaces the card for the one who clicked, in place.
        assert reply.card is not None and not reply.replace_for_everyone and not reply.messages
        card = reply.card


async def test_nasta_walks_oppna_to_its_end(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    bot = handlers(store)
    card = (await bot.on_message(message("öppna"))).messages[0].card or {}
    seen, pages = await walk(bot, card, CHANNEL)
    expected = sorted(i.id or 0 for i in await store.list_items(open_only=True) if i.group == "FLG")
    assert len(expected) > 15 and pages > 1  # the sample meeting does not fit on one page
    assert sorted(seen) == expected and len(seen) == len(set(seen))


async def test_nasta_and_visa_alla_walk_the_meeting_to_its_end(store: SqlStore, tmp_path: Path) -> None:
    key = await ingest_flg(store, tmp_path / "m")
    bot = handlers(store)
    card = (await bot.on_message(message("möte"))).messages[0].card or {}
    expected = sorted(
        i.id or 0
        for i in await store.items_of_document(key)
        if i.status is ItemStatus.OPEN and (i.kind != "decision" or (i.owners and (i.due or i.due_relative)))
    )
    seen, _ = await walk(bot, card, CHANNEL)
    assert sorted(seen) == expected
    show_all = next(a for a in execute_actions(card) if a["verb"] == Verb.SHOW_ALL)
    everything = await bot.on_card_action(
        CardAction(Verb.SHOW_ALL, show_all["data"], ANNIKA, CHANNEL, "tenant")
    )
    assert everything.card is not None
    assert not any(
        a["verb"] == Verb.SHOW_ALL for a in execute_actions(everything.card)
    )  # never offered again
    seen_all, _ = await walk(bot, everything.card, CHANNEL)
    assert sorted(seen_all) == expected


async def test_a_page_of_another_groups_list_is_refused(store: SqlStore, tmp_path: Path) -> None:
    key = await ingest_flg(store, tmp_path / "m")
    await store.save_conversation(NEW_CHANNEL, at=clock())
    await store.follow_group(NEW_CHANNEL.conversation_id, "FSG", by="t", at=clock(), origin="t")
    page = {"view": "summary", "documentKey": key, "offset": 15}
    refused = await following_handlers(store).on_card_action(
        CardAction(Verb.PAGE, page, ANNIKA, NEW_CHANNEL, "tenant")
    )
    assert "Protokoll FLG" not in said(refused) and not refused.replace_for_everyone


async def test_klar_says_who_and_when_and_angra_checks_who_and_where(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    bot = following_handlers(store)
    card = (await bot.on_message(message("möte"))).messages[0].card or {}
    data = next(a["data"] for a in execute_actions(card) if a["verb"] == Verb.DONE)  # a row of the summary
    item = await store.get_item(data["itemId"])
    assert item is not None and data["view"] == "summary"
    done = await bot.on_card_action(CardAction(Verb.DONE, data, ANNIKA, CHANNEL, "tenant", "a-1"))
    assert done.replace_for_everyone and "✓ Klar – Annika Andersson 2 sep 2024" in said(done.card)
    undo = [a for a in execute_actions(done.card or {}) if a["verb"] == Verb.UNDO]
    assert [(a["title"], a["data"]["itemId"]) for a in undo] == [("Ångra", item.id)]
    # From a channel that does not follow FLG, and by someone in no roster in a personal chat: nothing changes.
    await store.save_conversation(NEW_CHANNEL, at=clock())
    elsewhere = await bot.on_card_action(
        CardAction(Verb.UNDO, undo[0]["data"], ANNIKA, NEW_CHANNEL, "tenant")
    )
    stranger = await bot.on_card_action(
        CardAction(Verb.UNDO, undo[0]["data"], STRANGER, replace(PERSONAL, user_aad_id="aad-xx"), "tenant")
    )
    for refused in (elsewhere, stranger):
        assert not refused.replace_for_everyone and refused.card is not None
        assert refused.card["body"][0]["text"] == "Det gick tyvärr inte"  # default deny: an error card
    assert (await store.get_item(item.id or 0)).status is ItemStatus.DONE  # type: ignore[union-attr]
    reopened = await bot.on_card_action(
        CardAction(Verb.UNDO, undo[0]["data"], ANNIKA, CHANNEL, "tenant", "a-1")
    )
    assert reopened.replace_for_everyone and "✓ Klar" not in said(reopened.card)
    assert (await store.get_item(item.id or 0)).status is ItemStatus.OPEN  # type: ignore[union-attr]


async def test_one_message_per_answer(store: SqlStore, tmp_path: Path) -> None:
    """A refusal is said once (its card), a change in one message: a line and the item's card."""
    await ingest_flg(store, tmp_path / "m")
    bot = handlers(store)
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    unknown = await bot.on_message(message("klar 999"))
    assert [(m.text, m.card is not None) for m in unknown.messages] == [(None, True)]
    done = await bot.on_message(message(f"klar {item.id}"))
    assert [(m.text, m.card is not None) for m in done.messages] == [
        (f"Punkt #{item.id} är klar. Tack!", True)
    ]


async def test_replies_say_dates_as_cards_do(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    bot = handlers(store)
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    for typed in ("2024-12-02", "2/12", "2 december"):  # a Monday: a Sunday gets an offer instead
        reply = await bot.on_message(message(f"flytta {item.id} {typed}"))
        assert reply.messages[0].text == f"Punkt #{item.id} flyttad till 2 dec 2024.", typed


@pytest.mark.parametrize(
    ("sender", "command", "expected", "status"),
    [
        (
            YVONNE,
            "arkivera {id}",
            "Punkt #{id} är arkiverad. Skriv 'återställ {id}' för att ta tillbaka den.",
            "archived",
        ),
        (
            ANNIKA,
            "arkivera {id}",
            "Bara gruppens sekreterare kan rätta, arkivera och återställa punkter. Inget har ändrats.",
            "open",
        ),
        (YVONNE, "återställ {id}", "Punkt #{id} är inte arkiverad.", "open"),
        (YVONNE, "arkivera 999", "Punkt #999 finns inte. Inget har ändrats.", "open"),
    ],
)
async def test_archiving_commands(
    store: SqlStore, tmp_path: Path, sender: object, command: str, expected: str, status: str
) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    reply = await handlers(store).on_message(message(command.format(id=item.id), sender))
    assert len(reply.messages) == 1 and expected.format(id=item.id) in texts(reply)
    assert (await store.get_item(item.id or 0)).status.value == status  # type: ignore[union-attr]


async def test_archive_and_restore_by_card_and_the_archived_list(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    bot = handlers(store)
    refused = await bot.on_card_action(
        CardAction(Verb.ARCHIVE, {"itemId": item.id}, ANNIKA, CHANNEL, "tenant")
    )
    assert not refused.replace_for_everyone and "Bara gruppens sekreterare" in said(refused)
    archived = await bot.on_card_action(
        CardAction(Verb.ARCHIVE, {"itemId": item.id}, YVONNE, CHANNEL, "tenant")
    )
    assert archived.replace_for_everyone and "Arkiverad" in said(archived.card)
    assert f"#{item.id}" in said(await bot.on_message(message("arkiverade")))
    restored = await bot.on_card_action(
        CardAction(Verb.RESTORE, {"itemId": item.id}, YVONNE, CHANNEL, "tenant")
    )
    assert restored.replace_for_everyone and (await store.get_item(item.id or 0)).status is ItemStatus.OPEN  # type: ignore[union-attr]


async def test_the_secretary_corrects_on_the_item_card(store: SqlStore, tmp_path: Path) -> None:
    from cards.verbs import OWNERS_INPUT

    await ingest_flg(store, tmp_path / "m")
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    bot = handlers(store)
    data = {"itemId": item.id, OWNERS_INPUT: "Rickard Nilsson, YK"}
    refused = await bot.on_card_action(CardAction(Verb.SET_OWNERS, data, ANNIKA, CHANNEL, "tenant"))
    assert not refused.replace_for_everyone and "Bara gruppens sekreterare" in said(refused)
    corrected = await bot.on_card_action(CardAction(Verb.SET_OWNERS, data, YVONNE, CHANNEL, "tenant"))
    assert corrected.replace_for_everyone
    assert (await store.get_item(item.id or 0)).owners == ("RN", "YK")  # type: ignore[union-attr]
    dismissed = await bot.on_card_action(
        CardAction(Verb.DISMISS, {"itemId": item.id}, YVONNE, CHANNEL, "tenant")
    )
    assert dismissed.replace_for_everyone and "Inte en uppgift" in said(dismissed.card)
    assert (await store.get_item(item.id or 0)).status is ItemStatus.DISMISSED  # type: ignore[union-attr]


async def test_a_meeting_awaiting_review_shows_to_its_secretary_alone(
    store: SqlStore, tmp_path: Path
) -> None:
    """Views come from the client: a forged page or 'Visa alla' of minutes not yet published shows them to the
    group's secretary only (with Publicera), and `möte` in the channel shows the latest published meeting."""
    await ingest_flg(store, tmp_path / "m")
    draft_ref = replace(FSG_REF, item_id="flg-2024-09-09.docx", name="flg-2024-09-09.docx")
    draft = replace(document(draft_ref, meeting_date=date(2024, 9, 9)), awaiting_review=True)
    await ingest(
        store, draft, [builder_item("a", "Ring facket.", ref=draft_ref, meeting_date=date(2024, 9, 9))]
    )
    bot = handlers(store)
    replies = {}
    yvonnes_chat = replace(PERSONAL, conversation_id="a:personal-yk", user_id="29:yk", user_aad_id="aad-yk")
    for who, where in ((ANNIKA, CHANNEL), (ANNIKA, PERSONAL), (YVONNE, yvonnes_chat)):
        for verb, data in (
            (Verb.PAGE, {"view": "summary", "documentKey": draft_ref.key}),
            (Verb.SHOW_ALL, {"documentKey": draft_ref.key}),
        ):
            reply = await bot.on_card_action(CardAction(verb, data, who, where, "tenant"))
            replies[(who.name, where.conversation_type, verb)] = "Ring facket" in said(reply) and (
                "meeting.publish" in said(reply)
            )
    assert {key: shown for key, shown in replies.items() if shown} == {
        ("Yvonne Kvist", PERSONAL.conversation_type, Verb.PAGE): True,
        ("Yvonne Kvist", PERSONAL.conversation_type, Verb.SHOW_ALL): True,
    }
    meeting = await bot.on_message(message("möte"))
    assert "Ring facket" not in said(meeting) and "Protokoll FLG 26 aug 2024" in said(meeting)


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        # The channel follows FLG; NOW is 2024-09-02: this year so far, FLG's meeting of 26 Aug in it.
        ("rapport", CHANNEL, ["Uppföljning FLG", "Möten 1 jan 2024 – 2 sep 2024 · läget 2 sep 2024"]),
        (
            "report FLG 2023",
            CHANNEL,
            ["Uppföljning FLG", "Möten 1 jan 2023 – 31 dec 2023 · läget 2 sep 2024"],
        ),
        ("rapport KLG", CHANNEL, ["Uppföljningsrapport", "KLG är ingen av grupperna här. Välj bland: FLG."]),
        ("rapport 2030", PERSONAL, ["Uppföljningsrapport", "År 2030 har inte börjat än."]),
    ],
)
async def test_rapport_replies(
    store: SqlStore, tmp_path: Path, text: str, where: ConvRef, expected: list[str]
) -> None:
    await ingest_flg(store, tmp_path / "m")
    reply = await handlers(store).on_message(message(text, where=where))
    assert len(reply.messages) == 1 and texts(reply)[:2] == expected
