"""Pseudonymised loads: people outside the team never reach the warehouse under their own ids or
names, the key stays outside it, and everything that joins still joins."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipelines.load import load_paths
from pipelines.privacy import KEY_ENV, KEY_FILE_ENV, Pseudonymiser
from pipelines.retention import forget
from pipelines.warehouse import query
from tests.reliability.hostile import INTERACTIONS, PEOPLE, csv
from tests.reliability.state import canonical_state

KEY = "k3y-for-tests-only-0123456789"
SECRETS = ("alice_liddell", "Alice Liddell", "bob_builder", "Bob the Builder", "x:alice", "x:bob")


def _export(root: Path) -> Path:
    folder = root / "export"
    folder.mkdir(parents=True)
    (folder / "people.csv").write_bytes(csv(
        "x:us,x,acme,Acme,true", "x:alice,x,alice_liddell,Alice Liddell,false",
        "x:bob,x,bob_builder,Bob the Builder,false", header=PEOPLE))
    (folder / "interactions.csv").write_bytes(csv(
        "x:1,x,2025-01-06T10:00:00Z,x:us,x:alice,dm,x:dm/alice,,false",
        "x:2,x,2025-01-06T11:00:00Z,x:alice,,dm,x:dm/alice,x:1,false",  # target inferred: us
        "x:3,x,2025-01-07T10:00:00Z,x:bob,,post,x:3,,false",
        "x:4,x,2025-01-07T11:00:00Z,x:us,,comment,x:3,,false",  # target inferred: bob
        "x:3/mention/alice,x,2025-01-07T10:00:00Z,x:bob,x:alice,mention,x:3,,false",
        "x:5,x,not a time,x:alice,x:us,dm,x:dm/alice,,false",  # quarantined
        "x:6,x"))  # not CSV at all: quarantined, raw withheld
    (folder / "referrals.csv").write_bytes(csv(
        "r1,2025-01-08T10:00:00Z,x,x:alice,deal,100,EUR",
        header="referral_id,occurred_at,platform,referrer_id,stage,value,currency"))
    return folder


def _everything(url: str) -> str:
    tables = ("people", "interactions", "referrals", "quarantine", "quality_results", "loads")
    return json.dumps([[list(map(str, r)) for r in query(url, f"SELECT * FROM {t}")]
                       for t in tables])


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> Pseudonymiser:
    monkeypatch.setenv(KEY_ENV, KEY)
    return Pseudonymiser(KEY.encode(), {"x:us"})


def test_no_name_or_id_of_a_person_outside_the_team_reaches_the_warehouse(
        tmp_path: Path, keyed: Pseudonymiser) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    summaries = load_paths([_export(tmp_path)], url)
    assert [s.quarantined for s in summaries] == [0, 2, 0]
    stored = _everything(url)
    assert not [s for s in SECRETS if s in stored]
    assert KEY not in stored and KEY.encode() not in (tmp_path / "w.duckdb").read_bytes()
    people = {r.person_id: (r.handle, r.display_name, r.is_ours)
              for r in query(url, "SELECT * FROM people")}
    alice = keyed.id("x:alice")
    assert people == {"x:us": ("acme", "Acme", True),  # ours keep their names
                      alice: (keyed.name("x:alice", "a"),) * 2 + (False,),
                      keyed.id("x:bob"): (keyed.name("x:bob", "b"),) * 2 + (False,)}
    assert alice.startswith("x:anon-") and people[alice][0].startswith("anon-")
    quarantined = query(url, "SELECT line, raw FROM quarantine ORDER BY line")
    assert [r.line for r in quarantined] == [7, 8]  # lines are still the file's lines
    assert alice in quarantined[0].raw and quarantined[1].raw == "[withheld: pseudonymised load]"


def test_pseudonymised_tables_are_the_plain_tables_under_the_pseudonyms(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same rows, same joins, same inferred targets: only ids and names differ."""
    plain = f"duckdb:///{tmp_path / 'plain.duckdb'}"
    load_paths([_export(tmp_path / "a")], plain)
    monkeypatch.setenv(KEY_ENV, KEY)
    masked = f"duckdb:///{tmp_path / 'masked.duckdb'}"
    load_paths([_export(tmp_path / "b")], masked)
    p = Pseudonymiser(KEY.encode(), {"x:us"})
    ids = {"people": (0,), "interactions": (0, 3, 4, 6, 7), "referrals": (3,),
           "audience_daily": (1,), "costs": ()}
    expected = {}
    for table, rows in canonical_state(plain).items():
        mapped = Counter()
        for row, n in rows.items():
            row = list(row)
            for i in ids[table]:
                row[i] = p.id(row[i])
            if table == "people":
                row[2], row[3] = p.name(row[0], row[2]), p.name(row[0], row[3])
            mapped[tuple(row)] = n
        expected[table] = mapped
    assert canonical_state(masked) == expected


