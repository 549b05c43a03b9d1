"""Constants and field maps of the LinkedIn source."""
from __future__ import annotations

from dataclasses import dataclass

PLATFORM = "linkedin"


@dataclass(frozen=True)
class FileSpec:
    """One CSV of the personal data export: its required and other known columns."""

    required: tuple[str, ...]
    known: tuple[str, ...] = ()
    escapechar: str | None = None
    header_within: int = 1  # lines in which to look for the header (after a preamble)


# Files rapport reads, by lower-case name; every other file of the export is noted, not read.
FILES: dict[str, FileSpec] = {
    "profile.csv": FileSpec(
        ("First Name", "Last Name"),
        ("Maiden Name", "Address", "Birth Date", "Headline", "Summary", "Industry", "Zip Code",
         "Geo Location", "Twitter Handles", "Websites", "Instant Messengers")),
    # Real exports start with a "Notes:" preamble of a few lines; Excel re-saves drop it.
    "connections.csv": FileSpec(
        ("First Name", "Last Name", "Connected On"),
        ("URL", "Email Address", "Company", "Position"), header_within=10),
    "invitations.csv": FileSpec(
        ("From", "To", "Sent At", "Direction"),
        ("Message", "inviterProfileUrl", "inviteeProfileUrl")),
    "messages.csv": FileSpec(
        ("CONVERSATION ID", "FROM", "TO", "DATE"),
        ("CONVERSATION TITLE", "SENDER PROFILE URL", "RECIPIENT PROFILE URLS", "SUBJECT",
         "CONTENT", "FOLDER", "ATTACHMENTS", "IS MESSAGE DRAFT")),
    "shares.csv": FileSpec(
        ("Date", "ShareLink"), ("ShareCommentary", "SharedUrl", "MediaUrl", "Visibility")),
    # LinkedIn escapes quotes inside Comments.csv messages with a backslash (not RFC 4180).
    "comments.csv": FileSpec(("Date", "Link", "Message"), escapechar="\\"),
    "reactions.csv": FileSpec(("Date", "Type", "Link")),
}

# Times. LinkedIn writes them without a zone; its help pages and the exports' own
# "2021-11-29 20:37:47 UTC" in messages.csv say UTC, so every time is read as UTC.
ACTIVITY_TIME = ("%Y-%m-%d %H:%M:%S",)  # Shares, Comments, Reactions
MESSAGE_TIME = ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S")
INVITATION_TIME = ("%m/%d/%y, %I:%M %p", "%m/%d/%Y, %I:%M %p")  # "11/29/21, 12:36 PM"
CONNECTED_ON = ("%d %b %Y", "%d-%b-%y")  # LinkedIn's "29 Nov 2021", Excel's "29-Nov-21"

# Names LinkedIn shows for members it hides: different people, never one person.
ANONYMOUS_NAMES = ("LinkedIn Member",)

# Marks of sponsored (bulk, templated) InMail: such messages are `automated`.
SPONSORED_TITLES = ("sponsored conversation",)
SPONSORED_CONTENT = ("%FIRSTNAME%", "spinmail-quill-editor")

DRAFT_VALUES = ("yes", "true")
OWNER_PLACEHOLDER = "owner"  # native id of an export owner that no file names
