"""Numbers as the news writes them, English and Chinese."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.numbers import normalize_digits, parse_number, parse_zh_numeral, tidy


@pytest.mark.parametrize("text, value", [
    ("1,000", 1000),
    ("1.45", 1.45),
    ("10,000", 10000),
    ("1.2 million", 1.2e6),
    ("2.44 trillion", 2.44e12),
    ("10 bn", 1e10),
    ("300mn", 3e8),
    ("seven", 7),
    ("twenty-five", 25),
    ("two million", 2e6),
])
def test_english_numbers(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text, value", [
    ("三十六亿", 3.6e9),
    ("一点一亿", 1.1e8),
    ("两千", 2000),
    ("十五", 15),
    ("一百零五", 105),
    ("一万二千", 12000),
    ("一亿二千万", 1.2e8),
    ("三万亿", 3e12),
    ("千亿", 1e11),
    ("五億", 5e8),
    ("三萬", 3e4),
    ("二〇二五", 2025),
])
def test_chinese_numerals(text, value):
    assert parse_zh_numeral(text) == pytest.approx(value)


@pytest.mark.parametrize("text, value", [("3.5万亿", 3.5e12), ("5059.5亿", 5.0595e11), ("2万", 2e4), ("1.6萬億", 1.6e12)])
def test_digits_with_chinese_scale(text, value):
    assert parse_number(text) == pytest.approx(value)


def test_scaled_values_carry_no_float_noise():
    assert parse_number("一点一亿") == 110000000.0


@pytest.mark.parametrize("text", ["", "abc", "1.2 zillion", "七八九万x"])
def test_not_a_number(text):
    assert parse_number(text) is None


def test_full_width_digits_become_ascii_without_moving_offsets():
    text = "增长１２．５％，达到３０００亿元"
    out = normalize_digits(text)
    assert out == "增长12.5%，达到3000亿元"
    assert len(out) == len(text)


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**15, 10**15).map(float))
def test_tidy_rounds_to_twelve_significant_digits(value):
    assert tidy(value) == float(f"{value:.12g}")
    assert tidy(1.1 * 1e8) == 110000000.0


def test_a_run_of_numerals_too_long_for_one_number_is_none_not_a_recursion_error():
    assert parse_zh_numeral("一亿" * 1100) is None
    assert parse_zh_numeral("一千二百三十四万五千六百七十八亿") == 1234_5678e8


def test_figures_pass_over_a_numeral_run_of_any_length():
    from extract.detect import detect

    found = detect("“十五五”规划提出，投资" + "一亿" * 1100 + "元，增长7%。")
    assert [(f.value, f.unit) for f in found.figures] == [(7, "percent")]
