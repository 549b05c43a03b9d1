"""LinkedIn personal data exports: the real samples of SOURCES.md section 2, and written files."""
from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipelines.records import Parsed
from pipelines.sources import registry
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.linkedin import SOURCE as LINKEDIN

from .test_slack import by_id, summary, table_rows, warehouse_figures
from .test_twitter import two_way_threads

ANUHYA = "linkedin/anuhyabs_personal_export_2021"
SANAND = "linkedin/sanand0_personal_export_2025"
OWNER = "linkedin:in/anuhyabs"
UTC = timezone.utc


def parse(path: Path, **ours: set[str]) -> Parsed:
    return LINKEDIN.parse(path, ParseContext(ours=ours))


# How the figures were counted:
#   anuhyabs (python csv.DictReader over each file):
#     Connections.csv 554 rows; grep -c '^,,,,,' -> 9 rows with neither name nor URL: rejected,
#       545 connects. Invitations.csv 165 rows -> 165 invites. Reactions.csv 117 rows.
#     messages.csv 416 rows in 88 CONVERSATION IDs -> 416 dms, 88 threads; conversations where
#       the owner both sent and received (every conversation has two participants) -> 38.
#     people: distinct whitespace-collapsed names over First+Last, From/To, FROM/TO -> 622,
#       "LinkedIn Member" counted once per conversation it appears in (3) -> 625.
#   sanand0: Shares.csv 202 rows, 14 with no commentary, link nor media (empty reposts) -> 188
#     posts + 14 shares; Comments.csv read with escapechar='\\' -> 323 comments; threads = the
#     URNs of the 188 posts (184 distinct) and of the comments' links (115), 9 shared -> 290.
#     No file names the owner: one person, the placeholder. No comment names its target.
REAL = [
    pytest.param(ANUHYA, {"people": 625, "kinds": {"connect": 545, "invite": 165, "dm": 416,
                                                   "reaction": 117},
                          "skipped": 0, "rejected": 9, "threads": 88}, 38, 1252, id="anuhyabs-2021"),
    pytest.param(SANAND, {"people": 1, "kinds": {"post": 188, "share": 14, "comment": 323},
                          "skipped": 0, "rejected": 0, "threads": 290}, 0, 525, id="sanand0-2025"),
]


@pytest.mark.parametrize("path, expected, two_way, rows_read", REAL)
def test_real_exports_give_the_counted_figures(realdata, path, expected, two_way, rows_read):
    out = parse(realdata / path)
    assert summary(out) == expected
    assert two_way_threads(out) == two_way
    assert out.rows_read == rows_read


@pytest.mark.parametrize("path", [ANUHYA, SANAND])
def test_parsing_twice_gives_identical_output(realdata, path):
    assert parse(realdata / path) == parse(realdata / path)


# --- who is who ------------------------------------------------------------------------------------

def test_owner_is_named_by_invitations_and_identified_by_profile_url(realdata):
    out = parse(realdata / ANUHYA)
    assert out.owners == {OWNER}
    people = {p["person_id"]: p for p in out.people}
    assert people[OWNER] == {"person_id": OWNER, "platform": "linkedin", "handle": "anuhyabs",
                             "display_name": "Anuhya Bhagavatula", "is_ours": True}
    assert sum(p["is_ours"] for p in out.people) == 1
    assert f"owner {OWNER} (Invitations.csv: sender of OUTGOING and recipient of INCOMING " \
           "invitations)" in out.notes


def test_messages_alone_name_the_owner_as_the_one_person_in_every_conversation(realdata):
    out = parse(realdata / ANUHYA / "messages.csv")
    assert out.owners == {OWNER}
    assert f"owner {OWNER} (messages.csv: the one person in all 88 conversations)" in out.notes


