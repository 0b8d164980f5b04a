"""Sentence spans of a text, found once and looked up by offset."""

from __future__ import annotations

import re
from bisect import bisect_right

from extract.scan import LedPattern

# A sentence ends at a full stop followed by a space or the end (closing quotes included) unless it ends a
# single capital or a common abbreviation ('U.S.', 'Mr.', 'Sept.'), or at any other stop, semicolon or newline.
_ABBREVIATIONS = ("Mr|Ms|Dr|No|St|Co|vs", "Mrs|Inc|Ltd|Jan|Feb|Aug|Sep|Oct|Nov|Dec|Gov|Gen|Sen|Rep", "Sept")
_END = LedPattern(
    {".": r"\.(?<!\b[A-Z]\.)" + "".join(rf"(?<!\b(?:{words})\.)" for words in _ABBREVIATIONS) + r"[”’\"')]*(?=\s|$)"}
    | {c: re.escape(c) + r"[”」』’\"')）]*" for c in "。！？!?；;\n"})


MAX_SENTENCE = 2000  # longer runs without a stop (a page of one line) are cut at a space, so every scan per sentence is bounded


def _bounded(starts: list[int], ends: list[int], text: str) -> tuple[list[int], list[int]]:
    """The spans with every span longer than MAX_SENTENCE cut at its last space (else a CJK comma) before the limit."""
    out_starts: list[int] = []
    out_ends: list[int] = []
    for s0, s1 in zip(starts, ends):
        while s1 - s0 > MAX_SENTENCE:
            cut = max(text.rfind(" ", s0 + 1, s0 + MAX_SENTENCE), text.rfind("，", s0 + 1, s0 + MAX_SENTENCE))
            cut = cut + 1 if cut > s0 else s0 + MAX_SENTENCE
            out_starts.append(s0)
            out_ends.append(cut)
            s0 = cut
        out_starts.append(s0)
        out_ends.append(s1)
    return out_starts, out_ends


class Sentences:
    """Spans (start, end) covering ``text``; ``at(pos)`` is the span holding offset ``pos``."""

    def __init__(self, text: str):
        self.text = text
        self._spans: tuple[list[int], list[int]] | None = None

    def _split(self) -> tuple[list[int], list[int]]:
        ends = _END.ends(self.text)
        if not ends or ends[-1] < len(self.text):
            ends.append(len(self.text))
        starts = [0] + ends[:-1]
        if all(e - s <= MAX_SENTENCE for s, e in zip(starts, ends)):
            return starts, ends
        return _bounded(starts, ends, self.text)

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
    words = len(s.split(None, 7))  # the word count, counted up to 8: only 4 and 7 matter below
    if words >= 7:
        return True
    wide = (len(s.encode("utf-8")) - len(s)) // 2  # about the number of CJK characters (3 bytes each in UTF-8)
    if s[-1] in ".!?。！？；;:：”\"’)」）" and (words >= 4 or wide >= 8):
        return True
    return wide >= 12
