"""Figures in running text: a number with its unit, scale, range, qualifier, target year, subject and conversion.

A few scans find number tokens (digits, Chinese numerals, spelled-out English numbers); each is read in place
(prefix currency, scale, unit, qualifiers) with anchored, precompiled patterns; a second pass joins ranges
('4.5% to 5%') and conversions ('($1.45 trillion)').
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from extract.figure_years import SentenceYears
from extract.lexicon import Lexicon, default_lexicon
from extract.numbers import EN_WORDS, ZH_NUMBER, parse_digits, parse_en_words, parse_zh_numeral, tidy
from extract.records import Alt, Figure, Normalised
from extract.sentences import Sentences, is_prose
from extract.subjects import subject_of
from extract.table_figures import table_cells
from extract.scan import LedPattern
from extract.taxonomy import WORD_LEADS, has_cjk, starts_word, trie_pattern

CORE_UNITS = frozenset({"percent", "percentage_points", "count"})

# Each family is scanned by its own pattern led by literal characters, which the regex engine skips to fast.
# A digit token that is a year followed by a date mark or punctuation ('2030年', 'in 2030.', '2026–2030') is
# marked (group y1 or y2) and left out without reading; the rest of a year's rules stay in _read.
_YEAR_END = r"(?=[年月日;:)，。；：）\-–—/]|,(?!\d{3})|\.(?!\d)|\Z)"
_DIGITS = re.compile(rf"(?:0|1(?P<y1>9\d\d{_YEAR_END})?|2(?P<y2>(?:0\d\d|100){_YEAR_END})?|3|4|5|6|7|8|9)"
                     r"\d*(?:,\d{3})*(?:\.\d+)?")
# what may follow a Chinese numeral for it to be read: scales, '%', '多', and the first characters of the units
_ZH_NUMERAL_NEXT = "元万萬亿億%倍级級美港欧歐日英澳吨噸吉千兆瓦太米升秒摄攝个個项項家件座台款名所条條颗顆架艘辆輛次套宗枚位户戶例张張部份批只隻片人多余餘毫成量公"
_ZH_PERCENT = re.compile("百分之(" + ZH_NUMBER + ")")
_WORD_NUMBER = LedPattern.after(
    WORD_LEADS, "(?P<t>(?:" + trie_pattern([w for w in EN_WORDS if " " not in w] + [w.capitalize() for w in EN_WORDS
                                             if " " not in w])
    + r")(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?)"
    r"(?:(?![A-Za-z])(?=[\s-]+(?:per|million|billion|trillion|thousand|hundred|to\b|and\b|or\b))|(?=fold\b))")

# '万亿级' (an order of magnitude: about 1e12): of money from 十亿 up or with 元, else a count ('访问量达百万级')
_ORDER_OF_MAGNITUDE = re.compile(r"(?:(?P<money>千亿|万亿|百亿|十亿|千億|萬億|百億|十億)元?|(?:百万|千万|百萬|千萬)(?P<yuan>元)?)"
                                 r"[级級](?!参数|參數|参|參|token|用户|用戶|人|次|个|個)")

# Where an English unit or scale word ends: \b fails before a CJK character ('500EFLOPS以上', '688981.SH收涨'),
# which counts as a word character, so these end where no ASCII letter, digit or '_' follows.
_WORD_END = r"(?![A-Za-z0-9_])"
_NO_FIGURE_AFTER = re.compile(
    rf"\s?(?:st|nd|rd|th){_WORD_END}|[年月日号號期代届屆周週岁歲季点點时時]|/\d|:\d|\.\w|\s?(?:a\.m\.|p\.m\.)"
    rf"|[-‑]?(?:G|D|K|nd|th|A|B){_WORD_END}"
    r"|\s(?:January|February|March|April|May|June|July|August|September|October|November|December)\b")
_STOCK_AFTER = re.compile(rf"\.(?:SH|SZ|HK|SS|KS|T|N|O){_WORD_END}|\((?:SH|SZ|HK)\)")



def _reversed_alternation(words) -> str:
    return "|".join(re.escape(w[::-1]) for w in sorted(words, key=len, reverse=True))


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class _Scanners:
    """A lexicon compiled into the anchored patterns and tables the readers use: built once per lexicon."""

    def __init__(self, lex: Lexicon):
        prefixes = sorted(lex.prefixes, key=len, reverse=True)
        # matched against the reversed text before a number, so the match is anchored where the number starts
        self.prefix_rev = re.compile(r"\s?(?:" + "|".join(re.escape(p[::-1]) for p in prefixes) + r")(?![A-Za-z])")
        self.prefix_last_chars = frozenset(p[-1] for p in prefixes)
        self.prefix_units = {p: c for p, c in lex.prefixes.items() if " " not in p}
        self.currencies = lex.currencies
        en_scales = [w for w in lex.scales if not has_cjk(w)]
        zh_scales = [w for w in lex.scales if has_cjk(w)]
        odd = _alternation(lex.odd)
        self.scale = re.compile(
            (rf"(?P<more>{odd})?" if odd else "")
            + rf"(?:\s?-?\s?(?P<en>(?i:{_alternation(en_scales)})){_WORD_END}"
            rf"|(?P<zh>{_alternation(zh_scales)}"
            + "".join(f"|{re.escape(w)}(?={'|'.join(map(re.escape, lex.currency_leads))})" for w in lex.currency_scales)
            + "))")
        self.scale_values = lex.scales | lex.currency_scales
        self.short_scale = re.compile(rf"(?P<s>{_alternation(lex.short_scales)}){_WORD_END}")
        self.short_scale_values = lex.short_scales
        self.unit = re.compile("|".join(f"(?P<u{i}>{'|'.join(u.fragments)})".replace(r"\b", _WORD_END)
                                        for i, u in enumerate(lex.units)))
        self.unit_names = {f"u{i}": u.name for i, u in enumerate(lex.units)}
        self.dimensions = {u.name: u.dimension for u in lex.units} | {
            "count": "count", "count_per_10k_people": "count_per_10k_people"}
        self.in_base = lex.in_base()
        self.scale_or_unit = re.compile(f"{self.scale.pattern}|{self.unit.pattern}")  # what may follow a year
        blockers = sorted(lex.blockers, key=len, reverse=True)
        self.blocker_rev = re.compile(r"\s?(?:" + "|".join(re.escape(b[::-1]) for b in blockers) + r")(?![A-Za-z])")
        verbs = "".join(lex.verbs_before)
        # matched against the reversed, lower-cased text before a figure: anchored where the figure starts
        self.qualifier_rev = re.compile(rf"\s+(?P<en>{_reversed_alternation(lex.before)})(?![a-z])"
                                        + (f"|[{re.escape(verbs)}]?" if verbs else "|")
                                        + f"(?P<zh>{_reversed_alternation(lex.before_zh)})")
        self.qualifier_after = re.compile(rf"\s?(?P<q>{_alternation(lex.after)})\b|(?P<zh>{_alternation(lex.after_zh)})")
        self.qualifier_after_first = frozenset(" ") | {w[0] for w in lex.after_zh}
        self.qualifiers = lex.qualifiers
        self.odd = tuple(lex.odd)
        self.idioms = re.compile(_alternation(lex.idioms)) if lex.idioms else None  # '千家万户': no figure inside
        self.zh_numeral = re.compile(ZH_NUMBER + "(?=[" + re.escape("".join(sorted(set(_ZH_NUMERAL_NEXT) | {
            f[0] for u in lex.units for f in u.fragments if has_cjk(f[:1]) and f[0] not in _ZH_NUMERAL_CHARS}))) + "])")


_ZH_NUMERAL_CHARS = frozenset("零〇一二两兩三四五六七八九十百千万萬亿億点點")
_compiled: dict[int, tuple[Lexicon, _Scanners]] = {}


def _scanners(lex: Lexicon | None) -> _Scanners:
    lex = lex or default_lexicon()
    if id(lex) not in _compiled:
        _compiled[id(lex)] = (lex, _Scanners(lex))
    return _compiled[id(lex)][1]

_COUNT_NOUN = re.compile(
    r"\s+(?P<np>(?:(?!(?:of|in|to|the|and|or|a|an|by|for|from|on|at|with|as|than|that|which|is|are|was|were|"
    r"be|been|has|have|had|will|would|per|this|last|next|each|every|year|percent|times)\b)"
    r"(?:[A-Za-z][\w'’+&-]*|\d+[A-Z]+)\s+){0,5}?)"
    r"(?P<noun>[a-z][a-z-]*[^\W\d_siu]s|people|children|staff|personnel)\b"
)
_NOT_COUNT_NOUNS = frozenset(
    "has was its this his does goes yes plus thus less news gas lens series species means whereas perhaps "
    "always sometimes years months weeks days hours minutes seconds decades centuries points pages comments "
    "views likes shares replies votes mins hrs secs degrees percents basis sets steps levels kilograms grams "
    "items results photos images slides videos episodes reads listings followers subscribers stars charts "
    "tons tonnes meters metres kilometers kilometres miles feet inches watts dollars euros yuan rupees".split())
_COUNTED_WITH_A_MODIFIER = frozenset({"points"})  # 'charging points', 'access points'
_ONE_IN = re.compile(r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+in\s$", re.IGNORECASE)
_MENTION_VERB = re.compile(r"\b(?:mention|appear|refer|cite|occur|repeat|named|used|uses|feature)\w*", re.IGNORECASE)
_PER_10K = re.compile(
    r"\s+(?:[A-Za-z-]+\s+){0,3}?(?:per|for every|for each|every)\s+10,?000\s+"
    r"(?:people|persons|residents|inhabitants|population|(?:[a-z-]+\s+)?(?:workers|employees))\b")
_PER_10K_ZH = re.compile(r"每[万萬]名?(?:人|工人|员工|員工|居民|职工|職工)")

_CLAUSE_LOOKBACK = 200  # how far back '每万人' may open the clause of a count ('每万人口拥有…达到18件')
_SENTENCE_BREAK = re.compile(r"[.!?。！？；;]\s|\n")
_RANGE_GAP = re.compile(r"\s*(?:to|-|‑|–|—|~|～|至|到|and)\s*$")
_UP_FROM = re.compile(r"(?:\b(?:up|down)\s+from|\bfrom|compared (?:with|to)|versus|vs\.?|against)\s+"
                      r"(?:(?:fewer|less|more) than\s+|(?:about|around|nearly|almost|some|over|under)\s+)?$")
_FROM_BEFORE = re.compile(r"(?:\bfrom\s+|[从從由])$", re.IGNORECASE)
_BETWEEN_BEFORE = re.compile(r"\bbetween\s+$", re.IGNORECASE)
_ALT_OPEN = re.compile(
    r"\s*[(（]\s*(?:(?:about|approximately|around|roughly|some|nearly|almost|or|equivalent to|worth|"
    r"约合|約合|折合|约|約|合)\s*)?")
_ALT_CLOSE = re.compile(r"\s*[)）]")
_AFTER_YEAR = frozenset("年月日,.;:)，。；：）-–—/") | {""}
_PROPER_BEFORE = re.compile(r"(?:^|\s)([A-Z][a-z]+)\s$")
_SENTENCE_START_WORDS = frozenset(
    "The This That These Those It In On At By For With From As A An And But Over Under During After Before "
    "While When Its Their Our Since Until Last Next Around About Some Nearly Almost Roughly Only Just All "
    "More Up Approximately Another Of To Than Each Every Total".split())


@dataclass(slots=True)
class _Item:
    start: int  # where the figure's phrase starts (prefix currency or qualifier included)
    num_start: int
    end: int
    value: float
    unit: str | None
    qualifier: str | None = None
    scaled: bool = False
    noun: str = ""
    scale: float = 1.0
    high: float | None = None
    alt: Alt | None = None
    alt_end: int | None = None


def _reversed_before(text: str, pos: int, n: int) -> str:
    """text[pos - n:pos] reversed, in one slice."""
    return text[pos - 1:pos - n - 1:-1] if pos > n else text[pos - 1::-1] if pos else ""


def _qualifier_before(text: str, start: int, sc: _Scanners) -> tuple[str, int] | None:
    """The qualifier written just before ``start`` ('more than', '超过') and its length."""
    m = sc.qualifier_rev.match(_reversed_before(text, start, 24).lower())
    if m is None:
        return None
    word = (m.group("en") or m.group("zh"))[::-1]
    return sc.qualifiers[word], m.end()


def _read(text: str, s: int, e: int, kind: str, prev_end: int, sc: _Scanners) -> _Item | None:
    """Read the number at text[s:e] in place: prefix, scale, unit, qualifiers; None when it is not a quantity."""
    token = text[s:e]
    prev = text[s - 1] if s else " "
    year_like = kind == "d" and len(token) == 4 and _is_year(token) and text[e:e + 1] not in sc.odd  # '2000多家'
    if year_like:
        nxt = text[e:e + 1]
        if nxt in _AFTER_YEAR or (nxt == " " and sc.scale_or_unit.match(text, e) is None):
            return None
    before_rev = _reversed_before(text, s, 12)
    last = before_rev[1:2] if prev == " " else prev
    cur = sc.prefix_rev.match(before_rev) if last in sc.prefix_last_chars else None
    if kind == "d":
        if cur is None and prev.isascii() and (prev.isalnum() or prev == "_"):
            return None
        if prev in "./:#" and s >= 2 and text[s - 2].isdigit():
            return None
        if prev == "+" or (prev in "-−" and (s < 2 or text[s - 2] in " \n(")):
            return None
        if prev in "-‑" and s >= 2 and text[s - 2].isascii() and text[s - 2].isalpha() and prev_end != s - 1:
            return None
        if text.startswith(" in ", s - 4) and _ONE_IN.search(text, s - 16, s):  # '1 in 5 manufacturers': a ratio
            return None
        value = parse_digits(token)
    elif kind == "z":
        value = parse_zh_numeral(token)
        if value is None:
            return None
        level = _ORDER_OF_MAGNITUDE.match(text, s)
        if level:
            unit = "CNY" if level.group("money") or level.group("yuan") else "count"
            return _Item(s, s, level.end(), value, unit, "about", True)
        if token.strip("万萬亿億") == "" and _qualifier_before(text, s, sc) is None:
            return None  # '（万吨）', '亿元': a unit's scale, not a number ('近万家' is one)
    else:
        if not starts_word(text, s):
            return None
        value = parse_en_words(token)
        if value is None:
            return None
    if cur is None and sc.blocker_rev.match(before_rev):
        return None

    start = s - cur.end() if cur else s
    unit = None
    if cur:
        prefix = cur.group().strip()[::-1].replace(" ", "")
        unit = sc.prefix_units[prefix]
    elif before_rev.startswith("之分百"):
        unit, start = "percent", s - 3

    pos, more, scale = e, None, 1.0
    scaled = kind == "z" and any(c in "万萬亿億" for c in token)
    if unit is None and text[e:e + 1] == "%":  # the commonest case, read without a regex
        qb = _qualifier_before(text, start, sc)
        qa = sc.qualifier_after.match(text, e + 1) if text[e + 1:e + 2] in sc.qualifier_after_first else None
        qualifier = sc.qualifiers[(qa.group("q") or qa.group("zh")).lower()] if qa else (qb[0] if qb else None)
        return _Item(start - (qb[1] if qb else 0), s, qa.end() if qa else e + 1, tidy(value), "percent", qualifier)
    sm = sc.scale.match(text, pos)
    if sm and (sm.group("en") or sm.group("zh")):
        scale = sc.scale_values[(sm.group("en") or sm.group("zh")).lower()]
        value, pos, scaled, more = value * scale, sm.end(), True, sm.group("more")
    elif cur:
        sh = sc.short_scale.match(text, pos)
        if sh:
            scale = sc.short_scale_values[sh.group("s")]
            value, pos, scaled = value * scale, sh.end(), True
    if more is None and pos < len(text) and text[pos] in sc.odd and kind != "w":
        more, pos = text[pos], pos + 1
    noun = ""
    if unit is None:
        um = sc.unit.match(text, pos)
        if um:
            unit, pos = sc.unit_names[um.lastgroup], um.end()
            if unit == "count_zh":
                unit = "count"
            elif unit == "tenths":
                unit, value = "percent", value * 10
        elif (kind == "d" and (scaled or not year_like)) or (kind == "w" and scaled):  # 'seven million people'
            cm = _COUNT_NOUN.match(text, pos)
            if cm and _is_count_noun(cm.group("np"), cm.group("noun")):
                unit, noun, pos = "count", (cm.group("np") + cm.group("noun")).strip(), cm.end()

    if unit is None:
        if year_like or _NO_FIGURE_AFTER.match(text, e):
            return None
        if kind == "d":
            pk = _PER_10K.match(text, pos)
            if pk:
                return _Item(start, s, pk.end(), tidy(value), "count_per_10k_people")
            end = pos if scaled else e
            counted = _counted_before(text, start, end, sc)
            if counted:
                counted_unit, noun, qualifier, start = counted
                return _Item(start, s, end, tidy(value), counted_unit, qualifier, scaled, noun, scale=scale)
            return _Item(start, s, end, tidy(value), None, scaled=scaled, scale=scale)
        if kind == "w" and not scaled:
            return _Item(start, s, e, tidy(value), None)
        return None
    if kind == "w" and unit == "count" and not scaled:
        return None
    if year_like and not scaled and unit in ("count", "times"):
        return None
    if text[e:e + 1] in ".(" and _STOCK_AFTER.match(text, e):
        return None
    if unit == "count":
        if noun and kind == "d":
            pr = _PROPER_BEFORE.search(text, start - 20, start)
            if pr and pr.group(1) not in _SENTENCE_START_WORDS and _qualifier_before(text, start, sc) is None:
                return None
        pk = _PER_10K.match(text, pos)
        if pk:
            unit, pos = "count_per_10k_people", pk.end()
        else:
            lo = max(0, s - _CLAUSE_LOOKBACK)
            clause_start = max(max(text.rfind(c, lo, s) for c in "，,。；;"), lo - 1)
            if _PER_10K_ZH.search(text, clause_start + 1, s):
                unit = "count_per_10k_people"

    qualifier = sc.qualifiers.get(more) if more else None
    qa = sc.qualifier_after.match(text, pos) if text[pos:pos + 1] in sc.qualifier_after_first else None
    if qa:
        qualifier = sc.qualifiers[(qa.group("q") or qa.group("zh")).lower()]
        pos = qa.end()
    qb = _qualifier_before(text, start, sc)
    if qb:
        qualifier = qualifier or qb[0]
        start -= qb[1]
    if kind == "z" and unit == "count" and not scaled and not (value >= 100 and qualifier):
        return None  # '一家', '两个' are words; '百余家', '近百名' are approximate counts
    return _Item(start, s, pos, tidy(value), unit, qualifier, scaled, noun, scale=scale)


_COUNTED_VERBS = frozenset("reach reached reaches hit hits at totaled totalled totals numbered number numbers exceed exceeded "
                           "exceeds topped tops surpassed".split())
# 'the number of 5G base stations per 10,000 people reached', 'gigabit broadband subscribers are expected to hit'
_COUNTED_BEFORE = re.compile(
    r"(?:\bnumber\s+of\s+(?P<np>(?:[\w-]+\s+){0,6}?[a-z-]+[^\W\d_su]s)|(?P<noun>\b[a-z-]+[^\W\d_su]s|\bpeople))"
    r"(?:\s+(?:in|on)\s+(?:the\s+)?(?:country|use|operation|orbit|service|total))?"
    r"(?P<per>\s+per\s+10,?000\s+(?:people|persons|residents|inhabitants|population))?"
    r"\s+(?:(?:is|are|was|were|will|would|has|have|had|be|been|expected|set|likely|to|now|already|also)\s+){0,4}"
    r"(?:reach(?:ed|es)?|hits?|stood at|stands? at|totall?ed|totals?|numbered|numbers?|exceed(?:ed|s)?|topp?(?:ed|s)|"
    r"surpassed)\s+$")
_NOT_COUNTED = _NOT_COUNT_NOUNS - {"subscribers", "followers"} | frozenset(
    "sales revenues exports imports profits earnings assets investments prices costs rates funds reserves emissions "
    "capacities volumes outputs savings deposits loans debts taxes wages salaries incomes budgets".split())
_RANGE_AFTER = re.compile(r"\s*(?:to|-|‑|–|—|~|and)\s*[\d$¥€£]")


def _counted_before(text: str, start: int, end: int, sc: _Scanners) -> tuple[str, str, str | None, int] | None:
    """(unit, counted thing, qualifier, start) of a bare number whose counted thing stands before it: 'base
    stations per 10,000 people will reach 50' (count_per_10k_people), 'subscribers are expected to hit 320 million'."""
    qb = _qualifier_before(text, start, sc)
    at = start - (qb[1] if qb else 0)
    last = text[max(0, at - 12):at].split()
    if not last or last[-1].lower() not in _COUNTED_VERBS or _RANGE_AFTER.match(text, end):
        return None
    m = _COUNTED_BEFORE.search(text, max(0, at - 110), at)
    if m is None:
        return None
    thing = (m.group("np") or m.group("noun")).strip()
    if thing.split()[-1].lower() in _NOT_COUNTED or _SENTENCE_BREAK.search(text, m.start(), at):
        return None
    unit = "count_per_10k_people" if m.group("per") else "count"
    return unit, thing + (m.group("per") or ""), qb[0] if qb else None, at


