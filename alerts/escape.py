"""Slack mrkdwn escaping: text from feeds arrives as plain text, never as markup or a mention."""

from __future__ import annotations

from extract.cleantext import clean_line, clean_text

__all__ = ["mrkdwn", "one_line"]

# Slack has no escape for its formatting marks; look-alikes keep the text readable and inert.
_INERT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "*": "\u2217", "_": "\u02cd", "~": "\u223c",
                        "`": "\u02cb"})


def mrkdwn(text: str | None) -> str:
    """Feed text for a Slack mrkdwn field: cleaned, & < > as entities, * _ ~ ` as inert look-alikes."""
    return clean_text(text).translate(_INERT)


def one_line(text: str | None) -> str:
    """Text on one line without control or bidi characters (safe in mail headers and headings)."""
    return clean_line(text)
