"""What kind of statement a figure is, and where it sits: a post-pass over ``find_figures``' output.

Kinds: ``target`` (by 2030, the plan aims at), ``forecast`` (analysts expect), ``outcome`` (reached, in 2025),
``growth`` (rose 12.5% year on year), ``level`` (anything else), ``change`` (climbed from 7.5 to 14: both ends).
A sentence that revises a target ('raised the 2030 target from 10 to 15 trillion yuan') makes both ends
targets and gives the new one its ``previous`` value: the old end then corroborates the old target.
"""

from __future__ import annotations

import datetime as dt
import re

from extract.concepts import Concepts, default_concepts
from extract.records import Figure
from extract.scan import case_led
from extract.subjects import readable_subject, subject_problem

# English words as fragments of case_led (extract/scan.py): each opens with its first letter
_FORECAST_EN = [r"(?<!than )(?<!than earlier )expect(?!ation)\w*", r"forecast\w*", r"project(?:ed|ion|ions|s)?",
                r"estimat\w*", r"predict\w*", r"anticipat\w*", "could reach", "likely to", "is set to reach",
                r"analysts? (?:say|see)"]
_FORECAST = re.compile(case_led(_FORECAST_EN) + "|预计|預計|预测|預測|有望|预(?<![于於超出]预)期|預(?<![于於超出]預)期|估计|估計|估算")
_TARGET_EN = [r"target\w*", "goals?", "aims?", "aiming", "ambitions?", "calls? for", "plans? to", "seeks? to",
              r"strive\w*", r"pledg\w*", r"commit\w*", "will", "shall", "should", "is to", "are to",
              r"by (?:the end of )?20\d\d", r"through 20\d\d", "set to", r"envisag\w*", "blueprint", "outline",
              "roadmap", "intends?", "wants?", "proposes?", "proposed"]
_TARGET = re.compile(
    case_led(_TARGET_EN, after=r"\b") + "|"
    r"目标|目標|力争|力爭|到20\d\d年|20\d\d年前|将|將|要|提出|确保|確保|不低于|不少于|不低於|不少於|计划|計劃|规划|規劃|争取|爭取")
_PAST_EN = ["reached", "hit", "stood", "was", "were", "totall?ed", "rose", "grew", "climbed", "jumped", "surged", "fell",
            "dropped", "declined", "had", "recorded", "posted", "registered", "amounted", "accounted", "made up",
            "produced", "approved", "last year", "so far", "already", "achieved", "year[ -]on[ -]year", "y/y",
            "exceeded", "surpassed"]
_PAST = re.compile(
    case_led(_PAST_EN, after=r"\b") + "|"
    r"已经|已經|已|去年|上年|同比|年增|实现|實現|累计|累計|完成|截至|截止")
_GROWTH_EN = ["growth", r"grow\w*", "grew", "rose", "rise", "rising", "increase[ds]?", "up", "year[ -]on[ -]year",
              "annual(?:ly)?", "a year", "per year", r"expand\w*", r"boost\w*", r"climb\w*", r"jump\w*"]
_GROWTH = re.compile(case_led(_GROWTH_EN, after=r"\b") + "|增长|增長|增速|同比|年增|年均|增幅")
_REVISE_VERBS = ["rais", "lift", "revis", "lower", "cut", "upgrad", "downgrad", "increas", "bump", "adjust"]
_REVISED = ["target", "goal", "forecast", "projection", "estimate", "outlook"]
_REVISE = re.compile(
    case_led([v + r"\w*" for v in _REVISE_VERBS + ["reduc", "trimm?", "scal"]],
             after=r"\b[^.;]{0,60}?\b(?:" + "|".join(_REVISED) + r")s?\b") + "|"
    + case_led(_REVISED, after=r"s?\s+(?:was|were|is|are|has been|have been|had been)\s+(?:\w+\s+)?(?:"
               + "|".join(_REVISE_VERBS) + r")\w*") + "|"
    r"上调|上調|下调|下調|上修|下修|调高|調高|调低|調低|调降|調降|调整|調整|修订|修訂|提高[^。；]{0,12}目标|目标[^。；]{0,12}提高")
_QUAL = r"(?:(?:at least|more than|over|about|around|nearly|some|roughly|above|by)\s+)*"
_GROWTH_BEFORE = re.compile(
    r"(?i:\b(?:by|grow\w*|grew|rose|rise|rising|increas\w*|(?<!made )(?<!make )(?<!makes )up|expand\w*|jump\w*|"
    r"climb\w*)\s+" + _QUAL + r"$)|"
    r"(?:增长|增長|增速|增幅|增加|提高|上升)(?:了|为|為|达|達|超过|超過|约|約|近)?$")
