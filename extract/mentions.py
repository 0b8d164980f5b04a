"""Mentions of China's Five-Year Plan (attributed to the 15th, the 14th or neither) and of technologies."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections import Counter
from typing import NamedTuple

from extract.lexicon import Lexicon, default_lexicon
from extract.records import Mention
from extract.scan import LedPattern
from extract.sentences import Sentences
from extract.taxonomy import Taxonomy, has_cjk, starts_word, word_alternation

_ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
                  "thirteenth fourteenth fifteenth sixteenth").split()
_ORD = r"\d{1,2}(?:st|nd|rd|th)|" + "|".join(_ORDINAL_WORDS)
_PLAN_EN_TAIL = (r"[\s-]+(?:[Yy]ear|YEAR)[\s-]+"
                 r"(?i:(?:national|economic|and|social|socio-economic|development|industrial|policy)\s+){0,4}"
                 r"(?i:plans?|blueprints?|programmes?|programs?|roadmaps?|outlines?)\b")
_PLAN_EN = LedPattern({"F": f"Five{_PLAN_EN_TAIL}|FIVE{_PLAN_EN_TAIL}|FYP\\b", "f": f"five{_PLAN_EN_TAIL}",
                       "5": f"5{_PLAN_EN_TAIL}"})
# China's plan named by its period alone: 'China's 2026-2030 plan', 'national development plan for 2026-2030'.
# Only national or economic and social development plans qualify: 'the 2021-2025 action plan' does not.
_PERIOD = re.compile(r"20\d\d\s*(?:-|–|—|to|through)\s*20\d\d(?!\d)")
_PERIOD_PLAN_AFTER = re.compile(
    r"\s+(?:(?:national|economic|social|development|and)\s+){0,4}(?:plans?|blueprints?)\b", re.IGNORECASE)
_PERIOD_PLAN_BEFORE = re.compile(
    r"\b(?:national|economic|social|new|draft)(?:\s+(?:and\s+)?(?:economic|social|development))*\s+(?:plans?|blueprints?)\s+"
    r"(?:for|covering)\s+(?:the\s+)?(?:(?:period|years)\s+)?(?:of\s+)?$", re.IGNORECASE)
# 'the 14th plan's target', 'as 15th plan puts compute at core': a tracked plan by its ordinal alone, matched
# against the text before each 'plan' (found with str.find: far faster than a case-insensitive scan)
_ORDINAL_PLAN = re.compile(rf"(?<![\w-])(?P<ord>{_ORD})\s+(?:national\s+)?$", re.IGNORECASE)
_PLAN_WORD_END = re.compile(r"(?:['’]s)?(?![\w-])")
_ORDINAL_BEFORE = re.compile(rf"\b(?P<ord>{_ORD})[\s-]+(?:(?:national|draft)\s+)?$", re.IGNORECASE)
_PLAN_ZH_OTHER = r"十[一二三六]五(?![年个個%])|第[一二三四五六七八九十]+[个個]五年(?:规划|規劃|计划|計劃)"
_PLAN_ZH_GENERIC = r"五年(?:发展|的)?(?:规划|規劃|计划|計劃)"

_PERIOD_START_ZH = re.compile(r"[”」』\"]?(?:初期|初)")
_BETWEEN_STOP = frozenset("and or but the a an of in to for with on at by from under during".split())
_OWN_PLAN = re.compile(r"\b(?:its|their|a|an)\s+(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
_TITLES = frozenset("President Premier Vice Chairman Minister Mr Ms Mrs Dr Professor Prof Chief General Secretary "
                    "Governor Mayor Party".split())
_CHINA_NAME = re.compile(r"\b(?:China|Chinese|Beijing|PRC|Xi Jinping|Li Qiang|State Council|NDRC)\b|中国|中國")
_FUNCTION_WORDS = frozenset("The This That These Those It In On At By For With From As A An And But Over "
                            "Under During After Before While When Its Their Our Under Since Until "
                            "Last Next Over According".split())
# 'from 2026 to 2030', '2021-25', 'through 2030': every branch led by a literal, which the regex engine skips to
_YEAR_SEP = r"\s*(?:-|–|—|－|~|～|to|through|until|至|到)\s*"
_YEARS = re.compile("|".join(
    [rf"{c}\d\d{_YEAR_SEP}(?P<last{c}>(?:19|20)?\d\d)(?!\d)" for c in ("19", "20")]
    + [rf"{w}\s+(?P<by{i}>(?:19|20)\d\d)(?!\d)"
       for i, w in enumerate(("through", "until", "till", "to", "by", "up to", "by the end of"))]))
_CHINA_ZH = r"中国|中國|我国|我國|国务院|國務院|全国|全國|国家发展改革委|國家發展改革委"
_STATE = re.compile(
    r"\b(?:Beijing|State Council|National People['’]s Congress|NPC|NDRC|Xi Jinping|Li Qiang|Li Keqiang|Communist Party|"
    r"CPC|Politburo|ministry|ministries|government|national|central|premier|policymakers|planners|officials|"
    r"state media|Xinhua|legislature|Two Sessions|lawmakers)\b|国务院|國務院|国家|國家|中央|政府|全国|全國|发改委|發改委",
    re.IGNORECASE)


class TechHit(NamedTuple):
    start: int
    end: int
    term: str
    ids: tuple[str, ...]


class PlanHit(NamedTuple):
    start: int
    end: int
    term: str
    key: str | None  # '15th' / '14th' when placed by ordinal, name or years; None otherwise
    china: bool
    ordinal: bool  # names a plan by number, even one the taxonomy does not track (the 13th)
    next_plan: bool = False
    previous_plan: bool = False  # 'the previous plan', '上一个五年': the one before the plan the article places


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class _PlanMatchers:
    """The taxonomy's plans and China words and the lexicon's plan words, compiled once."""

    def __init__(self, tax: Taxonomy, lex: Lexicon):
        words_of = {k: ([w for w in v if not has_cjk(w)], [w for w in v if has_cjk(w)])
                    for k, v in lex.plan_words.items()}
        self.company_words = tuple(words_of["companies"][0])
        self.company = re.compile(rf"(?:{_alternation(words_of['companies'][0])})\b")
        self.other_country = re.compile(  # \b(?:India|...)\b
            "(?:" + word_alternation(words_of["countries"][0], lead=r"(?<!\w.)", ignore_case=False) + r")\b")
        self.nationality = re.compile(
            rf"(?P<adj>{_alternation(words_of['nationalities'][0])}|Chinese|China)\s+(?:[\w-]+\s+){{0,2}}$")
        self.zh_other_owner = re.compile(_alternation(words_of["companies"][1] + words_of["countries"][1]))
        self.zh_china_owner = re.compile(_alternation(words_of["china"][1]))
        self.next_words = tuple(words_of["next"][0])
        self.next_en = re.compile(rf"\b(?:{_alternation(words_of['next'][0])})\s+(?:[\w-]+\s+)?$", re.IGNORECASE)
        self.next_zh = re.compile(f"(?:{_alternation(words_of['next'][1])})$")
        self.previous_words = tuple(w.lower() for w in words_of["previous"][0])
        self.previous_en = re.compile(  # matched before 'plan' or 'blueprint', as _ORDINAL_PLAN
            rf"\b(?:the|its|China['’]s)\s+(?:{_alternation(words_of['previous'][0])})\s+(?:five-year\s+)?$",
            re.IGNORECASE)
        self.previous_zh = re.compile(f"(?:{_alternation(words_of['previous'][1])})$")
        # '五年' after a word of the next or previous plan, its lookbehind after the '五' so each branch opens
        # with a literal: the engine then skips to where one of their first characters stands
        placed = [f"五(?<={re.escape(w)}五)年" for w in words_of["next"][1] + words_of["previous"][1]]
        self.ordinal_key = {o.lower(): p.key for p in tax.plans for o in p.ordinals}
        names = sorted({n: p.key for p in tax.plans for n in p.names}.items(), key=lambda kv: -len(kv[0]))
        self.name_key = dict(names)
        # one alternation of literal-led branches (no wrapping groups), classified after the match
        self.zh = re.compile("|".join([re.escape(n) for n, _ in names] + [_PLAN_ZH_OTHER, _PLAN_ZH_GENERIC] + placed))
        words = sorted(tax.china, key=len, reverse=True)
        self.china_word = re.compile("(?:" + word_alternation(words, lead=r"(?<!\w.)") + r")\b")  # \b(?:words)\b
        self.china_doc = re.compile(
            r"\b(?:" + "|".join(re.escape(w) for w in words if w[0].isupper()) + r")\b|" + _CHINA_ZH)


# Owner of '十五五' and China's other plan names when nothing near says: China's, unless the article speaks of
# someone else's plan elsewhere and never of China's ('集团"十五五"战略规划').
_BY_NAME = object()

_plan_matchers: dict[tuple[int, int], tuple[Taxonomy, Lexicon, _PlanMatchers]] = {}


def _matchers(tax: Taxonomy, lex: Lexicon | None = None) -> _PlanMatchers:
    lex = lex or default_lexicon()
    hit = _plan_matchers.get((id(tax), id(lex)))
    if hit is None or hit[0] is not tax or hit[1] is not lex:
        hit = _plan_matchers[(id(tax), id(lex))] = (tax, lex, _PlanMatchers(tax, lex))
    return hit[2]


def find_technologies(text: str, tax: Taxonomy) -> list[TechHit]:
    """Every technology term in ``text``, in order; excluded phrases ('blue-chip') removed."""
    tm = tax.matchers
    ids_of = tm.ids_of
    hits = []
    if tm.words is not None:
        for m in tm.words.finditer("\n" + text):
            start, end = m.start("t") - 1, m.end("t") - 1
            term = text[start:end]
            key = tm.key_of(term, tm.words)
            if key in tm.excludable and _excluded(text, start, end, tm.exclude):
                continue
            ids = ids_of.get(key)
            if ids:
                hits.append(TechHit(start, end, term, ids))
    if tm.caps is not None:
        for m in tm.caps.finditer(text):
            start = m.start()
            if starts_word(text, start):
                ids = ids_of.get(tm.key_of(m.group(), tm.caps))
                if ids:
                    hits.append(TechHit(start, m.end(), m.group(), ids))
    if tm.cjk is not None and has_cjk(text):
        for m in tm.cjk.finditer(text):
            ids = ids_of.get(m.group())
            if ids:
                hits.append(TechHit(m.start(), m.end(), m.group(), ids))
    hits.sort(key=_start)
    return hits


def _start(hit: TechHit) -> int:
    return hit.start


def _excluded(text: str, start: int, end: int, exclude: re.Pattern) -> bool:
    return any(x.start("t") <= start and end <= x.end("t")
               for x in exclude.finditer(text, max(0, start - 24), end + 24))


def technologies_between(hits: list[TechHit], starts: list[int], start: int, end: int) -> tuple[str, ...]:
    """Technology ids of the hits inside [start, end); ``starts`` is [h.start for h in hits]."""
    found: list[str] = []
    for h in hits[bisect_left(starts, start):bisect_left(starts, end)]:
        found.extend(i for i in h.ids if i not in found)
    return tuple(found)


def technology_mentions(hits: list[TechHit], tax: Taxonomy) -> tuple[list[str], list[Mention]]:
    counts = Counter((i, h.term) for h in hits for i in h.ids)
    present = {i for i, _ in counts}
    ids = [t for t in tax.technology_ids if t in present]
    rank = {t: n for n, t in enumerate(ids)}
    mentions = [Mention("technology", i, term, n)
                for (i, term), n in sorted(counts.items(), key=lambda kv: (rank[kv[0][0]], -kv[1]))]
    return ids, mentions


def _plan_of_years(sentence: str, tax: Taxonomy) -> str | None:
    for m in _YEARS.finditer(sentence):
        if m.start() and (sentence[m.start() - 1].isalnum()):
            continue
        year = m.group(m.lastgroup)
        if m.lastgroup.startswith("by"):
            key = next((p.key for p in tax.plans if p.last_year == int(year)), None)
        else:
            first, last = int(m.group()[:4]), year
            last = int(last) if len(last) == 4 else first // 100 * 100 + int(last)
            key = next((p.key for p in tax.plans if p.first_year == first and p.last_year == last), None)
        if key:
            return key
    return None


def _possessive_owner(prefix: str) -> str | None:
    """'X' of "X's [up to four words] <mention>", with X's capitalised words before it ('National People's')."""
    best, cut = -1, 0
    for mark, owner_end in (("'s ", 0), ("’s ", 0), ("s' ", 1), ("s’ ", 1)):
        i = prefix.rfind(mark)
        if i > best:
            best, cut = i, i + owner_end
    if best < 0:
        return None
    between = prefix[best + 3:].split()
    if len(between) > 4 or any(w.lower() in _BETWEEN_STOP for w in between):
        return None
    words = prefix[:cut].split()
    if not words:
        return None
    owner = [words[-1]]
    for w in reversed(words[-4:-1]):
        if not w[:1].isupper():
            break
        owner.insert(0, w)
    return " ".join(owner).strip("“\"‘(")


def _owner(prefix: str, sentence: str, text: str, pm: _PlanMatchers, proper: dict[str, bool]) -> bool | None:
    """True: China's plan; False: someone else's (India's, a company's); None: the text does not say.

    ``proper`` caches which first words are proper nouns in ``text`` (each answer scans the text)."""
    m = pm.nationality.search(prefix, max(0, len(prefix) - 48))
    if m and (not m.start() or not prefix[m.start() - 1].isalpha()):
        return m.group("adj") in ("Chinese", "China")
    owner = _possessive_owner(prefix)
    if owner and owner.lower() not in ("its", "their", "year", "years", "this year", "last year", "next year"):
        return bool(pm.china_word.search(owner))
    if _OWN_PLAN.search(prefix, max(0, len(prefix) - 40)):
        # 'X unveiled a five-year plan', 'X is pressing ahead with its five-year plan': X's own plan
        first = _first_word(sentence)
        if first and pm.other_country.fullmatch(first):
            return False  # 'Vietnam's party congress approved a five-year plan'
        if first and first not in proper:
            proper[first] = _is_proper_noun(first, text)
        if first and proper[first] and first not in _TITLES and not pm.china_word.fullmatch(first):
            return False
        if pm.china_word.search(" ".join(sentence.split()[:8])):
            return True
    if any(w in sentence for w in pm.company_words) and \
            any(not m.start() or not sentence[m.start() - 1].isalpha() for m in pm.company.finditer(sentence)):
        return False
    if (pm.other_country.search(" ".join(sentence.split()[:8])) or pm.other_country.search(prefix)) \
            and not _CHINA_NAME.search(sentence):
        return False  # 'Vietnam aims for 10% growth under the five-year plan adopted by the Party congress'
    return None


def _next_plan(prefix: str, pm: _PlanMatchers) -> bool:
    """'the next five-year plan', 'the upcoming plan'."""
    low = prefix.lower()
    return any(w in low for w in pm.next_words) and pm.next_en.search(prefix) is not None  # substring tests first


def _first_word(sentence: str) -> str:
    words = sentence.split(maxsplit=1)
    return re.sub(r"['’]s$", "", words[0].strip("“\"‘'(,:;")) if words else ""


def _is_proper_noun(word: str, text: str) -> bool:
    """A capitalised word that is not merely starting a sentence: an acronym, or capitalised mid-sentence too."""
    if not word[:1].isupper() or word in _FUNCTION_WORDS:
        return False
    if len(word) >= 2 and word.isupper():
        return True
    at = text.find(word)
    while at >= 0:
        before = text[max(0, at - 3):at]
        if before[-1:].isspace() and "\n" not in before and before.rstrip()[-1:] in set("abcdefghijklmnopqrstuvwxyz,;") \
                and not text[at + len(word):at + len(word) + 1].isalpha():
            return True
        at = text.find(word, at + 1)
    return False


def _owner_zh(prefix: str, pm: _PlanMatchers, unknown=None):
    """True: China's plan ('国家', '全国' just before); False: a company's or another country's; else ``unknown``."""
    near = prefix[-12:]
    if pm.zh_other_owner.search(near):
        return False
    if pm.zh_china_owner.search(near):
        return True
    return unknown


