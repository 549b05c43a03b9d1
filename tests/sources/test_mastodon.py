"""Mastodon: the account archive and REST API responses (SOURCES.md section 5)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.sources import registry
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.discourse import SOURCE as DISCOURSE
from pipelines.sources.github import SOURCE as GITHUB
from pipelines.sources.mastodon import SOURCE as MASTODON
from pipelines.sources.meetup import SOURCE as MEETUP
from tests.sources.test_slack import summary, table_rows, warehouse_figures

ARCHIVE = "mastodon/leask_archive_excerpt"
API = "mastodon/mastodonpy_api_v1_{}.json"
OURS = {"discourse": DISCOURSE, "mastodon": MASTODON, "meetup": MEETUP, "github": GITHUB}
LEASK = "https://mastodon.world/users/Leask/statuses/"


def parse(path: Path, ours: dict[str, set[str]] | None = None):
    return MASTODON.parse(path, ParseContext(ours=ours or {}))


def by_id(out) -> dict[str, dict]:
    return {r["interaction_id"]: r for r in out.interactions}


def write(tmp_path: Path, document, name: str = "statuses.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def account(acct: str, aid: str, **fields) -> dict:
    return {"id": aid, "username": acct.split("@")[0], "acct": acct, "display_name": "",
            "url": f"https://example.social/@{acct}", "bot": False, **fields}


def status(sid: str, who: dict, visibility: str = "public", mentions=(), **fields) -> dict:
    return {"id": sid, "created_at": "2026-03-02T10:00:00.000Z", "in_reply_to_id": None,
            "in_reply_to_account_id": None, "visibility": visibility, "content": "<p>x</p>",
            "account": who, "reblog": None, "application": None,
            "mentions": [{k: m[k] for k in ("id", "username", "acct", "url")} for m in mentions],
            **fields}


ANA, BO, CY = (account("ana", "1"), account("bo", "2"), account("cy@other.example", "3"))


# How the figures were counted:
#   API files: python over each file, statuses = the list itself, `last_status` or `status`:
#     len(st); sum(s['visibility']=='direct'); sum(bool(s['in_reply_to_id']));
#     sum(len(s['mentions'])); distinct acct of accounts, mentions and conversation accounts.
#     home: 13 statuses, 2 direct (each mentions only its addressee: the target, no mention
#       row), 0 replies, 3 mentions -> 1 mention row; 3 people; every status its own thread.
#     public: 8 statuses, 1 mention row, 3 people.  reply_pair: 1 reply whose only mention is
#       the parent's author (the target).  in_reply_to_pair: a self-reply.
#     conversations: 2 direct last statuses; conversation 12's answers home's 117020588315335369
#       (outside this file), so its thread is that status -> 2 threads.
#     notifications: 1 mention notification -> its status (a post) + 1 mention row.
#     favourited_by / reblogged_by: 1 account each, no status, no time -> 1 quarantined each.
#     verify_credentials: the owner; its follower totals have no day -> 1 quarantined.
#   archive: jq '.orderedItems | length' outbox.json = 9 Create, 5 with inReplyTo,
#     4 Mention tags (josh_rm x2, huoju, mw); huoju's tag is the answered status's author
#     (.../users/huoju/statuses/...) -> target, so 3 mention rows; 5 conversations, each with
#     its root in the excerpt or not -> 5 threads; likes.json: 3 URIs without times.
@pytest.mark.parametrize("name, figures", [
    (API.format("timelines_home"), {"people": 3, "kinds": {"post": 11, "dm": 2, "mention": 1},
                                    "skipped": 0, "rejected": 0, "threads": 13}),
    (API.format("timelines_public"), {"people": 3, "kinds": {"post": 8, "mention": 1},
                                      "skipped": 0, "rejected": 0, "threads": 8}),
    (API.format("status_reply_pair"), {"people": 2, "kinds": {"post": 1, "reply": 1},
                                       "skipped": 0, "rejected": 0, "threads": 1}),
    (API.format("in_reply_to_pair"), {"people": 1, "kinds": {"post": 1, "reply": 1},
                                      "skipped": 0, "rejected": 0, "threads": 1}),
    (API.format("conversations"), {"people": 3, "kinds": {"dm": 2}, "skipped": 0,
                                   "rejected": 0, "threads": 2}),
    (API.format("notifications"), {"people": 2, "kinds": {"post": 1, "mention": 1},
                                   "skipped": 0, "rejected": 0, "threads": 1}),
    (API.format("status_favourited_by"), {"people": 1, "kinds": {}, "skipped": 0,
                                          "rejected": 1, "threads": 0}),
    (API.format("status_reblogged_by"), {"people": 1, "kinds": {}, "skipped": 0,
                                         "rejected": 1, "threads": 0}),
    (API.format("verify_credentials_account"), {"people": 1, "kinds": {}, "skipped": 0,
                                                "rejected": 1, "threads": 0}),
    (ARCHIVE, {"people": 4, "kinds": {"post": 4, "reply": 5, "mention": 3}, "skipped": 0,
               "rejected": 3, "threads": 5}),
])
def test_real_exports_give_the_counted_figures(realdata, name, figures):
    assert summary(parse(realdata / name)) == figures


# --- quirks named in SOURCES.md -----------------------------------------------------------

def test_archive_total_items_mismatch_is_noted_not_asserted(realdata):
    out = parse(realdata / ARCHIVE / "outbox.json")
    assert len([r for r in out.interactions if r["kind"] in ("post", "reply")]) == 9
    assert any("totalItems says 1454 but 9 activities" in n for n in out.notes)


@pytest.mark.parametrize("status_id, parent, target", [
    # Misskey note: its author is not in the URI, the loader infers the target from the thread
    ("109577605344345244", "https://rainyme.ca/notes/997qoo0m6u", None),
    # GoToSocial (ULID) under the mentioned actor's URI: the author is known
    ("109577751419307379", "https://m.devep.net/users/huoju/statuses/01GN661HYR8ZCM4XJCGAC081ZC",
     "mastodon:huoju@m.devep.net"),
    # Pleroma object id: no author in the URI
    ("109577770326445499",
     "https://pleroma.xeno.darksair.org/objects/ea8abb61-ab71-4f0e-b1e6-c8b4fd8dabf0", None),
    # a reply to his own note in the archive: the parent's author is the owner
    ("109577738467694249", LEASK + "109577652877636501", "mastodon:leask@mastodon.world"),
])
def test_in_reply_to_uris_of_any_server_are_kept_exactly(realdata, status_id, parent, target):
    row = by_id(parse(realdata / ARCHIVE))[f"mastodon:{LEASK}{status_id}"]
    assert (row["kind"], row["in_reply_to"], row["target_id"]) == (
        "reply", f"mastodon:{parent}", target)


@pytest.mark.parametrize("status_id, thread", [
    ("109577605344345244", LEASK + "109577455028088577"),  # its conversation's root is here
    ("109577770326445499", LEASK + "109577652877636501"),
    ("109577668470135621", "https://rainyme.ca/notes/997rb7w1e0"),  # root not in the excerpt
    ("109577789652801005", LEASK + "109577789652801005"),  # a post roots its own thread
])
def test_archive_threads_follow_conversations_then_reply_chains(realdata, status_id, thread):
    assert by_id(parse(realdata / ARCHIVE))[f"mastodon:{LEASK}{status_id}"]["thread_id"] \
        == f"mastodon:{thread}"


def test_mention_tags_other_than_the_target_add_mention_rows(realdata):
    out = parse(realdata / ARCHIVE)
    mentions = sorted(r["target_id"] for r in out.interactions if r["kind"] == "mention")
    assert mentions == ["mastodon:josh_rm@rainyme.ca", "mastodon:josh_rm@rainyme.ca",
                        "mastodon:mw@f.darksair.org"]


def test_likes_have_no_time_and_are_quarantined_never_dated(realdata):
    out = parse(realdata / ARCHIVE / "likes.json")
    assert out.interactions == [] and [r.line for r in out.rejected] == [1, 2, 3]
    assert all("has no time" in r.reason and r.table == "interactions" for r in out.rejected)
    assert out.rejected[1].raw == "https://vnil.de/objects/dfd1b2b8-28bf-453d-8d84-2cbff831de00"


def test_archive_owner_is_ours_from_actor_json(realdata):
    out = parse(realdata / ARCHIVE)
    assert out.owners == {"mastodon:leask@mastodon.world"}
    assert {p["person_id"] for p in out.people if p["is_ours"]} == out.owners


def test_string_snowflake_ids_keep_every_digit(realdata, tmp_path):
    out = parse(realdata / API.format("status_reply_pair"))
    reply = by_id(out)["mastodon:117020583258292382"]
    assert (reply["in_reply_to"], reply["target_id"], reply["thread_id"]) == (
        "mastodon:117020583245459824", "mastodon:mastodonpy_test_2@localhost:3000",
        "mastodon:117020583245459824")
    # an id written as a JSON number would keep its 18 digits too (no float on the way)
    numeric = status(117020583258292382, ANA)
    assert list(by_id(parse(write(tmp_path, [numeric])))) == ["mastodon:117020583258292382"]


def test_unknown_keys_are_ignored(realdata, tmp_path):
    document = json.loads((realdata / API.format("timelines_home")).read_text())
    for s in document:
        s["tagged_collections"] = [{"unheard": "of"}]
        s["quote_policy_v9"] = {"whatever": True}
    assert parse(write(tmp_path, document)).interactions == \
        [dict(r, _file="statuses.json") for r in
         parse(realdata / API.format("timelines_home")).interactions]


def test_self_reply_targets_its_author(realdata):
    reply = by_id(parse(realdata / API.format("in_reply_to_pair")))["mastodon:117020574393907247"]
    assert (reply["kind"], reply["target_id"]) == (
        "reply", "mastodon:mastodonpy_test@localhost:3000")


@pytest.mark.parametrize("sid, target, thread", [
    ("117020593780198542", "mastodon:admin@localhost:3000", "mastodon:117020593780198542"),
    # answers 117020588315335369, a direct status of the home timeline (not in this file)
    ("117020588388552703", "mastodon:mastodonpy_test@localhost:3000",
     "mastodon:117020588315335369"),
])
def test_conversations_are_dms_to_the_other_person(realdata, sid, target, thread):
    row = by_id(parse(realdata / API.format("conversations")))[f"mastodon:{sid}"]
    assert (row["kind"], row["target_id"], row["thread_id"]) == ("dm", target, thread)


@pytest.mark.parametrize("mentions, parent_author, target, mention_rows", [
    ([BO], None, "mastodon:bo@example.social", 0),  # two people: the other one
    ([BO, CY], None, None, 2),  # a group's opening message has no target
    ([BO, CY], "2", "mastodon:bo@example.social", 1),  # a group reply: the parent's author
])
def test_direct_visibility_is_a_dm(tmp_path, mentions, parent_author, target, mention_rows):
    fields = {"in_reply_to_id": "9", "in_reply_to_account_id": parent_author} if parent_author \
        else {}
    out = parse(write(tmp_path, [status("10", ANA, "direct", mentions, **fields)]))
    row = by_id(out)["mastodon:10"]
    assert (row["kind"], row["target_id"]) == ("dm", target)
    assert sum(r["kind"] == "mention" for r in out.interactions) == mention_rows


def test_archive_direct_note_is_a_dm(realdata, tmp_path):
    outbox = json.loads((realdata / ARCHIVE / "outbox.json").read_text())
    activity = outbox["orderedItems"][2]  # the reply to josh_rm@rainyme.ca
    for holder in (activity, activity["object"]):
        holder["to"], holder["cc"] = ["https://rainyme.ca/users/98bpwzhtjk"], []
    outbox["orderedItems"] = [activity]
    (tmp_path / "outbox.json").write_text(json.dumps(outbox))
    (tmp_path / "actor.json").write_text((realdata / ARCHIVE / "actor.json").read_text())
    [row] = parse(tmp_path).interactions
    assert (row["kind"], row["target_id"]) == ("dm", "mastodon:josh_rm@rainyme.ca")


def test_a_boost_is_a_share_and_the_original_a_message(tmp_path):
    original = status("20", BO, created_at="2026-03-01T09:00:00Z")
    boost = status("21", ANA, reblog=original, created_at="2026-03-02T09:00:00Z")
    out = parse(write(tmp_path, [boost]))
    assert {r["interaction_id"]: (r["kind"], r["actor_id"], r["target_id"])
            for r in out.interactions} == {
        "mastodon:20": ("post", "mastodon:bo@example.social", None),
        "mastodon:20/share/ana@example.social": ("share", "mastodon:ana@example.social",
                                                  "mastodon:bo@example.social")}
    assert by_id(out)["mastodon:20/share/ana@example.social"]["occurred_at"].day == 2


def test_an_archive_boost_is_a_share_of_its_author(realdata, tmp_path):
    (tmp_path / "actor.json").write_text((realdata / ARCHIVE / "actor.json").read_text())
    uri = "https://fosstodon.org/users/kim/statuses/1"
    (tmp_path / "outbox.json").write_text(json.dumps({
        "type": "OrderedCollection", "id": "outbox.json", "orderedItems": [{
            "id": "https://mastodon.world/users/Leask/statuses/5/activity", "type": "Announce",
            "actor": "https://mastodon.world/users/Leask", "published": "2022-12-27T10:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": ["https://fosstodon.org/users/kim",
                   "https://mastodon.world/users/Leask/followers"],
            "object": uri}]}))
    [row] = parse(tmp_path).interactions
    assert (row["kind"], row["actor_id"], row["target_id"], row["in_reply_to"]) == (
        "share", "mastodon:leask@mastodon.world", "mastodon:kim@fosstodon.org", f"mastodon:{uri}")


@pytest.mark.parametrize("notification, kind, actor", [
    ({"type": "favourite"}, "reaction", "mastodon:bo@example.social"),
    ({"type": "reblog"}, "share", "mastodon:bo@example.social"),
    ({"type": "follow", "status": None}, "follow", "mastodon:bo@example.social"),
])
def test_notifications_of_reactions_are_dated_by_the_notification(tmp_path, notification,
                                                                   kind, actor):
    record = {"id": "77", "created_at": "2026-03-05T08:00:00Z", "account": BO,
              "status": status("30", ANA), **notification}
    out = parse(write(tmp_path, [record], "notifications.json"))
    [row] = [r for r in out.interactions if r["kind"] == kind]
    assert (row["actor_id"], row["occurred_at"].day) == (actor, 5)


def test_a_record_without_a_usable_time_is_quarantined(tmp_path):
    out = parse(write(tmp_path, [status("40", ANA, created_at="yesterday"), status("41", BO)]))
    assert list(by_id(out)) == ["mastodon:41"]
    [rejected] = out.rejected
    assert (rejected.file, rejected.line) == ("statuses.json", 1)
    assert "created_at" in rejected.reason


def test_bots_and_scheduling_tools_are_automated_and_team_handles_ours(tmp_path):
    out = parse(write(tmp_path, [
        status("50", account("news", "5", bot=True)),
        status("51", ANA, application={"name": "Buffer"}),
        status("52", BO, application={"name": "Web"})]), ours={"mastodon": {"@bo@example.social"}})
    assert {r["interaction_id"]: r["automated"] for r in out.interactions} == {
        "mastodon:50": True, "mastodon:51": True, "mastodon:52": False}
    assert [p["person_id"] for p in out.people if p["is_ours"]] == ["mastodon:bo@example.social"]


def test_verify_credentials_names_the_owner(realdata):
    out = parse(realdata / API.format("verify_credentials_account"))
    assert out.owners == {"mastodon:mastodonpy_test@localhost:3000"}
    assert out.rejected[0].table == "audience_daily"


# --- detection and refusals ----------------------------------------------------------------

API_FILES = ["conversations", "in_reply_to_pair", "notifications", "status_favourited_by",
             "status_reblogged_by", "status_reply_pair", "timelines_home", "timelines_public",
             "verify_credentials_account"]


@pytest.mark.parametrize("name", [*(API.format(n) for n in API_FILES), ARCHIVE,
                                  f"{ARCHIVE}/outbox.json", f"{ARCHIVE}/actor.json",
                                  f"{ARCHIVE}/likes.json", "mastodon"])
def test_samples_are_detected_by_mastodon_alone(realdata, name):
    assert [n for n, s in OURS.items() if s.detect(realdata / name)] == ["mastodon"]
    assert registry.detect(realdata / name) is MASTODON


@pytest.mark.parametrize("content, expected", [
    ('[{"id": "1", "acct": "a", "username": "a", "url": "x"',  # truncated
     "not valid JSON.*; expected a Mastodon archive"),
    ('{"topic_list": {"topics": []}}', "expected Mastodon REST API JSON"),
    ('[{"type": "OrderedCollection"}]', "expected Mastodon REST API JSON"),
])
def test_files_not_in_the_format_are_refused_whole(tmp_path, content, expected):
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(SourceError, match=expected) as error:
        parse(path)
    assert "broken.json" in str(error.value)


def test_a_discourse_topic_is_refused(realdata):
    with pytest.raises(SourceError, match="not a Mastodon export"):
        parse(realdata / "discourse/perceval_api_topic_1148_ublock_origin.json")


def test_parsing_twice_gives_identical_output(realdata):
    assert parse(realdata / "mastodon") == parse(realdata / "mastodon")


# --- end to end: the loader, a real DuckDB file, loaded twice -------------------------------

def test_load_end_to_end_twice(realdata, duckdb_url):
    from pipelines.load import load_paths

    [first] = load_paths([realdata / "mastodon"], duckdb_url)
    assert (first.status, first.format, first.quarantined) == ("loaded", "mastodon", 6)
    rows = table_rows(duckdb_url)
    [second] = load_paths([realdata / "mastodon"], duckdb_url)
    assert second.status == "loaded" and table_rows(duckdb_url) == rows
    # statuses: home 13 + public's 2 not in home + 2 + 2 + 2 + 1 = 22, their mention rows 2;
    # archive 9 + 3 mention rows -> 36. People: admin, mastodonpy_test, mastodonpy_test_2 and
    # the archive's 4 = 7. Threads: 22 statuses less the 3 replies that join a thread, + 5.
    # Two-way: mastodonpy_test DMs mastodonpy_test_2 (home) and is answered (conversation 12).
    assert warehouse_figures(duckdb_url, "mastodon") == {
        "people": 7, "interactions": 36, "threads": 24, "two_way_threads": 1}