def _is_count_noun(modifiers: str, noun: str) -> bool:
    """'factories', 'charging points'; not 'years', 'points' or 'basis points'."""
    noun = noun.lower()
    if noun not in _NOT_COUNT_NOUNS:
        return True
    last = modifiers.split()[-1].lower() if modifiers.strip() else ""
    return noun in _COUNTED_WITH_A_MODIFIER and last not in ("", "basis", "percentage", "index", "more", "few")


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2100


def _candidates(text: str, lo: int, hi: int, sc: _Scanners) -> list[tuple[int, int, str]]:
    found = [(m.start(), m.end(), "d") for m in _DIGITS.finditer(text, lo, hi) if m.lastindex is None]
    if has_cjk(text[lo:hi]):
        found += [(m.start(), m.end(), "z") for m in sc.zh_numeral.finditer(text, lo, hi)]
        found += [(m.start(1), m.end(1), "z") for m in _ZH_PERCENT.finditer(text, lo, hi)]
    found += [(m.start("t") - 1, m.end("t") - 1, "w") for m in _WORD_NUMBER.finditer("\n" + text, lo, hi + 1)]
    found.sort()
    if sc.idioms is not None and has_cjk(text[lo:hi]):
        spans = [m.span() for m in sc.idioms.finditer(text, lo, hi)]
        if spans:
            found = [c for c in found if not any(a <= c[0] < b for a, b in spans)]
    return found


