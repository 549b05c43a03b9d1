"""Constants of the Discourse source: markers, post types and the mention markup."""
from __future__ import annotations

import re

PLATFORM = "discourse"
PERCEVAL_BACKEND = "Discourse"

# Keys only Discourse topic and topic-list responses carry, looked for in a file's head.
HEAD_MARKERS = ('"post_stream"', '"topic_list"', '"archetype"')
HEAD_BYTES = 8192

# post_type: 1 regular, 2 moderator action, 3 small action (closed, pinned, split...), 4 whisper.
SMALL_ACTION = 3

# actions_summary id of a like: Discourse gives a count per post, never who liked.
LIKE_ACTION_ID = 2

# Discourse's own accounts have negative ids: system (-1) and discobot (-2).
AUTOMATED_BELOW_USER_ID = 0

# `<a class="mention" href="/u/name">@name</a>` (older forums: `/users/name`).
MENTION_HREF = re.compile(r"/u(?:sers)?/([^/?#\"]+)/?$")
