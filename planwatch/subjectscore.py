"""Subject quality: how well our subject of a matched figure says what the gold subject says.

Both subjects become sets of English content words: the English labels of the concepts (config/concepts.yaml)
and technologies (config/taxonomy.yaml) they name, so that 'R&D expenditure' meets 'research and development
spending' and 研发经费投入 meets both, plus an English subject's own words (stop words dropped, plurals folded)
or the Latin words of a Chinese one (R&D, GDP, 5G). A figure's score is the Dice
overlap of the two sets (1.0: the same content words); a subject that cannot head an alert (bare stop word,
pronoun, country, year, date, verb phrase: extract.subjects.subject_problem) scores 0 and is counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.concepts import Concepts, default_concepts
from extract.subjects import subject_problem

_WORD = re.compile(r"[a-z0-9&]+(?:['’-][a-z0-9]+)*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_STOP = frozenset(
    "a an the of in on at by for to from with and or as its their than that this these those per each plan plans "
    "china china's chinese country's national nation's year years period target targets goal goals total new "
    "five-year 15th 14th fifteenth fourteenth".split())


def content_words(subject: str, concepts: Concepts | None = None) -> frozenset[str]:
    """The English content words of ``subject``; a Chinese subject through the concept and technology labels."""
    concepts = concepts or default_concepts()
    labels = " ".join(concepts.labels_in(subject)).lower()
    if _CJK.search(subject):
        text = labels + " " + " ".join(re.findall(r"[A-Za-z0-9&]+", subject)).lower()
    else:
        text = subject.lower() + " " + labels
    words = set()
    for w in _WORD.findall(text):
        for part in w.replace("’", "'").removesuffix("'s").split("-"):
            if part and part not in _STOP and not re.fullmatch(r"(?:19|20)\d\d", part):
                words.add(_singular(part))
    return frozenset(words)


def overlap(ours: frozenset[str], gold: frozenset[str]) -> float:
    if not ours or not gold:
        return 0.0
    return 2 * len(ours & gold) / (len(ours) + len(gold))


@dataclass
class SubjectScore:
    figures: int = 0
    total: float = 0.0
    unreadable: int = 0
    worst: list[tuple[float, str, str]] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return self.total / self.figures if self.figures else 0.0

    def add(self, ours: str, gold: str, concepts: Concepts | None = None) -> None:
        """Score our subject ``ours`` against the gold subject ``gold`` of one matched figure."""
        self.figures += 1
        if subject_problem(ours):
            self.unreadable += 1
            value = 0.0
        else:
            value = overlap(content_words(ours, concepts), content_words(gold, concepts))
        self.total += value
        self.worst.append((value, ours, gold))

    def as_json(self) -> dict:
        return {"figures": self.figures, "mean_overlap": round(self.mean, 4), "unreadable": self.unreadable}


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
