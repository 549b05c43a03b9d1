"""Weekly check: context on the left (muted), results on the right (prominent), then the funnel."""
from __future__ import annotations

import streamlit as st

from dashboard import controls, data, inline, queries, summary, theme, tiles
from dashboard.report.widget import report_downloads
from metrics import api
from metrics import weeks as wk
from metrics import provisional

view = controls.current()
bounds = view.bounds
catalog = data.catalog()
results = data.metric_results(view)
currencies = data.cached(queries.currencies, view.url, view.version)
cards = summary.cards(results, catalog, view.week, wk.previous_week(view.week),
                      currencies[0] if len(currencies) == 1 else "")

st.title("Weekly check")
scope = view.platform or "all platforms"
st.caption(f"{view.week}: {bounds.first_day:%a %d %b} to {bounds.last_day:%a %d %b %Y} · {scope}"
           + (" · one account of ours" if view.account else "")
           + ". Are we building relationships, or only collecting an audience?")

failed = data.cached(queries.week_check_results, view.url, view.version, view.week,
                     bounds.start_utc, bounds.end_utc, view.platform)
tiles.health_banner(failed, view.week, view.query_params())
# Answers to the week's last messages may not be loaded yet: those rates are provisional until
# the data of every platform shown (one account's: its platform's) has passed their windows.
latest = data.cached(queries.latest_by_platform, view.url, view.version,
                     controls.data_platform(view))
reference = provisional.reference(latest, view.week, view.tz)
pending = provisional.notes(view.week, reference, view.tz)
signals = data.cached(api.signals, view.url, view.version, view.week, weeks=1,
                      platform=view.platform, account=view.account, tz=view.tz)
tiles.callouts(signals, view.week, pending)

trends = summary.trends(results)
context, results_column = st.columns([1, 2], gap="large")
with context:
    st.subheader(":gray[Context: audience and activity]")
    st.caption("Easy to grow and easy to game: these show effort and reach, never the result.")
    tiles.context_metrics(cards[cards["family"].isin(theme.CONTEXT_FAMILIES)].to_dict("records"),
                          trends)
with results_column:
    st.subheader("Results: relationships and what they bring")
    st.caption("Two-way conversations, answers, reciprocal relationships, referrals, and harm. "
               "Changes are against the previous week; hover a question mark for the exact definition.")
    tiles.result_tiles(cards[cards["family"].isin(theme.RESULT_FAMILIES)].to_dict("records"),
                       trends, pending)

st.subheader(f"From messages to results in {view.week}")
inbound = data.cached(queries.messages_to_us, view.url, view.version, bounds.start_utc,
                      bounds.end_utc, view.platform, view.account)
stages = summary.funnel_stages(cards, {"messages_to_us": inbound})
if stages:
    st.html(inline.funnel(stages))
    st.caption("Each stage is counted on its own definition for the week (see the tooltips "
               "above); a later stage is not strictly a subset of the one before it.")

st.subheader("Take it to the meeting")
st.caption("The same week and platform as a short report for the CEO and CFO: outcomes first, "
           "then social ROI, trends, harm, data quality and the definitions.")
report_downloads(view.url, view.week, view.platform, tz=view.tz, version=view.version)
