"""URL identity: the canonical form that names an article, and the web-URL test."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

WEB_SCHEMES = ("http", "https")


def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host (never javascript:, file:, data:, mailto:, ...)."""
    if not url or not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)
    except ValueError:
        return False


def canonical_url(url: str) -> str:
    """Article identity: tracking parameters (utm_*, fbclid, ...) and fragment dropped, host lower-cased, default port dropped.

    Other query parameters are kept (sorted), since they often name the article (``?id=123``).
    A URL courlan cannot normalise comes back stripped of whitespace and fragment only.
    """
    url = url.strip()
    try:
        normal = normalize_url(url, strict=False)
    except (ValueError, TypeError):
        normal = url
    try:
        parts = urlsplit(normal)
    except ValueError:
        return normal.split("#", 1)[0]
    path = parts.path or ("/" if parts.netloc else "")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#]*@")


def redact(text: str | None) -> str:
    """``text`` with the credentials of every URL in it replaced: ``https://***@host/`` (for logs and screens)."""
    return _USERINFO.sub(r"\1***@", text or "")
