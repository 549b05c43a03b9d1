"""Facebook Messenger export constants ("Download your information", JSON)."""
from __future__ import annotations

PLATFORM = "messenger"

# Files of one conversation: message_1.json (newest) .. message_N.json.
MESSAGE_FILES = "message_*.json"
HEAD_KEYS = ('"participants"', '"messages"')
HEAD_ANY = ('"sender_name"', '"timestamp_ms"', '"thread_path"')

# thread_type of a one-to-one conversation and of a group.
ONE_TO_ONE = "Regular"
GROUP = "RegularGroup"

# Older exports type each message; these are notices, not messages.
SYSTEM_TYPES = frozenset({"Call", "Subscribe", "Unsubscribe"})
