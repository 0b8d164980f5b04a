"""A fetched page turned into an Article: title, text (one paragraph a line), date and language."""

from __future__ import annotations

import datetime as dt
import re

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from extract.records import Article
from extract.sentences import is_prose

_DATE_LINE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[^\n]*\n?", re.IGNORECASE)
_HTML_LANG = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?)", re.IGNORECASE)
_LOOKS_HTML = re.compile(r"\A\s*(?:<!doctype|<html|<head|<body|<\?xml|<!--|<div|<p\b|<meta)", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_TRADITIONAL = frozenset("國們這會說與為對來時後經過還發點開關產業機術實際區應當車電網論選擇歲億萬劃規際體變權")
_DATE_PARAMS = {"extensive_search": False, "original_date": True}
_META_WINDOW = 8192  # where a <meta charset> may stand
MAX_TEXT_CHARS = 1_000_000  # article text beyond this is cut and the article marked truncated
MAX_HTML_CHARS = 16_000_000  # markup beyond this is cut too: trafilatura discards a page over 20 MB whole


def decode_page(data: bytes, content_type: str | None = None) -> str:
    """The page's text in the charset its HTTP header names, else its BOM, else its <meta charset>, else a guess.

    A label the bytes contradict is passed over: one that fails to decode them, or a legacy charset (GB2312,
    Latin-1) on bytes that are valid UTF-8 beyond ASCII — a page whose meta says GB2312 but is UTF-8 reads right.
    """
    utf8 = _utf8(data)
    bom, bom_bytes = read_bom(data)
    body = data[len(bom_bytes):] if bom else data
    labels = (http_content_type_encoding(content_type) if content_type else None, bom,
              html_body_declared_encoding(body[:_META_WINDOW]))
    for label in labels:
        if label is None or (utf8 is not None and label != "utf-8" and label != bom):
            continue
        try:
            return body.decode(label)
        except (UnicodeDecodeError, LookupError):
            continue
    if utf8 is not None:
        return utf8
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", errors="replace")


def _utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 (BOM dropped) when it is valid UTF-8, else None."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _capped(text: str) -> tuple[str, bool]:
    """``text`` cut at MAX_TEXT_CHARS (at the last line break or space before it) and whether it was cut."""
    if len(text) <= MAX_TEXT_CHARS:
        return text, False
    cut = max(text.rfind("\n", 0, MAX_TEXT_CHARS), text.rfind(" ", 0, MAX_TEXT_CHARS))
    return text[:cut if cut > MAX_TEXT_CHARS // 2 else MAX_TEXT_CHARS], True


def _canonical(url: str) -> str:
    try:
        from extract.urls import canonical_url
    except ImportError:
        return url
    try:
        return canonical_url(url)
    except Exception:  # an odd URL keeps its own form rather than losing the article
        return url


def guess_language(text: str) -> str | None:
    """'zh-Hans', 'zh-Hant' or None (unknown) from the script of ``text``."""
    sample = text[:4000]
    cjk = _CJK.findall(sample)
    if len(cjk) < 20 or len(cjk) < len(sample) / 10:
        return None
    traditional = sum(1 for c in cjk if c in _TRADITIONAL)
    return "zh-Hant" if traditional >= max(3, len(cjk) // 60) else "zh-Hans"


def _plain(text: str, url: str) -> Article:
    date = None
    m = _DATE_LINE.match(text)
    if m:
        date = dt.date.fromisoformat(m.group(1))
        text = text[m.end():]
    text, truncated = _capped("\n".join(line.strip() for line in text.strip().splitlines() if line.strip()))
    if not text:
        return Article(url, _canonical(url), date=date, status="no_text")
    return Article(url, _canonical(url), title="", text=text, date=date, language=guess_language(text),
                   truncated=truncated)


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def extract_article(html: bytes | str, url: str, *, content_type: str | None = None) -> Article:
    """Extract title, text, date and language with trafilatura; plain text (.txt) is taken as it is."""
    raw = html if isinstance(html, bytes) else html.encode("utf-8")
    text = html if isinstance(html, str) else decode_page(html, content_type)
    plain = (content_type or "").split(";")[0].strip().lower() == "text/plain" or (
        content_type is None and url.lower().endswith(".txt"))
    if plain and not _LOOKS_HTML.match(text):
        return _plain(text, url)
    import trafilatura

    cut = len(text) > MAX_HTML_CHARS
    if cut:
        text = text[:max(text.rfind("<", 0, MAX_HTML_CHARS), MAX_HTML_CHARS // 2)]
    try:
        doc = trafilatura.bare_extraction(text, url=url, with_metadata=True, include_comments=False,
                                          date_extraction_params=_DATE_PARAMS)
    except Exception as exc:  # trafilatura/lxml raise many types on broken markup
        return Article(url, _canonical(url), status="error", error=f"extract: {type(exc).__name__}: {exc}")
    body = "\n".join(line.strip() for line in (doc.text or "").splitlines() if line.strip()) if doc else ""
    if not any(is_prose(line) for line in body.splitlines()):
        # trafilatura falls back to menus and tickers when a page has no article: that is no text
        title = (doc.title or "").strip() if doc is not None else ""
        return Article(url, _canonical(url), title=title, date=_parse_date(doc.date) if doc else None,
                       status="no_text")
    lang = _HTML_LANG.search(raw[:4096])
    language = doc.language or (lang.group(1).decode("ascii") if lang else None) or guess_language(body)
    body, truncated = _capped(body)
    truncated = truncated or cut
    return Article(url, _canonical(url), title=(doc.title or "").strip(), text=body,
                   date=_parse_date(doc.date), language=language, truncated=truncated)
