"""DiscordChatExporter JSON: real exports (SOURCES.md section 6) and the quirks they carry."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.discord import SOURCE as DISCORD

from .test_slack import by_id, detected_by, summary, table_rows, warehouse_figures

DM = "discord/chat_analytics_dce_DM_2A_2M.json"
GROUP = "discord/chat_analytics_dce_GC_3A_5M.json"
SERVER = "discord/chat_analytics_dce_SV_5A_5M.json"
PART1 = "discord/zulip_dce_general_part1_reactions_mentions.json"
PART2 = "discord/zulip_dce_general_part2_replies.json"


def parse(path: Path) -> dict:
    return DISCORD.parse(path, ParseContext())


# How the figures were counted, in realdata/discord:
#   message types: jq -c '[.messages[].type] | group_by(.) | map([.[0], length])' <file>
#     DM: Default 2, Call 1 | GC: Default 3, Call 1, ChannelIconChange 1, ChannelNameChange 1
#     SV: Default 5 | part1: Default 11, GuildMemberJoin 1
#     part2: Default 8, Reply 2, ChannelPinnedMessage 1, GuildMemberJoin 1
#     -> every kind but Default and Reply is skipped; DM and GC messages are dms, the server's
#        Default messages posts (each its own thread), Reply messages replies.
#   reactions: jq -s '[.[] | .messages[] | .reactions[]? | if .users then (.users|length)
#     else "count-only" end]' -> 3 count-only (DM 1, SV 2: rejected), 1+2+1+1+1 = 6 users.
#   mentions: pieter mentions himself (not a row); hamlet mentions pieter (1 row).
#   people: jq -s '[.[] | .messages[] | select(.type=="Default" or .type=="Reply") | .author.id,
#     (.mentions[]?.id), (.reactions[]?.users[]?.id)] | unique | length' -> 7.
#   threads: SV has 5 posts but one id twice -> 4; part2's 8 posts + the reply whose parent
#     1519337311018553354 is in no file (its thread is that parent) -> 9 + the reply into part1.
FILES = [
    pytest.param(DM, {"people": 2, "kinds": {"dm": 2}, "skipped": 1, "rejected": 1, "threads": 1},
                 id="direct-message"),
    pytest.param(GROUP, {"people": 3, "kinds": {"dm": 3}, "skipped": 3, "rejected": 0,
                         "threads": 1}, id="group-dm"),
    pytest.param(SERVER, {"people": 2, "kinds": {"post": 5}, "skipped": 0, "rejected": 2,
                          "threads": 4}, id="server-duplicates"),
    pytest.param(PART1, {"people": 2, "kinds": {"post": 11, "reaction": 6}, "skipped": 1,
                         "rejected": 0, "threads": 11}, id="part1"),
    pytest.param(PART2, {"people": 2, "kinds": {"post": 8, "reply": 2, "mention": 1},
                         "skipped": 2, "rejected": 0, "threads": 10}, id="part2"),
    pytest.param("discord", {"people": 7, "kinds": {"dm": 5, "post": 24, "reply": 2,
                                                    "reaction": 6, "mention": 1},
                             "skipped": 7, "rejected": 3, "threads": 26}, id="whole-folder"),
]


@pytest.mark.parametrize("path, expected", FILES)
def test_real_exports_give_the_counted_figures(realdata, path, expected):
    assert summary(parse(realdata / path)) == expected


@pytest.mark.parametrize("path", [DM, SERVER, "discord"])
def test_parsing_twice_gives_identical_output(realdata, path):
    assert parse(realdata / path) == parse(realdata / path)


@pytest.fixture
def split_channel(realdata, tmp_path) -> Path:
    """The two parts of the zulip channel under DiscordChatExporter's own part names."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "general [1519311538035490958] [part 2].json").symlink_to(realdata / PART2)
    (folder / "general [1519311538035490958].json").symlink_to(realdata / PART1)
    return folder


def test_split_parts_are_read_together_so_replies_find_their_parents(realdata, split_channel):
    reply = "discord:1519315200522846228"  # in part 2, answering 1519313281611862046 in part 1
    alone = by_id(parse(realdata / PART2))[reply]
    together = by_id(parse(split_channel))[reply]
    assert alone["in_reply_to"] == together["in_reply_to"] == "discord:1519313281611862046"
    assert alone["target_id"] is None  # the parent is in another file
    assert together["target_id"] == "discord:1000000000000000001"  # pieter, the parent's author
    assert together["thread_id"] == "discord:1519313281611862046"
    assert summary(parse(split_channel))["kinds"] == {"post": 19, "reply": 2, "reaction": 6,
                                                      "mention": 1}


def test_reply_to_a_message_in_no_file_threads_on_that_message(realdata):
    row = by_id(parse(realdata / PART2))["discord:1519337352315797534"]
    assert (row["kind"], row["in_reply_to"], row["thread_id"], row["target_id"]) == (
        "reply", "discord:1519337311018553354", "discord:1519337311018553354", None)


def test_duplicate_ids_are_all_emitted_and_noted(realdata):
    out = parse(realdata / SERVER)
    ids = [r["interaction_id"] for r in out.interactions]
    assert ids.count("discord:459136077417021488") == 2
    assert out.notes == ["1 message(s) repeat an id already in the export"]


