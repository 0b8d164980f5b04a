"""Slack mrkdwn escaping: text from feeds arrives as plain text, never as markup or a mention."""

from __future__ import annotations

import re

from extract.cleantext import clean_line, clean_text

__all__ = ["mrkdwn", "one_line"]

# Slack has no escape for its formatting marks; look-alikes keep the text readable and inert.
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "`": "\u02cb"})
_LOOKALIKE = {"*": "\u2217", "_": "\u02cd", "~": "\u223c"}
# * _ ~ format only at a word's edge (Slack leaves snake_case and 2*3 alone), so only those are replaced.
_MARK = re.compile(r"(?<!\w)[*_~]|[*_~](?!\w)")


def mrkdwn(text: str | None) -> str:
    """Feed text for a Slack mrkdwn field: cleaned, & < > as entities, formatting marks as inert look-alikes."""
    return _MARK.sub(lambda m: _LOOKALIKE[m.group(0)], clean_text(text).translate(_ENTITIES))


def one_line(text: str | None) -> str:
    """Text on one line without control or bidi characters (safe in mail headers and headings)."""
    return clean_line(text)
