"""The year a figure is for.

The year stated in the figure's own clause ('70 percent by 2027 and 90 percent by 2030'; '由2023年的31%升至2027年的
39%'), else the last one stated before it in the sentence ('By 2030, ..., and ...'). Only a target counts: 'by 2030',
'到2030年', '2027年前', or a year not before the article's. A base year ('比2025年提高', 'compared with 2020') is no
mention at all; a past year ('截至2025年底', 'which peaked in 2024', 'up from 20 percent in 2024') or a past time
('last year', 'the previous three years') gives the figure none, and so does 'this year' (most annotators give it
none).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

# '[，；;：、]|,(?!\d)|:(?!\d)|\s(?:while|whereas|but)\s|[—–]{1,2}\s', its first character read as one set, which the
# engine skips to, then told apart behind it
_CLAUSE_BREAK = re.compile(r"[，；;：、,:\s—–](?:(?<=[，；;：、])|(?<=,)(?!\d)|(?<=:)(?!\d)|(?<=\s)(?:while|whereas|but)\s"
                           r"|(?<=[—–])[—–]?\s)")
_YEAR = re.compile(r"2(?<![\d.A-Za-z-]2)0\d\d(?![\d%])")  # tested after the '2': the engine skips to a '2'
_SPAN_NEXT = re.compile(r"\s*(?:-|‑|–|—|~|～|至|到|to)\s*(?:20)?\d\d(?!\d)")
_SPAN_BEFORE = re.compile(r"20\d\d\s*(?:-|‑|–|—|~|～|至|到|to)\s*$")
_BASE_AFTER = re.compile(r"年(?:的|底的|水平的?)[\d.]+倍|年(?:的)?水平")  # '是2023年的3倍': the base, not the target
_BASE_BEFORE = re.compile(r"(?:比|较|較|相比|同比|than|compared (?:with|to)|over|versus|vs\.?)\s*(?:the end of\s+|end-)?$")
# before 'year' or 'years' (found with str.find): 'this year', 'last year', 'the previous three years'
_RELATIVE_BEFORE = re.compile(r"(?:\b(?:this|current|last|previous|past)\s+|\b(?:previous|past|last)\s+\w+\s+)$",
                              re.IGNORECASE)
_RELATIVE_ZH = ("今年", "本年", "去年", "上年")
_AGO = re.compile(r"\ba (?:decade|year) (?:earlier|ago)\b")
_KEYWORD_REV = re.compile(r"\s+(?:fo dne eht\s+)?(?P<w>yb|erofeb|litnu|hguorht|rof|ni)(?![a-z])"
                          r"|(?:到|至|于|於)(?![达達提增升])")
_BEFORE_SUFFIXES = ("年前", "年底前", "年之前", "年以前")
_ATTACHED = 4  # a year this close before a figure is its own even when another follows: '2023年的31%'


@dataclass(frozen=True)
class _Mention:
    at: int
    year: int | None  # None: a past or unplaced time ('截至2025年底', 'last year')


class SentenceYears:
    """The year mentions of one sentence, text[s0:s1], split into clauses; ``figures`` are where figures start
    (a number read as a figure, '2000万千瓦', is no year)."""

    def __init__(self, text: str, s0: int, s1: int, published: dt.date | None, figures: frozenset[int] = frozenset()):
        self.mentions = sorted((m for m in _mentions(text, s0, s1, published) if m.at not in figures),
                               key=lambda m: m.at)
        # clauses only matter once a year is mentioned: most sentences with a figure mention none
        self.bounds = [s0] + [m.start() + 1 for m in _CLAUSE_BREAK.finditer(text, s0, s1)] + [s1] \
            if self.mentions else [s0, s1]
        self.clauses = [self.clause_of(m.at) for m in self.mentions]

    def clause_of(self, at: int) -> int:
        return bisect.bisect_right(self.bounds, at) - 1

    def year_of(self, num_start: int, end: int, others: list[int]) -> int | None:
        """The target year of the figure at text[num_start:end]; ``others`` are where the sentence's other
        figures start, in order."""
        if not self.mentions:
            return None
        here = self.clause_of(num_start)
        own = [m for m, c in zip(self.mentions, self.clauses) if c == here]
        before = [m for m in own if m.at < num_start and not _between(others, m.at, num_start)]
        if before and num_start - before[-1].at <= 4 + _ATTACHED:
            return before[-1].year
        after = [m for m in own if m.at >= end and not _between(others, end, m.at)]
        if own:
            pick = after[0] if after else before[-1] if before else min(own, key=lambda m: abs(m.at - num_start))
            return pick.year
        earlier = [m for m in self.mentions if m.at < num_start]
        return earlier[-1].year if earlier else None


def _between(starts: list[int], lo: int, hi: int) -> bool:
    i = bisect.bisect_right(starts, lo)
    return i < len(starts) and starts[i] < hi


def _mentions(text: str, s0: int, s1: int, published: dt.date | None) -> Iterator[_Mention]:
    for m in _YEAR.finditer(text, s0, s1):
        if _SPAN_NEXT.match(text, m.end()) or _SPAN_BEFORE.search(text, max(s0, m.start() - 12), m.start()):
            continue  # '2026-2030', '2026至2030年': a period, not a year
        if _BASE_BEFORE.search(text, max(s0, m.start() - 20), m.start()) or _BASE_AFTER.match(text, m.end()):
            continue
        yield _Mention(m.start(), _target(text, m, s0, published))
    # a time without a year, which no year is taken across ('this year' too: most annotators give such a figure none)
    low = text[s0:s1].lower()
    at = low.find("year")
    while at >= 0:
        if _RELATIVE_BEFORE.search(text, max(s0, s0 + at - 24), s0 + at):
            yield _Mention(s0 + at, None)
        at = low.find("year", at + 4)
    for word in _RELATIVE_ZH if "年" in low else ():
        at = low.find(word)
        while at >= 0:
            yield _Mention(s0 + at, None)
            at = low.find(word, at + 2)
    if " a " in low:
        yield from (_Mention(m.start(), None) for m in _AGO.finditer(text, s0, s1))


def _target(text: str, m: re.Match, s0: int, published: dt.date | None) -> int | None:
    """The year at ``m`` when it is a target: 'by 2030', '到2030年', '2027年前', or not before the article's year."""
    year = int(m.group())
    if text.startswith(_BEFORE_SUFFIXES, m.end()):
        return year
    kw = _KEYWORD_REV.match(text[max(s0, m.start() - 20):m.start()][::-1].lower())
    if kw is not None and kw.group("w") != "ni":
        return year
    return year if published is not None and year >= published.year else None