def find_plans(text: str, tax: Taxonomy, sentences: Sentences | None = None,
               lexicon: Lexicon | None = None) -> list[PlanHit]:
    """Every Five-Year Plan mention in ``text`` with whose plan it is and which plan it places (``lexicon``: the
    plan words, default extract/lexicon's)."""
    pm = _matchers(tax, lexicon)
    sentences = sentences or Sentences(text)
    raw: list[tuple[int, int, str, str | None, bool | None, bool, bool, bool]] = []
    proper: dict[str, bool] = {}
    for m in _PLAN_EN.finditer(text):
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_-"):
            continue
        s0, s1 = sentences.at(m.start())
        sentence = text[s0:s1]
        om = _ORDINAL_BEFORE.search(text, max(0, m.start() - 24), m.start())
        if m.group().upper() == "FYP" and om is None:
            continue
        ordinal = om.group("ord").lower() if om else ""
        start = om.start() if om else m.start()
        key = pm.ordinal_key.get(ordinal) if ordinal else _plan_of_years(sentence, tax)
        prefix = text[max(s0, start - 64):start]
        owner = _owner(prefix, sentence, text, pm, proper)
        if owner is None and key and ordinal:
            owner = True  # only China numbers its Five-Year Plans into the teens today
        raw.append((start, m.end(), text[start:m.end()], key, owner, bool(ordinal),
                    _next_plan(prefix, pm), False))
    _short_mentions(text, sentences, pm, proper, raw)
    for m in _PERIOD.finditer(text):
        first, last = int(m.group()[:4]), int(m.group()[-4:])
        key = next((p.key for p in tax.plans if (p.first_year, p.last_year) == (first, last)), None)
        if key is None or (m.start() and text[m.start() - 1].isalnum()):
            continue
        after = _PERIOD_PLAN_AFTER.match(text, m.end())
        before = None if after else _PERIOD_PLAN_BEFORE.search(text, max(0, m.start() - 64), m.start())
        if not (after or before):
            continue
        start, end = (m.start(), after.end()) if after else (before.start(), m.end())
        if any(s < end and start < e for s, e, *_ in raw):  # part of a Five-Year Plan mention found above
            continue
        s0, s1 = sentences.at(start)
        owner = _owner(text[max(s0, start - 64):start], text[s0:s1], text, pm, proper)
        raw.append((start, end, text[start:end], key, owner, False, False, False))
    for m in pm.zh.finditer(text) if "五" in text else ():
        s0, s1 = sentences.at(m.start())
        prefix = text[max(s0, m.start() - 24):m.start()]
        if _PERIOD_START_ZH.match(text, m.end()):
            continue  # '较“十四五”初期增长30倍': a point in time, not the plan
        if m.group() in pm.name_key:
            raw.append((m.start(), m.end(), m.group(), pm.name_key[m.group()], _owner_zh(prefix, pm, _BY_NAME),
                        True, False, False))
        elif m.group().startswith("第"):  # another plan by number: India and Vietnam number theirs too
            raw.append((m.start(), m.end(), m.group(), None, _owner_zh(prefix, pm), True, False, False))
        elif not m.group().startswith("五"):  # 十一五, 十三五: China's names
            raw.append((m.start(), m.end(), m.group(), None, _owner_zh(prefix, pm, _BY_NAME), True, False, False))
        else:
            previous = bool(pm.previous_zh.search(prefix))
            raw.append((m.start(), m.end(), m.group(), _plan_of_years(text[s0:s1], tax),
                        _owner_zh(prefix, pm, _BY_NAME if previous else None), False, bool(pm.next_zh.search(prefix)),
                        previous))
    if not raw:
        return []
    china_explicit = sum(1 for r in raw if r[4] is True)
    other_explicit = sum(1 for r in raw if r[4] is False)
    default = china_explicit > 0 or (other_explicit == 0 and bool(pm.china_doc.search(text))
                                     and bool(_STATE.search(text)))
    by_name = default or other_explicit == 0
    hits = [PlanHit(s, e, term, key, default if owner is None else by_name if owner is _BY_NAME else owner, ordinal,
                    nxt, prev) for s, e, term, key, owner, ordinal, nxt, prev in raw]
    return sorted(hits, key=lambda h: h.start)


