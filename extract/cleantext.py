"""Text from outside made safe to store and show: control characters, bidi controls, lone surrogates.

``clean_text`` keeps newline and tab, and removes every other C0/C1 control character (NUL, ESC, DEL,
U+0080-U+009F), the bidirectional controls that can make a title read backwards (U+202A-U+202E,
U+2066-U+2069, U+200E/U+200F, U+061C), and lone surrogates (which no UTF-8 encoder accepts).
``bounded`` makes an error text fit for a log line or a ``last_error`` column.
"""

from __future__ import annotations

import re

__all__ = ["ERROR_CHARS", "bounded", "clean_line", "clean_text"]

ERROR_CHARS = 300  # stored and printed error texts are cut here

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SPACE = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """``text`` without control characters (newline and tab kept), bidi controls or lone surrogates."""
    if not text:
        return ""
    return _UNSAFE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(text: str | None) -> str:
    """``clean_text`` folded to one line of single spaces (titles, error texts)."""
    return _SPACE.sub(" ", clean_text(text)).strip()


def bounded(text: object, limit: int = ERROR_CHARS) -> str:
    """One clean line of at most ``limit`` characters, marked with '…' when cut."""
    line = clean_line(str(text))
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