def test_the_same_key_merges_loads_and_a_reload_changes_nothing(tmp_path: Path, keyed) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    export = _export(tmp_path)
    load_paths([export], url)
    once = canonical_state(url)
    summaries = load_paths([export], url)
    assert canonical_state(url) == once
    assert sum(s.loaded for s in summaries) == 0


def test_the_key_can_live_in_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = tmp_path / "secrets" / "pseudonym.key"
    key_file.parent.mkdir()
    key_file.write_text(KEY + "\n")
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    load_paths([_export(tmp_path)], url)
    assert Pseudonymiser(KEY.encode()).id("x:alice") in _everything(url)


@pytest.mark.parametrize("env, message", [
    ({KEY_ENV: "short"}, "shorter than 16 characters"),
    ({KEY_FILE_ENV: "/nonexistent/pseudonym.key"}, "pseudonym key file /nonexistent/pseudonym.key"),
], ids=["a short key", "a missing key file"])
def test_a_key_that_cannot_be_used_refuses_every_file_and_loads_nothing(
        env: dict, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    summaries = load_paths([_export(tmp_path)], url)
    assert {s.status for s in summaries} == {"refused"}
    assert all(message in s.message for s in summaries)
    assert query(url, "SELECT count(*) FROM people")[0][0] == 0


def test_forget_finds_a_pseudonymised_person_by_their_real_id(tmp_path: Path, keyed) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    load_paths([_export(tmp_path)], url)
    report = forget(["x:alice"], url)
    assert (report.people, report.interactions, report.referrals_unlinked) == (1, 3, 1)
    assert keyed.id("x:alice") not in _everything(url)


def test_an_x_archive_is_pseudonymised_too(tmp_path: Path, keyed) -> None:
    data = tmp_path / "archive" / "data"
    data.mkdir(parents=True)
    (data / "account.js").write_text("window.YTD.account.part0 = " + json.dumps(
        [{"account": {"username": "acme", "accountId": "100", "accountDisplayName": "Acme"}}]))
    (data / "follower.js").write_text("window.YTD.follower.part0 = " + json.dumps(
        [{"follower": {"accountId": "4242424242", "userLink": "https://x.com/i/user/4242424242"}}]))
    (data / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps([{"tweet": {
        "id_str": "7", "created_at": "Sat Feb 18 19:45:15 +0000 2023", "full_text": "@carol_q hi",
        "in_reply_to_status_id_str": "6", "in_reply_to_user_id_str": "5151515151",
        "in_reply_to_screen_name": "carol_q", "source": "web",
        "entities": {"user_mentions": [{"id_str": "5151515151", "screen_name": "carol_q",
                                         "name": "Carol Q"}]}}}, {"tweet": {"id_str": "8"}}]))
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    [summary] = load_paths([data.parent], url)
    assert summary.status == "loaded" and summary.quarantined >= 1
    stored = _everything(url)
    assert not [s for s in ("4242424242", "5151515151", "carol_q", "Carol Q") if s in stored]
    assert "twitter:100" in stored and "acme" in stored  # the archive's owner is ours
    assert "[withheld: pseudonymised load]" in stored  # a record the source could not map
