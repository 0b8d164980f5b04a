"""parse_feed on bytes served by a real local server: charsets, entities, keys, bad links, not-a-feed."""

from __future__ import annotations

import datetime as dt
import resource
import time

import pytest
from servers import Reply

from extract.feeds import parse_feed
from extract.http import FetchPolicy, fetch_sync

OPEN = FetchPolicy(allow_private=True)

ZH = "十五五规划：人工智能相关产业规模到2030年将超过10万亿元，科技支出增长百分之十，量子计算与脑机接口被列为重点。"
TW = "十五五規劃：人工智慧相關產業規模到2030年將超過十萬億元，科技支出增長百分之十，量子計算與腦機介面被列為重點。"
FR = "Le plan quinquennal chinois prévoit une hausse de 10 % du budget de la science ; l'intelligence artificielle dépassera dix mille milliards de yuans. Déjà élevé, à côté."


def rss(items: list[tuple[str, str | None, str | None]], *, encoding: str | None = "utf-8", title: str = "Test feed") -> str:
    decl = f'<?xml version="1.0" encoding="{encoding}"?>\n' if encoding else ""
    body = "".join(
        "<item>"
        f"<title>{t}</title>"
        + (f"<link>{link}</link>" if link is not None else "")
        + (f'<guid isPermaLink="false">{g}</guid>' if g is not None else "")
        + "<pubDate>Mon, 02 Mar 2026 18:30:00 +0800</pubDate><description>About the plan.</description></item>"
        for t, link, g in items
    )
    return f'{decl}<rss version="2.0"><channel><title>{title}</title><link>https://news.example/</link>{body}</channel></rss>'


def served(http_server, body: bytes, content_type: str | None):
    headers = {"Content-Type": content_type} if content_type else {}
    http_server.routes["/feed"] = Reply(200, body, headers)
    r = fetch_sync(http_server.url("/feed"), OPEN)
    assert r.error is None
    return parse_feed(r.content, url=r.final_url, content_type=r.content_type)


@pytest.mark.parametrize("text, codec", [(ZH, "gb18030"), (TW, "big5"), (FR, "iso-8859-1")], ids=["gb18030", "big5", "latin1"])
@pytest.mark.parametrize("declared", [True, False], ids=["xml-decl", "no-xml-decl"])
@pytest.mark.parametrize("header", [True, False], ids=["charset-header", "no-charset-header"])
def test_legacy_charsets_decode(http_server, text, codec, declared, header):
    xml = rss([(text, "https://news.example/a", "g1")], encoding=codec if declared else None, title=text[:12])
    body = xml.encode(codec)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # the fixture really is not UTF-8
    parsed = served(http_server, body, f"application/rss+xml; charset={codec}" if header else "application/rss+xml")
    assert parsed.error is None and parsed.warning is None
    assert parsed.entries[0].title == text
    assert parsed.title == text[:12]


def test_header_charset_wins_over_wrong_declaration(http_server):
    body = rss([(ZH, "https://news.example/a", "g1")], encoding="iso-8859-1").encode("gb18030")
    parsed = served(http_server, body, "text/xml; charset=GB2312")
    assert parsed.entries[0].title == ZH


def test_utf8_without_any_declaration(http_server):
    parsed = served(http_server, rss([(ZH, "https://news.example/a", "g1")], encoding=None).encode("utf-8"), "text/xml")
    assert parsed.entries[0].title == ZH


