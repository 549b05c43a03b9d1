"""Gather the executive report: the metrics API and a few warehouse reads, shaped by `content`."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from dashboard import figures, queries, theme
from dashboard.report import content as ct
from dashboard.report import data
from dashboard.report.charts import Chart
from metrics import provisional
from metrics import weeks as wk

TREND_WEEKS = 12
INDEXED = ("followers", "impressions", "messages_sent",  # context, drawn muted and dashed
           "conversations", "reciprocal_relationships", "referrals")
RATES = ("reply_rate", "response_rate")
OUTCOME_COLOURS = (theme.OUTCOME, theme.OKABE_ITO["orange"], theme.EFFICIENCY)
CONTEXT_COLOURS = ("#8A8F98", "#B0B5BC", "#5F6670")


class ReportError(ValueError):
    """The report cannot be made as asked (no data, an unknown week or platform)."""


def gather(url: str, week: str | None = None, weeks: int = TREND_WEEKS,
           platform: str | None = None, include_names: bool = False,
           tz: str | None = None) -> ct.Report:
    """Everything the report shows for `week` (default: the API's default week)."""
    from metrics import api

    if weeks < 1:
        raise ReportError(f"--weeks must be at least 1, not {weeks}")
    week = week or api.default_week(url, tz=tz)
    if week is None:
        raise ReportError("the warehouse has no interactions yet, so there is no week to report "
                          "on: load exports with `rapport load PATH` (or `rapport demo`)")
    try:
        bounds = wk.week(week, tz)
    except wk.WeekError as exc:
        raise ReportError(str(exc)) from exc
    span = max(weeks, ct.MONTH + 1)
    results = api.compute(url, bounds.label, weeks=span, platform=platform, tz=tz)
    catalog = [ct.metric_info(r) for r in api.catalog()]
    by_name = {m.name: m for m in catalog}
    values = ct.values_by_week(results)
    currencies = data.currencies(url)
    currency = currencies[0] if len(currencies) == 1 else ""
    week, previous, month_ago = bounds.label, wk.shift(bounds.label, -1), wk.shift(bounds.label,
                                                                                   -ct.MONTH)

    # The same reference as the dashboard's: each platform's latest interaction loaded.
    latest = queries.latest_by_platform(url, platform)

    def pending(label: str) -> dict[str, str]:
        return provisional.notes(label, provisional.reference(latest, label, tz), tz)

    def lines(names):
        return ct.lines(names, by_name, values, week, previous, month_ago, currency,
                        pending(week))

    outcomes = lines(ct.outcome_order(catalog))
    roi = lines(ct.ROI)
    found = ct.checks(data.failed_checks(url, week, bounds.start_utc, bounds.end_utc, platform))
    fresh = ct.freshness(latest, bounds.start_utc, bounds.end_utc)
    shown_weeks = [w.label for w in wk.week_range(week, weeks, tz)]
    period = results[results["week"].isin(shown_weeks)]
    harm_total = pd.to_numeric(period.loc[period["metric"] == "automation_unfollows", "value"],
                               errors="coerce").sum()
    signals = api.signals(url, week, weeks=weeks, platform=platform, tz=tz)
    roi_notes = [ct.ROI_SHOWS, ct.ROI_DOES_NOT_SHOW]
    if len(currencies) > 1:
        roi_notes.append(f"Referral values are recorded in several currencies "
                         f"({', '.join(currencies)}) and are added as if they were one: convert "
                         "them before trusting these figures.")
    report = ct.Report(
        week=week, weeks=weeks, scope=platform or "all platforms", currency=currency,
        period=f"{bounds.first_day:%a %d %b} to {bounds.last_day:%a %d %b %Y}",
        generated=f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        summary=ct.summary(outcomes, roi, week), health=ct.health(found, week),
        outcomes=outcomes, context=lines(ct.context_order(catalog)), roi=roi,
        roi_notes=roi_notes, divergence=ct.divergence(signals, pending=pending),
        watch=ct.divergence(signals, week, pending=pending),
        provisional=ct.provisional_note(outcomes, week),
        harm=ct.harm(data.harm_detail(url, bounds.start_utc, bounds.end_utc, platform),
                     values.get(("automation_unfollows", week)), harm_total, week, weeks),
        harm_lines=lines(["automation_unfollows"]),
        checks=found, quality=ct.quality_statement(found, fresh, week), freshness=fresh,
        period_quality=ct.period_quality(data.failed_by_week(url, wk.week_range(week, weeks, tz),
                                                             platform), weeks),
        definitions=catalog,
        names=(data.top_relationships(url, bounds.start_utc, bounds.end_utc, platform)
               if include_names else None))
    report.charts = charts(period, by_name, currency, weeks)
    return report


def charts(results: pd.DataFrame, catalog: dict[str, ct.MetricInfo], currency: str,
           weeks: int) -> dict[str, Chart]:
    """The dashboard's figures for the report's trend, ROI and harm pages."""
    labelled = results.assign(label=results["metric"].map(
        lambda n: catalog[n].label if n in catalog else n))
    wide = labelled[labelled["metric"].isin(["cost", "referral_value"])].pivot_table(
        index="week", columns="metric", values="value", aggfunc="first").reset_index()
    for name in ("cost", "referral_value"):
        wide[name] = wide[name].fillna(0) if name in wide else 0
    roi = figures.cost_and_value(wide, title=f"Cost and referral value, {weeks} weeks",
                                 currency=currency)

    shares = ct.indexed(labelled, INDEXED, catalog)
    outcome_labels = list(dict.fromkeys(shares.loc[~shares["family"].isin(
        theme.CONTEXT_FAMILIES), "label"]))
    context_labels = list(dict.fromkeys(shares.loc[shares["family"].isin(
        theme.CONTEXT_FAMILIES), "label"]))
    colours = {**dict(zip(outcome_labels, OUTCOME_COLOURS)),
               **dict(zip(context_labels, CONTEXT_COLOURS))}
    trend = figures.trend(shares, series="label", unit="share", colours=colours,
                          title="Outcomes (colour) against vanity and activity (grey, dashed): "
                                "each as a share of its highest week")
    for trace in trend.data:
        if trace.name in context_labels:
            trace.line.dash = "dash"
            trace.line.width = 2

    rates = figures.trend(labelled[labelled["metric"].isin(RATES)], series="label", unit="share",
                          title="Reply rate and response rate", height=300)
    harm = figures.trend(labelled[labelled["metric"] == "automation_unfollows"], series="label",
                         title="Unfollows within 7 days of an automated message from us",
                         colours={catalog["automation_unfollows"].label: theme.HARM}
                         if "automation_unfollows" in catalog else None, height=300)
    drawn = [Chart("trend", _title(trend), trend, width=780, height=360),
              Chart("rates", _title(rates), rates, width=780, height=250),
              Chart("roi", _title(roi), roi, width=800, height=300)]
    if pd.to_numeric(labelled.loc[labelled["metric"] == "automation_unfollows", "value"],
                     errors="coerce").fillna(0).any():
        drawn.append(Chart("harm", _title(harm), harm, width=800, height=250))
    return {c.key: c for c in drawn}


def _title(fig) -> str:
    return fig.layout.title.text or ""
