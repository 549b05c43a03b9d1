"""Every page of the dashboard in Streamlit's own test runtime, on the demo warehouse."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard import inline, summary, theme
from metrics import api
from metrics import weeks as wk
from metrics import provisional
from pipelines import warehouse as wh
from tests.conftest import end_export, expected_provisional
from tests.dashboard.conftest import PAGES, open_app, shown_errors
from tests.dashboard.test_inline import img_attributes, picture

TITLES = {"views/weekly.py": "Weekly check", "views/relationships.py": "Relationships",
          "views/roi.py": "Social ROI", "views/quality.py": "Data quality",
          "views/sources.py": "Sources"}
RESULT_FAMILIES = ("outcome", "harm")


SPARK = re.compile(r'<img class="spark"[^>]*>')
RESULT_VALUE = re.compile(r'<div class="result-tile" [^>]*><div><div [^>]*>([^<]*)<span.*?'
                          r'<div class="result-value" [^>]*>([^<]*)</div>', re.S)
CONTEXT_VALUE = re.compile(r'<div class="context-metric" data-metric="([^"]*)".*?'
                           r'<strong class="context-value">([^<]*)</strong>')


def table(at, column: str) -> pd.DataFrame:
    """The first table on the page with that column (st.dataframe keys are not exposed)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a {column!r} column")


def test_empty_warehouse_shows_the_welcome_page(duckdb_url: str, monkeypatch) -> None:
    at = open_app(duckdb_url, monkeypatch)
    assert shown_errors(at) == []
    assert at.title[0].value == "Welcome to rapport"
    code = [c.value for c in at.code]
    assert "rapport load PATH" in code and "rapport demo" in code
    assert len(at.selectbox) == 0  # no week to pick yet


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_an_error(demo_url: str, monkeypatch, page: str) -> None:
    at = open_app(demo_url, monkeypatch, page=page)
    assert shown_errors(at) == []
    assert at.title[0].value == TITLES[page]
    for key in ("week", "platform", "account"):
        assert at.selectbox(key=key).value is not None


def _expected(url: str, week: str, platform: str | None) -> pd.DataFrame:
    return api.compute(url, week, weeks=1, platform=platform)


def _html_pairs(at, pattern) -> dict[str, str]:
    """key → value for every match of a two-group pattern in the page's HTML blocks, unescaped."""
    return {html.unescape(key): html.unescape(value)
            for element in at.get("html") for key, value in pattern.findall(element.proto.body)}


def _shown_metrics(at) -> dict[str, str]:
    """label → the value its result tile shows, as the browser reads them."""
    return _html_pairs(at, RESULT_VALUE)


def _context_values(at) -> dict[str, str]:
    """metric → the value the context block shows for it, as the browser reads it."""
    return _html_pairs(at, CONTEXT_VALUE)


def _check_figures(at, url: str, week: str, platform: str | None) -> None:
    expected = _expected(url, week, platform)
    catalog = {m["name"]: m for m in _catalog()}
    shown = _shown_metrics(at)
    muted = _context_values(at)
    currency = "EUR"
    for row in expected.itertuples():
        meta = catalog[row.metric]
        text = theme.format_value(row.value, meta["unit"], currency, meta["fmt"])
        if row.family in RESULT_FAMILIES:
            assert shown[meta["label"]] == text, (row.metric, shown[meta["label"]], text)
        elif row.family in theme.CONTEXT_FAMILIES:
            assert muted[row.metric] == text, (row.metric, muted.get(row.metric), text)


def _catalog() -> list[dict]:
    from dashboard.data import catalog

    return catalog().to_dict("records")


@pytest.mark.parametrize("platform", [None, "linkedin", "discourse"])
def test_weekly_figures_are_the_metrics_of_the_selected_week_and_platform(
        demo_url: str, monkeypatch, platform: str | None) -> None:
    at = open_app(demo_url, monkeypatch)
    week = api.default_week(demo_url)
    assert at.selectbox(key="week").value == week
    if platform:
        at.selectbox(key="platform").set_value(platform).run()
    assert shown_errors(at) == []
    _check_figures(at, demo_url, week, platform)
    assert at.query_params.get("platform") == ([platform] if platform else None) or \
        at.query_params.get("platform") == platform