def test_a_name_seen_with_a_profile_url_gets_it_in_every_file(realdata):
    rows = by_id(parse(realdata / ANUHYA))
    # Akhil Gudipally writes with SENDER PROFILE URL .../in/akhil-gudipally; Connections.csv
    # (re-saved without URL) line 226 names him "Akhil,Gudipally" only.
    connect = next(r for r in rows.values() if r["_file"] == "Connections.csv" and r["_line"] == 226)
    assert connect["target_id"] == "linkedin:in/akhil-gudipally"
    # Line 527 "AKHIL,GUDIPALLY" (2017, no company) is another connection: another person.
    other = next(r for r in rows.values() if r["_file"] == "Connections.csv" and r["_line"] == 527)
    assert other["target_id"] == "linkedin:name/AKHIL-GUDIPALLY"


def test_hidden_members_are_one_person_per_conversation(realdata):
    out = parse(realdata / ANUHYA)
    hidden = [p for p in out.people if p["display_name"] == "LinkedIn Member"]
    assert len(hidden) == 3
    assert all(p["person_id"].startswith("linkedin:anonymous/2-") for p in hidden)


def test_owner_unnamed_by_any_file_is_a_noted_placeholder_or_the_teams_only_name(realdata):
    out = parse(realdata / SANAND)
    assert out.owners == {"linkedin:owner"}
    assert any("not named by any file" in n for n in out.notes)
    named = parse(realdata / SANAND, linkedin={"S Anand"})
    assert named.owners == {"linkedin:name/S-Anand"}
    assert {r["actor_id"] for r in named.interactions} == {"linkedin:name/S-Anand"}


# --- Connections.csv -------------------------------------------------------------------------------

NOTES = ('Notes:\n"When exporting your connection data, you may notice that some of the email '
         'addresses are missing. You will only see email addresses for connections who have '
         'allowed their connections to see or download their email address using this setting '
         'https://www.linkedin.com/psettings/privacy/email."\n\n')


@pytest.mark.parametrize("preamble, header, row, line", [
    # LinkedIn's own file: Notes preamble, URL column, "29 Nov 2021".
    (NOTES, "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
     "Ada,Lovelace,https://www.linkedin.com/in/ada-lovelace-1815,,Analytical,Engineer,29 Nov 2021", 5),
    # The same after an Excel re-save: no preamble, no URL, "29-Nov-21".
    ("", "First Name,Last Name,Email Address,Company,Position,Connected On",
     "Ada,Lovelace,,Analytical,Engineer,29-Nov-21", 2),
])
def test_connections_in_both_layouts(tmp_path, preamble, header, row, line):
    path = tmp_path / "Connections.csv"
    path.write_text(preamble + header + "\n" + row + "\n")
    out = parse(path)
    [connect] = out.interactions
    person = "linkedin:in/ada-lovelace-1815" if "URL" in header else "linkedin:name/Ada-Lovelace"
    assert (connect["kind"], connect["target_id"], connect["occurred_at"], connect["_line"]) == (
        "connect", person, datetime(2021, 11, 29, tzinfo=UTC), line)
    assert out.notes[-1].startswith("owner linkedin:owner")


def test_connections_without_a_header_refuse_the_file_naming_the_columns(tmp_path):
    path = tmp_path / "Connections.csv"
    path.write_text(NOTES + "First Name,Last Name,Company\nAda,Lovelace,Analytical\n")
    with pytest.raises(SourceError, match=r"Connections\.csv: missing required column\(s\) "
                                          r"'First Name', 'Last Name', 'Connected On' in its first "
                                          r"10 lines; expected LinkedIn's Connections\.csv"):
        parse(path)


def test_a_bad_connection_date_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "Connections.csv"
    path.write_text("First Name,Last Name,Connected On\nAda,Lovelace,sometime\nAlan,Turing,\n")
    out = parse(path)
    assert out.interactions == []
    assert [(r.line, r.reason) for r in out.rejected] == [
        (2, "Connected On 'sometime' is not a time like '29 Nov 2021' or '29-Nov-21'"),
        (3, "no time: Connected On is empty")]