def _items(text: str, lo: int, hi: int, sc: _Scanners) -> list[_Item]:
    items: list[_Item] = []
    resume = lo
    for s, e, kind in _candidates(text, lo, hi, sc):
        if s < resume:
            continue
        item = _read(text, s, e, kind, items[-1].end if items else -1, sc)
        if item is None:
            continue
        items.append(item)
        resume = item.end
    return items


def _join(text: str, items: list[_Item], sc: _Scanners) -> list[_Item]:
    """Join ranges and conversions; a 'from X to Y' pair stays two figures, X taking Y's unit."""
    out: list[_Item] = []
    i = 0
    while i < len(items):
        a = items[i]
        b = items[i + 1] if i + 1 < len(items) else None
        if b is not None and b.unit and a.end <= b.start:
            gap = text[a.end:b.num_start if b.start == b.num_start else b.start]
            if _RANGE_GAP.fullmatch(gap) or (gap.strip() in ("", "-", "–", "—") and _RANGE_GAP.match(gap)):
                is_and = gap.strip() == "and"
                lead = text[a.start - 12 if a.start > 12 else 0:a.start]
                if _FROM_BEFORE.search(lead):
                    if a.unit is None:
                        a = replace(a, unit=b.unit, value=a.value if a.scaled else tidy(a.value * b.scale))
                    out.append(a)
                    i += 1
                    continue
                if (a.unit is None or a.unit == b.unit) and (not is_and or _BETWEEN_BEFORE.search(lead)) \
                        and not (b.qualifier and b.start < b.num_start and a.unit is None):
                    low = a.value if a.scaled or a.unit else tidy(a.value * b.scale)
                    if low < b.value:
                        qb = None if a.qualifier or b.qualifier else _qualifier_before(text, a.start, sc)
                        joined = replace(b, start=a.start - (qb[1] if qb else 0), value=low, high=b.value,
                                         qualifier=a.qualifier or b.qualifier or (qb[0] if qb else None))
                        items[i + 1] = joined
                        i += 1
                        continue
        if a.unit and a.unit in sc.currencies and b is not None and b.unit:
            op = _ALT_OPEN.match(text, a.end)
            if op and op.end() >= b.start - 1 and op.end() <= b.num_start:
                cl = _ALT_CLOSE.match(text, b.end)
                if cl:
                    a = replace(a, alt=Alt(b.value, b.unit), alt_end=cl.end())
                    out.append(a)
                    i += 2
                    continue
        if a.unit is None and out and out[-1].unit and _UP_FROM.search(text, a.start - 20, a.start) \
                and not (out[-1].scaled and a.value < 1000) and not _SENTENCE_BREAK.search(text, out[-1].end, a.start):
            qb = _qualifier_before(text, a.start, sc)
            a = replace(a, unit=out[-1].unit, qualifier=qb[0] if qb else None, start=a.start - (qb[1] if qb else 0))
        out.append(a)
        i += 1
    return [x for x in out if x.unit]


