"""X/Twitter: the real samples of SOURCES.md section 1, and written archive files (DMs, likes)."""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from pipelines.records import Parsed
from pipelines.sources import registry
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.twitter import SOURCE as TWITTER

from .test_slack import by_id, summary, table_rows, warehouse_figures

EXGENESIS = "twitter/community_archive_exgenesis_archive_subset"
SQLITE_FIXTURE = "twitter/twitter_to_sqlite_archive_fixture"
ACTIVITY = "twitter/tweet_activity_statsgen_CC-BY-NC-ND"
SEARCH = "twitter/perceval_api_v1.1_search_tweets_grimoirelab.json"
UTC = timezone.utc


def parse(path: Path, **ours: set[str]) -> Parsed:
    return TWITTER.parse(path, ParseContext(ours=ours))


def reasons(out: Parsed) -> dict[str, int]:
    return dict(Counter(r.reason.split(":")[0] for r in out.rejected))


def two_way_threads(out: Parsed) -> int:
    """Threads with distinct P, Q having P→Q and Q→P among conversational rows with a target."""
    edges = {(r["thread_id"], r["actor_id"], r["target_id"]) for r in out.interactions
             if r["kind"] in ("reply", "comment", "mention", "dm") and r["target_id"]
             and r["actor_id"] != r["target_id"]}
    return len({t for t, p, q in edges if (t, q, p) in edges})


# How the figures were counted (strip the prefix with sed '1s/^window\.YTD\.[a-z_]*\.part0 = //'):
#   exGenesis: jq '.[].tweet | if .in_reply_to_status_id_str then "reply" else "post" end'
#     -> 6 replies, 1 post; mentions other than the author (322603863) and the replied-to user:
#     jq '.[].tweet | . as $t | .entities.user_mentions[] | select(.id_str !=
#     $t.in_reply_to_user_id_str and .id_str != "322603863")' -> 2 (meditationstuff, tszzl).
#     Threads: follow in_reply_to_status_id_str while the parent is in the file; the last id
#     reached is the root -> 6 (1626699961042698240 holds the 2 self-replies; 4 replies to
#     others whose parents are outside the file; the post roots its own).
#     People: account + 3 followers + 3 followings + reply targets and mentions, unique -> 12.
#     follower.js/following.js have no time: 3 + 3 follow events rejected "no time".
#   twitter-to-sqlite: 1 account + 2 followers + 2 followings = 5 people, 4 follows rejected.
#   Search: jq '[.statuses[] | select(.retweeted_status)] | length' -> 49 shares; messages are
#     the non-retweet statuses plus every embedded retweeted_status/quoted_status, unique by
#     id_str -> 17 posts, 1 reply, 17 threads; mentions per message (unique ids, not the
#     author nor the replied-to user) -> 29; people: every .user plus reply targets and the
#     messages' mentions -> 42. Two-way: the (thread, actor, target) edges of the reply and
#     mentions, checked for a reverse edge with awk -> 0.
#   Activity: 396 rows, 175 distinct days (python csv over the 12 files), no rejects.
REAL = [
    pytest.param(EXGENESIS, {"people": 12, "kinds": {"reply": 6, "post": 1, "mention": 2},
                             "skipped": 0, "rejected": 6, "threads": 6}, 0, 14, id="exgenesis"),
    pytest.param(EXGENESIS + "/data", {"people": 12, "kinds": {"reply": 6, "post": 1, "mention": 2},
                                       "skipped": 0, "rejected": 6, "threads": 6}, 0, 14,
                 id="exgenesis-data-folder"),
    pytest.param(SQLITE_FIXTURE, {"people": 5, "kinds": {}, "skipped": 0, "rejected": 4,
                                  "threads": 0}, 0, 5, id="twitter-to-sqlite"),
    pytest.param(SEARCH, {"people": 42, "kinds": {"share": 49, "post": 17, "reply": 1, "mention": 29},
                          "skipped": 0, "rejected": 0, "threads": 17}, 0, 61, id="api-search"),
    pytest.param(ACTIVITY, {"people": 1, "kinds": {}, "skipped": 0, "rejected": 0, "threads": 0},
                 0, 396, id="tweet-activity"),
]


