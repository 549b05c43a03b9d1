"""The executive report's numbers and words, shaped from query results (pure: no I/O).

Every figure is formatted with the dashboard's own `theme.format_value` and `format_change`, so
the report, the dashboard and `rapport metrics --format json` agree to the character. People
appear only as counts unless names were asked for (`names` is then filled by the caller).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from dashboard import theme
from metrics.provisional import caveat

HEADLINE = ("conversations", "reply_rate", "new_reciprocal_relationships",
            "reciprocal_relationships", "referrals", "referral_value")
ROI = ("cost", "referral_value", "social_roi", "cost_per_referral", "cost_per_relationship",
       "relationship_yield")
MONTH = 4  # weeks: the longer comparison on the headline page
PROVISIONAL_MARK = "*"  # beside a change that answers still to come can undo
FRESH_WITHIN = timedelta(days=1)  # a platform whose data reaches the week's last day is up to date

ROI_SHOWS = (
    "What the week's effort cost (hours × hourly rate + spend, as recorded in costs) beside the "
    "value of the referrals recorded in the same week, and what each new reciprocal "
    "relationship and each referral cost. Social ROI is (referral value − cost) / cost.")
ROI_DOES_NOT_SHOW = (
    "That the effort caused the referrals: correlation is not causation. A referral may have "
    "come anyway, a relationship started months ago may pay off this week, and this week's "
    "effort may pay off later. A week without recorded costs has no ROI (not zero), and the "
    "figures are only as good as the hours, rates and referral values entered.")


@dataclass(frozen=True)
class MetricInfo:
    """What the report needs to know about a catalog metric."""

    name: str
    label: str
    family: str
    unit: str
    fmt: str | None
    direction: str
    description: str
    definition: str


@dataclass(frozen=True)
class Line:
    """One metric of the week: its value and its changes, as text."""

    name: str
    label: str
    family: str
    direction: str
    value: float | None
    text: str
    week_change: str | None  # against the previous week
    month_change: str | None  # against four weeks before
    provisional: str | None = None  # its answers can still arrive: the note that says until when

    def shown_change(self, change: str | None) -> str:
        """A change as a table shows it: — when undefined, starred when the figure is
        provisional (the report's provisional note, which starts with the star, says why)."""
        if not change:
            return "—"
        return f"{change} {PROVISIONAL_MARK}" if self.provisional else change


@dataclass(frozen=True)
class Check:
    """A check that failed (or could not run) for the data behind the week."""

    check: str
    severity: str
    status: str
    platform: str
    results: int
    observed: str


@dataclass(frozen=True)
class Freshness:
    """How far one platform's data reaches against the week's end."""

    platform: str
    latest: str
    status: str  # up to date, lagging, stale
    text: str


@dataclass(frozen=True)
class Harm:
    """Unfollows after automated messages of ours, and what preceded them, as counts."""

    unfollows: int
    people: int
    messages: int
    by_kind: tuple[tuple[str, int], ...]
    senders: int
    median_hours: float | None
    period_unfollows: int
    text: str


@dataclass
class Report:
    """Everything the PDF and the slides show, in the order they show it."""

    week: str
    weeks: int
    period: str
    scope: str
    currency: str
    generated: str
    summary: list[str]
    health: str
    outcomes: list[Line]
    context: list[Line]
    roi: list[Line]
    roi_notes: list[str]
    divergence: list[str]  # flagged in the period, newest first, each with its week
    watch: list[str]  # flagged in the report's week
    harm: Harm
    harm_lines: list[Line]
    checks: list[Check]
    quality: str
    period_quality: str
    freshness: list[Freshness]
    definitions: list[MetricInfo]
    provisional: str = ""  # which of the week's figures can still change, and until when
    names: pd.DataFrame | None = None
    charts: dict[str, Any] = field(default_factory=dict)  # key → Chart (figures to draw)


def metric_info(record: Any) -> MetricInfo:
    """A catalog record (a dict or an object with attributes) as MetricInfo."""
    get = (record.get if isinstance(record, Mapping)
           else lambda key, default=None: getattr(record, key, default))
    name = str(get("name"))
    return MetricInfo(name=name, label=get("label") or name.replace("_", " ").capitalize(),
                      family=str(get("family")), unit=get("unit") or "count", fmt=get("fmt"),
                      direction=str(get("direction") or "up"),
                      description=get("description") or "", definition=get("definition") or "")


def value_text(value: Any, info: MetricInfo, currency: str = "") -> str:
    """A value as the dashboard shows it (1,234 · 42% · 1,200.00 EUR · —)."""
    return theme.format_value(value, info.unit, currency, info.fmt)


def change_text(current: Any, before: Any, info: MetricInfo, currency: str = "") -> str | None:
    """A signed change as the dashboard shows it, None when either side is undefined."""
    return theme.format_change(current, before, info.unit, currency)


def values_by_week(results: pd.DataFrame) -> dict[tuple[str, str], float | None]:
    """(metric, week) → value, None where undefined."""
    out: dict[tuple[str, str], float | None] = {}
    for metric, week, value in zip(results["metric"], results["week"], results["value"]):
        out[(str(metric), str(week))] = None if theme.is_missing(value) else float(value)
    return out


def lines(names: Iterable[str], catalog: Mapping[str, MetricInfo],
          values: Mapping[tuple[str, str], float | None], week: str, previous: str,
          month_ago: str, currency: str = "", pending: Mapping[str, str] | None = None
          ) -> list[Line]:
    """The week's Line for each named metric (those missing from the catalog are skipped);
    `pending` maps a provisional metric to its note (metrics.provisional.notes)."""
    pending = pending or {}
    out = []
    for name in names:
        info = catalog.get(name)
        if info is None:
            continue
        now = values.get((name, week))
        out.append(Line(name=name, label=info.label, family=info.family,
                        direction=info.direction, value=now,
                        text=value_text(now, info, currency),
                        week_change=change_text(now, values.get((name, previous)), info, currency),
                        month_change=change_text(now, values.get((name, month_ago)), info,
                                                 currency),
                        provisional=pending.get(name)))
    return out


def provisional_note(found: Sequence[Line], week: str) -> str:
    """One sentence naming the week's provisional figures and until when they can change."""
    marked = [line for line in found if line.provisional]
    if not marked:
        return ""
    by_note: dict[str, list[str]] = {}
    for line in marked:
        by_note.setdefault(line.provisional or "", []).append(line.label.lower())
    parts = [f"{' and '.join(labels)} ({note.removeprefix('provisional: ')})"
             for note, labels in by_note.items()]
    return (f"{PROVISIONAL_MARK} Provisional, as answers to {week}'s last messages may still "
            f"come: {'; '.join(parts)}.")


def outcome_order(catalog: Sequence[MetricInfo]) -> list[str]:
    """The headline outcomes first, then the other outcomes and harm in catalog order."""
    rest = [m.name for m in catalog if m.family in theme.RESULT_FAMILIES and m.name not in HEADLINE]
    return [n for n in HEADLINE if any(m.name == n for m in catalog)] + rest


def context_order(catalog: Sequence[MetricInfo]) -> list[str]:
    """Vanity then adoption metrics, in catalog order."""
    return [m.name for f in theme.CONTEXT_FAMILIES for m in catalog if m.family == f]


def _by_name(found: Sequence[Line]) -> dict[str, Line]:
    return {line.name: line for line in found}


def summary(outcomes: Sequence[Line], roi: Sequence[Line], week: str) -> list[str]:
    """Page 1's plain sentences: what the week's relationships were, then what they were worth."""
    o, r = _by_name(outcomes), _by_name([*roi, *outcomes])

    def said(name: str, words: str) -> str:
        line = o.get(name) or r.get(name)
        if line is None:
            return ""
        change = f" ({line.week_change} on last week)" if line.week_change else ""
        return f"{line.text} {words}{change}"

    first = [said("conversations", "two-way conversations"),
             said("new_reciprocal_relationships", "new reciprocal relationships")]
    sentences = []
    parts = [p for p in first if p]
    if parts:
        total = o.get("reciprocal_relationships")
        text = f"In {week} we had " + " and ".join(parts)
        if total:
            text += f", for {total.text} reciprocal relationships over the last 90 days"
        sentences.append(text + ".")
    if "reply_rate" in o:
        rate = o["reply_rate"]
        sentences.append(f"Reply rate: {rate.text} of the conversations we started got an answer "
                         "within 7 days" + (f" ({rate.week_change} on last week)"
                                             if rate.week_change else "")
                         + (f", {rate.provisional}." if rate.provisional else "."))
    if "referrals" in o and "referral_value" in r:
        text = f"{o['referrals'].text} referrals worth {r['referral_value'].text}"
        if "cost" in r:
            text += f", against a recorded cost of {r['cost'].text}"
        if "social_roi" in r and r["social_roi"].value is not None:
            text += f" (social ROI {r['social_roi'].text})"
        elif "social_roi" in r:
            text += " (no social ROI: it needs a recorded cost)"
        sentences.append(text + ".")
    harm_line = o.get("automation_unfollows")
    if harm_line is not None and harm_line.value:
        change = f" ({harm_line.week_change} on last week)" if harm_line.week_change else ""
        sentences.append(f"Harm: {harm_line.text} unfollows came within 7 days of an automated "
                         f"message from us{change}.")
    return sentences


def checks(failed: pd.DataFrame) -> list[Check]:
    """Failed checks grouped by check, severity, status and platform; errors first."""
    if failed is None or failed.empty:
        return []
    frame = failed.assign(platform=failed["platform"].fillna("all"),
                          observed=failed["observed"].fillna("").astype(str))
    grouped = (frame.groupby(["check", "severity", "status", "platform"], dropna=False)
               .agg(results=("check", "size"), observed=("observed", "first")).reset_index())
    rank = {"error": 0, "warning": 1}
    grouped["rank"] = grouped["severity"].map(rank).fillna(2)
    grouped = grouped.sort_values(["rank", "check", "platform"])
    return [Check(str(r.check), str(r.severity), str(r.status), str(r.platform),
                  int(r.results), str(r.observed)) for r in grouped.itertuples()]


def health(found: Sequence[Check], week: str) -> str:
    """One line on the data's health for page 1."""
    errors = [c for c in found if c.severity == "error" and c.status == "failed"]
    others = [c for c in found if c not in errors]
    if errors:
        names = ", ".join(sorted({c.check for c in errors}))
        return (f"Data health: {len(errors)} error-level check(s) failed for the data behind "
                f"{week} ({names}). The figures are shown, but treat them with care until the "
                "data is fixed (see Data quality).")
    if others:
        return (f"Data health: no error-level check failed for {week}; {len(others)} warning(s) "
                "or check(s) that could not run deserve a look (see Data quality).")
    return f"Data health: every check on the data behind {week} passed."


def quality_statement(found: Sequence[Check], freshness_rows: Sequence[Freshness],
                      week: str) -> str:
    """The data-quality statement for the period, in words."""
    errors = [c for c in found if c.severity == "error" and c.status == "failed"]
    warnings = [c for c in found if c.severity != "error" and c.status == "failed"]
    not_run = [c for c in found if c.status == "could_not_run"]
    parts = []
    if errors:
        parts.append(f"{len(errors)} error-level check(s) failed for the data behind {week}: "
                     + "; ".join(f"{c.check} ({c.platform}, observed {c.observed or '—'})"
                                 for c in errors) + ".")
    else:
        parts.append(f"No error-level check failed for the data behind {week}.")
    if warnings:
        parts.append(f"{len(warnings)} warning(s): "
                     + ", ".join(sorted({c.check for c in warnings})) + ".")
    if not_run:
        parts.append(f"{len(not_run)} check(s) could not run: "
                     + ", ".join(sorted({c.check for c in not_run})) + ".")
    stale = [f"{f.platform} ({f.status})" for f in freshness_rows if f.status != "up to date"]
    if stale:
        parts.append("Data does not reach the week's end for: " + ", ".join(stale) + ".")
    elif freshness_rows:
        parts.append("Every platform's data reaches the week's end.")
    return " ".join(parts)


def period_quality(by_week: pd.DataFrame, weeks: int) -> str:
    """One sentence on the checks of every week of the period."""
    if by_week is None or by_week.empty:
        return ""
    bad = by_week[by_week["errors"] > 0]
    warned = int((by_week["warnings"] > 0).sum())
    if bad.empty:
        text = f"Over the {weeks} weeks, no week's data failed an error-level check"
    else:
        listed = ", ".join(f"{w} ({n})" for w, n in zip(bad["week"], bad["errors"]))
        text = (f"Over the {weeks} weeks, {len(bad)} week(s) had error-level check failures "
                f"behind their data: {listed}")
    return text + (f"; {warned} week(s) had warnings." if warned else ".")


def _span(seconds: float) -> str:
    """A duration in the unit people read it in: minutes, hours or days."""
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def freshness(latest: Mapping[str, datetime | None], start: datetime,
              end: datetime) -> list[Freshness]:
    """Each platform's latest interaction (platform → time) against the week's bounds (naive
    UTC): up to date (data after the week's end, or in its last day), lagging (it stops earlier
    in the week) or stale (nothing in the week)."""
    rows = []
    for platform, when in latest.items():
        if when is None or theme.is_missing(when):
            rows.append(Freshness(str(platform), "—", "stale", "no interactions loaded"))
            continue
        when = pd.Timestamp(when).to_pydatetime()
        gap = (end - when).total_seconds()
        if when >= end:
            status, text = "up to date", "data continues after the week's end"
        elif gap <= FRESH_WITHIN.total_seconds():
            status, text = "up to date", f"latest {_span(gap)} before the week's end"
        elif when >= start:
            status, text = "lagging", f"stops {_span(gap)} before the week's end"
        else:
            status, text = "stale", f"nothing in the week: stops {_span(gap)} before its end"
        rows.append(Freshness(str(platform), f"{when:%Y-%m-%d %H:%M} UTC", status, text))
    return rows


def harm(detail: pd.DataFrame, unfollows_metric: float | None, period_total: float | None,
         week: str, weeks: int) -> Harm:
    """Counts of the week's unfollows after automated messages and of what preceded them."""
    period = int(period_total or 0)
    if detail is None or detail.empty:
        count = int(unfollows_metric or 0)
        text = (f"No unfollow in {week} came within 7 days of an automated message from us."
                if not count else f"{count} unfollow(s) in {week} came within 7 days of an "
                "automated message from us.")
        return Harm(count, 0, 0, (), 0, None, period,
                    text + f" Over the {weeks} weeks: {period} such unfollow(s).")
    keys = ["person_id", "unfollowed_at", "unfollowed_id"]
    unfollows = detail.drop_duplicates(keys)
    messages = detail.drop_duplicates("automated_message")
    by_kind = tuple(sorted(messages["kind"].value_counts().items(), key=lambda kv: (-kv[1], kv[0])))
    nearest = detail.groupby(keys)["hours_before"].min()
    median = float(nearest.median()) if len(nearest) else None
    count = int(unfollows_metric) if unfollows_metric is not None else len(unfollows)
    kinds = ", ".join(f"{n} {k}" for k, n in by_kind)
    text = (f"In {week}, {count} unfollow(s) by {unfollows['person_id'].nunique()} people came "
            f"within 7 days of an automated message from us. Before unfollowing they had received "
            f"{len(messages)} automated message(s) ({kinds}) from {detail['sender_id'].nunique()} "
            f"of our accounts; the last one came a median of {median:.1f} hours before the "
            f"unfollow. Over the {weeks} weeks: {period} such unfollow(s).")
    return Harm(count, int(unfollows["person_id"].nunique()), len(messages), by_kind,
                int(detail["sender_id"].nunique()), median, period, text)


def divergence(signals: pd.DataFrame | None, week: str | None = None, limit: int = 8,
               pending: Callable[[str], Mapping[str, str]] | None = None) -> list[str]:
    """The flagged divergence messages (of one week, or of every week newest first, each
    prefixed with its week), without repeats; `pending(week)` maps that week's provisional
    metrics to their notes, and a message about one of them carries its caveat."""
    if signals is None or signals.empty or "message" not in signals:
        return []
    flagged = signals
    if "flagged" in flagged:
        flagged = flagged[flagged["flagged"].fillna(False).astype(bool)]
    has_week = "week" in flagged
    if has_week and week is not None:
        flagged = flagged[flagged["week"] == week]
    elif has_week:
        flagged = flagged.iloc[::-1].sort_values("week", ascending=False, kind="stable")
    seen: list[str] = []
    for row in flagged.itertuples():
        message = str(row.message)
        note = (pending(str(row.week)).get(str(getattr(row, "outcome_metric", "")))
                if pending is not None and has_week else None)
        if note:
            message = caveat(message, note)
        if has_week and week is None:
            message = f"{row.week}: {message}"
        if message not in seen:
            seen.append(message)
    return seen[:limit]


def indexed(results: pd.DataFrame, names: Sequence[str], catalog: Mapping[str, MetricInfo]
            ) -> pd.DataFrame:
    """Each metric's weekly value as a share of its highest value in the period (week, value,
    label, family): lines on very different scales become comparable in shape."""
    frames = []
    for name in names:
        part = results[results["metric"] == name][["week", "value"]].copy()
        if part.empty or name not in catalog:
            continue
        values = pd.to_numeric(part["value"], errors="coerce")
        peak = values.abs().max()
        part["value"] = values / peak if peak and not theme.is_missing(peak) else values * 0
        part["label"] = catalog[name].label
        part["family"] = catalog[name].family
        frames.append(part)
    return (pd.concat(frames, ignore_index=True) if frames
            else pd.DataFrame(columns=["week", "value", "label", "family"]))