_WORDS = re.compile(r"[A-Za-z]{3,}|[\u3400-\u9fff]")


def _same_thing(subjects: list[str], subject: str) -> bool:
    """Whether a single value stated again is about one of the things it was stated about before: their subjects
    share a word (two Chinese characters count as one), or one says nothing. '5.2% investment growth' and a '5.2%
    unemployment rate' are two figures; a range or a conversion stated twice is one ('4.5-5 percent')."""
    words = {w.lower() for w in _WORDS.findall(subject)}
    if not words:
        return True
    for earlier in subjects:
        other = {w.lower() for w in _WORDS.findall(earlier)}
        shared = words & other
        if not other or any(len(w) > 1 for w in shared) or len(shared) >= 2:
            return True
    return False


def find_figures(text: str, *, start: int = 0, sentences: Sentences | None = None,
                 tech_of=None, published: dt.date | None = None, lexicon: Lexicon | None = None) -> list[Figure]:
    """Every figure in ``text[start:]``; ``tech_of(s0, s1)`` names the technologies of a sentence span.

    ``lexicon`` is the vocabulary (default: extract/lexicon's files), compiled on first use."""
    sentences = sentences or Sentences(text)
    figures: list[Figure] = []
    spans: list[tuple[int, int]] = []  # where each figure is, for the table cells read after
    seen: dict[tuple, list[str]] = {}  # the subjects each value was already stated about
    # per sentence start: None for furniture, else (sentence, its years, its technologies)
    about: dict[int, tuple[str, SentenceYears, tuple[str, ...]] | None] = {}
    sc = _scanners(lexicon)
    items = _join(text, _items(text, start, len(text), sc), sc)
    starts = [item.num_start for item in items]
    at_figures = frozenset(starts)
    for item in items:
        s0, s1 = sentences.at(item.num_start)
        if s0 in about:
            sentence_info = about[s0]
        else:
            sentence_info = about[s0] = (text[s0:s1].strip(), SentenceYears(text, s0, s1, published, at_figures),
                                         tech_of(s0, s1) if tech_of else ()) if is_prose(text[s0:s1]) else None
        if sentence_info is None:
            continue
        sentence, years, technologies = sentence_info
        unit = item.unit
        if unit == "times" and _MENTION_VERB.search(text, max(s0, item.start - 80), item.start):
            unit = "count"
        end = item.alt_end or item.end
        year = years.year_of(item.num_start, end, starts)
        subject = subject_of(text, s0, s1, item.start, end, item.num_start, item.noun, unit)
        key = (unit, item.value, item.high, item.qualifier, year, item.alt)
        if key in seen and (item.high is not None or item.alt is not None or _same_thing(seen[key], subject)):
            continue
        seen.setdefault(key, []).append(subject)
        spans.append((item.start, end))
        figures.append(Figure(
            value=item.value, unit=unit, phrase=text[item.start:end].strip(), sentence=sentence,
            low=item.value if item.high is not None else None, high=item.high, qualifier=item.qualifier, year=year,
            subject=subject, technologies=technologies, alt=item.alt, dimension=sc.dimensions.get(unit, ""),
            normalised=_normalised(unit, item.value, item.high, sc),
        ))
    if "|" in text:
        _add_table_figures(text, start, published, tech_of, sc, figures, spans)
    return figures