# --- Invitations.csv -------------------------------------------------------------------------------

def test_invitations_are_dated_in_utc_and_keep_their_direction(realdata):
    out = parse(realdata / ANUHYA)
    invites = [r for r in out.interactions if r["kind"] == "invite"]
    # Line 2: Anuhya Bhagavatula,Aditya Srinivas K,"11/29/21, 12:36 PM",...,OUTGOING
    first = next(r for r in invites if r["_line"] == 2)
    assert (first["actor_id"], first["target_id"], first["occurred_at"]) == (
        OWNER, "linkedin:name/Aditya-Srinivas-K", datetime(2021, 11, 29, 12, 36, tzinfo=UTC))
    # 51 OUTGOING from the owner, 114 INCOMING to the owner.
    assert Counter("out" if r["actor_id"] == OWNER else "in" for r in invites) == {"out": 51, "in": 114}
    assert all(r["target_id"] == OWNER for r in invites if r["actor_id"] != OWNER)


def test_newer_invitations_with_profile_urls_and_four_digit_years(tmp_path):
    (tmp_path / "Invitations.csv").write_text(
        "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
        'Grace Hopper,Our Brand,"2/3/2024, 9:05 AM",,INCOMING,'
        "https://www.linkedin.com/in/grace-hopper,https://www.linkedin.com/in/our-brand\n")
    [invite] = parse(tmp_path).interactions
    assert (invite["actor_id"], invite["target_id"], invite["occurred_at"]) == (
        "linkedin:in/grace-hopper", "linkedin:in/our-brand", datetime(2024, 2, 3, 9, 5, tzinfo=UTC))


# --- messages.csv ----------------------------------------------------------------------------------

def test_conversations_by_direction_and_the_opening_message_targets_the_other(realdata):
    out = parse(realdata / ANUHYA)
    dms = [r for r in out.interactions if r["kind"] == "dm"]
    by_thread: dict[str, set[str]] = {}
    for r in dms:
        by_thread.setdefault(r["thread_id"], set()).add("out" if r["actor_id"] == OWNER else "in")
        assert r["target_id"] is not None and r["target_id"] != r["actor_id"]
    assert Counter(frozenset(v) for v in by_thread.values()) == {
        frozenset({"in", "out"}): 38, frozenset({"in"}): 40, frozenset({"out"}): 10}
    # DATE "2021-11-29 20:37:47 UTC"; the base64-like CONVERSATION ID is kept whole.
    first = next(r for r in dms if r["_line"] == 2)
    assert first["occurred_at"] == datetime(2021, 11, 29, 20, 37, 47, tzinfo=UTC)
    assert first["thread_id"] == ("linkedin:conversation/2-NTBhMDBmNjQtNjQ3Yi00OWQ0LTk2YjMtMmU3N"
                                  "mM4MzEyMmYyXzAxMA==")


def test_every_message_loads_whatever_its_folder_or_content(realdata):
    out = parse(realdata / ANUHYA)
    lines = {r["_line"] for r in out.interactions if r["_file"] == "messages.csv"}
    with (realdata / ANUHYA / "messages.csv").open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        empty, folders, line = [], Counter(), 2
        for row in reader:
            folders[row["FOLDER"]] += 1
            if not row["CONTENT"].strip():
                empty.append(line)
            line = reader.line_num + 1
    assert folders == {"INBOX": 390, "ARCHIVE": 24, "": 2}
    assert len(empty) == 11 and set(empty) <= lines
    # Sponsored or templated InMail (title, %FIRSTNAME%, LinkedIn's bulk editor): automated.
    assert sum(r["automated"] for r in out.interactions) == 19


MESSAGES_HEADER = ("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,DATE,SUBJECT,"
                   "CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT")


