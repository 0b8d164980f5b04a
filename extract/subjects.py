"""The subject of a figure: the short noun phrase it measures ('annual budget for science and technology')."""

from __future__ import annotations

import re

from extract.taxonomy import word_alternation

_ZH_NOUN_AFTER = re.compile(r"([\u3400-\u9fff]{2,12}?)(?:[，,。；;：:、）)]|$|[的将將已在]|以上|左右)")
_ZH_FROM = re.compile(r"[由从從].*$")
_CLAUSE_ZH = re.compile(r"[，,；;：:。]")
_SUBJECT_OF_WORDS = frozenset("of at was were is are reached hit totaled totalled".split())
_CHINA_CLAUSE_TRIM = re.compile(r"^(?:其中|而且|而|并且|并|並|同时|同時|以及|和|与|與|到\d{4}年[底末]?|截至\d{4}年[底末]?|从|從|由)+")
_CHINA_VERBS = ("达到|達到|达|達|突破|超过|超過|超|增至|提高到|提高至|提升到|提升|升至|降至|为|為|是|约为|約為|约|約|近|逾|"
                "不少于|不少於|至少|增长|增長|增加|保持|年均|的|了|将|將|有望|预计|預計|累计|累計|新增|安排|规划|規劃")
_CHINA_VERB_TRIM = re.compile(f"(?:{_CHINA_VERBS})+$")
_VERB_CHARS = frozenset(_CHINA_VERBS) - {"|"}
_CLAUSE_BREAK = re.compile(r"[,;:()]")
_CLAUSE_SPLIT = re.compile(r"[,;:]\s")
_OF_CONNECTORS = ("stood at", "came to", "amounted to", "to be", "totalled", "totaled", "reached", "were", "was",
                  "are", "is", "hit", "of", "at")
# verbs of change whose object is the subject: 'expanding annual R&D investment by at least 7%'
_CHANGE_VERB = re.compile("(?:" + word_alternation(
    "expand increas rais boost lift grow cut reduc push bring take lower double triple".split()) + r")(?i:[a-z]*)\s+")
_EN_SUBJECT_AFTER = re.compile(
    r"\s+(?:annual\s+|yearly\s+)?(?:increase|rise|growth|jump|boost|drop|decline|cut|reduction|fall|hike|share)\s+"
    r"(?:in|of)\s+(?P<s>[^,.;:–—()]+?)(?=\s+(?:in line|to|from|over|which|that|this|last|next|compared)\b|[,.;:–—()]|$)")
_EN_REPORTING = re.compile(r"(?:said|says|shows?|showed|according to|that|reported)\s+")
_EN_CLAUSE_VERB = re.compile(
    r"\s(?:will|would|is|are|was|were|has|have|had|rose|grew|fell|reached|hit|increased|climbed|jumped|declined|"
    r"dropped|came|stood|totall?ed|accounted|took|expanded|exceeded|amounted|surged|slipped|edged|gained|lost|went|"
    r"should|could|may|might|to)\b")
_CHANGE_NOUNS = frozenset("rise increase growth drop decline cut reduction fall jump".split())
_CHANGE_IN = re.compile(r"\s+in\s+(?P<s>[^,.;:–—()]+?)(?=\s+(?:to|from|over|which|that|this|last|next|compared)\b|[,.;:–—()]|$)")
_NP_CUT = re.compile("(?:" + word_alternation(
    "a an the its their include includes including with for to on at by and is are was were has have set sets "
    "target targets aim aims want wants reach reached".split(), lead=r"(?<!\w.)") + r")\s+")
_EN_LEADING = re.compile(r"^(?:and|but|while|with|as|the|a|an|its|their|of|for|in|on)\s+", re.IGNORECASE)
_EN_MENTIONED = re.compile(r"^(?P<s>.*?)\s+(?:was|were|is|are|has been|have been|had been)\s+(?:mentioned|cited|named|used)\b")
_EN_MENTIONS_OBJ = re.compile(r"\b(?:mentions?|mentioning|refers?\s+to|referring\s+to|cites?|names?)\s+(?P<s>.+?)\s*$")
_EN_APPEARING = re.compile(r"(?P<s>[\w'‘’“”\"+-]+)\s+(?:appear\w*|occur\w*)\s*$")



