"""Discourse topics: real API responses and perceval items (SOURCES.md section 4)."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pipelines.sources import registry
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.discourse import SOURCE as DISCOURSE
from pipelines.sources.github import SOURCE as GITHUB
from pipelines.sources.mastodon import SOURCE as MASTODON
from pipelines.sources.meetup import SOURCE as MEETUP
from tests.sources.test_slack import summary, table_rows, warehouse_figures

TOPIC_1148 = "discourse/perceval_api_topic_1148_ublock_origin.json"
TOPIC_1448 = "discourse/perceval_api_topic_posts_1448.json"
MAUTIC = "discourse/elk_perceval_items_mautic_forum_topics.json"
LATEST = "discourse/perceval_api_latest_topics_page.json"
PINNED = "discourse/perceval_api_latest_topics_pinned.json"
OURS = {"discourse": DISCOURSE, "mastodon": MASTODON, "meetup": MEETUP, "github": GITHUB}


def parse(path: Path, ours: dict[str, set[str]] | None = None):
    return DISCOURSE.parse(path, ParseContext(ours=ours or {}))


def by_id(out) -> dict[str, dict]:
    return {r["interaction_id"]: r for r in out.interactions}


def topic(posts: list[dict], **fields) -> dict:
    """A /t/{id}.json response around `posts` (fields as the real ones)."""
    return {"id": 7, "posts_count": len(posts), "archetype": "regular",
            "post_stream": {"posts": posts, "stream": [p["id"] for p in posts]}, **fields}


def post(pid: int, number: int, user: str, created: str = "2026-03-02T10:00:00.000Z", **fields):
    return {"id": pid, "post_number": number, "username": user, "user_id": pid % 97 + 1,
            "created_at": created, "topic_id": 7, "post_type": 1, "cooked": "<p>hi</p>",
            "reply_to_post_number": None, **fields}


def write(tmp_path: Path, document, name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# How the figures were counted (python one-liners over the files under realdata/discourse):
#   ps = json.load(open(f))['post_stream']['posts']   (for the elk file: every item's posts)
#   len(ps); len({p['username'].lower() for p in ps}); sum(p['post_number'] == 1 for p in ps);
#   sum(1 for p in ps if p.get('reply_to_post_number')); sum(p['cooked'].count('class="mention"'))
#   1148: 20 posts, 10 people, 1 first post, 9 replies by position, 0 mention links.
#   1448: 4 posts, 4 posters + @blomquisg mentioned (kincl posts too) = 5 people, 1 first post,
#         2 mention links (blomquisg, kincl) in post 4393.
#   elk mautic: 32 posts (22 distinct ids: the fixture repeats 19152 seven times, 18952, 19133
#         and 2500 twice), 12 people, 4 first posts (18952 x2, 2500 x2).
#         Threads: topic 21960 has no first post embedded, so its root is stream[0] = 81286;
#         19152 says topic_id 1148 (root 18952); 2500 is the first post of topic 840 -> 3.
#   topic lists: len(d['topic_list']['topics']) = 2 and 3; they are indexes, not messages.
@pytest.mark.parametrize("name, figures", [
    (TOPIC_1148, {"people": 10, "kinds": {"post": 1, "comment": 19}, "skipped": 0,
                  "rejected": 0, "threads": 1}),
    (TOPIC_1448, {"people": 5, "kinds": {"post": 1, "comment": 3, "mention": 2}, "skipped": 0,
                  "rejected": 0, "threads": 1}),
    (MAUTIC, {"people": 12, "kinds": {"post": 4, "comment": 28}, "skipped": 0, "rejected": 0,
              "threads": 3}),
    (LATEST, {"people": 0, "kinds": {}, "skipped": 2, "rejected": 0, "threads": 0}),
    (PINNED, {"people": 0, "kinds": {}, "skipped": 3, "rejected": 0, "threads": 0}),
])
def test_real_exports_give_the_counted_figures(realdata, name, figures):
    assert summary(parse(realdata / name)) == figures


def test_mautic_items_repeat_posts_and_keep_every_distinct_one(realdata):
    out = parse(realdata / MAUTIC)
    assert len(out.interactions) == 32 and len(by_id(out)) == 22
    assert out.rows_read == 32


# --- quirks named in SOURCES.md -----------------------------------------------------------

@pytest.mark.parametrize("post_id, in_reply_to, target", [
    # post_number 4 answers position 3, which is post 19152 by noisycitytoonoisy
    ("19162", "discourse:19152", "discourse:noisycitytoonoisy"),
    ("20052", "discourse:20039", "discourse:gorhill"),  # 13 -> 12
    ("20545", "discourse:20218", "discourse:steveh66"),  # 20 -> 19
    # no reply_to_post_number: the export names only the topic; the loader infers the target
    ("19171", None, None),
])
def test_reply_to_post_number_is_a_position_resolved_to_the_post_id(realdata, post_id,
                                                                    in_reply_to, target):
    row = by_id(parse(realdata / TOPIC_1148))[f"discourse:{post_id}"]
    assert (row["kind"], row["in_reply_to"], row["target_id"]) == ("comment", in_reply_to, target)
    assert row["thread_id"] == "discourse:18952"


def test_first_post_roots_the_topic_thread_and_carries_it(realdata):
    root = by_id(parse(realdata / TOPIC_1148))["discourse:18952"]
    assert (root["kind"], root["thread_id"], root["target_id"]) == ("post", "discourse:18952", None)


def test_stream_lists_posts_not_embedded_and_a_note_names_them(realdata):
    # posts_count 22, post_stream.posts 20; the stream lists 22 ids (1..22 in this fixture,
    # which match none of the embedded ids 18952...20545, so all are named as not embedded).
    out = parse(realdata / TOPIC_1148)
    [note] = [n for n in out.notes if "stream" in n]
    assert "posts_count 22, 20 posts embedded" in note
    assert "/t/1148/posts.json?post_ids[]=" in note


def test_parent_outside_the_file_keeps_its_author_from_reply_to_user(tmp_path):
    document = topic([post(11, 1, "ana"),
                      post(15, 5, "bo", reply_to_post_number=4, reply_to_user={"username": "Cy"})])
    document["post_stream"]["stream"] = [11, 12, 13, 14, 15]  # posts 2-4 were not fetched
    out = parse(write(tmp_path, document))
    row = by_id(out)["discourse:15"]
    assert (row["in_reply_to"], row["target_id"]) == (None, "discourse:cy")
    assert any("reply_to_post_number of posts 15 (#4)" in n for n in out.notes)
    assert any("not embedded: 12, 13, 14" in n for n in out.notes)


def test_perceval_envelopes_are_unwrapped_and_their_epoch_times_never_used(realdata):
    items = json.loads((realdata / MAUTIC).read_text())
    created = {f"discourse:{p['id']}": p["created_at"]
               for item in items for p in item["data"]["post_stream"]["posts"]}
    out = parse(realdata / MAUTIC)
    # each message's time is its post's created_at (ms precision kept), never the envelope's
    # fetch time `timestamp` nor `updated_on` (epoch floats)
    assert {r["interaction_id"]: r["occurred_at"].isoformat(timespec="milliseconds")
            .replace("+00:00", "Z") for r in out.interactions} == created
    fetched = {round(item["timestamp"], 3) for item in items}
    assert not fetched & {round(r["occurred_at"].timestamp(), 3) for r in out.interactions}


def test_perceval_items_from_another_backend_are_refused(realdata):
    with pytest.raises(SourceError, match=r"backend 'GitHub', expected 'Discourse'"):
        parse(realdata / "github/elk_perceval_items_github_issues_with_comments.json")


@pytest.mark.parametrize("name, listed", [(LATEST, "1148, 1149"), (PINNED, "1148, 1149, 1150")])
def test_topic_lists_are_indexes_that_load_nothing(realdata, name, listed):
    out = parse(realdata / name)
    assert out.interactions == [] and out.people == [] and out.rows_read == out.skipped
    # pinned topics sit first in the pinned page (1149, 1150, 1148); the note lists ids sorted
    [note] = out.notes
    assert f"topics listed ({listed}); nothing loaded" in note


def test_post_order_does_not_matter(realdata, tmp_path):
    """Pinned topics and fetched pages come in any order: positions are resolved, not assumed."""
    document = json.loads((realdata / TOPIC_1148).read_text())
    random.Random(7).shuffle(document["post_stream"]["posts"])
    shuffled = parse(write(tmp_path, document, "shuffled.json"))
    original = parse(realdata / TOPIC_1148)
    strip = lambda out: sorted((r["interaction_id"], r["in_reply_to"], r["target_id"],  # noqa: E731
                                r["thread_id"], r["kind"]) for r in out.interactions)
    assert strip(shuffled) == strip(original)


def test_mention_links_add_mention_rows_other_than_the_target(realdata):
    out = parse(realdata / TOPIC_1448)
    mentions = {r["interaction_id"]: r["target_id"] for r in out.interactions
                if r["kind"] == "mention"}
    assert mentions == {"discourse:4393/mention/blomquisg": "discourse:blomquisg",
                        "discourse:4393/mention/kincl": "discourse:kincl"}
    reply = by_id(out)["discourse:4396"]  # position 2 is iheim's post 4387
    assert (reply["in_reply_to"], reply["target_id"]) == ("discourse:4387", "discourse:iheim")


def test_mentioned_target_adds_no_mention_row(tmp_path):
    cooked = ('<p><a class="mention" href="/u/ana">@ana</a> and '
              '<a href="/u/bo" class="mention">@bo</a> and '
              '<a class="mention-group" href="/g/team">@team</a></p>')
    path = write(tmp_path, topic([post(1, 1, "ana"), post(2, 2, "cy", cooked=cooked,
                                                          reply_to_post_number=1)]))
    rows = parse(path).interactions
    mentions = [r["interaction_id"] for r in rows if r["kind"] == "mention"]
    assert mentions == ["discourse:2/mention/bo"]


@pytest.mark.parametrize("fields, outcome", [
    ({"post_type": 3, "action_code": "closed.enabled"}, "skipped"),  # a system notice
    ({"deleted_at": "2026-03-03T00:00:00Z"}, "skipped"),  # a tombstone
    ({"user_deleted": True}, "skipped"),
    ({"created_at": None}, "rejected"),  # no usable time: never given one
    ({"created_at": "2026-03-02 10:00"}, "rejected"),  # no offset
    ({"username": None}, "rejected"),
    ({"post_type": 4}, "loaded"),  # a whisper is still a message
])
def test_records_that_are_not_messages_or_not_usable(tmp_path, fields, outcome):
    path = write(tmp_path, topic([post(1, 1, "ana"), post(2, 2, "bo", **fields)]))
    out = parse(path)
    loaded = "discourse:2" in by_id(out)
    assert (loaded, out.skipped, len(out.rejected)) == (
        outcome == "loaded", int(outcome == "skipped"), int(outcome == "rejected"))
    if out.rejected:
        assert out.rejected[0].file == "t.json" and out.rejected[0].line == 2
        assert "topic 7, post 2" in out.rejected[0].reason


def test_system_accounts_are_automated_and_team_members_ours(tmp_path):
    path = write(tmp_path, topic([post(1, 1, "Ana"), post(2, 2, "system", user_id=-1)]))
    out = parse(path, ours={"discourse": {"ana"}})  # usernames match whatever their case
    assert by_id(out)["discourse:2"]["automated"] is True
    assert {p["person_id"]: p["is_ours"] for p in out.people} == {
        "discourse:ana": True, "discourse:system": False}


# --- detection and refusals ----------------------------------------------------------------

@pytest.mark.parametrize("name", [TOPIC_1148, TOPIC_1448, MAUTIC, LATEST, PINNED, "discourse"])
def test_samples_are_detected_by_discourse_alone(realdata, name):
    assert [n for n, s in OURS.items() if s.detect(realdata / name)] == ["discourse"]
    assert registry.detect(realdata / name) is DISCOURSE


@pytest.mark.parametrize("content, expected", [
    ('{"post_stream": {"posts": [', "not valid JSON at line 1.*; expected a Discourse topic"),
    ('{"users": []}', "expected a Discourse topic"),
    ('[1, 2]', "item 1 is not a perceval item"),
])
def test_files_not_in_the_format_are_refused_whole(tmp_path, content, expected):
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(SourceError, match=expected) as error:
        parse(path)
    assert "broken.json" in str(error.value)


def test_parsing_twice_gives_identical_output(realdata):
    first, second = parse(realdata / "discourse"), parse(realdata / "discourse")
    assert first == second


# --- end to end: the loader, a real DuckDB file, loaded twice -------------------------------

def test_load_end_to_end_twice(realdata, duckdb_url):
    from pipelines.load import load_paths

    [first] = load_paths([realdata / "discourse"], duckdb_url)
    assert (first.status, first.format, first.quarantined) == ("loaded", "discourse", 0)
    rows = table_rows(duckdb_url)
    [second] = load_paths([realdata / "discourse"], duckdb_url)
    assert second.status == "loaded" and table_rows(duckdb_url) == rows
    # people: 10 (1148) + 5 (1448) + 12 (mautic) minus the 10 shared by 1148 and mautic = 17.
    # interactions: 20 + 6 + mautic's 22 distinct ids, 20 of them shared with 1148 = 28.
    # threads 18952, 4383, 81286, 2500. Two-way: in 18952 gorhill answers Demetrius (20039) and
    # Demetrius answers gorhill (20052); 4383 only goes one way (iheim, jprause, han answer).
    assert warehouse_figures(duckdb_url, "discourse") == {
        "people": 17, "interactions": 28, "threads": 4, "two_way_threads": 1}
