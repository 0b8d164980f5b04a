"""canonical_url and is_web_url."""

from __future__ import annotations

import pytest

from extract.urls import canonical_url, is_web_url


@pytest.mark.parametrize(
    "url, canonical",
    [
        ("https://News.Example.COM/world/story?utm_source=rss&utm_medium=feed", "https://news.example.com/world/story"),
        ("https://news.example.com/world/story#comments", "https://news.example.com/world/story"),
        ("https://news.example.com:443/a", "https://news.example.com/a"),
        ("http://news.example.com:80/a", "http://news.example.com/a"),
        ("http://news.example.com:8080/a", "http://news.example.com:8080/a"),
        ("https://news.example.com/a?id=42&fbclid=abc&gclid=x", "https://news.example.com/a?id=42"),
        ("https://news.example.com/a?b=2&a=1", "https://news.example.com/a?a=1&b=2"),
        ("HTTPS://news.example.com", "https://news.example.com/"),
        ("  https://news.example.com/a  ", "https://news.example.com/a"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_canonical_url_keeps_the_path_case_and_distinct_articles_apart():
    assert canonical_url("https://n.example/Article/1") == "https://n.example/Article/1"
    assert canonical_url("https://n.example/a?id=1") != canonical_url("https://n.example/a?id=2")


def test_canonical_url_is_idempotent():
    once = canonical_url("https://N.example:443/x/?utm_campaign=y&p=3#top")
    assert canonical_url(once) == once


@pytest.mark.parametrize("url", ["http://n.example/a", "https://n.example", "HTTPS://N.EXAMPLE/x"])
def test_web_urls(url):
    assert is_web_url(url)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>", "mailto:a@n.example", "ftp://n.example/f", "/relative/path", "//n.example/a", "https://", "", None, "http://[::1"],
)
def test_not_web_urls(url):
    assert not is_web_url(url)
