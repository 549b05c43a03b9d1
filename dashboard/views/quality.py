"""Data quality: checks per load and per week, and the records behind a failed check."""
from __future__ import annotations

import streamlit as st

from dashboard import bookkeeping, data, figures, queries, tiles
from dashboard.controls import current

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
    st.stop()

chart_column, loads_column = st.columns([2, 3], gap="large")
with chart_column:
    if by_week.empty:
        st.info("No week-level checks recorded yet (`rapport check` runs them).",
                icon=":material/info:")
    else:
        tiles.chart(figures.quality_by_week(by_week, title="Warehouse checks by week"),
                    key="quality_weeks", alt="Checks passed, warned and failed by week")
with loads_column:
    st.subheader("Checks per load")
    st.dataframe(by_load, key="quality_loads", hide_index=True, height=300, width="stretch",
                 column_config={"load_id": None, "file": "File", "started_at": "Loaded at",
                                "status": "Status", "quarantined": "Quarantined rows"})

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
    st.dataframe(problems.drop(columns=["result_id"]), key="quality_problems", hide_index=True,
                 width="stretch", height=260)
    labels = {row.result_id: f"{row.check} · {row.severity} · {row.status} · "
                             f"{row.week or row.load_id or ''} ({row.checked_at:%Y-%m-%d %H:%M})"
              for row in problems.itertuples()}
    chosen = st.selectbox("Look into a check", list(labels), key="quality_check",
                          format_func=labels.get)
    detail = data.cached(bookkeeping.check_detail, view.url, view.version, chosen)
    if detail:
        st.markdown(f"**Observed:** `{str(detail.get('observed') or '—').replace('`', '')}`")
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
