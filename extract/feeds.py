"""Feed bytes to a ``FeedParse``: charset decided, entities defused, entries keyed and de-duplicated.

Decoding. The body is decoded here, then handed to feedparser as UTF-8, so one
rule decides the charset for every feed:

1. a byte-order mark;
2. the ``charset`` of the HTTP Content-Type header (RFC 7303: it wins over the
   XML declaration) — if the body really decodes with it;
3. the XML declaration's ``encoding``;
4. UTF-8, if the body is valid UTF-8 (the XML default);
5. a statistical guess (charset_normalizer) — for feeds that declare nothing;
6. windows-1252 with replacement characters.

Legacy names map to their supersets as browsers do (gb2312/gbk → gb18030,
iso-8859-1/us-ascii → windows-1252, big5 → big5/cp950/big5hkscs).

Entities. feedparser's SAX parser does not fetch external DTDs
(``feature_external_ges`` off) and it keeps only simple literal internal
entities, and expat ≥ 2.4 limits amplification; still, a DOCTYPE with an
internal subset (where ``<!ENTITY`` declarations live) is removed before
parsing (the prolog is read as XML reads it: comments and processing
instructions are skipped, so a decoy ``<!-- <!DOCTYPE x> -->`` hides nothing), so no declared entity is ever expanded (billion laughs, quadratic
blow-up, external entities). References to removed entities stay unexpanded and
the feed is flagged with a warning.

Repairs. A character reference to a code point that is not a character (``&#xD800;``, a lone
surrogate; ``&#0;``; past U+10FFFF) would make feedparser fail the whole feed: such references are
removed before parsing and the feed is flagged. Entry text is cleaned (``extract.cleantext``), and an
entry that still cannot be keyed is dropped with a warning, never the feed.

Entry identity (``FeedEntry.key``): the GUID; else the canonical link; else
``"title:" + sha1`` of the title (or of the summary). Repeated keys inside one
feed keep the first entry — except that an entry whose GUID repeats but whose
link is new is a distinct item published under a broken GUID: it is kept under
its canonical link as key (and, with no link at all, under its title hash if
the title is new). So 500 entries with one GUID yield as many entries as there
are distinct links.

Entry links that are not absolute http(s) URLs (javascript:, file:, data:,
mailto:, relative leftovers) become ``None``: they are never fetched or rendered.
"""

from __future__ import annotations

import calendar
import codecs
import datetime as dt
import hashlib
import re

import feedparser

from extract.cleantext import clean_line, clean_text
from extract.records import FeedEntry, FeedParse
from extract.urls import canonical_url, is_web_url

