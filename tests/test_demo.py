"""The bundled demo: deterministic canonical CSVs that tell the product's story measurably."""
from __future__ import annotations

import csv
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.demo import WEEKS, demo_folder, demo_period, write_demo
from pipelines.warehouse import CONVERSATIONAL_KINDS, KINDS, canonical_columns

FILES = ("people", "interactions", "audience_daily", "referrals", "costs")
TODAY = date(2026, 11, 25)  # a Wednesday: the year ends on Sunday 2026-11-22 (2026-W47)
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$")


def read(folder: Path, table: str) -> pd.DataFrame:
    """A demo CSV as text, empty cells as ''."""
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


class Demo:
    """One written demo, read back with pandas, with each row placed in stretch 1 or 2."""

    def __init__(self, folder: Path, today: date, counts: dict[str, int]):
        self.folder, self.today, self.counts = folder, today, counts
        self.first_day, self.last_day = demo_period(today)
        self.start = pd.Timestamp(self.first_day, tz="UTC")
        self.middle = self.start + pd.Timedelta(weeks=WEEKS // 2)
        self.end = self.start + pd.Timedelta(weeks=WEEKS)
        self.people = read(folder, "people")
        self.ours = set(self.people.person_id[self.people.is_ours == "true"])
        ix = read(folder, "interactions")
        ix["t"] = pd.to_datetime(ix.occurred_at, utc=True, format="ISO8601")
        ix["half"] = np.where(ix.t < self.middle, 1, 2)
        ix["actor_ours"] = ix.actor_id.isin(self.ours)
        ix["target_ours"] = ix.target_id.isin(self.ours)
        self.interactions = ix
        self.conversational = ix[ix.kind.isin(CONVERSATIONAL_KINDS) & (ix.target_id != "")]
        self.outbound = self.conversational[self.conversational.actor_ours
                                            & ~self.conversational.target_ours]
        self.inbound = self.conversational[~self.conversational.actor_ours
                                           & self.conversational.target_ours]
        self.referrals = read(folder, "referrals")
        self.referrals["t"] = pd.to_datetime(self.referrals.occurred_at, utc=True, format="ISO8601")
        self.audience = read(folder, "audience_daily")
        self.costs = read(folder, "costs")

    def answered_share(self, asked: pd.DataFrame, answers: pd.DataFrame, *, by_anyone_ours: bool,
                       within: pd.Timedelta) -> pd.Series:
        """Per stretch, the share of `asked` rows answered back within `within` (DESIGN 4)."""
        asked = asked.reset_index(drop=True)
        keys = ["actor_id"] if by_anyone_ours else ["actor_id", "target_id"]
        back = answers.rename(columns={"actor_id": "target_id", "target_id": "actor_id"})
        pairs = asked.reset_index().merge(back[keys + ["t"]], on=keys, suffixes=("", "_back"))
        hit = pairs[(pairs.t_back > pairs.t) & (pairs.t_back <= pairs.t + within)]["index"]
        return asked.assign(answered=asked.index.isin(hit.unique())).groupby("half").answered.mean()

    def reply_rate(self) -> pd.Series:
        opening = self.outbound[self.outbound.in_reply_to == ""]
        return self.answered_share(opening, self.inbound, by_anyone_ours=False,
                                   within=pd.Timedelta(days=7))

    def response_rate(self) -> pd.Series:
        return self.answered_share(self.inbound, self.outbound, by_anyone_ours=True,
                                   within=pd.Timedelta(hours=48))

    def automation_unfollows(self) -> pd.DataFrame:
        """Unfollows of ours whose actor got an automated row from us in the 7 days before."""
        ix = self.interactions
        unfollows = ix[(ix.kind == "unfollow") & ~ix.actor_ours & ix.target_ours].reset_index()
        automated = ix[(ix.automated == "true") & ix.actor_ours & (ix.target_id != "")]
        pairs = unfollows.merge(automated[["target_id", "t"]], left_on="actor_id",
                                right_on="target_id", suffixes=("", "_auto"))
        hit = pairs[(pairs.t_auto < pairs.t) & (pairs.t_auto >= pairs.t - pd.Timedelta(days=7))]
        return unfollows[unfollows["index"].isin(hit["index"])]

    def new_reciprocal_per_week(self) -> pd.Series:
        """Pairs (ours, member) by the week both had first written to the other."""
        c = self.conversational
        there = c[c.actor_ours & ~c.target_ours].groupby(["actor_id", "target_id"]).t.min()
        back = c[~c.actor_ours & c.target_ours].groupby(["target_id", "actor_id"]).t.min()
        back.index.names = ["actor_id", "target_id"]
        since = pd.concat([there, back], axis=1, join="inner").max(axis=1)
        weeks = (since - self.start).dt.days // 7
        return weeks.value_counts().reindex(range(WEEKS), fill_value=0).sort_index()

    def half_of_week(self, label: pd.Series) -> np.ndarray:
        weeks = sorted(self.costs.week.unique())
        return np.where(label.isin(weeks[: WEEKS // 2]), 1, 2)


@pytest.fixture(scope="module", params=[(TODAY, 7), (date(2026, 3, 2), 11)],
                ids=["default-seed", "another-seed-and-date"])
def demo(request, tmp_path_factory) -> Demo:
    today, seed = request.param
    folder = tmp_path_factory.mktemp("demo")
    return Demo(folder, today, write_demo(folder, today=today, seed=seed))


# --- the files --------------------------------------------------------------------------------

def test_same_inputs_write_byte_identical_files(tmp_path: Path):
    write_demo(tmp_path / "a", today=TODAY, seed=7)
    write_demo(tmp_path / "b", today=TODAY, seed=7)
    write_demo(tmp_path / "c", today=TODAY, seed=8)
    for table in FILES:
        name = f"{table}.csv"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "interactions.csv").read_bytes() != \
        (tmp_path / "c" / "interactions.csv").read_bytes()


@pytest.mark.parametrize("table", FILES)
def test_each_file_has_exactly_the_canonical_columns(demo: Demo, table: str):
    with (demo.folder / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == canonical_columns(table)


def test_the_returned_counts_are_the_rows_written(demo: Demo):
    assert demo.counts == {f"{t}.csv": len(read(demo.folder, t)) for t in FILES}


@pytest.mark.parametrize("table, column, pattern", [
    ("interactions", "occurred_at", ISO_TIME),
    ("referrals", "occurred_at", ISO_TIME),
    ("interactions", "automated", re.compile(r"^(true|false)$")),
    ("people", "is_ours", re.compile(r"^(true|false)$")),
    ("audience_daily", "day", re.compile(r"^\d{4}-\d\d-\d\d$")),
    ("costs", "week", re.compile(r"^\d{4}-W\d\d$")),
    ("audience_daily", "followers", re.compile(r"^(\d+)?$")),
    ("referrals", "value", re.compile(r"^(\d+(\.\d+)?)?$")),
    ("costs", "spend", re.compile(r"^\d+(\.\d+)?$")),
])
def test_values_are_written_in_the_generic_source_formats(demo: Demo, table, column, pattern):
    values = read(demo.folder, table)[column]
    bad = values[~values.str.match(pattern)]
    assert bad.empty, f"{table}.{column}: {bad.head().tolist()}"


def test_the_demo_is_a_realistic_size(demo: Demo):
    assert 30_000 <= demo.counts["interactions.csv"] <= 80_000
    assert (demo.people.is_ours == "false").sum() >= 2_000
    assert set(demo.interactions.kind) <= set(KINDS)
    assert {"post", "reply", "comment", "mention", "dm", "reaction", "share", "follow",
            "unfollow"} <= set(demo.interactions.kind)


def test_demo_folder_writes_into_a_new_folder_by_default():
    folder = demo_folder(today=TODAY)
    try:
        assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in FILES)
    finally:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


# --- the calendar -----------------------------------------------------------------------------

@pytest.mark.parametrize("today, last_week, last_sunday", [
    (date(2026, 11, 23), "2026-W47", date(2026, 11, 22)),  # a Monday: last week just ended
    (date(2026, 11, 25), "2026-W47", date(2026, 11, 22)),  # a Wednesday
    (date(2026, 11, 22), "2026-W46", date(2026, 11, 15)),  # a Sunday: this week is not over
    (date(2027, 1, 6), "2026-W53", date(2027, 1, 3)),  # 2026 has 53 ISO weeks
])
def test_the_year_ends_with_the_last_complete_iso_week(tmp_path, today, last_week, last_sunday):
    write_demo(tmp_path, today=today)
    costs, audience = read(tmp_path, "costs"), read(tmp_path, "audience_daily")
    assert costs.week.nunique() == WEEKS and costs.week.iloc[-1] == last_week
    assert audience.day.max() == last_sunday.isoformat()
    assert audience.day.min() == (last_sunday - timedelta(days=7 * WEEKS - 1)).isoformat()
    moments = pd.to_datetime(read(tmp_path, "interactions").occurred_at, utc=True,
                             format="ISO8601")
    assert moments.max().date() == last_sunday


def test_nothing_is_in_the_future_or_before_2000(tmp_path: Path):
    write_demo(tmp_path)  # today by the clock
    now = pd.Timestamp(datetime.now(timezone.utc))
    for table in ("interactions", "referrals"):
        moments = pd.to_datetime(read(tmp_path, table).occurred_at, utc=True, format="ISO8601")
        assert moments.max() < now.normalize() and moments.min().year >= 2000, table
    assert read(tmp_path, "audience_daily").day.max() < now.date().isoformat()


# --- the canonical model's rules --------------------------------------------------------------

def test_ids_are_unique_and_everyone_is_in_people(demo: Demo):
    ix = demo.interactions
    assert ix.interaction_id.is_unique and demo.people.person_id.is_unique
    known = set(demo.people.person_id)
    assert ix.actor_id.isin(known).all()
    assert ix.target_id[ix.target_id != ""].isin(known).all()
    assert (ix.interaction_id.str.split(":").str[0] == ix.platform).all()
    assert (demo.people.person_id.str.split(":").str[0] == demo.people.platform).all()


def test_each_platform_has_a_brand_account_and_two_team_members(demo: Demo):
    ours = demo.people[demo.people.is_ours == "true"]
    assert ours.groupby("platform").size().to_dict() == {"discourse": 3, "linkedin": 3,
                                                         "twitter": 3}


def test_threads_roots_and_answers_hang_together(demo: Demo):
    ix = demo.interactions
    posts = ix[ix.kind == "post"]
    assert (posts.thread_id == posts.interaction_id).all() and (posts.target_id == "").all()
    roots = set(posts.interaction_id)
    threaded = ix[(ix.thread_id != "") & (ix.kind != "dm")]
    assert threaded.thread_id.isin(roots).all()
    answers = ix[ix.in_reply_to != ""].merge(
        ix[["interaction_id", "t", "thread_id", "actor_id"]], left_on="in_reply_to",
        right_on="interaction_id", suffixes=("", "_answered"))
    assert len(answers) == (ix.in_reply_to != "").sum()
    assert (answers.thread_id == answers.thread_id_answered).all()
    assert (answers.t > answers.t_answered).all()
    assert (answers.target_id == answers.actor_id_answered).all()


def test_dms_belong_to_two_person_conversations(demo: Demo):
    dms = demo.interactions[demo.interactions.kind == "dm"]
    assert (dms.thread_id != "").all() and (dms.target_id != "").all()
    people = pd.concat([dms[["thread_id", "actor_id"]].set_axis(["thread", "p"], axis=1),
                        dms[["thread_id", "target_id"]].set_axis(["thread", "p"], axis=1)])
    assert (people.groupby("thread").p.nunique() == 2).all()


def test_only_a_few_forum_replies_leave_their_target_to_inference(demo: Demo):
    ix = demo.interactions
    untargeted = ix[ix.kind.isin(CONVERSATIONAL_KINDS) & (ix.target_id == "")]
    assert set(untargeted.platform) == {"discourse"}
    assert set(untargeted.kind) <= {"reply", "comment"}
    assert (untargeted.thread_id != "").all()
    forum_replies = ix[(ix.platform == "discourse") & ix.kind.isin(["reply", "comment"])]
    assert 0 < len(untargeted) < 0.2 * len(forum_replies)


def test_audience_has_one_row_per_account_of_ours_and_day(demo: Demo):
    per_account = demo.audience.groupby(["platform", "account_id"]).day.agg(["nunique", "size"])
    assert set(per_account.index.get_level_values("account_id")) == demo.ours
    assert (per_account["nunique"] == 7 * WEEKS).all() and (per_account["size"] == 7 * WEEKS).all()
    forum = demo.audience[demo.audience.platform == "discourse"]
    assert (forum.members != "").any()


def test_referrals_use_one_currency_and_come_from_reciprocal_people(demo: Demo):
    refs = demo.referrals
    assert refs.referral_id.is_unique and set(refs.currency) == {"EUR"}
    assert set(refs.stage) <= {"intro", "lead", "opportunity", "won"}
    c = demo.conversational
    talked = set(c.actor_id[~c.actor_ours & c.target_ours]) & set(c.target_id[c.actor_ours])
    assert refs.referrer_id[refs.referrer_id != ""].isin(talked).all()


# --- the story, measured ----------------------------------------------------------------------

def test_outbound_dms_per_week_drop_more_than_threefold(demo: Demo):
    dms = demo.outbound[demo.outbound.kind == "dm"].groupby("half").size()
    assert dms[1] > 3 * dms[2]  # both stretches are 26 weeks


@pytest.mark.parametrize("measure, first_below, second_above", [
    ("reply_rate", 0.10, 0.35),
    ("response_rate", 0.20, 0.60),
])
def test_answers_are_rare_in_the_automated_stretch_and_common_after(demo, measure, first_below,
                                                                     second_above):
    rate = getattr(demo, measure)()
    assert rate[1] < first_below and rate[2] > second_above, rate.to_dict()


def test_automated_rows_happen_only_in_the_automated_stretch(demo: Demo):
    automated = demo.interactions[demo.interactions.automated == "true"]
    assert len(automated) > 5_000 and (automated.half == 1).all()
    assert (automated.kind[automated.target_id != ""].isin(["dm", "invite"])).all()


def test_unfollows_follow_automated_dms_in_the_first_stretch_only(demo: Demo):
    harm = demo.automation_unfollows()
    per_half = harm.groupby("half").size().reindex([1, 2], fill_value=0)
    assert per_half[1] >= 200
    assert per_half[2] <= 0.05 * per_half[1]
    assert (harm.t < demo.middle + pd.Timedelta(days=7)).all()  # only the tool's last echoes


def test_new_reciprocal_relationships_form_every_week_after_the_switch(demo: Demo):
    weekly = demo.new_reciprocal_per_week()
    first, second = weekly.iloc[: WEEKS // 2], weekly.iloc[WEEKS // 2:]
    assert (second > 0).all()
    assert second.mean() > 3 * first.mean()


def test_members_talk_to_each_other_more_in_the_second_stretch(demo: Demo):
    c = demo.conversational
    among_members = c[~c.actor_ours & ~c.target_ours & (c.platform == "discourse")]
    per_half = among_members.groupby("half").size()
    assert per_half[1] > 100 and per_half[2] > 2 * per_half[1]
    said = set(zip(among_members.actor_id, among_members.target_id, among_members.half))
    both_ways = pd.Series([h for a, b, h in said if (b, a, h) in said]).value_counts() / 2
    assert both_ways[1] >= 20 and both_ways[2] > 2 * both_ways[1]


def test_advocates_appear_only_once_relationships_exist(demo: Demo):
    ix = demo.interactions
    advocacy = ix[ix.kind.isin(["mention", "share", "list_add"]) & ~ix.actor_ours & ix.target_ours]
    per_half = advocacy.groupby("half").actor_id.nunique().reindex([1, 2], fill_value=0)
    assert per_half[2] > 100 and per_half[2] > 5 * per_half[1]


def test_followers_climb_fast_then_flatten_while_impressions_fall(demo: Demo):
    audience = demo.audience.assign(followers=pd.to_numeric(demo.audience.followers),
                                    impressions=pd.to_numeric(demo.audience.impressions))
    followers = audience.groupby("day").followers.sum()
    start, middle, end = followers.iloc[0], followers.iloc[7 * WEEKS // 2], followers.iloc[-1]
    assert middle - start > 3 * (end - middle) > 0
    impressions = audience.groupby("day").impressions.sum()
    eight_weeks = 7 * 8
    end_of_first = impressions.iloc[7 * WEEKS // 2 - eight_weeks: 7 * WEEKS // 2].mean()
    end_of_second = impressions.iloc[-eight_weeks:].mean()
    assert end_of_first > 1.8 * end_of_second  # promotion stopped; personal reach grew a little
    assert impressions.iloc[: 7 * WEEKS // 2].sum() > impressions.iloc[7 * WEEKS // 2:].sum()


def test_social_roi_turns_from_negative_to_positive(demo: Demo):
    costs = demo.costs.assign(half=demo.half_of_week(demo.costs.week))
    cost = (costs.hours.astype(float) * costs.hourly_rate.astype(float)
            + costs.spend.astype(float)).groupby(costs.half).sum()
    refs = demo.referrals.assign(
        value=pd.to_numeric(demo.referrals.value).fillna(0),
        half=np.where(demo.referrals.t < demo.middle, 1, 2))
    value = refs.groupby("half").value.sum().reindex([1, 2], fill_value=0)
    assert value[1] < 0.05 * cost[1]  # roi close to -1
    assert value[2] > cost[2]  # roi above 0
    assert value[2] > 10 * value[1]
    hours = costs.hours.astype(float).groupby(costs.half).sum()
    spend = costs.spend.astype(float).groupby(costs.half).sum()
    assert hours[2] > hours[1] and spend[2] < spend[1]


# --- loaded for real --------------------------------------------------------------------------

def test_the_demo_loads_through_the_generic_source_without_a_blemish(tmp_path: Path,
                                                                      duckdb_url: str):
    from pipelines.load import load_paths
    from pipelines.warehouse import make_engine, table

    counts = write_demo(tmp_path / "demo", today=TODAY)
    summaries = load_paths([tmp_path / "demo"], duckdb_url)
    assert {Path(s.file).name: (s.status, s.format) for s in summaries} == \
        {name: ("loaded", "generic") for name in counts}
    for summary in summaries:
        assert summary.quarantined == 0 and summary.duplicate == 0, summary
        assert not summary.failed_checks, (summary.file, summary.failed_checks)
    engine = make_engine(duckdb_url)
    with engine.connect() as conn:
        stored = {f"{t}.csv": conn.execute(sa.select(sa.func.count()).select_from(table(t)))
                  .scalar_one() for t in FILES}
    assert stored == counts