def test_the_week_picker_changes_the_figures(demo_url: str, monkeypatch) -> None:
    at = open_app(demo_url, monkeypatch)
    latest = at.selectbox(key="week").value
    early = wk.shift(latest, -40)  # the automated-outreach half of the demo year
    before = _shown_metrics(at)
    at.selectbox(key="week").set_value(early).run()
    assert shown_errors(at) == []
    after = _shown_metrics(at)
    assert after != before
    _check_figures(at, demo_url, early, None)
    assert at.query_params["week"] in (early, [early])


def _sparklines(at) -> dict[str, str]:
    """metric → the sparkline <img> the page shows for it."""
    shown = {}
    for element in at.get("html"):
        for image in SPARK.findall(element.proto.body):
            shown[img_attributes(image)["data-metric"]] = image
    return shown


def test_sparklines_show_twelve_weeks_of_compute(demo_url: str, monkeypatch) -> None:
    at = open_app(demo_url, monkeypatch)
    week = at.selectbox(key="week").value
    history = api.compute(demo_url, week, weeks=12)
    expected = history[history["metric"] == "reply_rate"].sort_values("week")
    values = [None if pd.isna(v) else float(v) for v in expected["value"]]
    spark = _sparklines(at)["reply_rate"]
    assert picture(spark) == inline.sparkline_svg(values, theme.OUTCOME)
    assert img_attributes(spark)["title"].split("\n")[1:] == [
        f"{w}: {theme.format_value(v, 'share')}" for w, v in zip(expected["week"], values)]


def test_every_metric_has_one_sparkline_in_its_family_colour(demo_url: str, monkeypatch) -> None:
    at = open_app(demo_url, monkeypatch)
    shown = _sparklines(at)
    families = {m["name"]: m["family"] for m in _catalog()
                if m["family"] in (*theme.CONTEXT_FAMILIES, *RESULT_FAMILIES)}
    assert set(shown) == set(families)
    for name, family in families.items():
        colour = theme.MUTED if family in theme.CONTEXT_FAMILIES else theme.family_colour(family)
        assert f'stroke="{colour}"' in picture(shown[name]), name
    assert at.get("plotly_chart") == []  # nothing on the weekly check waits for plotly.js


@pytest.mark.parametrize("weeks_back", [0, 40])
def test_the_divergence_callouts_are_the_flagged_signals_of_the_week(
        demo_url: str, monkeypatch, weeks_back: int) -> None:
    at = open_app(demo_url, monkeypatch)
    week = wk.shift(at.selectbox(key="week").value, -weeks_back)
    at.selectbox(key="week").set_value(week).run()
    signals = api.signals(demo_url, week, weeks=1)
    flagged = signals[signals["flagged"].fillna(False).astype(bool) & (signals["week"] == week)]
    pending = expected_provisional(demo_url, week)
    settled = flagged[~flagged["outcome_metric"].isin(list(pending))]
    waiting = flagged[flagged["outcome_metric"].isin(list(pending))]
    shown = [w.value for w in at.warning if w.icon == ":material/compare_arrows:"]
    assert shown == [theme.escape_markdown(m) for m in settled["message"].dropna()]
    caveats = [i.value for i in at.info if i.icon == ":material/hourglass_top:"]
    assert caveats == [theme.escape_markdown(provisional.caveat(m, pending[o]))
                       for m, o in zip(waiting["message"], waiting["outcome_metric"])]
    if weeks_back == 0:
        # The demo's latest week has its divergence (messages up, replies down), but the
        # replies to its last messages can still arrive: a caveat, not a warning.
        assert caveats and "replies can still arrive until" in caveats[0]


TILE = re.compile(r'<div class="result-tile" data-metric="([^"]*)"( data-provisional="true")?'
                  r'(.*?)<img class="spark"', re.S)
TONE = re.compile(r'class="result-change" data-tone="(\w+)"')
NOTE = re.compile(r'<div class="result-provisional" [^>]*>([^<]*)</div>')


def _tiles(at) -> dict[str, tuple[bool, str, str]]:
    """metric → (marked provisional, the change's tone or "", the note shown or "") of each
    result tile."""
    found = {}
    for element in at.get("html"):
        for name, marked, body in TILE.findall(element.proto.body):
            tone, note = TONE.findall(body), NOTE.findall(body)
            shown = html.unescape("".join(note)).replace("\xa0", " ")  # the date's &nbsp;
            found[name] = (bool(marked), "".join(tone), shown)
    return found


