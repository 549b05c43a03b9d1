"""Telegram Desktop export constants: chat types and what each means for a message."""
from __future__ import annotations

import re

PLATFORM = "telegram"

# Direct conversations: the chat is the thread; in a two-person chat the other is the target.
TWO_PERSON_CHATS = frozenset({"personal_chat", "bot_chat"})
GROUP_DM_CHATS = frozenset({"private_group"})
# Community chats: a top-level message is a post; replies thread along their reply chain.
GROUP_CHATS = frozenset({"private_supergroup", "public_supergroup"})
# Broadcast channels: posts by the channel (and comments when they reply).
CHANNEL_CHATS = frozenset({"private_channel", "public_channel"})
# Notes to oneself: not an interaction with anyone.
SELF_CHATS = frozenset({"saved_messages"})
CHAT_TYPES = TWO_PERSON_CHATS | GROUP_DM_CHATS | GROUP_CHATS | CHANNEL_CHATS | SELF_CHATS

MESSAGE = "message"
SERVICE = "service"  # joined_telegram, phone_call, pin_message, invite_members, ...

# A text entity that names a person by id.
MENTION_ENTITY = "mention_name"

CHAT_TYPE_IN_HEAD = re.compile(r'"type"\s*:\s*"(%s)"' % "|".join(sorted(CHAT_TYPES)))
EXPORT_FILE = "result.json"
