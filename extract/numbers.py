"""Numbers as the news writes them: 1,000 · 1.45 · 1.2 million · seven · 3.5万亿 · 三十六亿 · 一点一亿 · 億/萬."""

from __future__ import annotations

import re

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
ZH_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
ZH_BIG_UNITS = (("亿", 1e8), ("億", 1e8), ("万", 1e4), ("萬", 1e4))
ZH_SCALE_CHARS = {"十": 10, "百": 100, "千": 1000, "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "兆": 1e12}

EN_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
             "billion": 1e9, "bn": 1e9, "bln": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "trn": 1e12}

EN_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
EN_WORDS.update({w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())})
EN_WORDS["hundred"] = 100
EN_WORDS["a hundred"] = 100

_EN_WORD_ALT = "|".join(sorted((w for w in EN_WORDS if " " not in w), key=len, reverse=True))
EN_WORD_NUMBER = rf"(?:{_EN_WORD_ALT})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
DIGIT_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
ZH_NUMBER = r"[零〇一二两兩三四五六七八九十百千万萬亿億]+(?:[点點][零〇一二两兩三四五六七八九]+[万萬亿億]*)?"

MAX_ZH_NUMERAL = 24  # '一千二百三十四万五千六百七十八亿' is 16; a longer run ('一亿' x 1100) is not one number

_FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {"％": "%", "．": "."}


def tidy(value: float) -> float:
    """Drop float noise from scaling: 1.1 * 1e8 -> 110000000.0."""
    if value.is_integer() and -1e12 < value < 1e12:  # at most 12 digits: already exact, and the common case
        return value
    return float(f"{value:.12g}")


_FULL_WIDTH_RUN = re.compile("[０-９％][０-９％．]*")


def normalize_digits(text: str) -> str:
    """Full-width digits, % and decimal points to ASCII; keeps every offset."""
    if not any(c in text for c in _FULL_WIDTH):  # a dozen substring searches beat one regex scan severalfold
        return text
    return _FULL_WIDTH_RUN.sub(lambda m: "".join(_FULL_WIDTH.get(c, c) for c in m.group()), text)


def parse_digits(s: str) -> float:
    return float(s.replace(",", "") if "," in s else s)


def parse_en_words(s: str) -> float | None:
    """'seven' -> 7, 'twenty-five' -> 25."""
    s = s.lower().strip()
    if s in EN_WORDS:
        return float(EN_WORDS[s])
    parts = re.split(r"[- ]", s)
    if len(parts) == 2 and parts[0] in EN_WORDS and parts[1] in EN_WORDS and EN_WORDS[parts[0]] >= 20:
        return float(EN_WORDS[parts[0]] + EN_WORDS[parts[1]])
    return None


def _zh_int(s: str) -> float | None:
    if not s:
        return 0.0
    for char, mult in ZH_BIG_UNITS:
        i = s.rfind(char)
        if i >= 0:
            left = _zh_int(s[:i]) if s[:i] else 1.0
            right = _zh_int(s[i + 1:])
            if left is None or right is None:
                return None
            return left * mult + right
    if not any(c in ZH_SMALL_UNITS for c in s):
        if not all(c in ZH_DIGITS for c in s):
            return None
        return float(int("".join(str(ZH_DIGITS[c]) for c in s)))
    total, number = 0.0, 0
    for c in s:
        if c in ZH_DIGITS:
            number = ZH_DIGITS[c]
        elif c in ZH_SMALL_UNITS:
            total += (number or 1) * ZH_SMALL_UNITS[c]
            number = 0
        else:
            return None
    return total + number


def parse_zh_numeral(s: str) -> float | None:
    """'三十六亿' -> 3.6e9, '一点一亿' -> 1.1e8, '两千' -> 2000, '千亿' -> 1e11; None for a run no numeral is this long."""
    if len(s) > MAX_ZH_NUMERAL:
        return None
    for point in ("点", "點"):
        if point in s:
            whole, rest = s.split(point, 1)
            frac = "".join(c for c in rest if c in ZH_DIGITS)
            scale = rest[len(frac):]
            base = _zh_int(whole)
            if base is None or not frac or any(c not in ZH_SCALE_CHARS for c in scale):
                return None
            value = base + float("0." + "".join(str(ZH_DIGITS[c]) for c in frac))
            return tidy(value * scale_of(scale))
    return _zh_int(s)


def scale_of(word: str) -> float:
    """'billion' -> 1e9, '万亿' -> 1e12, '' -> 1."""
    word = word.strip().lstrip("-").strip().lower()
    if not word:
        return 1.0
    if word in EN_SCALES:
        return EN_SCALES[word]
    value = 1.0
    for c in word:
        value *= ZH_SCALE_CHARS[c]
    return value


def parse_number(s: str) -> float | None:
    """Parse a whole number expression: '1,000', '1.2 million', 'seven', '3.5万亿', '三十六亿'."""
    s = normalize_digits(s.strip())
    m = re.fullmatch(rf"({DIGIT_NUMBER})\s*-?\s*([A-Za-z]+|[十百千万萬亿億]+)?", s)
    if m:
        scale = m.group(2) or ""
        if scale and scale.lower() not in EN_SCALES and not all(c in ZH_SCALE_CHARS for c in scale):
            return None
        return tidy(parse_digits(m.group(1)) * scale_of(scale))
    m = re.fullmatch(rf"({EN_WORD_NUMBER})(?:\s+([A-Za-z]+))?", s, re.IGNORECASE)
    if m:
        value = parse_en_words(m.group(1))
        scale = (m.group(2) or "").lower()
        if value is None or (scale and scale not in EN_SCALES):
            return None
        return value * scale_of(scale)
    if re.fullmatch(ZH_NUMBER, s):
        return parse_zh_numeral(s)
    return None
