"""Telegram Desktop JSON exports: the real sample (SOURCES.md section 7) and written variants."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.telegram import SOURCE as TELEGRAM

from .test_slack import by_id, detected_by, summary, table_rows, warehouse_figures

DM = "telegram/chat_analytics_desktop_export_DM_2A_7M.json"
BOT_UPDATES = "telegram/perceval_bot_api_getUpdates.json"


def parse(path: Path, **ours: set[str]):
    return TELEGRAM.parse(path, ParseContext(ours=ours))


# How the figures were counted in the real personal chat (8 messages):
#   jq -c '.messages[] | [.id, .type, (.date_unixtime != null), (.date != null), .from_id]' <file>
#   -> 2675 service (joined_telegram), 3674 service (phone_call): skipped 2;
#      3644 and 3645 carry only the naive `date`: rejected 2;
#      3662, 3663, 3672, 3673 carry date_unixtime: 4 dms, one conversation (1 thread).
#   people: Bob (the chat's id 700000000 = user700000000) and Alice (user300000000) -> 2.
def test_real_personal_chat_gives_the_counted_figures(realdata):
    out = parse(realdata / DM)
    assert summary(out) == {"people": 2, "kinds": {"dm": 4}, "skipped": 2, "rejected": 2,
                            "threads": 1}
    assert out.rows_read == 8


def test_parsing_twice_gives_identical_output(realdata):
    assert parse(realdata / DM) == parse(realdata / DM)


def test_the_owner_is_the_sender_who_is_not_the_chat(realdata):
    out = parse(realdata / DM)
    # A personal chat's id is the other person's user id: Bob is 700000000, so Alice owns it.
    assert out.owners == {"telegram:user300000000"}
    people = {p["person_id"]: p for p in out.people}
    assert people["telegram:user700000000"]["display_name"] == "Bob"
    assert not people["telegram:user700000000"]["is_ours"]


def test_dms_target_the_other_person_in_one_conversation(realdata):
    rows = by_id(parse(realdata / DM))
    assert {k: (r["actor_id"], r["target_id"], r["thread_id"]) for k, r in rows.items()} == {
        "telegram:700000000/3662": ("telegram:user700000000", "telegram:user300000000", "telegram:700000000"),
        "telegram:700000000/3663": ("telegram:user300000000", "telegram:user700000000", "telegram:700000000"),
        "telegram:700000000/3672": ("telegram:user300000000", "telegram:user700000000", "telegram:700000000"),
        "telegram:700000000/3673": ("telegram:user300000000", "telegram:user700000000", "telegram:700000000"),
    }


def test_date_unixtime_is_used_and_a_naive_date_alone_is_rejected(realdata):
    out = parse(realdata / DM)
    # 3662: "date_unixtime": "1652135033"
    assert by_id(out)["telegram:700000000/3662"]["occurred_at"].isoformat() == "2022-05-09T22:23:53+00:00"
    assert [(r.line, r.table) for r in out.rejected] == [(2, "interactions"), (3, "interactions")]
    assert all("local time without a zone" in r.reason for r in out.rejected)
    # 3644's text is a mixed array (a link entity and a string): it is the time that fails.
    assert isinstance(out.rejected[0].raw["text"], list)


def write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(document, ensure_ascii=False))
    return path


def message(id: int, sender: str, when: int, **extra) -> dict:
    return {"id": id, "type": "message", "date": "2024-03-01T10:00:00",
            "date_unixtime": str(when), "from": sender.title(), "from_id": f"user{sender}", "text": "",
            "text_entities": [], **extra}


def test_full_account_export_names_its_owner_and_threads_reply_chains(tmp_path):
    path = write(tmp_path, {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "Me"},
        "chats": {"about": "", "list": [
            {"name": "Friends", "type": "private_supergroup", "id": 9, "messages": [
                message(1, "2", 1709287200),
                message(2, "1", 1709287260, reply_to_message_id=1,
                        text=["hi ", {"type": "mention_name", "text": "Three", "user_id": 3}],
                        text_entities=[{"type": "plain", "text": "hi "},
                                       {"type": "mention_name", "text": "Three", "user_id": 3}]),
                message(3, "2", 1709287320, reply_to_message_id=2),
                message(4, "3", 1709287380, reply_to_message_id=77),
                message(5, "3", 1709287440,
                        reactions=[{"type": "emoji", "count": 2, "emoji": "👍",
                                    "recent": [{"from": "Two", "from_id": "user2",
                                                "date": "2024-03-01T10:05:00"}]}]),
            ]},
            {"name": "Saved Messages", "type": "saved_messages", "id": 1,
             "messages": [message(8, "1", 1709287500)]},
        ]},
    })
    out = parse(path)
    rows = by_id(out)
    assert out.owners == {"telegram:user1"}
    assert {k: (r["kind"], r["target_id"], r["thread_id"], r["in_reply_to"]) for k, r in rows.items()} == {
        "telegram:9/1": ("post", None, "telegram:9/1", None),
        "telegram:9/2": ("reply", "telegram:user2", "telegram:9/1", "telegram:9/1"),
        "telegram:9/2/mention/user3": ("mention", "telegram:user3", "telegram:9/1", None),
        "telegram:9/3": ("reply", "telegram:user1", "telegram:9/1", "telegram:9/2"),
        # a parent outside the export roots the chain; its author is unknown
        "telegram:9/4": ("reply", None, "telegram:9/77", "telegram:9/77"),
        "telegram:9/5": ("post", None, "telegram:9/5", None),
        "telegram:9/5/reaction/user2/👍": ("reaction", "telegram:user3", "telegram:9/5", "telegram:9/5"),
    }
    assert out.skipped == 1  # Saved Messages: notes to oneself
    assert any("reaction 👍 counts 2 but names 1" in n for n in out.notes)


@pytest.mark.parametrize("broken, reason", [
    ({"date_unixtime": None, "date": None}, "message without a date"),
    ({"date_unixtime": "soon"}, "is not epoch seconds"),
    ({"from_id": None}, "without a sender"),
])
def test_bad_records_are_rejected_with_their_number(tmp_path, broken, reason):
    bad = {k: v for k, v in {**message(2, "2", 1709287260), **broken}.items() if v is not None}
    path = write(tmp_path, {"name": "Two", "type": "personal_chat", "id": 2,
                            "messages": [message(1, "1", 1709287200), bad]})
    out = parse(path)
    assert [r["interaction_id"] for r in out.interactions] == ["telegram:2/1"]
    [rejected] = out.rejected
    assert (rejected.file, rejected.line) == ("result.json", 2) and reason in rejected.reason


def test_export_folder_is_read_through_its_result_json(tmp_path):
    folder = tmp_path / "ChatExport_2024-03-01"
    folder.mkdir()
    write(folder, {"name": "Two", "type": "personal_chat", "id": 2,
                   "messages": [message(1, "1", 1709287200)]})
    assert TELEGRAM.detect(folder)
    assert summary(parse(folder))["kinds"] == {"dm": 1}


def test_bot_api_updates_are_recognised_and_refused(realdata):
    path = realdata / BOT_UPDATES
    assert detected_by(path) == ["telegram"]
    with pytest.raises(SourceError, match="getUpdates response, not an export"):
        parse(path)


def test_ours_from_the_team_configuration(realdata):
    out = parse(realdata / DM, telegram={"700000000"})
    assert out.owners == {"telegram:user300000000", "telegram:user700000000"}


def test_real_export_is_detected_by_telegram_alone(realdata):
    assert detected_by(realdata / DM) == ["telegram"]


@pytest.mark.parametrize("path", ["facebook/chat_analytics_messenger_export_2A_7M.json",
                                  "mattermost/elk_perceval_items_openshift_posts.json"])
def test_other_exports_are_refused_naming_what_was_expected(realdata, path):
    assert not TELEGRAM.detect(realdata / path)
    with pytest.raises(SourceError, match="expected a Telegram Desktop export"):
        parse(realdata / path)


def test_truncated_export_is_refused(realdata, tmp_path):
    path = tmp_path / "result.json"
    path.write_text((realdata / DM).read_text()[:900])
    with pytest.raises(SourceError, match="result.json: not valid JSON"):
        parse(path)


# --- end to end: the loader, a real DuckDB file, loaded twice -------------------------------

def test_load_end_to_end_twice(realdata, duckdb_url):
    from pipelines.load import load_paths

    [first] = load_paths([realdata / DM], duckdb_url)
    assert (first.status, first.format) == ("loaded", "telegram"), first.message
    assert (first.skipped, first.quarantined) == (2, 2)
    rows = table_rows(duckdb_url)
    [second] = load_paths([realdata / DM], duckdb_url)
    assert second.status == "loaded" and table_rows(duckdb_url) == rows
    # Bob -> Alice and Alice -> Bob in the one conversation.
    assert warehouse_figures(duckdb_url, "telegram") == {
        "people": 2, "interactions": 4, "threads": 1, "two_way_threads": 1}
