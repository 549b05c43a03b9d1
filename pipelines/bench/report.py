"""The benchmark's outputs: the targets it is held to, a printed table and the JSON file."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable


@dataclass(frozen=True)
class Target:
    """A figure and its limit at one size (the size the target is stated for)."""

    name: str
    size: int
    limit: float
    unit: str
    figure: Callable[[dict[str, Any], dict[str, Any]], float | None]  # (doc, size result)
    at_least: bool = False  # True when the figure must reach the limit rather than stay under

    def judge(self, doc: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        value = self.figure(doc, result)
        met = None if value is None else (value >= self.limit if self.at_least else value < self.limit)
        return {"target": self.name, "interactions": self.size, "value": value,
                "limit": self.limit, "unit": self.unit, "met": met}


# The figures the targets quote, measured on another machine and data set: the best known
# reciprocal-relationships query over 104 weeks, and one scan plus one group-by (10M only).
QUOTED_FLOOR_SECONDS = {1_000_000: 0.07, 10_000_000: 0.76}
QUOTED_SCAN_GROUP_SECONDS = {10_000_000: 0.7}
LOAD_TARGET_ROWS_PER_SECOND = 300_000


def _dash(result: dict[str, Any]) -> float | None:
    return (result.get("dashboard") or {}).get("warm_seconds")


TARGETS = (
    Target("catalog, 104 weeks, net of start-up, as a multiple of the floor (paired)", 1_000_000,
           10.0, "× floor", lambda d, r: r["catalog"]["paired_with_floor"]["ratio"]),
    Target("catalog, 104 weeks, net of start-up, as a multiple of the quoted floor "
           f"({QUOTED_FLOOR_SECONDS[1_000_000]} s)",
           1_000_000, 10.0, "× quoted floor",
           lambda d, r: r["ratios_to_floor"].get("catalog_net_to_quoted_floor")),
    Target("weekly-check query set, net of start-up", 1_000_000, 0.3, "s",
           lambda d, r: r["weekly"]["warm_seconds"]),
    Target("CLI start-up: rapport --help", 1_000_000, 1.0, "s",
           lambda d, r: d["startup"]["help_seconds"]),
    Target("CLI start-up: rapport metrics on an empty warehouse", 1_000_000, 1.0, "s",
           lambda d, r: d["startup"]["metrics_empty_seconds"]),
    Target("rapport load throughput, checks included", 1_000_000, LOAD_TARGET_ROWS_PER_SECOND,
           "rows/s",
           lambda d, r: r["load"]["rows_per_second"], at_least=True),
    Target("rapport load peak memory", 1_000_000, 1024, "MiB",
           lambda d, r: r["load"]["peak_rss_mib"]),
    Target("dashboard weekly page ready, warm", 1_000_000, 2.0, "s", lambda d, r: _dash(r)),
    Target("catalog, 104 weeks, net of start-up", 10_000_000, 5.0, "s",
           lambda d, r: r["catalog"]["net_seconds"]),
    Target("rapport load peak memory", 10_000_000, 2048, "MiB",
           lambda d, r: r["load"]["peak_rss_mib"]),
)


def judge(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target whose size was measured, with its value and whether it is met."""
    by_size = {r["interactions"]: r for r in doc["sizes"]}
    return [t.judge(doc, by_size[t.size]) for t in TARGETS if t.size in by_size]