def test_the_latest_weeks_answer_rates_are_provisional_until_their_window_passes(
        demo_url: str, monkeypatch) -> None:
    at = open_app(demo_url, monkeypatch)
    latest_week = at.selectbox(key="week").value
    pending = expected_provisional(demo_url, latest_week)
    assert set(pending) == {"reply_rate", "response_rate", "median_response_hours"}
    tiles = _tiles(at)
    marked = {name: note for name, (flag, _, note) in tiles.items() if flag}
    assert marked == pending
    assert "replies can still arrive until" in marked["reply_rate"]
    assert all(tiles[name][1] == "off" for name in pending)  # a grey chip, never a drop
    assert any(tone != "off" for name, (_, tone, _) in tiles.items() if name not in pending)

    older = wk.shift(latest_week, -3)
    at.selectbox(key="week").set_value(older).run()
    assert expected_provisional(demo_url, older) == {}
    tiles = _tiles(at)
    assert "reply_rate" in tiles and not any(flag or note for flag, _, note in tiles.values())


def test_a_platform_whose_export_lags_keeps_its_week_provisional(demo_copy: str,
                                                                 monkeypatch) -> None:
    """Discourse's export ends a day after a week that the other platforms have long passed:
    that week's answer rates stay provisional for all platforms together, for Discourse alone
    and for one of its accounts; LinkedIn alone has its answers in."""
    week = wk.shift(api.default_week(demo_copy), -3)
    ours = end_export(demo_copy, "discourse", wk.week(week).end_utc + pd.Timedelta(days=1))
    assert ours
    expected = expected_provisional(demo_copy, week, "discourse")
    assert set(expected) == {"reply_rate", "response_rate", "median_response_hours"}
    assert expected_provisional(demo_copy, week) == expected
    assert expected_provisional(demo_copy, week, "linkedin") == {}
    for params, marked in [({}, expected), ({"platform": "discourse"}, expected),
                           ({"account": ours}, expected), ({"platform": "linkedin"}, {})]:
        at = open_app(demo_copy, monkeypatch, params={"week": week, **params})
        assert at.selectbox(key="week").value == week
        shown = {name: note for name, (flag, _, note) in _tiles(at).items() if flag}
        assert shown == marked, params


def test_the_funnel_shows_the_weeks_counts(demo_url: str, monkeypatch) -> None:
    at = open_app(demo_url, monkeypatch)
    week = at.selectbox(key="week").value
    [funnel] = [e.proto.body for e in at.get("html") if 'class="funnel"' in e.proto.body]
    values = _expected(demo_url, week, None).set_index("metric")["value"]
    for metric, label in summary.FUNNEL:
        if metric in values:
            count = f"{float(values[metric]):,.0f}"
            assert f"{label}</div>" in funnel and f"{label}: {count} (" in funnel, (metric, count)


def test_a_link_reproduces_the_view(demo_url: str, monkeypatch) -> None:
    week = wk.shift(api.default_week(demo_url), -3)
    at = open_app(demo_url, monkeypatch, params={"week": week, "platform": "twitter"})
    assert (at.selectbox(key="week").value, at.selectbox(key="platform").value) == (week, "twitter")
    _check_figures(at, demo_url, week, "twitter")
    at.switch_page("views/relationships.py").run()
    assert at.selectbox(key="week").value == week
    assert shown_errors(at) == []


def test_a_link_to_an_unknown_week_falls_back_and_says_so(demo_url: str, monkeypatch) -> None:
    at = open_app(demo_url, monkeypatch, params={"week": "1999-W01"})
    assert at.selectbox(key="week").value == api.default_week(demo_url)
    assert any("1999-W01" in w.value for w in at.sidebar.warning)


def test_relationships_page_lists_people_waiting_oldest_first(demo_url: str, monkeypatch) -> None:
    at = open_app(demo_url, monkeypatch, page="views/relationships.py")
    waiting = table(at, "Days waiting")
    assert 0 < len(waiting) <= 300
    assert list(waiting["Waiting since"]) == sorted(waiting["Waiting since"])
    assert set(waiting["Platform"]) <= {"twitter", "linkedin", "discourse"}