def _short_mentions(text: str, sentences: Sentences, pm: _PlanMatchers, proper: dict[str, bool], raw: list) -> None:
    """Plans named without 'five-year': a tracked plan by ordinal ('the 14th plan's target') and the previous
    plan ('the previous plan', 'its preceding blueprint'), whose owner, unless said, is the article's plans';
    added to ``raw`` where no mention was found yet."""
    taken = [(s, e) for s, e, *_ in raw]
    low = text.lower()
    for word in ("plan", "blueprint"):
        next_at = low.find(word)
        while next_at >= 0:
            at, next_at = next_at, low.find(word, next_at + 1)
            if any(s <= at < e for s, e in taken):  # inside 'Five-Year Plan', found above
                continue
            lo = max(0, at - 40)
            near = low[lo:at]
            m = _ORDINAL_PLAN.search(text, lo, at) if word == "plan" and "th" in near else None
            key = pm.ordinal_key.get(m.group("ord").lower()) if m else None
            prev = None if key or not any(w in near for w in pm.previous_words) \
                else pm.previous_en.search(text, lo, at)
            tail = _PLAN_WORD_END.match(text, at + len(word)) if key or prev else None
            if tail is None:
                continue
            start, end = (m or prev).start(), tail.end()
            s0, s1 = sentences.at(start)
            owner = _owner(text[max(s0, start - 64):start], text[s0:s1], text, pm, proper)
            raw.append((start, end, text[start:end], key, _BY_NAME if owner is None else owner, bool(key), False,
                        not key))


