"""Facebook Messenger exports: the real sample (SOURCES.md section 11) and written variants."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import undo_mojibake
from pipelines.sources.messenger import SOURCE as MESSENGER

from .test_slack import by_id, detected_by, summary, table_rows, warehouse_figures

SAMPLE = "facebook/chat_analytics_messenger_export_2A_7M.json"
THREAD = "messenger:inbox/alice_aaaaaaaaaa"


def parse(path: Path, **ours: set[str]):
    return MESSENGER.parse(path, ParseContext(ours=ours))


# How the figures were counted: jq -c '.participants, [.messages[] | [.sender_name,
# .timestamp_ms]], .title, .thread_type' <file> -> participants Alice and Bob, 7 messages
# (Alice 2, Bob 5), newest first, thread "Regular" titled "Alice": 7 dms in one conversation.
def test_real_conversation_gives_the_counted_figures(realdata):
    out = parse(realdata / SAMPLE)
    assert summary(out) == {"people": 2, "kinds": {"dm": 7}, "skipped": 0, "rejected": 0,
                            "threads": 1}
    assert out.rows_read == 7


def test_parsing_twice_gives_identical_output(realdata):
    assert parse(realdata / SAMPLE) == parse(realdata / SAMPLE)


def test_bom_and_reverse_order(realdata):
    assert (realdata / SAMPLE).read_bytes()[:3] == b"\xef\xbb\xbf"
    rows = parse(realdata / SAMPLE).interactions
    times = [r["occurred_at"] for r in rows]
    assert times == sorted(times)
    # The oldest message is the file's last record (7); its id is its timestamp_ms.
    assert (rows[0]["interaction_id"], rows[0]["_line"]) == (f"{THREAD}/1415147240411", 7)
    assert rows[0]["occurred_at"].isoformat() == "2014-11-05T00:27:20.411000+00:00"


def test_the_owner_is_the_participant_the_title_does_not_name(realdata):
    out = parse(realdata / SAMPLE)
    assert out.owners == {"messenger:Bob"}  # the conversation is titled "Alice"
    targets = {(r["actor_id"], r["target_id"]) for r in out.interactions}
    assert targets == {("messenger:Bob", "messenger:Alice"), ("messenger:Alice", "messenger:Bob")}
    assert {r["thread_id"] for r in out.interactions} == {THREAD}


@pytest.mark.parametrize("written, read", [
    ("RenÃ© MÃ¼ller", "René Müller"),  # UTF-8 bytes read as latin-1: repaired
    ("RenÃ©e ð\x9f\x91\x8d", "Renée 👍"),
    ("René", "René"),  # already right: does not round-trip, left alone
    ("Plain ASCII", "Plain ASCII"),
    ("", ""),
])
def test_mojibake_is_undone_only_when_it_round_trips(written, read):
    assert undo_mojibake(written) == read


def conversation(folder: Path, name: str, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({"participants": [{"name": "RenÃ©"}, {"name": "Sam"}],
                                "messages": [], "title": "Sam", "thread_type": "Regular",
                                "thread_path": "inbox/sam_1", **fields}))
    return path


def test_a_conversation_split_in_files_is_read_together_with_names_repaired(tmp_path):
    inbox = tmp_path / "messages" / "inbox" / "sam_1"
    conversation(inbox, "message_1.json", messages=[
        {"sender_name": "Sam", "timestamp_ms": 1700000002000, "content": "again",
         "reactions": [{"reaction": "â\x9d¤", "actor": "RenÃ©"}]},
        {"sender_name": "Sam", "timestamp_ms": 1700000001000, "is_unsent": True},
    ])
    conversation(inbox, "message_2.json", messages=[
        {"sender_name": "RenÃ©", "timestamp_ms": 1700000000000, "content": "one"},
        {"sender_name": "Sam", "timestamp_ms": 1700000000000, "content": "same millisecond"},
        {"sender_name": "Sam", "content": "no time"},
    ])
    assert MESSENGER.detect(tmp_path / "messages")
    out = parse(tmp_path / "messages")
    rows = by_id(out)
    assert {k: (r["actor_id"], r["target_id"], r["kind"]) for k, r in rows.items()} == {
        "messenger:inbox/sam_1/1700000000000": ("messenger:René", "messenger:Sam", "dm"),
        "messenger:inbox/sam_1/1700000000000-2": ("messenger:Sam", "messenger:René", "dm"),
        "messenger:inbox/sam_1/1700000002000": ("messenger:Sam", "messenger:René", "dm"),
        "messenger:inbox/sam_1/1700000002000/reaction/René/❤": (
            "messenger:René", "messenger:Sam", "reaction"),
    }
    assert out.owners == {"messenger:René"}
    assert out.skipped == 1  # the unsent message
    [rejected] = out.rejected
    assert (rejected.file, rejected.line) == ("inbox/sam_1/message_2.json", 3)
    assert "no usable time" in rejected.reason


def test_group_conversation_targets_are_left_to_the_loader(tmp_path):
    path = conversation(tmp_path, "message_1.json", thread_type="RegularGroup", title="Team",
                        participants=[{"name": "A"}, {"name": "B"}, {"name": "C"}],
                        messages=[{"sender_name": "A", "timestamp_ms": 1700000000000},
                                  {"sender_name": "B", "timestamp_ms": 1700000001000, "type": "Call"}])
    out = parse(path)
    assert [(r["kind"], r["target_id"]) for r in out.interactions] == [("dm", None)]
    assert out.owners == set() and out.skipped == 1


def test_ours_from_the_team_configuration(realdata):
    out = parse(realdata / SAMPLE, messenger={"Alice"})
    assert out.owners == {"messenger:Alice", "messenger:Bob"}


@pytest.mark.parametrize("path", [SAMPLE, "facebook"])
def test_real_export_is_detected_by_messenger_alone(realdata, path):
    assert detected_by(realdata / path) == ["messenger"]


@pytest.mark.parametrize("path", ["telegram/chat_analytics_desktop_export_DM_2A_7M.json",
                                  "discord/chat_analytics_dce_DM_2A_2M.json"])
def test_other_exports_are_refused_naming_what_was_expected(realdata, path):
    assert not MESSENGER.detect(realdata / path)
    with pytest.raises(SourceError, match="not a Messenger conversation"):
        parse(realdata / path)


def test_truncated_file_is_refused(realdata, tmp_path):
    path = tmp_path / "message_1.json"
    path.write_bytes((realdata / SAMPLE).read_bytes()[:700])
    with pytest.raises(SourceError, match="message_1.json: not valid JSON"):
        parse(path)


# --- end to end: the loader, a real DuckDB file, loaded twice -------------------------------

def test_load_end_to_end_twice(realdata, duckdb_url):
    from pipelines.load import load_paths

    [first] = load_paths([realdata / SAMPLE], duckdb_url)
    assert (first.status, first.format) == ("loaded", "messenger"), first.message
    rows = table_rows(duckdb_url)
    [second] = load_paths([realdata / SAMPLE], duckdb_url)
    assert second.status == "loaded" and table_rows(duckdb_url) == rows
    # Alice and Bob write to each other in the one conversation.
    assert warehouse_figures(duckdb_url, "messenger") == {
        "people": 2, "interactions": 7, "threads": 1, "two_way_threads": 1}