def test_entry_fields_and_published_in_utc(http_server):
    parsed = served(http_server, rss([("Plan & budget", "https://news.example/a?utm_source=rss", "g1")]).encode(), "application/rss+xml")
    e = parsed.entries[0]
    assert (e.key, e.link, e.title, e.summary) == ("g1", "https://news.example/a?utm_source=rss", "Plan & budget", "About the plan.")
    assert e.published == dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.timezone.utc) and e.published.tzinfo is dt.timezone.utc


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY big "QUADRATIC-BLOWUP-QUADRATIC-BLOWUP-QUADRATIC-BLOWUP-QUADRATIC-BLOWUP">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>Laugh &lol9;</title><link>https://news.example/a</link><description>{refs} &xxe;</description></item>
</channel></rss>"""


def test_billion_laughs_and_external_entities_are_never_expanded(http_server):
    body = BILLION_LAUGHS.replace("{refs}", "&big;" * 20_000).encode()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.process_time()
    parsed = served(http_server, body, "application/rss+xml")
    assert time.process_time() - t0 < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB: no blow-up
    assert parsed.error is None and "DTD with entity declarations removed" in parsed.warning
    [entry] = parsed.entries
    assert "lollol" not in entry.title and "QUADRATIC" not in entry.summary and "root:" not in entry.summary
    assert entry.link == "https://news.example/a"


def test_plain_doctype_without_internal_subset_is_left_alone():
    body = b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>T</title><item><title>A</title><link>https://n.example/a</link></item></channel></rss>'
    parsed = parse_feed(body, url="https://n.example/feed")
    assert parsed.warning is None and [e.title for e in parsed.entries] == ["A"]


def test_500_entries_with_one_guid_keep_every_distinct_link(http_server):
    items = [(f"Story {i}", f"https://news.example/story/{i}", "same-guid") for i in range(500)]
    items += [("Story 0 again", "https://news.example/story/0?utm_source=x", "same-guid")]  # a true repeat
    parsed = served(http_server, rss(items).encode(), "application/rss+xml")
    assert len(parsed.entries) == 500
    assert [e.title for e in parsed.entries] == [f"Story {i}" for i in range(500)]
    keys = [e.key for e in parsed.entries]
    assert len(set(keys)) == 500 and keys[0] == "same-guid" and keys[1] == "https://news.example/story/1"


def test_repeated_guid_with_same_link_keeps_the_first():
    items = [("First", "https://n.example/a", "g"), ("Second", "https://n.example/a", "g"), ("Other", "https://n.example/b", "h")]
    parsed = parse_feed(rss(items).encode(), url="https://n.example/feed")
    assert [(e.key, e.title) for e in parsed.entries] == [("g", "First"), ("h", "Other")]


def test_keys_fall_back_to_canonical_link_then_title_hash():
    items = [("With link", "https://N.example/a?utm_medium=rss#top", None), ("No link", None, None), ("No link", None, None)]
    parsed = parse_feed(rss(items).encode(), url="https://n.example/feed")
    assert parsed.entries[0].key == "https://n.example/a"
    assert parsed.entries[1].key.startswith("title:") and len(parsed.entries) == 2


@pytest.mark.parametrize("bad", ["javascript:alert(document.cookie)", "file:///etc/passwd", "data:text/html,<b>x</b>", "mailto:desk@news.example"])
def test_non_web_entry_links_become_none(http_server, bad):
    parsed = served(http_server, rss([("Bad link", bad, "g1"), ("Good", "https://news.example/b", "g2")]).encode(), "application/rss+xml")
    assert [e.link for e in parsed.entries] == [None, "https://news.example/b"]


def test_relative_links_are_resolved_against_the_feed_url():
    parsed = parse_feed(rss([("Rel", "/story/1", "g1")]).encode(), url="https://news.example/feeds/rss.xml")
    assert parsed.entries[0].link == "https://news.example/story/1"


def test_malformed_xml_is_recovered_and_flagged(http_server):
    broken = rss([("Plan & <b>budget", "https://news.example/a", "g1"), ("Second", "https://news.example/b", "g2")]).replace("</channel></rss>", "")
    parsed = served(http_server, broken.encode(), "application/rss+xml")
    assert parsed.error is None and parsed.warning.startswith("feed: malformed XML recovered")
    assert [e.link for e in parsed.entries] == ["https://news.example/a", "https://news.example/b"]


def test_html_page_is_not_a_feed(http_server):
    page = b"<!DOCTYPE html><html><head><title>News</title></head><body><a href='/rss'>RSS</a></body></html>"
    parsed = served(http_server, page, "text/html; charset=utf-8")
    assert parsed.error == "feed: not a feed (got an HTML page)" and parsed.entries == []


def test_xhtml_page_is_not_a_feed():
    page = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head><body/></html>'
    assert parse_feed(page, url="https://n.example/").error == "feed: not a feed (got an HTML page)"


@pytest.mark.parametrize("body", [b"", b"   ", b'{"items": []}', b"<note><to>x</to></note>"])
def test_no_feed_at_all(body):
    parsed = parse_feed(body, url="https://n.example/feed")
    assert parsed.error is not None and parsed.error.startswith("feed: not a feed") and parsed.entries == []


def test_atom_feed():
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
    <entry><id>urn:uuid:1</id><title>Quantum push</title><link rel="alternate" href="https://n.example/q"/><updated>2026-03-05T08:00:00Z</updated></entry></feed>"""
    [e] = parse_feed(atom, url="https://n.example/atom").entries
    assert (e.key, e.link, e.published) == ("urn:uuid:1", "https://n.example/q", dt.datetime(2026, 3, 5, 8, tzinfo=dt.timezone.utc))


