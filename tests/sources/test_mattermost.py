"""Mattermost posts: real perceval items and API response (SOURCES.md section 9), variants."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.mattermost import SOURCE as MATTERMOST

from .test_slack import by_id, detected_by, summary, table_rows, warehouse_figures

PERCEVAL = "mattermost/elk_perceval_items_openshift_posts.json"
API = "mattermost/perceval_api_channel_posts.json"


def parse(path: Path, **ours: set[str]):
    return MATTERMOST.parse(path, ParseContext(ours=ours))


# How the figures were counted:
#   jq -c '[.[].data.type] | group_by(.) | map([.[0], length])' <perceval file>
#     -> "" 56, system_join_team 26, system_leave_team 4, system_displayname_change 3 (skipped 33)
#   jq '[.[].data | select(.type=="" and .root_id != "")] | length' -> 10 replies, so 46 posts
#   jq '[.[].data.user_id] | unique | length' -> 43 people
#   mentions: python over the 56 posts, re.findall(r'@([\w.\-]+)', message) with a trailing "."
#     dropped, matched to usernames of the file, the author excluded, distinct per post -> 16
#   API response: jq -c '[.posts[] | .root_id != ""] | group_by(.) | map([.[0], length])'
#     -> 4 roots, 1 reply; two user ids, no user data.
FILES = [
    pytest.param(PERCEVAL, {"people": 43, "kinds": {"post": 46, "reply": 10, "mention": 16},
                            "skipped": 33, "rejected": 0, "threads": 46}, 89, id="perceval-items"),
    pytest.param(API, {"people": 2, "kinds": {"post": 4, "reply": 1}, "skipped": 0,
                       "rejected": 0, "threads": 4}, 5, id="api-response"),
]


@pytest.mark.parametrize("path, expected, rows_read", FILES)
def test_real_files_give_the_counted_figures(realdata, path, expected, rows_read):
    out = parse(realdata / path)
    assert summary(out) == expected
    assert out.rows_read == rows_read


@pytest.mark.parametrize("path", [PERCEVAL, API])
def test_parsing_twice_gives_identical_output(realdata, path):
    assert parse(realdata / path) == parse(realdata / path)


def test_replies_name_only_their_thread(realdata):
    rows = by_id(parse(realdata / API))
    reply = rows["mattermost:59io5i1f5bbetxtj6mbm67fouw"]
    assert (reply["kind"], reply["thread_id"], reply["in_reply_to"], reply["target_id"]) == (
        "reply", "mattermost:pot46s7kjif7xx6x91ua7m4d7y", None, None)
    root = rows["mattermost:pot46s7kjif7xx6x91ua7m4d7y"]
    assert root["kind"] == "post" and root["thread_id"] == root["interaction_id"]
    assert root["occurred_at"].isoformat() == "2018-04-12T09:43:49.586000+00:00"


def test_plain_text_handles_of_people_in_the_file_are_mentions(realdata):
    out = parse(realdata / PERCEVAL)
    rows = by_id(out)
    handles = {p["person_id"]: p["handle"] for p in out.people}
    # "@matthieu.merlyn , At the moment, ..." (a handle with a dot, then a comma)
    mention = rows["mattermost:ua5hmbz5o3dqmkj85wwja83obc/mention/7k3a1axm3pg8tj9fffm3zm6gte"]
    assert handles[mention["target_id"]] == "matthieu.merlyn"
    assert mention["thread_id"] == "mattermost:nzn3164qnpgx7g1gefpjp8k5py"
    # "@here ^" names nobody
    assert not [k for k in rows if k.startswith("mattermost:71ciu19azjf1bnfob1ntc9i6jr/")]


def test_posts_without_listed_reactions_are_noted(realdata):
    out = parse(realdata / PERCEVAL)
    assert out.notes == ["2 post(s) say they have reactions but the file does not list them "
                         "(metadata.reactions): those reactions are not loaded"]


def envelope(post: dict, channel_type: str = "O", channel_name: str = "town-square") -> dict:
    user = {"username": f"name_{post['user_id']}", "first_name": "First", "last_name": "Last"}
    data = {"channel_id": "ch", "root_id": "", "parent_id": "", "type": "", "delete_at": 0,
            "props": {}, "message": "", "user_data": user,
            "channel_data": {"type": channel_type, "name": channel_name}, **post}
    return {"backend_name": "Mattermost", "category": "post", "data": data}


def write_stream(tmp_path: Path, items: list[dict]) -> Path:
    """Items written one after another, as perceval's command line does."""
    path = tmp_path / "posts.json"
    path.write_text("\n".join(json.dumps(item, indent=4) for item in items))
    return path


