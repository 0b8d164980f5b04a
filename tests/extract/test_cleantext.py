"""Text from feeds and pages is clean before it is stored or shown."""

from extract.cleantext import bounded, clean_line, clean_text


def test_controls_bidi_nul_and_lone_surrogates_are_removed_newline_and_tab_kept():
    raw = "a\x00b\x1b[1m\x07c\x9bd\u202eevil\u202c\u2066x\u2069\u200f\ud800\nline\ttab\r\nend"
    assert clean_text(raw) == "ab[1mcdevilx\nline\ttab\nend"
    assert "\x00" not in clean_text("\x00" * 10)
    clean_text(raw).encode("utf-8")  # encodable: no lone surrogate left


def test_clean_line_folds_whitespace():
    assert clean_line("  a\n\n b\u2028c\t ") == "a b c"


def test_bounded_cuts_long_error_text_to_one_line():
    text = bounded("fetch: server said\n" + "x" * 60_000)
    assert len(text) == 300 and text.endswith("…") and "\n" not in text
    assert bounded("short") == "short"