def subject_of(text: str, s0: int, s1: int, start: int, end: int, num_start: int, noun: str, unit: str) -> str:
    """The short noun phrase a figure text[start:end] measures, from its sentence text[s0:s1]."""
    before = text[max(s0, start - 160):start]
    after = text[end:min(s1, end + 120)]
    if _is_cjk(text[num_start]) or _is_cjk(before[-1:] or "a") or _is_cjk(text[end - 1]):
        if unit == "count":
            noun_after = _ZH_NOUN_AFTER.match(after)
            if noun_after:
                return noun_after.group(1)
        return _subject_zh(before)
    if noun:
        return noun
    if unit == "count":
        m = _EN_MENTIONED.search(before.strip())
        if m:
            return "mentions of " + _tidy_np(m.group("s"))
        m = _EN_MENTIONS_OBJ.search(before)
        if m:
            return "mentions of " + _tidy_np(re.sub(r"\s+in\s+.*$", "", m.group("s")))
        m = _EN_APPEARING.search(before)
        if m:
            return "mentions of " + m.group("s")
    m = _EN_SUBJECT_AFTER.match(after)
    if m:
        return _tidy_np(m.group("s"))
    tail = before[-24:].rstrip().lower()
    last = tail.rsplit(None, 1)[-1] if tail else ""
    if last in ("by", "to"):
        verb = None
        for m in _CHANGE_VERB.finditer(before, max(0, len(before) - 110)):
            if not m.start() or not before[m.start() - 1].isalpha():
                verb = m
        phrase = before[verb.end():].rstrip()[:-2].rstrip() if verb else ""
        if 3 <= len(phrase) <= 80:
            return _tidy_np(phrase)
    connector = next((c for c in _OF_CONNECTORS if tail.endswith(c)), None) if last in _SUBJECT_OF_WORDS or \
        tail.endswith(_OF_CONNECTORS) else None
    if connector:
        head = before.rstrip()[:-len(connector)]
        words = _CLAUSE_BREAK.split(head)[-1].split()[-7:]
        if words:
            subject = _tidy_np(_NP_CUT.split(" ".join(words))[-1])
            change = _CHANGE_IN.match(after) if subject.lower() in _CHANGE_NOUNS else None
            return f"{subject} in {_tidy_np(change.group('s'))}" if change else subject
    last_report = None
    for m in _EN_REPORTING.finditer(before):
        if not m.start() or not before[m.start() - 1].isalpha():
            last_report = m
    clause = _CLAUSE_SPLIT.split(before[last_report.end():] if last_report else before)[-1].strip()
    verb = _EN_CLAUSE_VERB.search(clause)
    if verb and 3 <= verb.start() <= 90:
        return _tidy_np(clause[:verb.start()])
    return _tidy_np(" ".join(clause.split()[-6:]))


def _tidy_np(s: str) -> str:
    s = " ".join(s.split()).strip(" ,;:-–—")
    lead = _EN_LEADING.match(s)
    return (s[lead.end():] if lead else s)[:80]


def _subject_zh(before: str) -> str:
    parts = [p for p in _CLAUSE_ZH.split(before)]
    for clause in reversed(parts):
        c = _CHINA_CLAUSE_TRIM.sub("", clause.strip(" “”「」\"")).strip()
        c = _trim_verbs(_ZH_FROM.sub("", c)).strip()
        if len(c) >= 2:
            return c[-30:]
    return ""


def _trim_verbs(clause: str) -> str:
    """``clause`` without the verbs and particles it ends with ('达到', '将', '的')."""
    i = len(clause)
    while i and clause[i - 1] in _VERB_CHARS:  # the trimmed words lie within the run of their characters at the end
        i -= 1
    if i == len(clause):
        return clause
    m = _CHINA_VERB_TRIM.search(clause, i)
    return clause[:m.start()] if m else clause


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


# -- readable subjects: a post-pass over subject_of -----------------------------------------------------------------

_ZH_LEAD = re.compile(
    r"^(?:[一二三四五六七八九十]是|其[一二三四五]|首先|其次|第[一二三四五六七八九十]|[（(][一二三四五六七八九十\d]+[)）]|"
    r"\d+[.、]|[“”「」\"'《》]|十[四五]五[”」]?(?:期间|期間|时期|時期)?|规划(?:还|還)?(?:要求|提出|明确|明確)|"
    r"(?:还|還|并|並|同时|同時|其中|此外|另外)|(?:[\u4e00-\u9fff]{1,4}?(?:提出|要求|瞄准|瞄準|明确|明確|计划|計劃|力争|力爭|表示|指出|宣布))|"
    r"提出|要求|要|力争|力爭|推动|推動|确保|確保|实现|實現|使|让|讓|把|将|將|预计|預計|计划|計劃|目标是|目標是|"
    r"到20\d\d年[底末]?|20\d\d年[底末]?(?:前)?|截至|截止|今年|去年|明年|我国|我國|全国|全國|中国|中國|国家|國家)+")
_ZH_BAD = re.compile(r"指出|表示|称|稱|说|說|相当于|相當於|比方|打个|打個|^比|^是|^同比|^提高|^提升|^推动|^推動|^已|^有|^为|^為|^约|^約")
_ZH_TIME = re.compile(r"^(?:20\d\d年?[底末]?|今年|去年|明年|上年|期间|期間)$")
_EN_LEAD_JUNK = re.compile(
    r"^(?:(?:up|down|rising|falling)\s+from|from|or|and|but|up|down|to|equivalent(?:\s+to)?|equal(?:\s+to)?|"
    r"around|about|some|nearly|almost|roughly|the|a|an|its|their|this|that|these|those|"
    r"china['’]s|the country['’]s|the nation['’]s|country['’]s|nation['’]s|beijing['’]s)\s+", re.IGNORECASE)