_GROWTH_AFTER = re.compile(r"(?i:^\s*(?:annual\s+|yearly\s+)?(?:growth|increase|rise|jump|gain|year[ -]on[ -]year|"
                           r"a year|annually|per year|each year)\b)|^\s*(?:的)?(?:增长|增長|增速|增幅)")
_ZH_YEAR_OF = r"(?:20\d\d年(?:底|末)?的?)?"
_FROM = re.compile(r"(?i:\bfrom\s*(?:about\s+|around\s+|roughly\s+|some\s+)?$)|[从從由]\s*" + _ZH_YEAR_OF + r"\s*$")
_TO = re.compile(r"(?i:^\s*(?:\w+\s+){0,3}?(?:to|into)\s+(?:(?:about|around|more than|at least|over)\s+)?$)|"
                 r"^\s*(?:[^\s，。；]{0,8}?)(?:提高到|提高至|提升到|提升至|增至|增加到|增加至|升至|上调至|上調至|上调到|下调至|下调为|下調至|下調為|上修为|上修為|上修至|下修为|下修為|下修至|调降至|調降至|降为|降為|降至|降到|调整为|调整至|到|至)\s*" + _ZH_YEAR_OF + r"\s*$")
_UP_FROM = re.compile(r"(?i:^[\s,]*(?:[\w,]+\s+){0,3}?(?:(?:up|down|rising|falling|compared|versus|against)\s+)?"
                      r"(?:from|with)\s+(?:about\s+|around\s+|more than\s+|less than\s+|fewer than\s+)?$)|"
                      r"^[，,]?\s*(?:较|較|比)[^，。；,]{0,12}?的?$")
# a year that is not a figure's own: a base year ('from 2024', '比2020年') or the start of a period (2026-2030)
_BASE_YEAR = re.compile(r"(?i:(?:from|than|since|over|on|with|compared to)\s+(?:the\s+)?(?:end of\s+)?$)|(?:比|较|較|相比)$")
_TARGET_WORD_EN = [r"target\w*", "goals?", "aims?", "aiming", "plans? to", r"pledg\w*", "will", "shall", "should"]
_TARGET_WORD = re.compile(case_led(_TARGET_WORD_EN, after=r"\b") + "|"
                          r"目标|目標|力争|力爭|计划|計劃|将|將|要|争取|爭取")
_PLAN_WORD = r"\s+(?:five-year\s+)?plan"
_PLAN_14 = re.compile(case_led(["14th", "fourteenth"], after=_PLAN_WORD) + "|十四五|第十四个五年|第十四個五年")
_PLAN_15 = re.compile(case_led(["15th", "fifteenth"], after=_PLAN_WORD) + "|十五五|第十五个五年|第十五個五年")
_YEAR = re.compile(r"(2(?<!\d2)0\d\d)(?!\d)")  # the lookbehind after the '2': the engine skips to one
_CJK = re.compile(r"[\u3400-\u9fff]")
_CLAUSE = re.compile(r"[,;，；。：:]")
_COUNTER = re.compile(r"[家个個项項座台套辆輛人件]$")  # a Chinese count of its own kind ('3万家': companies)
_OF_WHAT = re.compile(r"(?i:^\s*(?:of|in)\s+(?!the\s+(?:total|plan|target|goal)\b))")
_AS_OF_EN = [r"as of\b", r"by the end of\b(?!\s*20\d\d)"]
_AS_OF = re.compile(case_led(_AS_OF_EN) + "|截至|截止")
_PLAN_VERB_EN = ["sets? (?:the|a) (?:goal|target)", "calls? for", "aims?", "plans? to", r"target\w*", "goals?"]
_PLAN_VERB = re.compile(case_led(_PLAN_VERB_EN, after=r"\b") + "|"
                        r"提出|要求|目标|目標|力争|力爭|计划|計劃")