_MAX_KEY = 512
_ALIASES = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "gb18030": ("gb18030",),
    "big5": ("big5", "cp950", "big5hkscs"),
    "cp950": ("cp950", "big5hkscs"),
    "latin-1": ("cp1252",),
    "iso8859-1": ("cp1252",),
    "ascii": ("cp1252",),
}
# Legacy charsets still seen on news sites; guessing among all codecs picks exotic ones (mac_latin2 for French).
_GUESSES = ("cp1252", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr", "cp1251", "koi8_r", "cp1250", "cp1256", "iso8859_7", "cp874")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.I)
_XML_DECL_TEXT = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.I)
_SUBSET_END = re.compile(r"\]\s*>")
_ROOT = re.compile(r"<([A-Za-z_][\w:.-]*)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_CHARREF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_PROLOG_SKIP = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def _codecs_for(label: str | None) -> tuple[str, ...]:
    """Python codecs to try for a declared charset label; () if unknown."""
    if not label:
        return ()
    try:
        name = codecs.lookup(label.strip().strip("'\"")).name
    except LookupError:
        return ()
    return _ALIASES.get(name, (name,))


def _decode_with(body: bytes, names: tuple[str, ...]) -> tuple[str, str] | None:
    for name in names:
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def decode_feed(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a feed body; returns (text, codec used). See the module docstring for the order."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace"), name
    header = None
    if content_type:
        for part in content_type.split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset":
                header = value
    decl = _XML_DECL.match(body[:1024])
    for names in (_codecs_for(header), _codecs_for(decl.group(1).decode("ascii") if decl else None), ("utf-8",)):
        found = _decode_with(body, names)
        if found:
            return found
    guess = _guess(body)
    if guess:
        found = _decode_with(body, _codecs_for(guess))
        if found:
            return found
    return body.decode("cp1252", "replace"), "cp1252"


def _guess(body: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body, cp_isolation=list(_GUESSES)).best()
    return best.encoding if best is not None else None


def _defuse(text: str) -> tuple[str, bool]:
    """Remove a DOCTYPE that carries an internal subset from the prolog; returns (text, removed?)."""
    pos = 0
    while (skip := _PROLOG_SKIP.match(text, pos)) and skip.end() > pos:
        pos = skip.end()  # XML declaration, processing instructions and comments, as a parser skips them
    m = _DOCTYPE.match(text, pos + len(text[pos:]) - len(text[pos:].lstrip()))
    if not m:
        return text, False  # a DOCTYPE only counts in the prolog
    close = text.find(">", m.end())
    bracket = text.find("[", m.end())
    if bracket == -1 or (close != -1 and close < bracket):
        return text, False  # no internal subset: nothing declared, nothing fetched (external_ges off)
    end = _SUBSET_END.search(text, bracket)
    stop = end.end() if end else len(text)
    return text[: m.start()] + text[stop:], True


def _is_xml_char(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _repair_charrefs(text: str) -> tuple[str, int]:
    """Drop character references to code points XML does not allow; returns (text, how many)."""
    dropped = 0

    def fix(m: re.Match) -> str:
        nonlocal dropped
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        if _is_xml_char(code):
            return m.group(0)
        dropped += 1
        return ""

    return _CHARREF.sub(fix, text), dropped


def _root_name(text: str) -> str | None:
    head = _COMMENT.sub("", text[:8192])
    for m in _ROOT.finditer(head):
        return m.group(1).lower()
    return None


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> FeedParse:
    """Parse RSS/Atom/RDF bytes. Recoverable XML problems become ``warning``; not-a-feed becomes ``error``."""
    if not body.strip():
        return FeedParse(entries=[], error="feed: not a feed (empty body)")
    text, _codec = decode_feed(body, content_type)
    text, defused = _defuse(text)
    text, bad_refs = _repair_charrefs(text)
    text = _XML_DECL_TEXT.sub("", text, count=1)
    root = _root_name(text)
    parsed = feedparser.parse(
        text.encode("utf-8"),
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": url},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if not parsed.get("version"):
        if root is not None and root.rsplit(":", 1)[-1] == "html":
            return FeedParse(entries=[], error="feed: not a feed (got an HTML page)")
        if not parsed.entries:
            what = f"root element <{root}>" if root else "no XML elements"
            return FeedParse(entries=[], error=f"feed: not a feed ({what}, not RSS, Atom or RDF)")
    warnings = []
    if defused:
        warnings.append("feed: DTD with entity declarations removed (entities are never expanded)")
    if bad_refs:
        warnings.append(f"feed: {bad_refs} character reference(s) to invalid code points removed")
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        warnings.append(f"feed: malformed XML recovered ({type(exc).__name__}: {exc})" if exc else "feed: malformed XML recovered")
    entries, dropped = _entries(parsed.entries)
    if dropped:
        warnings.append(f"feed: {dropped} entr{'y' if dropped == 1 else 'ies'} dropped (unreadable title, link or id)")
    return FeedParse(
        entries=entries,
        title=_clean(parsed.feed.get("title", "")),
        warning="; ".join(warnings) or None,
    )


def _clean(value: object) -> str:
    return clean_line(str(value or ""))


def _hash_key(text: str) -> str:
    return "title:" + hashlib.sha1(text.casefold().encode("utf-8")).hexdigest()


def _bound(key: str) -> str:
    return key if len(key) <= _MAX_KEY else "sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()


def _published(entry: dict) -> dt.datetime | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(name)
        if t:
            try:
                return dt.datetime.fromtimestamp(calendar.timegm(t), tz=dt.timezone.utc)
            except (OverflowError, ValueError, OSError, TypeError):
                continue
    return None


def _entries(raw: list[dict]) -> tuple[list[FeedEntry], int]:
    """Key every entry and drop repeats (first wins; a repeated GUID with a new link is kept).

    Returns the entries and how many could not be read at all (dropped, never the feed)."""
    out: list[FeedEntry] = []
    keys: set[str] = set()
    links: set[str] = set()
    broken = 0
    for entry in raw:
        try:
            _add_entry(entry, out, keys, links)
        except (ValueError, TypeError, UnicodeError):
            broken += 1
    return out, broken


def _add_entry(entry: dict, out: list[FeedEntry], keys: set[str], links: set[str]) -> None:
    title = _clean(entry.get("title"))
    summary = clean_text(str(entry.get("summary") or "")).strip()
    link = str(entry.get("link") or "").strip() or None
    link = link if is_web_url(link) else None
    canon = canonical_url(link) if link else None
    guid = _clean(entry.get("id")) or None
    title_key = _hash_key(title or summary) if (title or summary) else None
    key = next((k for k in (guid, canon, title_key) if k), None)
    if key is None:
        return
    key = _bound(key)
    if key in keys:
        if not guid:
            return
        if canon:
            if canon in links or _bound(canon) in keys:
                return
            key = _bound(canon)
        elif title_key and title_key not in keys:
            key = title_key
        else:
            return
    keys.add(key)
    if canon:
        links.add(canon)
    out.append(FeedEntry(key=key, link=link, title=title, published=_published(entry), summary=summary))