def test_the_cost_editor_saves_to_costs(demo_copy: str, monkeypatch) -> None:
    at = open_app(demo_copy, monkeypatch, page="views/roi.py")
    week = at.selectbox(key="week").value
    table = at.data_editor(key="costs_editor").value
    first = table.iloc[0]
    at.session_state["costs_editor"] = {
        "edited_rows": {0: {"hours": 31.5}},
        "added_rows": [{"week": week, "platform": "newsletter", "hours": 2.0,
                        "hourly_rate": 40.0, "spend": 15.0}],
        "deleted_rows": [],
    }
    at.button(key="save_costs").click().run()
    assert shown_errors(at) == []
    assert any("Saved 2 cost row" in s.value for s in at.success)
    engine = wh.make_engine(demo_copy, read_only=True)
    with engine.connect() as conn:
        rows = {(r.week, r.platform): (r.hours, r.hourly_rate, r.spend)
                for r in conn.execute(sa.select(wh.costs))}
    engine.dispose()
    assert rows[(first["week"], first["platform"])][0] == 31.5
    assert rows[(week, "newsletter")] == (2.0, 40.0, 15.0)
    # the ROI figures follow the saved costs
    assert api.compute(demo_copy, week, platform="newsletter").set_index("metric").loc[
        "cost", "value"] == pytest.approx(2 * 40 + 15)


def test_the_cost_editor_refuses_bad_rows_and_saves_nothing(demo_copy: str, monkeypatch) -> None:
    at = open_app(demo_copy, monkeypatch, page="views/roi.py")
    before = wh.make_engine(demo_copy)
    with before.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(wh.costs)).scalar_one()
    before.dispose()
    at.session_state["costs_editor"] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"week": "last week", "platform": "x", "hours": 1.0}]}
    at.button(key="save_costs").click().run()
    assert any("Nothing was saved" in e.value and "2026-W46" in e.value.replace("\\", "")
               for e in at.error)
    after = wh.make_engine(demo_copy)
    with after.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(wh.costs)).scalar_one() == count
    after.dispose()


def _add_failed_check(url: str, week: str) -> None:
    engine = wh.make_engine(url)
    with engine.begin() as conn:
        load_id = conn.execute(sa.select(wh.loads.c.load_id).where(
            wh.loads.c.file.like("%interactions.csv"))).scalar_one()
        conn.execute(sa.insert(wh.quality_results), [{
            "result_id": "bad-times", "load_id": load_id, "week": week, "platform": None,
            "check": "interactions.occurred_at_parses", "severity": "error", "status": "failed",
            "observed": "2", "offending": json.dumps([{"line": 12, "id": "twitter:1"},
                                                       {"line": 40, "id": "twitter:2"}]),
            "details": "times that could not be parsed", "checked_at": pd.Timestamp.now()}])
        conn.execute(sa.insert(wh.quarantine), [{
            "quarantine_id": "q1", "load_id": load_id, "file": "interactions.csv", "line": 12,
            "table": "interactions", "reason": "interactions.occurred_at_parses: 'yesterday'",
            "raw": "twitter:1,yesterday,...", "quarantined_at": pd.Timestamp.now()}])
    engine.dispose()


def test_a_failed_check_shows_a_banner_and_its_records(demo_copy: str, monkeypatch) -> None:
    week = api.default_week(demo_copy)
    _add_failed_check(demo_copy, week)
    at = open_app(demo_copy, monkeypatch)
    assert any("Data health" in e.value for e in at.error)
    at.switch_page("views/quality.py").run()
    assert [e.value for e in at.exception] == []
    assert at.toggle(key="quality_this_week").value is True
    at.selectbox(key="quality_check").set_value("bad-times").run()
    offending = table(at, "id")
    assert list(offending["line"]) == [12, 40]
    quarantined = table(at, "reason")
    assert list(quarantined["line"]) == [12]


def test_uploading_a_real_export_loads_it(demo_copy: str, monkeypatch, realdata: Path) -> None:
    export = realdata / "discord" / "chat_analytics_dce_GC_3A_5M.json"
    at = open_app(demo_copy, monkeypatch, page="views/sources.py")
    at.file_uploader(key="sources_files").upload(export.name, export.read_bytes(),
                                                 "application/json")
    at.run()
    at.button(key="sources_load").click().run()
    assert [e.value for e in at.exception] == []
    summary = table(at, "quarantined")
    assert list(summary["file"]) == [export.name]
    assert list(summary["status"]) == ["loaded"] and summary["loaded"].iloc[0] > 0
    history = table(at, "rows_loaded")
    assert export.name in set(history["file"])
    assert "discord" in at.selectbox(key="platform").options


