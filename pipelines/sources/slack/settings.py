"""Slack export constants: workspace files, which subtypes are messages, mention markup."""
from __future__ import annotations

import re

PLATFORM = "slack"

# Workspace-level lists and the kind of conversation each one holds.
CONVERSATION_LISTS: dict[str, str] = {
    "channels.json": "channel",  # public channels
    "groups.json": "channel",  # private channels
    "mpims.json": "group_dm",  # multi-person direct messages
    "dms.json": "dm",  # one-to-one direct messages
}
USERS_FILE = "users.json"

# Subtypes that are messages someone wrote (None: an ordinary message).
MESSAGE_SUBTYPES = frozenset({
    None, "bot_message", "me_message", "file_share", "file_comment", "file_mention",
    "thread_broadcast", "reply_broadcast", "slackbot_response",
})
# Deleted messages that keep their place (and their replies) in the export.
TOMBSTONE_SUBTYPES = frozenset({"tombstone", "message_deleted"})
# Notices Slack writes itself: joins, leaves, renames, topics, pins, integrations, calls.
SYSTEM_SUBTYPES = frozenset({
    "channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name",
    "channel_archive", "channel_unarchive", "channel_convert_to_private",
    "channel_convert_to_public", "channel_posting_permissions", "channel_canvas_updated",
    "group_join", "group_leave", "group_topic", "group_purpose", "group_name",
    "group_archive", "group_unarchive", "pinned_item", "unpinned_item",
    "bot_add", "bot_remove", "bot_enable", "bot_disable", "app_conversation_leave",
    "sh_room_created", "sh_room_shared", "huddle_thread", "reminder_add", "reminder_delete",
    "ekm_access_denied", "document_mention", "message_changed", "message_replied",
})

# `<@U024BE7LH>` or `<@U024BE7LH|bob>`: a person named in the text.
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
# A Web-API response, e.g. conversations.history: `{"ok": true, "messages": [...], "has_more": ...}`.
API_RESPONSE_KEYS = ('"messages"', '"ts"')
