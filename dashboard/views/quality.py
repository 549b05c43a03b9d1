"""Data quality: checks per load and per week, and the records behind a failed check."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import bookkeeping, data, figures, queries, tiles, uploads
from dashboard.controls import current

COUNTS = ["passed", "warned", "failed", "could not run"]

view = current()
bounds = view.bounds

st.title("Data quality")
st.caption("A number from bad data is worse than none. Every load runs checks; an error-level "
           "failure quarantines the records that broke a rule and marks the weeks they touch.")

by_week = data.cached(bookkeeping.checks_by_week, view.url, view.version)
by_load = data.cached(bookkeeping.checks_by_load, view.url, view.version)
if by_week.empty and by_load.empty:
    st.info("No loads or checks are recorded yet. Load exports with `rapport load PATH` (or on "
            "the Sources page); `rapport check` runs the warehouse checks.", icon=":material/info:")
else:  # no st.stop(): the app draws the shared controls after the page
    TILES = {"passed": "Checks passed", "warned": "Warnings", "failed": "Errors",
             "could not run": "Could not run", "quarantined": "Quarantined"}
    if len(by_load):
        st.caption("Over the loads listed below:")
        for column, (name, label) in zip(st.columns(len(TILES)), TILES.items()):
            column.metric(label, f"{int(by_load[name].fillna(0).sum()):,}", border=True)

    st.subheader("Checks per load")
    where = uploads.strip_workdir(by_load["file"])
    shown = by_load.assign(file=where.map(lambda f: Path(str(f)).name), where=where)
    st.dataframe(shown, key="quality_loads", hide_index=True, width="stretch",
                 column_order=["file", *COUNTS, "quarantined", "status", "started_at", "where"],
                 column_config={"file": "File", "started_at": "Loaded at", "status": "Status",
                                "quarantined": "Quarantined", "passed": "Passed",
                                "warned": "Warned",
                                "failed": "Failed", "could not run": "Could not run",
                                "where": "Path"})

    st.subheader("Warehouse checks by week")
    if by_week.empty:
        st.info("No week-level checks recorded yet (`rapport check` runs them).",
                icon=":material/info:")
    else:
        tiles.chart(figures.quality_by_week(by_week), key="quality_weeks",
                    alt="Checks passed, warned and failed by week")

    st.subheader("Problems")
    this_week = data.cached(queries.week_check_results, view.url, view.version, view.week,
                            bounds.start_utc, bounds.end_utc, view.platform, errors_only=False)
    only_week = st.toggle(f"Only checks about {view.week} or the loads that wrote its data",
                          key="quality_this_week", value=not this_week.empty)
    problems = this_week if only_week else data.cached(bookkeeping.check_results, view.url,
                                                       view.version)
    if problems.empty:
        st.success("No failed checks" + (f" about {view.week}." if only_week else "."),
                   icon=":material/verified:")
    else:
        st.dataframe(problems, key="quality_problems", hide_index=True, width="stretch",
                     height=260 if len(problems) > 8 else "auto",
                     column_order=["check", "severity", "status", "week", "platform", "observed",
                                   "checked_at"],
                     column_config={"check": "Check", "severity": "Severity", "status": "Status",
                                    "week": "Week", "platform": "Platform", "observed": "Observed",
                                    "checked_at": "Checked at"})
        labels = {row.result_id: f"{row.check} · {row.severity} · {row.status} · "
                                 f"{row.week or 'a load'} ({row.checked_at:%Y-%m-%d %H:%M})"
                  for row in problems.itertuples()}
        chosen = st.selectbox("Look into a check", list(labels), key="quality_check",
                              format_func=labels.get)
        detail = data.cached(bookkeeping.check_detail, view.url, view.version, chosen)
        if detail:
            st.text(f"Observed: {detail.get('observed') or '—'}")
            if detail.get("details"):
                st.text(str(detail["details"]))
            offending = bookkeeping.offending_frame(detail.get("offending"))
            st.markdown(f"**Offending records** ({len(offending)}, as stored with the result)")
            st.dataframe(offending, key="quality_offending", hide_index=True, width="stretch")
            if detail.get("load_id"):
                rows = data.cached(bookkeeping.quarantine_rows, view.url, view.version,
                                   detail["load_id"], detail.get("check"))
                st.markdown(f"**Quarantined records of that load** ({len(rows)})")
                st.dataframe(rows, key="quality_quarantine", hide_index=True, width="stretch")
