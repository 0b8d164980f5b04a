"""Any figure rendered in a supported English or Chinese form reads back to its value, unit, range and qualifier."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.figures import find_figures

EN_QUALIFIERS = {None: "", "at_least": "at least ", "more_than": "more than ", "about": "about ",
                 "up_to": "up to "}
ZH_BEFORE = {None: "", "at_least": "不少于", "more_than": "超过", "about": "约", "up_to": "不超过"}
ZH_AFTER = {None: "", "at_least": "以上", "about": "左右", "up_to": "以内"}
EN_SCALES = {"": 1, " million": 1e6, " billion": 1e9, " trillion": 1e12}
ZH_SCALES = {"": 1, "万": 1e4, "亿": 1e8, "万亿": 1e12}
EN_CURRENCY = [("{n}{s} yuan", "CNY"), ("RMB {n}{s}", "CNY"), ("${n}{s}", "USD"), ("US${n}{s}", "USD"),
               ("€{n}{s}", "EUR"), ("HK${n}{s}", "HKD"), ("{n}{s} euros", "EUR"), ("A${n}{s}", "AUD")]
EN_OTHER = [("{n}%", "percent"), ("{n} percent", "percent"), ("{n} per cent", "percent"),
            ("{n} percentage points", "percentage_points"), ("{n} GW", "GW"), ("{n} tonnes", "tonnes"),
            ("{n} kilometres", "km"), ("{n} new factories", "count")]
ZH_UNITS = [("{n}%", "percent"), ("{n}个百分点", "percentage_points"), ("{n}{s}元", "CNY"), ("{n}{s}美元", "USD"),
            ("{n}{s}吨", "tonnes"), ("{n}吉瓦", "GW"), ("{n}{s}个", "count"), ("{n}{s}港元", "HKD")]

ZH_DIGITS = "零一二三四五六七八九"


def zh_numeral(n: int) -> str:
    """1..9999 in Chinese numerals: 36 -> 三十六, 105 -> 一百零五."""
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            if zero and out:
                out += "零"
            out += ZH_DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out[1:] if out.startswith("一十") else out


def en_number(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"


numbers = st.one_of(st.integers(1, 1899), st.integers(2101, 99999),
                    st.decimals(min_value="0.1", max_value="999.99", places=2).map(float)).filter(lambda x: x > 0)


def read_one(sentence: str):
    found = find_figures(sentence)
    assert len(found) == 1, (sentence, [f.phrase for f in found])
    return found[0]


@settings(max_examples=300, deadline=None)
@given(n=numbers, form=st.sampled_from(EN_CURRENCY + EN_OTHER), scale=st.sampled_from(list(EN_SCALES)),
       qualifier=st.sampled_from(list(EN_QUALIFIERS)))
def test_english_figure_round_trip(n, form, scale, qualifier):
    template, unit = form
    if "{s}" not in template:
        scale = ""
    phrase = template.format(n=en_number(n), s=scale)
    f = read_one(f"Officials said the figure will be {EN_QUALIFIERS[qualifier]}{phrase} next spring, as planned.")
    assert (f.unit, f.qualifier, f.high) == (unit, qualifier, None)
    assert f.value == pytest.approx(n * EN_SCALES[scale])


@settings(max_examples=200, deadline=None)
@given(a=st.integers(1, 500), gap=st.integers(1, 500),
       form=st.sampled_from(["{a} to {b} percent", "{a}-{b}%", "{a}% to {b}%", "between {a} and {b} percent",
                             "{a} per cent-{b} per cent", "{a}-{b} billion yuan", "{a} billion yuan to {b} billion yuan",
                             "{a}—{b}吉瓦", "{a}%至{b}%"]))
def test_range_round_trip(a, gap, form):
    b = a + gap
    f = read_one(f"The target for the sector was set at {form.format(a=a, b=b)} for the year, officials said.")
    scale = 1e9 if "billion" in form else 1
    assert (f.value, f.low, f.high) == (pytest.approx(a * scale), pytest.approx(a * scale), pytest.approx(b * scale))
    assert f.unit == ("CNY" if "yuan" in form else "GW" if "吉瓦" in form else "percent")


@settings(max_examples=300, deadline=None)
@given(n=numbers, form=st.sampled_from(ZH_UNITS), scale=st.sampled_from(list(ZH_SCALES)),
       qualifier=st.sampled_from(list(ZH_BEFORE)), after=st.booleans())
def test_chinese_figure_round_trip(n, form, scale, qualifier, after):
    template, unit = form
    if "{s}" not in template:
        scale = ""
    number = f"{n:g}" if n != int(n) else str(int(n))
    phrase = template.format(n=number, s=scale)
    if after and qualifier in ZH_AFTER:
        phrase = phrase + ZH_AFTER[qualifier]
    else:
        phrase = ZH_BEFORE[qualifier] + phrase
    f = read_one(f"规划提出，相关指标{phrase}，并将持续提升。")
    assert (f.unit, f.qualifier) == (unit, qualifier)
    assert f.value == pytest.approx(n * ZH_SCALES[scale])


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 9999), scale=st.sampled_from(["亿", "万亿", "万"]), unit=st.sampled_from(["元", "美元", "吨"]))
def test_chinese_numerals_round_trip(n, scale, unit):
    f = read_one(f"规划提出，产业规模达到{zh_numeral(n)}{scale}{unit}，并将持续提升。")
    assert f.value == pytest.approx(n * ZH_SCALES[scale])
    assert f.unit == {"元": "CNY", "美元": "USD", "吨": "tonnes"}[unit]


@given(n=st.integers(1, 99))
def test_percent_in_chinese_numerals(n):
    assert read_one(f"研发经费投入年均增长百分之{zh_numeral(n)}，保持稳定。").value == n


def test_zh_numeral_helper():
    assert [zh_numeral(n) for n in (10, 15, 36, 105, 2000, 9999)] == ["十", "十五", "三十六", "一百零五", "二千",
                                                                      "九千九百九十九"]
