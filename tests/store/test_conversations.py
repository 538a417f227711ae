"""SqlStore on SQLite and PostgreSQL: conversation references and the cards posted in them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from minutes.records import ConversationType, ConvRef, PostedCard
from store import SqlStore, UnknownConversation
from tests.store.builders import MONDAY, later

SERVICE_URL = "https://smba.trafficmanager.net/emea/"
FLG_CHANNEL = ConvRef(
    service_url=SERVICE_URL,
    conversation_id="19:flg-general@thread.tacv2",
    conversation_type=ConversationType.CHANNEL,
    tenant_id="tenant-1",
    bot_id="28:minutesbot",
    team_id="19:flg-team@thread.tacv2",
)
FSG_CHANNEL = replace(
    FLG_CHANNEL, conversation_id="19:fsg-general@thread.tacv2", team_id="19:fsg-team@thread.tacv2"
)
ANNA = ConvRef(
    service_url=SERVICE_URL,
    conversation_id="a:1anna-personal",
    conversation_type=ConversationType.PERSONAL,
    tenant_id="tenant-1",
    bot_id="28:minutesbot",
    user_id="29:anna",
    user_aad_id="6F1C2B3A-0000-4000-8000-00000000AAAA",
)
GROUP_CHAT = ConvRef(
    service_url=SERVICE_URL,
    conversation_id="19:meeting-chat@thread.v2",
    conversation_type=ConversationType.GROUP_CHAT,
    tenant_id="tenant-1",
    bot_id="28:minutesbot",
)
ORIGIN = "teams:19:flg-general@thread.tacv2"


async def test_a_reference_round_trips_with_every_field(store: SqlStore) -> None:
    flg = replace(FLG_CHANNEL, group="FLG", channel_id="msteams")
    await store.save_conversation(flg, at=MONDAY)
    await store.save_conversation(ANNA, at=MONDAY)
    await store.save_conversation(GROUP_CHAT, at=MONDAY)

    assert await store.conversation(flg.conversation_id) == flg
    assert await store.conversation(ANNA.conversation_id) == ANNA
    assert await store.conversation(GROUP_CHAT.conversation_id) == GROUP_CHAT
    assert await store.conversation("19:unknown@thread.tacv2") is None


async def test_saving_again_replaces_the_reference_but_keeps_a_group_set_before(store: SqlStore) -> None:
    await store.save_conversation(replace(FLG_CHANNEL, group="FLG"), at=MONDAY)

    moved = replace(FLG_CHANNEL, service_url="https://smba.trafficmanager.net/emea2/")
    await store.save_conversation(moved, at=later(1))
    assert await store.conversation(FLG_CHANNEL.conversation_id) == replace(moved, group="FLG")

    await store.save_conversation(replace(moved, group="FSG"), at=later(2))
    assert await store.conversation(FLG_CHANNEL.conversation_id) == replace(moved, group="FSG")


async def test_conversations_filter_by_group_and_type(store: SqlStore) -> None:
    flg, fsg = replace(FLG_CHANNEL, group="FLG"), replace(FSG_CHANNEL, group="FSG")
    anna = replace(ANNA, group="FLG")
    for ref in (fsg, GROUP_CHAT, anna, flg):
        await store.save_conversation(ref, at=MONDAY)

    assert await store.conversations() == [flg, fsg, GROUP_CHAT, anna]  # by conversation id
    assert await store.conversations(group="FLG") == [flg, anna]
    assert await store.conversations(conversation_type=ConversationType.CHANNEL) == [flg, fsg]
    assert await store.conversations(group="FLG", conversation_type=ConversationType.PERSONAL) == [anna]
    assert await store.conversations(group="VSG") == []


async def test_a_personal_chat_is_found_by_object_id_in_any_case(store: SqlStore) -> None:
    await store.save_conversation(FLG_CHANNEL, at=MONDAY)
    await store.save_conversation(ANNA, at=MONDAY)
    assert ANNA.user_aad_id is not None

    assert await store.personal_conversation(ANNA.user_aad_id) == ANNA
    assert await store.personal_conversation(ANNA.user_aad_id.lower()) == ANNA
    assert await store.personal_conversation("6f1c2b3a-0000-4000-8000-00000000bbbb") is None
    # A group chat with the same person is not their personal chat.
    await store.save_conversation(replace(GROUP_CHAT, user_aad_id=ANNA.user_aad_id), at=later(1))
    assert await store.personal_conversation(ANNA.user_aad_id) == ANNA
    # Should Teams give a second personal chat, the newest is used.
    newer = replace(ANNA, conversation_id="a:0anna-again")
    await store.save_conversation(newer, at=later(2))
    assert await store.personal_conversation(ANNA.user_aad_id) == newer


async def test_setting_the_group_is_audited_once_per_change(store: SqlStore) -> None:
    await store.save_conversation(FLG_CHANNEL, at=MONDAY)
    conversation_id = FLG_CHANNEL.conversation_id

    await store.set_conversation_group(conversation_id, "FLG", by="aad:anna", at=later(1), origin=ORIGIN)
    await store.set_conversation_group(conversation_id, "FLG", by="aad:anna", at=later(2), origin=ORIGIN)
    await store.set_conversation_group(conversation_id, "FSG", by="aad:bo", at=later(3), origin=ORIGIN)
    assert await store.conversation(conversation_id) == replace(FLG_CHANNEL, group="FSG")
    await store.set_conversation_group(conversation_id, None, by="aad:bo", at=later(4), origin=ORIGIN)

    assert await store.conversation(conversation_id) == FLG_CHANNEL
    assert [
        (a.at, a.actor, a.action, a.origin, a.detail) for a in await store.audit_log(conversation_id)
    ] == [
        (later(1), "aad:anna", "conversation.group", ORIGIN, "-→FLG"),
        (later(3), "aad:bo", "conversation.group", ORIGIN, "FLG→FSG"),
        (later(4), "aad:bo", "conversation.group", ORIGIN, "FSG→-"),
    ]


async def test_a_group_set_by_a_user_survives_the_next_incoming_message(store: SqlStore) -> None:
    await store.save_conversation(FLG_CHANNEL, at=MONDAY)
    await store.set_conversation_group(
        FLG_CHANNEL.conversation_id, "FLG", by="aad:anna", at=later(1), origin=ORIGIN
    )

    await store.save_conversation(FLG_CHANNEL, at=later(2))

    assert await store.conversations(group="FLG") == [replace(FLG_CHANNEL, group="FLG")]


async def test_the_group_of_an_unknown_conversation_cannot_be_set(store: SqlStore) -> None:
    with pytest.raises(UnknownConversation):
        await store.set_conversation_group("19:unknown", "FLG", by="aad:anna", at=MONDAY, origin=ORIGIN)

    assert await store.audit_log() == []
    assert await store.conversations() == []


# -- posted cards ---------------------------------------------------------------------------------------------

DOCUMENT_KEY = "local:/minutes|flg-2024-08-26.docx"


async def test_posted_cards_are_found_by_subject_and_by_activity(store: SqlStore) -> None:
    flg, fsg = FLG_CHANNEL.conversation_id, FSG_CHANNEL.conversation_id
    await store.record_posted_card("meeting_summary", DOCUMENT_KEY, flg, "1:100", at=MONDAY)
    await store.record_posted_card("meeting_summary", DOCUMENT_KEY, fsg, "1:200", at=later(1))
    await store.record_posted_card("item", "item-key-1", flg, "1:101", at=later(2))
    await store.record_posted_card("digest", DOCUMENT_KEY, flg, "1:102", at=later(3))

    summary_in_flg = PostedCard("meeting_summary", DOCUMENT_KEY, flg, "1:100", MONDAY)
    assert await store.posted_cards("meeting_summary", DOCUMENT_KEY) == [
        summary_in_flg,
        PostedCard("meeting_summary", DOCUMENT_KEY, fsg, "1:200", later(1)),
    ]
    assert await store.posted_cards("item", "item-key-1") == [
        PostedCard("item", "item-key-1", flg, "1:101", later(2))
    ]
    assert await store.posted_cards("item", "item-key-2") == []
    assert await store.posted_card_by_activity(flg, "1:100") == summary_in_flg
    assert await store.posted_card_by_activity(fsg, "1:100") is None
    assert await store.posted_card_by_activity(flg, "1:999") is None


async def test_an_updated_card_keeps_its_post_time_and_a_reposted_one_replaces_it(store: SqlStore) -> None:
    flg = FLG_CHANNEL.conversation_id
    await store.record_posted_card("meeting_summary", DOCUMENT_KEY, flg, "1:100", at=MONDAY)

    await store.record_posted_card("meeting_summary", DOCUMENT_KEY, flg, "1:100", at=later(1))
    assert await store.posted_cards("meeting_summary", DOCUMENT_KEY) == [
        PostedCard("meeting_summary", DOCUMENT_KEY, flg, "1:100", MONDAY)
    ]

    await store.record_posted_card("meeting_summary", DOCUMENT_KEY, flg, "1:300", at=later(2))
    reposted = PostedCard("meeting_summary", DOCUMENT_KEY, flg, "1:300", later(2))
    assert await store.posted_cards("meeting_summary", DOCUMENT_KEY) == [reposted]
    assert await store.posted_card_by_activity(flg, "1:100") is None
    assert await store.posted_card_by_activity(flg, "1:300") == reposted


async def test_a_card_that_replaces_another_in_place_takes_over_its_activity(store: SqlStore) -> None:
    flg = FLG_CHANNEL.conversation_id
    await store.record_posted_card("digest", "FLG:2024-W35", flg, "1:100", at=MONDAY)

    await store.record_posted_card("item", "item-key-1", flg, "1:100", at=later(1))

    assert await store.posted_card_by_activity(flg, "1:100") == PostedCard(
        "item", "item-key-1", flg, "1:100", later(1)
    )
    assert await store.posted_cards("digest", "FLG:2024-W35") == []