def test_utf16_feed_with_bom():
    body = rss([(ZH, "https://news.example/a", "g1")], encoding="utf-16").encode("utf-16")
    assert body[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert parse_feed(body, url="https://news.example/feed").entries[0].title == ZH


def test_doctype_text_inside_entry_content_is_not_touched():
    items = rss([("A", "https://n.example/a", "g1")]).replace(
        "<description>About the plan.</description>", "<description><![CDATA[<!DOCTYPE html [x]> shown as text]]></description>"
    )
    parsed = parse_feed(items.encode(), url="https://n.example/feed")
    assert parsed.warning is None and "shown as text" in parsed.entries[0].summary


# -- hostile feeds (issue 10) ----------------------------------------------------------------------


def test_decoy_doctype_in_a_comment_does_not_hide_the_real_dtd():
    entity = "X" * 100_000
    body = (f'<?xml version="1.0"?><!-- <!DOCTYPE x> --><!DOCTYPE rss [<!ENTITY big "{entity}">]>'
            '<rss version="2.0"><channel><title>T</title>'
            + "".join(f"<item><title>a&big;{i}</title><link>https://n.example/{i}</link></item>" for i in range(60))
            + "</channel></rss>").encode()
    parsed = parse_feed(body, url="https://n.example/rss")
    assert len(parsed.entries) == 60
    assert sum(len(e.title) for e in parsed.entries) < 1000  # 6 MB if the entity had been expanded
    assert "DTD with entity declarations removed" in parsed.warning


def test_a_lone_surrogate_reference_costs_that_title_only_not_the_feed():
    body = b'''<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>&#xD800;</title><link>https://n.example/1</link></item>
<item><title>bad &#0; &#x110000; ok</title><link>https://n.example/2</link></item>
<item><title>good</title><link>https://n.example/3</link></item></channel></rss>'''
    parsed = parse_feed(body, url="https://n.example/rss")
    assert parsed.error is None
    assert [e.title for e in parsed.entries] == ["", "bad ok", "good"]
    assert "3 character reference(s) to invalid code points removed" in parsed.warning


def test_control_and_bidi_characters_never_reach_entry_titles():
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>T\x1b[31m</title>'
            '<item><title>chip \u202emoc.elpmaxe@live\u202c \u2066x\u2069\x85</title>'
            '<link>https://n.example/1</link></item></channel></rss>').encode()
    parsed = parse_feed(body, url="https://n.example/rss")
    assert parsed.title == "T[31m"
    assert parsed.entries[0].title == "chip moc.elpmaxe@live x"


def test_a_10_mb_entity_behind_a_decoy_costs_memory_in_proportion_to_the_feed_bytes():
    import tracemalloc

    entity = "X" * (10 * 1024 * 1024)
    body = (f'<?xml version="1.0"?><!-- <!DOCTYPE x> --><!DOCTYPE rss [<!ENTITY big "{entity}">]>'
            '<rss version="2.0"><channel><title>T</title>'
            + "".join(f"<item><title>a&big;{i}</title><link>https://n.example/{i}</link></item>" for i in range(60))
            + "</channel></rss>").encode()
    del entity
    tracemalloc.start()
    try:
        parsed = parse_feed(body, url="https://n.example/rss")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(parsed.entries) == 60 and sum(len(e.title) for e in parsed.entries) < 1000
    assert peak < 8 * len(body)  # expanded (as before the guard): 629 million characters of titles, 2 GB
