"""Figures in indicator tables, as trafilatura writes a table: one '| cell | cell |' line per row.

A plan's main-indicator table puts the unit in the indicator's name ('常住人口城镇化率（%）', 'GDP growth (%)') and
bare numbers in the cells ('60.4', '5左右', '3650以上'); a column headed by a year ('2030年') gives its cells that
year when it is a target (not before the article's year). Each cell is read as if the unit were written after
it, with the same readers as running text, so '3600' under '（万吨）' is 3.6e7 tonnes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

_ROW = re.compile(r"\|(?<![^\n]\|)(.*)\|[ \t]*$", re.MULTILINE)  # a line's first '|': the engine skips to a '|'
_UNIT_IN_LABEL = re.compile(r"^\s*(?P<label>\S.*?)\s*[（(](?P<unit>[^（）()]{1,12})[）)]\s*$")
_CELL_NUMBER = re.compile(r"^\s*[〔\[]?(?P<n>\d[\d,]*(?:\.\d+)?)[〕\]]?\s*(?P<q>[^\d\s|]{0,2})\s*$")
_YEAR_HEAD = re.compile(r"^\s*(?P<y>20\d\d)\s*年?\s*(?:目标|目標|target)?\s*$", re.IGNORECASE)
_PER_10K = re.compile(r"每[万萬]人|per 10,?000", re.IGNORECASE)


@dataclass(frozen=True)
class TableCell:
    """A numeric cell of an indicator row: where it is, what it says, and the row's label and unit."""

    start: int
    end: int
    written: str  # the cell as written with the row's unit after it: '3600万吨', '5左右%'
    number_end: int  # where the number ends inside ``written``
    label: str
    year: int | None
    row: tuple[int, int]
    per_10k: bool


def table_cells(text: str, lo: int, published: dt.date | None) -> Iterator[TableCell]:
    """Every numeric cell of ``text[lo:]``'s table rows that has a unit in its row's label."""
    years: dict[int, int | None] = {}
    last_end = -2
    for m in _ROW.finditer(text, lo):
        if m.start() > last_end + 1:
            years = {}  # a new table
        last_end = m.end()
        cells = m.group(1).split("|")
        offsets, at = [], m.start(1)
        for c in cells:
            offsets.append(at)
            at += len(c) + 1
        heads = {i: _YEAR_HEAD.match(c) for i, c in enumerate(cells)}
        if sum(1 for h in heads.values() if h) >= 1 and not any(_CELL_NUMBER.match(c) and not heads[i]
                                                               for i, c in enumerate(cells)):
            years = {i: _target(int(h.group("y")), published) for i, h in heads.items() if h}
            continue
        label_at = next((i for i, c in enumerate(cells) if _UNIT_IN_LABEL.match(c)), None)
        if label_at is None:
            continue
        lm = _UNIT_IN_LABEL.match(cells[label_at])
        unit = lm.group("unit").strip()
        for i in range(label_at + 1, len(cells)):
            cm = _CELL_NUMBER.match(cells[i])
            if cm is None:
                continue
            number, qualifier = cm.group("n"), cm.group("q")
            start = offsets[i] + cm.start("n")
            end = offsets[i] + len(cells[i].rstrip())
            yield TableCell(start, end, number + unit + qualifier, len(number), lm.group("label"), years.get(i),
                            (m.start(), m.end()), bool(_PER_10K.search(cells[label_at])))


def _target(year: int, published: dt.date | None) -> int | None:
    return year if published is not None and year >= published.year else None