def plan_keys(hits: list[PlanHit], tax: Taxonomy, published: dt.date | None) -> list[str]:
    """The plans an article speaks of: those placed by its mentions, else by its date, else 'unspecified';
    with the plan before when it speaks of 'the previous plan'."""
    keys = _placed_keys(hits, tax, published)
    if len(keys) == 1 and keys[0] != "unspecified" and any(h.china and h.previous_plan for h in hits):
        first = tax.plan(keys[0]).first_year
        before = next((p.key for p in tax.plans if p.last_year == first - 1), None)
        if before:
            keys = [p.key for p in tax.plans if p.key in (before, keys[0])]
    return keys


def _placed_keys(hits: list[PlanHit], tax: Taxonomy, published: dt.date | None) -> list[str]:
    china = [h for h in hits if h.china]
    if not china:
        return []
    placed = {h.key for h in china if h.key}
    if placed:
        return [p.key for p in tax.plans if p.key in placed]
    if published is not None:
        key = tax.plan_for_year(published.year)
        if key and any(h.next_plan for h in china):
            current = tax.plan(key)
            key = next((p.key for p in tax.plans if p.first_year == current.last_year + 1), key)
        elif key and tax.plan(key).last_year == published.year:
            key = None  # in a plan's last year the next one is being drafted: 'the Five-Year Plan' may be either
        if key:
            return [key]
    return ["unspecified"]


def plan_mentions(hits: list[PlanHit], keys: list[str]) -> list[Mention]:
    fallback = keys[0] if len(keys) == 1 else "unspecified"
    counts = Counter((h.key or fallback, h.term) for h in hits if h.china)
    return [Mention("plan", key, term, n) for (key, term), n in counts.items()]