def _add_table_figures(text: str, lo: int, published: dt.date | None, tech_of, sc: _Scanners,
                       figures: list[Figure], spans: list[tuple[int, int]]) -> None:
    """Insert, in text order, the figures of indicator-table cells that running text reading left out."""
    found = []
    for cell in table_cells(text, lo, published):
        if any(a < cell.end and cell.start < b for a, b in spans):
            continue
        read = _items(cell.written, 0, len(cell.written), sc)
        if not read or read[0].num_start != 0 or read[0].unit is None:
            continue
        item = read[0]
        unit = "count_per_10k_people" if item.unit == "count" and cell.per_10k else item.unit
        found.append((cell.start, Figure(
            value=item.value, unit=unit, phrase=text[cell.start:cell.end], sentence=text[cell.row[0]:cell.row[1]].strip(),
            qualifier=item.qualifier, year=cell.year, subject=cell.label,
            technologies=tech_of(*cell.row) if tech_of else (), dimension=sc.dimensions.get(unit, ""),
            normalised=_normalised(unit, item.value, None, sc))))
    if found:
        merged = sorted([(a, f) for (a, _), f in zip(spans, figures)] + found, key=lambda af: af[0])
        figures[:] = [f for _, f in merged]


def _normalised(unit: str, value: float, high: float | None, sc: _Scanners) -> Normalised | None:
    """The figure in its dimension's base unit, when its unit is another unit of that dimension."""
    base = sc.in_base.get(unit)
    if base is None or base[0] == unit:
        return None
    name, factor = base
    return Normalised(name, tidy(value * factor), None if high is None else tidy(high * factor))


def is_core_unit(unit: str) -> bool:
    """Core units: percent, percentage points, currencies (ISO codes) and counts."""
    return unit in CORE_UNITS or (len(unit) == 3 and unit.isupper() and unit.isalpha())


