"""Mattermost constants: channel types, post types, how the two accepted files start."""
from __future__ import annotations

PLATFORM = "mattermost"
PERCEVAL_BACKEND = "Mattermost"

# channel_data.type: D one-to-one direct message, G group message, O public, P private.
DIRECT = "D"
GROUP = "G"

# Post types Mattermost writes itself (joins, leaves, header and name changes, ...).
SYSTEM_PREFIX = "system_"
# Post types that are messages someone (or an integration) wrote.
MESSAGE_TYPES = frozenset({"", "slack_attachment", "me"})

# props values that mark a post sent by an integration.
AUTOMATED_PROPS = ("from_webhook", "from_bot")

# A direct channel's name joins its two members' ids.
DIRECT_NAME_SEPARATOR = "__"