def annotate(figures: list[Figure], text: str, *, offset: int = 0, published: dt.date | None = None,
             concepts: Concepts | None = None) -> list[Figure]:
    """``figures`` found in ``text`` with offsets (minus ``offset``: the title before the body), language, kind,
    concept and plan, and a readable subject."""
    concepts = concepts or default_concepts()
    placed = _place(figures, text)
    plan_of: dict[str, str] = {}  # per sentence: several figures share one
    usable: dict[str, bool] = {}  # per concept label: whether it may stand in for an unreadable subject
    out = []
    for fig, (start, end) in zip(figures, placed):
        sentence = fig.sentence
        at = sentence.find(fig.phrase) if fig.phrase else -1
        before, after = (sentence[:at], sentence[at + len(fig.phrase):]) if at >= 0 else (sentence, "")
        language = "zh" if _CJK.search(fig.phrase + before[-12:] + after[:12]) else "en"
        clause = _CLAUSE.split(before)[-1] if before else ""
        rest = _CLAUSE.split(after)[0][:80]
        measured = rest if fig.unit == "percent" and _OF_WHAT.match(rest) else ""
        readable = readable_subject(fig.subject, "", language)
        concept = concepts.key_of(readable or fig.subject, clause + _near_after(after, language), rest[:40], rest=rest,
                                  sentence=before, measured=measured)
        if not readable and concept is not None:
            label = concept.label
            if label not in usable:
                usable[label] = bool(label) and not subject_problem(label)
            readable = label if usable[label] else ""
        year = _own_year(fig.year, clause, rest, before)
        kind = _kind(fig.unit, year, before, after, clause, rest, published)
        if sentence not in plan_of:
            plan_of[sentence] = _plan(sentence)
        out.append(fig.revised(
            start=start - offset if start >= 0 else -1, end=end - offset if end >= 0 else -1, language=language,
            kind=kind, year=None if kind == "outcome" else year, concept=_with_growth(concept, fig.unit, before, after),
            plan=plan_of[sentence], subject=readable))
    return _pair_changes(out)


def _with_growth(concept, unit: str, before: str, after: str) -> str:
    """The concept key, with 'growth' when a percentage is a rate of growth ('grow by 7%', '增长7%'), never for
    other units (an 'annual budget' in yuan is a level)."""
    if concept is None:
        return ""
    parts = concept.key.split("+")
    if unit != "percent":
        return "+".join(p for p in parts if p not in ("growth", "share_of_gdp"))
    if "growth" not in parts and "share_of_gdp" not in parts and (
            _GROWTH_BEFORE.search(before[-40:]) or _GROWTH_AFTER.match(after)):
        parts.append("growth")
    return "+".join(parts)


def _place(figures: list[Figure], text: str) -> list[tuple[int, int]]:
    """Offsets of each figure's phrase, found in its sentence, searching onward from the previous figure."""
    out, cursor = [], 0
    for fig in figures:
        s = text.find(fig.sentence, max(0, cursor - len(fig.sentence))) if fig.sentence else -1
        if s < 0:
            s = text.find(fig.sentence) if fig.sentence else -1
        at = text.find(fig.phrase, s, s + len(fig.sentence)) if s >= 0 and fig.phrase else -1
        if at < 0:
            out.append((-1, -1))
            continue
        out.append((at, at + len(fig.phrase)))
        cursor = at
    return out


def _own_year(year: int | None, clause: str, rest: str, sentence_before: str = "") -> int | None:
    """The year named in the figure's own clause, nearest to the number, over one read from a neighbouring
    clause ('70 per cent by 2027 and 90 per cent by 2030'); base years and period starts do not count."""
    named = []
    for text, sign in ((clause, -1), (rest, 1)):
        for m in _YEAR.finditer(text):
            if _BASE_YEAR.search(text[:m.start()][-16:]) or re.match(r"\s*[-–—至到]\s*20\d\d", text[m.end():]):
                continue
            distance = len(text) - m.end() if sign < 0 else m.start()
            named.append((distance, int(m.group(1))))
    if named:
        return min(named)[1]
    if year is not None:  # a target year from another clause: the nearest one before the number
        prior = [int(m.group(1)) for m in _YEAR.finditer(sentence_before)
                 if not _BASE_YEAR.search(sentence_before[:m.start()][-16:])]
        return prior[-1] if prior else year
    return year


def _near_after(after: str, language: str) -> str:
    return after[:10] if language == "zh" else ""