def test_group_conversations_leave_targets_to_the_loader_and_drafts_are_skipped(tmp_path):
    (tmp_path / "messages.csv").write_text("\n".join([
        MESSAGES_HEADER,
        "g1,Team,Ada Lovelace,https://www.linkedin.com/in/ada,\"Our Brand, Alan Turing\","
        "2024-03-01 10:00:00 UTC,,Hello both,INBOX,,No",
        "g1,Team,Our Brand,https://www.linkedin.com/in/our-brand,\"Ada Lovelace, Alan Turing\","
        "2024-03-01 10:05:00 UTC,,Hi Ada,INBOX,,No",
        "d1,,Our Brand,https://www.linkedin.com/in/our-brand,Ada Lovelace,"
        "2024-03-02 09:00:00 UTC,,Unsent,DRAFT,,Yes",
        "d1,,Our Brand,https://www.linkedin.com/in/our-brand,Ada Lovelace,"
        "2024-03-02 09:00:00 UTC,,Sent,INBOX,,No",
        "d1,,Ada Lovelace,https://www.linkedin.com/in/ada,Our Brand,not a date,,?,INBOX,,No",
    ]) + "\n")
    out = parse(tmp_path, linkedin={"our-brand"})
    assert out.owners == {"linkedin:in/our-brand"}
    dms = sorted((r["thread_id"], r["actor_id"], r["target_id"]) for r in out.interactions)
    assert dms == [
        ("linkedin:conversation/d1", "linkedin:in/our-brand", "linkedin:in/ada"),
        ("linkedin:conversation/g1", "linkedin:in/ada", None),
        ("linkedin:conversation/g1", "linkedin:in/our-brand", None),
    ]
    assert out.skipped == 1
    assert [(r.file, r.line, r.reason) for r in out.rejected] == [
        ("messages.csv", 6, "DATE 'not a date' is not a time like '2021-11-29 12:36:47 UTC' or "
                            "'2021-11-29 12:36:47'")]


def test_schema_drift_is_noted_and_a_missing_column_refuses_the_file(tmp_path):
    path = tmp_path / "messages.csv"
    path.write_text(MESSAGES_HEADER + ",REACTIONS\nc1,,Ada,,Bob,2024-03-01 10:00:00 UTC,,Hi,INBOX,,No,\n")
    assert "messages.csv: columns not used (schema drift): REACTIONS" in parse(path).notes
    path.write_text(MESSAGES_HEADER.replace("DATE,", "") + "\n")
    with pytest.raises(SourceError, match=r"messages\.csv: missing required column\(s\) 'DATE'"):
        parse(path)


# --- Shares, Comments, Reactions -------------------------------------------------------------------

def test_comments_with_backslash_escaped_quotes_are_whole_records(realdata):
    path = realdata / SANAND / "Comments.csv"
    with path.open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 337  # a default parser splits 14 records wrongly
    out = parse(path)
    comments = [r for r in out.interactions if r["kind"] == "comment"]
    assert len(comments) == 323 and out.rejected == []
    first = comments[0]  # 2025-07-13 08:15:21, urn:li:activity:7348931489259999233
    assert (first["thread_id"], first["occurred_at"], first["target_id"], first["in_reply_to"]) == (
        "linkedin:activity:7348931489259999233", datetime(2025, 7, 13, 8, 15, 21, tzinfo=UTC), None,
        None)
    assert first["interaction_id"].startswith(
        "linkedin:activity:7348931489259999233/comment/20250713T081521-")


def test_shares_with_mangled_multi_line_text_and_empty_reposts(realdata):
    out = parse(realdata / SANAND / "Shares.csv")
    rows = out.interactions
    # 202 records (173 with text over several lines), every Date read as UTC.
    assert len(rows) == 202 and out.rejected == []
    post = rows[0]
    assert (post["interaction_id"], post["kind"], post["thread_id"], post["occurred_at"]) == (
        "linkedin:share:7345821826846990338", "post", "linkedin:share:7345821826846990338",
        datetime(2025, 7, 1, 14, 33, 22, tzinfo=UTC))
    reposts = [r for r in rows if r["kind"] == "share"]
    assert len(reposts) == 14 and all(r["thread_id"] is None for r in reposts)
    # LinkedIn repeats share 6773073563034509312 five times: the loader counts the repeats.
    assert Counter(r["interaction_id"] for r in rows)["linkedin:share:6773073563034509312"] == 5
    assert out.audience_daily == []  # the personal export has no vanity counts


