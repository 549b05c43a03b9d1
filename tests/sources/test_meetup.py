"""Meetup: events, comments and RSVPs from the API and perceval items (SOURCES.md section 8)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipelines.sources import registry
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.discourse import SOURCE as DISCOURSE
from pipelines.sources.github import SOURCE as GITHUB
from pipelines.sources.mastodon import SOURCE as MASTODON
from pipelines.sources.meetup import SOURCE as MEETUP
from tests.sources.test_slack import summary, table_rows, warehouse_figures

EVENTS = "meetup/perceval_api_events.json"
COMMENTS = "meetup/perceval_api_event_comments.json"
RSVPS = "meetup/perceval_api_event_rsvps.json"
ELK = "meetup/elk_perceval_items_sqlpass_events.json"
OURS = {"discourse": DISCOURSE, "mastodon": MASTODON, "meetup": MEETUP, "github": GITHUB}


def parse(path: Path, ours: dict[str, set[str]] | None = None):
    return MEETUP.parse(path, ParseContext(ours=ours or {}))


def by_id(out) -> dict[str, dict]:
    return {r["interaction_id"]: r for r in out.interactions}


def member(mid: int, name: str) -> dict:
    return {"id": mid, "name": name, "photo": {"base_url": "http://photos1.meetupstatic.com"}}


def event(eid: str, hosts=(), comments=None, **fields) -> dict:
    record = {"id": eid, "created": 1772445600000, "time": 1773050400000,
              "utc_offset": 3600000, "name": "Meetup", "group": {"id": 9, "urlname": "pydata-x",
                                                                   "name": "PyData X"},
              "event_hosts": list(hosts), "link": f"https://www.meetup.com/pydata-x/events/{eid}/",
              "yes_rsvp_count": 3, **fields}
    if comments is not None:
        record["comments"] = comments
    return record


def comment(cid: int, who: dict, text: str = "see you", created: int = 1772532000000, **fields):
    return {"id": cid, "comment": text, "created": created, "like_count": 0, "member": who,
            "link": f"https://www.meetup.com/pydata-x/events/55/comments/{cid}/", **fields}


def write(tmp_path: Path, document, name: str = "events.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


ANA, BO = member(1, "Ana"), member(2, "Bo Li")


# How the figures were counted (python over the files under realdata/meetup):
#   events: len(d) = 2; hosts [(1,Alberto)] and [(2,Ruben),(1,Alberto)] -> 2 people, the first
#     host posts each event; 2 threads.
#   comments: len(d) = 2 by members 4 and 5; both links name event 233964056 -> 1 thread.
#   rsvps: len(d) = 3 (members 1, 184594357, 294594357), all response "yes" -> skipped.
#   elk: [len(i['data']['comments']) for i in d] = [3, 2, 2] and rsvps [3, 3, 3] -> 3 posts,
#     7 comment rows (4 distinct ids: 470685627 sits in all three events), 9 RSVPs skipped;
#     people: commenters 150716172, 4, 5 + RSVP members 1, 184594357, 294594357 + host 2 = 7.
@pytest.mark.parametrize("name, figures", [
    (EVENTS, {"people": 2, "kinds": {"post": 2}, "skipped": 0, "rejected": 0, "threads": 2}),
    (COMMENTS, {"people": 2, "kinds": {"comment": 2}, "skipped": 0, "rejected": 0,
                "threads": 1}),
    (RSVPS, {"people": 3, "kinds": {}, "skipped": 3, "rejected": 0, "threads": 0}),
    (ELK, {"people": 7, "kinds": {"post": 3, "comment": 7}, "skipped": 9, "rejected": 0,
           "threads": 3}),
])
def test_real_exports_give_the_counted_figures(realdata, name, figures):
    assert summary(parse(realdata / name)) == figures


# --- quirks named in SOURCES.md -----------------------------------------------------------

def test_times_are_epoch_milliseconds_shown_in_the_event_offset(realdata):
    row = by_id(parse(realdata / EVENTS))["meetup:event/1"]
    # created 1458664604000 ms; utc_offset 7200000 ms = +02:00 (the same instant)
    assert row["occurred_at"] == datetime(2016, 3, 22, 16, 36, 44, tzinfo=timezone.utc)
    assert row["occurred_at"].isoformat() == "2016-03-22T18:36:44+02:00"


def test_an_event_is_announced_at_created_not_when_it_takes_place(realdata):
    out = parse(realdata / EVENTS)
    events = json.loads((realdata / EVENTS).read_text())
    assert [r["occurred_at"].timestamp() * 1000 for r in out.interactions] == \
        [e["created"] for e in events]


@pytest.mark.parametrize("offset", ["7200000", 86_400_000, None, True])
def test_an_unusable_offset_leaves_the_time_in_utc(tmp_path, offset):
    [row] = parse(write(tmp_path, [event("8", [ANA], utc_offset=offset)])).interactions
    assert row["occurred_at"].utcoffset().total_seconds() == 0


def test_rsvps_are_attendance_skipped_with_a_note(realdata):
    out = parse(realdata / RSVPS)
    assert out.interactions == [] and out.rejected == [] and out.skipped == 3
    assert {p["person_id"] for p in out.people} == {"meetup:1", "meetup:184594357",
                                                    "meetup:294594357"}
    assert any("3 RSVPs are attendance, not conversation" in n for n in out.notes)


def test_event_roots_its_thread_and_comments_name_only_the_thread(realdata):
    out = parse(realdata / ELK)
    rows = by_id(out)
    assert (rows["meetup:event/1"]["kind"], rows["meetup:event/1"]["thread_id"]) == (
        "post", "meetup:event/1")
    first = out.interactions[1]  # comment 367651522, embedded in event 1
    assert (first["kind"], first["thread_id"], first["in_reply_to"], first["target_id"]) == (
        "comment", "meetup:event/1", None, None)


def test_a_standalone_comment_finds_its_event_in_its_link(realdata):
    assert {r["thread_id"] for r in parse(realdata / COMMENTS).interactions} == {
        "meetup:event/233964056"}


def test_perceval_envelopes_are_unwrapped_and_their_epoch_times_never_used(realdata):
    items = json.loads((realdata / ELK).read_text())
    fetched = {round(i["timestamp"], 3) for i in items}
    out = parse(realdata / ELK)
    created = {f"meetup:event/{i['data']['id']}": i["data"]["created"] for i in items}
    assert {k: round(v["occurred_at"].timestamp() * 1000) for k, v in by_id(out).items()
            if k.startswith("meetup:event/")} == created
    # each event at its own `created`, never perceval's fetch `timestamp` (`updated_on` is the
    # event's last change, here equal to its latest comment's time, so it is not compared)
    assert not fetched & {round(r["occurred_at"].timestamp(), 3) for r in out.interactions}


def test_replies_that_name_their_parent_comment_answer_it(tmp_path):
    reply = comment(12, BO, "thanks", 1772535600000, in_reply_to=11)
    out = parse(write(tmp_path, [event("55", [ANA], [comment(11, ANA, replies=[reply])])]))
    row = by_id(out)["meetup:comment/12"]
    assert (row["in_reply_to"], row["target_id"], row["thread_id"]) == (
        "meetup:comment/11", "meetup:1", "meetup:event/55")


@pytest.mark.parametrize("text, mentioned", [
    ("thanks @BoLi, great talk", ["meetup:2"]),  # names are matched without spaces, any case
    ("thanks @carol", []),  # nobody called carol in this export
    ("mail ana@example.com", []),
])
def test_plain_text_handles_mention_people_seen_in_the_export(tmp_path, text, mentioned):
    out = parse(write(tmp_path, [event("55", [BO], [comment(11, ANA, text)])]))
    assert [r["target_id"] for r in out.interactions if r["kind"] == "mention"] == mentioned


def test_an_event_without_hosts_is_posted_by_the_group(tmp_path):
    out = parse(write(tmp_path, [event("56")]), ours={"meetup": {"pydata-x"}})
    [row] = out.interactions
    assert row["actor_id"] == "meetup:group/9"
    assert [p["person_id"] for p in out.people if p["is_ours"]] == ["meetup:group/9"]


@pytest.mark.parametrize("record, reason", [
    (event("57", [ANA], created=None), "created None is not epoch milliseconds"),
    (event("58", [ANA], created="2026-03-02"), "is not epoch milliseconds"),
    (comment(13, ANA, created=None), "comment 13: created None"),
    (comment(14, {"name": "no id"}), "comment 14 has no member"),
])
def test_a_record_without_a_usable_time_or_author_is_quarantined(tmp_path, record, reason):
    out = parse(write(tmp_path, [event("59", [BO]), record]))
    assert [r["interaction_id"] for r in out.interactions] == ["meetup:event/59"]
    [rejected] = out.rejected
    assert (rejected.file, rejected.line, rejected.table) == ("events.json", 2, "interactions")
    assert reason in rejected.reason


# --- detection and refusals ----------------------------------------------------------------

@pytest.mark.parametrize("name", [EVENTS, COMMENTS, RSVPS, ELK, "meetup"])
def test_samples_are_detected_by_meetup_alone(realdata, name):
    assert [n for n, s in OURS.items() if s.detect(realdata / name)] == ["meetup"]
    assert registry.detect(realdata / name) is MEETUP


@pytest.mark.parametrize("content, expected", [
    ('[{"created": 1458664604000, "group": {', "not valid JSON.*; expected Meetup API JSON"),
    ('{"results": []}', "not a Meetup export"),
    ('[{"foo": 1}]', "no Meetup event, comment or RSVP found"),
    ('[{"backend_name": "Mattermost", "data": {}}]', "expected 'Meetup'"),
])
def test_files_not_in_the_format_are_refused_whole(tmp_path, content, expected):
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(SourceError, match=expected) as error:
        parse(path)
    assert "broken.json" in str(error.value)


def test_parsing_twice_gives_identical_output(realdata):
    assert parse(realdata / "meetup") == parse(realdata / "meetup")


# --- end to end: the loader, a real DuckDB file, loaded twice -------------------------------

def test_load_end_to_end_twice(realdata, duckdb_url):
    from pipelines.load import load_paths

    [first] = load_paths([realdata / "meetup"], duckdb_url)
    assert (first.status, first.format, first.skipped, first.quarantined) == (
        "loaded", "meetup", 12, 0)
    rows = table_rows(duckdb_url)
    [second] = load_paths([realdata / "meetup"], duckdb_url)
    assert second.status == "loaded" and table_rows(duckdb_url) == rows
    # events 1, 2, 3 and comments 367651522, 367481312, 470685627, 470710161 = 7 rows; the last
    # file read (comments, after the elk items) puts the two repeated comments in event
    # 233964056's thread -> threads event/1, event/2, event/3, event/233964056. Nobody answers
    # back: 367481312 (member 4) -> host 1, 367651522 -> member 4, 470710161 -> member 5.
    assert warehouse_figures(duckdb_url, "meetup") == {
        "people": 7, "interactions": 7, "threads": 4, "two_way_threads": 0}
