"""A fetched page turned into an Article: title, text (one paragraph a line), date and language."""

from __future__ import annotations

import datetime as dt
import re

from extract.records import Article
from extract.sentences import is_prose

_DATE_LINE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[^\n]*\n?", re.IGNORECASE)
_HTML_LANG = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?)", re.IGNORECASE)
_LOOKS_HTML = re.compile(r"\A\s*(?:<!doctype|<html|<head|<body|<\?xml|<!--|<div|<p\b|<meta)", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_TRADITIONAL = frozenset("國們這會說與為對來時後經過還發點開關產業機術實際區應當車電網論選擇歲億萬劃規際體變權")
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        return str(best) if best is not None else data.decode("utf-8", errors="replace")


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
    text = "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())
    if not text:
        return Article(url, _canonical(url), date=date, status="no_text")
    return Article(url, _canonical(url), title="", text=text, date=date, language=guess_language(text))


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
    text = html if isinstance(html, str) else _decode(html)
    plain = (content_type or "").split(";")[0].strip().lower() == "text/plain" or (
        content_type is None and url.lower().endswith(".txt"))
    if plain and not _LOOKS_HTML.match(text):
        return _plain(text, url)
    import trafilatura

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
    return Article(url, _canonical(url), title=(doc.title or "").strip(), text=body,
                   date=_parse_date(doc.date), language=language)