def _num(value: Any, fmt: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return fmt.format(value)


# (label, path into one size's result, format)
ROWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("rows loaded (all tables)", ("load", "rows"), "{:,}"),
    ("load: wall s", ("load", "seconds"), "{:.2f}"),
    ("load: rows/s", ("load", "rows_per_second"), "{:,.0f}"),
    ("load: peak RSS MiB", ("load", "peak_rss_mib"), "{:,.0f}"),
    ("load: of which the GX worker", ("load", "helpers_peak_rss_mib"), "{:,.0f}"),
    ("load: most held at once (20 ms looks) MiB", ("load", "together_rss_mib"), "{:,.0f}"),
    ("load: stage / check / write s", ("load", "phases"), ""),
    ("next week's load (copy of the warehouse): s", ("load", "next_week", "seconds"), "{:.2f}"),
    ("next week's load: interactions", ("load", "next_week", "rows"), "{:,}"),
    ("next week's load: peak RSS MiB", ("load", "next_week", "peak_rss_mib"), "{:,.0f}"),
    ("next week's load: rollups of the last weeks only", ("load", "next_week",
                                                         "rollups_from_last_weeks"), ""),
    ("load floor (DuckDB alone): s", ("load", "floor", "seconds"), "{:.2f}"),
    ("load floor (DuckDB alone): rows/s", ("load", "floor", "rows_per_second"), "{:,.0f}"),
    ("load floor rows/s / load rows/s", ("ratios_to_floor", "load_to_load_floor"), "{:.1f}×"),
    ("load: CPU s (loader and GX worker)", ("load", "cpu_seconds"), "{:.2f}"),
    ("load budget: CPU s the cores give at the target", ("load", "budget",
                                                          "available_cpu_seconds"), "{:.2f}"),
    ("load budget: start-up CPU s", ("load", "budget", "parts_cpu_seconds", "start_up"), "{:.2f}"),
    ("load budget: GX worker's start CPU s", ("load", "budget", "parts_cpu_seconds",
                                              "great_expectations"), "{:.2f}"),
    ("load budget: load floor CPU s", ("load", "budget", "parts_cpu_seconds", "load_floor"),
     "{:.2f}"),
    ("load budget: rollup refresh CPU s", ("load", "budget", "parts_cpu_seconds", "rollups"),
     "{:.2f}"),
    ("load budget: those four CPU s", ("load", "budget", "parts_sum_cpu_seconds"), "{:.2f}"),
    ("load budget: fastest they allow, rows/s", ("load", "budget", "fastest_rows_per_second"),
     "{:,.0f}"),
    ("load without GX sample: s", ("load", "without_gx_sample", "seconds"), "{:.2f}"),
    ("load without GX sample: rows/s", ("load", "without_gx_sample", "rows_per_second"), "{:,.0f}"),
    ("load without GX sample: peak MiB", ("load", "without_gx_sample", "peak_rss_mib"), "{:,.0f}"),
    ("catalog 104 wk: wall s", ("catalog", "seconds"), "{:.2f}"),
    ("catalog 104 wk: net s", ("catalog", "net_seconds"), "{:.2f}"),
    ("catalog 104 wk: each run, wall s", ("catalog", "runs_seconds"), "{:.2f}"),
    ("catalog 104 wk: peak RSS MiB", ("catalog", "peak_rss_mib"), "{:,.0f}"),
    ("catalog 104 wk from rollups: s", ("catalog", "from_rollups_seconds"), "{:.2f}"),
    ("weekly check: warm s", ("weekly", "warm_seconds"), "{:.3f}"),
    ("weekly check: first call s", ("weekly", "first_seconds"), "{:.3f}"),
    ("weekly check, one platform: warm s", ("weekly", "platform_warm_seconds"), "{:.3f}"),
    ("weekly check live: warm s", ("weekly", "live_warm_seconds"), "{:.3f}"),
    ("floor (reciprocal, 104 wk) s", ("floor", "seconds"), "{:.3f}"),
    ("floor agrees with product", ("floor", "agrees"), ""),
    ("scan + group-by s (the machine)", ("floor", "scan_group_seconds"), "{:.3f}"),
    ("scan + group-by / quoted", ("ratios_to_floor", "scan_group_to_quoted"), "{:.2f}×"),
    ("floor / quoted floor", ("ratios_to_floor", "floor_to_quoted_floor"), "{:.1f}×"),
    ("catalog net / quoted floor", ("ratios_to_floor", "catalog_net_to_quoted_floor"), "{:.0f}×"),
    ("catalog net / floor", ("ratios_to_floor", "catalog_net"), "{:.1f}×"),
    ("catalog / floor, paired in one process", ("catalog", "paired_with_floor", "ratio"), "{:.1f}×"),
    ("weekly warm / floor", ("ratios_to_floor", "weekly_warm"), "{:.1f}×"),
    ("load / floor", ("ratios_to_floor", "load"), "{:.0f}×"),
    ("postgres load s", ("postgres", "load", "seconds"), "{:.2f}"),
    ("postgres load peak RSS MiB", ("postgres", "load", "peak_rss_mib"), "{:,.0f}"),
    ("postgres catalog s", ("postgres", "catalog", "seconds"), "{:.2f}"),
    ("postgres catalog peak RSS MiB", ("postgres", "catalog", "peak_rss_mib"), "{:,.0f}"),
    ("postgres catalog / floor", ("ratios_to_floor", "postgres_catalog"), "{:.0f}×"),
    ("postgres agrees with duckdb", ("postgres", "agrees_with_duckdb"), ""),
    ("postgres stage stopped after s", ("postgres", "timed_out", "after_seconds"), "{:.0f}"),
    ("dashboard weekly: cold s", ("dashboard", "cold_seconds"), "{:.2f}"),
    ("dashboard weekly: warm s", ("dashboard", "warm_seconds"), "{:.2f}"),
    ("dashboard weekly: returning browser s", ("dashboard", "returning_seconds"), "{:.2f}"),
)


