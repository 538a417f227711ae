"""Following groups from the chat: only the group's secretary or an administrator may make a conversation
follow a group; what a conversation or a person may see (their scope)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from minutes.records import ConversationType, RosterEntry
from store import SqlStore
from tests.workflows.chat_fixtures import ANNIKA, CHANNEL, NOW, PERSONAL, STRANGER, YVONNE, clock, ingest_flg
from workflows.following import Administrators, Following, scope_of

OTHER_CHANNEL = replace(
    CHANNEL, conversation_id="19:annat@thread.tacv2", team_id="19:annat@thread.tacv2", group=None
)
GROUP_CHAT = replace(
    CHANNEL,
    conversation_id="19:chatt@thread.v2",
    conversation_type=ConversationType.GROUP_CHAT,
    team_id=None,
    group=None,
)
ADMIN = replace(STRANGER, aad_object_id="AAD-ADMIN", name="Ada Admin")


async def test_the_secretary_makes_the_channel_follow_the_group(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.save_conversation(OTHER_CHANNEL, at=NOW)
    following = Following(store, clock)
    outcome = await following.follow("flg", YVONNE, OTHER_CHANNEL)
    assert outcome.changed and outcome.group == "FLG" and "följer nu FLG" in outcome.text
    assert await store.followed_groups(OTHER_CHANNEL.conversation_id) == {"FLG"}
    audit = [
        a for a in await store.audit_log(OTHER_CHANNEL.conversation_id) if a.action == "conversation.follow"
    ]
    assert [(a.actor, a.origin) for a in audit] == [("aad-yk", f"teams:{OTHER_CHANNEL.conversation_id}")]
    again = await following.follow("FLG", YVONNE, OTHER_CHANNEL)
    assert not again.changed and "redan" in again.text
    stopped = await following.unfollow("FLG", YVONNE, OTHER_CHANNEL)
    assert stopped.changed and await store.followed_groups(OTHER_CHANNEL.conversation_id) == frozenset()


async def test_anyone_else_is_refused_politely(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.save_conversation(OTHER_CHANNEL, at=NOW)
    following = Following(store, clock)
    for person in (ANNIKA, STRANGER):  # a member of the group who is not its secretary, and a stranger
        outcome = await following.follow("FLG", person, OTHER_CHANNEL)
        assert not outcome.changed and "sekreterare" in outcome.text and "administratör" in outcome.text
    assert await store.followed_groups(OTHER_CHANNEL.conversation_id) == frozenset()
    refused = await following.unfollow("FLG", STRANGER, CHANNEL)
    assert not refused.changed and await store.followed_groups(CHANNEL.conversation_id) == {"FLG"}


async def test_an_administrator_by_object_id_or_upn(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.save_conversation(GROUP_CHAT, at=NOW)
    by_id = Following(store, clock, Administrators.parse("aad-admin"))
    assert (await by_id.follow("FSG", ADMIN, GROUP_CHAT)).changed  # a group with no roster yet
    by_upn = Following(store, clock, Administrators.parse("rn@kommun.example"))
    rickard = replace(STRANGER, aad_object_id="aad-rn", name="Rickard Nilsson")  # the roster knows his UPN
    assert (await by_upn.follow("FLG", rickard, GROUP_CHAT)).changed
    assert await store.followed_groups(GROUP_CHAT.conversation_id) == {"FLG", "FSG"}


async def test_following_is_said_in_the_conversation_not_a_personal_chat(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    outcome = await Following(store, clock).follow("FLG", YVONNE, PERSONAL)
    assert not outcome.changed and "kanalen" in outcome.text


async def test_a_malformed_group_name_is_refused(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    outcome = await Following(store, clock, Administrators.parse("aad-admin")).follow(
        "FLG; drop", ADMIN, CHANNEL
    )
    assert not outcome.changed and "gruppnamn" in outcome.text


async def test_the_scope_of_a_channel_is_what_it_follows(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.save_conversation(OTHER_CHANNEL, at=NOW)
    assert await scope_of(store, STRANGER, CHANNEL) == {"FLG"}
    assert await scope_of(store, YVONNE, OTHER_CHANNEL) == frozenset()


async def test_the_scope_of_a_personal_chat_is_the_users_groups(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.save_roster("FSG", [RosterEntry("FSG", "BB", "Bo Berg", (), "aad-bb", None)])
    assert await scope_of(store, ANNIKA, PERSONAL) == {"FLG"}
    stranger_chat = replace(PERSONAL, conversation_id="a:personal-xx", user_aad_id="aad-xx", user_id="29:xx")
    assert await scope_of(store, STRANGER, stranger_chat) == frozenset()