def test_reactions_with_users_make_rows_and_count_only_reactions_are_rejected(realdata):
    rows = by_id(parse(realdata / PART1))
    row = rows["discord:1519313281611862046/reaction/1000000000000000002/😆"]
    assert (row["kind"], row["actor_id"], row["target_id"], row["in_reply_to"]) == (
        "reaction", "discord:1000000000000000002", "discord:1000000000000000001",
        "discord:1519313281611862046")
    out = parse(realdata / SERVER)
    assert [(r.file, r.line, r.table) for r in out.rejected] == [
        ("chat_analytics_dce_SV_5A_5M.json", 5, "interactions")] * 2
    assert "reaction paul:464662216386412545 (count 3)" in out.rejected[0].reason
    assert "lists no users" in out.rejected[0].reason


@pytest.mark.parametrize("path, message, kind, target, thread, automated", [
    # a two-person DM: the other person is the target, the opening message included
    (DM, "530805779645595660", "dm", "discord:444444444444444444", "discord:530805775262679064", False),
    (DM, "538148765782114306", "dm", "discord:111111111111111111", "discord:530805775262679064", True),
    # a group DM: the first message has no target, a reply targets its parent's author
    (GROUP, "1064990824305274930", "dm", None, "discord:1064990764406419508", False),
    (GROUP, "530805779645595660", "dm", "discord:333333333333333333",
     "discord:1064990764406419508", False),
    # a server channel: a top-level message is a post rooting its own thread
    (SERVER, "447793085255123004", "post", None, "discord:447793085255123004", False),
])
def test_conversation_kinds(realdata, path, message, kind, target, thread, automated):
    row = by_id(parse(realdata / path))[f"discord:{message}"]
    assert (row["kind"], row["target_id"], row["thread_id"], row["automated"]) == (
        kind, target, thread, automated)


def test_times_keep_offsets_and_any_fraction(realdata):
    rows = by_id(parse(realdata / PART1))
    # "2026-06-24T19:07:52.67+07:00": two fractional digits, a +07:00 offset
    when = rows["discord:1519313109049806910"]["occurred_at"]
    assert when.isoformat() == "2026-06-24T19:07:52.670000+07:00"


def test_deleted_user_is_a_person_and_mentions_name_people(realdata):
    people = {p["person_id"]: p for p in parse(realdata / SERVER).people}
    assert people["discord:555555555555555555"]["display_name"] == "Deleted User"
    # "Should honor nickname over name": the handle is the name, the display name the nickname
    person = {p["person_id"]: p for p in parse(realdata / GROUP).people}["discord:333333333333333333"]
    assert (person["handle"], person["display_name"]) == ("not a plant", "theplant")
    rows = by_id(parse(realdata / PART2))
    mention = rows["discord:1519337614350618754/mention/1000000000000000001"]
    assert (mention["actor_id"], mention["target_id"]) == (
        "discord:1000000000000000002", "discord:1000000000000000001")


def test_a_missing_time_is_rejected_never_invented(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"guild": {"id": "1"}, "channel": {"id": "2", "type": "GuildTextChat"}, '
                    '"messages": [{"id": "3", "type": "Default", "timestamp": "2024-01-01T10:00:00",'
                    ' "author": {"id": "4"}}]}')
    out = parse(path)
    assert out.interactions == []
    [rejected] = out.rejected
    assert rejected.line == 1 and "no usable time" in rejected.reason


def test_ours_comes_from_the_team(realdata):
    out = DISCORD.parse(realdata / DM, ParseContext(ours={"discord": {"mlomb"}}))
    assert out.owners == {"discord:111111111111111111"}


@pytest.mark.parametrize("path", [DM, GROUP, SERVER, PART1, PART2, "discord"])
def test_exports_are_detected_by_discord_alone(realdata, path):
    assert detected_by(realdata / path) == ["discord"]


@pytest.mark.parametrize("path", ["slack/hfaran_slack_export_viewer_testarchive",
                                  "facebook/chat_analytics_messenger_export_2A_7M.json"])
def test_other_exports_are_refused_naming_what_was_expected(realdata, path):
    assert not DISCORD.detect(realdata / path)
    with pytest.raises(SourceError, match="DiscordChatExporter"):
        parse(realdata / path)


def test_truncated_file_is_refused(realdata, tmp_path):
    path = tmp_path / "general.json"
    path.write_text((realdata / PART1).read_text()[:5000])
    assert DISCORD.detect(path)
    with pytest.raises(SourceError, match="general.json: not valid JSON"):
        parse(path)


# --- end to end: the loader, a real DuckDB file, loaded twice -------------------------------

@pytest.mark.parametrize("path, figures, duplicate, quarantined", [
    # The whole folder: 38 rows, two of them repeating an id (SV's twin, and
    # 530805779645595660 in both DM and GC files): the last one read (GC's) wins, so the DM
    # keeps only 444 -> 111 and no thread has both directions.
    ("discord", {"people": 7, "interactions": 36, "threads": 26, "two_way_threads": 0}, 2, 3),
    # The DM alone: 111 -> 444 and 444 -> 111 in one conversation.
    (DM, {"people": 2, "interactions": 2, "threads": 1, "two_way_threads": 1}, 0, 1),
])
def test_load_end_to_end_twice(realdata, duckdb_url, path, figures, duplicate, quarantined):
    from pipelines.load import load_paths

    [first] = load_paths([realdata / path], duckdb_url)
    assert (first.status, first.format) == ("loaded", "discord"), first.message
    assert (first.duplicate, first.quarantined) == (duplicate, quarantined)
    rows = table_rows(duckdb_url)
    [second] = load_paths([realdata / path], duckdb_url)
    assert second.status == "loaded" and table_rows(duckdb_url) == rows
    assert warehouse_figures(duckdb_url, "discord") == figures
