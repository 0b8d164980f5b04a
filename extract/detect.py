"""Detection over an article's text: plan mentions, technology mentions, and figures (only for China's plan)."""

from __future__ import annotations

import datetime as dt

from extract.figures import find_figures
from extract.kinds import annotate
from extract.mentions import (find_plans, find_technologies, plan_keys, plan_mentions, technologies_between,
                              technology_mentions)
from extract.numbers import normalize_digits
from extract.records import Detection
from extract.sentences import Sentences
from extract.taxonomy import Taxonomy, default_taxonomy


def detect(text: str, *, title: str = "", published: dt.date | None = None,
           taxonomy: Taxonomy | None = None) -> Detection:
    """Find plan and technology mentions in ``title`` and ``text``, and figures in ``text`` when China's plan is named."""
    tax = taxonomy or default_taxonomy()
    head = normalize_digits(title.strip()) + "\n\n" if title.strip() else ""
    full = head + normalize_digits(text)
    sentences = Sentences(full)
    tech_hits = find_technologies(full, tax)
    technologies, mentions = technology_mentions(tech_hits, tax)
    plan_hits = find_plans(full, tax, sentences)
    plans = plan_keys(plan_hits, tax, published)
    detection = Detection(plans=plans, technologies=technologies,
                          mentions=plan_mentions(plan_hits, plans) + mentions)
    if plans:
        starts = [h.start for h in tech_hits]
        detection.figures = find_figures(
            full, start=len(head), sentences=sentences, published=published,
            tech_of=lambda s0, s1: technologies_between(tech_hits, starts, s0, s1))
        detection.figures = annotate(detection.figures, full, offset=len(head), published=published)
    return detection
