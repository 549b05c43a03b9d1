"""CRM layouts: which column of an export means what, as data.

A layout maps the roles the referrals table needs to the export's column headers. Adding a CRM
(Pipedrive, Salesforce) or another HubSpot export is one more `Layout` in `LAYOUTS`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Roles a layout may fill; "id", "occurred_at" and "source" are required.
ROLES = ("id", "occurred_at", "source", "drill_down_1", "drill_down_2", "stage", "value",
         "currency", "referrer")
REQUIRED_ROLES = ("id", "occurred_at", "source")


@dataclass(frozen=True)
class Layout:
    """One CRM export layout: its columns by role, how it writes times, how we name its rows."""

    name: str  # shown in errors and notes
    key: str  # referral_id is `crm:<key>/<record id>`
    columns: dict[str, str]  # role -> column header
    signature: tuple[str, ...]  # headers that together identify the layout
    time_formats: tuple[str, ...] = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
    naive_zone: str = "UTC"  # the zone of times written without an offset (the portal's zone)
    social_sources: frozenset[str] = field(default_factory=frozenset)
    referral_sources: frozenset[str] = field(default_factory=frozenset)


# HubSpot's "Original source" values (labels, and the internal names older exports show).
HUBSPOT_SOCIAL = frozenset({"organic social", "social media", "organic_social", "social_media"})
HUBSPOT_REFERRAL = frozenset({"referrals", "referral"})

HUBSPOT_CONTACTS = Layout(
    name="HubSpot contacts export",
    key="hubspot/contact",
    columns={
        "id": "Record ID", "occurred_at": "Create Date", "source": "Original Source",
        "drill_down_1": "Original Source Drill-Down 1",
        "drill_down_2": "Original Source Drill-Down 2", "stage": "Lifecycle Stage",
        "value": "Recent Deal Amount", "currency": "Currency", "referrer": "Referred By",
    },
    signature=("Record ID", "Original Source", "Lifecycle Stage"),
    social_sources=HUBSPOT_SOCIAL, referral_sources=HUBSPOT_REFERRAL,
)

HUBSPOT_DEALS = Layout(
    name="HubSpot deals export",
    key="hubspot/deal",
    columns={
        "id": "Record ID", "occurred_at": "Create Date", "source": "Original Source Type",
        "drill_down_1": "Original Source Data 1", "drill_down_2": "Original Source Data 2",
        "stage": "Deal Stage", "value": "Amount", "currency": "Currency",
        "referrer": "Referred By",
    },
    signature=("Record ID", "Original Source Type", "Deal Stage"),
    social_sources=HUBSPOT_SOCIAL, referral_sources=HUBSPOT_REFERRAL,
)

LAYOUTS: tuple[Layout, ...] = (HUBSPOT_CONTACTS, HUBSPOT_DEALS)

# Drill-down 1 names the network (social) or the referring site (referrals). Lower case;
# domains match themselves and their subdomains. Anything else is attributed to "crm".
PLATFORM_NAMES = {
    "linkedin": "linkedin", "twitter": "twitter", "x": "twitter", "facebook": "facebook",
    "instagram": "instagram", "youtube": "youtube", "mastodon": "mastodon", "github": "github",
    "meetup": "meetup", "discord": "discord", "slack": "slack", "reddit": "reddit",
    "telegram": "telegram", "discourse": "discourse",
}
PLATFORM_DOMAINS = {
    "linkedin.com": "linkedin", "lnkd.in": "linkedin", "twitter.com": "twitter",
    "x.com": "twitter", "t.co": "twitter", "facebook.com": "facebook", "fb.com": "facebook",
    "instagram.com": "instagram", "youtube.com": "youtube", "youtu.be": "youtube",
    "github.com": "github", "meetup.com": "meetup", "discord.com": "discord",
    "discord.gg": "discord", "slack.com": "slack", "reddit.com": "reddit", "t.me": "telegram",
    "mastodon.social": "mastodon",
}
UNATTRIBUTED = "crm"

CURRENCY_SYMBOLS = "$€£¥"