_STOPS = frozenset(
    "a an the of in on at by for to from with and or but as than that this these those it its they them their there "
    "he she we us our you i which what who whom whose up down about around some more less most least over under "
    "equivalent equal goal target aim plan share figure number total amount level rate pace units unit worth increase "
    "growth rise country nation".split())
_PRONOUN_START = frozenset("it its they them their this that these those he she we our which who".split())
_COUNTRIES = frozenset(
    "china chinese prc beijing us u.s. usa america united states japan korea south korea india europe eu taiwan "
    "germany russia britain uk".split())
_EN_VERBS = frozenset(
    "is are was were be been being has have had will would can could should may might must do does did said says "
    "say saying told tells refers refer wants want took takes take sets set calls call expects expect "
    "aims plans showed shows made make makes drilled registered reached hit rose grew fell stood came went seeks "
    "estimate estimates see sees noted notes added adds spent spend putting put climbed accounted expanded".split())
_DATELINE = re.compile(r"^[A-Z][A-Z .]{2,}(?:\s*\([^)]*\))?\s*[-–—]+\s*")
_EN_TAIL_BAD = frozenset("with to for of by from at on in than the a an and or as".split())
_DATE = re.compile(r"^(?:(?:in|by|since|until|through)\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
                   r"[a-z]*\.?\s*)?(?:\d{1,2},?\s*)?(?:19|20)\d\d$|^(?:last|this|next)\s+(?:year|month|week)$",
                   re.IGNORECASE)
_EN_TOKEN = re.compile(r"[A-Za-z0-9&]+(?:['’\-][A-Za-z0-9]+)*")


def subject_problem(subject: str) -> str | None:
    """Why ``subject`` cannot head an alert ('stop word', 'pronoun', 'country', 'year', 'date', 'verb phrase'), or None."""
    s = subject.strip(" “”\"'‘’")
    if not s:
        return "empty"
    if _is_cjk(s[0]) or _is_cjk(s[-1]):
        if _ZH_TIME.match(s) or re.fullmatch(r"20\d\d年?.*?[底末前]?", s) and len(s) <= 6:
            return "year"
        if s in ("中国", "中國", "我国", "我國", "美国", "美國", "全国", "全國"):
            return "country"
        if s[0] in "其这這该該它" and len(s) <= 3:
            return "pronoun"
        if len(s) < 2:
            return "stop word"
        if _ZH_BAD.search(s):
            return "verb phrase"
        return None
    words = [w.lower().replace("’", "'") for w in _EN_TOKEN.findall(s)]
    if not words or len(words) == 1 and len(words[0]) < 3:
        return "stop word"
    if re.fullmatch(r"(?:19|20)\d\d", s):
        return "year"
    if _DATE.match(s):
        return "date"
    if " ".join(words) in _COUNTRIES or words[0].removesuffix("'s") in _COUNTRIES and len(words) == 1:
        return "country"
    if words[0] in _PRONOUN_START:
        return "pronoun"
    if all(w in _STOPS for w in words):
        return "stop word"
    if any(w in _EN_VERBS for w in words) or words[-1] in _EN_TAIL_BAD or words[0] in _EN_TAIL_BAD:
        return "verb phrase"
    return None


def readable_subject(subject: str, concept_label: str = "", language: str = "en") -> str:
    """``subject`` as a short noun phrase for a subject line; ``concept_label`` when nothing readable is left."""
    s = " ".join(subject.split()).strip(" ,;:-–—“”\"'‘’")
    if s and (_is_cjk(s[0]) or _is_cjk(s[-1])):
        s = _ZH_LEAD.sub("", s).strip(" “”「」\"")
    else:
        s = _salvage_en(s)
    if subject_problem(s):
        return concept_label if concept_label and not subject_problem(concept_label) else ""
    return s


def _token_lower(word: str) -> str:
    """``word`` with its word characters lower-cased (all of it, when it is ASCII)."""
    return word.lower() if word.isascii() else _EN_TOKEN.sub(lambda m: m.group().lower(), word)


def _salvage_en(s: str) -> str:
    """English subject without a dateline or leading fillers, or the noun phrase after its last verb ('officials now
    saying the country's AI-related industry' → 'AI-related industry')."""
    s = _DATELINE.sub("", s)
    for _ in range(4):
        m = _EN_LEAD_JUNK.match(s)
        if not m:
            break
        s = s[m.end():]
    words = s.split()
    verbs = [i for i, w in enumerate(words) if _token_lower(w).strip(",.") in _EN_VERBS]
    if verbs and verbs[-1] < len(words) - 1:
        tail = " ".join(words[verbs[-1] + 1:])
        for _ in range(4):
            m = _EN_LEAD_JUNK.match(tail)
            if not m:
                break
            tail = tail[m.end():]
        if tail and not subject_problem(tail):
            return tail
    return s
