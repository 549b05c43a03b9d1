"""Constants of the Mastodon source: audiences, file kinds, tools that post for people."""
from __future__ import annotations

PLATFORM = "mastodon"

# ActivityPub's public audience, in the spellings servers use.
PUBLIC = frozenset({"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"})

# Archive files (Settings → Import and export → Request your archive).
OUTBOX, ACTOR, LIKES, BOOKMARKS = "outbox.json", "actor.json", "likes.json", "bookmarks.json"
ACTIVITYSTREAMS = "activitystreams"
MESSAGE_OBJECTS = frozenset({"Note", "Question", "Article", "Page"})

# REST API account lists carry no status and no time; their kind shows only in the file name.
ACCOUNT_LIST_KINDS = {"favourited_by": "reaction", "reblogged_by": "share",
                      "followers": "follow", "following": "follow"}

# Notification types that carry a status which is a message; the rest are not messages.
STATUS_NOTIFICATIONS = frozenset({"mention", "status", "update", "poll", "quote"})

# Applications (status.application.name, lower case) that schedule or automate posting.
AUTOMATION_APPS = frozenset({
    "buffer", "hootsuite", "sprout social", "publer", "fedica", "zapier", "ifttt",
    "later", "sendible", "socialbee", "agorapulse",
})

HEAD_BYTES = 4096
