"""Social ROI: what the effort cost, what referrals were worth, and what that does not prove."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import bookkeeping, data, figures, queries, summary, theme, tiles
from dashboard.controls import current
from metrics import weeks as wk

# metric → (what it shows, what it does not prove)
STATEMENTS = {
    "cost": ("What the week's effort cost: hours × rate + spend, as entered below.",
             "That it was well spent. Hours nobody entered are not counted."),
    "referral_value": ("The value of the referrals recorded this week.",
                       "That our social work brought them: some would have come anyway."),
    "cost_per_relationship": ("The week's cost for each person who became reciprocal.",
                              "That spending more buys more: many relationships started "
                              "weeks before."),
    "cost_per_referral": ("The week's cost for each referral recorded.",
                          "That this week's work produced them: referrals ripen over months."),
    "social_roi": ("(Referral value − cost) ÷ cost, for the week.",
                   "Causation. Effort and referrals moving together is a correlation, and "
                   "one large deal swings it."),
    "relationship_yield": ("New reciprocal relationships per 100 messages we sent.",
                           "That the messages created them: people who would have written "
                           "anyway count too."),
}
TILES = tuple(STATEMENTS)

view = current()
results = data.metric_results(view)
catalog = data.catalog()
currencies = data.cached(queries.currencies, view.url, view.version)
currency = currencies[0] if len(currencies) == 1 else ""
cards = summary.cards(results, catalog, view.week, wk.previous_week(view.week), currency)

st.title("Social ROI")
st.caption(f"{view.week} · {view.platform or 'all platforms'}. What the relationships cost and "
           "what the referrals they brought were worth.")
if len(currencies) > 1:
    st.warning("Referral values are recorded in several currencies "
               f"({theme.escape_markdown(', '.join(currencies))}) "
               "and are added as if they were one: convert them before trusting these figures.",
               icon=":material/currency_exchange:")

shown = cards[cards["name"].isin(TILES)].set_index("name").reindex(
    [n for n in TILES if n in set(cards["name"])]).reset_index()
records = shown.to_dict("records")
for start in range(0, len(records), 3):
    for column, card in zip(st.columns(3), records[start:start + 3]):
        with column, st.container(border=True, key=f"roi_{card['name']}"):
            st.metric(card["label"], card["value_text"], delta=card["change_text"],
                      delta_color="off" if card["change"] == 0 else
                      summary.delta_colour(card["family"], card["direction"]),
                      delta_description="vs previous week" if card["change_text"] else None,
                      help=card["help"])
            shows, not_proof = STATEMENTS[card["name"]]
            st.caption(f"**Shows:** {shows}  \n**Does not prove:** {not_proof}")

money, roi = st.columns(2, gap="large")
with money:
    wide = results[results["metric"].isin(["cost", "referral_value"])].pivot_table(
        index="week", columns="metric", values="value", aggfunc="first").reset_index()
    for name in ("cost", "referral_value"):
        wide[name] = wide[name].fillna(0) if name in wide else 0
    st.markdown("**Cost and referral value by week**")
    tiles.chart(figures.cost_and_value(wide, currency=currency), key="cost_value",
                alt="Cost and referral value by week")
with roi:
    platforms = [view.platform] if view.platform else data.cached(queries.platforms, view.url,
                                                                    view.version)
    parts = [data.metric_results(view, platform=p).query("metric == 'social_roi'").assign(platform=p)
             for p in platforms]
    by_platform = pd.concat(parts) if parts else pd.DataFrame(columns=["week", "value", "platform"])
    st.markdown("**Social ROI by platform**: (referral value − cost) / cost")
    tiles.chart(figures.trend(by_platform, series="platform", unit="ratio"),
                key="roi_trend", alt="Social ROI by platform and week")

st.info("**What this shows:** what the weeks' effort cost (hours × rate + spend, as entered "
        "below) beside the value of the referrals recorded in the same weeks, and what each new "
        "reciprocal relationship and each referral cost.\n\n"
        "**What it does not prove:** that the effort caused the referrals. Correlation is not "
        "causation: a referral may have come anyway, a relationship started months ago may pay "
        "off this week, and this week's effort may pay off later. A week without costs has no "
        "ROI (not zero). The figures are only as good as the hours, rates and referral values "
        "entered.", icon=":material/balance:")

st.subheader("Weekly costs")
st.caption("Hours spent, the hourly rate and any spend (tools, ads, events) per platform and "
           "week. Edit, add or delete rows, then save: each (week, platform) is stored once.")
labels = [w.label for w in wk.week_range(view.week, data.TREND_WEEKS, view.tz)]
base = data.cached(bookkeeping.read_costs, view.url, view.version, labels)
known = set(zip(base["week"], base["platform"]))
missing = [{"week": view.week, "platform": p} for p in
           data.cached(queries.platforms, view.url, view.version) if (view.week, p) not in known]
base = pd.concat([base, pd.DataFrame(missing, columns=bookkeeping.COST_COLUMNS)],
                 ignore_index=True).astype({n: "float64" for n in bookkeeping.COST_NUMBERS})
edited = st.data_editor(
    base, key="costs_editor", num_rows="dynamic", hide_index=True, width="stretch",
    column_config={
        "week": st.column_config.TextColumn("Week", required=True, validate=r"^\d{4}-W\d{2}$",
                                            help="ISO week like 2026-W46"),
        "platform": st.column_config.TextColumn("Platform", required=True),
        "hours": st.column_config.NumberColumn("Hours", min_value=0, format="%.1f"),
        "hourly_rate": st.column_config.NumberColumn(f"Hourly rate {currency}".strip(),
                                                     min_value=0, format="%.2f"),
        "spend": st.column_config.NumberColumn(f"Spend {currency}".strip(), min_value=0,
                                               format="%.2f"),
    })
notice = st.session_state.pop("costs_notice", None)
if notice:
    st.success(notice, icon=":material/save:")
if st.button("Save costs", key="save_costs", type="primary"):
    rows, blanks, errors = bookkeeping.validate_costs(edited)
    if errors:
        st.error("Nothing was saved. " + theme.escape_markdown(" ".join(errors)),
                 icon=":material/error:")
    else:
        kept = set(zip(rows["week"], rows["platform"])) | set(blanks)
        removed = sorted((known - kept) | (set(blanks) & known))
        changed = bookkeeping.changed_rows(rows, base)
        if changed.empty and not removed:
            st.info("Nothing to save: the table matches what is stored.", icon=":material/info:")
        else:
            try:
                data.retry_busy(bookkeeping.save_costs, view.url, changed, removed)
            except Exception as exc:
                data.report_error(exc, view.url, "saving the costs")
            else:
                st.session_state["costs_notice"] = (
                    f"Saved {len(changed)} cost row(s)"
                    + (f", removed {len(removed)}" if removed else "") + ".")
                st.rerun()