@pytest.mark.parametrize("path, expected, two_way, rows_read", REAL)
def test_real_exports_give_the_counted_figures(realdata, path, expected, two_way, rows_read):
    out = parse(realdata / path)
    assert summary(out) == expected
    assert two_way_threads(out) == two_way
    assert out.rows_read == rows_read


@pytest.mark.parametrize("path", [EXGENESIS, SQLITE_FIXTURE, SEARCH, ACTIVITY])
def test_parsing_twice_gives_identical_output(realdata, path):
    assert parse(realdata / path) == parse(realdata / path)


# --- the archive ------------------------------------------------------------------------------

def test_archive_owner_is_ours_and_ids_keep_every_digit(realdata):
    out = parse(realdata / EXGENESIS)
    assert out.owners == {"twitter:322603863"}
    people = {p["person_id"]: p for p in out.people}
    assert people["twitter:322603863"] == {
        "person_id": "twitter:322603863", "platform": "twitter", "handle": "exGenesis",
        "display_name": "❤️\u200d🔥 xiq", "is_ours": True}
    # "id" : "1310630474755178496" is a string in the file: no float rounding anywhere.
    assert "twitter:1310630474755178496" in people
    assert not people["twitter:732980797985148928"]["is_ours"]


def test_created_at_and_reply_chains(realdata):
    rows = by_id(parse(realdata / EXGENESIS))
    # "created_at" : "Sat Feb 18 19:45:15 +0000 2023", replying to its own 1627019761950375936.
    last = rows["twitter:1627031510963441664"]
    assert last["occurred_at"] == datetime(2023, 2, 18, 19, 45, 15, tzinfo=UTC)
    assert (last["kind"], last["in_reply_to"], last["target_id"], last["thread_id"]) == (
        "reply", "twitter:1627019761950375936", "twitter:322603863", "twitter:1626699961042698240")
    reply = rows["twitter:1626871062343327744"]  # @selentelechia @meditationstuff omg me ...
    assert (reply["target_id"], reply["thread_id"]) == ("twitter:990430425825755138",
                                                        "twitter:1626870349575880705")
    mention = rows["twitter:1626871062343327744/mention/2587393812"]
    assert (mention["kind"], mention["actor_id"], mention["target_id"], mention["thread_id"]) == (
        "mention", "twitter:322603863", "twitter:2587393812", "twitter:1626870349575880705")
    post = rows["twitter:1626902980006932483"]
    assert (post["kind"], post["target_id"], post["thread_id"]) == (
        "post", None, "twitter:1626902980006932483")


def test_edit_info_blocks_add_no_rows(realdata):
    out = parse(realdata / EXGENESIS)
    # Each of the 7 tweets has an edit_info block naming editTweetIds: still 7 messages.
    assert sum(r["kind"] in ("post", "reply") for r in out.interactions) == 7


@pytest.mark.parametrize("path, layout", [
    (EXGENESIS, "accountId with userLink"),
    (SQLITE_FIXTURE, "accountId only, '[ {' on the first line, no trailing newline"),
])
def test_both_follower_layouts_give_people_and_reject_the_undated_follows(realdata, path, layout):
    out = parse(realdata / path)
    follows = [r for r in out.rejected if r.table == "interactions"]
    assert follows and all(r.reason.startswith("no time: follow") for r in follows), layout
    assert {r.file.rsplit("/", 1)[-1] for r in follows} == {"follower.js", "following.js"}
    people = {p["person_id"] for p in out.people}
    for r in follows:
        entry = r.raw.get("follower") or r.raw.get("following")
        assert f"twitter:{entry['accountId']}" in people
    assert [r.line for r in follows if r.file.endswith("follower.js")] == list(
        range(1, len([r for r in follows if r.file.endswith("follower.js")]) + 1))


