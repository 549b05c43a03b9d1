"""Idempotence: the same export twice, or overlapping exports in either order, give the same tables."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.load import load_paths

from tests.reliability.state import canonical_state, orphans, quarantine_state

PEOPLE_HEADER = "person_id,platform,handle,display_name,is_ours"
INTERACTIONS_HEADER = ("interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,"
                       "in_reply_to,automated")
AUDIENCE_HEADER = ("platform,account_id,day,followers,following,impressions,reach,engagements,"
                   "likes,page_views,members")

# One community's history as (kind of row, first week it appears in, row). Export A holds
# weeks 1-3, export B weeks 2-4: week 2-3 rows are in both, identical.
PEOPLE = [
    "gen:us,gen,acme,Acme,true",
    "gen:ann,gen,ann,Ann,false",
    "gen:bob,gen,bob,Bob,false",
    "gen:cy,gen,cy,,false",
]
MESSAGES = [  # (week, row)
    (1, "gen:1,gen,2025-01-06T09:00:00Z,gen:us,,post,gen:1,,false"),
    (1, "gen:2,gen,2025-01-06T10:00:00Z,gen:ann,,comment,gen:1,,false"),  # target inferred: us
    (2, "gen:3,gen,2025-01-13T10:00:00.123456Z,gen:us,gen:ann,reply,gen:1,gen:2,false"),
    (2, "gen:4,gen,2025-01-14T08:00:00+01:00,gen:bob,gen:us,dm,gen:dm1,,true"),
    (3, "gen:5,gen,2025-01-20T10:00:00Z,gen:us,gen:bob,dm,gen:dm1,,false"),
    (3, "gen:6,gen,2025-01-21T10:00:00Z,gen:cy,,comment,gen:1,,false"),  # target inferred
    (4, "gen:7,gen,2025-01-27T10:00:00Z,gen:ann,,comment,gen:1,,false"),  # target inferred
    (4, "gen:8,gen,2025-01-28T10:00:00Z,gen:bob,gen:us,mention,gen:1,,false"),
    (1, "gen:9,gen,2025-01-07T09:00:00Z,gen:us,,post,gen:9,,false"),
    (4, "gen:10,gen,2025-01-29T09:00:00Z,gen:ann,,comment,gen:9,,false"),  # root only in A
]
AUDIENCE = [
    (1, "gen,gen:us,2025-01-06,100,5,1000,,,,,"),
    (2, "gen,gen:us,2025-01-13,110,5,1200,,,,,"),
    (3, "gen,gen:us,2025-01-20,120,6,,,,,,"),
    (4, "gen,gen:us,2025-01-27,130,6,900,,,,,"),
]
BAD = (3, "gen:bad,gen,not a time,gen:us,,post,,,false")  # quarantined in both exports


def _export(folder: Path, weeks: range, with_bad: bool = True) -> Path:
    folder.mkdir(parents=True)
    (folder / "people.csv").write_text("\n".join([PEOPLE_HEADER, *PEOPLE]) + "\n")
    rows = [r for w, r in MESSAGES if w in weeks]
    if with_bad and BAD[0] in weeks:
        rows.append(BAD[1])
    (folder / "interactions.csv").write_text("\n".join([INTERACTIONS_HEADER, *rows]) + "\n")
    days = [r for w, r in AUDIENCE if w in weeks]
    (folder / "audience_daily.csv").write_text("\n".join([AUDIENCE_HEADER, *days]) + "\n")
    return folder


def _load(url: str, *paths: Path) -> None:
    for path in paths:  # one command per export, as a user would run them
        summaries = load_paths([path], url)
        assert {s.status for s in summaries} == {"loaded"}, [s.message for s in summaries]


@pytest.fixture
def exports(tmp_path: Path) -> dict[str, Path]:
    return {"A": _export(tmp_path / "A", range(1, 4)), "B": _export(tmp_path / "B", range(2, 5)),
            "all": _export(tmp_path / "all", range(1, 5))}


def _url(tmp_path: Path, name: str) -> str:
    return f"duckdb:///{tmp_path / f'{name}.duckdb'}"


def test_the_same_export_twice_gives_the_same_tables(db_url: str, exports) -> None:
    _load(db_url, exports["A"])
    once, quarantined = canonical_state(db_url), quarantine_state(db_url)
    _load(db_url, exports["A"])
    assert canonical_state(db_url) == once
    assert quarantine_state(db_url) == quarantined  # the same records, recorded per load
    assert orphans(db_url) == 0


@pytest.mark.parametrize("order", [("A", "B"), ("B", "A"), ("A", "B", "A"), ("B", "A", "B")],
                         ids=lambda o: "-".join(o))
def test_overlapping_exports_in_any_order_give_the_tables_of_one_whole_export(
        tmp_path: Path, exports, order: tuple[str, ...]) -> None:
    whole = _url(tmp_path, "whole")
    _load(whole, exports["all"])
    url = _url(tmp_path, "-".join(order))
    _load(url, *(exports[name] for name in order))
    assert canonical_state(url) == canonical_state(whole)


def test_inferred_reply_targets_do_not_depend_on_load_order(tmp_path: Path, exports) -> None:
    url = _url(tmp_path, "ba")
    _load(url, exports["B"], exports["A"])
    from pipelines.warehouse import query

    targets = dict(query(url, "SELECT interaction_id, target_id FROM interactions "
                              "WHERE kind = 'comment' ORDER BY 1"))
    assert targets == {"gen:2": "gen:us", "gen:6": "gen:us", "gen:7": "gen:cy", "gen:10": "gen:us"}