def _get(result: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = result
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _cell(value: Any, fmt: str) -> str:
    if isinstance(value, dict):  # the load phases
        return " / ".join(f"{v:.1f}" for v in value.values())
    if isinstance(value, list):  # each run in order
        return " / ".join(_num(v, fmt or "{}") for v in value)
    return _num(value, fmt or "{}")


def table(doc: dict[str, Any]) -> str:
    """The figures as text: one row per figure, one column per size; then the targets."""
    sizes = doc["sizes"]
    header = ["", *(f"{r['interactions']:,}" for r in sizes)]
    rows = [[label, *(_cell(_get(r, path), fmt) for r in sizes)] for label, path, fmt in ROWS]
    start = doc["startup"]
    rows.insert(0, ["start-up: metrics on empty DB s",
                    *([f"{start['metrics_empty_seconds']:.2f}"] * len(sizes))])
    rows.insert(0, ["start-up: rapport --help s", *([f"{start['help_seconds']:.2f}"] * len(sizes))])
    if "stack_seconds" in start:  # absent from runs made before it was measured
        rows.insert(2, ["start-up: SQLAlchemy + DuckDB alone s",
                        *([f"{start['stack_seconds']:.2f}"] * len(sizes))])
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                       enumerate(zip(row, widths))) for row in [header, *rows]]
    lines.append("")
    for t in doc.get("targets", []):
        mark = {True: "met ", False: "MISS", None: "n/a "}[t["met"]]
        value = "—" if t["value"] is None else f"{t['value']:,.3g}"
        relation = "≥" if t["unit"] == "rows/s" else "<"
        lines.append(f"[{mark}] {t['interactions']:>10,}  {t['target']}: {value} "
                     f"({relation} {t['limit']:,} {t['unit']})")
    for r in sizes:
        spent = (r.get("load") or {}).get("budget")
        if spent and not spent["reachable"]:
            lines.append(
                f"       {r['interactions']:>10,}  the load target is out of reach on "
                f"{spent['cores']} cores: start-up, GX's start, the load floor and the rollups "
                f"alone take {spent['parts_sum_cpu_seconds']:.2f} CPU s, more than the "
                f"{spent['available_cpu_seconds']:.2f} the cores give in "
                f"{spent['target_seconds']:.2f} s (at most "
                f"{spent['fastest_rows_per_second']:,.0f} rows/s)")
    return "\n".join(lines)


def write(doc: dict[str, Any], out: Path) -> None:
    """Write the document as JSON (creating the folder)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, default=str) + "\n")
