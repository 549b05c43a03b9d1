"""DiscordChatExporter constants: message kinds, channel kinds, how a file starts."""
from __future__ import annotations

import re

PLATFORM = "discord"

# DiscordChatExporter counts every kind except these two as a system notice
# (MessageKind.IsSystemMessage): joins, pins, calls, renames, icon changes, boosts...
MESSAGE_TYPES = frozenset({"Default", "Reply"})
KNOWN_SYSTEM_TYPES = frozenset({
    "RecipientAdd", "RecipientRemove", "Call", "ChannelNameChange", "ChannelIconChange",
    "ChannelPinnedMessage", "GuildMemberJoin", "ThreadCreated",
})

# channel.type: direct conversations, and threads (a whole exported channel that is one thread).
DM_CHANNEL = "DirectTextChat"
GROUP_DM_CHANNEL = "DirectGroupTextChat"
THREAD_CHANNELS = frozenset({"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"})

# A reference of this type is a forwarded message, not a reply.
FORWARD_REFERENCE = "Forward"

# Split exports are named `... [part N].json`.
PART_NUMBER = re.compile(r"\[part (\d+)\]")
HEAD_KEYS = ('"guild"', '"channel"', '"messages"')
