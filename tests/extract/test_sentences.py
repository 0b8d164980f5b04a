"""Sentence spans and the prose test: examples, and agreement with the straightforward versions they speed up."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from extract.sentences import MAX_SENTENCE, Sentences, is_prose


def spans(text: str) -> list[tuple[int, int]]:
    sentences = Sentences(text)
    out, pos = [], 0
    while pos < len(text):
        out.append(sentences.at(pos))
        pos = out[-1][1]
    return out


def test_sentences_end_at_stops_but_not_at_abbreviations():
    text = "Mr. Li said the U.S. grew 2.5%. Sales rose in Sept. and Oct. “Good!” she said.\n第二句。第三句！"
    assert [text[a:b] for a, b in spans(text)] == [
        "Mr. Li said the U.S. grew 2.5%.", " Sales rose in Sept. and Oct. “Good!”", " she said.", "\n", "第二句。", "第三句！"]


def test_a_stop_after_a_line_break_is_not_an_abbreviation():
    assert spans("M\n. Next") == [(0, 2), (2, 3), (3, 8)]


def test_a_text_without_a_stop_is_one_sentence_and_an_empty_one_none():
    assert spans("no stop here") == [(0, 12)]
    assert Sentences("").at(0) == (0, 0)


# The plain versions: one regex over every stop, abbreviations checked per match; every word counted. (The
# abbreviation ends at \Z: the first version's $ also matched before a newline, so 'M\n. ' did not end at '.'.)
_END = re.compile(r"[.。！？!?；;\n](?:(?<=\.)[”’\"')]*(?=\s|$)|(?<!\.)[”」』’\"')）]*)")
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Ms|Dr|No|St|Co|vs|Mrs|Inc|Ltd|Jan|Feb|Aug|Sep|Sept|Oct|Nov|Dec|Gov|Gen|"
                           r"Sen|Rep))\Z")


def plain_at(text: str, pos: int) -> tuple[int, int]:
    starts, ends, last = [], [], 0
    for m in _END.finditer(text):
        if text[m.start()] == "." and _ABBREVIATION.search(text, max(0, m.start() - 5), m.start()):
            continue
        starts.append(last)
        ends.append(m.end())
        last = m.end()
    if last < len(text):
        starts.append(last)
        ends.append(len(text))
    inside = [(a, b) for a, b in zip(starts, ends) if a <= pos]
    return inside[-1] if inside else (starts[0], ends[0]) if starts else (0, len(text))


def plain_is_prose(s: str) -> bool:
    s = s.strip()
    if not s or re.match(r"(?i:read more|read also|also read|see also|related|recommended|most read|watch|listen)\b"
                         r"|相关阅读|相關閱讀|延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|热门|熱門", s):
        return False
    words = len(s.split())
    wide = (len(s.encode("utf-8")) - len(s)) // 2
    if s[-1] in ".!?。！？；;:：”\"’)」）" and (words >= 4 or wide >= 8):
        return True
    return words >= 7 or wide >= 12


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aMrSept UZ.!?;\n。！”’\")", max_size=80))
def test_split_agrees_with_the_plain_version(text):
    sentences = Sentences(text)
    assert [sentences.at(pos) for pos in range(len(text) + 1)] == [plain_at(text, pos) for pos in range(len(text) + 1)]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab .!\n中文。”", max_size=60))
def test_is_prose_agrees_with_the_plain_version(text):
    assert is_prose(text) == plain_is_prose(text)


def test_a_run_without_stops_is_cut_into_bounded_spans_at_spaces():
    text = "word " * 3000 + "end. next one."
    sentences = Sentences(text)
    first = sentences.at(0)
    assert first[1] - first[0] <= MAX_SENTENCE and text[first[1] - 1] == " "
    covered, pos = [], 0
    while pos < len(text):
        s0, s1 = sentences.at(pos)
        assert s0 == pos and s1 - s0 <= MAX_SENTENCE
        covered.append((s0, s1))
        pos = s1
    assert covered[-1] == (text.index("next") - 1, len(text))
