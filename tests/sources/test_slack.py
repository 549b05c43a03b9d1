"""Slack workspace exports: real exports (SOURCES.md section 3) and the quirks they carry."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines.records import Parsed
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.discord import SOURCE as DISCORD
from pipelines.sources.mattermost import SOURCE as MATTERMOST
from pipelines.sources.messenger import SOURCE as MESSENGER
from pipelines.sources.slack import SOURCE as SLACK
from pipelines.sources.telegram import SOURCE as TELEGRAM
from pipelines.warehouse import make_engine

MESSAGE_KINDS = ("post", "reply", "comment", "dm")
OTHERS = {"discord": DISCORD, "telegram": TELEGRAM, "messenger": MESSENGER,
          "mattermost": MATTERMOST, "slack": SLACK}
HFARAN = "slack/hfaran_slack_export_viewer_testarchive"
SCRAMBLED = "slack/slackdump_export_scrambled"
META = "slack/slackdump_reference_export_meta"


def summary(out: Parsed) -> dict:
    """The figures a test compares with what was counted in the files by hand."""
    return {
        "people": len(out.people),
        "kinds": dict(Counter(r["kind"] for r in out.interactions)),
        "skipped": out.skipped,
        "rejected": len(out.rejected),
        "threads": len({r["thread_id"] for r in out.interactions if r["kind"] in MESSAGE_KINDS}),
    }


def detected_by(path: Path) -> list[str]:
    return [name for name, source in OTHERS.items() if source.detect(path)]


# Two-way threads: two distinct people P, Q with P→Q and Q→P among conversational rows.
TWO_WAY_THREADS = """
    SELECT count(DISTINCT a.thread_id) FROM interactions a JOIN interactions b
      ON a.thread_id = b.thread_id AND a.actor_id = b.target_id AND a.target_id = b.actor_id
     WHERE a.platform = :platform AND a.actor_id <> a.target_id
       AND a.kind IN ('reply', 'comment', 'mention', 'dm')
       AND b.kind IN ('reply', 'comment', 'mention', 'dm')