def test_reactions_name_the_post_or_the_comment_reacted_to(realdata):
    rows = {k: r for k, r in by_id(parse(realdata / ANUHYA)).items() if r["kind"] == "reaction"}
    # Lines 53 and 54 both point at activity 6754988057675612161; 54 at a comment under it.
    post = f"linkedin:activity:6754988057675612161/reaction/{OWNER[9:]}/LIKE"
    comment = (f"linkedin:comment:(activity:6754988057675612161,6755050407086686208)"
               f"/reaction/{OWNER[9:]}/LIKE")
    assert rows[post]["_line"] == 53 and rows[comment]["_line"] == 54
    assert rows[comment]["thread_id"] == "linkedin:activity:6754988057675612161"
    assert rows[comment]["in_reply_to"] == "linkedin:comment:(activity:6754988057675612161," \
                                           "6755050407086686208)"
    assert Counter(r["interaction_id"].rsplit("/", 1)[1] for r in rows.values()) == {
        "LIKE": 101, "PRAISE": 16}


# --- detection -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [ANUHYA, SANAND, *(f"{ANUHYA}/{f}" for f in (
    "Connections.csv", "Invitations.csv", "messages.csv", "Reactions.csv")),
    f"{SANAND}/Shares.csv", f"{SANAND}/Comments.csv"])
def test_samples_are_detected_by_linkedin_alone(realdata, path):
    assert [s.name for s in registry.all_sources() if s.detect(realdata / path)] == ["linkedin"]


@pytest.mark.parametrize("path", [
    "twitter/tweet_activity_statsgen_CC-BY-NC-ND/"
    "tweet_activity_metrics_statsgen_20200401_20200501_en.csv",
    "twitter/community_archive_exgenesis_archive_subset", "slack/hfaran_slack_export_viewer_testarchive",
])
def test_other_exports_are_not_detected_and_refused_naming_what_was_expected(realdata, path):
    assert not LINKEDIN.detect(realdata / path)
    with pytest.raises(SourceError, match="expected a LinkedIn data export"):
        parse(realdata / path)


def test_a_file_named_like_the_export_but_not_one_is_not_detected(tmp_path):
    (tmp_path / "Connections.csv").write_text("name,email\nAda,ada@example.org\n")
    assert not LINKEDIN.detect(tmp_path / "Connections.csv") and not LINKEDIN.detect(tmp_path)


# --- end to end ------------------------------------------------------------------------------------

# In SQL after loading: the counted rows; the two-way conversations are the 38 of messages.csv.
# sanand0's comments get targets from the loader's inference (the thread's root author, the
# owner, in the 9 threads of own posts), which adds no two-way thread.
@pytest.mark.parametrize("path, figures, quarantined", [
    (ANUHYA, {"people": 625, "interactions": 1243, "threads": 88, "two_way_threads": 38}, 9),
    (SANAND, {"people": 1, "interactions": 521, "threads": 290, "two_way_threads": 0}, 0),
])
def test_load_end_to_end_twice(realdata, duckdb_url, path, figures, quarantined):
    from pipelines.load import load_paths

    export = realdata / path
    [first] = load_paths([export], duckdb_url)
    assert (first.status, first.format, first.quarantined) == ("loaded", "linkedin", quarantined), \
        first.message
    rows = table_rows(duckdb_url)
    [second] = load_paths([export], duckdb_url)
    assert (second.status, second.loaded) == ("loaded", 0) and table_rows(duckdb_url) == rows
    assert warehouse_figures(duckdb_url, "linkedin") == figures
