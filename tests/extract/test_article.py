"""From page bytes to an Article: title, text, date, language, status."""

import datetime as dt
from pathlib import Path

from extract.article import MAX_HTML_CHARS, MAX_TEXT_CHARS, decode_page, extract_article, guess_language

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seed" / "five-year-plan-tech-cnn.txt"

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>China sets AI goals | Example News</title>
<meta property="og:title" content="China sets AI goals">
<meta property="article:published_time" content="2026-03-09T08:00:00+08:00"></head>
<body><nav><a href="/">Home</a> <a href="/top10">Top 10</a> <a href="/live">Live 24/7</a></nav>
<article><h1>China sets AI goals</h1>
<p>China's 15th Five-Year Plan puts artificial intelligence at the core of the country's economic strategy.</p>
<p>The document refers to AI more than 50 times and sets a goal for AI-related industries to exceed 10 trillion yuan.</p>
</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Shares jump 7% on stimulus hopes</a></li></ul></aside>
<footer><p>Tel +86 10 6512 3456</p><p>&copy; 2026 Example News</p></footer></body></html>"""


def test_html_page_gives_title_date_language_and_paragraphs_as_lines():
    a = extract_article(PAGE.encode(), "https://News.Example.com/ai?utm_source=rss#top")
    assert a.status == "ok"
    assert a.title == "China sets AI goals"
    assert a.date == dt.date(2026, 3, 9)
    assert a.language == "en"
    lines = a.text.splitlines()
    assert lines[-2].startswith("China's 15th Five-Year Plan") and lines[-1].startswith("The document refers")
    assert "6512" not in a.text and "Shares jump" not in a.text


def test_canonical_url_strips_tracking_and_fragment():
    a = extract_article(PAGE, "https://News.Example.com/ai?utm_source=rss#top")
    assert a.url == "https://News.Example.com/ai?utm_source=rss#top"
    assert a.canonical_url == "https://news.example.com/ai"


def test_copyright_year_is_not_taken_for_the_date():
    page = PAGE.replace('<meta property="article:published_time" content="2026-03-09T08:00:00+08:00">', "")
    assert extract_article(page, "https://example.com/a").date is None


def test_page_of_only_site_furniture_has_no_text():
    page = """<html><head><title>Live: reactions</title></head><body>
    <nav><a href="/">Top News</a><a href="/biz">Business</a><a href="/tech">Technology</a></nav>
    <ul class="ticker"><li>Nikkei 38,412.07 ▲0.6%</li><li>CSI 300 3,988.2 ▲1.1%</li></ul>
    <article></article><footer><p>Newsroom: +65 6735 4400</p></footer></body></html>"""
    a = extract_article(page.encode(), "https://example.com/live")
    assert a.status == "no_text" and a.text == ""


def test_empty_or_garbage_input_is_no_text_not_an_exception():
    assert extract_article(b"", "https://example.com/empty").status in ("no_text", "error")
    assert extract_article(b"\x00\xff\xfe binary", "https://example.com/bin").status in ("no_text", "error")


def test_chinese_page_in_gb18030_is_decoded():
    body = "“十五五”时期，我国将加快建设全国一体化算力网络，推动人工智能与实体经济深度融合，力争算力总规模超过600 EFLOPS。"
    page = f"<html><head><meta charset='gb18030'><title>算力</title></head><body><article><p>{body}</p><p>{body}</p></article></body></html>"
    a = extract_article(page.encode("gb18030"), "http://example.cn/a.htm")
    assert a.status == "ok" and "十五五" in a.text


def test_plain_text_with_a_leading_date_line():
    text = " date 2026-03-12 By John Liu, CNN\n\nHong Kong (CNN) — China's new plan bets on AI.\n\nSecond paragraph here.\n"
    a = extract_article(text.encode(), "file:///tmp/story.txt", content_type="text/plain; charset=utf-8")
    assert a.date == dt.date(2026, 3, 12)
    assert a.text == "Hong Kong (CNN) — China's new plan bets on AI.\nSecond paragraph here."


def test_seed_file_reads_as_plain_text():
    if not SEED.is_file():
        import pytest
        pytest.skip(f"shared seed not found at {SEED}")
    a = extract_article(SEED.read_bytes(), SEED.as_uri())
    assert a.status == "ok" and a.date == dt.date(2026, 3, 12)
    assert a.text.startswith("Hong Kong (CNN)")


def test_language_guess_tells_scripts_apart():
    assert guess_language("能源強國建設：「十五五」開局謀新篇，中國技術裝備走在世界前列，白鶴灘水電站等一批工程陸續投運。") == "zh-Hant"
    assert guess_language("低空经济覆盖制造服务应用全链条，已连续两年写入政府工作报告，并被明确为新质生产力的重要代表。") == "zh-Hans"
    assert guess_language("China's plan puts AI at the core of its strategy.") is None


ZH_BODY = "“十五五”时期，我国将加快建设全国一体化算力网络，推动人工智能与实体经济深度融合，力争算力总规模超过600 EFLOPS。"


def _zh_page(meta: str) -> str:
    return f"<html><head>{meta}<title>算力</title></head><body><article><p>{ZH_BODY}</p><p>{ZH_BODY}</p></article></body></html>"


def test_the_http_header_charset_decodes_a_gbk_page_without_a_meta():
    page = _zh_page("").encode("gbk")
    assert decode_page(page, "text/html; charset=GBK") == _zh_page("")
    a = extract_article(page, "http://example.cn/a.htm", content_type="text/html; charset=gbk")
    assert a.status == "ok" and "全国一体化算力网络" in a.text


def test_the_header_wins_over_the_meta_and_the_bom_over_the_meta():
    page = _zh_page('<meta charset="big5">')
    assert decode_page(page.encode("gb18030"), "text/html; charset=gb18030") == page
    assert decode_page(b"\xef\xbb\xbf" + page.encode("utf-8")) == page
    assert decode_page("\ufeff".encode("utf-16-le") + page.encode("utf-16-le")) == page


def test_the_meta_charset_decodes_a_big5_page():
    body = "「十五五」時期，我國將加快建設全國一體化算力網絡，推動人工智能與實體經濟深度融合，力爭算力總規模超過600 EFLOPS。"
    page = _zh_page('<meta http-equiv="Content-Type" content="text/html; charset=big5">').replace(ZH_BODY, body)
    assert decode_page(page.encode("big5")) == page


def test_a_page_whose_meta_lies_still_reads_right():
    page = _zh_page('<meta charset="gb2312">')
    assert decode_page(page.encode("utf-8")) == page
    assert decode_page(page.encode("utf-8"), "text/html; charset=iso-8859-1") == page
    a = extract_article(page.encode("utf-8"), "http://example.cn/a.htm")
    assert "全国一体化算力网络" in a.text


def test_text_beyond_the_cap_is_cut_at_a_space_and_marked_truncated():
    line = "China's 15th Five-Year Plan lifts AI investment by 7% a year. " * (MAX_TEXT_CHARS // 50)
    a = extract_article(line.encode(), "file:///tmp/one-line.txt", content_type="text/plain")
    assert a.truncated and MAX_TEXT_CHARS // 2 < len(a.text) <= MAX_TEXT_CHARS
    assert a.text.endswith("year.")
    short = extract_article(line[:5000].encode(), "file:///tmp/short.txt", content_type="text/plain")
    assert not short.truncated and short.text == line[:5000].strip()


def test_markup_beyond_trafilaturas_limit_is_cut_not_discarded():
    para = "<p>China's 15th Five-Year Plan lifts AI investment by 7% a year, officials said on Monday.</p>\n"
    page = "<html><head><title>Plan</title></head><body><article>" + para * (MAX_HTML_CHARS // len(para) + 10)
    a = extract_article(page.encode(), "https://example.com/huge")
    assert a.status == "ok" and a.truncated and "lifts AI investment" in a.text