"""


def warehouse_figures(url: str, platform: str) -> dict:
    """Rows, threads and two-way threads of one platform, counted in SQL in the warehouse."""
    with make_engine(url).connect() as conn:
        p = {"platform": platform}
        return {
            "people": conn.execute(sa.text(
                "SELECT count(*) FROM people WHERE platform = :platform"), p).scalar(),
            "interactions": conn.execute(sa.text(
                "SELECT count(*) FROM interactions WHERE platform = :platform"), p).scalar(),
            "threads": conn.execute(sa.text(
                "SELECT count(DISTINCT thread_id) FROM interactions WHERE platform = :platform "
                "AND kind IN ('post', 'reply', 'comment', 'dm')"), p).scalar(),
            "two_way_threads": conn.execute(sa.text(TWO_WAY_THREADS), p).scalar(),
        }


def table_rows(url: str) -> dict[str, list]:
    with make_engine(url).connect() as conn:
        return {t: sorted(tuple(r) for r in conn.execute(sa.text(
            f"SELECT * EXCLUDE (load_id) FROM {t}"))) for t in ("people", "interactions")}


# How the figures were counted, in the export folders under realdata/slack:
#   subtypes: jq -s '[.[][] | .subtype] | group_by(.) | map([.[0], length])' <ch>/*.json
#     hfaran: null 49, bot_message 94, file_share 3, file_comment 1, channel_join 8, bot_add 3
#       -> posts 49+94+3 = 146, comment 1, skipped 8+3 = 11; every post roots its own thread.
#     scrambled: roots 10 + replies 4 (thread_ts != ts), channel_join 1, tombstone 1
#       -> posts 10, replies 4, skipped 2; threads = 10 roots + the tombstone's = 11.
#   people: jq length users.json (4, 10, 8) plus bots without a user
#     (jq -s '[.[][] | select(.user == null) | .bot_id] | unique': 3 in hfaran).
#   mentions (hfaran): python over non-skipped messages, len(set(re.findall(r'<@(U\w+)',
#     text)) - {author}) summed, with file_comment's comment text -> 14.
#   reactions: one reaction, one user (botman by U0BMYT2FL) in hfaran.
EXPORTS = [
    pytest.param(HFARAN, {"people": 7, "kinds": {"post": 146, "comment": 1, "mention": 14,
                                                 "reaction": 1},
                          "skipped": 11, "rejected": 0, "threads": 146}, 158, id="hfaran-2016"),
    pytest.param(SCRAMBLED, {"people": 10, "kinds": {"post": 10, "reply": 4},
                             "skipped": 2, "rejected": 0, "threads": 11}, 16, id="slackdump-2025"),
    pytest.param(META, {"people": 8, "kinds": {}, "skipped": 0, "rejected": 0, "threads": 0}, 0,
                 id="workspace-lists-only"),
]


@pytest.mark.parametrize("folder, expected, rows_read", EXPORTS)
def test_real_exports_give_the_counted_figures(realdata, folder, expected, rows_read):
    out = SLACK.parse(realdata / folder, ParseContext())
    assert summary(out) == expected
    assert out.rows_read == rows_read


@pytest.mark.parametrize("folder", [HFARAN, SCRAMBLED, META])
def test_parsing_twice_gives_identical_output(realdata, folder):
    first, second = (SLACK.parse(realdata / folder, ParseContext()) for _ in range(2))
    assert first == second


def by_id(out: Parsed) -> dict[str, dict]:
    return {r["interaction_id"]: r for r in out.interactions}


def test_reply_in_another_day_file_keeps_its_thread(realdata):
    rows = by_id(SLACK.parse(realdata / SCRAMBLED, ParseContext()))
    parent = rows["slack:CO69735E8A/1736478630.905399"]  # in 2025-01-10.json
    reply = rows["slack:CO69735E8A/1736554746.482349"]  # in 2025-01-11.json
    assert (parent["_file"], reply["_file"]) == ("B75B4C7/2025-01-10.json", "B75B4C7/2025-01-11.json")
    assert parent["kind"] == "post" and parent["thread_id"] == parent["interaction_id"]
    assert reply["kind"] == "reply" and reply["thread_id"] == parent["interaction_id"]
    # Slack names only the thread: the loader infers whom the reply answers.
    assert reply["in_reply_to"] is None and reply["target_id"] is None


def test_tombstone_parent_is_skipped_and_its_reply_keeps_the_thread(realdata):
    rows = by_id(SLACK.parse(realdata / SCRAMBLED, ParseContext()))
    tombstone = "slack:CO69735E8A/1736554828.343759"
    assert tombstone not in rows
    assert rows["slack:CO69735E8A/1736554838.911679"]["thread_id"] == tombstone


def test_pre_thread_export_has_only_roots(realdata):
    out = SLACK.parse(realdata / HFARAN, ParseContext())
    messages = [r for r in out.interactions if r["kind"] in ("post", "reply")]
    assert messages and all(r["kind"] == "post" for r in messages)
    assert all(r["thread_id"] == r["interaction_id"] for r in messages)


def test_ts_is_kept_as_the_exported_string(realdata):
    rows = by_id(SLACK.parse(realdata / HFARAN, ParseContext()))
    # enrique/2016-01-15.json: "ts": "1452845956.000010" (a float would drop the last zero).
    row = rows["slack:C0JGLMMNX/1452845956.000010"]
    assert row["occurred_at"].microsecond == 10
    assert row["occurred_at"].isoformat() == "2016-01-15T08:19:16.000010+00:00"


def test_bot_messages_are_automated_messages(realdata):
    out = SLACK.parse(realdata / HFARAN, ParseContext())
    bots = Counter(r["actor_id"] for r in out.interactions if r["automated"])
    # jq -s '[.[][] | select(.subtype == "bot_message") | .bot_id] | group_by(.) | map([.[0], length])'
    assert bots == {"slack:B0JL6RASU": 49, "slack:B0JL6UFSL": 28, "slack:B0VJZKVHC": 17}
    scrambled = by_id(SLACK.parse(realdata / SCRAMBLED, ParseContext()))
    # 2025-01-18.json: a bot user's message carrying both user and bot_id.
    assert scrambled["slack:CO69735E8A/1737160363.583369"]["automated"] is True
    assert scrambled["slack:CO69735E8A/1737160363.583369"]["actor_id"] == "slack:UO0EC43A4792"


def test_mentions_reactions_and_file_comments(realdata):
    rows = by_id(SLACK.parse(realdata / HFARAN, ParseContext()))
    mention = rows["slack:C0JGLMMNX/1452837352.000006/mention/U0BMYT2FL"]
    assert (mention["kind"], mention["actor_id"], mention["target_id"]) == (
        "mention", "slack:U0BMQB6JE", "slack:U0BMYT2FL")
    assert mention["thread_id"] == "slack:C0JGLMMNX/1452837352.000006"
    reaction = rows["slack:C0JGLMMNX/1459154014.000018/reaction/U0BMYT2FL/botman"]
    assert (reaction["kind"], reaction["actor_id"], reaction["target_id"]) == (
        "reaction", "slack:U0BMYT2FL", "slack:B0JL6RASU")
    comment = rows["slack:C0JL6CGQ2/1459106048.000018"]
    assert comment["kind"] == "comment"
    assert comment["in_reply_to"] == comment["thread_id"] == "slack:C0JL6CGQ2/1459105865.000017"
    assert comment["target_id"] == "slack:U0BMS113R"


def test_people_carry_handles_and_ours_comes_from_the_team(realdata):
    out = SLACK.parse(realdata / HFARAN, ParseContext(ours={"slack": {"hamza"}}))
    people = {p["person_id"]: p for p in out.people}
    assert people["slack:U0BMQB6JE"] == {"person_id": "slack:U0BMQB6JE", "platform": "slack",
                                          "handle": "hamza", "display_name": "Hamza Faran",
                                          "is_ours": True}
    assert [p for p in out.people if p["is_ours"]] == [people["slack:U0BMQB6JE"]]
    assert out.owners == {"slack:U0BMQB6JE"}


def write_export(root: Path, lists: dict[str, list], days: dict[str, list]) -> Path:
    """A small Slack export written for one test (the real ones have no DMs)."""
    root.mkdir()
    for name, content in {"users.json": [{"id": "UA", "name": "ann"}, {"id": "UB", "name": "bob"},
                                         {"id": "UC", "name": "cy"}], **lists}.items():
        (root / name).write_text(json.dumps(content))
    for relative, messages in days.items():
        (root / relative).parent.mkdir(exist_ok=True)
        (root / relative).write_text(json.dumps(messages))
    return root


def test_direct_and_group_messages(tmp_path):
    export = write_export(tmp_path / "export", {
        "channels.json": [],
        "dms.json": [{"id": "D1", "members": ["UA", "UB"]}],
        "mpims.json": [{"id": "G1", "name": "mpdm-ann--bob--cy-1", "members": ["UA", "UB", "UC"]}],
    }, {
        "D1/2025-01-01.json": [{"type": "message", "user": "UA", "text": "hi", "ts": "1735725600.000100"},
                               {"type": "message", "user": "UB", "text": "yo", "ts": "1735725660.000200",
                                "thread_ts": "1735725600.000100"}],
        "mpdm-ann--bob--cy-1/2025-01-01.json": [
            {"type": "message", "user": "UC", "text": "all", "ts": "1735725700.000300"}],
    })
    rows = by_id(SLACK.parse(export, ParseContext()))
    assert {k: (r["kind"], r["target_id"], r["thread_id"]) for k, r in rows.items()} == {
        # In a DM the other member is the target, the opening message included.
        "slack:D1/1735725600.000100": ("dm", "slack:UB", "slack:D1"),
        "slack:D1/1735725660.000200": ("dm", "slack:UA", "slack:D1"),
        # A group DM's targets are left to the loader's inference.
        "slack:G1/1735725700.000300": ("dm", None, "slack:G1"),
    }


@pytest.mark.parametrize("message, reason", [
    ({"type": "message", "user": "UA", "text": "no time"}, "no usable time"),
    ({"type": "message", "user": "UA", "ts": 1735725600.0001}, "not a string"),
    ({"type": "message", "user": "UA", "ts": "yesterday"}, "not epoch seconds"),
    ({"type": "message", "text": "nobody", "ts": "1735725600.000100"}, "without an author"),
])
def test_bad_records_are_rejected_with_file_and_number(tmp_path, message, reason):
    good = {"type": "message", "user": "UB", "text": "fine", "ts": "1735725500.000100"}
    export = write_export(tmp_path / "export", {"channels.json": [{"id": "C1", "name": "general"}]},
                          {"general/2025-01-01.json": [good, message]})
    out = SLACK.parse(export, ParseContext())
    assert [r["interaction_id"] for r in out.interactions] == ["slack:C1/1735725500.000100"]
    [rejected] = out.rejected
    assert (rejected.file, rejected.line, rejected.table) == ("general/2025-01-01.json", 2,
                                                              "interactions")
    assert reason in rejected.reason


def test_unknown_subtype_is_skipped_and_named(tmp_path):
    export = write_export(tmp_path / "export", {"channels.json": [{"id": "C1", "name": "general"}]},
                          {"general/2025-01-01.json": [
                              {"type": "message", "subtype": "brand_new_notice", "ts": "1735725500.0"}]})
    out = SLACK.parse(export, ParseContext())
    assert out.skipped == 1 and out.interactions == []
    assert any("brand_new_notice" in note for note in out.notes)


def test_corrupt_day_file_refuses_the_export_naming_it(tmp_path):
    export = write_export(tmp_path / "export", {"channels.json": [{"id": "C1", "name": "general"}]},
                          {"general/2025-01-01.json": []})
    (export / "general" / "2025-01-01.json").write_text('[{"type": "message", "ts": "17357')
    with pytest.raises(SourceError, match=r"general/2025-01-01\.json: not valid JSON at line 1"):
        SLACK.parse(export, ParseContext())


def test_web_api_response_is_recognised_and_refused(realdata):
    path = realdata / "slack/perceval_api_conversations_history.json"
    assert detected_by(path) == ["slack"]
    with pytest.raises(SourceError, match="Web API response .* does not name its channel"):
        SLACK.parse(path, ParseContext())


@pytest.mark.parametrize("folder", [HFARAN, SCRAMBLED, META])
def test_exports_are_detected_by_slack_alone(realdata, folder):
    assert detected_by(realdata / folder) == ["slack"]


@pytest.mark.parametrize("path", ["telegram/chat_analytics_desktop_export_DM_2A_7M.json",
                                  "discord", "mattermost/perceval_api_channel_posts.json"])
def test_other_exports_are_refused_naming_what_was_expected(realdata, path):
    assert not SLACK.detect(realdata / path)
    with pytest.raises(SourceError, match="expected a Slack workspace export folder"):
        SLACK.parse(realdata / path, ParseContext())


# --- end to end: the loader, a real DuckDB file, loaded twice -------------------------------

@pytest.mark.parametrize("folder, figures", [
    # hfaran: 146 roots, no thread holds both directions (each mention is its own post's).
    (HFARAN, {"people": 7, "interactions": 162, "threads": 146, "two_way_threads": 0}),
    # scrambled: thread 1736478630.905399 is "A asks, B answers, A thanks B": two-way only once
    # the loader infers both replies' targets. Thread 1736554801.872639 is B asks, A answers.
    (SCRAMBLED, {"people": 10, "interactions": 14, "threads": 11, "two_way_threads": 1}),
])
def test_load_end_to_end_twice(realdata, duckdb_url, folder, figures):
    from pipelines.load import load_paths

    [first] = load_paths([realdata / folder], duckdb_url)
    assert (first.status, first.format) == ("loaded", "slack"), first.message
    rows = table_rows(duckdb_url)
    [second] = load_paths([realdata / folder], duckdb_url)
    assert second.status == "loaded" and table_rows(duckdb_url) == rows
    assert warehouse_figures(duckdb_url, "slack") == figures