def _kind(unit: str, year: int | None, before: str, after: str, clause_before: str, rest: str,
          published: dt.date | None) -> str:
    """``clause_before``: the clause before the number; ``rest``: its clause after it, 80 characters at most."""
    window = clause_before + " " + rest
    near = clause_before[-30:] + " " + after[:25]
    if _FORECAST.search(before[-120:] + " " + after[:40]):
        return "forecast"
    done = published is not None and year is not None and year < published.year
    if done and not _TARGET_WORD.search(window) and (_PAST.search(window) or not _TARGET.search(window)):
        return "outcome"  # 'reached 1,800 GW by the end of 2025' or '截至2025年底…达到', reported in 2026
    if _PAST.search(clause_before[-30:]) and not _TARGET.search(clause_before[-30:]):
        return "outcome"  # 'capacity has reached 1,800 GW, and the plan aims at 3,000 GW by 2030'
    if published is not None and published.year > 2025 and _names(14, before) and not _names(15, before) \
            and not _TARGET.search(before + window):
        return "outcome"  # 'the economy grew 5.5% a year during the 14th plan period', reported under the 15th
    if year is not None or _TARGET.search(window):
        return "target"
    past_year = any(int(y) < published.year for y in _YEAR.findall(before + " " + window)) if published else False
    if _PAST.search(window) or past_year or (_AS_OF.search(before) and not _TARGET.search(before)):
        return "outcome"  # 'rose 12.5% year on year', 'an increase of 18 per cent from 2024', '截至9月底，…达到'
    if _PLAN_VERB.search(before):
        return "target"  # '纲要草案提出，…不低于65%'
    if unit == "percent" and _GROWTH.search(near):
        return "growth"
    return "level"


def _plan(sentence: str) -> str:
    if _names(14, sentence):
        return "14th" if not _names(15, sentence) else ""
    return "15th" if _names(15, sentence) else ""


# what a text holds wherever it names the 14th or 15th plan (ordinal digits or Chinese numeral, or the word):
# tested first, far faster than the regex over a sentence that names neither
_PLAN_NAMED = {14: (_PLAN_14, ("14", "十四"), "fourteenth"), 15: (_PLAN_15, ("15", "十五"), "fifteenth")}


def _names(plan: int, text: str) -> bool:
    """Whether ``text`` names the 14th or 15th Five-Year Plan."""
    regex, marks, word = _PLAN_NAMED[plan]
    return (any(m in text for m in marks) or word in text.lower()) and regex.search(text) is not None


def _restated_from_to(sentence: str, old: str, new: str, after_old: int) -> bool:
    """'from OLD to NEW' written after NEW's first mention (a headline or lead that states the new value first)."""
    at = sentence.find(new, after_old)
    start = after_old - len(old)
    return at >= 0 and bool(_FROM.search(sentence[:start][-12:])) and bool(_TO.match(sentence[after_old:at]))


def _pair_changes(figures: list[Figure]) -> list[Figure]:
    """'from A to B' within one sentence: a revision of a target (both targets, B.previous = A), or one change
    (B, its ``previous`` A; A is not a figure of its own)."""
    out, ends = list(figures), set()
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.sentence != b.sentence or a.start < 0 or b.start < 0 or a.end > b.start:
            continue
        carry = a.unit != b.unit and "count" in (a.unit, b.unit) and "_per_" in a.unit + b.unit
        if a.unit != b.unit and not carry:
            continue
        sentence, s0 = a.sentence, a.sentence.find(a.phrase)
        if s0 < 0:
            continue
        lead = sentence[:s0]
        gap_at = sentence.find(b.phrase, s0 + len(a.phrase))
        gap = sentence[s0 + len(a.phrase):gap_at] if gap_at >= 0 else None
        if gap is None:
            continue
        if _FROM.search(lead[-12:]) and _TO.match(gap):
            old, new = i, i + 1
        elif _UP_FROM.match(gap):
            old, new = i + 1, i
        elif _restated_from_to(sentence, b.phrase, a.phrase, gap_at + len(b.phrase)):
            old, new = i + 1, i  # '下修5G基地台目標 2030年每萬人45座 … 由50座下修為45座': the new value stated first
        else:
            continue
        if carry:  # 'to 500 units per 10,000 workers, up from 470 units': the bare end takes the other's unit
            counter = _COUNTER.search(out[old].phrase)
            if out[old].unit != "count" or counter and not out[new].phrase.endswith(counter.group()):
                continue
            out[old] = out[old].revised(unit=out[new].unit)
        revise = _REVISE.search(sentence)
        if revise or (out[new].kind in ("target", "forecast") and out[old].kind in ("target", "forecast")
                      and _REVISE.search(sentence)):
            kind = out[new].kind if out[new].kind in ("target", "forecast") else "target"
            year = out[new].year or out[old].year
            concept = out[i].concept or out[i + 1].concept
            out[old] = out[old].revised(kind=kind, year=year, concept=concept)
            out[new] = out[new].revised(kind=kind, year=year, previous=out[old].value, concept=concept)
        elif out[new].kind in ("target", "forecast"):
            out[old] = out[old].revised(kind="outcome" if out[old].year is None else out[old].kind)
        else:
            concept = out[new].concept or out[old].concept
            out[new] = out[new].revised(kind="change", year=None, previous=out[old].value, concept=concept)
            ends.add(old)
    return [f for j, f in enumerate(out) if j not in ends]