def ytd(folder: Path, file: str, name: str, records: list, part: int = 0) -> Path:
    """Write an archive file as X does: `window.YTD.<name>.partN = ` then pretty JSON."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file
    path.write_text(f"window.YTD.{name}.part{part} = " + json.dumps(records, indent=2,
                                                                   ensure_ascii=False))
    return path


OWNER, ALICE, BOB = "1111111111", "2222222222", "3333333333"


def account(folder: Path) -> None:
    ytd(folder, "account.js", "account", [{"account": {
        "email": "team@example.org", "createdVia": "web", "username": "ourbrand",
        "accountId": OWNER, "createdAt": "2015-03-01T10:00:00.000Z",
        "accountDisplayName": "Our Brand"}}])


def dm(message_id: str, sender: str, created: str, text: str, recipient: str | None = None,
       reactions: list | None = None) -> dict:
    body = {"reactions": reactions or [], "urls": [], "text": text, "mediaUrls": [],
            "senderId": sender, "id": message_id, "createdAt": created}
    if recipient:
        body["recipientId"] = recipient
    return {"messageCreate": body}


def write_dm_archive(root: Path) -> Path:
    """A small archive in the real layout: account, a one-to-one and a group conversation, likes."""
    data = root / "data"
    account(data)
    # Newest first, as in real archives; Alice opens, we answer, Alice reacts to our answer.
    ytd(data, "direct-messages.js", "direct_messages", [{"dmConversation": {
        "conversationId": f"{OWNER}-{ALICE}",
        "messages": [
            dm("1700000000000000003", OWNER, "2024-05-02T09:00:00.000Z", "Happy to help!", ALICE,
               reactions=[{"senderId": ALICE, "reactionKey": "like", "eventId": "1700000000000000004",
                           "createdAt": "2024-05-02T09:05:00.000Z"}]),
            dm("1700000000000000002", ALICE, "2024-05-01T18:30:12.345Z", "Can you help?", OWNER),
        ]}}])
    ytd(data, "direct-messages-group.js", "direct_messages_group", [{"dmConversation": {
        "conversationId": "1700000000000000100",
        "messages": [
            {"participantsLeave": {"userIds": [BOB], "createdAt": "2024-06-03T08:00:00.000Z"}},
            {"welcomeMessageCreate": {"id": "1700000000000000103", "senderId": OWNER,
                                      "createdAt": "2024-06-03T09:00:00.000Z"}},
            dm("1700000000000000102", OWNER, "2024-06-02T08:00:00.000Z", "Welcome both"),
            dm("1700000000000000101", BOB, "2024-06-01T08:00:00.000Z", "Hi all"),
            {"joinConversation": {"initiatingUserId": BOB,
                                  "participantsSnapshot": [OWNER, ALICE, BOB],
                                  "createdAt": "2024-06-01T07:59:59.000Z"}},
        ]}}])
    ytd(data, "like.js", "like", [{"like": {
        "tweetId": "1600000000000000001", "fullText": "a liked tweet",
        "expandedUrl": "https://twitter.com/i/web/status/1600000000000000001"}}])
    return root


def test_direct_messages_group_conversations_reactions_and_likes(tmp_path):
    out = parse(write_dm_archive(tmp_path / "archive"))
    rows = by_id(out)
    thread = f"twitter:dm/{OWNER}-{ALICE}"
    # In a two-person conversation the target is the other person, the opening message included.
    assert {k: (r["kind"], r["actor_id"], r["target_id"], r["thread_id"]) for k, r in rows.items()
            if r["thread_id"] == thread} == {
        "twitter:1700000000000000002": ("dm", f"twitter:{ALICE}", f"twitter:{OWNER}", thread),
        "twitter:1700000000000000003": ("dm", f"twitter:{OWNER}", f"twitter:{ALICE}", thread),
        f"twitter:1700000000000000003/reaction/{ALICE}/like":
            ("reaction", f"twitter:{ALICE}", f"twitter:{OWNER}", thread),
    }
    assert rows["twitter:1700000000000000002"]["occurred_at"] == datetime(
        2024, 5, 1, 18, 30, 12, 345000, tzinfo=UTC)
    # A group conversation leaves targets to the loader; joins and leaves are notices.
    group = [r for r in out.interactions if r["thread_id"] == "twitter:dm/1700000000000000100"]
    assert [(r["kind"], r["target_id"]) for r in group] == [("dm", None), ("dm", None)]
    assert out.skipped == 3
    assert "DM events not read (skipped): welcomeMessageCreate ×1" in out.notes
    assert two_way_threads(out) == 1
    # A like has no time in the archive: rejected, never given one.
    [like] = [r for r in out.rejected if r.file == "data/like.js"]
    assert (like.line, like.reason) == (1, "no time: like.js does not say when a tweet was liked")
    assert out.rows_read == 1 + 2 + 5 + 1  # account, 2 + 5 conversation events, 1 like
    assert out.owners == {f"twitter:{OWNER}"}


def test_dm_without_time_is_rejected_with_its_place(tmp_path):
    data = tmp_path / "data"
    ytd(data, "direct-messages.js", "direct_messages", [{"dmConversation": {
        "conversationId": f"{OWNER}-{ALICE}",
        "messages": [dm("1700000000000000009", ALICE, "", "undated", OWNER),
                     dm("1700000000000000008", ALICE, "yesterday", "badly dated", OWNER)]}}])
    out = parse(tmp_path)
    assert out.interactions == []
    assert [(r.file, r.line, r.reason) for r in out.rejected] == [
        ("data/direct-messages.js", 1,
         f"message 1 of conversation {OWNER}-{ALICE}: no time"),
        ("data/direct-messages.js", 1,
         f"message 2 of conversation {OWNER}-{ALICE}: createdAt 'yesterday' is not an ISO 8601 "
         "time with offset"),
    ]


def tweet(tweet_id: str, created: str = "Sat Feb 18 19:45:15 +0000 2023", text: str = "hello",
          **extra) -> dict:
    return {"tweet": {"id": tweet_id, "id_str": tweet_id, "created_at": created,
                      "full_text": text, "favorite_count": "0", "retweet_count": "0",
                      "entities": {"user_mentions": extra.pop("mentions", [])}, **extra}}


@pytest.mark.parametrize("file, name", [("tweets.js", "tweets"), ("tweet.js", "tweet"),
                                        ("tweets-part1.js", "tweets")])
def test_tweet_file_names_and_prefixes_of_every_archive_generation(tmp_path, file, name):
    account(tmp_path / "data")
    ytd(tmp_path / "data", file, name, [tweet("1600000000000000010")], part=1 if "part" in file else 0)
    rows = by_id(parse(tmp_path))
    assert rows["twitter:1600000000000000010"]["actor_id"] == f"twitter:{OWNER}"


def test_multi_part_tweet_files_are_one_timeline(tmp_path):
    data = tmp_path / "data"
    account(data)
    ytd(data, "tweets.js", "tweets", [tweet("1600000000000000020")])
    ytd(data, "tweets-part1.js", "tweets", [tweet(
        "1600000000000000021", in_reply_to_status_id_str="1600000000000000020",
        in_reply_to_user_id_str=OWNER, in_reply_to_screen_name="ourbrand")], part=1)
    rows = by_id(parse(tmp_path))
    assert rows["twitter:1600000000000000021"]["thread_id"] == "twitter:1600000000000000020"


def test_archive_retweet_is_a_share_and_scheduled_tweets_are_automated(tmp_path):
    data = tmp_path / "data"
    account(data)
    ytd(data, "tweets.js", "tweets", [
        tweet("1600000000000000030", text="RT @alice: big news", retweeted=False,
              mentions=[{"name": "Alice", "screen_name": "alice", "id": ALICE, "id_str": ALICE,
                         "indices": ["3", "9"]}]),
        tweet("1600000000000000031", text="scheduled post",
              source='<a href="https://buffer.com" rel="nofollow">Buffer</a>'),
    ])
    rows = by_id(parse(tmp_path))
    share = rows["twitter:1600000000000000030"]
    assert (share["kind"], share["target_id"], share["thread_id"]) == ("share", f"twitter:{ALICE}", None)
    assert "twitter:1600000000000000030/mention/" + ALICE not in rows
    assert rows["twitter:1600000000000000031"]["automated"] is True
    assert share["automated"] is False


def test_tweet_without_time_is_rejected_not_dated(tmp_path):
    account(tmp_path / "data")
    ytd(tmp_path / "data", "tweets.js", "tweets", [tweet("1600000000000000040", created=""),
                                                   tweet("1600000000000000041", created="2023-02-18")])
    out = parse(tmp_path)
    assert out.interactions == []
    assert [(r.file, r.line, r.reason) for r in out.rejected] == [
        ("data/tweets.js", 1, "no time: created_at is missing"),
        ("data/tweets.js", 2, "created_at '2023-02-18' is not like 'Sat Feb 18 19:45:15 +0000 2023'"),
    ]


def test_owner_is_found_from_self_replies_without_account_js(realdata, tmp_path):
    lone = tmp_path / "tweets.js"
    lone.write_bytes((realdata / EXGENESIS / "data" / "tweets.js").read_bytes())
    out = parse(lone)
    assert out.owners == {"twitter:322603863"}
    assert any("found from replies to own tweets" in n for n in out.notes)


@pytest.mark.parametrize("content, message", [
    ("window.YTD.tweets.part0 = [ {\"tweet\": {\"id\": \"1\"", r"tweets\.js: not valid JSON .* line 1"),
    ("window.YTD.like.part0 = []", r"tweets\.js: holds window\.YTD\.like\.part0, expected "
                                   r"window\.YTD\.tweets\.partN or window\.YTD\.tweet\.partN"),
    ("window.YTD.tweets.part0 = {}", r"tweets\.js: expected a JSON array"),
])
def test_a_broken_archive_file_refuses_the_archive_naming_it(tmp_path, content, message):
    account(tmp_path / "data")
    (tmp_path / "data" / "tweets.js").write_text(content)
    with pytest.raises(SourceError, match=message):
        parse(tmp_path)


@pytest.mark.parametrize("file", ["account.js", "tweets.js", "tweet.js", "tweets-part1.js",
                                  "direct-messages.js", "direct-messages-group.js", "follower.js",
                                  "following.js", "like.js"])
@pytest.mark.parametrize("content, message", [
    (b"window.__INITIAL_STATE__ = []", "does not start with 'window.YTD.<name>.partN = '"),
    (b"[]", "does not start with 'window.YTD.<name>.partN = '"),
    ("window.YTD.x.part0 = []".encode("utf-16"), "not UTF-8 text (it starts with a UTF-16 byte"),
], ids=["unknown JS prefix", "no prefix", "UTF-16"])
def test_every_archive_file_rapport_reads_is_refused_when_undecodable_not_skipped(
        tmp_path, file, content, message):
    data = tmp_path / "data"
    ytd(data, "profile.js", "profile", [])  # a window.YTD file: the folder is an archive
    (data / file).write_bytes(content)
    with pytest.raises(SourceError, match=re.escape(f"data/{file}: {message}")):
        parse(tmp_path)


def test_files_the_archive_holds_but_rapport_does_not_read_are_ignored_whatever_they_hold(tmp_path):
    account(tmp_path / "data")
    ytd(tmp_path / "data", "tweets.js", "tweets", [tweet("1600000000000000050")])
    unread = {
        "data/manifest.js": b'window.__THAR_CONFIG = {"userInfo": {"accountId": "1"}}',
        "data/profile.js": "window.YTD.profile.part0 = []".encode("utf-16"),
        "data/ad-engagements.js": b"\xff\x00 not text",
        "data/tweet-headers.js": b"[]",
        "data/README.txt": b"archive readme",
        "data/tweet_media/1600000000000000050-a.jpg": b"\xff\xd8\xff",
        "assets/js/ondemand.App.d6158766bd65961af9f5.js": b"(()=>{})()",
        "assets/js/tweets.js": b"window.webpackChunk = []",
        "Your archive.html": b"<html></html>",
    }
    for name, content in unread.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    assert TWITTER.detect(tmp_path)
    out = parse(tmp_path)
    assert list(by_id(out)) == ["twitter:1600000000000000050"]
    assert out.rejected == []
    assert out.rows_read == 2  # the account and the tweet


def test_an_archive_file_rapport_does_not_read_is_refused_alone_and_noted_in_a_folder(realdata):
    with pytest.raises(SourceError, match=r"profile\.js: an archive file rapport does not read; "
                                          r"expected one of account\.js, tweets\.js"):
        parse(realdata / EXGENESIS / "data" / "profile.js")
    assert "archive files not used: data/profile.js" in parse(realdata / EXGENESIS).notes


# --- tweet activity (analytics) ----------------------------------------------------------------

def test_activity_feeds_audience_daily_only(realdata):
    out = parse(realdata / ACTIVITY)
    # 304 of the 396 rows are replies (text starting with "@"): still no interactions, the
    # analytics export only feeds audience_daily.
    assert out.interactions == []
    assert out.owners == {"twitter:@statsgen"}
    assert out.people == [{"person_id": "twitter:@statsgen", "platform": "twitter",
                           "handle": "statsgen", "display_name": None, "is_ours": True}]
    days = {r["day"]: r for r in out.audience_daily}
    assert len(days) == 175 and min(days) == date(2020, 4, 1) and max(days) == date(2021, 3, 28)
    # awk -F'","' '$4 ~ /^2020-04-29/ {i+=$5; e+=$6; l+=$10}' on the April file -> 603 9 3.
    assert {k: days[date(2020, 4, 29)][k] for k in ("impressions", "engagements", "likes")} == {
        "impressions": 603, "engagements": 9, "likes": 3}
    # python csv over the 12 files: impressions 551566, engagements 37846, likes 3474.
    assert sum(r["impressions"] for r in out.audience_daily) == 551566
    assert sum(r["engagements"] for r in out.audience_daily) == 37846
    assert sum(r["likes"] for r in out.audience_daily) == 3474
    assert all(r["account_id"] == "twitter:@statsgen" for r in out.audience_daily)


def test_activity_multi_line_text_quoted_fields_and_dash_promoted_columns(realdata):
    folder = realdata / ACTIVITY
    april = parse(folder / "tweet_activity_metrics_statsgen_20200401_20200501_en.csv")
    # 45 records over 92 lines: tweet texts span lines; "-" fills the promoted columns.
    assert april.rows_read == 45 and april.rejected == [] and april.notes == []


ACTIVITY_HEADER = ('"Tweet id","Tweet permalink","Tweet text","time","impressions",'
                   '"engagements","engagement rate","retweets","replies","likes"')


def activity_row(tweet_id: str, when: str, impressions: str, engagements: str = "1.0",
                 likes: str = "0.0") -> str:
    return (f'"{tweet_id}","https://twitter.com/ourbrand/status/{tweet_id}","text\nover lines",'
            f'"{when}","{impressions}","{engagements}","0.01","0.0","0.0","{likes}"')


def test_activity_files_overlap_and_a_tweet_counts_once_with_the_latest_file(tmp_path):
    (tmp_path / "tweet_activity_metrics_ourbrand_20240101_20240201_en.csv").write_text("\n".join([
        ACTIVITY_HEADER,
        activity_row("1700000000000000001", "2024-01-31 23:10 +0000", "100.0"),
        activity_row("1700000000000000002", "2024-01-31 08:00 +0000", "50.0"),
    ]))
    (tmp_path / "tweet_activity_metrics_ourbrand_20240115_20240215_en.csv").write_text("\n".join([
        ACTIVITY_HEADER,
        activity_row("1700000000000000001", "2024-01-31 23:10 +0000", "180.0", likes="4.0"),
    ]))
    out = parse(tmp_path)
    [day] = out.audience_daily
    assert (day["day"], day["impressions"], day["likes"]) == (date(2024, 1, 31), 230, 4)
    assert day["account_id"] == "twitter:@ourbrand"
    assert any("appear in more than one file" in n for n in out.notes)


@pytest.mark.parametrize("impressions", ["1.2K", "N/A", "", "-", "12.5"])
def test_unparseable_counts_are_rejected_not_zero(tmp_path, impressions):
    path = tmp_path / "tweet_activity_metrics_ourbrand_20240101_20240201_en.csv"
    path.write_text("\n".join([ACTIVITY_HEADER,
                               activity_row("1700000000000000001", "2024-01-31 23:10 +0000", impressions),
                               activity_row("1700000000000000002", "2024-01-30 10:00 +0000", "7.0")]))
    out = parse(path)
    assert [r["day"] for r in out.audience_daily] == [date(2024, 1, 30)]
    [rejected] = out.rejected
    assert (rejected.file, rejected.line, rejected.table) == (path.name, 2, "audience_daily")
    assert rejected.reason.startswith("impressions: count")


def test_activity_schema_drift_is_noted_and_a_missing_column_refuses_the_file(tmp_path):
    path = tmp_path / "tweet_activity_metrics_ourbrand_20240101_20240201_en.csv"
    path.write_text(ACTIVITY_HEADER + ',"bookmarks"\n'
                    + activity_row("1700000000000000001", "2024-01-31 23:10 +0000", "3.0") + ',"1"\n')
    assert parse(path).notes == [f"{path.name}: columns not used (schema drift): bookmarks"]
    path.write_text(ACTIVITY_HEADER.replace(',"impressions"', "") + "\n")
    with pytest.raises(SourceError, match=r"missing required column\(s\) 'impressions'"):
        parse(path)


# --- API v1.1 search ----------------------------------------------------------------------------

def test_search_retweets_quotes_replies_and_embedded_originals(realdata):
    rows = by_id(parse(realdata / SEARCH))
    # ids are numbers and strings: "max_id": 1005277806383673344 reads ...300 in a float parser.
    retweet = rows["twitter:1005277806383673344"]
    assert (retweet["kind"], retweet["actor_id"], retweet["target_id"], retweet["in_reply_to"],
            retweet["thread_id"]) == ("share", "twitter:241752592", "twitter:10368692",
                                      "twitter:1004631044610502657", "twitter:1004631044610502657")
    assert retweet["occurred_at"] == datetime(2018, 6, 9, 2, 38, tzinfo=UTC)
    # The retweeted original is a message of its author, though only embedded.
    original = rows["twitter:1004631044610502657"]
    assert (original["kind"], original["actor_id"]) == ("post", "twitter:10368692")
    # A quote with text of its own is a post; the quoted tweet is a message too.
    quote = rows["twitter:1003411553172033536"]
    assert (quote["kind"], quote["thread_id"]) == ("post", "twitter:1003411553172033536")
    assert rows["twitter:1003384807680856064"]["actor_id"] == "twitter:784165"
    reply = rows["twitter:1004761452945821696"]
    assert (reply["kind"], reply["target_id"], reply["thread_id"]) == (
        "reply", "twitter:10368692", "twitter:1004631044610502657")
    # Both tweets sent with Buffer (embedded originals by @os_weekends) are automated.
    assert sorted(k for k, r in rows.items() if r["automated"] and r["kind"] == "post") == [
        "twitter:1001720116588023808", "twitter:1003698229840629761"]


def test_search_vanity_counts_are_not_kept_and_ours_comes_from_the_team(realdata):
    out = parse(realdata / SEARCH, twitter={"Bitergia"})
    assert out.audience_daily == []
    ours = [p["person_id"] for p in out.people if p["is_ours"]]
    assert ours == ["twitter:487623589"]


def test_search_json_that_is_not_a_search_response_is_refused(tmp_path):
    path = tmp_path / "search.json"
    path.write_text('{"statuses": {"id_str": "1"}}')
    with pytest.raises(SourceError, match=r'search\.json: no "statuses" array; expected an X API '
                                          r'v1\.1 search response'):
        parse(path)


# --- detection -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    EXGENESIS, EXGENESIS + "/data", EXGENESIS + "/data/tweets.js", SQLITE_FIXTURE,
    SQLITE_FIXTURE + "/follower.js", ACTIVITY,
    ACTIVITY + "/tweet_activity_metrics_statsgen_20200401_20200501_en.csv", SEARCH,
])
def test_samples_are_detected_by_twitter_alone(realdata, path):
    assert [s.name for s in registry.all_sources() if s.detect(realdata / path)] == ["twitter"]


@pytest.mark.parametrize("path", [
    "linkedin/anuhyabs_personal_export_2021/Connections.csv",
    "slack/perceval_api_conversations_history.json",
    "mastodon/mastodonpy_api_v1_timelines_public.json",
    "discord",
])
def test_other_exports_are_not_detected_and_refused_naming_what_was_expected(realdata, path):
    assert not TWITTER.detect(realdata / path)
    with pytest.raises(SourceError, match="not an X/Twitter export; expected an X/Twitter export"):
        parse(realdata / path)


# --- end to end ------------------------------------------------------------------------------------

# Figures in SQL after loading: the counted rows above, with mentions; no two-way thread
# (every reply in the samples names its target, and no target answers back in the thread).
@pytest.mark.parametrize("path, figures", [
    (EXGENESIS, {"people": 12, "interactions": 9, "threads": 6, "two_way_threads": 0}),
    (SEARCH, {"people": 42, "interactions": 96, "threads": 17, "two_way_threads": 0}),
])
def test_load_end_to_end_twice(realdata, duckdb_url, path, figures):
    from pipelines.load import load_paths

    [first] = load_paths([realdata / path], duckdb_url)
    assert (first.status, first.format) == ("loaded", "twitter"), first.message
    rows = table_rows(duckdb_url)
    [second] = load_paths([realdata / path], duckdb_url)
    assert (second.status, second.loaded) == ("loaded", 0) and table_rows(duckdb_url) == rows
    assert warehouse_figures(duckdb_url, "twitter") == figures


def test_load_activity_end_to_end_restates_days(realdata, duckdb_url):
    from pipelines.load import load_paths
    from pipelines.warehouse import make_engine
    import sqlalchemy as sa

    [first] = load_paths([realdata / ACTIVITY], duckdb_url)
    assert (first.status, first.rows_read, first.quarantined) == ("loaded", 396, 0), first.message
    [second] = load_paths([realdata / ACTIVITY], duckdb_url)
    assert second.loaded == 0
    with make_engine(duckdb_url).connect() as conn:
        assert conn.execute(sa.text(
            "SELECT count(*), sum(impressions) FROM audience_daily WHERE platform = 'twitter'")
        ).one() == (175, 551566)


def test_load_archive_quarantines_the_undated_follows(realdata, duckdb_url):
    from pipelines.load import load_paths

    [summary_] = load_paths([realdata / EXGENESIS], duckdb_url)
    assert (summary_.rows_read, summary_.quarantined) == (14, 6)


def test_parse_time_of_the_real_samples(realdata):
    timings = {}
    for path in (EXGENESIS, SQLITE_FIXTURE, ACTIVITY, SEARCH):
        started = time.perf_counter()
        parse(realdata / path)
        timings[path] = time.perf_counter() - started
    assert max(timings.values()) < 2.0, timings


def test_load_written_dm_archive_infers_group_targets(tmp_path, duckdb_url):
    from pipelines.load import load_paths

    [loaded] = load_paths([write_dm_archive(tmp_path / "archive")], duckdb_url)
    assert (loaded.status, loaded.skipped, loaded.quarantined) == ("loaded", 3, 1), loaded.message
    rows = {r[0]: r for r in table_rows(duckdb_url)["interactions"]}
    # Bob opens the group (the root: no target); our answer targets him, by inference.
    assert rows["twitter:1700000000000000101"][4] is None
    assert rows["twitter:1700000000000000102"][4] == f"twitter:{BOB}"
    assert warehouse_figures(duckdb_url, "twitter")["two_way_threads"] == 1