def test_direct_and_group_channels_reactions_and_automation(tmp_path):
    path = write_stream(tmp_path, [
        envelope({"id": "p1", "user_id": "ua", "create_at": 1700000000000}, "D", "ua__ub"),
        envelope({"id": "p2", "user_id": "ub", "create_at": 1700000060000, "root_id": "p1",
                  "metadata": {"reactions": [{"user_id": "ua", "post_id": "p2", "emoji_name": "tada",
                                              "create_at": 1700000120000}]}}, "D", "ua__ub"),
        envelope({"id": "p3", "user_id": "uc", "create_at": 1700000000000}, "G", "abc"),
        envelope({"id": "p4", "user_id": "bot", "create_at": 1700000000000,
                  "props": {"from_webhook": "true"}, "message": "build passed @name_ua"}),
        envelope({"id": "p5", "user_id": "ua", "create_at": 1700000000000, "delete_at": 1700000001000}),
        envelope({"id": "p6", "user_id": "ua", "create_at": "yesterday"}),
    ])
    out = parse(path, mattermost={"name_ua"})
    rows = by_id(out)
    assert {k: (r["kind"], r["actor_id"], r["target_id"], r["thread_id"], r["automated"])
            for k, r in rows.items()} == {
        "mattermost:p1": ("dm", "mattermost:ua", "mattermost:ub", "mattermost:ch", False),
        "mattermost:p2": ("dm", "mattermost:ub", "mattermost:ua", "mattermost:ch", False),
        "mattermost:p2/reaction/ua/tada": ("reaction", "mattermost:ua", "mattermost:ub",
                                           "mattermost:ch", False),
        "mattermost:p3": ("dm", "mattermost:uc", None, "mattermost:ch", False),
        "mattermost:p4": ("post", "mattermost:bot", None, "mattermost:p4", True),
        "mattermost:p4/mention/ua": ("mention", "mattermost:bot", "mattermost:ua", "mattermost:p4", True),
    }
    # the reaction carries its own time
    assert rows["mattermost:p2/reaction/ua/tada"]["occurred_at"].isoformat() == "2023-11-14T22:15:20+00:00"
    assert out.skipped == 1  # the deleted post
    [rejected] = out.rejected
    assert (rejected.file, rejected.line) == ("posts.json", 6) and "no usable time" in rejected.reason
    assert out.owners == {"mattermost:ua"}


def test_items_of_another_perceval_backend_are_refused(realdata):
    path = realdata / "discourse/elk_perceval_items_mautic_forum_topics.json"
    assert not MATTERMOST.detect(path)
    with pytest.raises(SourceError, match="item 1 comes from perceval's 'Discourse' backend"):
        parse(path)


@pytest.mark.parametrize("path", [PERCEVAL, API])
def test_real_files_are_detected_by_mattermost_alone(realdata, path):
    assert detected_by(realdata / path) == ["mattermost"]


@pytest.mark.parametrize("path", ["telegram/perceval_bot_api_getUpdates.json",
                                  "facebook/chat_analytics_messenger_export_2A_7M.json"])
def test_other_files_are_refused_naming_what_was_expected(realdata, path):
    assert not MATTERMOST.detect(realdata / path)
    with pytest.raises(SourceError, match="expected Mattermost posts"):
        parse(realdata / path)


def test_truncated_file_is_refused(realdata, tmp_path):
    path = tmp_path / "posts.json"
    path.write_text((realdata / PERCEVAL).read_text()[:3000])
    with pytest.raises(SourceError, match="posts.json: not valid JSON"):
        parse(path)


# --- end to end: the loader, a real DuckDB file, loaded twice -------------------------------

@pytest.mark.parametrize("path, figures", [
    # Thread bck87f4c8ibdbngbce66f9zanh: sontnguyen asks eivantsov, eivantsov answers and both
    # reply again: two-way once the loader infers the replies' targets. In the two other
    # threads only one side speaks to the other. Of the 72 rows parsed, 2 are mentions of the
    # person a reply turns out to answer: once the loader infers that target, those mention
    # rows repeat it and are dropped (DESIGN: mentions are of people other than the target).
    (PERCEVAL, {"people": 43, "interactions": 70, "threads": 46, "two_way_threads": 1}),
    (API, {"people": 2, "interactions": 5, "threads": 4, "two_way_threads": 0}),
])
def test_load_end_to_end_twice(realdata, duckdb_url, path, figures):
    from pipelines.load import load_paths

    [first] = load_paths([realdata / path], duckdb_url)
    assert (first.status, first.format) == ("loaded", "mattermost"), first.message
    rows = table_rows(duckdb_url)
    [second] = load_paths([realdata / path], duckdb_url)
    assert second.status == "loaded" and table_rows(duckdb_url) == rows
    assert warehouse_figures(duckdb_url, "mattermost") == figures
