"""Regex scans for patterns that start at one of a few literal characters, made several times faster.

CPython's regex engine looks for where a pattern can start by testing every character of the text against the
pattern's first character set ('[ \\n"(]' before a word, '[.!?\\n]' ending a sentence): about 70 machine
instructions a character. When the pattern starts with one literal character it runs a tight loop instead:
about 5 (counted with cachegrind over 5 KB news texts). Detection scans each article with several such
patterns, so ``LedPattern`` keeps one compiled pattern per leading character, scans only for the characters
the text holds, and merges the matches back into exactly those the single pattern's ``finditer`` gives.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Iterator


class LedPattern:
    """A pattern given as one alternative per leading literal character: ``{"F": "Five-year plan", "5": ...}``.

    ``finditer`` matches as ``re.compile("|".join(branches.values()), flags).finditer`` would: leftmost first,
    never overlapping.
    """

    def __init__(self, branches: dict[str, str], flags: int = 0):
        if any(len(lead) != 1 for lead in branches):
            raise ValueError("each branch is keyed by the one character it starts with")
        self.pattern = "|".join(branches.values())
        self._branches = [(lead, re.compile(p, flags)) for lead, p in branches.items()]

    @classmethod
    def after(cls, leads: str, rest: str, flags: int = 0) -> "LedPattern":
        """``[leads]rest``: ``rest`` preceded by any one of the characters ``leads``."""
        return cls({c: re.escape(c) + rest for c in leads}, flags)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match]:
        end = len(text) if endpos is None else endpos
        heads = []
        for i, (lead, pattern) in enumerate(self._branches):
            if lead in text:
                m = pattern.search(text, pos, end)
                if m is not None:
                    heads.append((m.start(), i, m, pattern))
        if len(heads) == 1:
            _, _, m, pattern = heads[0]
            yield m
            yield from pattern.finditer(text, m.end(), end)
            return
        heapq.heapify(heads)
        while heads:
            start, i, m, pattern = heapq.heappop(heads)
            if start < pos:  # inside the last match given: this branch looks again from its end
                m = pattern.search(text, pos, end)
            else:
                yield m
                pos = m.end()
                m = pattern.search(text, pos, end)
            if m is not None:
                heapq.heappush(heads, (m.start(), i, m, pattern))

    def ends(self, text: str) -> list[int]:
        """Where the matches end, in order, for a pattern whose matches never hold one of its leading characters
        after the first (a sentence end followed by closing quotes): the branches' matches cannot overlap, so
        their union is the single pattern's, without merging match by match."""
        found = [m.end() for lead, pattern in self._branches if lead in text for m in pattern.finditer(text)]
        found.sort()
        return found


# characters outside ASCII that a case-insensitive regex matches to an ASCII letter (long s, Kelvin sign, dotted
# and dotless i): a lead written in both cases must hold them too to match as (?i) does
_ASCII_FOLDS = "\u017f\u212a\u0130\u0131"


@functools.cache
def case_variants(ch: str) -> list[str]:
    """Every character that ``(?i)ch`` matches."""
    folded = re.compile("(?i)" + re.escape(ch))
    return sorted(c for c in {ch, ch.lower(), ch.upper(), *_ASCII_FOLDS} if len(c) == 1 and folded.fullmatch(c))


def char_class(chars: list[str] | set[str]) -> str:
    return re.escape(next(iter(chars))) if len(chars) == 1 else "[" + "".join(map(re.escape, sorted(chars))) + "]"


_LOOKBEHIND = re.compile(r"\(\?<[!=][^()]*\)")


def case_led(fragments: list[str], *, after: str = "") -> str:
    """``(?i:\\b(?:f1|f2|…)after)`` written so the engine tries only where a fragment's first letter stands, and
    there only the fragments that begin with it: one top-level branch per case of each first letter, led by that
    letter as a literal, then the word-start check and the lookbehinds of its fragments, the rest case-insensitive.
    The engine skips to where one of the branches' first characters stands (a pattern opening with ``\\b`` made it
    try every character), so a caller may add branches of its own after '|', each opening with a literal too.
    A fragment opens with its letter, after fixed-width lookbehinds at most ('(?<!than )expect'), which move
    behind the letter. Matches as the plain pattern does: fragments of different first letters never match at one
    position, and each group keeps its fragments' order."""
    groups: dict[str, list[str]] = {}
    for fragment in fragments:
        behind = []
        while m := _LOOKBEHIND.match(fragment):
            behind.append(m.group()[:-1] + ".)")  # now tested after the letter, which '.' stands for
            fragment = fragment[m.end():]
        lead, rest = fragment[:1], fragment[1:]
        if not lead.isalnum() or rest[:1] in ("?", "*", "+", "{"):
            raise ValueError(f"a fragment must open with a letter of its own: {fragment!r}")
        groups.setdefault(lead.lower(), []).append("".join(behind) + rest)
    tail = f"(?i:{after})" if after else ""
    return "|".join(re.escape(case) + r"(?<!\w.)(?i:" + "|".join(rests) + ")" + tail
                    for lead, rests in groups.items() for case in case_variants(lead))
