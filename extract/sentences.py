"""Sentence spans of a text, found once and looked up by offset."""

from __future__ import annotations

import re
from bisect import bisect_right

_END = re.compile(r"[.。！？!?；;\n](?:(?<=\.)[”’\"')]*(?=\s|$)|(?<!\.)[”」』’\"')）]*)")
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Ms|Dr|No|St|Co|vs|Mrs|Inc|Ltd|Jan|Feb|Aug|Sep|Sept|Oct|Nov|Dec|Gov|Gen|Sen|Rep))$")


class Sentences:
    """Spans (start, end) covering ``text``; ``at(pos)`` is the span holding offset ``pos``."""

    def __init__(self, text: str):
        self.text = text
        self._spans: tuple[list[int], list[int]] | None = None

    def _split(self) -> tuple[list[int], list[int]]:
        text = self.text
        starts, ends, pos = [], [], 0
        for m in _END.finditer(text):
            if text[m.start()] == "." and _ABBREVIATION.search(text, max(0, m.start() - 5), m.start()):
                continue
            if m.end() > pos:
                starts.append(pos)
                ends.append(m.end())
                pos = m.end()
        if pos < len(text):
            starts.append(pos)
            ends.append(len(text))
        return starts, ends

    def at(self, pos: int) -> tuple[int, int]:
        if self._spans is None:
            self._spans = self._split()
        starts, ends = self._spans
        if not starts:
            return 0, len(self.text)
        i = max(bisect_right(starts, pos) - 1, 0)
        return starts[i], ends[i]


_FURNITURE = re.compile(r"(?i:read more|read also|also read|see also|related|recommended|most read|watch|listen)\b"
                        r"|相关阅读|相關閱讀|延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|热门|熱門")


def is_prose(sentence: str) -> bool:
    """A sentence of running text rather than a menu item, link teaser, caption or ticker line."""
    s = sentence.strip()
    if not s or _FURNITURE.match(s):
        return False
    words = len(s.split())
    wide = (len(s.encode("utf-8")) - len(s)) // 2  # about the number of CJK characters (3 bytes each in UTF-8)
    if s[-1] in ".!?。！？；;:：”\"’)」）" and (words >= 4 or wide >= 8):
        return True
    return words >= 7 or wide >= 12
