"""Figures in running text: a number with its unit, scale, range, qualifier, target year, subject and conversion.

A few scans find number tokens (digits, Chinese numerals, spelled-out English numbers); each is read in place
(prefix currency, scale, unit, qualifiers) with anchored, precompiled patterns; a second pass joins ranges
('4.5% to 5%') and conversions ('($1.45 trillion)').
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from extract.numbers import EN_WORDS, ZH_NUMBER, parse_digits, parse_en_words, parse_zh_numeral, scale_of, tidy
from extract.records import Alt, Figure
from extract.sentences import Sentences, is_prose
from extract.subjects import subject_of
from extract.scan import LedPattern
from extract.taxonomy import WORD_LEADS, has_cjk, starts_word, trie_pattern

CORE_UNITS = frozenset({"percent", "percentage_points", "count"})

# Each family is scanned by its own pattern led by literal characters, which the regex engine skips to fast.
# A digit token that is a year followed by a date mark or punctuation ('2030年', 'in 2030.', '2026–2030') is
# marked (group y1 or y2) and left out without reading; the rest of a year's rules stay in _read.
_YEAR_END = r"(?=[年月日;:)，。；：）\-–—/]|,(?!\d{3})|\.(?!\d)|\Z)"
_DIGITS = re.compile(rf"(?:0|1(?P<y1>9\d\d{_YEAR_END})?|2(?P<y2>(?:0\d\d|100){_YEAR_END})?|3|4|5|6|7|8|9)"
                     r"\d*(?:,\d{3})*(?:\.\d+)?")
_ZH_NUMERAL = re.compile(ZH_NUMBER + r"(?=[元万萬亿億%倍级級美港欧歐日英澳吨噸吉千兆瓦太米升秒摄攝个個项項家件座台款名所条條"
                         r"颗顆架艘辆輛次套宗枚位户戶例张張部份批只隻片人多余餘毫成量公])")
_ZH_PERCENT = re.compile("百分之(" + ZH_NUMBER + ")")
_WORD_NUMBER = LedPattern.after(
    WORD_LEADS, "(?P<t>(?:" + trie_pattern([w for w in EN_WORDS if " " not in w] + [w.capitalize() for w in EN_WORDS
                                             if " " not in w])
    + r")(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?)"
    r"(?:(?![A-Za-z])(?=[\s-]+(?:per|million|billion|trillion|thousand|hundred|to\b|and\b|or\b))|(?=fold\b))")

_PREFIXES = ["US$", "U.S.$", "U.S. $", "HK$", "A$", "AU$", "NT$", "S$", "C$", "$A", "$", "€", "£", "¥", "￥",
             "RMB", "CNY", "USD", "EUR", "HKD", "AUD", "GBP", "JPY", "人民币", "人民幣", "新台币", "新台幣", "港币", "港幣"]
# matched against the reversed text before a number, so the match is anchored where the number starts
_PREFIX_REV = re.compile(r"\s?(?:" + "|".join(re.escape(p[::-1]) for p in sorted(_PREFIXES, key=len, reverse=True))
                         + r")(?![A-Za-z])")
_PREFIX_LAST_CHARS = frozenset(p[-1] for p in _PREFIXES)
_PREFIX_UNITS = {"$": "USD", "US$": "USD", "U.S.$": "USD", "U.S. $": "USD", "HK$": "HKD", "A$": "AUD",
                 "AU$": "AUD", "$A": "AUD", "NT$": "TWD", "S$": "SGD", "C$": "CAD", "€": "EUR", "£": "GBP",
                 "¥": "CNY", "￥": "CNY", "RMB": "CNY", "人民币": "CNY", "人民幣": "CNY", "新台币": "TWD", "新台幣": "TWD",
                 "港币": "HKD", "港幣": "HKD"}
_ORDER_OF_MAGNITUDE = re.compile(r"(?:千亿|万亿|百亿|十亿|千億|萬億|百億|十億)元?[级級](?!参数|參數|参|參|token|用户|用戶|人|次|个|個)")

# Where an English unit or scale word ends: \b fails before a CJK character ('500EFLOPS以上', '688981.SH收涨'),
# which counts as a word character, so these end where no ASCII letter, digit or '_' follows.
_WORD_END = r"(?![A-Za-z0-9_])"
_SCALE = re.compile(
    r"(?P<more>[多余餘])?"
    rf"(?:\s?-?\s?(?P<en>(?i:thousand|million|billion|trillion|mln|bln|trn|mn|bn|tn)){_WORD_END}"
    r"|(?P<zh>万亿|萬億|千亿|千億|百亿|百億|十亿|十億|亿|億|千万|千萬|百万|百萬|十万|十萬|万|萬|兆(?=[元美港台新人日欧歐英]|億|亿)))"
)
_SHORT_SCALE = re.compile(rf"(?P<s>k|m|b|bn|tn){_WORD_END}")

_UNITS: list[tuple[str, str]] = [
    ("percentage_points", r"\s?percentage[- ]points?\b|(?:个|個)?百分点|(?:个|個)?百分點|\s?(?:pp|ppts?)\b"),
    ("percent", r"\s?(?:%|per\s?cent\b|percent\b|pct\b|pc\b)"),  # '3.5pc', as British papers write it
    ("HKD", r"\s?(?:Hong Kong|HK) dollars?\b|\s?HKD\b|港元|港币|港幣"),
    ("AUD", r"\s?Australian dollars?\b|\s?AUD\b|澳元"),
    ("TWD", r"\s?(?:New Taiwan|NT) dollars?\b|新台币|新台幣"),
    ("CNY", r"\s?(?:Chinese\s+)?(?i:yuan)\b|\s?(?:RMB|CNY)\b|\s?renminbi\b|元(?:人民币|人民幣)?|人民币|人民幣"),
    ("USD", r"\s?(?:US|U\.S\.)?\s?dollars?\b|\s?USD\b|美元|美金"),
    ("EUR", r"\s?euros?\b|\s?EUR\b|欧元|歐元"),
    ("JPY", r"\s?yen\b|\s?JPY\b|日元|日圓"),
    ("GBP", r"\s?GBP\b|\s?pounds? sterling\b|英镑|英鎊"),
    ("INR", r"\s?rupees?\b|\s?INR\b"),
    ("TWh", r"\s?(?:TWh|terawatt[- ]hours?)\b"),
    ("GWh", r"\s?(?:GWh|gigawatt[- ]hours?)\b"),
    ("MWh", r"\s?(?:MWh|megawatt[- ]hours?)\b"),
    ("kWh", r"\s?(?:kWh|kilowatt[- ]hours?)\b|千瓦时|千瓦時|度电|度電"),
    ("GW", r"[\s-]?(?:GW|gigawatts?)\b|吉瓦"),
    ("MW", r"[\s-]?(?:MW|megawatts?)\b|兆瓦"),
    ("kW", r"[\s-]?(?:kW|kilowatts?)\b|千瓦"),
    ("TW", r"[\s-]?(?:TW|terawatts?)\b|太瓦"),
    ("EFLOPS", r"\s?EFLOPS\b"),
    ("PFLOPS", r"\s?PFLOPS\b"),
    ("nm", r"[\s-]?(?:nm|nanomet(?:er|re)s?)\b|纳米|納米|奈米"),
    ("km2", r"\s?(?:square kilomet(?:er|re)s?|sq km|km2|km²)|平方公里|平方千米"),
    ("km", r"[\s-]?(?:km|kilomet(?:er|re)s?)\b|公里|千米"),
    ("m", r"[\s-]?met(?:er|re)s?\b|米(?![饭飯粉])"),
    ("kg", r"\s?(?:kg|kilograms?)\b|千克|公斤"),
    ("g", r"\s?grams?\b|克(?![服隆罗羅])"),
    ("tonnes_per_year", r"\s?(?:metric\s+)?(?:tonnes?|tons?)\s?(?:per year|per annum|/year|/yr)\b|[吨噸]/年"),
    ("tonnes", r"[\s-]?(?:metric\s+)?(?:tonnes?|tons?)\b|吨|噸"),
    ("litres", r"\s?lit(?:er|re)s?\b|升(?![至到级級高为為了值幅温溫])"),
    ("degC", r"\s?(?:°C|℃|degrees? Celsius\b)|摄氏度|攝氏度"),
    ("ms", r"\s?(?:ms|milliseconds?)\b|毫秒"),
    ("s", r"\s?seconds?\b|秒(?:钟|鐘)?"),
    ("times", r"\s?times\b|[- ]?fold\b|倍"),
    ("qubits", r"[\s-]?qubits?\b|(?:个|個)?量子比特|(?:个|個)?量子位元"),
    ("ha", r"\s?(?:ha|hectares?)\b|公顷|公頃"),
    ("tenths", r"成(?!不变|不變|本|员|員|为|為|立|功|果|交|长|長|熟|绩|績|都|年)"),  # 六成 = 60%
    ("count_zh", r"个|個|项|項|家|件|座|台|款|名|所|条|條|颗|顆|架|艘|辆|輛|次|套|宗|枚|位|户|戶|例|张|張|部|份|批|只|隻"
                 r"|片(?![区區])"
                 r"|人(?![民口工才])"),
]
_UNIT = re.compile("|".join(f"(?P<u{i}>{pattern})".replace(r"\b", _WORD_END) for i, (_, pattern) in enumerate(_UNITS)))
_SCALE_OR_UNIT = re.compile(f"{_SCALE.pattern}|{_UNIT.pattern}")  # whether either follows a year, in one call
_UNIT_NAMES = {f"u{i}": name for i, (name, _) in enumerate(_UNITS)}
_CURRENCIES = frozenset({"CNY", "USD", "EUR", "HKD", "AUD", "TWD", "JPY", "GBP", "INR", "SGD", "CAD"})
_NO_FIGURE_AFTER = re.compile(
    rf"\s?(?:st|nd|rd|th){_WORD_END}|[年月日号號期代届屆周週岁歲季点點时時]|/\d|:\d|\.\w|\s?(?:a\.m\.|p\.m\.)"
    rf"|[-‑]?(?:G|D|K|nd|th|A|B){_WORD_END}"
    r"|\s(?:January|February|March|April|May|June|July|August|September|October|November|December)\b")
_BLOCKERS = ["第", "No.", "No", "#", "Page", "page", "p.", "pp.", "Tel", "Tel.", "Tel:", "tel", "Phone", "Phone:", "phone",
             "Fax", "Fax:", "fax", "电话", "電話", "代码", "代碼", "code", "code:", "每", "per", "HKG:", "SHA:", "SHE:", "SSE:", "SZSE:",
             "HKEX:", "NYSE:", "NASDAQ:", "Nasdaq:", "Section", "section", "Article", "article", "Chapter", "chapter",
             "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December", "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.",
             "Nov.", "Dec.", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"]
_BLOCKER_REV = re.compile(r"\s?(?:" + "|".join(re.escape(b[::-1]) for b in sorted(_BLOCKERS, key=len, reverse=True))
                          + r")(?![A-Za-z])")
_STOCK_AFTER = re.compile(rf"\.(?:SH|SZ|HK|SS|KS|T|N|O){_WORD_END}|\((?:SH|SZ|HK)\)")

_EN_QUALIFIERS = ["at least", "no less than", "not less than", "no fewer than", "not fewer than", "a minimum of",
                  "more than", "over", "above", "upwards of", "in excess of", "exceed", "exceeds", "exceeded",
                  "exceeding", "surpass", "surpasses", "surpassed", "surpassing", "nearly", "almost", "about",
                  "around", "roughly", "approximately", "approx.", "some", "an estimated", "close to", "up to",
                  "as much as", "as many as", "within", "less than", "fewer than", "under", "below", "no more than",
                  "not more than", "at most", "a maximum of"]
_ZH_QUALIFIERS = ["超过", "超過", "超出", "超", "逾", "突破", "高于", "高於", "多于", "多於", "大于", "大於", "至少", "不少于",
                  "不少於", "不低于", "不低於", "不下于", "约为", "約為", "约", "約", "大约", "大約", "近", "接近", "将近",
                  "將近", "不超过", "不超過", "不到", "不足", "低于", "低於", "最多", "至多"]


def _reversed_alternation(words: list[str]) -> str:
    return "|".join(re.escape(w[::-1]) for w in sorted(words, key=len, reverse=True))


# matched against the reversed, lower-cased text before a figure: anchored where the figure starts
_QUALIFIER_REV = re.compile(rf"\s+(?P<en>{_reversed_alternation(_EN_QUALIFIERS)})(?![a-z])"
                            rf"|[了到达達]?(?P<zh>{_reversed_alternation(_ZH_QUALIFIERS)})")
_QUALIFIER_AFTER = re.compile(r"\s?(?P<q>or more|or above|and above|or higher|or over|plus)\b|(?P<zh>以上|左右|上下|以内|以內|之内|之內|以下)")
_QUALIFIER_AFTER_FIRST = frozenset(" 以左上之")
_QUALIFIER_MAP = {
    "at least": "at_least", "no less than": "at_least", "not less than": "at_least", "no fewer than": "at_least",
    "not fewer than": "at_least", "a minimum of": "at_least", "至少": "at_least", "不少于": "at_least",
    "不少於": "at_least", "不低于": "at_least", "不低於": "at_least", "不下于": "at_least", "or more": "at_least",
    "or above": "at_least", "and above": "at_least", "or higher": "at_least", "以上": "at_least",
    "more than": "more_than", "over": "more_than", "above": "more_than", "upwards of": "more_than",
    "in excess of": "more_than", "or over": "more_than", "plus": "more_than",
    "超过": "more_than", "超過": "more_than", "超出": "more_than", "超": "more_than", "逾": "more_than",
    "突破": "more_than", "高于": "more_than", "高於": "more_than", "多于": "more_than", "多於": "more_than",
    "大于": "more_than", "大於": "more_than", "多": "more_than", "余": "more_than", "餘": "more_than",
    "nearly": "about", "almost": "about", "about": "about", "around": "about", "roughly": "about",
    "approximately": "about", "approx.": "about", "some": "about", "an estimated": "about", "close to": "about",
    "约为": "about", "約為": "about", "约": "about", "約": "about", "大约": "about", "大約": "about", "近": "about",
    "接近": "about", "将近": "about", "將近": "about", "左右": "about", "上下": "about",
    "up to": "up_to", "as much as": "up_to", "as many as": "up_to", "within": "up_to", "less than": "up_to",
    "fewer than": "up_to", "under": "up_to", "below": "up_to", "no more than": "up_to", "not more than": "up_to",
    "at most": "up_to", "a maximum of": "up_to", "exceed": "more_than", "exceeds": "more_than",
    "exceeded": "more_than", "exceeding": "more_than", "surpass": "more_than", "surpasses": "more_than",
    "surpassed": "more_than", "surpassing": "more_than", "不超过": "up_to", "不超過": "up_to", "不到": "up_to",
    "不足": "up_to", "低于": "up_to", "低於": "up_to", "最多": "up_to", "至多": "up_to", "以内": "up_to",
    "以內": "up_to", "之内": "up_to", "之內": "up_to", "以下": "up_to",
}

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
_YEAR = re.compile(r"20\d\d(?!\d)")
_ODD = ("多", "余", "餘")  # '2000多': 2,000-odd
_AFTER_YEAR = frozenset("年月日,.;:)，。；：）-–—/") | {""}
_YEAR_KEYWORD_REV = re.compile(r"\s+(?:fo dne eht\s+)?(?P<w>yb|erofeb|litnu|hguorht|rof|ni)(?![a-z])|(?:到|至|于|於)(?![达達提增升])")
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


def _qualifier_before(text: str, start: int) -> tuple[str, int] | None:
    """The qualifier written just before ``start`` ('more than', '超过') and its length."""
    m = _QUALIFIER_REV.match(_reversed_before(text, start, 24).lower())
    if m is None:
        return None
    word = (m.group("en") or m.group("zh"))[::-1]
    return _QUALIFIER_MAP[word], m.end()


def _read(text: str, s: int, e: int, kind: str, prev_end: int = -1) -> _Item | None:
    """Read the number at text[s:e] in place: prefix, scale, unit, qualifiers; None when it is not a quantity."""
    token = text[s:e]
    prev = text[s - 1] if s else " "
    year_like = kind == "d" and len(token) == 4 and _is_year(token) and text[e:e + 1] not in _ODD  # '2000多家'
    if year_like:
        nxt = text[e:e + 1]
        if nxt in _AFTER_YEAR or (nxt == " " and _SCALE_OR_UNIT.match(text, e) is None):
            return None
    before_rev = _reversed_before(text, s, 12)
    last = before_rev[1:2] if prev == " " else prev
    cur = _PREFIX_REV.match(before_rev) if last in _PREFIX_LAST_CHARS else None
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
            return _Item(s, s, level.end(), value, "CNY", "about", True)
    else:
        if not starts_word(text, s):
            return None
        value = parse_en_words(token)
        if value is None:
            return None
    if cur is None and _BLOCKER_REV.match(before_rev):
        return None

    start = s - cur.end() if cur else s
    unit = None
    if cur:
        prefix = cur.group().strip()[::-1].replace(" ", "")
        unit = _PREFIX_UNITS.get(prefix, prefix if prefix in _CURRENCIES else "USD")
    elif before_rev.startswith("之分百"):
        unit, start = "percent", s - 3

    pos, more, scale = e, None, 1.0
    scaled = kind == "z" and any(c in "万萬亿億" for c in token)
    if unit is None and text[e:e + 1] == "%":  # the commonest case, read without a regex
        qb = _qualifier_before(text, start)
        qa = _QUALIFIER_AFTER.match(text, e + 1) if text[e + 1:e + 2] in _QUALIFIER_AFTER_FIRST else None
        qualifier = _QUALIFIER_MAP[(qa.group("q") or qa.group("zh")).lower()] if qa else (qb[0] if qb else None)
        return _Item(start - (qb[1] if qb else 0), s, qa.end() if qa else e + 1, tidy(value), "percent", qualifier)
    sm = _SCALE.match(text, pos)
    if sm and (sm.group("en") or sm.group("zh")):
        if not (sm.group("zh") and text.startswith(("千瓦", "千米", "千克"), sm.start("zh"))):
            scale = scale_of(sm.group("en") or sm.group("zh"))
            value, pos, scaled, more = value * scale, sm.end(), True, sm.group("more")
    elif cur:
        sh = _SHORT_SCALE.match(text, pos)
        if sh:
            scale = scale_of(sh.group("s"))
            value, pos, scaled = value * scale, sh.end(), True
    if more is None and pos < len(text) and text[pos] in "多余餘" and kind != "w":
        more, pos = text[pos], pos + 1
    noun = ""
    if unit is None:
        um = _UNIT.match(text, pos)
        if um:
            unit, pos = _UNIT_NAMES[um.lastgroup], um.end()
            if unit == "count_zh":
                unit = "count"
                if kind == "z" and not scaled:
                    return None
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
            return _Item(start, s, pos if scaled else e, tidy(value), None, scaled=scaled, scale=scale)
        if kind == "w" and not scaled:
            return _Item(start, s, e, tidy(value), None)
        return None
    if kind in ("z", "w") and unit == "count" and not scaled:
        return None
    if year_like and not scaled and unit in ("count", "times"):
        return None
    if text[e:e + 1] in ".(" and _STOCK_AFTER.match(text, e):
        return None
    if unit == "count":
        if noun and kind == "d":
            pr = _PROPER_BEFORE.search(text, start - 20, start)
            if pr and pr.group(1) not in _SENTENCE_START_WORDS and _qualifier_before(text, start) is None:
                return None
        pk = _PER_10K.match(text, pos)
        if pk:
            unit, pos = "count_per_10k_people", pk.end()
        else:
            lo = max(0, s - _CLAUSE_LOOKBACK)
            clause_start = max(max(text.rfind(c, lo, s) for c in "，,。；;"), lo - 1)
            if _PER_10K_ZH.search(text, clause_start + 1, s):
                unit = "count_per_10k_people"

    qualifier = _QUALIFIER_MAP.get(more) if more else None
    qa = _QUALIFIER_AFTER.match(text, pos) if text[pos:pos + 1] in _QUALIFIER_AFTER_FIRST else None
    if qa:
        qualifier = _QUALIFIER_MAP[(qa.group("q") or qa.group("zh")).lower()]
        pos = qa.end()
    qb = _qualifier_before(text, start)
    if qb:
        qualifier = qualifier or qb[0]
        start -= qb[1]
    return _Item(start, s, pos, tidy(value), unit, qualifier, scaled, noun, scale=scale)


def _is_count_noun(modifiers: str, noun: str) -> bool:
    """'factories', 'charging points'; not 'years', 'points' or 'basis points'."""
    noun = noun.lower()
    if noun not in _NOT_COUNT_NOUNS:
        return True
    last = modifiers.split()[-1].lower() if modifiers.strip() else ""
    return noun in _COUNTED_WITH_A_MODIFIER and last not in ("", "basis", "percentage", "index", "more", "few")


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2100


def _candidates(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    found = [(m.start(), m.end(), "d") for m in _DIGITS.finditer(text, lo, hi) if m.lastindex is None]
    if has_cjk(text[lo:hi]):
        found += [(m.start(), m.end(), "z") for m in _ZH_NUMERAL.finditer(text, lo, hi)]
        found += [(m.start(1), m.end(1), "z") for m in _ZH_PERCENT.finditer(text, lo, hi)]
    found += [(m.start("t") - 1, m.end("t") - 1, "w") for m in _WORD_NUMBER.finditer("\n" + text, lo, hi + 1)]
    found.sort()
    return found


def _items(text: str, lo: int, hi: int) -> list[_Item]:
    items: list[_Item] = []
    resume = lo
    for s, e, kind in _candidates(text, lo, hi):
        if s < resume:
            continue
        item = _read(text, s, e, kind, items[-1].end if items else -1)
        if item is None:
            continue
        items.append(item)
        resume = item.end
    return items


def _join(text: str, items: list[_Item]) -> list[_Item]:
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
                        joined = replace(b, start=a.start, value=low, high=b.value,
                                         qualifier=a.qualifier or b.qualifier)
                        items[i + 1] = joined
                        i += 1
                        continue
        if a.unit and a.unit in _CURRENCIES and b is not None and b.unit:
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
            qb = _qualifier_before(text, a.start)
            a = replace(a, unit=out[-1].unit, qualifier=qb[0] if qb else None, start=a.start - (qb[1] if qb else 0))
        out.append(a)
        i += 1
    return [x for x in out if x.unit]


def _target_years(text: str, s0: int, s1: int, published: dt.date | None) -> list[tuple[int, int]]:
    """(offset, year) of the target years in the sentence text[s0:s1]: 'by 2030', '到2030年', '2030年前'."""
    found = []
    for m in _YEAR.finditer(text, s0, s1):
        year = int(m.group())
        kw = _YEAR_KEYWORD_REV.match(text[max(s0, m.start() - 20):m.start()][::-1].lower())
        if kw is None:
            if not text.startswith(("年前", "年底前", "年之前", "年以前"), m.end()):
                continue
        elif kw.group("w") == "ni" and (published is None or year < published.year):
            continue
        found.append((m.start(), year))
    return found


def _nearest_year(years: list[tuple[int, int]], at: int) -> int | None:
    return min(years, key=lambda py: abs(py[0] - at))[1] if years else None


def find_figures(text: str, *, start: int = 0, sentences: Sentences | None = None,
                 tech_of=None, published: dt.date | None = None) -> list[Figure]:
    """Every figure in ``text[start:]``; ``tech_of(s0, s1)`` names the technologies of a sentence span."""
    sentences = sentences or Sentences(text)
    figures: list[Figure] = []
    seen: set = set()
    # per sentence start: None for furniture, else (sentence, its target years, its technologies)
    about: dict[int, tuple[str, list[tuple[int, int]], tuple[str, ...]] | None] = {}
    for item in _join(text, _items(text, start, len(text))):
        s0, s1 = sentences.at(item.num_start)
        if s0 in about:
            sentence_info = about[s0]
        else:
            sentence_info = about[s0] = (text[s0:s1].strip(), _target_years(text, s0, s1, published),
                                         tech_of(s0, s1) if tech_of else ()) if is_prose(text[s0:s1]) else None
        if sentence_info is None:
            continue
        sentence, years, technologies = sentence_info
        unit = item.unit
        if unit == "times" and _MENTION_VERB.search(text, max(s0, item.start - 80), item.start):
            unit = "count"
        year = _nearest_year(years, item.num_start)
        key = (unit, item.value, item.high, item.qualifier, year, item.alt)
        if key in seen:
            continue
        seen.add(key)
        end = item.alt_end or item.end
        figures.append(Figure(
            value=item.value, unit=unit, phrase=text[item.start:end].strip(), sentence=sentence,
            low=item.value if item.high is not None else None, high=item.high, qualifier=item.qualifier, year=year,
            subject=subject_of(text, s0, s1, item.start, end, item.num_start, item.noun, unit),
            technologies=technologies, alt=item.alt,
        ))
    return figures


def is_core_unit(unit: str) -> bool:
    """Core units: percent, percentage points, currencies (ISO codes) and counts."""
    return unit in CORE_UNITS or (len(unit) == 3 and unit.isupper() and unit.isalpha())


