"""CRM referrals: contacts and deals exported from a CRM (HubSpot layouts; see settings).

Natural key: referrals.referral_id `crm:<layout key>/<record id>` (for example
`crm:hubspot/contact/5120`), stable when a contact's attribution is edited later. Write
semantics: merge on the natural key (a re-export replaces the row, so a deal's stage and amount
follow the CRM).

A row becomes a referral when its original source is social or a referral (the layout's
`social_sources` and `referral_sources`), or when it names who referred it; its platform comes
from drill-down 1 (the network, or the referring site), else "crm". Other rows are counted as
skipped with a note by source. A time or an amount that cannot be read is rejected, never
guessed; an empty amount is empty, not zero.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines.records import Parsed, Record
from pipelines.sources.base import FunctionSource, ParseContext, SourceError
from pipelines.sources.common import from_iso, read_csv
from pipelines.sources.crm import helpers
from pipelines.sources.crm import settings as S

_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_GROUPED_NUMBER = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_PERSON_ID = re.compile(r"^([a-z][a-z0-9_]*):(.+)$")


def layout_of(columns: list[str]) -> S.Layout | None:
    """The layout whose signature columns are all in the header."""
    present = set(columns)
    return next((layout for layout in S.LAYOUTS if set(layout.signature) <= present), None)


def parse_amount(text: str) -> float | None:
    """`1,200.50`, `$1200.5` or `-75` as a number; empty as None; anything else ValueError."""
    value = text.strip().lstrip(S.CURRENCY_SYMBOLS).strip()
    if not value:
        return None
    if _PLAIN_NUMBER.fullmatch(value) or _GROUPED_NUMBER.fullmatch(value):
        return float(value.replace(",", ""))
    raise ValueError(f"amount {text!r} is not a number like 1200.50 or 1,200.50")


def parse_time(text: str, layout: S.Layout) -> datetime:
    """ISO 8601 with an offset, or one of the layout's formats in its documented zone."""
    value = text.strip()
    for fmt in layout.time_formats:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=ZoneInfo(layout.naive_zone))
        except ValueError:
            continue
    try:
        return from_iso(value)
    except ValueError:
        formats = ", ".join(layout.time_formats)
        raise ValueError(f"time {text!r} is neither ISO 8601 with an offset nor one of "
                         f"{formats} ({layout.naive_zone})") from None


def attributed_platform(drill_down: str) -> str:
    """The platform that drill-down 1 names (a network or a referring domain), else "crm"."""
    value = drill_down.strip().lower()
    if value in S.PLATFORM_NAMES:
        return S.PLATFORM_NAMES[value]
    host = re.sub(r"^[a-z]+://", "", value).split("/", 1)[0].removeprefix("www.")
    for domain, platform in S.PLATFORM_DOMAINS.items():
        if host == domain or host.endswith("." + domain):
            return platform
    return S.UNATTRIBUTED


def referrer_id(value: str, platform: str) -> str | None:
    """A person_id as given (`github:octocat`), or a bare handle taken on the platform."""
    value = value.strip()
    if not value:
        return None
    if _PERSON_ID.match(value):
        return value
    return f"{platform}:{value.lstrip('@')}"


def parse(path: Path, ctx: ParseContext) -> Parsed:
    """Referrals from one CRM CSV export."""
    out = Parsed()
    layout = layout_of(helpers.header(path))
    if layout is None:
        names = "; ".join(f"{lay.name}: {', '.join(lay.signature)}" for lay in S.LAYOUTS)
        raise SourceError(f"{path.name}: not a CRM export rapport knows; expected the columns "
                          f"of one of these layouts: {names}")
    table = read_csv(path, [layout.columns[r] for r in S.REQUIRED_ROLES],
                     layout.columns.values(), expected=layout.name)
    for line, fields, reason in table.malformed:
        out.rows_read += 1
        out.reject(path.name, line, "referrals", f"line {line}: {reason}", fields)
    other: Counter[str] = Counter()
    for line, raw in table.rows:
        out.rows_read += 1
        values = {role: raw[header].strip() for role, header in layout.columns.items()
                  if header in raw}
        record = _referral(path, layout, line, values, raw, out)
        if record == "other":
            other[values.get("source") or "(empty)"] += 1
            out.skipped += 1
        elif record is not None:
            out.referrals.append(record)
    if other:
        listed = ", ".join(f"{k} {v}" for k, v in sorted(other.items()))
        out.notes.append(f"{path.name}: rows whose original source is neither social nor a "
                         f"referral, and that name no referrer, are not referrals: {listed}")
    return out


def _referral(path: Path, layout: S.Layout, line: int, v: dict[str, str], raw: dict[str, str],
              out: Parsed) -> Record | str | None:
    """The referrals row of one CSV row; "other" when it is not a referral; None if rejected."""
    source = v.get("source", "").lower()
    referred_by = v.get("referrer", "")
    if source not in layout.social_sources | layout.referral_sources and not referred_by:
        return "other"
    if not v.get("id"):
        out.reject(path.name, line, "referrals", f"line {line}: empty {layout.columns['id']}", raw)
        return None
    try:
        occurred_at = parse_time(v.get("occurred_at", ""), layout)
        value = parse_amount(v.get("value", ""))
    except ValueError as exc:
        out.reject(path.name, line, "referrals", f"line {line}: {exc}", raw)
        return None
    currency = v.get("currency", "")
    if currency and not _CURRENCY.fullmatch(currency):
        out.reject(path.name, line, "referrals", f"line {line}: currency {currency!r} is not a "
                   "three-letter ISO 4217 code", raw)
        return None
    platform = attributed_platform(v.get("drill_down_1", ""))
    return {
        "referral_id": f"crm:{layout.key}/{v['id']}", "occurred_at": occurred_at,
        "platform": platform, "referrer_id": referrer_id(referred_by, platform),
        "stage": v.get("stage") or None, "value": value,
        "currency": currency.upper() or None, "_file": path.name, "_line": line,
    }


def detect(path: Path) -> bool:
    """A CSV file whose header holds a known CRM layout's signature columns."""
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    return layout_of(helpers.header(path)) is not None


SOURCE = FunctionSource(
    "crm",
    "CRM contacts or deals CSV (HubSpot layouts) → referrals",
    detect, parse,
)