def test_an_upload_over_the_limit_is_refused(demo_copy: str, monkeypatch) -> None:
    monkeypatch.setenv("RAPPORT_MAX_UPLOAD_MB", "0.001")
    at = open_app(demo_copy, monkeypatch, page="views/sources.py")
    at.file_uploader(key="sources_files").upload("big.csv", b"x" * 5000, "text/csv")
    at.run()
    at.button(key="sources_load").click().run()
    assert any("Nothing was loaded" in e.value and "big" in e.value for e in at.error)


HOSTILE = ('<img src="https://evil.example/x.png"><script>alert(1)</script>'
           '![pixel](https://evil.example/md.png) [click](https://evil.example) :red[loud]')


def test_imported_names_never_reach_markdown(demo_copy: str, monkeypatch) -> None:
    week = wk.week(api.default_week(demo_copy))
    engine = wh.make_engine(demo_copy)
    with engine.begin() as conn:
        conn.execute(sa.insert(wh.people), [{"person_id": "twitter:666", "platform": "twitter",
                                             "handle": HOSTILE, "display_name": HOSTILE,
                                             "is_ours": False}])
        conn.execute(sa.insert(wh.interactions), [{
            "interaction_id": "twitter:h1", "platform": "twitter", "actor_id": "twitter:666",
            "target_id": "twitter:1318000001", "kind": "dm", "thread_id": "twitter:h",
            "occurred_at": week.end_utc - pd.Timedelta(days=89.9), "automated": False}])  # the oldest
    engine.dispose()
    at = open_app(demo_copy, monkeypatch, page="views/relationships.py")
    assert shown_errors(at) == []
    assert HOSTILE in set(table(at, "Days waiting")["Person"])  # shown, as data
    rendered = [e.value for kind in ("markdown", "caption", "info", "warning", "success", "error")
                for e in getattr(at, kind)]
    assert not [text for text in rendered if "evil.example" in text]


def test_the_dashboard_does_not_import_great_expectations() -> None:
    import subprocess
    import sys

    code = ("import sys; import dashboard.data, dashboard.controls, dashboard.queries, "
            "dashboard.bookkeeping, dashboard.figures, dashboard.tiles, dashboard.uploads, "
            "metrics.api, pipelines.load; print('great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[0] == "False", out.stderr[-2000:]


def test_loading_into_an_empty_warehouse_leaves_the_welcome_page(duckdb_url: str, monkeypatch,
                                                                 tmp_path: Path) -> None:
    from pipelines.demo import write_demo

    write_demo(tmp_path)
    at = open_app(duckdb_url, monkeypatch)
    assert at.title[0].value == "Welcome to rapport"
    at.switch_page("views/sources.py").run()
    for name in ("people.csv", "interactions.csv"):
        at.file_uploader(key="sources_files").upload(name, (tmp_path / name).read_bytes(),
                                                     "text/csv")
    at.run()
    at.button(key="sources_load").click().run()
    assert shown_errors(at) == []
    assert set(table(at, "quarantined")["status"]) == {"loaded"}
    assert at.selectbox(key="week").value == api.default_week(duckdb_url)
    at.switch_page("views/weekly.py").run()
    assert at.title[0].value == "Weekly check" and shown_errors(at) == []


def test_with_sign_in_configured_a_visitor_sees_only_the_sign_in_button(demo_url: str,
                                                                        monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP

    monkeypatch.setenv("RAPPORT_DB_URL", demo_url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "s" * 32, "client_id": "id", "client_secret": "x",
                          "server_metadata_url": "https://sso.example.org/.well-known/openid"}
    at.secrets["access"] = {"allowed_email_domains": ["example.org"]}
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.key for b in at.button] == ["auth_sign_in"]
    assert len(at.selectbox) == 0 and len(at.metric) == 0  # nothing read from the warehouse


def test_mixed_currencies_are_called_out_on_the_roi_page(demo_copy: str, monkeypatch) -> None:
    week = wk.week(api.default_week(demo_copy))
    engine = wh.make_engine(demo_copy)
    with engine.begin() as conn:
        conn.execute(sa.insert(wh.referrals), [{
            "referral_id": "usd-1", "occurred_at": week.start_utc, "platform": "linkedin",
            "stage": "deal", "value": 1000.0, "currency": "USD"}])
    engine.dispose()
    at = open_app(demo_copy, monkeypatch, page="views/roi.py")
    warning = " ".join(w.value for w in at.warning)
    assert "several currencies" in warning and "EUR" in warning and "USD" in warning
    assert not any("EUR" in m.value for m in at.metric)  # no single currency is claimed
