"""GitHub: issues, pull requests and GraphQL timeline events (SOURCES.md section 10)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pipelines.sources import registry
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.discourse import SOURCE as DISCOURSE
from pipelines.sources.github import SOURCE as GITHUB
from pipelines.sources.mastodon import SOURCE as MASTODON
from pipelines.sources.meetup import SOURCE as MEETUP
from tests.sources.test_slack import summary, table_rows, warehouse_figures

ISSUES = "github/elk_perceval_items_github_issues_with_comments.json"
EVENTS = "github/elk_perceval_items_githubql_issue_events.json"
OURS = {"discourse": DISCOURSE, "mastodon": MASTODON, "meetup": MEETUP, "github": GITHUB}
REPO = {"github": {"kubernetes/kubernetes"}}


def parse(path: Path, ours: dict[str, set[str]] | None = None):
    return GITHUB.parse(path, ParseContext(ours=ours or {}))


def by_id(out) -> dict[str, dict]:
    return {r["interaction_id"]: r for r in out.interactions}


def user(login: str, **fields) -> dict:
    return {"login": login, "id": len(login), "type": "User", **fields}


def issue(number: int, who: dict, body: str = "", **fields) -> dict:
    return {"number": number, "html_url": f"https://github.com/acme/app/issues/{number}",
            "created_at": "2026-03-02T10:00:00Z", "user": who, "body": body, **fields}


def item(data: dict, category: str = "issue") -> dict:
    return {"backend_name": "GitHub", "category": category, "data": data,
            "timestamp": 1772500000.5, "updated_on": 1772400000.0, "uuid": "x"}


def write(tmp_path: Path, document, name: str = "issues.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# How the figures were counted (python over the two files under realdata/github):
#   issues file: Counter(i['category']) = pull_request 3, repository 3, issue 2; the 5 issues
#     and pull requests have 4 distinct html_urls (zhquan_example/repo#1 comes through both
#     the issues and the pulls endpoint) -> 4 threads; comments_data 4, review_comments_data 2,
#     reviews_data 1 -> 7 comments; reactions_data on them 7; `@login` tokens in bodies:
#     acs, sduenas, acs (all people of the file) -> 3 mentions; people: acs, maoo, rikoe,
#     sduenas, zhquan_example, zhquan_example1 = 6 (+ the repository when it is ours).
#     The 3 repository snapshots are statistics: skipped unless the repository is ours.
#   events file: Counter(eventType): PullRequestReview 1 and 15 notices (moved, added, closed,
#     merged, labeled, cross-referenced, ...); 5 distinct embedded issues (posts), actors and
#     authors valeriocos and zhquan.
@pytest.mark.parametrize("name, ours, figures", [
    (ISSUES, None, {"people": 6, "kinds": {"post": 5, "comment": 7, "reaction": 7, "mention": 3},
                    "skipped": 3, "rejected": 0, "threads": 4}),
    (ISSUES, REPO, {"people": 7, "kinds": {"post": 5, "comment": 7, "reaction": 7, "mention": 3},
                    "skipped": 0, "rejected": 0, "threads": 4}),
    (EVENTS, None, {"people": 2, "kinds": {"post": 5, "comment": 1}, "skipped": 15,
                    "rejected": 0, "threads": 5}),
])
def test_real_exports_give_the_counted_figures(realdata, name, ours, figures):
    assert summary(parse(realdata / name, ours)) == figures


# --- mapping rules and quirks ----------------------------------------------------------------

def test_issue_comments_name_only_the_thread(realdata):
    rows = by_id(parse(realdata / ISSUES))
    assert rows["github:chaoss/grimoirelab-perceval#7"]["kind"] == "post"
    comment = rows["github:issuecomment-173902372"]
    assert (comment["kind"], comment["thread_id"], comment["in_reply_to"], comment["target_id"]) \
        == ("comment", "github:chaoss/grimoirelab-perceval#7", None, None)


def test_plain_text_handles_mention_people_seen_in_the_file(realdata):
    out = parse(realdata / ISSUES)
    assert sorted((r["actor_id"], r["target_id"]) for r in out.interactions
                  if r["kind"] == "mention") == [
        ("github:acs", "github:sduenas"), ("github:sduenas", "github:acs"),
        ("github:sduenas", "github:acs")]


def test_handles_of_people_not_in_the_file_and_emails_are_not_mentions(tmp_path):
    body = "cc @stranger, thanks @Bo, mail bo@example.com"
    path = write(tmp_path, [item(issue(1, user("ana"), body,
                                       comments_data=[{"id": 5, "user": user("bo"), "body": "ok",
                                                       "created_at": "2026-03-02T11:00:00Z"}]))])
    mentions = [r["target_id"] for r in parse(path).interactions if r["kind"] == "mention"]
    assert mentions == ["github:bo"]


def test_a_pull_request_from_both_endpoints_is_one_message(realdata):
    out = parse(realdata / ISSUES)
    posts = [r for r in out.interactions if r["interaction_id"] == "github:zhquan_example/repo#1"]
    assert len(posts) == 2 and len(by_id(out)) == 21  # the loader keeps the last


def test_reactions_are_one_row_per_person_and_content_dated_and_aimed_at_the_author(realdata):
    rows = by_id(parse(realdata / ISSUES))
    heart = rows["github:discussion_r2/reaction/zhquan_example/heart"]
    assert (heart["kind"], heart["actor_id"], heart["target_id"], heart["in_reply_to"]) == (
        "reaction", "github:zhquan_example", "github:zhquan_example1", "github:discussion_r2")
    assert heart["occurred_at"].isoformat() == "2016-11-26T11:37:39+00:00"


def test_review_comment_in_reply_to_names_its_parent(tmp_path):
    pull = issue(3, user("ana"), html_url="https://github.com/acme/app/pull/3",
                 review_comments_data=[
                     {"id": 70, "user": user("bo"), "body": "nit",
                      "created_at": "2026-03-02T11:00:00Z"},
                     {"id": 71, "user": user("ana"), "body": "fixed", "in_reply_to_id": 70,
                      "created_at": "2026-03-02T12:00:00Z"}])
    row = by_id(parse(write(tmp_path, [item(pull, "pull_request")])))["github:discussion_r71"]
    assert (row["kind"], row["in_reply_to"], row["target_id"], row["thread_id"]) == (
        "comment", "github:discussion_r70", "github:bo", "github:acme/app#3")


@pytest.mark.parametrize("who, automated", [
    (user("dependabot[bot]", type="Bot"), True),
    (user("renovate[bot]"), True),
    (user("ci-helper", type="Bot"), True),
    (user("ana"), False),
])
def test_bot_accounts_are_automated(tmp_path, who, automated):
    [row] = parse(write(tmp_path, [item(issue(4, who))])).interactions
    assert row["automated"] is automated


def test_timeline_reviews_are_comments_and_other_events_skipped_with_a_note(realdata):
    out = parse(realdata / EVENTS)
    review = by_id(out)["github:pullrequestreview-724222612"]
    assert (review["kind"], review["actor_id"], review["thread_id"]) == (
        "comment", "github:zhquan", "github:zhquan/test-merged-event#442")
    [note] = out.notes
    assert "MovedColumnsInProjectEvent 4" in note and "CrossReferencedEvent 2" in note


def test_timeline_issues_ride_along_but_are_mapped_once(realdata):
    out = parse(realdata / EVENTS)
    assert len(out.interactions) == len(by_id(out)) == 6


def test_perceval_envelopes_are_unwrapped_and_their_epoch_times_never_used(realdata):
    items = json.loads((realdata / ISSUES).read_text())
    fetched = {round(t, 3) for i in items for t in (i["timestamp"], i["updated_on"])}
    out = parse(realdata / ISSUES)
    assert not fetched & {round(r["occurred_at"].timestamp(), 3) for r in out.interactions}
    assert by_id(out)["github:finos/FDC3#7"]["occurred_at"].isoformat() == \
        "2019-02-21T11:52:46+00:00"


def test_our_repository_statistics_are_stars_on_the_day_fetched(realdata):
    out = parse(realdata / ISSUES, REPO)
    # fetched_on 1483228800 = 2017-01-01, 1482228800 = 2016-12-20, 1483229800 = 2017-01-01
    assert [(r["account_id"], r["day"], r["followers"]) for r in out.audience_daily] == [
        ("github:kubernetes/kubernetes", date(2017, 1, 1), 48188),
        ("github:kubernetes/kubernetes", date(2016, 12, 20), 47118),
        ("github:kubernetes/kubernetes", date(2017, 1, 1), 1)]  # the loader keeps the last
    assert [p["is_ours"] for p in out.people if p["person_id"] == "github:kubernetes/kubernetes"] \
        == [True]


def test_other_repositories_statistics_are_skipped_with_a_note(realdata):
    out = parse(realdata / ISSUES)
    assert out.audience_daily == [] and out.skipped == 3
    assert any("statistics of kubernetes/kubernetes skipped" in n for n in out.notes)


@pytest.mark.parametrize("record, table, reason", [
    (item(issue(5, user("ana"), created_at=None)), "interactions", "created_at None"),
    (item(issue(6, user("ana"), created_at="2026-03-02 10:00")), "interactions", "ISO 8601"),
    (item(issue(7, None)), "interactions", "no author"),
    (item({"full_name": "acme/app", "fetched_on": "soon", "stargazers_count": 5},
          "repository"), "audience_daily", "fetched_on 'soon' is not epoch seconds"),
    (item({"full_name": "acme/app", "fetched_on": 1772400000.0, "stargazers_count": "1.2K"},
          "repository"), "audience_daily", "stargazers_count '1.2K' is not a whole number"),
])
def test_records_that_cannot_be_used_are_quarantined(tmp_path, record, table, reason):
    out = parse(write(tmp_path, [item(issue(9, user("bo"))), record]),
                ours={"github": {"acme/app"}})
    assert list(by_id(out)) == ["github:acme/app#9"]
    [rejected] = out.rejected
    assert (rejected.file, rejected.line, rejected.table) == ("issues.json", 2, table)
    assert reason in rejected.reason


def test_a_rest_list_of_issues_is_read_without_envelopes(tmp_path):
    path = write(tmp_path, [dict(issue(8, user("ana")),
                                 url="https://api.github.com/repos/acme/app/issues/8")])
    assert GITHUB.detect(path)
    assert list(by_id(parse(path))) == ["github:acme/app#8"]


# --- detection and refusals ----------------------------------------------------------------

@pytest.mark.parametrize("name", [ISSUES, EVENTS, "github"])
def test_samples_are_detected_by_github_alone(realdata, name):
    assert [n for n, s in OURS.items() if s.detect(realdata / name)] == ["github"]
    assert registry.detect(realdata / name) is GITHUB


@pytest.mark.parametrize("name, expected", [
    ("mattermost/elk_perceval_items_openshift_posts.json",
     r"backend 'Mattermost', expected 'GitHub' or 'GitHubQL'"),
    ("meetup/perceval_api_events.json", "not a GitHub export"),
])
def test_other_platforms_files_are_refused_naming_what_was_expected(realdata, name, expected):
    assert not GITHUB.detect(realdata / name)
    with pytest.raises(SourceError, match=expected):
        parse(realdata / name)


def test_truncated_json_is_refused_whole(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"backend_name": "GitHub", "data": {"number": 1')
    with pytest.raises(SourceError, match="broken.json: not valid JSON.*; expected perceval"):
        parse(path)


def test_parsing_twice_gives_identical_output(realdata):
    assert parse(realdata / "github", REPO) == parse(realdata / "github", REPO)


# --- end to end: the loader, a real DuckDB file, loaded twice -------------------------------

def test_load_end_to_end(realdata, duckdb_url):
    from pipelines.load import load_paths

    [first] = load_paths([realdata / "github"], duckdb_url, ours=REPO)
    assert (first.status, first.format, first.skipped, first.quarantined) == (
        "loaded", "github", 15, 0)
    # people 6 + valeriocos, zhquan + the repository = 9; interactions 21 distinct (issues file)
    # + 5 embedded issues + 1 review = 27, less the 3 mention rows that name the target the
    # loader infers for their comment (sduenas -> acs twice, acs -> sduenas) = 24; threads
    # 4 + 5. Two-way: in grimoirelab-perceval#7 sduenas writes to acs (the author) and acs
    # answers sduenas; the other threads go one way only.
    assert warehouse_figures(duckdb_url, "github") == {
        "people": 9, "interactions": 24, "threads": 9, "two_way_threads": 1}


def test_loading_twice_changes_nothing(realdata, duckdb_url):
    from pipelines.load import load_paths

    load_paths([realdata / "github"], duckdb_url, ours=REPO)
    rows = table_rows(duckdb_url)
    [second] = load_paths([realdata / "github"], duckdb_url, ours=REPO)
    assert second.status == "loaded" and table_rows(duckdb_url) == rows
